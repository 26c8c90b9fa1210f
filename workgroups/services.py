"""Workflow steps that touch several models: proposals, joint meetings, remit requests, ceilings.

Each step is one transaction that takes the lists' row locks first (`locks.open_list`), checks the
writer's rule inside the lock, changes the list through `ranking` (priorities close up, the version
goes up) and writes one `AuditEntry` per list it changed. Views, the admin and imports call these;
none of them writes a project of a list by itself.
"""

from django.db import transaction
from django.utils import timezone

from karaj_budget.jalali import format_money, persian_digits
from workgroups import locks, ranking, resources
from workgroups.locks import ListConflict, ListInvalid
from workgroups.models import (
    AuditEntry,
    Meeting,
    Project,
    RemitRequest,
    SourceCeiling,
    Workgroup,
    WorkgroupCycle,
)
from workgroups.monitoring import carryover

# The fields of a project whose change shows in the list or its snapshot.
_TRACKED = (
    "title",
    "requested_amount",
    "total_estimate",
    "spent_before",
    "responsible_deputy_id",
    "kind",
    "ref",
    "requested_credit_type",
    "estimate_gap_reason",
    "over_remaining_reason",
)


def _check_money(project, money):
    """The money rules (workgroups.resources) on the project as it is about to be saved, with the
    forecasts and sources given (`money`) or, when None, as stored. Refuses with ListInvalid."""
    rows = money or {}
    problems = resources.money_problems(
        resources.money_of(project, forecasts=rows.get("forecasts"), sources=rows.get("sources"))
    )
    if problems:
        raise ListInvalid(" ".join(message for _field, message in problems))


def _write_money(project, money, details):
    """Write the forecasts and source parts (when given) and put what changed into `details`."""
    if money is None:
        return
    before = resources.write_money(project, forecasts=money["forecasts"], sources=money["sources"])
    after = resources.stored_rows(project)
    for key in ("forecasts", "sources"):
        if before[key] != after[key]:
            details.setdefault("differences", {})[key] = [
                {str(k): v for k, v in before[key].items()},
                {str(k): v for k, v in after[key].items()},
            ]


def _writer_for(*, by_office):
    return locks.OFFICE if by_office else locks.PROPOSALS


def _audit_user(user):
    return user if user is not None and user.is_authenticated else None


# ---- Proposals ----------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, project, user, by_office=False, money=None):
    """Save a new proposal (`project`, unsaved, with its cycle, unit and responsible deputy set),
    with its forecasts and source parts (`money`: {"forecasts": {year: amount}, "sources":
    {source pk: amount}}, or None for none).

    It joins its workgroup's list as "not yet ranked"; refused with `ListLocked` when the list no
    longer takes proposals (a unit after the priorities deadline or while the list is submitted;
    the office while it is submitted), and with `ListInvalid` when its money breaks a rule of
    `workgroups.resources`.
    """
    workgroup = Workgroup.objects.get(deputy_id=project.responsible_deputy_id)
    share = locks.open_list(workgroup=workgroup, cycle=project.cycle, writer=_writer_for(by_office=by_office))
    _check_money(project, money or {"forecasts": {}, "sources": {}})
    project.workgroup = workgroup
    project.priority = None
    if project.created_by_id is None and user is not None and user.is_authenticated:
        project.created_by = user
    project.save()
    details = {}
    _write_money(project, money, details)
    ranking.bump_version(share)
    AuditEntry.objects.record(
        actor=_audit_user(user),
        action="project.create",
        summary=f"ثبت پیشنهاد «{project.title}»"[:500],
        workgroup=workgroup,
        cycle=project.cycle,
        project=project,
        details=details,
    )
    # An ongoing proposal finds the project of last year it continues (monitoring/carryover.py).
    if project.kind == Project.Kind.ONGOING:
        carryover.carryover_link(cycle=project.cycle, user=user, projects=[project])
    return project


