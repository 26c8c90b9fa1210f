"""What is monitored (docs/monitoring.md, "What is monitored"): the projects of a cycle's accepted
coded lists become `MonitoredProject`s, and the office records each one's approved amount (typed,
or imported from the council-approved budget sheet).

The projects are taken from the accepted submissions' snapshots, not from the live lists: what the
office accepted is what is monitored, even if a project was edited later. The approved amount
starts as the request in that snapshot.
"""

from dataclasses import dataclass

from django.db import transaction

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import PersianInputError, parse_amount
from programs.importing import cells
from programs.importing.results import ERROR, NEW, UNCHANGED, UPDATED, ImportResult, Problem, RowOutcome
from programs.importing.sheets import Column, read_table_for
from programs.importing.units import UnitMatcher
from programs.models import Unit
from workgroups.models import (
    AuditEntry,
    Cycle,
    Deadline,
    MonitoredProject,
    Project,
    Submission,
    clean_project_ref,
)


class MonitoringInvalid(PersianInputError):
    """A monitoring figure the office typed is not acceptable; the message names it."""


# ---- Enrolment ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    lists: int  # accepted coded lists read
    enrolled: int  # projects newly under monitoring
    already: int  # projects that were already
    missing: int  # projects of a snapshot that no longer exist

    def summary_fa(self):
        text = (
            f"{persian_digits(self.enrolled)} پروژه تازه به پایش افزوده شد از "
            f"{persian_digits(self.lists)} فهرست کدگذاری‌شده پذیرفته‌شده؛ "
            f"{persian_digits(self.already)} پروژه از پیش در پایش بود"
        )
        if self.missing:
            text += f"؛ {persian_digits(self.missing)} پروژه فهرست دیگر در سامانه نیست"
        return text


def accepted_coded_items(cycle):
    """{project id: snapshot item} of the cycle's accepted coded lists (one query)."""
    items = {}
    for snapshot in Submission.objects.filter(
        cycle=cycle, kind=Deadline.Kind.CODING, state=Submission.State.ACCEPTED
    ).values_list("snapshot", flat=True):
        for item in snapshot.get("projects", []):
            items[item["id"]] = item
    return items


@transaction.atomic
def monitoring_enrol(*, cycle, user):
    """Put every project of the cycle's accepted coded lists under monitoring, with the request of
    the accepted snapshot as its approved amount. Running it again adds only what is new (a list
    accepted since) and never changes an approved amount already recorded. Returns `Enrolment`."""
    # The cycle's row is the lock two enrolments of the same cycle queue on.
    Cycle.objects.select_for_update().get(pk=cycle.pk)
    lists = Submission.objects.filter(
        cycle=cycle, kind=Deadline.Kind.CODING, state=Submission.State.ACCEPTED
    ).count()
    items = accepted_coded_items(cycle)
    existing = set(Project.objects.filter(pk__in=items, cycle=cycle).values_list("pk", flat=True))
    already = set(
        MonitoredProject.objects.filter(project_id__in=existing).values_list("project_id", flat=True)
    )
    new = [
        MonitoredProject(project_id=pk, approved_amount=items[pk].get("requested_amount") or 0)
        for pk in sorted(existing - already)
    ]
    MonitoredProject.objects.bulk_create(new, batch_size=1000)
    result = Enrolment(
        lists=lists, enrolled=len(new), already=len(already), missing=len(items) - len(existing)
    )
    AuditEntry.objects.record(
        actor=user,
        action="monitoring.enrol",
        summary=f"آغاز پایش {cycle}: {result.summary_fa()}"[:500],
        cycle=cycle,
        details={"lists": lists, "enrolled": len(new), "already": len(already), "missing": result.missing},
    )
    return result


def monitored_in(cycle):
    """The cycle's monitored projects as the office's table lists them (a fixed number of queries)."""
    return (
        MonitoredProject.objects.filter(project__cycle=cycle)
        .select_related("project__workgroup", "project__proposing_unit")
        .order_by("project__workgroup__deputy__code", "project__priority", "pk")
    )


