"""Submissions and the budget office's review of a workgroup's list (docs/workflow.md, steps 4–6).

A workgroup has two lists per cycle, one per deadline kind: the priorities and the coded list. A
submission freezes a snapshot of the list with a checksum; the list stays frozen until the budget
office returns it with a reason. Whether a list may change is decided in `locks.py`; submitting
takes the same row lock as every write and raises the list's version, so no write lands after the
snapshot and no page still showing the old list can save over it.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Prefetch, Q, Sum
from django.urls import reverse
from django.utils import timezone

from karaj_budget.jalali import format_jalali_datetime, format_money, persian_digits
from karaj_budget.persian import normalize_text
from workgroups import access, locks, ranking, resources
from workgroups.attachments import services as attachment_services
from workgroups.coding import check_every_project_coded
from workgroups.deadlines import (
    DueDate,
    deadline_for,
    due_date_from,
    due_dates,
    format_duration_fa,
)
from workgroups.locks import ListInvalid, ListLocked
from workgroups.models import (
    LIST_TITLES,
    AuditEntry,
    Deadline,
    Extension,
    Meeting,
    Project,
    ProjectFunding,
    SourceCeiling,
    Submission,
    WorkgroupCycle,
    snapshot_checksum,
)

Kind = Deadline.Kind
# A workgroup's two lists in a cycle, in the order they are due.
LIST_KINDS = (Kind.PRIORITIES, Kind.CODING)
# Under this much time left, the countdown turns to the warning colour.
WARNING_WINDOW = datetime.timedelta(days=3)
# 2: each item carries its money over time, sources and credit type; the list its type ceilings.
SNAPSHOT_FORMAT = 2


# ---- Errors -------------------------------------------------------------------------------------


class SubmissionError(ListInvalid):
    """A refused submission or review step; `message` (Persian) is what the user is told, and
    `problems` what remains to do before the list can be submitted."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


# The lock rule that applies to the head's work on each list.
WRITER_OF_KIND = {Kind.PRIORITIES: locks.RANKING, Kind.CODING: locks.CODING}


# ---- Checks before submitting -------------------------------------------------------------------


def _titles(projects, limit=5):
    names = "، ".join(f"«{p.title}»" for p in projects[:limit])
    return names + (" و …" if len(projects) > limit else "")


def check_not_empty(workgroup, cycle, projects, *, submissions=None):
    if not projects:
        return ["این فهرست هیچ پروژه‌ای ندارد."]
    return []


def check_every_project_ranked(workgroup, cycle, projects, *, submissions=None):
    # A complete order: the office builds the budget from the top of every list down to the
    # ceiling, and an unranked project would be neither funded nor explicitly put below the cut
    # line. Projects awaiting the office's decision on their workgroup cannot be ranked and do not
    # block the submission; the snapshot lists them without a position.
    unranked = [p for p in projects if p.priority is None and p.state == Project.State.PROPOSED]
    if unranked:
        return [f"{persian_digits(len(unranked))} پروژه هنوز اولویت‌بندی نشده است: {_titles(unranked)}."]
    return []


def check_priorities_submitted(workgroup, cycle, projects, *, submissions=None):
    # The coded list is the ranked list with codes: its order must already be with the office.
    standing = locks.standing_submission(
        workgroup=workgroup, cycle=cycle, kinds=(Kind.PRIORITIES,), submissions=submissions
    )
    if standing is None:
        return ["نخست فهرست اولویت‌بندی‌شده را ارسال کنید."]
    return []


# What must hold before a list of each kind may be submitted. Each check takes (workgroup, cycle,
# projects) — `projects` being the list's active projects, with codes and units loaded (or a save's
# `ranking.ListRow`s) — and `submissions` (the list's, from `locks.list_submissions`, when the
# caller has them), and returns Persian sentences, one per problem.
SUBMISSION_CHECKS = {
    Kind.PRIORITIES: (check_not_empty, check_every_project_ranked),
    Kind.CODING: (
        check_priorities_submitted,
        check_not_empty,
        check_every_project_ranked,
        check_every_project_coded,
    ),
}


