"""The steps of a quarterly report (docs/monitoring.md, "Reports"): the unit saves a draft and submits
it, the workgroup's head or the office comments, the office verifies or returns it, and corrects a
project's planned progress.

Each step is one transaction that takes the report's row lock before it looks at the report's
state: `lock_for_change` is the one place that decides whether a report may still change, and the
evidence files (workgroups/attachments/parents.py) ask it too, so a save or an upload racing a
submit either lands before the freeze or is refused after it. What the figures may say is decided
by workgroups/monitoring/rules.py alone.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import normalize_text
from workgroups import access
from workgroups.deadlines import format_duration_fa
from workgroups.locks import ListInvalid, ListLocked
from workgroups.models import (
    Attachment,
    AuditEntry,
    MonitoredProject,
    ProgressReport,
    ReportComment,
    report_checksum,
)
from workgroups.monitoring import periods, rules

State = ProgressReport.State
FIGURES = ("physical_progress", "absorbed", "status", "reason")


class ReportRefused(ListInvalid):
    """The figures break a rule; `problems` are the rules' `Problem`s (field and Persian message)."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = tuple(problems)


class ReportLocked(ListLocked):
    """The report may not change now: frozen by its submission, or past a hard due date."""


def _user(user):
    return user if user is not None and user.is_authenticated else None


def _describe(report):
    return f"گزارش پایش «{report.monitored.project.title}» — {report.period}"


def _audit(report, *, user, action, summary, details):
    project = report.monitored.project
    AuditEntry.objects.record(
        actor=user,
        action=action,
        summary=summary[:500],
        workgroup=project.workgroup,
        cycle=report.period.cycle,
        project=project,
        details={"report": report.pk, "period": report.period_id, **details},
    )


def _lock(pk):
    return (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related(
            "monitored__project__workgroup", "monitored__project__proposing_unit", "period__cycle"
        )
        .get(pk=pk)
    )


FROZEN_MESSAGES = {
    State.SUBMITTED: "این گزارش ارسال شده و در انتظار بررسی دفتر بودجه است؛ دیگر تغییر نمی‌کند.",
    State.VERIFIED: "این گزارش تأیید شده است و دیگر تغییر نمی‌کند.",
}


def change_refusal(report):
    """Why `report` may not change now (a Persian sentence), or None. Read from the row as given:
    pages use it to hide forms; writes call `lock_for_change`, which asks again under the lock."""
    return FROZEN_MESSAGES.get(report.state)


def lock_for_change(report):
    """Take `report`'s row lock and return the locked row, or raise `ReportLocked` when it is
    frozen (submitted or verified). Call inside the transaction that writes."""
    locked = _lock(report.pk)
    refusal = change_refusal(locked)
    if refusal:
        raise ReportLocked(refusal)
    return locked


def previous_progress(monitored, period):
    """The project's latest submitted or verified cumulative progress of an earlier quarter, or
    None: what a decrease is measured against (rules.check_report)."""
    earlier = (
        ProgressReport.objects.filter(
            monitored=monitored,
            period__cycle_id=period.cycle_id,
            period__quarter__lt=period.quarter,
            state__in=ProgressReport.FROZEN_STATES,
        )
        .order_by("-period__quarter")
        .values_list("physical_progress", flat=True)
        .first()
    )
    return earlier


def check(report, *, for_submit, previous=None):
    """rules.check_report on `report`'s figures, against its project's approved amount and the last
    submitted progress of an earlier quarter."""
    if previous is None:
        previous = previous_progress(report.monitored, report.period)
    return rules.check_report(
        progress=report.physical_progress,
        absorbed=report.absorbed,
        status=report.status,
        reason=report.reason,
        approved=report.monitored.approved_amount,
        previous_progress=previous,
        for_submit=for_submit,
    )


def may_propose_planned(monitored, *, submitted_before=None):
    """The unit proposes the planned progress with its first report: while none of the project's
    reports has been submitted and the office has not set any quarter's figure. `submitted_before`,
    from `projects_with_submissions`, answers without a query."""
    if any(monitored.planned(quarter) is not None for quarter in rules.QUARTER_NAMES):
        return False
    if submitted_before is None:
        submitted_before = ProgressReport.objects.filter(monitored=monitored, number__gt=0).exists()
    return not submitted_before


def projects_with_submissions(projects):
    """Ids of the monitored projects that have submitted a report of any quarter."""
    return set(
        ProgressReport.objects.filter(monitored__in=projects, number__gt=0).values_list(
            "monitored_id", flat=True
        )
    )


def previous_progress_of(projects, period):
    """{monitored id: `previous_progress`} for many projects in one query."""
    found = {}
    rows = (
        ProgressReport.objects.filter(
            monitored__in=projects,
            period__cycle_id=period.cycle_id,
            period__quarter__lt=period.quarter,
            state__in=ProgressReport.FROZEN_STATES,
        )
        .order_by("monitored_id", "-period__quarter")
        .values_list("monitored_id", "physical_progress")
    )
    for monitored_id, progress in rows:
        found.setdefault(monitored_id, progress)
    return found


