"""Overlaps between projects, found by detection and decided centrally by the budget office.

`overlaps/detection.py` scores candidate pairs; here they become `OverlapPair` rows that the office
reviews. Detection runs on demand (the queue's button), after a project import and after a project
is proposed or edited (only the changed projects against the cycle). It never reopens a decided pair.

Decisions, each atomic and audited, each reversible by the office from `decision_details`:
- distinct: the pair is not shown again;
- keep one: the other project is withdrawn («کنارگذاشته») with a reference to the kept one, and
  leaves its workgroup's ranked list (the priorities below it move up by one);
- merge: the kept project absorbs the other's amounts and justification and names its unit as a
  co-proposer; the other is withdrawn as above;
- reassign: one project moves to another workgroup's list (unranked there).

A decision takes the row locks of the lists it changes and is refused with `ListLocked` while any of
them is frozen by a standing submission (`locks.OFFICE`): the office returns the list first. The
heads' deadlines do not bind the office: it reconciles overlaps after the lists arrive.

Every change of a list's content goes through `ranking` (leave the list, write priorities, bump the
version), so an open ranking page gets a conflict instead of overwriting. A reversal puts priorities
back exactly only while the list is as the decision left it (same version); otherwise the restored
project comes back unranked.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from karaj_budget.jalali import persian_digits
from programs.models import Unit
from workgroups import locks, ranking, resources
from workgroups.locks import ListInvalid
from workgroups.models import AuditEntry, OverlapPair, Project, Workgroup
from workgroups.overlaps.detection import find_overlaps, is_few

State = OverlapPair.State
DETECTION_FIELDS = ("pk", "title_key", "workgroup_id", "location", "program_code_id", "requested_amount")


class OverlapError(ListInvalid):
    """A refused decision; `message` (Persian) is what the office is told."""


# ---- Detection ----------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    created: int = 0
    updated: int = 0
    reopened: int = 0
    stale: int = 0
    open: int = 0

    def summary_fa(self):
        return persian_digits(
            f"{self.created} تداخل تازه، {self.updated} به‌روزشده، {self.reopened} بازگشوده، "
            f"{self.stale} دیگر شبیه نیستند؛ {self.open} تداخل در انتظار بررسی"
        )


def overlaps_refresh(*, cycle, projects=None, user=None, progress=None):
    """Find the cycle's overlaps and bring the stored pairs up to date; return a `RefreshResult`.

    Without `projects`, every pair among the cycle's active projects is looked at; with them (the
    projects just imported or edited, or their pks), only pairs that include one of them. New pairs
    are created open; open pairs get the new score and reasons; open pairs that no longer match (or
    whose project was withdrawn) become stale, and stale ones that match again reopen. Decided pairs
    are left as the office decided them. With `user` (the on-demand run), the run is audited.

    Detection reads and compares outside the writing transaction, so that `progress(done, total)`
    (the background run's, workgroups/overlaps/runs.py) is seen by the page polling it; the pairs
    are then written in one transaction.
    """
    touching = None if projects is None else {getattr(p, "pk", p) for p in projects}
    if touching is not None and not touching:
        return RefreshResult(open=OverlapPair.objects.filter(cycle=cycle).open().count())
    active = list(Project.objects.filter(cycle=cycle).active().only(*DETECTION_FIELDS))
    # pg_trgm's index answers "what looks like these few projects" fastest; for a whole cycle the
    # counting join in Python beats the index self-join (bench/overlaps.py), with the same
    # answers (tests/workgroups/test_overlap_parity.py).
    few = touching is not None and is_few(len(touching), len(active))
    use_database = connection.vendor == "postgresql" and few
    candidates = []
    if active:
        candidates = find_overlaps(active, touching=touching, use_database=use_database, progress=progress)
    return _store_pairs(cycle=cycle, candidates=candidates, touching=touching, user=user)


@transaction.atomic
def _store_pairs(*, cycle, candidates, touching, user):
    stored = OverlapPair.objects.filter(cycle=cycle)
    if touching is not None:
        stored = stored.involving(touching)
    stored = {(pair.first_id, pair.second_id): pair for pair in stored.select_for_update()}
    result = RefreshResult()
    now = timezone.now()
    new, changed, found = [], [], set()
    for candidate in candidates:
        key = (candidate.first.pk, candidate.second.pk)
        found.add(key)
        pair = stored.get(key)
        if pair is None:
            new.append(
                OverlapPair(
                    cycle=cycle,
                    first_id=key[0],
                    second_id=key[1],
                    score=candidate.percent,
                    reasons=candidate.reasons,
                )
            )
            result.created += 1
            continue
        if pair.state == State.STALE:
            pair.state = State.OPEN
            result.reopened += 1
        elif pair.state != State.OPEN:
            continue
        elif pair.score == candidate.percent and pair.reasons == candidate.reasons:
            continue
        else:
            result.updated += 1
        pair.score, pair.reasons, pair.updated_at = candidate.percent, candidate.reasons, now
        changed.append(pair)
    for key, pair in stored.items():
        if key not in found and pair.state == State.OPEN:
            pair.state, pair.updated_at = State.STALE, now
            changed.append(pair)
            result.stale += 1
    # A concurrent refresh may have stored the same new pair a moment ago: keep that one.
    OverlapPair.objects.bulk_create(new, ignore_conflicts=True)
    OverlapPair.objects.bulk_update(changed, ["state", "score", "reasons", "updated_at"])
    result.open = OverlapPair.objects.filter(cycle=cycle).open().count()
    if user is not None:
        AuditEntry.objects.record(
            actor=user,
            action="overlap.refresh",
            summary=f"بررسی دوباره تداخل‌های {cycle}: {result.summary_fa()}",
            cycle=cycle,
            details=vars(result),
        )
    return result


# ---- What heads and the review page see ---------------------------------------------------------


class OverlapMark(NamedTuple):
    """One open overlap as a head sees it on a project: the other project's title and workgroup."""

    title: str
    workgroup: str
    score: int
    pair_id: int


def open_overlaps_by_project(workgroup, cycle):
    """{project_id: [OverlapMark(other title, other workgroup name, score, pair id), …]} for the
    workgroup's projects that have an open overlap (best first)."""
    pairs = (
        OverlapPair.objects.filter(cycle=cycle)
        .open()
        .touching(workgroup)
        .select_related("first__workgroup", "second__workgroup")
        .order_by("-score", "pk")
    )
    marks = defaultdict(list)
    for pair in pairs:
        for mine, other in ((pair.first, pair.second), (pair.second, pair.first)):
            if mine.workgroup_id == workgroup.pk:
                marks[mine.pk].append(OverlapMark(other.title, other.workgroup.name, pair.score, pair.pk))
    return dict(marks)


def open_overlaps_for_project(project):
    """The open overlaps of one project, as `OverlapMark`s (best first)."""
    return open_overlaps_by_project(project.workgroup, project.cycle).get(project.pk, [])


def open_pairs_touching(workgroup, cycle):
    """Unresolved pairs with at least one project in the workgroup's list (the review warning)."""
    return (
        OverlapPair.objects.filter(cycle=cycle)
        .open()
        .touching(workgroup)
        .select_related("first__workgroup", "second__workgroup")
        .order_by("-score", "pk")
    )


# ---- Helpers of the decisions -------------------------------------------------------------------


def _open_lists(cycle, workgroup_ids):
    """Lock the lists a decision changes and refuse it while any is frozen; {workgroup id: row}."""
    workgroups = Workgroup.objects.filter(pk__in=workgroup_ids)
    return locks.open_lists(workgroups=workgroups, cycle=cycle, writer=locks.OFFICE)


def _lock(pair):
    return OverlapPair.objects.select_for_update().get(pk=pair.pk)


def _load(pk):
    return Project.objects.select_related("workgroup", "proposing_unit").get(pk=pk)


def _sides(pair, keep):
    """(kept, other) for a project of the pair (given as a project or a pk)."""
    keep_id = getattr(keep, "pk", keep)
    if keep_id not in (pair.first_id, pair.second_id):
        raise OverlapError("پروژه انتخاب‌شده از این جفت نیست.")
    other_id = pair.second_id if keep_id == pair.first_id else pair.first_id
    return _load(keep_id), _load(other_id)


def _require_open(pair):
    if pair.state != State.OPEN:
        raise OverlapError(f"درباره این جفت پیش‌تر تصمیم گرفته شده است ({pair.get_state_display()}).")


def _bump_versions(shares):
    """Raise the versions of the locked lists; return {workgroup id: version} (kept for the undo)."""
    return {str(workgroup_id): ranking.bump_version(share) for workgroup_id, share in sorted(shares.items())}


def _withdraw(project, kept):
    """Withdraw `project` as a duplicate of `kept`; return what to undo."""
    undo = {
        "project": project.pk,
        "state": project.state,
        "duplicate_of": project.duplicate_of_id,
        "workgroup": project.workgroup_id,
        "positions": ranking.leave_list(project),
    }
    project.state = Project.State.WITHDRAWN
    project.duplicate_of = kept
    project.save(update_fields=["state", "duplicate_of", "priority", "updated_at"])
    # Its other open pairs are moot now; reopened if this decision is reversed.
    others = OverlapPair.objects.open().involving([project.pk])
    undo["stale_pairs"] = list(others.values_list("pk", flat=True))
    others.update(state=State.STALE, updated_at=timezone.now())
    return undo


def _restore_positions(share, positions, version, notes, project):
    """Put priorities back exactly if the list is as the decision left it; else leave it unranked."""
    if not positions:
        return
    if share.ranking_version == version:
        ranking.write_priorities(dict(positions))
    else:
        notes.append(f"فهرست کارگروه از زمان تصمیم تغییر کرده است؛ «{project.title}» بی‌اولویت بازگشت.")


def _decide(pair, *, state, user, kept, details, now):
    pair.state = state
    pair.kept = kept
    pair.decided_by = user
    pair.decided_at = now or timezone.now()
    pair.decision_details = details
    pair.save(update_fields=["state", "kept", "decided_by", "decided_at", "decision_details", "updated_at"])


def _audit(pair, *, user, action, summary, details=None):
    for project in (pair.first, pair.second):
        AuditEntry.objects.record(
            actor=user,
            action=action,
            summary=summary,
            workgroup=project.workgroup,
            cycle=pair.cycle,
            project=project,
            details={"pair": pair.pk, **(details or {})},
        )


def _pair_with_projects(pair):
    related = ("cycle", "first__workgroup", "second__workgroup")
    return OverlapPair.objects.select_related(*related).get(pk=pair.pk)


# ---- Decisions ----------------------------------------------------------------------------------


@transaction.atomic
def overlap_mark_distinct(*, pair, user, now=None):
    """The two projects are different needs: the pair is closed and not shown again."""
    pair = _lock(pair)
    _require_open(pair)
    _decide(pair, state=State.DISTINCT, user=user, kept=None, details={"decision": "distinct"}, now=now)
    pair = _pair_with_projects(pair)
    _audit(pair, user=user, action="overlap.distinct", summary=f"تداخل «{pair}»: دو پروژه جدا")
    return pair


@transaction.atomic
def overlap_keep_one(*, pair, keep, user, now=None):
    """A duplicate: keep `keep`, withdraw the other with a reference to it (it leaves its list)."""
    pair = _lock(pair)
    _require_open(pair)
    kept, other = _sides(pair, keep)
    shares = _open_lists(pair.cycle, [other.workgroup_id])
    other.refresh_from_db(fields=["priority"])  # as it is now that the list is locked
    withdrawn = _withdraw(other, kept)
    details = {
        "decision": "duplicate",
        "withdrawn": withdrawn,
        "workgroups": [other.workgroup_id],
        "versions": _bump_versions(shares),
    }
    _decide(pair, state=State.DUPLICATE, user=user, kept=kept, details=details, now=now)
    pair = _pair_with_projects(pair)
    _audit(
        pair,
        user=user,
        action="overlap.keep",
        summary=f"تداخل: «{kept.title}» نگه داشته شد و «{other.title}» ({other.workgroup.name}) "
        "کنار گذاشته شد",
        details=details,
    )
    return pair


@transaction.atomic
def overlap_merge(*, pair, keep, user, now=None):
    """Merge: `keep` absorbs the other's requested amount (and total estimate, when both have one)
    and justification, and names the other's unit as a co-proposer; the other is withdrawn."""
    pair = _lock(pair)
    _require_open(pair)
    kept, other = _sides(pair, keep)
    workgroup_ids = sorted({kept.workgroup_id, other.workgroup_id})
    shares = _open_lists(pair.cycle, workgroup_ids)
    other.refresh_from_db(fields=["priority"])
    before = {
        "requested_amount": kept.requested_amount,
        "total_estimate": kept.total_estimate,
        "justification": kept.justification,
    }
    present = {kept.proposing_unit_id, *kept.co_proposers.values_list("pk", flat=True)}
    units = [other.proposing_unit_id, *other.co_proposers.values_list("pk", flat=True)]
    added = [pk for pk in dict.fromkeys(units) if pk not in present]
    kept.requested_amount += other.requested_amount
    if kept.total_estimate is not None and other.total_estimate is not None:
        kept.total_estimate += other.total_estimate
    header = f"— از پیشنهاد {other.proposing_unit.name}، «{other.title}» (ادغام‌شده) —"
    parts = (kept.justification, header, other.justification)
    kept.justification = "\n\n".join(part for part in parts if part)
    kept.save(update_fields=["requested_amount", "total_estimate", "justification", "updated_at"])
    kept.co_proposers.add(*added)
    rows_before = _merge_money(kept, other)
    details = {
        "decision": "merged",
        "kept": {
            "project": kept.pk,
            "before": before,
            "money_before": rows_before,
            "after": {"requested_amount": kept.requested_amount, "total_estimate": kept.total_estimate},
            "co_proposers_added": added,
        },
        "withdrawn": _withdraw(other, kept),
        "workgroups": workgroup_ids,
        "versions": _bump_versions(shares),
    }
    _decide(pair, state=State.MERGED, user=user, kept=kept, details=details, now=now)
    pair = _pair_with_projects(pair)
    names = "، ".join(Unit.objects.filter(pk__in=added).values_list("name", flat=True))
    _audit(
        pair,
        user=user,
        action="overlap.merge",
        summary=f"تداخل: «{other.title}» در «{kept.title}» ادغام شد"
        + (f" (واحد هم‌پیشنهاددهنده: {names})" if names else ""),
        details=details,
    )
    return pair


@transaction.atomic
def overlap_reassign(*, pair, project, workgroup, user, now=None):
    """One project of the pair belongs to another workgroup: it moves there, unranked (its old list
    closes the gap), and its responsible deputy becomes that workgroup's deputy."""
    pair = _lock(pair)
    _require_open(pair)
    moved, _other = _sides(pair, project)
    if moved.workgroup_id == workgroup.pk:
        raise OverlapError(f"«{moved.title}» هم‌اکنون در «{workgroup.name}» است.")
    workgroup_ids = sorted({moved.workgroup_id, workgroup.pk})
    shares = _open_lists(pair.cycle, workgroup_ids)
    moved.refresh_from_db(fields=["priority"])
    source = moved.workgroup
    undo = {
        "project": moved.pk,
        "workgroup": moved.workgroup_id,
        "responsible_deputy": moved.responsible_deputy_id,
        "to_workgroup": workgroup.pk,
        "positions": ranking.move_to_list(moved, workgroup),
    }
    moved.save(update_fields=["workgroup", "responsible_deputy", "priority", "updated_at"])
    details = {
        "decision": "reassigned",
        "moved": undo,
        "workgroups": workgroup_ids,
        "versions": _bump_versions(shares),
    }
    _decide(pair, state=State.REASSIGNED, user=user, kept=None, details=details, now=now)
    pair = _pair_with_projects(pair)
    _audit(
        pair,
        user=user,
        action="overlap.reassign",
        summary=f"تداخل: «{moved.title}» از «{source.name}» به «{workgroup.name}» رفت",
        details=details,
    )
    return pair


def _undo_withdrawal(shares, undo, versions, notes):
    project = Project.objects.get(pk=undo["project"])
    project.state = undo["state"]
    project.duplicate_of_id = undo["duplicate_of"]
    project.save(update_fields=["state", "duplicate_of", "updated_at"])
    workgroup_id = undo["workgroup"]
    if project.workgroup_id == workgroup_id and workgroup_id in shares:
        _restore_positions(
            shares[workgroup_id], undo["positions"], versions.get(str(workgroup_id)), notes, project
        )
    OverlapPair.objects.filter(pk__in=undo["stale_pairs"], state=State.STALE).update(
        state=State.OPEN, updated_at=timezone.now()
    )


def _merge_money(kept, other):
    """The kept project's forecasts become the sum per year of both; its source parts the sum per
    source when both were split (else it is left "not split", since one side's parts alone would not
    add up to the merged request). Returns the kept project's rows as they were, as JSON, for undo."""
    mine, theirs = resources.stored_rows(kept), resources.stored_rows(other)
    forecasts = dict(mine["forecasts"])
    for year, amount in theirs["forecasts"].items():
        forecasts[year] = forecasts.get(year, 0) + amount
    sources = {}
    if mine["sources"] and theirs["sources"]:
        sources = dict(mine["sources"])
        for pk, amount in theirs["sources"].items():
            sources[pk] = sources.get(pk, 0) + amount
    resources.write_money(kept, forecasts=forecasts, sources=sources)
    return {key: {str(k): v for k, v in rows.items()} for key, rows in mine.items()}


def _undo_merge(undo):
    kept = Project.objects.get(pk=undo["project"])
    after = undo["after"]
    if kept.requested_amount != after["requested_amount"] or kept.total_estimate != after["total_estimate"]:
        raise OverlapError(
            f"مبلغ «{kept.title}» پس از ادغام تغییر کرده است؛ بازگرداندن خودکار آن را بازنویسی می‌کرد. "
            "نخست مبلغ را دستی اصلاح کنید."
        )
    for name, value in undo["before"].items():
        setattr(kept, name, value)
    kept.save(update_fields=[*undo["before"], "updated_at"])
    kept.co_proposers.remove(*undo["co_proposers_added"])
    money = undo.get("money_before")
    if money is not None:
        resources.write_money(kept, forecasts=money["forecasts"], sources=money["sources"])


def _undo_reassign(shares, undo, versions, notes):
    project = Project.objects.get(pk=undo["project"])
    if project.workgroup_id != undo["to_workgroup"]:
        raise OverlapError(f"«{project.title}» پس از این تصمیم دوباره جابه‌جا شده است؛ بازگرداندن ممکن نیست.")
    # If the target's head ranked it meanwhile, its list closes up behind it.
    ranking.leave_list(project)
    project.workgroup_id = undo["workgroup"]
    project.responsible_deputy_id = undo["responsible_deputy"]
    project.save(update_fields=["workgroup", "responsible_deputy", "priority", "updated_at"])
    _restore_positions(
        shares[undo["workgroup"]], undo["positions"], versions.get(str(undo["workgroup"])), notes, project
    )


@transaction.atomic
def overlap_reverse(*, pair, user):
    """Undo the office's decision on a pair and reopen it; return notes (Persian) on what could not
    be put back exactly. Refused (`ListLocked`) when a list it changed has been submitted since."""
    pair = _lock(pair)
    if not pair.is_decided:
        raise OverlapError("برای این جفت تصمیمی ثبت نشده است که بازگردانده شود.")
    details = pair.decision_details
    workgroup_ids = details.get("workgroups", [])
    shares = _open_lists(pair.cycle, workgroup_ids)
    versions = details.get("versions", {})
    notes = []
    if details.get("decision") == "merged":
        _undo_merge(details["kept"])
    if "withdrawn" in details:
        _undo_withdrawal(shares, details["withdrawn"], versions, notes)
    if "moved" in details:
        _undo_reassign(shares, details["moved"], versions, notes)
    _bump_versions(shares)
    before = pair.get_state_display()
    pair.state = State.OPEN
    pair.kept = None
    pair.decided_by = None
    pair.decided_at = None
    pair.decision_details = {}
    pair.save(update_fields=["state", "kept", "decided_by", "decided_at", "decision_details", "updated_at"])
    pair = _pair_with_projects(pair)
    _audit(
        pair,
        user=user,
        action="overlap.reverse",
        summary=f"بازگرداندن تصمیم «{before}» درباره تداخل «{pair}»",
        details={"reversed": details, "notes": notes},
    )
    return notes
