"""The office's overlap decisions: each one, its reversal, its audit trail, and frozen lists."""

import io

import pytest
from django.db.models import F, Q
from openpyxl import load_workbook

from workgroups import submissions
from workgroups.exporting import build_workbook
from workgroups.locks import ListLocked
from workgroups.models import AuditEntry, Cycle, OverlapPair, Project, Workgroup, WorkgroupCycle
from workgroups.overlaps import services as overlap_services
from workgroups.overlaps.services import OverlapError

State = OverlapPair.State


@pytest.fixture
def office(personas):
    # Budget office staff: decides and reverses overlap pairs.
    return personas["office"]


@pytest.fixture
def cycle(demo):
    return Cycle.objects.current()


def pair_of(cycle, title):
    """The stored pair of the current cycle with a project whose title starts with `title`."""
    return OverlapPair.objects.get(
        Q(first__title__startswith=title) | Q(second__title__startswith=title), cycle=cycle
    )


def rank(workgroup, cycle):
    """Rank a workgroup's list 1..n in pk order (the ranking page is another issue's)."""
    projects = list(Project.objects.for_workgroup(workgroup, cycle).active().order_by("pk"))
    for position, project in enumerate(projects, start=1):
        Project.objects.filter(pk=project.pk).update(priority=position)
    return [project.pk for project in projects]


def priorities(workgroup, cycle):
    return list(Project.objects.for_workgroup(workgroup, cycle).ranked().values_list("pk", "priority"))


def version(workgroup, cycle):
    return WorkgroupCycle.objects.get(workgroup=workgroup, cycle=cycle).ranking_version


def test_demo_pairs_are_in_the_queue_after_seed(cycle):
    open_pairs = OverlapPair.objects.filter(cycle=cycle, state=State.OPEN)
    assert open_pairs.exclude(first__workgroup=F("second__workgroup")).count() >= 4
    assert open_pairs.filter(first__workgroup=F("second__workgroup")).exists()


def test_distinct_closes_the_pair_and_is_audited(cycle, office):
    pair = pair_of(cycle, "احداث بوستان قرآنی")
    overlap_services.overlap_mark_distinct(pair=pair, user=office)
    pair.refresh_from_db()
    assert pair.state == State.DISTINCT and pair.decided_by == office
    entries = AuditEntry.objects.filter(action="overlap.distinct", details__pair=pair.pk)
    assert {entry.project_id for entry in entries} == {pair.first_id, pair.second_id}
    # Detection does not reopen it, however often it runs.
    overlap_services.overlaps_refresh(cycle=cycle)
    pair.refresh_from_db()
    assert pair.state == State.DISTINCT
    overlap_services.overlap_reverse(pair=pair, user=office)
    pair.refresh_from_db()
    assert pair.state == State.OPEN and pair.decided_by is None


def test_keep_one_withdraws_the_other_and_closes_the_gap(cycle, office):
    civil = Workgroup.objects.get(slug="civil")
    order = rank(civil, cycle)
    pair = pair_of(cycle, "ادامه پیاده‌راه گوهردشت (خیابان")
    kept = Project.objects.get(cycle=cycle, title__startswith="ادامه پیاده‌راه گوهردشت (خیابان")
    dropped = pair.other(kept)
    assert dropped.workgroup == civil
    position = order.index(dropped.pk) + 1
    before_version = version(civil, cycle)

    overlap_services.overlap_keep_one(pair=pair, keep=kept, user=office)

    dropped.refresh_from_db()
    assert dropped.state == Project.State.WITHDRAWN
    assert dropped.priority is None
    assert dropped.duplicate_of == kept
    ranked = priorities(civil, cycle)
    assert [p for _, p in ranked] == list(range(1, len(order)))
    assert [pk for pk, _ in ranked] == [pk for pk in order if pk != dropped.pk]
    assert version(civil, cycle) == before_version + 1
    pair.refresh_from_db()
    assert pair.state == State.DUPLICATE and pair.kept == kept
    assert AuditEntry.objects.filter(action="overlap.keep", project=dropped).exists()

    overlap_services.overlap_reverse(pair=pair, user=office)
    dropped.refresh_from_db()
    assert dropped.state == Project.State.PROPOSED
    assert dropped.priority == position
    assert dropped.duplicate_of is None
    assert [pk for pk, _ in priorities(civil, cycle)] == order
    pair.refresh_from_db()
    assert pair.state == State.OPEN
    assert AuditEntry.objects.filter(action="overlap.reverse", project=dropped).exists()