@transaction.atomic
def project_update(*, project, user, by_office=False, changed=(), money=None):
    """Save changes to a proposal (`project`, the edited instance, not yet saved), and its forecasts
    and source parts when `money` is given (as for `project_create`; None leaves them as stored).
    Refused with `ListInvalid` when the money breaks a rule of `workgroups.resources`.

    The list it is in (and, when the responsible deputy changed, the list it moves to) is locked
    first and checked for the writer: a unit's edit is refused after the priorities deadline or
    while the list is submitted; the office's while either list is submitted. A move to another
    deputy's workgroup takes the project out of its ranked list (the rest close up) and puts it in
    the new one as "not yet ranked"; both versions go up. One audit entry per list changed.
    """
    source_id = Project.objects.filter(pk=project.pk).values_list("workgroup_id", flat=True).get()
    source = Workgroup.objects.get(pk=source_id)
    target = Workgroup.objects.get(deputy_id=project.responsible_deputy_id)
    shares = locks.open_lists(
        workgroups=[source, target], cycle=project.cycle, writer=_writer_for(by_office=by_office)
    )
    stored = Project.objects.get(pk=project.pk)  # as it is now that the lists are locked
    if stored.workgroup_id != source.pk:
        raise ListConflict("این پروژه هم‌زمان به کارگروه دیگری منتقل شد؛ صفحه را دوباره باز کنید.")
    # Whatever the form or admin posted, the order is the head's and the state the workflow's.
    project.priority = stored.priority
    project.state = stored.state
    project.workgroup = source
    _check_money(project, money)
    before = {name: getattr(stored, name) for name in _TRACKED}
    moved = target.pk != source.pk
    if moved:
        ranking.move_to_list(project, target)
    project.save()
    after = {name: getattr(project, name) for name in _TRACKED}
    differences = {name: [before[name], after[name]] for name in _TRACKED if before[name] != after[name]}
    details = {"changed": list(changed), "differences": differences}
    _write_money(project, money, details)
    if moved:
        place = f" (ردیف {persian_digits(stored.priority)})" if stored.priority else ""
        ranking.bump_version(shares[source.pk])
        ranking.bump_version(shares[target.pk])
        for workgroup in (source, target):
            AuditEntry.objects.record(
                actor=_audit_user(user),
                action="project.move",
                summary=f"«{project.title}»{place} از {source} به {target} منتقل شد (تغییر معاونت مسئول)."[
                    :500
                ],
                workgroup=workgroup,
                cycle=project.cycle,
                project=project,
                details={**details, "from_workgroup": source.slug, "to_workgroup": target.slug},
            )
    else:
        AuditEntry.objects.record(
            actor=_audit_user(user),
            action="project.edit",
            summary=f"ویرایش پیشنهاد «{project.title}»"[:500],
            workgroup=project.workgroup,
            cycle=project.cycle,
            project=project,
            details=details,
        )
    return project


# ---- Joint meetings -----------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, meeting, user, attendees=(), save_m2m=None):
    """Record a joint meeting of a workgroup (`meeting`, unsaved, with its workgroup and cycle)."""
    meeting.created_by = user
    meeting.save()
    if save_m2m is not None:
        save_m2m()
    elif attendees:
        meeting.attendees.set(attendees)
    AuditEntry.objects.record(
        actor=user,
        action="meeting.create",
        summary=f"ثبت {meeting}",
        workgroup=meeting.workgroup,
        cycle=meeting.cycle,
        details={"meeting": meeting.pk},
    )
    return meeting


@transaction.atomic
def meeting_tie_ranking(*, meeting, user):
    """Record that the list as it stands now is the one settled in `meeting`.

    Takes the list's lock so that the version tied is the one the list has at that moment, and is
    refused like a ranking save once the list is frozen (it would change what the snapshot says).
    """
    share = locks.open_list(workgroup=meeting.workgroup, cycle=meeting.cycle, writer=locks.RANKING)
    version = share.ranking_version
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


# ---- Remit requests -----------------------------------------------------------------------------


@transaction.atomic
def project_remit_request(*, project, user, reason):
    """Send a project outside the deputy's remit to the budget office; it leaves the list meanwhile.

    The projects ranked after it move up one place so the list stays 1..n.
    """
    workgroup, cycle = project.workgroup, project.cycle
    share = locks.open_list(workgroup=workgroup, cycle=cycle, writer=locks.RANKING)
    project = Project.objects.get(pk=project.pk)
    if project.state != Project.State.PROPOSED:
        raise ListInvalid("این پروژه هم‌اکنون در انتظار تصمیم دفتر بودجه است.")
    previous = project.priority
    ranking.leave_list(project)
    project.state = Project.State.REMIT_REVIEW
    project.save(update_fields=["priority", "state", "updated_at"])
    ranking.bump_version(share)
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


def _open_remit(remit):
    remit = RemitRequest.objects.select_for_update().select_related("project").get(pk=remit.pk)
    if remit.state != RemitRequest.State.OPEN:
        raise ListInvalid("این درخواست پیش‌تر بررسی شده است.")
    return remit


