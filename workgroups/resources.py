"""A project's money over time, its funding sources and its credit type: the rules, in one place.

The proposal form, the admin, the projects import and the services all ask `money_problems` and
write through `write_money`; the ranking figures ask `credit_type_of` (docs/resources.md).

- Years: spent before this fiscal year + this year's request + the forecasts of the next years (up
  to five) should add up to the total estimate. When a project states its years (a spent-before
  figure or any forecast) and they do not, the difference is shown and must have a reason.
- Remaining estimate: an ongoing project may not ask for more than its estimate minus what was
  spent before, unless a reason is recorded.
- Sources: when a project's request is split over funding sources, the parts add up to the request
  exactly; a project with no parts is "not split yet" (shown as such in the totals per source).
- Credit type: the budget line's type once the project is coded with a typed line, else the type
  the proposing unit asked for; coding.py warns when the two differ.

Amounts are whole million rials (integers); every sum is exact.
"""

from dataclasses import dataclass, field

from karaj_budget.jalali import format_money, persian_digits
from karaj_budget.persian import normalize_text
from programs.models import BudgetCode, FundingSource
from workgroups.models import ProjectFunding, ProjectYearForecast

MAX_FORECAST_YEARS = 5
CREDIT_TYPES = (BudgetCode.CreditType.CAPITAL, BudgetCode.CreditType.CURRENT)
CREDIT_LABELS = dict(BudgetCode.CreditType.choices)
# On the ranking rows, where space is short.
CREDIT_SHORT_LABELS = {BudgetCode.CreditType.CAPITAL: "سرمایه‌ای", BudgetCode.CreditType.CURRENT: "هزینه‌ای"}
UNSPLIT = "منبع تعیین نشده"
UNIT = "میلیون ریال"


def credit_type_of(requested_credit_type, budget_credit_type):
    """The credit type whose ceiling a project counts against ('' when neither is known)."""
    return budget_credit_type or requested_credit_type or ""


def forecast_years(fiscal_year):
    """The years a project of the `fiscal_year` cycle may forecast: the next five."""
    return list(range(fiscal_year + 1, fiscal_year + 1 + MAX_FORECAST_YEARS))


def source_header(name):
    return f"منبع: {name}"


def forecast_header(year):
    return f"پیش‌بینی {year}"


@dataclass
class Money:
    """A project's money as entered: every figure in million rials."""

    fiscal_year: int
    requested: int
    kind: str = "new"
    total_estimate: int | None = None
    spent_before: int | None = None
    forecasts: dict = field(default_factory=dict)  # {year: amount}
    sources: dict = field(default_factory=dict)  # {FundingSource pk: amount}
    estimate_gap_reason: str = ""
    over_remaining_reason: str = ""

    @property
    def states_years(self):
        return self.spent_before is not None or any(self.forecasts.values())

    @property
    def years_total(self):
        return (self.spent_before or 0) + self.requested + sum(self.forecasts.values())

    @property
    def estimate_gap(self):
        """Total estimate minus the years' sum (positive: years fall short), or None when unchecked."""
        if self.total_estimate is None or not self.states_years:
            return None
        return self.total_estimate - self.years_total

    @property
    def remaining(self):
        """What remains of the estimate for this year and later (None when unknown)."""
        if self.total_estimate is None:
            return None
        return max(0, self.total_estimate - (self.spent_before or 0))

    @property
    def over_remaining(self):
        """How much an ongoing project asks beyond what remains of its estimate (0 when not)."""
        if self.kind != "ongoing" or self.remaining is None:
            return 0
        return max(0, self.requested - self.remaining)

    @property
    def sources_total(self):
        return sum(self.sources.values())