def list_projects(*, workgroup, cycle):
    """The list's active projects in priority order (unranked last), with what a snapshot shows."""
    return list(
        Project.objects.for_workgroup(workgroup, cycle)
        .active()
        .select_related("proposing_unit", "program_code", "budget_code")
        .prefetch_related("forecasts", Prefetch("fundings", ProjectFunding.objects.select_related("source")))
        .order_by(F("priority").asc(nulls_last=True), "pk")
    )


def submission_problems(*, workgroup, cycle, kind, projects=None, submissions=None):
    """Why the list cannot be submitted yet (Persian sentences); empty when it can."""
    if projects is None:
        projects = list_projects(workgroup=workgroup, cycle=cycle)
    return [
        message
        for check in SUBMISSION_CHECKS[kind]
        for message in check(workgroup, cycle, projects, submissions=submissions)
    ]


# ---- Snapshots ----------------------------------------------------------------------------------


def snapshot_item(project):
    budget_type = project.budget_code.credit_type if project.budget_code_id else ""
    return {
        "id": project.pk,
        "title": project.title,
        "position": project.priority,
        "unit": project.proposing_unit.code,
        "requested_amount": project.requested_amount,
        "total_estimate": project.total_estimate,
        "program_code": project.program_code.code if project.program_code_id else None,
        "budget_code": project.budget_code.code if project.budget_code_id else None,
        "credit_type": resources.credit_type_of(project.requested_credit_type, budget_type),
        "spent_before": project.spent_before,
        # JSON keys are text: the year as a string, so a stored snapshot reads back equal.
        "forecasts": {str(row.fiscal_year): row.amount for row in project.forecasts.all()},
        "sources": {row.source.name: row.amount for row in project.fundings.all()},
        "estimate_gap_reason": project.estimate_gap_reason,
        "over_remaining_reason": project.over_remaining_reason,
    }


def snapshot_figures(snapshot):
    """(`ranking.ListFigures`, [its place or None for each item]) of a snapshot's list: the same
    running totals and cut lines as the live ranking page, from the frozen figures."""
    figures = ranking.ListFigures(snapshot.get("credit_ceiling"), snapshot.get("type_ceilings"))
    places = []
    for item in snapshot.get("projects", []):
        if item["position"] is None:
            figures.add_sources(item["requested_amount"], item.get("sources"))
            places.append(None)
            continue
        places.append(figures.add(item["requested_amount"], item.get("credit_type", ""), item.get("sources")))
    return figures, places


def list_snapshot(*, workgroup, cycle, kind, projects=None):
    """The list as it stands now, as plain JSON: metadata plus one item per project in order."""
    if projects is None:
        projects = list_projects(workgroup=workgroup, cycle=cycle)
    share = WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).first()
    items = [snapshot_item(project) for project in projects]
    return {
        "format": SNAPSHOT_FORMAT,
        "workgroup": workgroup.slug,
        "workgroup_name": workgroup.name,
        "fiscal_year": cycle.fiscal_year,
        "kind": str(kind),
        "credit_ceiling": share.credit_ceiling if share else None,
        "type_ceilings": {str(key): value for key, value in share.type_ceilings.items()} if share else {},
        "requested_total": sum(item["requested_amount"] for item in items),
        "projects": items,
        # The files of the list, its meetings and its projects, with their SHA-256 (in the checksum).
        "attachments": attachment_services.list_attachments_snapshot(
            share=share,
            kind=kind,
            meetings=Meeting.objects.filter(workgroup=workgroup, cycle=cycle),
            project_ids=[project.pk for project in projects],
        ),
    }


def current_checksum(*, workgroup, cycle, kind):
    """The checksum the list would have if it were submitted now (to compare with a submission's)."""
    return snapshot_checksum(list_snapshot(workgroup=workgroup, cycle=cycle, kind=kind))


# What a diff compares as money (format 1 snapshots lack the later keys: read as None).
MONEY_KEYS = (
    "requested_amount",
    "total_estimate",
    "spent_before",
    "forecasts",
    "sources",
    "credit_type",
    "estimate_gap_reason",
    "over_remaining_reason",
)