def _planned_values(monitored, planned):
    values = {quarter: monitored.planned(quarter) for quarter in rules.QUARTER_NAMES}
    values.update({quarter: value for quarter, value in planned.items() if quarter in rules.QUARTER_NAMES})
    return values


def _set_planned(monitored, values):
    fields = []
    for quarter, value in values.items():
        if monitored.planned(quarter) != value:
            setattr(monitored, f"planned_q{quarter}", value)
            fields.append(f"planned_q{quarter}")
    if fields:
        monitored.save(update_fields=fields)
    return fields


def report_for(monitored, period):
    """The report of `monitored` for `period`, created as an empty draft when absent."""
    report, _ = ProgressReport.objects.get_or_create(monitored=monitored, period=period)
    return report


@transaction.atomic
def report_save(
    *,
    monitored,
    period,
    user,
    physical_progress,
    absorbed,
    status,
    reason="",
    planned=None,
    action="report.save",
):
    """Save the unit's draft of `monitored`'s report for `period` (created if absent) and return it.

    A draft may leave figures empty but may not break a rule (rules.check_report without
    `for_submit`). `planned` ({quarter: percent}) is the unit's proposal of the planned progress,
    taken only with its first report (`may_propose_planned`) and checked by rules.check_planned.
    """
    report = lock_for_change(report_for(monitored, period))
    monitored = MonitoredProject.objects.select_for_update().get(pk=report.monitored_id)
    report.monitored = monitored
    before = {name: getattr(report, name) for name in FIGURES}
    report.physical_progress = physical_progress
    report.absorbed = absorbed
    report.status = status or ""
    report.reason = normalize_text(reason or "")
    result = check(report, for_submit=False)
    problems = list(result.problems)
    planned_fields = []
    if planned and any(value is not None for value in planned.values()):
        if not may_propose_planned(monitored):
            problems.append(
                rules.Problem("planned", "پیشرفت برنامه‌ای را فقط با نخستین گزارش می‌توان پیشنهاد داد.")
            )
        else:
            values = _planned_values(monitored, planned)
            problems.extend(rules.check_planned(values))
            if not problems:
                planned_fields = _set_planned(monitored, values)
    if problems:
        raise ReportRefused("گزارش ذخیره نشد.", problems)
    report.save(update_fields=[*FIGURES, "updated_at"])
    after = {name: getattr(report, name) for name in FIGURES}
    _audit(
        report,
        user=user,
        action=action,
        summary=f"ذخیره پیش‌نویس {_describe(report)}",
        details={
            "before": before,
            "after": after,
            "planned": {field: getattr(monitored, field) for field in planned_fields},
        },
    )
    return report


def evidence_list(report):
    """What the snapshot records of the evidence: each file's id, name, size and SHA-256."""
    return [
        {"id": row.pk, "name": row.name, "size": row.size, "sha256": row.sha256}
        for row in Attachment.objects.filter(report=report).order_by("pk")
    ]


def snapshot_of(report, *, number, now, user):
    monitored, project = report.monitored, report.monitored.project
    return {
        "report": report.pk,
        "number": number,
        "period": {"fiscal_year": report.period.cycle.fiscal_year, "quarter": report.period.quarter},
        "project": {"id": project.pk, "ref": project.ref, "title": project.title},
        "approved_amount": monitored.approved_amount,
        "planned": monitored.planned(report.period.quarter),
        "figures": {name: getattr(report, name) for name in FIGURES},
        "evidence": evidence_list(report),
        "submitted_at": now.isoformat(),
        "submitted_by": user.get_username() if _user(user) else "",
    }


@transaction.atomic
def report_submit(*, report, user, now=None):
    """Freeze `report` (a draft or a returned report) as submitted: its figures and the list of its
    evidence go into `snapshot` with their SHA-256, `number` counts the submission and `late_by`
    says how late it is against the unit's due date. Refused after a hard due date without an
    extension (`ReportLocked`) and when a rule fails (`ReportRefused`)."""
    now = now or timezone.now()
    report = lock_for_change(report)
    project = report.monitored.project
    due = periods.due_for(report.period, project.proposing_unit)
    refusal = periods.late_refusal(due, now)
    if refusal:
        raise ReportLocked(refusal)
    result = check(report, for_submit=True)
    if not result.ok:
        raise ReportRefused("گزارش هنوز آماده ارسال نیست.", result.problems)
    number = report.number + 1
    snapshot = snapshot_of(report, number=number, now=now, user=user)
    report.state = State.SUBMITTED
    report.number = number
    report.snapshot = snapshot
    report.checksum = report_checksum(snapshot)
    report.submitted_at = now
    report.submitted_by = _user(user)
    report.late_by = due.late_by(now)
    report.save(
        update_fields=[
            "state",
            "number",
            "snapshot",
            "checksum",
            "submitted_at",
            "submitted_by",
            "late_by",
            "updated_at",
        ]
    )
    late = f"، با {format_duration_fa(report.late_by)} تأخیر" if report.late_by is not None else ""
    _audit(
        report,
        user=user,
        action="report.submit",
        summary=f"ارسال {_describe(report)} (نوبت {persian_digits(number)}){late}",
        details={
            "number": number,
            "checksum": report.checksum,
            "flags": [flag.message for flag in result.flags],
            "late_by_seconds": int(report.late_by.total_seconds()) if report.late_by else None,
        },
    )
    return report


