"""Quarters of monitoring (docs/monitoring.md, "Quarters"): the office opens a Jalali quarter of the
executed year's cycle and may give one unit a later due date; which due date applies to a unit, and
which units still have projects to report (for the reminders).

A quarter's due date is a `workgroups.deadlines.DueDate` like a list's: the whole last second
counts, a hard one refuses late reports unless the unit was given an extension.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from karaj_budget.jalali import format_jalali_datetime
from karaj_budget.persian import normalize_text
from programs.models import Unit
from workgroups.deadlines import DueDate
from workgroups.locks import ListInvalid
from workgroups.models import AuditEntry, MonitoredProject, PeriodExtension, ProgressReport, ReportingPeriod
from workgroups.monitoring import rules

KIND = "quarter"


class PeriodError(ListInvalid):
    """The office's request about a quarter is refused; `message` says why in Persian."""


def _user(user):
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def period_open(*, cycle, quarter, due_at=None, is_hard=False, user, now=None):
    """Open `quarter` (1..4) of `cycle` for reporting, due by default at the end of the 15th day
    after the quarter (rules.default_due_at). A quarter is opened once."""
    now = now or timezone.now()
    if quarter not in rules.QUARTER_NAMES:
        raise PeriodError("فصل باید یکی از بهار، تابستان، پاییز یا زمستان باشد.")
    label = rules.quarter_label(cycle.fiscal_year, quarter)
    due_at = due_at or rules.default_due_at(cycle.fiscal_year, quarter)
    if ReportingPeriod.objects.filter(cycle=cycle, quarter=quarter).exists():
        raise PeriodError(f"فصل {label} پیش‌تر گشوده شده است.")
    try:
        with transaction.atomic():
            period = ReportingPeriod.objects.create(
                cycle=cycle,
                quarter=quarter,
                due_at=due_at,
                is_hard=is_hard,
                opened_at=now,
                opened_by=_user(user),
            )
    except IntegrityError:
        # The unique constraint decides when two people open the same quarter at once.
        raise PeriodError(f"فصل {label} هم‌زمان گشوده شد.") from None
    hard = " (قطعی)" if is_hard else ""
    AuditEntry.objects.record(
        actor=user,
        action="period.open",
        summary=f"گشایش فصل گزارش پایش {label}، مهلت {format_jalali_datetime(due_at)}{hard}",
        cycle=cycle,
        details={"period": period.pk, "quarter": quarter, "due_at": due_at.isoformat(), "is_hard": is_hard},
    )
    return period


@transaction.atomic
def period_extend(*, period, unit, due_at, reason, user, now=None):
    """Give `unit` a later due date for `period`'s reports (the latest grant wins)."""
    now = now or timezone.now()
    reason = normalize_text(reason or "")
    if not reason:
        raise PeriodError("دلیل تمدید را بنویسید.")
    if due_at <= now:
        raise PeriodError("مهلت تازه باید در آینده باشد.")
    if due_at <= period.due_at:
        raise PeriodError("مهلت تازه باید پس از مهلت فصل باشد.")
    extension = PeriodExtension.objects.create(
        period=period, unit=unit, due_at=due_at, reason=reason, granted_by=_user(user), granted_at=now
    )
    AuditEntry.objects.record(
        actor=user,
        action="period.extend",
        summary=f"تمدید مهلت گزارش پایش {period} برای {unit.name} تا {format_jalali_datetime(due_at)}",
        cycle=period.cycle,
        details={"period": period.pk, "unit": unit.pk, "due_at": due_at.isoformat(), "reason": reason},
    )
    return extension


def latest_extension(period, unit):
    return (
        PeriodExtension.objects.filter(period=period, unit=unit)
        .select_related("granted_by")
        .order_by("-granted_at", "-pk")
        .first()
    )


def due_for(period, unit, *, extension=None, extensions=None):
    """The `DueDate` of `unit`'s reports of `period`: its latest extension's, else the quarter's.

    `extensions`, from `latest_extensions`, answers without a query (pages listing many units).
    """
    if extensions is not None:
        extension = extensions.get(unit.pk if unit is not None else None)
    elif extension is None and unit is not None:
        extension = latest_extension(period, unit)
    return DueDate(
        kind=KIND,
        due_at=extension.due_at if extension is not None else period.due_at,
        is_hard=period.is_hard,
        base_due_at=period.due_at,
        extension=extension,
        title=f"گزارش پایش {period}",
    )


def latest_extensions(period):
    """{unit id: the latest PeriodExtension} of a quarter, in one query."""
    latest = {}
    for extension in PeriodExtension.objects.filter(period=period).order_by("granted_at", "pk"):
        latest[extension.unit_id] = extension
    return latest


def late_refusal(due, now):
    """The Persian reason a report may not be submitted now, or None: a hard due date passed."""
    if due.is_hard and not due.is_open(now):
        return (
            f"مهلت قطعی {due.label} ({format_jalali_datetime(due.due_at)}) گذشته است؛ "
            "برای ارسال، از دفتر برنامه و بودجه تمدید مهلت بخواهید."
        )
    return None


def monitored_of_period(period):
    """The monitored projects a quarter asks reports of: those of its cycle."""
    return MonitoredProject.objects.filter(project__cycle_id=period.cycle_id)


def units_with_unreported(period):
    """{unit: number of its projects without a submitted or verified report of `period`} for every
    unit that has any (who the reminders go to)."""
    done = ProgressReport.objects.filter(period=period, state__in=ProgressReport.FROZEN_STATES).values(
        "monitored_id"
    )
    counts = {}
    rows = (
        monitored_of_period(period).exclude(pk__in=done).values_list("project__proposing_unit_id", flat=True)
    )
    for unit_id in rows:
        if unit_id is not None:
            counts[unit_id] = counts.get(unit_id, 0) + 1
    units = Unit.objects.in_bulk(list(counts))
    return {units[pk]: count for pk, count in counts.items()}
