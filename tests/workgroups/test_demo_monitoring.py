"""seed_demo's year being executed (workgroups/demo_monitoring.py): its accepted coded lists under
monitoring, three quarters open, two reported (late, returned, delayed, stopped and silent units),
indicators measured, and next year's ongoing projects tied to it, so next year's ranking page
marks the delayed project; seeding again adds nothing."""

import io

import jdatetime
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from karaj_budget.jalali import TEHRAN
from workgroups.demo_monitoring import DELAYED_IN, SILENT_IN_SUMMER, STOPPED_IN
from workgroups.models import (
    AuditEntry,
    Cycle,
    IndicatorActual,
    MonitoredProject,
    ProgressReport,
    Project,
    ReportingPeriod,
)

pytestmark = pytest.mark.django_db


def test_the_executed_year_is_monitored_as_the_story_says(demo, settings, tmp_path, client, personas):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    year = jdatetime.date.fromgregorian(date=timezone.localtime(timezone.now(), TEHRAN).date()).year
    executed = Cycle.objects.get(fiscal_year=year)
    monitored = MonitoredProject.objects.filter(project__cycle=executed)
    assert monitored.count() == Project.objects.filter(cycle=executed, priority__isnull=False).count() > 0
    assert monitored.filter(approved_from="typed").exists()
    assert list(ReportingPeriod.objects.filter(cycle=executed).values_list("quarter", flat=True)) == [1, 2, 3]

    reports = ProgressReport.objects.filter(period__cycle=executed)
    spring, summer = reports.filter(period__quarter=1), reports.filter(period__quarter=2)
    assert spring.count() == monitored.count() and not spring.exclude(state="verified").exists()
    assert spring.filter(late_by__isnull=False).exists() and spring.filter(late_by__isnull=True).exists()
    assert all(report.verify_checksum() for report in reports.exclude(state__in=["draft", "returned"]))
    # Two units said nothing in summer; one report was returned; some wait for the office.
    assert not summer.filter(monitored__project__proposing_unit__code__in=SILENT_IN_SUMMER).exists()
    assert summer.count() < monitored.count()
    returned = summer.get(state="returned")
    assert returned.monitored.project.proposing_unit.code == "R01" and returned.review_reason
    assert summer.filter(state="submitted").exists()
    delayed = summer.get(status="delayed")
    stopped = summer.get(status="stopped")
    for report, slug in ((delayed, DELAYED_IN), (stopped, STOPPED_IN)):
        assert report.state == "verified" and report.reason
        assert report.monitored.project.workgroup.slug == slug
    assert delayed.comments.exists()
    assert reports.filter(period__quarter=3, state="draft").exists()
    assert IndicatorActual.objects.filter(period__cycle=executed).count() >= 4

    # Next year's ranking page marks the delayed project, in words.
    current = Cycle.objects.current()
    follower = Project.objects.get(cycle=current, continues=delayed.monitored.project)
    client.force_login(personas["head_a"])
    page = client.get(reverse("workgroups:workgroup-detail", args=[DELAYED_IN])).content.decode()
    assert follower.title in page and "عقب از برنامه" in page

    before = (ProgressReport.objects.count(), MonitoredProject.objects.count(), AuditEntry.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        ProgressReport.objects.count(),
        MonitoredProject.objects.count(),
        AuditEntry.objects.count(),
    ) == before
