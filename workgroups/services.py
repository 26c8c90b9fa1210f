"""Workflow steps on a workgroup's ranked list: saving an order, joint meetings, remit requests.

Every step that changes which projects are ranked, or in which order, raises the list's
`WorkgroupCycle.ranking_version` in the same transaction. A save names the version it was based
on, and the conditional UPDATE of that version is what refuses a save based on an older list: it
works the same on SQLite (where `select_for_update` does nothing) and on PostgreSQL (where the
UPDATE waits for a concurrent save's row lock and then finds the version already changed).
"""

from bisect import bisect_left
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from karaj_budget.jalali import format_jalali_date, persian_digits
from workgroups import submissions
from workgroups.models import AuditEntry, Deadline, Meeting, Project, RemitRequest, WorkgroupCycle

# Far more than any workgroup's list; a longer body is refused before the database is asked.
MAX_ORDER_LENGTH = 5000

CONFLICT_MESSAGE = (
    "این فهرست در این فاصله جای دیگری (شاید در زبانه‌ای دیگر) تغییر کرده است و تغییر شما ذخیره نشد. "
    "فهرست تازه نمایش داده شد؛ اگر هنوز لازم است، جابه‌جایی را دوباره انجام دهید."
)
LOCKED_MESSAGE = (
    "فهرست قفل است: مهلت قطعی ارسال اولویت‌ها گذشته است و تغییر ترتیب ممکن نیست. "
    "برای تمدید با دفتر برنامه و بودجه تماس بگیرید."
)


class RankingError(Exception):
    """A refused change of a ranked list; `message` is shown to the user, `status` is the HTTP answer."""

    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class RankingInvalid(RankingError):
    status = 400


class RankingConflict(RankingError):
    """The save was based on an older version of the list than the one stored."""

    status = 409

    def __init__(self, message=CONFLICT_MESSAGE):
        super().__init__(message)


class RankingLocked(RankingError):
    status = 423

    def __init__(self, message=LOCKED_MESSAGE):
        super().__init__(message)


@dataclass
class RankingResult:
    version: int
    order: list[int]
    changes: list[tuple[int, int | None, int | None]] = field(default_factory=list)
    summary: str = ""


def ranking_lock_reason(*, workgroup, cycle, now=None):
    """Why the list may not be reordered now, or None. The one place that decides it.

    The submission workflow decides: a submitted (not returned) list is frozen, and a passed
    *hard* deadline locks it unless the office granted an extension. After a soft deadline the
    head may still rank and submit late (BRIEF §3 step 4 flags lateness, it does not forbid it).
    """
    return submissions.list_lock_reason(
        workgroup=workgroup, cycle=cycle, kind=Deadline.Kind.PRIORITIES, now=now
    )


def ensure_ranking_open(*, workgroup, cycle):
    reason = ranking_lock_reason(workgroup=workgroup, cycle=cycle)
    if reason:
        raise RankingLocked(reason)


def parse_order(raw):
    """The ranked order from a request: a non-empty list of distinct positive integers."""
    if not isinstance(raw, list):
        raise RankingInvalid("ترتیب فهرست باید فهرستی از شناسه‌های پروژه باشد.")
    if not raw:
        raise RankingInvalid("فهرست خالی فرستاده شده است؛ چیزی تغییر نکرد.")
    if len(raw) > MAX_ORDER_LENGTH:
        raise RankingInvalid("تعداد شناسه‌ها بیش از اندازه است.")
    if any(isinstance(item, bool) or not isinstance(item, int) or item < 1 for item in raw):
        raise RankingInvalid("شناسه‌های پروژه باید عدد صحیح مثبت باشند.")
    if len(set(raw)) != len(raw):
        raise RankingInvalid("شناسه یک پروژه بیش از یک بار در فهرست آمده است.")
    return raw


def parse_version(raw):
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise RankingInvalid("نسخه فهرست فرستاده نشده یا نامعتبر است.")
    return raw


def current_ranking(*, workgroup, cycle):
    """(version, ranked ids in order) as stored now: what a refused save is answered with."""
    share = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).first()
    order = list(Project.objects.for_workgroup(workgroup, cycle).ranked().values_list("pk", flat=True))
    return (share.ranking_version if share else 0), order


def _bump_version(*, workgroup, cycle, version=None):
    """Raise the list's version by one; with `version`, only if it is still that one.

    Returns the new version, or None when the stored version is no longer `version`.
    """
    shares = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle)
    if version is not None:
        shares = shares.filter(ranking_version=version)
    if shares.update(ranking_version=F("ranking_version") + 1):
        return None if version is None else version + 1
    if version in (None, 0) and not WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).exists():
        # A workgroup without a ceiling row yet: its list starts at version 0.
        try:
            with transaction.atomic():
                WorkgroupCycle.objects.create(workgroup=workgroup, cycle=cycle, ranking_version=1)
        except IntegrityError:
            return None
        return 1
    return None


