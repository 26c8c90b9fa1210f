"""A workgroup's ranked list: its running totals and cut line, and every write of its priorities.

One home for each rule of the list (docs/workflow.md, "The ranked list"):
- `CutLine` / `running_totals`: the cumulative request and whether each project fits the credit
  ceiling; `ListFigures` runs one `CutLine` for the list and one per credit type (capital,
  current), each type against its own ceiling, and sums the funding sources. The ranking page,
  its JavaScript (from the figures drawn here), the submission page,
  the dashboard and the Excel export all use it. A ceiling of 0 or none means "not set yet": no
  cut line is drawn and no project is marked in or out.
- `write_priorities`, `leave_list`, `bump_version`: the only writes of priorities and versions;
  ranking saves, remit requests, the office's moves and overlap decisions all go through them.
- `ranking_save`: the head's new order, checked against the list's version.

Every step that changes which projects are ranked, or in which order, raises the list's
`WorkgroupCycle.ranking_version` in the same transaction, after `locks.open_list` has taken the
list's row lock. A save names the version it was based on; a different stored version is a
conflict (409) and the person gets the fresh list.
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction

from karaj_budget.jalali import format_jalali_date, persian_digits
from programs.models import Unit
from workgroups import locks
from workgroups.locks import ListConflict, ListInvalid
from workgroups.models import AuditEntry, Meeting, Project, WorkgroupCycle
from workgroups.resources import CREDIT_LABELS, CREDIT_TYPES, UNSPLIT, credit_type_of

# Far more than any workgroup's list; a longer body is refused before the database is asked.
MAX_ORDER_LENGTH = 5000

CONFLICT_MESSAGE = (
    "این فهرست در این فاصله جای دیگری (شاید در زبانه‌ای دیگر) تغییر کرده است و تغییر شما ذخیره نشد. "
    "فهرست تازه نمایش داده شد؛ اگر هنوز لازم است، جابه‌جایی را دوباره انجام دهید."
)
FIT_LABELS = {True: "در سقف", False: "خارج از سقف", None: ""}
FIT_STATE_LABELS = {"in": FIT_LABELS[True], "remainder": "در باقی‌مانده سقف", "out": FIT_LABELS[False], "": ""}


# ---- Running totals and the cut line ------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One ranked project's figures: its position, the cumulative request up to it, whether that
    cumulative is within the ceiling (None when no ceiling is set), and, for a project below the
    line, whether it still fits in what the line leaves (`in_remainder`)."""

    position: int
    cumulative: int
    fits: bool | None
    in_remainder: bool = False

    @property
    def fit_state(self):
        """ "in" (above the line), "remainder" (below it, fits in what remains), "out", or "" (no
        ceiling): the one name the page, its script, the submission page and the export show."""
        if self.fits is None:
            return ""
        if self.fits:
            return "in"
        return "remainder" if self.in_remainder else "out"

    @property
    def fit_label(self):
        return FIT_STATE_LABELS[self.fit_state]


class CutLine:
    """Running total of a ranked list against its credit ceiling, one project at a time.

    The office funds a list from the top down to the ceiling, so the cut line falls before the
    first project whose cumulative request passes the ceiling; every project after it is below
    the line (a strict line). A project below the line whose request still fits in the room the
    ceiling leaves (after the projects above the line and the ones below it already counted in
    that room, in order) is marked "fits in what remains" (`Place.in_remainder`): the office may
    fund it with the remainder, but it is not above the line. A ceiling of 0 or None means the
    office has not set one yet.
    """

    def __init__(self, ceiling):
        self.ceiling = ceiling or None
        self.total = 0
        self.count = 0
        self.fitting_count = 0
        self.cut_position = None
        # What the projects above the line and those fitting in the remainder take of the ceiling.
        self.allotted = 0
        self.remainder_count = 0

    def add(self, amount):
        """Add the next ranked project's request and return its `Place`."""
        amount = amount or 0
        self.count += 1
        self.total += amount
        fits, in_remainder = None, False
        if self.ceiling is not None:
            fits = self.cut_position is None and self.total <= self.ceiling
            if fits:
                self.fitting_count += 1
                self.allotted += amount
            else:
                if self.cut_position is None:
                    self.cut_position = self.count
                in_remainder = self.allotted + amount <= self.ceiling
                if in_remainder:
                    self.remainder_count += 1
                    self.allotted += amount
        return Place(position=self.count, cumulative=self.total, fits=fits, in_remainder=in_remainder)

    @property
    def has_ceiling(self):
        return self.ceiling is not None

    @property
    def over_ceiling(self):
        """How much the list asks beyond the ceiling (0 when within it or when none is set)."""
        return max(0, self.total - self.ceiling) if self.ceiling is not None else 0

    @property
    def room_left(self):
        return max(0, self.ceiling - self.total) if self.ceiling is not None else 0

    @property
    def is_over(self):
        return self.over_ceiling > 0


