"""Closing the loop in Chromium: next year's ranking page shows the delayed project's marker, in
words, at desktop and phone sizes (docs/monitoring.md, "Closing the loop")."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from workgroups import ranking
from workgroups.models import Cycle, MonitoredProject, ProgressReport, Project, Workgroup
from workgroups.monitoring import carryover

PASSWORD = "karaj1399"


@pytest.mark.django_db(transaction=True)
def test_next_years_ranking_page_marks_the_delayed_project(
    live_server, new_page, monitored, open_quarter, login, screenshot
):
    cycle = Cycle.objects.current()
    civil = Workgroup.objects.get(slug="civil")
    order = list(
        Project.objects.for_workgroup(civil, cycle).active().order_by("pk").values_list("pk", flat=True)
    )
    ranking.ranking_save(workgroup=civil, cycle=cycle, order=order, version=0, user=None)
    carryover.carryover_link(cycle=cycle, user=None)
    project = Project.objects.filter(cycle=cycle, workgroup=civil, continues__isnull=False).first()
    row = MonitoredProject.objects.get(project_id=project.continues_id)
    MonitoredProject.objects.filter(pk=row.pk).update(approved_amount=1000)
    now = timezone.now()
    ProgressReport.objects.create(
        monitored=row,
        period=open_quarter(2),
        state=ProgressReport.State.VERIFIED,
        physical_progress=35,
        absorbed=250,
        status=ProgressReport.Status.DELAYED,
        reason="تأخیر در تحویل زمین",
        number=1,
        checksum="0" * 64,
        submitted_at=now,
        reviewed_at=now,
    )
    for name, viewport in (("1366", DESKTOP), ("390", PHONE)):
        page = new_page(viewport)
        login(page, live_server, "head_civil", PASSWORD)
        page.goto(f"{live_server.url}/workgroups/civil/")
        item = page.locator(f'#ranking [data-project-id="{project.pk}"]')
        marker = item.locator("[data-behind-marker]")
        expect(marker).to_be_visible()
        expect(marker).to_contain_text("عقب از برنامه: با تأخیر")
        expect(item.locator("[data-carried]")).to_contain_text("پیشرفت ۳۵٪")
        expect(item.locator("[data-carried]")).to_contain_text("جذب ۲۵٪")
        assert page.locator("#ranking [data-behind-marker]").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        item.scroll_into_view_if_needed()
        screenshot(page, f"monitoring-loop-ranking-{name}")
