"""Deadline edges with a frozen clock: 23:59:59 and 00:00:00 Tehran around the deadline day, a
Friday deadline, soft and hard deadlines, an extension, and the head's countdown.

1398/09/15 is Friday 6 December 2019; Tehran is +03:30 in Azar 1398 (no daylight saving in
winter), so its last second, 23:59:59 Tehran, is 20:29:59 UTC.
"""

import datetime

import jdatetime
import pytest
import time_machine

from karaj_budget.jalali import TEHRAN, end_of_jalali_day
from workgroups import deadlines, locks, submissions
from workgroups.deadlines import format_duration_fa
from workgroups.locks import ListLocked
from workgroups.models import Deadline, Project, Submission
from workgroups.submissions import ListState

UTC = datetime.UTC
LAST_SECOND = datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC)  # 1398/09/15 23:59:59 Tehran
MIDNIGHT = datetime.datetime(2019, 12, 6, 20, 30, 0, tzinfo=UTC)  # 1398/09/16 00:00:00 Tehran
PRIORITIES = Deadline.Kind.PRIORITIES


def tehran(*args):
    return datetime.datetime(*args, tzinfo=TEHRAN)


def test_the_1399_priorities_deadline_is_the_last_second_of_friday_1398_09_15(cycle_1399):
    deadline = cycle_1399.deadlines.get(kind=PRIORITIES)
    assert deadline.due_at == LAST_SECOND
    local = deadline.due_at.astimezone(TEHRAN)
    assert local.utcoffset() == datetime.timedelta(hours=3, minutes=30)
    assert local.date().isoweekday() == 5  # Friday
    assert end_of_jalali_day(jdatetime.date(1398, 9, 15)) == LAST_SECOND


@pytest.mark.parametrize(("now", "late"), [(LAST_SECOND, False), (MIDNIGHT, True)])
def test_soft_deadline_submission_is_on_time_until_23_59_59_then_late(civil, cycle_1399, personas, now, late):
    with time_machine.travel(now, tick=False):
        submission = submissions.submission_submit(
            workgroup=civil, cycle=cycle_1399, kind=PRIORITIES, user=personas["head_a"]
        )
        state = submissions.list_state(workgroup=civil, cycle=cycle_1399, kind=PRIORITIES)
    if late:
        assert submission.late_by == datetime.timedelta(seconds=1)
        assert state.state == ListState.SUBMITTED_LATE
    else:
        assert submission.late_by is None
        assert state.state == ListState.SUBMITTED_ON_TIME


def test_half_a_second_before_midnight_still_counts(civil, cycle_1399, personas):
    with time_machine.travel(LAST_SECOND + datetime.timedelta(milliseconds=500), tick=False):
        submission = submissions.submission_submit(
            workgroup=civil, cycle=cycle_1399, kind=PRIORITIES, user=personas["head_a"]
        )
    assert submission.late_by is None


def test_hard_deadline_refuses_writes_and_submission_from_00_00_00(civil, cycle_1399, personas, make_hard):
    make_hard(cycle_1399)
    with time_machine.travel(LAST_SECOND, tick=False):
        locks.ensure_list_open(workgroup=civil, cycle=cycle_1399, writer=locks.RANKING)
    with time_machine.travel(MIDNIGHT, tick=False):
        with pytest.raises(ListLocked, match="مهلت قطعی"):
            locks.ensure_list_open(workgroup=civil, cycle=cycle_1399, writer=locks.RANKING)
        with pytest.raises(ListLocked):
            submissions.submission_submit(
                workgroup=civil, cycle=cycle_1399, kind=PRIORITIES, user=personas["head_a"]
            )
        state = submissions.list_state(workgroup=civil, cycle=cycle_1399, kind=PRIORITIES)
    assert not Submission.objects.exists()
    assert state.state == ListState.MISSING


def test_an_extension_reopens_a_hard_deadline_for_one_workgroup_only(
    civil, transport, cycle_1399, personas, make_hard
):
    make_hard(cycle_1399)
    with time_machine.travel(tehran(2019, 12, 7, 9, 0), tick=False):
        submissions.extension_grant(
            workgroup=civil,
            cycle=cycle_1399,
            kind=PRIORITIES,
            due_at=end_of_jalali_day(jdatetime.date(1398, 9, 17)),
            reason="جلسه مشترک با منطقه ۵ به تعویق افتاد",
            user=personas["office"],
        )
        due = deadlines.deadline_for(civil, cycle_1399, PRIORITIES)
        assert due.extension is not None and due.base_due_at == LAST_SECOND
        locks.ensure_list_open(workgroup=civil, cycle=cycle_1399, writer=locks.RANKING)
        with pytest.raises(ListLocked):
            locks.ensure_list_open(workgroup=transport, cycle=cycle_1399, writer=locks.RANKING)
    # 1398/09/17 23:59:59 Tehran is the extension's last second; 00:00:00 on the 18th is too late.
    with time_machine.travel(tehran(2019, 12, 9, 0, 0, 0), tick=False):
        with pytest.raises(ListLocked):
            submissions.submission_submit(
                workgroup=civil, cycle=cycle_1399, kind=PRIORITIES, user=personas["head_a"]
            )
    with time_machine.travel(tehran(2019, 12, 8, 23, 59, 59), tick=False):
        submission = submissions.submission_submit(
            workgroup=civil, cycle=cycle_1399, kind=PRIORITIES, user=personas["head_a"]
        )
    assert submission.late_by is None
    assert submission.due_at == tehran(2019, 12, 8, 23, 59, 59)