def test_reverse_after_the_list_changed_brings_the_project_back_unranked(cycle, office):
    civil = Workgroup.objects.get(slug="civil")
    rank(civil, cycle)
    pair = pair_of(cycle, "ادامه پیاده‌راه گوهردشت (خیابان")
    kept = Project.objects.get(cycle=cycle, title__startswith="ادامه پیاده‌راه گوهردشت (خیابان")
    overlap_services.overlap_keep_one(pair=pair, keep=kept, user=office)
    # The head saves a new order meanwhile.
    WorkgroupCycle.objects.filter(workgroup=civil, cycle=cycle).update(ranking_version=999)
    notes = overlap_services.overlap_reverse(pair=pair, user=office)
    dropped = pair.other(kept)
    dropped.refresh_from_db()
    assert dropped.state == Project.State.PROPOSED and dropped.priority is None
    assert notes and "بی‌اولویت" in notes[0]


def test_merge_sums_amounts_joins_justifications_and_names_both_units(cycle, office):
    pair = pair_of(cycle, "احداث پارک مادر و کودک منطقه")
    kept = Project.objects.get(cycle=cycle, title="احداث پارک مادر و کودک")
    other = pair.other(kept)
    other.justification = "درخواست شورایاری محله"
    other.save(update_fields=["justification"])
    before = (kept.requested_amount, kept.total_estimate, kept.justification)

    overlap_services.overlap_merge(pair=pair, keep=kept, user=office)

    kept.refresh_from_db()
    other.refresh_from_db()
    assert kept.requested_amount == before[0] + other.requested_amount
    assert kept.total_estimate == before[1] + other.total_estimate
    assert other.proposing_unit.name in kept.justification
    assert "درخواست شورایاری محله" in kept.justification
    assert list(kept.co_proposers.all()) == [other.proposing_unit]
    assert other.state == Project.State.WITHDRAWN and other.duplicate_of == kept

    # The export: the kept project's requested amount is the sum.
    rows = export_rows(cycle)
    assert rows[kept.title]["اعتبار درخواستی (میلیون ریال)"] == before[0] + other.requested_amount

    overlap_services.overlap_reverse(pair=pair, user=office)
    kept.refresh_from_db()
    other.refresh_from_db()
    assert (kept.requested_amount, kept.total_estimate, kept.justification) == before
    assert not kept.co_proposers.exists()
    assert other.state == Project.State.PROPOSED


def test_reverse_merge_refuses_when_the_amount_was_edited_since(cycle, office):
    pair = pair_of(cycle, "احداث پارک مادر و کودک منطقه")
    kept = Project.objects.get(cycle=cycle, title="احداث پارک مادر و کودک")
    overlap_services.overlap_merge(pair=pair, keep=kept, user=office)
    Project.objects.filter(pk=kept.pk).update(requested_amount=1)
    with pytest.raises(OverlapError, match="تغییر کرده است"):
        overlap_services.overlap_reverse(pair=pair, user=office)


def test_reassign_moves_the_project_and_bumps_both_lists(cycle, office):
    services = Workgroup.objects.get(slug="services")
    civil = Workgroup.objects.get(slug="civil")
    rank(civil, cycle)
    pair = pair_of(cycle, "لایروبی و ساماندهی مسیل‌های منطقه ۸")
    moved = Project.objects.get(cycle=cycle, title__startswith="لایروبی و ساماندهی مسیل‌های منطقه ۸")
    assert moved.workgroup == civil
    versions = (version(civil, cycle), version(services, cycle))

    overlap_services.overlap_reassign(pair=pair, project=moved, workgroup=services, user=office)

    moved.refresh_from_db()
    assert moved.workgroup == services and moved.responsible_deputy == services.deputy
    assert moved.priority is None
    assert [p for _, p in priorities(civil, cycle)] == list(range(1, len(priorities(civil, cycle)) + 1))
    assert (version(civil, cycle), version(services, cycle)) == (versions[0] + 1, versions[1] + 1)

    overlap_services.overlap_reverse(pair=pair, user=office)
    moved.refresh_from_db()
    assert moved.workgroup == civil and moved.priority is not None