def _write_priorities(new_positions):
    """Write {project id: priority or None}: one UPDATE on PostgreSQL, two on SQLite.

    PostgreSQL checks the unique (workgroup, cycle, priority) constraint at commit (migration
    0004), so one `UPDATE … SET priority = CASE id WHEN … THEN … END` writes each moved row once.
    SQLite checks it row by row, so a swap written in one pass would collide: there the moved rows
    are cleared first, then set. Writing each row once halves the row versions, index entries and
    WAL of a save on PostgreSQL (bench/ranking.py, docs/performance.md); an `UPDATE … FROM
    (VALUES …)` join measured the same as CASE. Django's Case(When(...)) builds the same SQL but
    spent ~40 ms resolving 500 expressions, and binding 1,500 parameters cost psycopg ~25 ms more,
    so the statements are written here with the numbers inline: every value is an int (ids read
    from the database, positions counted by us), forced again by `int()`.
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
    nothing) with RankingInvalid for a malformed order or ids outside this list, RankingLocked
    when the list is locked, and RankingConflict when `version` is not the stored version.
    Six queries whatever the length of the list (lock check, version, read, clear, write, audit),
    plus one when a meeting is named.
    """
    order = parse_order(order)
    version = parse_version(version)
    if meeting is not None and (meeting.workgroup_id != workgroup.pk or meeting.cycle_id != cycle.pk):
        raise RankingInvalid("جلسه انتخاب‌شده از این کارگروه و این دوره نیست.")
    ensure_ranking_open(workgroup=workgroup, cycle=cycle)
    # First the version: on PostgreSQL this row lock also queues a concurrent save behind us.
    new_version = _bump_version(workgroup=workgroup, cycle=cycle, version=version)
    if new_version is None:
        raise RankingConflict()

    rows = {
        pk: (priority, state, title)
        for pk, priority, state, title in Project.objects.for_workgroup(workgroup, cycle).values_list(
            "pk", "priority", "state", "title"
        )
    }
    foreign = [pk for pk in order if pk not in rows or rows[pk][1] != Project.State.PROPOSED]
    if foreign:
        raise RankingInvalid(
            f"{persian_digits(len(foreign))} شناسه از پروژه‌های قابل اولویت‌بندی این فهرست نیست؛ "
            "چیزی تغییر نکرد."
        )

    old_order = sorted((pk for pk, row in rows.items() if row[0] is not None), key=lambda pk: rows[pk][0])
    new_positions = {pk: position for position, pk in enumerate(order, start=1)}
    changes = [
        (pk, rows[pk][0], new_positions.get(pk))
        for pk in {*old_order, *order}
        if rows[pk][0] != new_positions.get(pk)
    ]
    if not changes:
        # Nothing to store: keep the version the page already has.
        transaction.set_rollback(True)
        return RankingResult(version=version, order=order)
    changes.sort(key=lambda change: (change[2] is None, change[2] or 0, change[1] or 0))

    old_index = {pk: index for index, pk in enumerate(old_order)}
    common = [pk for pk in order if pk in old_index]
    kept = {common[i] for i in _kept_in_order([old_index[pk] for pk in common])}
    moves = [
        (pk, rows[pk][2], before, after)
        for pk, before, after in changes
        if before is None or after is None or pk not in kept
    ]

    _write_priorities({pk: after for pk, _before, after in changes})

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
    return RankingResult(version=new_version, order=order, changes=changes, summary=summary)


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


@transaction.atomic
def meeting_tie_ranking(*, meeting, user):
    """Record that the list as it stands now is the one settled in `meeting`."""
    version, _order = current_ranking(workgroup=meeting.workgroup, cycle=meeting.cycle)
    Meeting.objects.filter(pk=meeting.pk).update(ranking_version=version)
    meeting.ranking_version = version
    AuditEntry.objects.record(
        actor=user,
        action="meeting.tie",
        summary=f"ترتیب کنونی فهرست به‌عنوان مصوبه {meeting} ثبت شد.",
        workgroup=meeting.workgroup,
        cycle=meeting.cycle,
        details={"meeting": meeting.pk, "version": version},
    )
    return meeting


def bump_list_version(*, workgroup, cycle):
    """Mark a list as changed (a project joined or left it) without saving an order."""
    _bump_version(workgroup=workgroup, cycle=cycle)


