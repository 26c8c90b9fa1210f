"""Due dates of a workgroup's lists (the cycle's deadline, or the office's latest extension) and of
a unit's quarterly monitoring reports (the quarter's due date, or the unit's latest extension:
workgroups/monitoring/periods.py builds those with the same `DueDate`).

Deadlines are stored as aware instants at 23:59:59 Tehran; the whole of that last second still
counts (docs/workflow.md, "Deadlines").
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from karaj_budget.jalali import persian_digits
from workgroups.models import Deadline, Extension

Kind = Deadline.Kind
ONE_SECOND = datetime.timedelta(seconds=1)


# ---- Durations ----------------------------------------------------------------------------------


def format_duration_fa(delta):
    """A duration in Persian, to the two largest units: «۲ روز و ۵ ساعت», «۳ ساعت و ۱۰ دقیقه».

    Negative durations are shown by their size; under a minute is «کمتر از یک دقیقه».
    """
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [f"{days} روز", f"{hours} ساعت" if hours else ""]
    elif hours:
        parts = [f"{hours} ساعت", f"{minutes} دقیقه" if minutes else ""]
    elif minutes:
        parts = [f"{minutes} دقیقه"]
    else:
        return "کمتر از یک دقیقه"
    return persian_digits(" و ".join(part for part in parts if part))


# ---- Deadlines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDate:
    """The deadline that applies to one workgroup's list (the cycle's, or the office's extension),
    or to one unit's reports of a quarter (`kind` "quarter", `title` naming the quarter, `extension`
    a `PeriodExtension`)."""

    kind: str
    due_at: datetime.datetime
    is_hard: bool
    base_due_at: datetime.datetime | None = None
    extension: object | None = None  # an Extension, or a PeriodExtension for a quarter
    title: str = ""

    def is_open(self, now=None):
        # Due dates are 23:59:59 Tehran: the whole of that last second still counts.
        return (now or timezone.now()) < self.due_at + ONE_SECOND

    def remaining(self, now=None):
        """Time left until the end of the due second (negative once it has passed)."""
        return self.due_at + ONE_SECOND - (now or timezone.now())

    def late_by(self, now=None):
        """How late something done at `now` is, or None when it is on time."""
        now = now or timezone.now()
        return None if self.is_open(now) else now - self.due_at

    @property
    def label(self):
        return self.title or Kind(self.kind).label


def due_date_from(kind, deadline, extension):
    if deadline is None and extension is None:
        return None
    base = deadline.due_at if deadline is not None else None
    return DueDate(
        kind=kind,
        due_at=extension.due_at if extension is not None else base,
        is_hard=deadline.is_hard if deadline is not None else False,
        base_due_at=base,
        extension=extension,
    )


def latest_extension(*, workgroup, cycle, kind):
    return (
        Extension.objects.filter(workgroup=workgroup, cycle=cycle, kind=kind)
        .select_related("granted_by")
        .order_by("-granted_at", "-pk")
        .first()
    )


def deadline_for(workgroup, cycle, kind, *, dues=None):
    """The effective due date of a workgroup's list: its latest extension if any, else the cycle's
    deadline (a `DueDate`), or None when the cycle has no deadline of that kind.

    `dues`, from `due_dates`, answers without a query (a page that shows both lists asks often).
    """
    if dues is not None:
        return dues.get(kind)
    deadline = cycle.deadlines.filter(kind=kind).first()
    return due_date_from(kind, deadline, latest_extension(workgroup=workgroup, cycle=cycle, kind=kind))


def due_dates(workgroup, cycle):
    """{kind: DueDate or None} for both of a workgroup's lists, in two queries."""
    deadlines = {deadline.kind: deadline for deadline in cycle.deadlines.all()}
    extensions = {}
    for extension in (
        Extension.objects.filter(workgroup=workgroup, cycle=cycle)
        .select_related("granted_by")
        .order_by("granted_at", "pk")
    ):
        extensions[extension.kind] = extension  # the latest grant wins
    return {kind: due_date_from(kind, deadlines.get(kind), extensions.get(kind)) for kind in Kind.values}
