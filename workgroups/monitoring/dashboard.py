"""The figures of one quarter of monitoring (پایش) for the dashboard, its JSON and its Excel export
(docs/monitoring.md, "Dashboard").

The counts and sums are computed in the database: one GROUP BY (workgroup, unit, program code)
over the quarter's monitored projects, each LEFT JOINed to its report of the quarter, with a
conditional aggregate per figure; those few hundred cells are then summed per workgroup, per unit,
per program and in all. The project list reads only its first LIST_LIMIT rows; the export streams
every row through the same `Line`, whose per-project definitions the database conditions
(`_conditions`) state again for the sums — a test holds the two equal. The number of queries does
not grow with the number of projects (bench/monitoring.py measures the other way too: every row
read with values() and counted in Python).

What each count means (docs/monitoring.md):
- due: the monitored projects (each owes one report a quarter);
- submitted: reports the office has received (submitted or verified);
- verified: reports the office verified;
- missing: no received report and the unit's due date (its extension, else the quarter's) passed;
- late: received after its due date (`late_by`), or missing;
- absorption: absorbed ÷ approved over the received reports (rules.absorption);
- flagged: received reports whose absorbed credit is above the approved amount;
- behind: received reports that rules.is_behind calls behind (delayed, stopped or below plan).
"""

import datetime
from dataclasses import dataclass, replace

from django.db.models import Case, Count, F, FilteredRelation, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from workgroups.models import ProgressReport, ReportingPeriod
from workgroups.monitoring import periods, rules

State = ProgressReport.State
Status = ProgressReport.Status

# Reports the office has received: their figures count on the dashboard.
RECEIVED = (State.SUBMITTED, State.VERIFIED)
# A project with no report row at all, in the report-state filter and the export.
NO_REPORT = "none"
REPORT_STATE_LABELS = {NO_REPORT: "بدون گزارش", **dict(State.choices)}
# The project list on the page and in the JSON: the first rows in the dashboard's order (delayed
# and stopped first). The export has every row.
LIST_LIMIT = 200

ROW_FIELDS = (
    "id",
    "approved_amount",
    "planned_q1",
    "planned_q2",
    "planned_q3",
    "planned_q4",
    "project_id",
    "project__title",
    "project__priority",
    "project__workgroup_id",
    "project__workgroup__slug",
    "project__workgroup__name",
    "project__proposing_unit_id",
    "project__proposing_unit__code",
    "project__proposing_unit__name",
    "project__program_code__code",
    "project__program_code__title",
    "project__budget_code__code",
    "quarter_report__id",
    "quarter_report__state",
    "quarter_report__physical_progress",
    "quarter_report__absorbed",
    "quarter_report__status",
    "quarter_report__late_by",
    "quarter_report__submitted_at",
)


@dataclass(frozen=True)
class Filters:
    """What the office (or a head, or a unit) narrowed the dashboard to. Workgroup, unit and program
    narrow every figure; status and report state narrow the project list only."""

    workgroup: str = ""
    unit: str = ""
    program: str = ""
    status: str = ""
    state: str = ""

    @classmethod
    def from_query(cls, query):
        def clean(name, allowed=None):
            value = (query.get(name) or "").strip()[:64]
            return value if allowed is None or value in allowed else ""

        return cls(
            workgroup=clean("workgroup"),
            unit=clean("unit"),
            program=clean("program"),
            status=clean("status", Status.values),
            state=clean("state", REPORT_STATE_LABELS),
        )

    def as_query(self):
        return {name: value for name, value in self.__dict__.items() if value}


