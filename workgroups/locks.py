"""Whether a workgroup's list may change now: the one place that decides it (docs/workflow.md).

A list (one workgroup, one cycle) is *frozen* while it has a standing submission (submitted or
accepted) and stays frozen until the budget office returns it. Who is writing decides which
submissions and deadlines count:

- `RANKING` (the head's order): refused while a priorities or coded-list submission stands, or
  after a hard priorities deadline without an extension;
- `CODING` (the head's codes): while a coded-list submission stands, or after a hard coding
  deadline without an extension;
- `PROPOSALS` (a unit's project): while any submission stands, or after the priorities deadline
  (soft or hard);
- `OFFICE` (the office's corrections, moves, decisions and imports): while any submission stands
  (deadlines bind the workgroups, not the office).

A write checks the rule **inside its own transaction, after taking the list's row lock** with
`open_list`; submitting takes the same lock, so a racing write either lands before the snapshot
(and is in it) or is refused with the lock's message. On SQLite every write transaction is
IMMEDIATE, which serialises them the same way.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from karaj_budget.jalali import format_jalali_datetime
from workgroups.deadlines import ONE_SECOND, deadline_for, due_dates
from workgroups.models import Deadline, Submission, WorkgroupCycle

Kind = Deadline.Kind

RANKING = "ranking"
CODING = "coding"
PROPOSALS = "proposals"
OFFICE = "office"
WRITERS = (RANKING, CODING, PROPOSALS, OFFICE)

# The submissions that freeze a list for each writer. The coded list carries the order too, so a
# standing coded list also freezes the ranking.
_FREEZING_KINDS = {
    RANKING: (Kind.PRIORITIES, Kind.CODING),
    CODING: (Kind.CODING,),
    PROPOSALS: (Kind.PRIORITIES, Kind.CODING),
    OFFICE: (Kind.PRIORITIES, Kind.CODING),
}


class ListError(Exception):
    """A refused change of a list. `message` (Persian) is what the person is told; `status` is the
    HTTP answer for it, one per meaning, the same on every path (JSON, form, admin)."""

    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ListInvalid(ListError):
    """The change itself is malformed or names something outside the list."""

    status = 400


class ListConflict(ListError):
    """The change was based on an older version of the list than the one stored."""

    status = 409


class ListLocked(ListError):
    """The list is frozen by a submission or locked by a passed hard deadline."""

    status = 423


def _frozen_message(submission, *, writer):
    if writer == OFFICE:
        done = "پذیرفته" if submission.state == Submission.State.ACCEPTED else "ارسال"
        return (
            f"{submission.list_title} «{submission.workgroup.name}» {done} شده است و پروژه‌ها، ترتیب و "
            "کدهای آن تا بازگشت فهرست تغییر نمی‌کنند؛ نخست فهرست را به کارگروه بازگردانید."
        )
    if submission.state == Submission.State.ACCEPTED:
        return f"{submission.list_title} «{submission.workgroup.name}» پذیرفته شده است و دیگر تغییر نمی‌کند."
    return (
        f"{submission.list_title} «{submission.workgroup.name}» ارسال شده است و تا بررسی دفتر برنامه و "
        "بودجه قفل است؛ اگر دفتر آن را بازگرداند، دوباره باز می‌شود."
    )


def _deadline_message(due, *, writer, workgroup):
    when = format_jalali_datetime(due.due_at)
    if writer == PROPOSALS:
        return f"مهلت ثبت و ویرایش پیشنهادهای «{workgroup.name}» ({when}) گذشته است."
    return (
        f"مهلت قطعی «{due.label}» ({when}) گذشته است؛ "
        "تغییر و ارسال فهرست فقط با تمدید مهلت از سوی دفتر برنامه و بودجه ممکن است."
    )


def list_submissions(*, workgroup, cycle):
    """Every submission of the workgroup's lists in the cycle, newest first within each kind,
    without their snapshots: one query for a page or an answer that shows both lists' states and
    locks (pass it on as `submissions=`)."""
    return list(
        Submission.objects.filter(workgroup=workgroup, cycle=cycle)
        .defer("snapshot")
        .select_related("workgroup", "reviewed_by")
        .order_by("kind", "-number")
    )


def standing_submission(*, workgroup, cycle, kinds, submissions=None):
    """The first standing (submitted or accepted) submission of these kinds, or None.

    `submissions` (from `list_submissions`) answers without a query."""
    if submissions is not None:
        standing = [s for s in submissions if s.kind in kinds and s.state != Submission.State.RETURNED]
        return min(standing, key=lambda s: s.kind, default=None)
    return (
        Submission.objects.filter(workgroup=workgroup, cycle=cycle, kind__in=kinds)
        .standing()
        .defer("snapshot")
        .select_related("workgroup")
        .order_by("kind")
        .first()
    )


def list_lock_reason(*, workgroup, cycle, writer, now=None, dues=None, submissions=None):
    """Why `writer` may not change the workgroup's list now (a Persian sentence), or None.

    `dues` (from `deadlines.due_dates`) and `submissions` (from `list_submissions`) save the
    deadline and submission queries on pages that ask often; a write reads them inside its
    transaction, after the row lock (`open_list`).
    """
    if writer not in WRITERS:
        raise ValueError(f"unknown writer {writer!r}")
    standing = standing_submission(
        workgroup=workgroup, cycle=cycle, kinds=_FREEZING_KINDS[writer], submissions=submissions
    )
    if standing is not None:
        return _frozen_message(standing, writer=writer)
    if writer == OFFICE:
        return None
    kind = Kind.CODING if writer == CODING else Kind.PRIORITIES
    due = deadline_for(workgroup, cycle, kind, dues=dues)
    if due is None or due.is_open(now):
        return None
    if writer == PROPOSALS or due.is_hard:
        return _deadline_message(due, writer=writer, workgroup=workgroup)
    return None


def ensure_list_open(*, workgroup, cycle, writer, now=None, dues=None, submissions=None):
    """Raise `ListLocked` unless `writer` may change the list now (see `list_lock_reason`)."""
    reason = list_lock_reason(
        workgroup=workgroup, cycle=cycle, writer=writer, now=now, dues=dues, submissions=submissions
    )
    if reason:
        raise ListLocked(reason)


def lock_list_row(*, workgroup, cycle):
    """Take the list's row lock (its `WorkgroupCycle`, created if missing) and return the row.

    Submitting, every write of a list and the office's review take this lock first, so they run
    one after the other on PostgreSQL. Must run inside a transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_list_row must run inside the write's transaction")
    share = WorkgroupCycle.objects.select_for_update().filter(workgroup=workgroup, cycle=cycle).first()
    if share is None:
        try:
            with transaction.atomic():
                WorkgroupCycle.objects.create(workgroup=workgroup, cycle=cycle)
        except IntegrityError:
            pass  # created meanwhile by a concurrent write: lock that one
        share = WorkgroupCycle.objects.select_for_update().get(workgroup=workgroup, cycle=cycle)
    return share