def money_problems(money):
    """[(field name, Persian message)] for everything wrong with `money`; empty when it may be saved.

    Field names are the form's and the import's keys: forecasts, estimate_gap_reason,
    over_remaining_reason, sources, spent_before.
    """
    problems = []
    allowed = set(forecast_years(money.fiscal_year))
    for year in sorted(money.forecasts):
        if year not in allowed:
            problems.append(
                (
                    "forecasts",
                    f"پیش‌بینی سال {persian_digits(year)} پذیرفته نیست؛ فقط پنج سال پس از "
                    f"{persian_digits(money.fiscal_year)} ({persian_digits(min(allowed))} تا "
                    f"{persian_digits(max(allowed))}).",
                )
            )
    if (
        money.total_estimate is not None
        and money.spent_before is not None
        and money.spent_before > money.total_estimate
    ):
        problems.append(("spent_before", "هزینه‌شده تا پیش از سال جاری از برآورد کل بیشتر است."))
    gap = money.estimate_gap
    if gap and not money.estimate_gap_reason.strip():
        side = "کمتر" if gap > 0 else "بیشتر"
        problems.append(
            (
                "estimate_gap_reason",
                f"جمع سال‌ها ({format_money(money.years_total)}) {format_money(abs(gap))} {UNIT} {side} "
                f"از برآورد کل ({format_money(money.total_estimate)}) است؛ "
                "دلیل اختلاف را بنویسید یا ارقام را اصلاح کنید.",
            )
        )
    if money.over_remaining and not money.over_remaining_reason.strip():
        problems.append(
            (
                "over_remaining_reason",
                f"اعتبار درخواستی {format_money(money.over_remaining)} {UNIT} بیش از مانده برآورد "
                f"({format_money(money.remaining)}) است؛ برای پروژه در دست اجرا دلیل آن را بنویسید.",
            )
        )
    if money.sources and money.sources_total != money.requested:
        difference = money.sources_total - money.requested
        side = "بیشتر" if difference > 0 else "کمتر"
        problems.append(
            (
                "sources",
                f"جمع منابع ({format_money(money.sources_total)}) {format_money(abs(difference))} {UNIT} "
                f"{side} از اعتبار درخواستی ({format_money(money.requested)}) است؛ "
                "سهم منابع باید دقیقاً برابر درخواست باشد.",
            )
        )
    return problems


def money_of(project, *, forecasts=None, sources=None):
    """The `Money` of a saved or edited project; forecasts and sources as given, else as stored."""
    if forecasts is None:
        forecasts = {row.fiscal_year: row.amount for row in project.forecasts.all()} if project.pk else {}
    if sources is None:
        sources = {row.source_id: row.amount for row in project.fundings.all()} if project.pk else {}
    return Money(
        fiscal_year=project.cycle.fiscal_year,
        requested=project.requested_amount or 0,
        kind=project.kind,
        total_estimate=project.total_estimate,
        spent_before=project.spent_before,
        forecasts={year: amount for year, amount in forecasts.items() if amount},
        sources={pk: amount for pk, amount in sources.items() if amount},
        estimate_gap_reason=project.estimate_gap_reason,
        over_remaining_reason=project.over_remaining_reason,
    )


def stored_rows(project):
    """{"forecasts": {year: amount}, "sources": {source pk: amount}} as stored (for audit and diffs)."""
    if project.pk is None:
        return {"forecasts": {}, "sources": {}}
    return {
        "forecasts": dict(project.forecasts.values_list("fiscal_year", "amount")),
        "sources": dict(project.fundings.values_list("source_id", "amount")),
    }


def write_money(project, *, forecasts, sources):
    """Replace a saved project's forecasts and source parts (zero amounts are not stored).

    Called inside the transaction of the service that locked the project's list; returns what was
    stored before, for the audit entry.
    """
    before = stored_rows(project)
    forecasts = {int(year): int(amount) for year, amount in forecasts.items() if amount}
    sources = {int(pk): int(amount) for pk, amount in sources.items() if amount}
    if before["forecasts"] != forecasts:
        project.forecasts.all().delete()
        ProjectYearForecast.objects.bulk_create(
            ProjectYearForecast(project=project, fiscal_year=year, amount=amount)
            for year, amount in sorted(forecasts.items())
        )
    if before["sources"] != sources:
        project.fundings.all().delete()
        ProjectFunding.objects.bulk_create(
            ProjectFunding(project=project, source_id=pk, amount=amount) for pk, amount in sources.items()
        )
    return before


def active_sources():
    return list(FundingSource.objects.filter(is_active=True))


def source_by_name(sources):
    """{normalised name: source} for matching the import's «منبع: …» columns."""
    return {normalize_text(source.name): source for source in sources}