@dataclass
class Line:
    """One monitored project in the quarter, with its report's figures and what they mean."""

    row: dict
    quarter: int
    due: object  # the unit's DueDate (Dues.of)
    now: datetime.datetime

    def __post_init__(self):
        row = self.row
        self.state = row["quarter_report__state"] or NO_REPORT
        self.received = self.state in RECEIVED
        self.approved = row["approved_amount"]
        self.planned = row[f"planned_q{self.quarter}"]
        self.progress = row["quarter_report__physical_progress"] if self.received else None
        self.absorbed = row["quarter_report__absorbed"] if self.received else None
        self.status = row["quarter_report__status"] if self.received else ""
        self.late_by = row["quarter_report__late_by"] if self.received else None
        self.missing = not self.received and not self.due.is_open(self.now)
        self.late = bool(self.late_by and self.late_by > datetime.timedelta(0)) or self.missing
        self.flagged = self.received and self.absorbed is not None and self.absorbed > self.approved
        self.behind = self.received and rules.is_behind(
            status=self.status, progress=self.progress, planned=self.planned
        )
        self.absorption = rules.absorption(self.absorbed, self.approved) if self.received else None

    @property
    def due_at(self):
        return self.due.due_at

    @property
    def state_label(self):
        return REPORT_STATE_LABELS[self.state]

    def get_status_display(self):
        return Status(self.status).label if self.status else ""

    @property
    def attention(self):
        """The list's order: stopped, delayed, other behind, missing, the rest."""
        if self.status == Status.STOPPED:
            return 0
        if self.status == Status.DELAYED:
            return 1
        if self.behind:
            return 2
        if self.missing:
            return 3
        return 4

    def as_json(self):
        row = self.row
        return {
            "id": row["id"],
            "project_id": row["project_id"],
            "title": row["project__title"],
            "workgroup": row["project__workgroup__slug"],
            "unit": row["project__proposing_unit__code"],
            "program_code": row["project__program_code__code"],
            "budget_code": row["project__budget_code__code"],
            "approved_amount": self.approved,
            "planned_progress": self.planned,
            "reported_progress": self.progress,
            "absorbed": self.absorbed,
            "absorption_percent": self.absorption,
            "status": self.status or None,
            "report_state": self.state,
            "late": self.late,
            "late_by_seconds": int(self.late_by.total_seconds()) if self.late_by else None,
            "missing": self.missing,
            "flagged": self.flagged,
            "behind": self.behind,
        }


@dataclass
class Figures:
    """The counts and sums of one group of projects (a workgroup, a unit, a program or all), as the
    database summed them (`group_figures`)."""

    key: str = ""
    label: str = ""
    due: int = 0
    submitted: int = 0
    verified: int = 0
    missing: int = 0
    late: int = 0
    flagged: int = 0
    behind: int = 0
    delayed: int = 0
    stopped: int = 0
    approved_total: int = 0
    approved_reported: int = 0
    absorbed: int = 0
    # Σ approved × progress and Σ approved, for the weighted averages (`weighted_progress`).
    planned_weighted: int = 0
    planned_weight: int = 0
    reported_weighted: int = 0
    reported_weight: int = 0

    def __iadd__(self, other):
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def absorption(self):
        return rules.absorption(self.absorbed, self.approved_reported)

    @property
    def planned_progress(self):
        return rules.percent(self.planned_weighted, self.planned_weight * 100)

    @property
    def reported_progress(self):
        return rules.percent(self.reported_weighted, self.reported_weight * 100)

    def as_json(self):
        return {
            "key": self.key,
            "label": self.label,
            "due": self.due,
            "submitted": self.submitted,
            "verified": self.verified,
            "missing": self.missing,
            "late": self.late,
            "approved_total": self.approved_total,
            "approved_reported": self.approved_reported,
            "absorbed": self.absorbed,
            "absorption_percent": self.absorption,
            "flagged": self.flagged,
            "behind": self.behind,
            "delayed": self.delayed,
            "stopped": self.stopped,
            "planned_progress": self.planned_progress,
            "reported_progress": self.reported_progress,
        }


SUMMED = [name for name in Figures.__dataclass_fields__ if name not in ("key", "label")]


@dataclass
class Dashboard:
    period: ReportingPeriod
    now: datetime.datetime
    filters: Filters
    total: Figures
    workgroups: list
    units: list
    programs: list
    lines: list  # the project list (status and state filters applied, LIST_LIMIT rows)
    listed: int  # how many projects the filters leave, before the limit
    curve: list  # [{"quarter", "label", "planned", "reported"}] for the four quarters
    options: dict  # the values each filter may take: {"workgroup": [(slug, name)], ...}


