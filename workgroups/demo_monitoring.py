"""The demo's fiscal year being executed (seed_demo): its accepted coded lists under monitoring,
three quarters open, two of them reported, and the plan's indicators measured (docs/monitoring.md).

The story, so that every monitoring screen has something true to show:
- the council approved less than the request for every fourth project;
- spring (quarter 1) was reported by every unit and verified, two units a few days late;
- summer (quarter 2) was reported by most units: one project is delayed and one stopped (both
  verified, with their reasons), district 1's report was returned for a correction, some reports
  await the office's review, and two units have not reported at all;
- autumn (quarter 3) is open, due after it ends, with a few drafts;
- the ongoing projects of the cycle being ranked now continue this year's projects, so next year's
  ranking page shows their latest verified progress, and the delayed and stopped ones are marked.

Everything goes through the app's own steps (enrolment, approved amounts, quarters, reports,
review, indicators, the carry-over link), as demo_history.py does for the round itself.
"""

import datetime

import jdatetime
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from karaj_budget.jalali import TEHRAN
from programs.models import Indicator, IndicatorTarget, ProgramCode
from workgroups.attachments import parents
from workgroups.attachments import services as attachment_services
from workgroups.models import MonitoredProject, Project, UnitExpert
from workgroups.monitoring import carryover, enrolment, indicators, periods, reports

# Units that did not report in summer, and the workgroups whose ongoing project was delayed or
# stopped (the first ongoing project of each, by priority).
SILENT_IN_SUMMER = ("O09", "D5")
DELAYED_IN = "civil"
STOPPED_IN = "transport"
DELAY_REASON = "تأخیر در تحویل زمین از سوی مالکان و طولانی شدن مراحل تملک."
STOP_REASON = "توقف عملیات به دستور کمیته فنی تا بازنگری طرح ایمنی؛ پیمانکار تجهیز کارگاه را برچید."
RETURN_REASON = "درصد پیشرفت با صورت‌وضعیت پیوست هم‌خوان نیست؛ صورت‌وضعیت تأییدشده ناظر را پیوست کنید."
LATE_UNITS = ("R07", "O02")

# Indicators of the plan's programs: (name, unit of measure, baseline, target, direction, actuals by quarter).
INDICATORS = (
    ("طول معابر بهسازی‌شده", "کیلومتر", "120", "150", "increase", ("128", "136")),
    ("سرانه فضای سبز شهری", "مترمربع برای هر نفر", "11.5", "12.5", "increase", ("11.7", "11.9")),
    ("میانگین زمان رسیدگی به درخواست شهروندان", "روز", "14", "10", "decrease", ("13", "12.5")),
)


def _moment(fiscal_year, month, day, hour=10):
    """A Tehran instant on a Jalali day of the executed year, never later than now (a demo loaded
    early in the year keeps its reports in the past)."""
    day = jdatetime.date(fiscal_year, month, day).togregorian()
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=TEHRAN)
    return min(moment, timezone.now() - datetime.timedelta(hours=1))


def _planned(project):
    """A plan the unit proposes with its first report: from its progress before the year to 100%."""
    start = project.physical_progress or 0
    step = (100 - start) / 4
    return {quarter: min(100, round(start + step * quarter)) for quarter in (1, 2, 3, 4)}


def _report(monitored, period, user, *, progress, absorbed, status="on_schedule", reason="", planned=None):
    return reports.report_save(
        monitored=monitored,
        period=period,
        user=user,
        physical_progress=progress,
        absorbed=absorbed,
        status=status,
        reason=reason,
        planned=planned,
    )


def _evidence(report, user, name):
    """A one-page PDF as the report's evidence (a site visit's record), added as the unit's expert."""
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    upload = SimpleUploadedFile(name, body, content_type="application/pdf")
    parent = parents.report_parent(user, report.pk, write=True)
    attachment_services.attachment_add(parent=parent, upload=upload, user=user)


