"""Coded projects of earlier cycles, as Karaj's history grows (about 2,000 coded projects a year):
what the coding page's suggestions compare a list with. One builder for `bench/coding.py` and the
load test (`bench/load/run.py`); Django must be set up before it is called."""


def add_coded_history(cycle, count, *, titles, rng, first_year=None, per_year=None, start=0):
    """Create `count` coded projects (random leaf codes valid in `cycle`'s year, units and
    workgroups) in the cycles before `cycle`: from `first_year` (default: the year before) back,
    `per_year` a year (all in `first_year` when None). `titles` is an iterator of titles; `start`
    is how many such projects already exist (so that a growing history keeps its years). They are
    marked as changed long ago, as history is: the suggestions' pool re-reads only recent changes."""
    from django.utils import timezone

    from karaj_budget.persian import normalize_text, search_key
    from programs.models import BudgetCode, ProgramCode, Unit
    from workgroups.models import Cycle, Project, Workgroup

    if count <= 0:
        return
    first_year = first_year if first_year is not None else cycle.fiscal_year - 1
    leaves = {"level": 4, "children__isnull": True}
    programs = list(ProgramCode.objects.active().valid_in(cycle.fiscal_year).filter(**leaves))
    budgets = list(BudgetCode.objects.active().valid_in(cycle.fiscal_year).filter(**leaves))
    units = list(Unit.objects.exclude(kind=Unit.Kind.DEPUTY))
    workgroups = list(Workgroup.objects.select_related("deputy"))
    cycles = {}
    rows = []
    for number in range(start, start + count):
        year = first_year - (number // per_year if per_year else 0)
        if year not in cycles:
            cycles[year], _ = Cycle.objects.get_or_create(
                fiscal_year=year, defaults={"title": f"بودجه {year}"}
            )
        title = next(titles)
        workgroup = rng.choice(workgroups)
        rows.append(
            Project(
                cycle=cycles[year],
                workgroup=workgroup,
                responsible_deputy=workgroup.deputy,
                proposing_unit=rng.choice(units),
                title=title,
                title_key=search_key(normalize_text(title)),
                requested_amount=rng.randrange(100, 60_000),
                program_code=rng.choice(programs),
                budget_code=rng.choice(budgets),
            )
        )
    Project.objects.bulk_create(rows, batch_size=1000)
    Project.objects.filter(cycle__fiscal_year__lt=cycle.fiscal_year).update(
        updated_at=timezone.now() - timezone.timedelta(days=200)
    )