MONEY_LABELS = {
    "requested_amount": "درخواستی",
    "total_estimate": "برآورد کل",
    "spent_before": "هزینه‌شده پیش از سال جاری",
    "forecasts": "پیش‌بینی سال‌های آینده",
    "sources": "منابع تأمین",
    "credit_type": "نوع اعتبار",
    "estimate_gap_reason": "دلیل اختلاف با برآورد کل",
    "over_remaining_reason": "دلیل درخواست بیش از مانده برآورد",
}


def money_text(key, value):
    """A snapshot's money value as the diff shows it (amounts in million rials, Persian digits)."""
    if value is None or value == "" or value == {}:
        return "—"
    if key == "credit_type":
        return resources.CREDIT_LABELS.get(value, value)
    if key == "forecasts":
        return "، ".join(
            f"{persian_digits(year)}: {format_money(amount)}" for year, amount in sorted(value.items())
        )
    if key == "sources":
        return "، ".join(f"{name}: {format_money(amount)}" for name, amount in value.items())
    if isinstance(value, int):
        return format_money(value)
    return str(value)


def submission_diff(previous, current):
    """What changed between two snapshots (dicts, or submissions): projects added, removed, moved,
    and with changed amounts or codes. Items keep the current snapshot's order."""
    previous = getattr(previous, "snapshot", previous) or {}
    current = getattr(current, "snapshot", current) or {}
    before = {item["id"]: item for item in previous.get("projects", [])}
    after = {item["id"]: item for item in current.get("projects", [])}
    diff = {"added": [], "removed": [], "moved": [], "amount_changed": [], "code_changed": []}
    for item in current.get("projects", []):
        old = before.get(item["id"])
        if old is None:
            diff["added"].append(item)
            continue
        if old["position"] != item["position"]:
            diff["moved"].append({"item": item, "from": old["position"], "to": item["position"]})
        for key in MONEY_KEYS:
            if old.get(key) != item.get(key):
                diff["amount_changed"].append(
                    {
                        "item": item,
                        "field": key,
                        "label": MONEY_LABELS[key],
                        "before": old.get(key),
                        "after": item.get(key),
                        "before_text": money_text(key, old.get(key)),
                        "after_text": money_text(key, item.get(key)),
                    }
                )
        for key in ("program_code", "budget_code"):
            if old[key] != item[key]:
                diff["code_changed"].append(
                    {"item": item, "field": key, "before": old[key], "after": item[key]}
                )
    diff["removed"] = [item for item in previous.get("projects", []) if item["id"] not in after]
    diff["has_changes"] = any(
        diff[key] for key in ("added", "removed", "moved", "amount_changed", "code_changed")
    )
    return diff


# ---- Workflow steps -----------------------------------------------------------------------------


def _describe(submission):
    number = persian_digits(submission.number)
    return f"{submission.list_title} «{submission.workgroup.name}» (نوبت {number})"


@transaction.atomic
def submission_submit(*, workgroup, cycle, kind, user, now=None):
    """Freeze the workgroup's `kind` list as a new submission and return it.

    Refused (`ListLocked`) when the list already has a standing submission or a hard deadline has
    passed without an extension; refused (`SubmissionError`, with `problems`) when a check of
    `SUBMISSION_CHECKS` fails. After a soft deadline the submission is accepted and `late_by` says
    how late it was.
    """
    now = now or timezone.now()
    # The same row lock every write of the list takes: a racing ranking, coding or proposal write
    # lands before the snapshot below, or waits and is then refused by the lock. The partial
    # unique constraint on standing submissions is the last word on two submits at once.
    share = locks.open_list(workgroup=workgroup, cycle=cycle, writer=WRITER_OF_KIND[kind], now=now)
    due = deadline_for(workgroup, cycle, kind)
    projects = list_projects(workgroup=workgroup, cycle=cycle)
    problems = submission_problems(workgroup=workgroup, cycle=cycle, kind=kind, projects=projects)
    if problems:
        raise SubmissionError("فهرست هنوز آماده ارسال نیست.", problems)
    snapshot = list_snapshot(workgroup=workgroup, cycle=cycle, kind=kind, projects=projects)
    last = Submission.objects.for_list(workgroup, cycle, kind).aggregate(n=Max("number"))["n"] or 0
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                workgroup=workgroup,
                cycle=cycle,
                kind=kind,
                number=last + 1,
                submitted_by=user if user is not None and user.is_authenticated else None,
                submitted_at=now,
                due_at=due.due_at if due else None,
                late_by=due.late_by(now) if due else None,
                snapshot=snapshot,
                checksum=snapshot_checksum(snapshot),
            )
    except IntegrityError:
        raise ListLocked("این فهرست هم‌زمان ارسال شد؛ صفحه را دوباره باز کنید.") from None
    # Pages still showing the list as it was before the freeze get a conflict, not a write.
    ranking.bump_version(share)
    late = f"، با {format_duration_fa(submission.late_by)} تأخیر" if submission.late_by is not None else ""
    AuditEntry.objects.record(
        actor=user,
        action="submission.submit",
        summary=f"ارسال {_describe(submission)}{late}",
        workgroup=workgroup,
        cycle=cycle,
        details={
            "submission": submission.pk,
            "kind": str(kind),
            "number": submission.number,
            "checksum": submission.checksum,
            "projects": len(snapshot["projects"]),
            "late_by_seconds": int(submission.late_by.total_seconds()) if submission.late_by else None,
        },
    )
    return submission


