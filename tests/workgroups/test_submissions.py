"""Submitting a list: what must hold first, the frozen snapshot and its checksum, and every write
path refused while the list is submitted."""

import hashlib
import json

import pytest
from django.db import IntegrityError, transaction

from workgroups import coding, locks, submissions
from workgroups.locks import ListLocked
from workgroups.models import AuditEntry, Deadline, Project, Submission, Workgroup, snapshot_checksum
from workgroups.submissions import SubmissionError

PRIORITIES = Deadline.Kind.PRIORITIES
CODING = Deadline.Kind.CODING


def submit(workgroup, cycle, user, kind=PRIORITIES):
    return submissions.submission_submit(workgroup=workgroup, cycle=cycle, kind=kind, user=user)


def test_an_unranked_list_cannot_be_submitted_and_the_head_is_told_what_remains(
    client, personas, civil, current_cycle
):
    with pytest.raises(SubmissionError) as refused:
        submit(civil, current_cycle, personas["head_a"])
    assert "اولویت‌بندی نشده" in refused.value.problems[0]
    client.force_login(personas["head_a"])
    response = client.post("/workgroups/civil/submissions/priorities/submit/", follow=True)
    assert "اولویت‌بندی نشده" in response.content.decode()
    assert not Submission.objects.exists()