# ---- Reading ------------------------------------------------------------------------------------


class Dues:
    """Each unit's due date of a quarter, read once: `periods.due_for` (its latest extension, else
    the quarter's; the whole last second counts)."""

    def __init__(self, period):
        self.base = periods.due_for(period, None)
        self.extended = {
            unit_id: periods.due_for(period, None, extension=extension)
            for unit_id, extension in periods.latest_extensions(period).items()
        }

    def of(self, unit_id):
        return self.extended.get(unit_id, self.base)


def quarter_rows(period, visible):
    """The quarter's monitored projects as dicts, each with its report of the quarter (or None
    fields): `visible` is the MonitoredProject rows the user may see (the role's scope, filtered)."""
    return (
        visible.filter(project__cycle_id=period.cycle_id)
        .annotate(quarter_report=FilteredRelation("reports", condition=Q(reports__period=period)))
        .order_by("project__workgroup__deputy__code", "project__priority", "id")
        .values(*ROW_FIELDS)
    )


def lines(period, visible, *, now, rows=None):
    """The quarter's `Line`s in the dashboard's base order (workgroup, priority)."""
    dues = Dues(period)
    rows = quarter_rows(period, visible).iterator(chunk_size=2000) if rows is None else rows
    for row in rows:
        yield Line(row=row, quarter=period.quarter, due=dues.of(row["project__proposing_unit_id"]), now=now)


# The filters that narrow every figure (and the export); status and report state narrow the list.
NARROWING = ("workgroup", "unit", "program")


def filter_q(filters):
    """The filters that narrow every figure, as a Q on MonitoredProject."""
    condition = Q()
    if filters.workgroup:
        condition &= Q(project__workgroup__slug=filters.workgroup)
    if filters.unit:
        condition &= Q(project__proposing_unit__code=filters.unit)
    if filters.program:
        condition &= Q(project__program_code__code=filters.program)
    return condition


def options(period, visible):
    """The values each narrowing filter may take for this user: {"workgroup": [(slug, name)], ...}
    (one query over the distinct combinations)."""
    workgroups, units, programs = {}, {}, {}
    for slug, name, code, unit_name, program, title in (
        visible.filter(project__cycle_id=period.cycle_id)
        .values_list(
            "project__workgroup__slug",
            "project__workgroup__name",
            "project__proposing_unit__code",
            "project__proposing_unit__name",
            "project__program_code__code",
            "project__program_code__title",
        )
        .order_by("project__workgroup__deputy__code")
        .distinct()
    ):
        workgroups[slug] = name
        units[code] = unit_name
        if program:
            programs[program] = title
    return {
        "workgroup": list(workgroups.items()),
        "unit": sorted(units.items()),
        "program": sorted(programs.items()),
    }


def _quarter_projects(period, visible):
    return visible.filter(project__cycle_id=period.cycle_id).annotate(
        quarter_report=FilteredRelation("reports", condition=Q(reports__period=period))
    )


def _conditions(period, now, dues):
    """The definitions of the module docstring as conditions on `_quarter_projects` rows."""
    received = Q(quarter_report__state__in=RECEIVED)
    not_received = Q(quarter_report__id__isnull=True) | Q(
        quarter_report__state__in=[State.DRAFT, State.RETURNED]
    )
    # Whose due date has passed: the units' own (extended) ones, else the quarter's.
    passed = [unit for unit, due in dues.extended.items() if not due.is_open(now)]
    still_open = [unit for unit, due in dues.extended.items() if due.is_open(now)]
    if not dues.base.is_open(now):
        due_passed = ~Q(project__proposing_unit_id__in=still_open)
    else:
        due_passed = Q(project__proposing_unit_id__in=passed)
    missing = not_received & due_passed
    behind = received & rules.behind_condition(
        status="quarter_report__status",
        progress="quarter_report__physical_progress",
        planned=f"planned_q{period.quarter}",
    )
    return {
        "received": received,
        "missing": missing,
        "late": (received & Q(quarter_report__late_by__gt=datetime.timedelta(0))) | missing,
        "behind": behind,
        "stopped": received & Q(quarter_report__status=Status.STOPPED),
        "delayed": received & Q(quarter_report__status=Status.DELAYED),
    }