def _lock_for_review(submission):
    return Submission.objects.select_for_update().select_related("workgroup", "cycle").get(pk=submission.pk)


@transaction.atomic
def submission_accept(*, submission, user, now=None):
    """The budget office accepts a submitted list; it stays frozen for good."""
    submission = _lock_for_review(submission)
    if submission.state != Submission.State.SUBMITTED:
        raise SubmissionError(f"این ارسال پیش‌تر بررسی شده است ({submission.get_state_display()}).")
    submission.state = Submission.State.ACCEPTED
    submission.reviewed_by = user
    submission.reviewed_at = now or timezone.now()
    submission.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    AuditEntry.objects.record(
        actor=user,
        action="submission.accept",
        summary=f"پذیرش {_describe(submission)}",
        workgroup=submission.workgroup,
        cycle=submission.cycle,
        details={"submission": submission.pk, "kind": submission.kind, "number": submission.number},
    )
    return submission


@transaction.atomic
def submission_return(*, submission, user, reason, now=None):
    """The budget office returns a list with a reason: the list reopens and the head is e-mailed.

    An accepted list may be returned too (the office reopens it, e.g. after a project changed
    workgroup); a returned one cannot be returned twice.
    """
    reason = normalize_text(reason or "")
    if not reason:
        raise SubmissionError("دلیل بازگشت را بنویسید؛ رئیس کارگروه آن را می‌بیند.")
    submission = _lock_for_review(submission)
    if submission.state == Submission.State.RETURNED:
        raise SubmissionError("این ارسال پیش‌تر بازگشت داده شده است.")
    before = submission.state
    submission.state = Submission.State.RETURNED
    submission.reviewed_by = user
    submission.reviewed_at = now or timezone.now()
    submission.review_reason = reason
    submission.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_reason"])
    workgroup = submission.workgroup
    AuditEntry.objects.record(
        actor=user,
        action="submission.return",
        summary=f"بازگشت {_describe(submission)}",
        workgroup=workgroup,
        cycle=submission.cycle,
        details={"submission": submission.pk, "kind": submission.kind, "before": before, "reason": reason},
    )
    recipients = access.head_emails(workgroup)
    if recipients:
        subject = f"بازگشت {submission.list_title} — {workgroup.name}"
        body = (
            f"{submission.list_title} «{workgroup.name}» ({submission.cycle.title}، نوبت "
            f"{persian_digits(submission.number)}) از سوی {settings.BUDGET_OFFICE_NAME} بازگشت داده شد.\n\n"
            f"دلیل: {reason}\n\n"
            "فهرست دوباره باز است؛ پس از اصلاح، آن را دوباره ارسال کنید: "
            f"{reverse('workgroups:submission-list', args=[workgroup.slug])}\n"
        )
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))
    return submission


