"""The rules of monitoring (پایش), each in one place: what a quarterly report may say, how absorption
and achievement are computed, and which Jalali days a quarter covers (docs/monitoring.md).

Views, the Excel upload, the admin, the dashboard and the export call these; nothing else decides
whether a report is acceptable or what a percentage is.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import jdatetime
from django.db.models import F, Q

from karaj_budget.jalali import TEHRAN, end_of_jalali_day, persian_digits
from workgroups.models import ProgressReport

Status = ProgressReport.Status

QUARTER_NAMES = {1: "بهار", 2: "تابستان", 3: "پاییز", 4: "زمستان"}

# How long after a quarter's last day its reports are due unless the office says otherwise.
DEFAULT_DAYS_AFTER_QUARTER = 15


# ---- Quarters -----------------------------------------------------------------------------------


def quarter_first_day(fiscal_year, quarter):
    """The first Jalali day of a quarter: 1 Farvardin, 1 Tir, 1 Mehr, 1 Dey."""
    return jdatetime.date(fiscal_year, 3 * (quarter - 1) + 1, 1)


def quarter_last_day(fiscal_year, quarter):
    """The last Jalali day of a quarter (31 Khordad, 31 Shahrivar, 30 Azar, 29 or 30 Esfand)."""
    if quarter == 4:
        return jdatetime.date(fiscal_year + 1, 1, 1) - datetime.timedelta(days=1)
    return quarter_first_day(fiscal_year, quarter + 1) - datetime.timedelta(days=1)


def default_due_at(fiscal_year, quarter):
    """The usual due date of a quarter's reports: the end of the 15th day after the quarter ends."""
    return end_of_jalali_day(
        quarter_last_day(fiscal_year, quarter) + datetime.timedelta(days=DEFAULT_DAYS_AFTER_QUARTER)
    )


def quarter_label(fiscal_year, quarter):
    """«پاییز ۱۴۰۵»."""
    return f"{QUARTER_NAMES[quarter]} {persian_digits(fiscal_year)}"


def quarter_of(moment):
    """(fiscal_year, quarter) of an aware instant, in Tehran's calendar."""
    day = jdatetime.date.fromgregorian(date=moment.astimezone(TEHRAN).date())
    return day.year, (day.month - 1) // 3 + 1


# ---- Figures ------------------------------------------------------------------------------------


def percent(part, whole):
    """`part ÷ whole` as a whole percentage (half up), or None when `whole` is 0 or unknown.

    Integers in, integer out: money is million rials in integers and a percentage on a dashboard is
    read to the unit.
    """
    if part is None or not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def absorption(absorbed, approved):
    """Credit absorption (جذب اعتبار): absorbed ÷ approved, in whole percent."""
    return percent(absorbed, approved)


def achievement(*, baseline, target, actual, direction):
    """How far an indicator has gone from its baseline towards the year's target, in whole percent.

    For an increasing indicator (actual − baseline) ÷ (target − baseline); for a decreasing one the
    same with the signs turned. A target equal to the baseline is met (100) or not (0). The result
    is not clipped: 130 means the target was passed, a negative value means it moved the wrong way.
    """
    if actual is None or target is None or baseline is None:
        return None
    baseline, target, actual = Decimal(baseline), Decimal(target), Decimal(actual)
    if direction == "decrease":
        baseline, target, actual = -baseline, -target, -actual
    if target == baseline:
        return 100 if actual >= target else 0
    ratio = (actual - baseline) * 100 / (target - baseline)
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_behind(*, status, progress, planned):
    """A project is behind schedule when its report says delayed or stopped, or when its reported
    progress is below the planned progress for the quarter."""
    if status in (Status.DELAYED, Status.STOPPED):
        return True
    return progress is not None and planned is not None and progress < planned


# ---- A report's figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a report's figures: the field it concerns and a Persian message."""

    field: str
    message: str


@dataclass(frozen=True)
class ReportCheck:
    problems: tuple  # refuse the report
    flags: tuple  # accept, but show and count (absorbed above approved)

    @property
    def ok(self):
        return not self.problems