@dataclass(frozen=True)
class OpenList:
    """A list opened for a write: its locked row, and the due dates and submissions its lock was
    decided from (read after the lock, so a page drawn from them shows the list as written)."""

    share: WorkgroupCycle
    dues: dict
    submissions: list


def open_list_with_state(*, workgroup, cycle, writer, now=None):
    """`open_list`, also returning what the check read (`OpenList`), in as many queries: for a
    write that answers with the list's deadline box (a ranking save)."""
    share = lock_list_row(workgroup=workgroup, cycle=cycle)
    dues = due_dates(workgroup, cycle)
    submissions = list_submissions(workgroup=workgroup, cycle=cycle)
    ensure_list_open(
        workgroup=workgroup,
        cycle=cycle,
        writer=writer,
        now=now or timezone.now(),
        dues=dues,
        submissions=submissions,
    )
    return OpenList(share=share, dues=dues, submissions=submissions)


def open_list(*, workgroup, cycle, writer, now=None):
    """Lock the list's row, then check `writer`'s rule: the first step of every write to a list.

    Returns the locked `WorkgroupCycle` (its `ranking_version` is the list's version). Raises
    `ListLocked` with the reason when the list may not change.
    """
    share = lock_list_row(workgroup=workgroup, cycle=cycle)
    ensure_list_open(workgroup=workgroup, cycle=cycle, writer=writer, now=now or timezone.now())
    return share


def open_lists(*, workgroups, cycle, writer, now=None):
    """`open_list` for several lists at once (a move between workgroups), in a fixed order so that
    two moves in opposite directions cannot deadlock. Returns {workgroup id: locked row}."""
    shares = {}
    for workgroup in sorted({w.pk: w for w in workgroups}.values(), key=lambda w: w.pk):
        shares[workgroup.pk] = open_list(workgroup=workgroup, cycle=cycle, writer=writer, now=now)
    return shares


def cycle_proposals_lock_reason(*, cycle, now=None):
    """Why no unit may propose in `cycle` any more (a Persian sentence), or None while the
    priorities deadline, or any workgroup's extension of it, is still running. Before a unit has
    chosen the responsible deputy this is all that can be said; the project's own list is checked
    with `open_list(…, writer=PROPOSALS)` when it is saved."""
    now = now or timezone.now()
    deadline = cycle.deadlines.filter(kind=Kind.PRIORITIES).first()
    if deadline is None or deadline.is_open(now):
        return None
    latest = {}
    for extension in cycle.extensions.filter(kind=Kind.PRIORITIES).order_by("granted_at", "pk"):
        latest[extension.workgroup_id] = extension  # the latest grant wins
    if any(now < extension.due_at + ONE_SECOND for extension in latest.values()):
        return None
    return "مهلت ثبت و ویرایش پیشنهادها برای این دوره گذشته است."