@transaction.atomic
def extension_grant(*, workgroup, cycle, kind, due_at, reason, user, now=None):
    """The budget office gives one workgroup a new due date for one list (the latest grant wins)."""
    now = now or timezone.now()
    reason = normalize_text(reason or "")
    if not reason:
        raise SubmissionError("دلیل تمدید را بنویسید.")
    if due_at <= now:
        raise SubmissionError("مهلت تازه باید در آینده باشد.")
    extension = Extension.objects.create(
        workgroup=workgroup,
        cycle=cycle,
        kind=kind,
        due_at=due_at,
        reason=reason,
        granted_by=user if user is not None and user.is_authenticated else None,
        granted_at=now,
    )
    until = format_jalali_datetime(due_at)
    AuditEntry.objects.record(
        actor=user,
        action="extension.grant",
        summary=f"تمدید مهلت {LIST_TITLES[kind]} «{workgroup.name}» تا {until}",
        workgroup=workgroup,
        cycle=cycle,
        details={
            "extension": extension.pk,
            "kind": str(kind),
            "due_at": due_at.isoformat(),
            "reason": reason,
        },
    )
    return extension


# ---- States of the lists ------------------------------------------------------------------------


class ListState:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED_ON_TIME = "submitted_on_time"
    SUBMITTED_LATE = "submitted_late"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    MISSING = "missing"


STATE_LABELS = {
    ListState.NOT_STARTED: "شروع نشده",
    ListState.IN_PROGRESS: "در حال انجام",
    ListState.SUBMITTED_ON_TIME: "ارسال به‌موقع",
    ListState.SUBMITTED_LATE: "ارسال با تأخیر",
    ListState.RETURNED: "بازگشت داده‌شده",
    ListState.ACCEPTED: "پذیرفته‌شده",
    ListState.MISSING: "ارسال‌نشده پس از مهلت",
}
# Badge tones of site.css.
STATE_TONES = {
    ListState.NOT_STARTED: "muted",
    ListState.IN_PROGRESS: "info",
    ListState.SUBMITTED_ON_TIME: "submitted",
    ListState.SUBMITTED_LATE: "late",
    ListState.RETURNED: "returned",
    ListState.ACCEPTED: "accepted",
    ListState.MISSING: "overdue",
}


@dataclass
class ListStatus:
    """One workgroup's list of one kind against its deadline, as pages and the JSON show it."""

    kind: str
    state: str
    due: DueDate | None
    submission: Submission | None
    now: datetime.datetime
    todo: list = field(default_factory=list)
    can_submit: bool = False
    lock_reason: str | None = None

    @property
    def kind_label(self):
        return Kind(self.kind).label

    @property
    def title(self):
        return LIST_TITLES[self.kind]

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def tone(self):
        return STATE_TONES[self.state]

    @property
    def is_frozen(self):
        return self.state in (ListState.SUBMITTED_ON_TIME, ListState.SUBMITTED_LATE, ListState.ACCEPTED)

    @property
    def is_open(self):
        return self.due is None or self.due.is_open(self.now)

    @property
    def countdown(self):
        """«۲ روز و ۵ ساعت مانده» / «۳ ساعت از مهلت گذشته» for lists still to send; else ""."""
        if self.due is None or self.is_frozen:
            return ""
        remaining = self.due.remaining(self.now)
        if remaining > datetime.timedelta(0):
            return f"{format_duration_fa(remaining)} مانده"
        return f"{format_duration_fa(self.now - self.due.due_at)} از مهلت گذشته"

    @property
    def countdown_tone(self):
        if self.due is None or self.is_frozen:
            return ""
        remaining = self.due.remaining(self.now)
        if remaining <= datetime.timedelta(0):
            return "overdue"
        return "warning" if remaining < WARNING_WINDOW else "ok"

    @property
    def late_text(self):
        if self.submission is None or self.submission.late_by is None:
            return ""
        return f"با {format_duration_fa(self.submission.late_by)} تأخیر"


def _state(submission, due, started, now):
    if submission is not None:
        if submission.state == Submission.State.ACCEPTED:
            return ListState.ACCEPTED
        if submission.state == Submission.State.RETURNED:
            return ListState.RETURNED
        return ListState.SUBMITTED_LATE if submission.late_by is not None else ListState.SUBMITTED_ON_TIME
    if due is not None and not due.is_open(now):
        return ListState.MISSING
    return ListState.IN_PROGRESS if started else ListState.NOT_STARTED