def test_the_latest_extension_wins(civil, cycle_1399, personas):
    with time_machine.travel(tehran(2019, 12, 1, 9, 0), tick=False):
        for day in (20, 17):
            submissions.extension_grant(
                workgroup=civil,
                cycle=cycle_1399,
                kind=PRIORITIES,
                due_at=end_of_jalali_day(jdatetime.date(1398, 9, day)),
                reason=f"تمدید تا {day}",
                user=personas["office"],
            )
    assert deadlines.deadline_for(civil, cycle_1399, PRIORITIES).due_at == end_of_jalali_day(
        jdatetime.date(1398, 9, 17)
    )


def expert_edit_status(client, personas, project):
    client.force_login(personas["expert"])
    return client.get(f"/projects/{project.pk}/edit/").status_code


@pytest.fixture
def district_project(cycle_1399, civil):
    # District 1's valley project, in the civil workgroup's 1399 list.
    return Project.objects.get(cycle=cycle_1399, title__startswith="ساماندهی دره وسیه")


def test_unit_experts_edit_until_the_soft_priorities_deadline_and_not_a_second_later(
    client, personas, district_project
):
    with time_machine.travel(LAST_SECOND, tick=False):
        assert expert_edit_status(client, personas, district_project) == 200
    with time_machine.travel(MIDNIGHT, tick=False):
        # Locked (423), with the reason on the page rather than a generic "no permission".
        assert expert_edit_status(client, personas, district_project) == 423


def test_an_extension_also_extends_the_experts_of_that_workgroups_projects(
    client, personas, district_project, civil, cycle_1399
):
    with time_machine.travel(tehran(2019, 12, 7, 9, 0), tick=False):
        submissions.extension_grant(
            workgroup=civil,
            cycle=cycle_1399,
            kind=PRIORITIES,
            due_at=tehran(2019, 12, 7, 18, 0),
            reason="تمدید کوتاه",
            user=personas["office"],
        )
        assert expert_edit_status(client, personas, district_project) == 200


def test_format_duration_fa():
    assert format_duration_fa(datetime.timedelta(days=2, hours=5, minutes=7)) == "۲ روز و ۵ ساعت"
    assert format_duration_fa(datetime.timedelta(hours=3, minutes=10, seconds=5)) == "۳ ساعت و ۱۰ دقیقه"
    assert format_duration_fa(datetime.timedelta(days=1)) == "۱ روز"
    assert format_duration_fa(datetime.timedelta(minutes=4)) == "۴ دقیقه"
    assert format_duration_fa(datetime.timedelta(seconds=1)) == "کمتر از یک دقیقه"
    assert format_duration_fa(-datetime.timedelta(hours=2)) == "۲ ساعت"


@pytest.mark.parametrize(
    ("now", "countdown", "tone"),
    [
        (tehran(2019, 12, 1, 12, 0), "۵ روز و ۱۲ ساعت مانده", "ok"),
        (tehran(2019, 12, 4, 2, 0), "۲ روز و ۲۲ ساعت مانده", "warning"),
        (tehran(2019, 12, 6, 23, 50), "۱۰ دقیقه مانده", "warning"),
        (tehran(2019, 12, 8, 3, 0), "۱ روز و ۳ ساعت از مهلت گذشته", "overdue"),
    ],
)
def test_head_countdown_in_persian_with_a_warning_under_three_days(civil, cycle_1399, now, countdown, tone):
    status = submissions.list_state(workgroup=civil, cycle=cycle_1399, kind=PRIORITIES, now=now)
    assert status.countdown == countdown
    assert status.countdown_tone == tone


def test_head_page_shows_the_countdown_and_late_by(client, personas, civil):
    client.force_login(personas["head_a"])
    with time_machine.travel(tehran(2019, 12, 8, 3, 0), tick=False):
        html = client.get("/workgroups/civil/submissions/?cycle=1399").content.decode()
    assert "از مهلت گذشته" in html
    assert "countdown--overdue" in html
    assert "۱۳۹۸/۰۹/۱۵ ۲۳:۵۹" in html