def seed_monitoring(*, executed, current, office):
    """Monitor the executed cycle as the story above tells; returns the number of reports written
    (0 when the cycle was already under monitoring)."""
    if MonitoredProject.objects.filter(project__cycle=executed).exists():
        return 0
    year = executed.fiscal_year
    enrolment.monitoring_enrol(cycle=executed, user=office)
    monitored = list(
        MonitoredProject.objects.filter(project__cycle=executed)
        .select_related("project__workgroup", "project__proposing_unit")
        .order_by("project__workgroup__slug", "project__priority")
    )
    for number, item in enumerate(monitored, start=1):
        if number % 4 == 0:
            cut = item.project.requested_amount * 9 // 10
            enrolment.monitored_set_approved(monitored=item, amount=cut, user=office)
            item.refresh_from_db()

    users = get_user_model().objects
    experts = {e.unit_id: e.user for e in UnitExpert.objects.select_related("user")}
    spring = periods.period_open(cycle=executed, quarter=1, user=office, now=_moment(year, 3, 25))
    summer = periods.period_open(cycle=executed, quarter=2, user=office, now=_moment(year, 6, 25))
    autumn = periods.period_open(cycle=executed, quarter=3, user=office, now=_moment(year, 9, 1))

    def first_ongoing(slug):
        return next(
            (
                m
                for m in monitored
                if m.project.workgroup.slug == slug and m.project.kind == Project.Kind.ONGOING
            ),
            None,
        )

    delayed, stopped = first_ongoing(DELAYED_IN), first_ongoing(STOPPED_IN)
    returned = next((m for m in monitored if m.project.proposing_unit.code == "R01"), None)
    written = 0

    # Spring: everyone reports, two units late; the office verifies all.
    for item in monitored:
        unit = item.project.proposing_unit
        user = experts.get(unit.pk)
        plan = _planned(item.project)
        progress = plan[1] - (3 if item in (delayed, stopped) else 0)
        absorbed = item.approved_amount * progress // 100 // 2
        report = _report(item, spring, user, progress=progress, absorbed=absorbed, planned=plan)
        if item is returned and user is not None:
            _evidence(report, user, "صورت‌وضعیت شماره ۱.pdf")
        late = unit.code in LATE_UNITS
        reports.report_submit(report=report, user=user, now=_moment(year, 4, 19 if late else 10))
        reports.report_verify(report=report, user=office, now=_moment(year, 4, 25))
        written += 1

    # Summer: most report; one delayed, one stopped, one returned, some awaiting review, two silent.
    head_civil = users.filter(username=f"head_{DELAYED_IN}").first()
    for number, item in enumerate(monitored):
        unit = item.project.proposing_unit
        if unit.code in SILENT_IN_SUMMER:
            continue
        user = experts.get(unit.pk)
        plan = _planned(item.project)
        status, reason, progress = "on_schedule", "", plan[2]
        if item is delayed:
            status, reason, progress = "delayed", DELAY_REASON, plan[1] + 2
        elif item is stopped:
            status, reason, progress = "stopped", STOP_REASON, plan[1]
        absorbed = item.approved_amount * progress // 100 * 3 // 4
        report = _report(
            item, summer, user, progress=progress, absorbed=absorbed, status=status, reason=reason
        )
        reports.report_submit(report=report, user=user, now=_moment(year, 7, 12))
        written += 1
        if item is delayed and head_civil is not None:
            reports.report_comment(
                report=report,
                user=head_civil,
                text="موضوع تملک در جلسه کارگروه با معاونت شهرسازی پیگیری می‌شود.",
                now=_moment(year, 7, 14),
            )
        if item is returned:
            reports.report_return(report=report, user=office, reason=RETURN_REASON, now=_moment(year, 7, 20))
        elif number % 3 != 2 or item in (delayed, stopped):
            reports.report_verify(report=report, user=office, now=_moment(year, 7, 22))

    # Autumn: open, due after the season ends; a few units have started drafts.
    for item in monitored[:6]:
        plan = _planned(item.project)
        _report(
            item,
            autumn,
            experts.get(item.project.proposing_unit_id),
            progress=plan[3] if item not in (delayed, stopped) else None,
            absorbed=None,
            status="",
        )

    _seed_indicators(executed, current, office, (spring, summer))
    carryover.carryover_link(cycle=current, user=office)
    return written


def _seed_indicators(executed, current, office, quarters):
    leaves = list(
        ProgramCode.objects.filter(projects__cycle=executed).distinct().order_by("code")[: len(INDICATORS)]
    )
    for program, (name, measure, baseline, target, direction, actuals) in zip(
        leaves, INDICATORS, strict=False
    ):
        indicator, _ = Indicator.objects.get_or_create(
            program_code=program,
            name=name,
            defaults={"measure_unit": measure, "baseline": baseline, "direction": direction},
        )
        for cycle, value in ((executed, target), (current, target)):
            IndicatorTarget.objects.get_or_create(
                indicator=indicator, fiscal_year=cycle.fiscal_year, defaults={"target": value}
            )
        for period, value in zip(quarters, actuals, strict=True):
            indicators.indicator_record_actual(indicator=indicator, period=period, value=value, user=office)