def running_totals(amounts, ceiling):
    """(`CutLine` after every amount, [`Place` of each]) for a ranked list's requests in order."""
    line = CutLine(ceiling)
    return line, [line.add(amount) for amount in amounts]


@dataclass(frozen=True)
class TypedPlace:
    """A ranked project's places: in the whole list, and among the projects of its credit type.

    `typed` is None for a project of unknown type. `fits` is the answer the page, the snapshot and
    the export show: against its type's ceiling when that is set, else against the list's ceiling.
    """

    overall: Place
    credit_type: str
    typed: Place | None
    by_type: bool

    @property
    def shown(self):
        """The `Place` whose answer is shown: the type's when cut by type, else the list's."""
        return self.typed if self.by_type else self.overall

    @property
    def fits(self):
        return self.shown.fits

    @property
    def in_remainder(self):
        return self.shown.in_remainder

    @property
    def fit_state(self):
        return self.shown.fit_state

    @property
    def fit_label(self):
        return self.shown.fit_label

    @property
    def cumulative(self):
        return self.overall.cumulative

    @property
    def position(self):
        return self.overall.position


class SourceRow(NamedTuple):
    """A list's total from one funding source and that source's ceiling (None: not capped)."""

    name: str
    total: int
    ceiling: int | None

    @property
    def is_over(self):
        return self.ceiling is not None and self.total > self.ceiling