@transaction.atomic
def remit_accept(*, remit, user, target_workgroup, note=""):
    """The office moves the project to `target_workgroup`, where it waits as "not yet ranked".

    Both lists change (one loses a project, the other gains one), so both are locked and refused
    while either is submitted or accepted.
    """
    remit = _open_remit(remit)
    project = Project.objects.select_related("workgroup", "cycle").get(pk=remit.project_id)
    if target_workgroup.pk == project.workgroup_id:
        raise ListInvalid("کارگروه مقصد همان کارگروه فعلی است؛ برای بازگرداندن، درخواست را رد کنید.")
    source = project.workgroup
    shares = locks.open_lists(workgroups=[source, target_workgroup], cycle=project.cycle, writer=locks.OFFICE)
    ranking.move_to_list(project, target_workgroup)  # unranked already while awaiting the office
    project.state = Project.State.PROPOSED
    project.save(update_fields=["workgroup", "responsible_deputy", "state", "priority", "updated_at"])
    for share in shares.values():
        ranking.bump_version(share)
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
    remit = _open_remit(remit)
    project = Project.objects.select_related("workgroup", "cycle").get(pk=remit.project_id)
    share = locks.open_list(workgroup=project.workgroup, cycle=project.cycle, writer=locks.OFFICE)
    project.state = Project.State.PROPOSED
    project.priority = None
    project.save(update_fields=["state", "priority", "updated_at"])
    ranking.bump_version(share)
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


# ---- Ceilings -----------------------------------------------------------------------------------

# A list's ceilings kept on its `WorkgroupCycle` (0: not set yet); per-source ones are rows.
CEILING_FIELDS = ("credit_ceiling", "capital_ceiling", "current_ceiling")


def _money_or_dash(amount):
    return "بدون سقف" if amount is None else f"{format_money(amount)} میلیون ریال"


def _ceiling_label(name):
    return str(WorkgroupCycle._meta.get_field(name).verbose_name).removesuffix(" (میلیون ریال)")


@transaction.atomic
def ceilings_set(*, workgroup, cycle, user, ceilings=None, sources=None):
    """Set a workgroup's ceilings in a cycle, the one path of every ceiling change (the admin's cycle
    page and its source ceilings; docs/resources.md).

    `ceilings` is {name in `CEILING_FIELDS`: amount} (the list's and each credit type's), `sources`
    {FundingSource: amount, or None to remove that source's ceiling}. Takes the list's row lock
    (creating the row when the workgroup has none in the cycle yet), writes what changed and one
    `AuditEntry` per kind of change with the figures before and after; nothing when nothing changed.
    No list rule is checked: the office may set ceilings at any time, and a submitted list's
    snapshot keeps the ceilings it was sent with. Returns the list's row.
    """
    ceilings, sources = ceilings or {}, sources or {}
    unknown = set(ceilings) - set(CEILING_FIELDS)
    if unknown:
        raise ValueError(f"not a ceiling: {sorted(unknown)}")
    given = [
        *((_ceiling_label(name), amount) for name, amount in ceilings.items()),
        *((f"سقف منبع «{source.name}»", amount) for source, amount in sources.items() if amount is not None),
    ]
    for label, amount in given:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ListInvalid(f"«{label}» باید عدد صحیح نامنفی (میلیون ریال) باشد.")
    share = locks.lock_list_row(workgroup=workgroup, cycle=cycle)
    actor = _audit_user(user)

    before = {name: getattr(share, name) for name in ceilings}
    changed = {name: amount for name, amount in ceilings.items() if before[name] != amount}
    if changed:
        for name, amount in changed.items():
            setattr(share, name, amount)
        share.save(update_fields=list(changed))
        lines = "، ".join(
            f"{_ceiling_label(name)} از {_money_or_dash(before[name])} به {_money_or_dash(amount)}"
            for name, amount in changed.items()
        )
        AuditEntry.objects.record(
            actor=actor,
            action="ceiling.change",
            summary=f"سقف‌های «{workgroup.name}» در {cycle}: {lines}"[:500],
            workgroup=workgroup,
            cycle=cycle,
            details={"before": {name: before[name] for name in changed}, "after": changed},
        )

    stored = {row.source_id: row for row in share.source_ceilings.all()}
    source_changes = []
    for source, amount in sources.items():
        row = stored.get(source.pk)
        old = row.amount if row is not None else None
        if old == amount:
            continue
        if amount is None:
            row.delete()
        elif row is None:
            SourceCeiling.objects.create(share=share, source=source, amount=amount)
        else:
            row.amount = amount
            row.save(update_fields=["amount"])
        source_changes.append((source, old, amount))
    if source_changes:
        lines = "، ".join(
            f"«{source.name}» از {_money_or_dash(old)} به {_money_or_dash(new)}"
            for source, old, new in source_changes
        )
        AuditEntry.objects.record(
            actor=actor,
            action="ceiling.source",
            summary=f"سقف منابع «{workgroup.name}» در {cycle}: {lines}"[:500],
            workgroup=workgroup,
            cycle=cycle,
            details={"sources": [[source.name, old, new] for source, old, new in source_changes]},
        )
    return share