def check_report(*, progress, absorbed, status, reason, approved, previous_progress=None, for_submit=True):
    """Check a report's figures. `previous_progress` is the last submitted cumulative progress of
    the same project (an earlier quarter); `for_submit` adds what a draft may still leave empty.

    - progress is a whole percent in 0..100; absorbed credit is a whole number of million rials ≥ 0;
    - a decrease of cumulative progress needs a reason, and so does a delayed or stopped project;
    - a completed project is at 100%;
    - absorbed credit above the approved amount is flagged, not refused (payables of last year,
      council amendments): the office sees it on the dashboard.
    """
    problems = []
    flags = []
    if progress is None:
        if for_submit:
            problems.append(Problem("physical_progress", "پیشرفت فیزیکی تجمعی را بنویسید (درصد، ۰ تا ۱۰۰)."))
    elif not 0 <= progress <= 100:
        problems.append(Problem("physical_progress", "پیشرفت فیزیکی باید درصدی از ۰ تا ۱۰۰ باشد."))
    if absorbed is None:
        if for_submit:
            problems.append(Problem("absorbed", "اعتبار جذب‌شده تجمعی را بنویسید (میلیون ریال)."))
    elif absorbed < 0:
        problems.append(Problem("absorbed", "اعتبار جذب‌شده نمی‌تواند منفی باشد."))
    if not status:
        if for_submit:
            problems.append(Problem("status", "وضعیت اجرای پروژه را انتخاب کنید."))
    elif status not in Status.values:
        problems.append(Problem("status", "وضعیت اجرا نامعتبر است."))
    has_reason = bool((reason or "").strip())
    if (
        progress is not None
        and previous_progress is not None
        and progress < previous_progress
        and not has_reason
    ):
        problems.append(
            Problem(
                "reason",
                f"پیشرفت فیزیکی از {_fa(previous_progress)}٪ گزارش قبلی به {_fa(progress)}٪ کم شده است؛ "
                "دلیل کاهش را بنویسید.",
            )
        )
    elif status in (Status.DELAYED, Status.STOPPED) and not has_reason and for_submit:
        label = Status(status).label
        problems.append(Problem("reason", f"برای پروژه «{label}» دلیل را بنویسید."))
    if status == Status.COMPLETED and progress is not None and progress != 100:
        problems.append(Problem("physical_progress", "پروژه پایان‌یافته باید پیشرفت فیزیکی ۱۰۰٪ داشته باشد."))
    if absorbed is not None and approved is not None and absorbed > approved:
        flags.append(
            Problem(
                "absorbed",
                f"اعتبار جذب‌شده ({_fa(absorbed)}) از اعتبار مصوب ({_fa(approved)} میلیون ریال) بیشتر است.",
            )
        )
    return ReportCheck(problems=tuple(problems), flags=tuple(flags))


def check_planned(values):
    """Check a project's planned cumulative progress for the four quarters ({quarter: percent or
    None}): each 0..100 and never lower than an earlier quarter's. Returns a list of `Problem`s."""
    problems = []
    last = None
    for quarter in (1, 2, 3, 4):
        value = values.get(quarter)
        if value is None:
            continue
        field = f"planned_q{quarter}"
        if not 0 <= value <= 100:
            problems.append(
                Problem(field, f"پیشرفت برنامه‌ای {QUARTER_NAMES[quarter]} باید از ۰ تا ۱۰۰ باشد.")
            )
        elif last is not None and value < last:
            problems.append(
                Problem(
                    field, f"پیشرفت برنامه‌ای {QUARTER_NAMES[quarter]} از فصل پیش کمتر است؛ پیشرفت تجمعی است."
                )
            )
        last = value if last is None or value > last else last
    return problems


def _fa(value):
    return persian_digits(value)


def behind_condition(*, status, progress, planned):
    """`is_behind` as a database condition, for counting many projects in one query; the arguments
    name the fields that hold the report's status and progress and the planned progress. A NULL
    progress or plan compares false in SQL, as None does in `is_behind`
    (tests/workgroups/test_monitoring_dashboard.py checks the two agree)."""
    return Q(**{f"{status}__in": [Status.DELAYED, Status.STOPPED]}) | Q(**{f"{progress}__lt": F(planned)})