class ListFigures:
    """A ranked list's running totals: the whole list against its ceiling (`CutLine`), each credit
    type against its own ceiling (a capital project's cumulative counts only capital projects), and
    the sums per funding source. The one home of these figures: the ranking page (and the figures
    its script starts from), the snapshot, the dashboard and the export all add projects here.

    `type_ceilings` is {credit type: ceiling}, 0 or None meaning not set yet (no line for that
    type). While no type has a ceiling the list is cut by the single `ceiling` as before.
    """

    def __init__(self, ceiling, type_ceilings=None):
        type_ceilings = type_ceilings or {}
        self.overall = CutLine(ceiling)
        self.by_type = {credit_type: CutLine(type_ceilings.get(credit_type)) for credit_type in CREDIT_TYPES}
        self.cut_by_type = any(line.has_ceiling for line in self.by_type.values())
        self.by_source = {}

    def add(self, amount, credit_type="", sources=None):
        """Add the next ranked project (its request, credit type and {source name: part})."""
        overall = self.overall.add(amount)
        line = self.by_type.get(credit_type)
        typed = line.add(amount) if line is not None else None
        self.add_sources(amount, sources)
        return TypedPlace(
            overall=overall,
            credit_type=credit_type,
            typed=typed,
            by_type=self.cut_by_type and line is not None and line.has_ceiling,
        )

    def add_sources(self, amount, sources):
        """Add a project's parts to the sums per source ({source name: part}; none: not split)."""
        if not sources:
            self.by_source[UNSPLIT] = self.by_source.get(UNSPLIT, 0) + (amount or 0)
            return
        for name, part in sources.items():
            self.by_source[name] = self.by_source.get(name, 0) + part

    def add_totals(self, by_type, by_source):
        """Add a list's totals as the database summed them ({credit type: requested}, {source name:
        amount}): the office's dashboard, which shows totals against ceilings, not places."""
        for credit_type, amount in by_type.items():
            self.overall.add(amount)
            line = self.by_type.get(credit_type)
            if line is not None:
                line.add(amount)
        for name, amount in by_source.items():
            self.by_source[name] = self.by_source.get(name, 0) + amount

    def source_rows(self, ceilings):
        """[`SourceRow`] for the sources the list uses, then those only capped (`ceilings`: {source
        name: ceiling}): the one comparison of totals per source with their ceilings, on the
        ranking page and the office's dashboard."""
        names = [*self.by_source, *(name for name in ceilings if name not in self.by_source)]
        return [SourceRow(name, self.by_source.get(name, 0), ceilings.get(name)) for name in names]

    def is_cut(self, place):
        """Whether the cut line (of the project's type, or of the list) falls just before `place`."""
        if place.by_type:
            line = self.by_type[place.credit_type]
            return place.typed.fits is False and line.cut_position == place.typed.position
        return place.overall.fits is False and self.overall.cut_position == place.overall.position

    @property
    def fitting_count(self):
        if self.cut_by_type:
            return sum(line.fitting_count for line in self.by_type.values() if line.has_ceiling)
        return self.overall.fitting_count

    @property
    def is_over(self):
        """The list asks for more than a ceiling it is cut by: a type's own, or else the list's."""
        if self.cut_by_type:
            return any(line.is_over for line in self.by_type.values())
        return self.overall.is_over

    def types(self):
        """[(credit type, label, CutLine)] in a fixed order, for pages and files."""
        return [
            (credit_type, CREDIT_LABELS[credit_type], self.by_type[credit_type])
            for credit_type in CREDIT_TYPES
        ]


def snapshot_rows(items, ceiling, type_ceilings=None):
    """A snapshot's items with the running totals and cut lines of `ListFigures` (the ranked ones;
    projects without a position follow, outside the running total): the submission page and the
    letter show the same lines, one per credit type once the list has type ceilings."""
    figures = ListFigures(ceiling, type_ceilings)
    rows = []
    for item in items:
        credit_label = CREDIT_LABELS.get(item.get("credit_type") or "", "")
        if item["position"] is None:
            figures.add_sources(item["requested_amount"], item.get("sources"))
            rows.append(
                {
                    **item,
                    "running_total": None,
                    "cutline": False,
                    "below": False,
                    "fit": None,
                    "credit_label": credit_label,
                }
            )
            continue
        place = figures.add(item["requested_amount"], item.get("credit_type") or "", item.get("sources"))
        is_cut = figures.is_cut(place)
        typed_cut = is_cut and place.by_type
        rows.append(
            {
                **item,
                "running_total": place.cumulative,
                "cutline": is_cut,
                "cut_type": credit_label if typed_cut else "",
                "cut_ceiling": figures.by_type[place.credit_type].ceiling if typed_cut else None,
                "below": place.fits is False,
                "fit": place,
                "credit_label": credit_label,
            }
        )
    return rows


def with_unit_names(rows):
    """`snapshot_rows`' rows with each unit's name (`unit_name`): a snapshot keeps the proposing
    unit's code, people read its name. One query; a code no longer in the table shows as stored.
    The submission page and the letter both read names here."""
    names = dict(Unit.objects.filter(code__in={row["unit"] for row in rows}).values_list("code", "name"))
    return [{**row, "unit_name": names.get(row["unit"], row["unit"])} for row in rows]


# ---- Parsing a requested order ------------------------------------------------------------------


