"""Program indicators (docs/monitoring.md, "Indicators"): a quarter's actual value of an indicator,
recorded by the office or by the head of the program's responsible deputy's workgroup (who may is
workgroups/access.py's), and the year's table of indicators with baseline, target, the actuals of
each quarter and the achievement (workgroups/monitoring/rules.py)."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import PersianInputError, normalize_text, to_ascii_digits
from programs.models import Indicator, IndicatorTarget
from workgroups.models import AuditEntry, Cycle, IndicatorActual, ReportingPeriod
from workgroups.monitoring import rules

# An actual value is stored with two decimals and at most 14 digits before the point.
_VALUE = re.compile(r"-?\d{1,14}(\.\d{1,2})?")


class IndicatorInvalid(PersianInputError):
    """An actual value or quarter that cannot be recorded; the message says why."""


def clean_value(raw):
    """A typed actual value: Persian or ASCII digits, «٫» or «.» as the decimal point, thousands
    separators allowed; at most two decimals."""
    text = to_ascii_digits(normalize_text(str(raw if raw is not None else ""))).strip()
    text = re.sub("[,٬ ]", "", text).replace("٫", ".").replace("/", ".")
    if not text:
        raise IndicatorInvalid("مقدار واقعی خالی است.")
    if not _VALUE.fullmatch(text):
        raise IndicatorInvalid(f"مقدار واقعی «{raw}» عدد نیست (حداکثر دو رقم اعشار).")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise IndicatorInvalid(f"مقدار واقعی «{raw}» عدد نیست.") from None


@transaction.atomic
def indicator_record_actual(*, indicator, period, value, user, note=""):
    """Record (or correct) the actual value of `indicator` at the end of `period`'s quarter.
    `value` is what was typed. Audited with the value it replaces. Returns the IndicatorActual."""
    value = clean_value(value)
    # The indicator's row is the lock two entries of its values queue on.
    indicator = Indicator.objects.select_for_update().select_related("program_code").get(pk=indicator.pk)
    actual = IndicatorActual.objects.filter(indicator=indicator, period=period).first()
    before = actual.value if actual is not None else None
    if actual is None:
        actual = IndicatorActual(indicator=indicator, period=period)
    actual.value = value
    actual.note = normalize_text(note or "")
    actual.entered_by = user if user is not None and user.is_authenticated else None
    actual.save()
    quarter = rules.quarter_label(period.cycle.fiscal_year, period.quarter)
    AuditEntry.objects.record(
        actor=user,
        action="indicator.actual",
        summary=(
            f"مقدار واقعی شاخص «{indicator.name}» ({indicator.program_code.code}) در {quarter}: "
            f"{_fa_decimal(before)} ← {_fa_decimal(value)}"
        )[:500],
        cycle=period.cycle,
        details={
            "indicator": indicator.pk,
            "quarter": period.quarter,
            "before": None if before is None else _plain(before),
            "after": _plain(value),
        },
    )
    return actual


def period_for(year, quarter):
    """The opened quarter of fiscal year `year`, or IndicatorInvalid when it is not open."""
    try:
        quarter = int(quarter)
    except (TypeError, ValueError):
        raise IndicatorInvalid("فصل را انتخاب کنید.") from None
    period = (
        ReportingPeriod.objects.select_related("cycle")
        .filter(cycle__fiscal_year=year, quarter=quarter)
        .first()
    )
    if period is None:
        raise IndicatorInvalid(
            f"فصل {rules.QUARTER_NAMES.get(quarter, persian_digits(quarter))} {persian_digits(year)} "
            "هنوز گشوده نشده است؛ مقدار واقعی پس از گشایش فصل ثبت می‌شود."
        )
    return period


def default_year():
    """The year whose indicators are shown by default: the latest with an opened quarter, else the
    current cycle's."""
    period = ReportingPeriod.objects.select_related("cycle").order_by("-cycle__fiscal_year").first()
    if period is not None:
        return period.cycle.fiscal_year
    cycle = Cycle.objects.current()
    return cycle.fiscal_year if cycle else None


@dataclass
class IndicatorRow:
    indicator: Indicator
    target: Decimal | None = None
    actuals: dict = field(default_factory=dict)  # {quarter: Decimal}
    may_record: bool = False

    @property
    def quarters(self):
        """[(quarter, value as shown or None, achievement or None)] for the four quarters."""
        return [
            (q, _shown(self.actuals.get(q)), self._achievement(self.actuals.get(q))) for q in (1, 2, 3, 4)
        ]

    @property
    def baseline_shown(self):
        return _shown(self.indicator.baseline)

    @property
    def target_shown(self):
        return _shown(self.target)

    @property
    def latest(self):
        return self.actuals[max(self.actuals)] if self.actuals else None

    @property
    def achievement(self):
        """Achievement of the latest quarter's actual against the year's target."""
        return self._achievement(self.latest)

    def _achievement(self, actual):
        return rules.achievement(
            baseline=self.indicator.baseline,
            target=self.target,
            actual=actual,
            direction=self.indicator.direction,
        )


def indicator_table(year, *, deputies=None, may_record=None):
    """The year's indicators (all, or those of `deputies`' program codes), each with its target,
    actuals per quarter and achievement. Three queries whatever the number of indicators.
    `may_record(program_code)` marks the rows the viewer may enter values for."""
    indicators = Indicator.objects.select_related("program_code").order_by(
        "program_code__code", "position", "pk"
    )
    if deputies is not None:
        indicators = indicators.filter(program_code__deputy_id__in=deputies)
    rows = {indicator.pk: IndicatorRow(indicator) for indicator in indicators}
    for indicator_id, target in IndicatorTarget.objects.filter(
        indicator_id__in=list(rows), fiscal_year=year
    ).values_list("indicator_id", "target"):
        rows[indicator_id].target = target
    for indicator_id, quarter, value in IndicatorActual.objects.filter(
        indicator_id__in=list(rows), period__cycle__fiscal_year=year
    ).values_list("indicator_id", "period__quarter", "value"):
        rows[indicator_id].actuals[quarter] = value
    for row in rows.values():
        row.may_record = bool(may_record and may_record(row.indicator.program_code))
    return list(rows.values())


def opened_quarters(year):
    """The quarters of `year` the office has opened (one query)."""
    return list(
        ReportingPeriod.objects.filter(cycle__fiscal_year=year)
        .order_by("quarter")
        .values_list("quarter", flat=True)
    )


def _plain(value):
    """15.50 → "15.5", 20.00 → "20": the value as a person wrote it."""
    return format(value.normalize(), "f")


def _shown(value):
    """A decimal as people read it: Persian digits, «٫» as the point, no trailing zeros."""
    return None if value is None else _fa_decimal(value)


def _fa_decimal(value):
    if value is None:
        return "—"
    return persian_digits(_plain(value)).replace(".", "٫")