@transaction.atomic
def report_comment(*, report, user, text, now=None):
    """A comment of the project's workgroup head or of the office; it never changes the report.
    Who may comment is checked by the view (access.may_comment_report)."""
    text = normalize_text(text or "")
    if not text:
        raise ListInvalid("متن نظر را بنویسید.")
    report = _lock(report.pk)
    comment = ReportComment.objects.create(
        report=report, author=_user(user), text=text, at=now or timezone.now()
    )
    _audit(
        report,
        user=user,
        action="report.comment",
        summary=f"نظر بر {_describe(report)}: {text[:200]}",
        details={"comment": comment.pk},
    )
    return comment


@transaction.atomic
def report_verify(*, report, user, now=None):
    """The office verifies a submitted report."""
    report = _lock(report.pk)
    if report.state != State.SUBMITTED:
        raise ReportLocked("فقط گزارش ارسال‌شده‌ای که در انتظار بررسی است تأیید می‌شود.")
    report.state = State.VERIFIED
    report.reviewed_at = now or timezone.now()
    report.reviewed_by = _user(user)
    report.save(update_fields=["state", "reviewed_at", "reviewed_by", "updated_at"])
    _audit(
        report,
        user=user,
        action="report.verify",
        summary=f"تأیید {_describe(report)}",
        details={"number": report.number, "checksum": report.checksum},
    )
    return report


@transaction.atomic
def report_return(*, report, user, reason, now=None):
    """The office returns a submitted (or verified) report with a reason; it reopens for the unit,
    whose experts are e-mailed."""
    reason = normalize_text(reason or "")
    if not reason:
        raise ListInvalid("دلیل بازگشت را بنویسید؛ کارشناس واحد آن را می‌بیند.")
    report = _lock(report.pk)
    if report.state not in ProgressReport.FROZEN_STATES:
        raise ReportLocked("این گزارش ارسال نشده است و بازگرداندن ندارد.")
    before = report.state
    report.state = State.RETURNED
    report.reviewed_at = now or timezone.now()
    report.reviewed_by = _user(user)
    report.review_reason = reason
    report.save(update_fields=["state", "reviewed_at", "reviewed_by", "review_reason", "updated_at"])
    _audit(
        report,
        user=user,
        action="report.return",
        summary=f"بازگشت {_describe(report)}: {reason[:200]}",
        details={"before": before, "reason": reason, "number": report.number},
    )
    project = report.monitored.project
    recipients = access.unit_expert_emails(project.proposing_unit)
    if recipients:
        subject = f"بازگشت گزارش پایش {report.period} — {project.title}"[:200]
        body = (
            f"گزارش پایش پروژه «{project.title}» ({report.period}، نوبت {persian_digits(report.number)}) "
            f"از سوی {settings.BUDGET_OFFICE_NAME} بازگشت داده شد.\n\n"
            f"دلیل: {reason}\n\n"
            "گزارش دوباره باز است؛ پس از اصلاح، آن را دوباره ارسال کنید: "
            f"{reverse('workgroups:report-detail', args=[report.pk])}\n"
        )
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))
    return report


@transaction.atomic
def planned_correct(*, monitored, values, user):
    """The office corrects a project's planned cumulative progress ({quarter: percent or None})."""
    monitored = MonitoredProject.objects.select_for_update().select_related("project").get(pk=monitored.pk)
    merged = {quarter: values.get(quarter) for quarter in rules.QUARTER_NAMES}
    problems = rules.check_planned(merged)
    if problems:
        raise ReportRefused("پیشرفت برنامه‌ای ذخیره نشد.", problems)
    before = {quarter: monitored.planned(quarter) for quarter in rules.QUARTER_NAMES}
    fields = _set_planned(monitored, merged)
    project = monitored.project
    AuditEntry.objects.record(
        actor=user,
        action="monitoring.plan",
        summary=f"اصلاح پیشرفت برنامه‌ای «{project.title}» به دست دفتر بودجه",
        workgroup=project.workgroup,
        cycle=project.cycle,
        project=project,
        details={"before": before, "after": merged, "changed": fields},
    )
    return monitored