# How the figures are grouped: (key field, label field) of each grouping.
GROUPINGS = {
    "workgroups": ("project__workgroup__slug", "project__workgroup__name"),
    "units": ("project__proposing_unit__code", "project__proposing_unit__name"),
    "programs": ("project__program_code__code", "project__program_code__title"),
}
CELL_FIELDS = ("project__workgroup__deputy__code", *(field for pair in GROUPINGS.values() for field in pair))


def cell_figures(period, visible, *, now, dues):
    """`Figures` of each (workgroup, unit, program code) that has projects, summed in the database in
    one GROUP BY (a few hundred rows); `rollup` sums them per grouping. Returns [(row, Figures)]
    where row holds the CELL_FIELDS, in the workgroups' order."""
    when = _conditions(period, now, dues)
    received = when["received"]
    planned = f"planned_q{period.quarter}"
    has_plan = Q(**{f"{planned}__isnull": False})
    progress = received & Q(quarter_report__physical_progress__isnull=False)
    rows = (
        _quarter_projects(period, visible)
        .values(*CELL_FIELDS)
        .annotate(
            due=Count("id"),
            submitted=Count("id", filter=received),
            verified=Count("id", filter=Q(quarter_report__state=State.VERIFIED)),
            missing=Count("id", filter=when["missing"]),
            late=Count("id", filter=when["late"]),
            flagged=Count("id", filter=received & Q(quarter_report__absorbed__gt=F("approved_amount"))),
            behind=Count("id", filter=when["behind"]),
            delayed=Count("id", filter=when["delayed"]),
            stopped=Count("id", filter=when["stopped"]),
            approved_total=Coalesce(Sum("approved_amount"), 0),
            approved_reported=Coalesce(Sum("approved_amount", filter=received), 0),
            absorbed=Coalesce(Sum("quarter_report__absorbed", filter=received), 0),
            planned_weighted=Coalesce(Sum(F("approved_amount") * F(planned), filter=has_plan), 0),
            planned_weight=Coalesce(Sum("approved_amount", filter=has_plan), 0),
            reported_weighted=Coalesce(
                Sum(F("approved_amount") * F("quarter_report__physical_progress"), filter=progress), 0
            ),
            reported_weight=Coalesce(Sum("approved_amount", filter=progress), 0),
        )
        .order_by("project__workgroup__deputy__code", "project__workgroup__slug")
    )
    cells = []
    for row in rows:
        keys = {name: row.pop(name) for name in CELL_FIELDS}
        cells.append((keys, Figures(**{name: int(value) for name, value in row.items()})))
    return cells


def rollup(cells, grouping):
    """The cells' figures summed per workgroup, unit or program code (first-seen order)."""
    key, label = GROUPINGS[grouping]
    groups = {}
    for keys, figures in cells:
        value = keys[key] or ""
        group = groups.get(value)
        if group is None:
            group = groups[value] = Figures(key=value, label=keys[label] or "")
        group += figures
    return list(groups.values())