# ---- Approved amounts ---------------------------------------------------------------------------


def clean_approved(value):
    """An approved amount as typed or read from a cell: whole million rials, ≥ 0, required."""
    amount = parse_amount(cells.usable(value))
    if amount is None:
        raise MonitoringInvalid("اعتبار مصوب خالی است؛ مبلغ را به میلیون ریال بنویسید.")
    return amount


@transaction.atomic
def monitored_set_approved(*, monitored, amount, user):
    """Record the approved amount the office typed for one monitored project (audited with what
    it was before). `amount` is what was typed (text or number). Returns the fresh row."""
    amount = clean_approved(amount)
    row = (
        MonitoredProject.objects.select_for_update()
        .select_related("project__cycle", "project__workgroup")
        .get(pk=monitored.pk)
    )
    before = (row.approved_amount, row.approved_from)
    if before == (amount, MonitoredProject.ApprovedFrom.TYPED):
        return row
    row.approved_amount = amount
    row.approved_from = MonitoredProject.ApprovedFrom.TYPED
    row.save(update_fields=["approved_amount", "approved_from"])
    project = row.project
    AuditEntry.objects.record(
        actor=user,
        action="monitoring.approved",
        summary=(
            f"اعتبار مصوب «{project.title}»: {persian_digits(before[0])} ← "
            f"{persian_digits(amount)} میلیون ریال"
        )[:500],
        workgroup=project.workgroup,
        cycle=project.cycle,
        project=project,
        details={"before": before[0], "after": amount, "before_from": before[1]},
    )
    return row


# ---- The council-approved budget sheet ----------------------------------------------------------

APPROVED_COLUMNS = (
    Column("project_id", "شناسه سامانه", ("project_id", "شناسه پروژه در سامانه", "pk")),
    Column("unit", "واحد پیشنهاددهنده", ("unit", "واحد", "واحد پیشنهاد دهنده", "پیشنهاددهنده")),
    Column("ref", "شناسه", ("ref", "شناسه واحد", "شناسه پروژه")),
    Column("title", "عنوان", ("title", "عنوان پروژه")),
    Column(
        "approved",
        "اعتبار مصوب (میلیون ریال)",
        ("approved", "approved_amount", "اعتبار مصوب", "اعتبار مصوب شورا (میلیون ریال)"),
        required=True,
    ),
)
APPROVED_HEADERS = {column.key: column.header for column in APPROVED_COLUMNS}
IMPORT_KIND = "approved"


def import_approved(fileobj, *, cycle, dry_run=False, user=None, table=None):
    """Read the council-approved budget sheet of `cycle` and, unless `dry_run` or any row is wrong,
    set every row's approved amount at once (`approved_from` = imported); nothing is written when
    any row is wrong. A row names its project by the app's id (`شناسه سامانه`) or by its unit and
    the unit's reference (`واحد پیشنهاددهنده` + `شناسه`). The file checks are the projects
    import's (programs.importing). Returns an `ImportResult` (rows new=0, updated, unchanged)."""
    result = ImportResult(kind=IMPORT_KIND, dry_run=dry_run)
    table = read_table_for(result, fileobj, APPROVED_COLUMNS, key_column="ref", table=table)
    if table is None:
        return result
    if not table.has("project_id") and not (table.has("unit") and table.has("ref")):
        result.file_problems.append(
            Problem(
                None,
                None,
                "ستون «شناسه سامانه» یا دو ستون «واحد پیشنهاددهنده» و «شناسه» لازم است تا پروژه هر ردیف "
                "شناخته شود.",
            )
        )
        return result
    monitored = {
        row.project_id: row
        for row in MonitoredProject.objects.filter(project__cycle=cycle).select_related("project")
    }
    by_ref = {
        (row.project.proposing_unit_id, row.project.ref): row for row in monitored.values() if row.project.ref
    }
    units = UnitMatcher(list(Unit.objects.all()), what="واحد")
    changes = {}
    seen = {}
    for row in table.rows:
        outcome = RowOutcome(row.number, label="")
        result.rows.append(outcome)

        def problem(key, message, outcome=outcome):
            outcome.problems.append(Problem(outcome.number, APPROVED_HEADERS[key], message))
            outcome.status = ERROR

        target = _row_project(row, cycle, monitored, by_ref, units, problem)
        try:
            amount = clean_approved(row.values.get("approved"))
        except PersianInputError as error:
            problem("approved", str(error))
            amount = None
        if target is None:
            continue
        outcome.label = target.project.ref or persian_digits(target.project_id)
        outcome.title = target.project.title
        if target.pk in seen:
            problem(
                "approved" if not table.has("project_id") else "project_id",
                f"این پروژه در ردیف {persian_digits(seen[target.pk])} هم آمده است؛ هر پروژه یک بار.",
            )
            continue
        seen[target.pk] = row.number
        if amount is None:
            continue
        if amount == target.approved_amount:
            outcome.status = UNCHANGED
        else:
            outcome.status = UPDATED
            outcome.changes = [APPROVED_HEADERS["approved"]]
            changes[target.pk] = (target, amount)
    if result.has_errors or dry_run:
        return result
    _write_approved(changes, cycle=cycle, user=user, result=result)
    result.written = True
    return result