def project_leave_list(*, project):
    """Take a ranked project out of its list (it is moving elsewhere); the rest close up.

    Raises the list's version, so a page still showing the project gets a conflict and the fresh
    list instead of an "unknown project" refusal. Call inside the caller's transaction.
    """
    _bump_version(workgroup=project.workgroup, cycle=project.cycle)
    previous = project.priority
    if previous is None:
        return
    after = list(
        Project.objects.for_workgroup(project.workgroup, project.cycle)
        .filter(priority__gt=previous)
        .values_list("pk", "priority")
    )
    _write_priorities({project.pk: None, **{pk: priority - 1 for pk, priority in after}})
    project.priority = None


@transaction.atomic
def project_remit_request(*, project, user, reason):
    """Send a project outside the deputy's remit to the budget office; it leaves the list meanwhile.

    The projects ranked after it move up one place so the list stays 1..n.
    """
    workgroup, cycle = project.workgroup, project.cycle
    ensure_ranking_open(workgroup=workgroup, cycle=cycle)
    if project.state != Project.State.PROPOSED:
        raise RankingInvalid("این پروژه هم‌اکنون در انتظار تصمیم دفتر بودجه است.")
    previous = project.priority
    project_leave_list(project=project)
    project.state = Project.State.REMIT_REVIEW
    project.save(update_fields=["priority", "state", "updated_at"])
    remit = RemitRequest.objects.create(
        project=project,
        from_workgroup=workgroup,
        requested_by=user,
        reason=reason,
        previous_priority=previous,
    )
    place = f" (ردیف {persian_digits(previous)})" if previous else ""
    AuditEntry.objects.record(
        actor=user,
        action="project.remit_request",
        summary=f"«{project.title}»{place} برای تعیین کارگروه به دفتر بودجه فرستاده شد: {reason}"[:500],
        workgroup=workgroup,
        cycle=cycle,
        project=project,
        details={"remit": remit.pk, "from": previous, "to": None, "reason": reason},
    )
    return remit


@transaction.atomic
def remit_accept(*, remit, user, target_workgroup, note=""):
    """The office moves the project to `target_workgroup`, where it waits as "not yet ranked"."""
    if remit.state != RemitRequest.State.OPEN:
        raise RankingInvalid("این درخواست پیش‌تر بررسی شده است.")
    project = remit.project
    if target_workgroup.pk == project.workgroup_id:
        raise RankingInvalid("کارگروه مقصد همان کارگروه فعلی است؛ برای بازگرداندن، درخواست را رد کنید.")
    source = project.workgroup
    project.workgroup = target_workgroup
    project.responsible_deputy_id = target_workgroup.deputy_id
    project.state = Project.State.PROPOSED
    project.priority = None
    project.save(update_fields=["workgroup", "responsible_deputy", "state", "priority", "updated_at"])
    _bump_version(workgroup=target_workgroup, cycle=project.cycle)
    remit.state = RemitRequest.State.ACCEPTED
    remit.target_workgroup = target_workgroup
    remit.decided_by = user
    remit.decided_at = timezone.now()
    remit.decision_note = note
    remit.save(update_fields=["state", "target_workgroup", "decided_by", "decided_at", "decision_note"])
    for workgroup in (source, target_workgroup):
        AuditEntry.objects.record(
            actor=user,
            action="project.remit_accept",
            summary=f"دفتر بودجه «{project.title}» را از {source} به {target_workgroup} منتقل کرد."[:500],
            workgroup=workgroup,
            cycle=project.cycle,
            project=project,
            details={"remit": remit.pk, "from_workgroup": source.slug, "to_workgroup": target_workgroup.slug},
        )
    return remit


@transaction.atomic
def remit_reject(*, remit, user, note=""):
    """The office keeps the project in its workgroup: it returns to "not yet ranked" there."""
    if remit.state != RemitRequest.State.OPEN:
        raise RankingInvalid("این درخواست پیش‌تر بررسی شده است.")
    project = remit.project
    project.state = Project.State.PROPOSED
    project.priority = None
    project.save(update_fields=["state", "priority", "updated_at"])
    _bump_version(workgroup=project.workgroup, cycle=project.cycle)
    remit.state = RemitRequest.State.REJECTED
    remit.decided_by = user
    remit.decided_at = timezone.now()
    remit.decision_note = note
    remit.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    AuditEntry.objects.record(
        actor=user,
        action="project.remit_reject",
        summary=f"دفتر بودجه درخواست تغییر کارگروه «{project.title}» را رد کرد؛ پروژه به فهرست برگشت."[:500],
        workgroup=project.workgroup,
        cycle=project.cycle,
        project=project,
        details={"remit": remit.pk, "note": note},
    )
    return remit