def test_keep_one_export_shows_the_withdrawn_project_without_priority(cycle, office):
    civil = Workgroup.objects.get(slug="civil")
    rank(civil, cycle)
    pair = pair_of(cycle, "ادامه پیاده‌راه گوهردشت (خیابان")
    kept = Project.objects.get(cycle=cycle, title__startswith="ادامه پیاده‌راه گوهردشت (خیابان")
    dropped = pair.other(kept)
    overlap_services.overlap_keep_one(pair=pair, keep=kept, user=office)
    row = export_rows(cycle)[dropped.title]
    assert row["اولویت"] is None
    assert row["وضعیت"] == "کنارگذاشته"


def test_decisions_on_a_submitted_list_are_refused(cycle, office, personas):
    civil = Workgroup.objects.get(slug="civil")
    rank(civil, cycle)
    submissions.submission_submit(workgroup=civil, cycle=cycle, kind="priorities", user=personas["head_a"])
    pair = pair_of(cycle, "ادامه پیاده‌راه گوهردشت (خیابان")
    kept = Project.objects.get(cycle=cycle, title__startswith="ادامه پیاده‌راه گوهردشت (خیابان")
    with pytest.raises(ListLocked, match="بازگردانید"):
        overlap_services.overlap_keep_one(pair=pair, keep=kept, user=office)
    with pytest.raises(ListLocked):
        overlap_services.overlap_merge(pair=pair, keep=kept, user=office)
    pair.refresh_from_db()
    assert pair.state == State.OPEN
    # Keeping civil's copy only changes urbanism's list, which is open.
    overlap_services.overlap_keep_one(pair=pair, keep=pair.other(kept), user=office)
    # Distinct changes no list, so it is allowed too (on another pair).
    overlap_services.overlap_mark_distinct(pair=pair_of(cycle, "لایروبی و ساماندهی مسیل‌های"), user=office)


def test_reverse_is_refused_once_the_list_was_submitted_since(cycle, office, personas):
    civil = Workgroup.objects.get(slug="civil")
    rank(civil, cycle)
    pair = pair_of(cycle, "ادامه پیاده‌راه گوهردشت (خیابان")
    kept = Project.objects.get(cycle=cycle, title__startswith="ادامه پیاده‌راه گوهردشت (خیابان")
    overlap_services.overlap_keep_one(pair=pair, keep=kept, user=office)
    submissions.submission_submit(workgroup=civil, cycle=cycle, kind="priorities", user=personas["head_a"])
    with pytest.raises(ListLocked):
        overlap_services.overlap_reverse(pair=pair, user=office)


def test_a_decided_pair_cannot_be_decided_again(cycle, office):
    pair = pair_of(cycle, "احداث بوستان قرآنی")
    overlap_services.overlap_mark_distinct(pair=pair, user=office)
    with pytest.raises(OverlapError):
        overlap_services.overlap_keep_one(pair=pair, keep=pair.first_id, user=office)


def test_withdrawing_a_project_makes_its_other_pairs_stale_until_reversed(cycle, office):
    pair = pair_of(cycle, "احداث پارک مادر و کودک منطقه")
    kept = Project.objects.get(cycle=cycle, title="احداث پارک مادر و کودک")
    other = pair.other(kept)
    third = Project.objects.create(
        cycle=cycle,
        title="احداث پارک مادر و كودك منطقه ۴ (فاز دوم)",
        proposing_unit=other.proposing_unit,
        responsible_deputy=other.responsible_deputy,
        location=other.location,
        requested_amount=other.requested_amount,
    )
    overlap_services.overlaps_refresh(cycle=cycle, projects=[third])
    extra = OverlapPair.objects.get(first=other, second=third)
    assert extra.state == State.OPEN
    overlap_services.overlap_keep_one(pair=pair, keep=kept, user=office)
    extra.refresh_from_db()
    assert extra.state == State.STALE
    overlap_services.overlap_reverse(pair=pair, user=office)
    extra.refresh_from_db()
    assert extra.state == State.OPEN


def export_rows(cycle):
    buffer = io.BytesIO()
    build_workbook(cycle=cycle, output=buffer)
    buffer.seek(0)
    sheet = load_workbook(buffer)["فهرست تلفیقی"]
    header = [cell.value for cell in sheet[1]]
    rows = sheet.iter_rows(min_row=2, values_only=True)
    return {row[1]: dict(zip(header, row, strict=True)) for row in rows}