def _row_project(row, cycle, monitored, by_ref, units, problem):
    """The monitored project a row names, or None with the reason recorded."""
    values = row.values
    if values.get("project_id") is not None:
        try:
            pk = cells.integer(values["project_id"], what="شناسه سامانه")
        except PersianInputError as error:
            problem("project_id", str(error))
            return None
        target = monitored.get(pk)
        if target is None:
            problem(
                "project_id",
                f"پروژه‌ای با شناسه سامانه {persian_digits(pk)} در پایش {cycle} نیست "
                "(در فهرست کدگذاری‌شدهٔ پذیرفته‌شدهٔ این سال نیامده یا پایش آغاز نشده است).",
            )
        return target
    try:
        ref = clean_project_ref(values.get("ref"))
    except PersianInputError as error:
        problem("ref", str(error))
        return None
    if values.get("unit") is None:
        problem("unit", "واحد پیشنهاددهنده خالی است (یا «شناسه سامانه» را بنویسید).")
        return None
    try:
        unit = units.match(cells.usable(values["unit"]), fiscal_year=cycle.fiscal_year)
    except PersianInputError as error:
        problem("unit", str(error))
        return None
    if not ref:
        problem("ref", "شناسه خالی است؛ شناسه پروژه در فهرست واحد (یا «شناسه سامانه») را بنویسید.")
        return None
    target = by_ref.get((unit.pk, ref))
    if target is None:
        problem(
            "ref",
            f"پروژه‌ای با شناسه «{ref}» از {unit.name} در پایش {cycle} نیست.",
        )
    return target


@transaction.atomic
def _write_approved(changes, *, cycle, user, result):
    locked = {
        row.pk: row
        for row in MonitoredProject.objects.select_for_update().filter(pk__in=changes).order_by("pk")
    }
    rows = []
    for pk, (_seen, amount) in changes.items():
        row = locked[pk]
        row.approved_amount = amount
        row.approved_from = MonitoredProject.ApprovedFrom.IMPORTED
        rows.append(row)
    MonitoredProject.objects.bulk_update(rows, ["approved_amount", "approved_from"], batch_size=1000)
    totals = result.totals
    AuditEntry.objects.record(
        actor=user,
        action="monitoring.approved",
        summary=(
            f"ورود اعتبار مصوب {cycle} از اکسل: {persian_digits(totals[UPDATED])} تغییر، "
            f"{persian_digits(totals[UNCHANGED])} بدون تغییر"
        ),
        cycle=cycle,
        details={"updated": totals[UPDATED], "unchanged": totals[UNCHANGED], "new": totals[NEW]},
    )