def project_list(period, visible, *, now, dues, filters):
    """The first LIST_LIMIT projects in the list's order (stopped, delayed, other behind, missing,
    the rest; then workgroup and priority) with the status and state filters, and how many there are."""
    when = _conditions(period, now, dues)
    rows = _quarter_projects(period, visible)
    if filters.status:
        rows = rows.filter(when["received"], quarter_report__status=filters.status)
    if filters.state == NO_REPORT:
        rows = rows.filter(quarter_report__id__isnull=True)
    elif filters.state:
        rows = rows.filter(quarter_report__state=filters.state)
    attention = Case(
        When(when["stopped"], then=Value(0)),
        When(when["delayed"], then=Value(1)),
        When(when["behind"], then=Value(2)),
        When(when["missing"], then=Value(3)),
        default=Value(4),
    )
    first = (
        rows.annotate(attention=attention)
        .order_by("attention", "project__workgroup__deputy__code", "project__priority", "id")
        .values(*ROW_FIELDS)[:LIST_LIMIT]
    )
    listed = [
        Line(
            row=row,
            quarter=period.quarter,
            due=dues.of(row["project__proposing_unit_id"]),
            now=now,
        )
        for row in first
    ]
    return listed, rows.count()


def s_curve(period, visible):
    """Planned and reported cumulative progress of the year's four quarters, approved-weighted,
    over the same projects (one aggregate query each way; the reported figure counts received
    reports only)."""
    projects = visible.filter(project__cycle_id=period.cycle_id)
    has_plan = {q: Q(**{f"planned_q{q}__isnull": False}) for q in (1, 2, 3, 4)}
    planned = projects.aggregate(
        **{f"w{q}": Sum(F("approved_amount") * F(f"planned_q{q}"), filter=has_plan[q]) for q in has_plan},
        **{f"a{q}": Sum("approved_amount", filter=has_plan[q]) for q in has_plan},
    )
    # From the projects' side, one join to their received reports of the year (an IN over the
    # projects' ids made PostgreSQL look each report up one by one).
    reported = {
        row["reports__period__quarter"]: row
        for row in projects.filter(
            reports__period__cycle_id=period.cycle_id,
            reports__state__in=RECEIVED,
            reports__physical_progress__isnull=False,
        )
        .values("reports__period__quarter")
        .annotate(
            weighted=Sum(F("reports__physical_progress") * F("approved_amount")),
            weight=Sum("approved_amount"),
        )
        .order_by()
    }
    curve = []
    for quarter in (1, 2, 3, 4):
        row = reported.get(quarter)
        curve.append(
            {
                "quarter": quarter,
                "label": rules.QUARTER_NAMES[quarter],
                "planned": rules.percent(planned[f"w{quarter}"], (planned[f"a{quarter}"] or 0) * 100),
                "reported": rules.percent(row["weighted"], row["weight"] * 100) if row else None,
            }
        )
    return curve


def build(*, period, visible, filters, now, scope_options=None):
    """The dashboard of `period` for the projects `visible` (access.monitoring_dashboard_rows),
    narrowed by `filters`. The filters' options come from the figures themselves unless a
    narrowing filter is set (then from `scope_options`, or one more query)."""
    narrowed = visible.filter(filter_q(filters))
    dues = Dues(period)
    cells = cell_figures(period, narrowed, now=now, dues=dues)
    if any(getattr(filters, name) for name in NARROWING):
        scope_options = scope_options or options(period, visible)
    else:
        scope_options = _options_of(cells)
    total = Figures(key="all", label="همه")
    for _keys, figures in cells:
        total += figures
    listed, count = project_list(period, narrowed, now=now, dues=dues, filters=filters)
    programs = [
        group if group.key else replace(group, label="بدون کد برنامه") for group in rollup(cells, "programs")
    ]
    return Dashboard(
        period=period,
        now=now,
        filters=filters,
        total=total,
        workgroups=rollup(cells, "workgroups"),
        units=sorted(rollup(cells, "units"), key=lambda group: group.key),
        programs=sorted(programs, key=lambda group: (group.key == "", group.key)),
        lines=listed,
        listed=count,
        curve=s_curve(period, narrowed),
        options=scope_options,
    )


def _options_of(cells):
    """The filters' options from the cells (all the user's projects when nothing narrows them)."""
    return {
        "workgroup": [(group.key, group.label) for group in rollup(cells, "workgroups")],
        "unit": sorted((group.key, group.label) for group in rollup(cells, "units")),
        "program": sorted((group.key, group.label) for group in rollup(cells, "programs") if group.key),
    }