def parse_order(raw):
    """The ranked order from a request: a non-empty list of distinct positive integers."""
    if not isinstance(raw, list):
        raise ListInvalid("ترتیب فهرست باید فهرستی از شناسه‌های پروژه باشد.")
    if not raw:
        raise ListInvalid("فهرست خالی فرستاده شده است؛ چیزی تغییر نکرد.")
    if len(raw) > MAX_ORDER_LENGTH:
        raise ListInvalid("تعداد شناسه‌ها بیش از اندازه است.")
    if any(isinstance(item, bool) or not isinstance(item, int) or item < 1 for item in raw):
        raise ListInvalid("شناسه‌های پروژه باید عدد صحیح مثبت باشند.")
    if len(set(raw)) != len(raw):
        raise ListInvalid("شناسه یک پروژه بیش از یک بار در فهرست آمده است.")
    return raw


def parse_version(raw):
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ListInvalid("نسخه فهرست فرستاده نشده یا نامعتبر است.")
    return raw


def current_ranking(*, workgroup, cycle):
    """(version, ranked ids in order) as stored now: what a refused save is answered with."""
    share = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).first()
    order = list(Project.objects.for_workgroup(workgroup, cycle).ranked().values_list("pk", flat=True))
    return (share.ranking_version if share else 0), order


# ---- The writes ---------------------------------------------------------------------------------


def bump_version(share):
    """Raise a list's version by one; `share` is the row `locks.open_list` locked. Returns it."""
    share.ranking_version += 1
    share.save(update_fields=["ranking_version"])
    return share.ranking_version


def write_priorities(new_positions):
    """Write {project id: priority or None}: one UPDATE on PostgreSQL, two on SQLite.

    PostgreSQL checks the unique (workgroup, cycle, priority) constraint at commit (migration
    0004), so one `UPDATE … SET priority = CASE id WHEN … THEN … END` writes each moved row once.
    SQLite checks it row by row, so a swap written in one pass would collide: there the moved rows
    are cleared first, then set. Writing each row once halves the row versions, index entries and
    WAL of a save on PostgreSQL (docs/performance.md); Django's Case(When(...)) builds the same SQL
    but spent ~40 ms resolving 500 expressions, so the statement is written here with the numbers
    inline: every value is an int (ids read from the database, positions counted by us), forced
    again by `int()`.
    """
    if not new_positions:
        return
    quote = connection.ops.quote_name
    table = quote(Project._meta.db_table)
    pk_column = quote(Project._meta.pk.column)
    priority_column = quote(Project._meta.get_field("priority").column)
    positions = {
        int(pk): (None if position is None else int(position)) for pk, position in new_positions.items()
    }
    moved = ", ".join(str(pk) for pk in positions)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"UPDATE {table} SET {priority_column} = NULL WHERE {pk_column} IN ({moved})")
            positions = {pk: position for pk, position in positions.items() if position is not None}
            if not positions:
                return
            moved = ", ".join(str(pk) for pk in positions)
        null = "CAST(NULL AS INTEGER)"  # a bare NULL in CASE would be typed text
        whens = " ".join(f"WHEN {pk} THEN {null if to is None else to}" for pk, to in positions.items())
        cursor.execute(
            f"UPDATE {table} SET {priority_column} = CASE {pk_column} {whens} END "
            f"WHERE {pk_column} IN ({moved})"
        )


def leave_list(project):
    """Take a ranked project out of its list; the projects after it move up one place.

    Returns [[pk, old priority], …] for the project and every project that moved (empty when it
    was not ranked), which is what an undo puts back. The caller holds the list's lock
    (`locks.open_list`) and raises its version once for the whole step.
    """
    if project.priority is None:
        return []
    below = list(
        Project.objects.filter(
            workgroup_id=project.workgroup_id, cycle_id=project.cycle_id, priority__gt=project.priority
        )
        .order_by("priority")
        .values_list("pk", "priority")
    )
    before = [[project.pk, project.priority], *([pk, priority] for pk, priority in below)]
    write_priorities({project.pk: None, **{pk: priority - 1 for pk, priority in below}})
    project.priority = None
    return before