def test_submission_freezes_a_snapshot_with_positions_amounts_codes_and_a_checksum(
    personas, civil, cycle_1399
):
    submission = submit(civil, cycle_1399, personas["head_a"])
    projects = list(Project.objects.for_workgroup(civil, cycle_1399).active().order_by("priority"))
    assert [item["id"] for item in submission.projects] == [p.pk for p in projects]
    first, project = submission.projects[0], projects[0]
    assert first == {
        "id": project.pk,
        "title": project.title,
        "position": 1,
        "unit": project.proposing_unit.code,
        "requested_amount": project.requested_amount,
        "total_estimate": project.total_estimate,
        "program_code": project.program_code.code,
        "budget_code": project.budget_code.code,
        "credit_type": project.budget_code.credit_type or project.requested_credit_type,
        "spent_before": project.spent_before,
        "forecasts": {
            str(year): amount for year, amount in project.forecasts.values_list("fiscal_year", "amount")
        },
        "sources": dict(project.fundings.values_list("source__name", "amount")),
        "estimate_gap_reason": "",
        "over_remaining_reason": "",
    }
    canonical = json.dumps(submission.projects, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert submission.checksum == hashlib.sha256(canonical.encode()).hexdigest()
    submission.refresh_from_db()
    assert submission.verify()
    assert submission.number == 1 and submission.submitted_by == personas["head_a"]
    assert AuditEntry.objects.filter(action="submission.submit", workgroup=civil).exists()


def test_the_snapshot_does_not_follow_later_changes_of_the_projects(personas, civil, cycle_1399):
    submission = submit(civil, cycle_1399, personas["head_a"])
    project = Project.objects.get(pk=submission.projects[0]["id"])
    before = submission.projects[0]["requested_amount"]
    Project.objects.filter(pk=project.pk).update(requested_amount=before + 1)  # e.g. an office correction
    submission = Submission.objects.get(pk=submission.pk)
    assert submission.projects[0]["requested_amount"] == before
    assert submission.verify()
    assert (
        submissions.current_checksum(workgroup=civil, cycle=cycle_1399, kind=PRIORITIES)
        != submission.checksum
    )


def test_snapshot_and_checksum_refuse_to_change_after_creation(personas, civil, cycle_1399):
    submission = submit(civil, cycle_1399, personas["head_a"])
    submission = Submission.objects.get(pk=submission.pk)
    submission.snapshot["projects"][0]["position"] = 99
    with pytest.raises(ValueError, match="تغییرپذیر نیست"):
        submission.save()
    submission = Submission.objects.get(pk=submission.pk)
    submission.checksum = "0" * 64
    with pytest.raises(ValueError):
        submission.save(update_fields=["checksum"])
    # Loaded without the snapshot, then given a new one: still refused.
    deferred = Submission.objects.defer("snapshot").get(pk=submission.pk)
    deferred.snapshot = {"projects": []}
    with pytest.raises(ValueError):
        deferred.save()
    # Review fields still save.
    reviewed = Submission.objects.defer("snapshot").get(pk=submission.pk)
    reviewed.review_reason = "یادداشت"
    reviewed.save()


def test_verify_detects_a_snapshot_changed_behind_the_models_back(personas, civil, cycle_1399):
    submission = submit(civil, cycle_1399, personas["head_a"])
    tampered = dict(submission.snapshot)
    tampered["projects"] = list(reversed(submission.projects))
    Submission.objects.filter(pk=submission.pk).update(snapshot=tampered)
    assert not Submission.objects.get(pk=submission.pk).verify()
    assert snapshot_checksum(tampered) != submission.checksum


def test_a_list_cannot_be_submitted_twice_and_the_database_agrees(personas, civil, cycle_1399):
    first = submit(civil, cycle_1399, personas["head_a"])
    with pytest.raises(ListLocked, match="ارسال شده"):
        submit(civil, cycle_1399, personas["head_a"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(
            workgroup=civil, cycle=cycle_1399, kind=PRIORITIES, number=2, snapshot={}, checksum=first.checksum
        )
    assert Submission.objects.count() == 1


def test_every_write_path_refuses_a_submitted_list(
    client, personas, civil, cycle_1399, current_cycle, rank_all
):
    rank_all(civil, current_cycle)
    submit(civil, current_cycle, personas["head_a"])
    # Ranking saves ask this before writing; coding (a separate list) may go on.
    locks.ensure_list_open(workgroup=civil, cycle=current_cycle, writer=locks.CODING)
    with pytest.raises(ListLocked):
        locks.ensure_list_open(workgroup=civil, cycle=current_cycle, writer=locks.RANKING)
    # A unit expert's edit of a project in the submitted list.
    project = Project.objects.get(cycle=current_cycle, title__startswith="ساماندهی دره وسیه")
    client.force_login(personas["expert"])
    refused = client.get(f"/projects/{project.pk}/edit/")
    assert refused.status_code == 423
    assert "ارسال شده" in refused.content.decode()
    response = client.post(
        f"/projects/{project.pk}/edit/",
        {
            "title": "تغییر پس از ارسال",
            "requested_amount": "1",
            "responsible_deputy": project.responsible_deputy_id,
        },
    )
    assert response.status_code == 423
    project.refresh_from_db()
    assert project.title.startswith("ساماندهی دره وسیه")
    # A new proposal into the submitted list is refused; into another workgroup's open list it is not.
    count = Project.objects.count()
    data = {"title": "پیشنهاد تازه", "requested_amount": "100", "kind": "new", "ref": ""}
    response = client.post("/projects/new/", {**data, "responsible_deputy": civil.deputy_id})
    assert response.status_code == 423  # the form again, with the reason
    assert "ارسال شده است" in response.content.decode()
    assert Project.objects.count() == count
    transport = Workgroup.objects.get(slug="transport")
    response = client.post("/projects/new/", {**data, "responsible_deputy": transport.deputy_id})
    assert response.status_code == 302
    assert Project.objects.count() == count + 1


def test_a_submitted_coded_list_freezes_the_order_too(personas, civil, cycle_1399):
    submit(civil, cycle_1399, personas["head_a"], kind=PRIORITIES)
    submissions.submission_accept(submission=Submission.objects.get(kind=PRIORITIES), user=personas["office"])
    # The coded list needs every project coded (the demo's later additions arrive without codes).
    uncoded = [p for p in coding.coding_projects(workgroup=civil, cycle=cycle_1399) if not p.is_coded]
    coding.projects_code_bulk(
        projects=uncoded, program_code="4-1-2-01", budget_code="40301001", user=personas["head_a"]
    )
    submit(civil, cycle_1399, personas["head_a"], kind=CODING)
    submissions.submission_return(
        submission=Submission.objects.get(kind=PRIORITIES), user=personas["office"], reason="بازبینی ترتیب"
    )
    with pytest.raises(ListLocked, match="کدگذاری"):
        locks.ensure_list_open(workgroup=civil, cycle=cycle_1399, writer=locks.RANKING)


@pytest.mark.parametrize(("persona", "status"), [("member_a", 403), ("head_b", 404), ("office", 403)])
def test_only_the_head_submits(client, personas, civil, cycle_1399, persona, status):
    client.force_login(personas[persona])
    response = client.post("/workgroups/civil/submissions/priorities/submit/")
    assert response.status_code == status
    assert not Submission.objects.exists()


def test_unknown_list_kind_is_404(client, personas):
    client.force_login(personas["head_a"])
    assert client.post("/workgroups/civil/submissions/budget/submit/").status_code == 404


def test_submit_button_only_for_the_head_and_only_when_ready(
    client, personas, civil, current_cycle, rank_all
):
    client.force_login(personas["head_a"])
    html = client.get("/workgroups/civil/submissions/").content.decode()
    assert "/workgroups/civil/submissions/priorities/submit/" not in html  # nothing ranked yet
    assert "کارهای مانده" in html
    rank_all(civil, current_cycle)
    html = client.get("/workgroups/civil/submissions/").content.decode()
    assert "/workgroups/civil/submissions/priorities/submit/" in html
    client.force_login(personas["member_a"])
    html = client.get("/workgroups/civil/submissions/").content.decode()
    assert "/workgroups/civil/submissions/priorities/submit/" not in html


def test_submission_diff():
    def item(pk, position, amount=100, code=None):
        return {
            "id": pk,
            "title": f"p{pk}",
            "position": position,
            "unit": "R01",
            "requested_amount": amount,
            "total_estimate": None,
            "program_code": code,
            "budget_code": None,
        }

    previous = {"projects": [item(1, 1), item(2, 2), item(3, 3)]}
    current = {"projects": [item(2, 1), item(1, 2, amount=150), item(4, 3, code="5-1-1-01")]}
    diff = submissions.submission_diff(previous, current)
    assert [i["id"] for i in diff["added"]] == [4]
    assert [i["id"] for i in diff["removed"]] == [3]
    assert [(m["item"]["id"], m["from"], m["to"]) for m in diff["moved"]] == [(2, 2, 1), (1, 1, 2)]
    assert [(c["item"]["id"], c["before"], c["after"]) for c in diff["amount_changed"]] == [(1, 100, 150)]
    assert diff["has_changes"]
    assert not submissions.submission_diff(previous, previous)["has_changes"]