def _started(kind, projects):
    if kind == Kind.CODING:
        return any(p.program_code_id or p.budget_code_id for p in projects)
    return any(p.priority is not None for p in projects)


def list_state(
    *, workgroup, cycle, kind, now=None, user=None, projects=None, dues=None, may_act=None, submissions=None
):
    """The state of one workgroup's list against its deadline, what remains to do, and whether
    `user` may submit it now (a `ListStatus`). `dues` and `submissions` (`locks.list_submissions`)
    spare their queries."""
    now = now or timezone.now()
    if projects is None:
        projects = list_projects(workgroup=workgroup, cycle=cycle)
    due = deadline_for(workgroup, cycle, kind, dues=dues)
    if submissions is not None:
        submission = max((s for s in submissions if s.kind == kind), key=lambda s: s.number, default=None)
    else:
        submission = (
            Submission.objects.for_list(workgroup, cycle, kind)
            .select_related("reviewed_by")
            .order_by("-number")
            .first()
        )
    status = ListStatus(
        kind=kind,
        state=_state(submission, due, _started(kind, projects), now),
        due=due,
        submission=submission,
        now=now,
    )
    if not status.is_frozen:
        status.lock_reason = locks.list_lock_reason(
            workgroup=workgroup,
            cycle=cycle,
            writer=WRITER_OF_KIND[kind],
            now=now,
            dues=dues,
            submissions=submissions,
        )
        status.todo = submission_problems(
            workgroup=workgroup, cycle=cycle, kind=kind, projects=projects, submissions=submissions
        )
        if may_act is None:
            may_act = user is not None and access.is_head(user, workgroup)
        status.can_submit = may_act and status.lock_reason is None and not status.todo
    return status


def deadline_summary(workgroup, cycle, now=None, *, user=None, projects=None, dues=None, submissions=None):
    """Context for `workgroups/_deadline_status.html`: both lists' states, countdowns, what remains
    to do, and the submit buttons when `user` may press them.

    `projects`, the list's active projects (title, priority, state and code ids are read), saves
    loading them again when the caller, such as the ranking page, already has them; `dues` and
    `submissions` likewise. Without them it reads the due dates in two queries and the list's
    submissions in one.
    """
    now = now or timezone.now()
    if projects is None:
        projects = list_projects(workgroup=workgroup, cycle=cycle)
    if dues is None:
        dues = due_dates(workgroup, cycle)
    if submissions is None:
        submissions = locks.list_submissions(workgroup=workgroup, cycle=cycle)
    may_act = user is not None and access.is_head(user, workgroup)
    lists = [
        list_state(
            workgroup=workgroup,
            cycle=cycle,
            kind=kind,
            now=now,
            user=user,
            projects=projects,
            dues=dues,
            may_act=may_act,
            submissions=submissions,
        )
        for kind in LIST_KINDS
    ]
    return {"workgroup": workgroup, "cycle": cycle, "lists": lists, "now": now}


# ---- The office's overview ----------------------------------------------------------------------


@dataclass
class WorkgroupRow:
    share: WorkgroupCycle
    lists: dict
    requested_by_type: dict = field(default_factory=dict)  # {credit type or "": requested}
    requested_by_source: dict = field(default_factory=dict)  # {source name: the list's parts from it}
    source_ceilings: dict = field(default_factory=dict)  # {source name: ceiling}

    @property
    def workgroup(self):
        return self.share.workgroup

    @property
    def priorities(self):
        return self.lists[Kind.PRIORITIES]

    @property
    def coding(self):
        return self.lists[Kind.CODING]

    @property
    def over_ceiling(self):
        """The requests of the list's projects pass a ceiling (never one that is not set): each
        credit type's own once any is set, else the list's single ceiling (`ranking.ListFigures`)."""
        return self.figures.is_over

    @property
    def type_ceiling_rows(self):
        ceilings = self.share.type_ceilings
        return [(key, resources.CREDIT_LABELS[key], ceilings[key]) for key in resources.CREDIT_TYPES]

    @cached_property
    def figures(self):
        figures = ranking.ListFigures(self.share.credit_ceiling, self.share.type_ceilings)
        figures.add_totals(self.requested_by_type, self.requested_by_source)
        return figures

    @property
    def capped_sources(self):
        """[`ranking.SourceRow`] of the sources the office capped for this list: its total from
        each against the ceiling, as the ranking page compares them."""
        return [row for row in self.figures.source_rows(self.source_ceilings) if row.ceiling is not None]