def move_to_list(project, workgroup):
    """Move `project` to `workgroup`'s list (its responsible deputy follows): it leaves its ranked
    list, which closes up, and waits unranked in the new one. Returns what `leave_list` returns.
    The caller holds both lists' locks, raises both versions and saves the project."""
    positions = leave_list(project)
    project.workgroup = workgroup
    project.responsible_deputy_id = workgroup.deputy_id
    return positions


# ---- The head's order ---------------------------------------------------------------------------


@dataclass(slots=True)
class ListRow:
    """One project of a list as a save read it, inside the save's lock: plain values rather than a
    model instance (at 500 projects the instances cost more than the rest of the save's answer),
    enough for the running totals and the deadline box's checks (`submissions.SUBMISSION_CHECKS`)."""

    pk: int
    title: str
    priority: int | None
    state: str
    requested_amount: int
    credit_type: str
    program_code_id: int | None
    budget_code_id: int | None

    # The model's own rule, so that the coded-list check reads a row as it reads a project.
    is_coded = Project.is_coded


def _list_rows(workgroup, cycle):
    """{pk: ListRow} of every project of the list (withdrawn ones too: a save must refuse them)."""
    return {
        pk: ListRow(pk, title, priority, state, amount, credit_type_of(asked, budget_type), program, budget)
        for pk, title, priority, state, amount, asked, budget_type, program, budget in (
            Project.objects.for_workgroup(workgroup, cycle).values_list(
                "pk",
                "title",
                "priority",
                "state",
                "requested_amount",
                "requested_credit_type",
                "budget_code__credit_type",
                "program_code_id",
                "budget_code_id",
            )
        )
    }


@dataclass
class RankingResult:
    """A save's outcome. `opened` is what the save's lock read (`locks.OpenList`: the list's row
    with its ceilings and new version, its due dates and submissions) and `rows` the list's active
    projects as stored after the save (ranked ones in order, then the others by id): what the
    answer's figures and deadline box are drawn from, so that they show exactly the version saved
    and nothing is read a second time."""

    version: int
    order: list[int]
    changes: list[tuple[int, int | None, int | None]] = field(default_factory=list)
    summary: str = ""
    opened: locks.OpenList | None = None
    rows: list[ListRow] = field(default_factory=list)


def _active_in_order(rows):
    active = [row for row in rows.values() if row.state != Project.State.WITHDRAWN]
    return sorted(active, key=lambda row: (row.priority is None, row.priority or 0, row.pk))


def _kept_in_order(old_positions):
    """Indexes of a longest increasing run of `old_positions`: the projects that did not "move".

    When one project is dragged from 5 to 1, four others shift by one but only the dragged one
    moved; this tells the two apart so the history reads like what the head did.
    """
    tails, tail_index, previous = [], [], [None] * len(old_positions)
    for index, value in enumerate(old_positions):
        slot = bisect_left(tails, value)
        if slot == len(tails):
            tails.append(value)
            tail_index.append(index)
        else:
            tails[slot] = value
            tail_index[slot] = index
        previous[index] = tail_index[slot - 1] if slot else None
    kept = set()
    index = tail_index[-1] if tail_index else None
    while index is not None:
        kept.add(index)
        index = previous[index]
    return kept


def _describe(moves):
    def one(title, before, after):
        if before is None:
            return f"«{title}» در ردیف {persian_digits(after)} قرار گرفت"
        if after is None:
            return f"«{title}» از ردیف {persian_digits(before)} به «در انتظار اولویت‌بندی» برگشت"
        return f"«{title}» از ردیف {persian_digits(before)} به ردیف {persian_digits(after)} منتقل شد"

    if len(moves) <= 2:
        return "؛ ".join(one(*move[1:]) for move in moves) + "."
    shown = "؛ ".join(one(*move[1:]) for move in moves[:2])
    return f"{persian_digits(len(moves))} جابه‌جایی در فهرست: {shown}؛ و …"


