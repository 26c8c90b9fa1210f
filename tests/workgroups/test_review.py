"""The budget office's review: the queue, accept, return with a reason (which reopens the list and
e-mails the head), resubmission with a diff, and the audit trail of every step."""

import datetime

import jdatetime
import pytest
import time_machine
from django.core import mail

from karaj_budget.jalali import TEHRAN
from workgroups import locks, submissions
from workgroups.locks import ListLocked
from workgroups.models import AuditEntry, Deadline, Project, Submission
from workgroups.submissions import SubmissionError

PRIORITIES = Deadline.Kind.PRIORITIES


@pytest.fixture
def submitted(personas, civil, current_cycle, rank_all):
    rank_all(civil, current_cycle)
    return submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
    )


def test_review_round_trip_through_the_pages(
    client, personas, civil, current_cycle, submitted, django_capture_on_commit_callbacks
):
    office, head = personas["office"], personas["head_a"]
    client.force_login(office)
    queue = client.get("/office/submissions/").content.decode()
    assert submitted.get_absolute_url() in queue

    page = client.get(submitted.get_absolute_url()).content.decode()
    assert submitted.checksum in page
    assert "بازگرداندن به کارگروه" in page and "پذیرش فهرست" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/submissions/{submitted.pk}/return/", {"reason": "هزینه پروژه دوم با برآورد نمی‌خواند"}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == Submission.State.RETURNED
    assert submitted.reviewed_by == office and submitted.review_reason.startswith("هزینه")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [head.email]
    assert "هزینه پروژه دوم" in mail.outbox[0].body
    # The list is open again, and the head sees why.
    locks.ensure_list_open(workgroup=civil, cycle=current_cycle, writer=locks.RANKING)
    client.force_login(head)
    html = client.get("/workgroups/civil/submissions/").content.decode()
    assert "هزینه پروژه دوم با برآورد نمی‌خواند" in html and "ارسال دوباره" in html

    # The head swaps the first two projects and resubmits.
    first, second = Project.objects.for_workgroup(civil, current_cycle).ranked()[:2]
    Project.objects.filter(pk=first.pk).update(priority=None)
    Project.objects.filter(pk=second.pk).update(priority=1)
    Project.objects.filter(pk=first.pk).update(priority=2)
    response = client.post("/workgroups/civil/submissions/priorities/submit/")
    assert response.status_code == 302
    second_submission = Submission.objects.get(workgroup=civil, cycle=current_cycle, number=2)

    client.force_login(office)
    page = client.get(second_submission.get_absolute_url()).content.decode()
    assert "تغییرها نسبت به نوبت ۱" in page and "جابه‌جاشده" in page
    assert client.post(f"/submissions/{second_submission.pk}/accept/").status_code == 302
    second_submission.refresh_from_db()
    assert second_submission.state == Submission.State.ACCEPTED
    with pytest.raises(ListLocked, match="پذیرفته"):
        locks.ensure_list_open(workgroup=civil, cycle=current_cycle, writer=locks.RANKING)

    actions = list(
        AuditEntry.objects.filter(workgroup=civil, action__startswith="submission.")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["submission.submit", "submission.return", "submission.submit", "submission.accept"]


def test_return_needs_a_reason(client, personas, submitted):
    client.force_login(personas["office"])
    response = client.post(f"/submissions/{submitted.pk}/return/", {"reason": "  "})
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.state == Submission.State.SUBMITTED
    with pytest.raises(SubmissionError):
        submissions.submission_return(submission=submitted, user=personas["office"], reason="\u200c ")


def test_a_reviewed_submission_cannot_be_accepted_again(personas, submitted):
    submissions.submission_accept(submission=submitted, user=personas["office"])
    with pytest.raises(SubmissionError):
        submissions.submission_accept(submission=submitted, user=personas["office"])


def test_the_office_may_reopen_an_accepted_list(personas, civil, current_cycle, submitted):
    submissions.submission_accept(submission=submitted, user=personas["office"])
    submissions.submission_return(
        submission=submitted, user=personas["office"], reason="جابه‌جایی کارگروه یک پروژه"
    )
    locks.ensure_list_open(workgroup=civil, cycle=current_cycle, writer=locks.RANKING)
    with pytest.raises(SubmissionError):
        submissions.submission_return(submission=submitted, user=personas["office"], reason="دوباره")


def test_return_after_a_hard_deadline_can_grant_time_to_fix(
    client, personas, civil, current_cycle, submitted, make_hard
):
    make_hard(current_cycle)
    deadline = current_cycle.deadlines.get(kind=PRIORITIES)
    after = deadline.due_at + datetime.timedelta(hours=2)
    with time_machine.travel(after, tick=False):
        # Sessions last 8 hours: sign in at the travelled-to time, not days before it.
        client.force_login(personas["office"])
        new_due = (after + datetime.timedelta(days=2)).astimezone(TEHRAN)
        typed = jdatetime.date.fromgregorian(date=new_due.date()).strftime("%Y/%m/%d")
        response = client.post(
            f"/submissions/{submitted.pk}/return/", {"reason": "اصلاح مبالغ", "due_at": typed}
        )
        assert response.status_code == 302
        locks.ensure_list_open(workgroup=civil, cycle=current_cycle, writer=locks.RANKING)
        again = submissions.submission_submit(
            workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
        )
    assert again.number == 2 and again.late_by is None
    assert AuditEntry.objects.filter(action="extension.grant", workgroup=civil).exists()


@pytest.mark.parametrize(("persona", "status"), [("head_a", 403), ("member_a", 403), ("head_b", 403)])
def test_only_the_office_reviews(client, personas, submitted, persona, status):
    client.force_login(personas[persona])
    assert client.post(f"/submissions/{submitted.pk}/accept/").status_code == status
    assert client.post(f"/submissions/{submitted.pk}/return/", {"reason": "x"}).status_code == status
    submitted.refresh_from_db()
    assert submitted.state == Submission.State.SUBMITTED


def test_head_of_another_workgroup_cannot_see_the_submission(client, personas, submitted):
    client.force_login(personas["head_b"])
    assert client.get(submitted.get_absolute_url()).status_code == 404
    client.force_login(personas["member_a"])
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert "پذیرش فهرست" not in page