def cycle_overview(*, cycle, now=None):
    """One row per workgroup of the cycle with counts, credit and both lists' states, plus every
    submission of the cycle (oldest first): a fixed number of queries, whatever the number of rows."""
    now = now or timezone.now()
    projects = "workgroup__projects"
    in_cycle = Q(workgroup__projects__cycle=cycle) & ~Q(workgroup__projects__state=Project.State.WITHDRAWN)
    shares = (
        WorkgroupCycle.objects.filter(cycle=cycle)
        .select_related("workgroup")
        .annotate(
            project_count=Count(projects, filter=in_cycle),
            ranked_count=Count(projects, filter=in_cycle & Q(workgroup__projects__priority__isnull=False)),
            coded_count=Count(
                projects,
                filter=in_cycle
                & Q(
                    workgroup__projects__program_code__isnull=False,
                    workgroup__projects__budget_code__isnull=False,
                ),
            ),
            requested=Sum(
                "workgroup__projects__requested_amount",
                filter=Q(workgroup__projects__cycle=cycle, workgroup__projects__state=Project.State.PROPOSED),
            ),
        )
        .order_by("workgroup__deputy__code")
    )
    requested_by_type = {}
    for row in (
        Project.objects.filter(cycle=cycle, state=Project.State.PROPOSED)
        .values("workgroup_id", "requested_credit_type", "budget_code__credit_type")
        .annotate(total=Sum("requested_amount"))
        .order_by()
    ):
        credit_type = resources.credit_type_of(row["requested_credit_type"], row["budget_code__credit_type"])
        by_type = requested_by_type.setdefault(row["workgroup_id"], {})
        by_type[credit_type] = by_type.get(credit_type, 0) + row["total"]
    requested_by_source = {}
    for workgroup_id, name, total in (
        ProjectFunding.objects.filter(project__cycle=cycle, project__state=Project.State.PROPOSED)
        .values_list("project__workgroup_id", "source__name")
        .annotate(total=Sum("amount"))
        .order_by("source__position", "source_id")
    ):
        requested_by_source.setdefault(workgroup_id, {})[name] = total
    source_ceilings = {}
    for share_id, name, amount in SourceCeiling.objects.filter(share__cycle=cycle).values_list(
        "share_id", "source__name", "amount"
    ):
        source_ceilings.setdefault(share_id, {})[name] = amount
    deadlines = {d.kind: d for d in cycle.deadlines.all()}
    extensions = {}
    for extension in Extension.objects.filter(cycle=cycle).order_by("granted_at", "pk"):
        extensions[(extension.workgroup_id, extension.kind)] = extension  # the latest wins
    submissions = list(
        Submission.objects.filter(cycle=cycle)
        .defer("snapshot")
        .select_related("workgroup")
        .order_by("submitted_at", "pk")
    )
    latest = {}
    for submission in submissions:
        key = (submission.workgroup_id, submission.kind)
        if key not in latest or submission.number > latest[key].number:
            latest[key] = submission
    rows = []
    for share in shares:
        lists = {}
        for kind in LIST_KINDS:
            due = due_date_from(kind, deadlines.get(kind), extensions.get((share.workgroup_id, kind)))
            started = share.coded_count > 0 if kind == Kind.CODING else share.ranked_count > 0
            submission = latest.get((share.workgroup_id, kind))
            lists[kind] = ListStatus(
                kind=kind,
                state=_state(submission, due, started, now),
                due=due,
                submission=submission,
                now=now,
            )
        rows.append(
            WorkgroupRow(
                share=share,
                lists=lists,
                requested_by_type=requested_by_type.get(share.workgroup_id, {}),
                requested_by_source=requested_by_source.get(share.workgroup_id, {}),
                source_ceilings=source_ceilings.get(share.pk, {}),
            )
        )
    return rows, deadlines, submissions
