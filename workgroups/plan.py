"""The plan's one-year slice (برش یکساله برنامه): what this year's requests give each operational
program of the strategic plan, per credit type and per funding source, and the programs that get
nothing.

An operational program is a program code valid in the year with no child (a leaf of the plan).
Withdrawn projects and those awaiting a workgroup count for nothing; projects without a program
code are summed apart. Three queries whatever the size of the plan or the cycle.

`without_indicator` lists the projects whose program code has no indicator (programs.Indicator,
docs/monitoring.md): their results could not be measured against the plan.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from programs.models import ProgramCode
from workgroups import resources
from workgroups.models import Project, ProjectFunding


@dataclass
class ProgramSlice:
    code: str
    title: str
    count: int = 0
    total: int = 0
    by_type: dict = field(default_factory=dict)  # {credit type or "": amount}
    by_source: dict = field(default_factory=dict)  # {source name: amount}

    @property
    def unsplit(self):
        """The part of the requests not yet split over sources (exact: parts add up to requests)."""
        return self.total - sum(self.by_source.values())


def plan_slice(cycle):
    """(rows with money, programs that got nothing, the slice of projects with no program code, the
    source names in the order shown)."""
    year = cycle.fiscal_year
    codes = list(
        ProgramCode.objects.valid_in(year)
        .filter(is_active=True)
        .annotate(children_in_year=Count("children"))
        .order_by("code")
        .values("pk", "code", "title", "children_in_year")
    )
    slices = {row["pk"]: ProgramSlice(row["code"], row["title"]) for row in codes}
    leaves = {row["pk"] for row in codes if not row["children_in_year"]}
    uncoded = ProgramSlice("", "بدون کد برنامه عملیاتی")
    counted = Project.objects.filter(cycle=cycle, state=Project.State.PROPOSED)
    for row in (
        counted.values("program_code_id", "requested_credit_type", "budget_code__credit_type")
        .annotate(total=Sum("requested_amount"), count=Count("pk"))
        .order_by()
    ):
        target = slices.get(row["program_code_id"], uncoded)
        credit_type = resources.credit_type_of(row["requested_credit_type"], row["budget_code__credit_type"])
        target.count += row["count"]
        target.total += row["total"]
        target.by_type[credit_type] = target.by_type.get(credit_type, 0) + row["total"]
    sources = []
    for row in (
        ProjectFunding.objects.filter(project__in=counted)
        .values("project__program_code_id", "source__name", "source__position")
        .annotate(total=Sum("amount"))
        .order_by("source__position", "source__name")
    ):
        target = slices.get(row["project__program_code_id"], uncoded)
        name = row["source__name"]
        target.by_source[name] = target.by_source.get(name, 0) + row["total"]
        if name not in sources:
            sources.append(name)
    rows = [slices[row["pk"]] for row in codes if slices[row["pk"]].count]
    empty = [slices[pk] for pk in slices if pk in leaves and not slices[pk].count]
    return rows, empty, uncoded, sources


def without_indicator(cycle):
    """The cycle's counted projects coded to a program that has no indicator, by program code and
    workgroup (one query)."""
    return list(
        Project.objects.filter(cycle=cycle, state=Project.State.PROPOSED, program_code__isnull=False)
        .filter(program_code__indicators__isnull=True)
        .select_related("program_code", "workgroup", "proposing_unit")
        .only(
            "title",
            "requested_amount",
            "program_code__code",
            "program_code__title",
            "workgroup__name",
            "workgroup__slug",
            "proposing_unit__name",
        )
        .order_by("program_code__code", "workgroup__deputy__code", "priority", "pk")
    )