@transaction.atomic
def ranking_save(*, workgroup, cycle, order, version, user, meeting=None):
    """Store `order` (project ids, first = priority 1) as the workgroup's ranked list.

    Projects of the list that are left out go back to "not yet ranked". Refuses (and changes
    nothing) with ListInvalid for a malformed order or ids outside this list, ListLocked when the
    list is locked, and ListConflict when `version` is not the stored version. A fixed number of
    queries whatever the length of the list.
    """
    order = parse_order(order)
    version = parse_version(version)
    if meeting is not None and (meeting.workgroup_id != workgroup.pk or meeting.cycle_id != cycle.pk):
        raise ListInvalid("جلسه انتخاب‌شده از این کارگروه و این دوره نیست.")
    opened = locks.open_list_with_state(workgroup=workgroup, cycle=cycle, writer=locks.RANKING)
    share = opened.share
    if share.ranking_version != version:
        raise ListConflict(CONFLICT_MESSAGE)

    rows = _list_rows(workgroup, cycle)
    foreign = [pk for pk in order if pk not in rows or rows[pk].state != Project.State.PROPOSED]
    if foreign:
        raise ListInvalid(
            f"{persian_digits(len(foreign))} شناسه از پروژه‌های قابل اولویت‌بندی این فهرست نیست؛ "
            "چیزی تغییر نکرد."
        )

    old_order = sorted(
        (pk for pk, row in rows.items() if row.priority is not None), key=lambda pk: rows[pk].priority
    )
    new_positions = {pk: position for position, pk in enumerate(order, start=1)}
    changes = [
        (pk, rows[pk].priority, new_positions.get(pk))
        for pk in {*old_order, *order}
        if rows[pk].priority != new_positions.get(pk)
    ]
    if not changes:
        # Nothing to store: keep the version the page already has.
        return RankingResult(version=version, order=order, opened=opened, rows=_active_in_order(rows))
    changes.sort(key=lambda change: (change[2] is None, change[2] or 0, change[1] or 0))

    old_index = {pk: index for index, pk in enumerate(old_order)}
    common = [pk for pk in order if pk in old_index]
    kept = {common[i] for i in _kept_in_order([old_index[pk] for pk in common])}
    moves = [
        (pk, rows[pk].title, before, after)
        for pk, before, after in changes
        if before is None or after is None or pk not in kept
    ]

    write_priorities({pk: after for pk, _before, after in changes})
    for pk, _before, after in changes:
        rows[pk].priority = after
    new_version = bump_version(share)

    summary = _describe(moves)
    details = {
        "version": new_version,
        "changes": [list(change) for change in changes],
        "moves": [list(move) for move in moves],
    }
    if meeting is not None:
        details["meeting"] = meeting.pk
        details["meeting_label"] = str(meeting)
        summary = f"{summary} (در جلسه {format_jalali_date(meeting.held_on)})"
        Meeting.objects.filter(pk=meeting.pk).update(ranking_version=new_version)
    AuditEntry.objects.create(
        actor=user if user is not None and user.is_authenticated else None,
        action="ranking.save",
        summary=summary[:500],
        workgroup=workgroup,
        cycle=cycle,
        # A save that moved one project also shows on that project's own history page.
        project_id=moves[0][0] if len(moves) == 1 else None,
        details=details,
    )
    return RankingResult(
        version=new_version,
        order=order,
        changes=changes,
        summary=summary,
        opened=opened,
        rows=_active_in_order(rows),
    )


def project_ranking_history(project, *, limit=200):
    """The project's places in its list over time: (audit entry, from, to), newest first.

    A save is one audit entry for the whole list (one INSERT whatever its length), so a project's
    own history is read out of the saves' `changes`.
    """
    entries = (
        AuditEntry.objects.filter(
            workgroup_id=project.workgroup_id, cycle_id=project.cycle_id, action="ranking.save"
        )
        .select_related("actor")
        .order_by("-at", "-pk")[:limit]
    )
    history = []
    for entry in entries:
        for pk, before, after in entry.details.get("changes", []):
            if pk == project.pk:
                history.append((entry, before, after))
                break
    return history
