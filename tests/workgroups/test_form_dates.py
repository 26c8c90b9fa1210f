"""Dates typed in the round's forms: the example is today's date (never another cycle's), a
meeting is one that took place in the year its budget is prepared, and several meetings on one
day read as different meetings where the head picks one."""

import datetime

import jdatetime
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from karaj_budget.jalali import TEHRAN, format_jalali_date
from workgroups import submissions
from workgroups.models import Deadline, Meeting

pytestmark = pytest.mark.django_db


def jalali(year, month, day):
    return format_jalali_date(jdatetime.date(year, month, day).togregorian())


def test_examples_are_todays_date(client, personas, civil, current_cycle, rank_all):
    frozen = datetime.datetime(2026, 11, 29, 10, 0, tzinfo=TEHRAN)  # 1405/09/08
    rank_all(civil, current_cycle)
    submission = submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=Deadline.Kind.PRIORITIES, user=personas["head_a"]
    )
    with time_machine.travel(frozen, tick=False):
        client.force_login(personas["head_a"])
        meeting = client.get(reverse("workgroups:meeting-create", args=["civil"])).content.decode()
        client.force_login(personas["office"])
        extension = client.get(reverse("workgroups:extension-create", args=["civil"])).content.decode()
        review = client.get(reverse("workgroups:submission-detail", args=[submission.pk])).content.decode()
    for page in (meeting, extension, review):
        assert "۱۳۹۸/۰۹" not in page
        assert "۱۴۰۵/۰۹/۰۸" in page
    assert 'placeholder="۱۴۰۵/۰۹/۰۸"' in meeting


@pytest.mark.parametrize(
    ("held_on", "words"),
    [
        (lambda today: jalali(1410, 1, 1), "بعد از امروز"),
        (lambda today: format_jalali_date(today + datetime.timedelta(days=1)), "بعد از امروز"),
        (lambda today: jalali(1398, 9, 10), "پیش از سال تهیه بودجه"),
    ],
)
def test_a_meeting_must_have_taken_place_in_the_cycle_s_year(client, personas, civil, held_on, words):
    client.force_login(personas["head_a"])
    response = client.post(
        reverse("workgroups:meeting-create", args=["civil"]), {"held_on": held_on(timezone.localdate())}
    )
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors["held_on"])
    assert not Meeting.objects.filter(workgroup=civil).exists()


def test_meetings_of_one_day_read_apart_in_the_save_in_list(client, personas, civil, current_cycle):
    day = timezone.localdate()
    first = Meeting.objects.create(workgroup=civil, cycle=current_cycle, held_on=day)
    second = Meeting.objects.create(workgroup=civil, cycle=current_cycle, held_on=day)
    other = Meeting.objects.create(
        workgroup=civil, cycle=current_cycle, held_on=day - datetime.timedelta(days=1)
    )
    client.force_login(personas["head_a"])
    page = client.get(reverse("workgroups:workgroup-detail", args=["civil"])).content.decode()
    select = page.split('id="ranking-meeting"', 1)[1].split("</select>", 1)[0]
    labels = {
        meeting.pk: select.split(f'value="{meeting.pk}">', 1)[1].split("</option>", 1)[0]
        for meeting in (first, second, other)
    }
    assert len(set(labels.values())) == 3
    assert labels[first.pk].startswith(f"جلسه {format_jalali_date(day)} — اول")
    assert labels[second.pk].startswith(f"جلسه {format_jalali_date(day)} — دوم")
    assert labels[other.pk] == f"جلسه {format_jalali_date(other.held_on)}"
