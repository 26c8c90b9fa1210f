"""Joint meetings: the head records them, ties a ranking state to one; members read them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from karaj_budget.jalali import format_jalali_date
from workgroups import ranking
from workgroups.models import AuditEntry, Cycle, Meeting, Project, Workgroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil(personas):
    cycle = Cycle.objects.current()
    workgroup = Workgroup.objects.get(slug="civil")
    ids = list(Project.objects.for_workgroup(workgroup, cycle).order_by("pk").values_list("pk", flat=True))
    return {"cycle": cycle, "workgroup": workgroup, "ids": ids}


def create_url():
    return reverse("workgroups:meeting-create", args=["civil"])


def test_head_records_a_meeting_with_a_jalali_date(client, personas, civil):
    client.force_login(personas["head_a"])
    expert = personas["expert"]
    today = timezone.localdate()  # the demo's current cycle is prepared this Jalali year
    response = client.post(
        create_url(),
        {
            "held_on": format_jalali_date(today),
            "attendees": [expert.pk, personas["member_a"].pk],
            "representatives": "علی رضایی — منطقه ۵\n\nمريم كاظمی — سازمان قطار شهری",
            "minutes": "بررسی پروژه‌های عمرانی مناطق",
            "decisions": "اولویت نخست: بزرگراه شمالی",
        },
    )
    meeting = Meeting.objects.get(workgroup=civil["workgroup"])
    assert response.status_code == 302
    assert meeting.held_on == today
    assert meeting.cycle == civil["cycle"]
    assert meeting.created_by == personas["head_a"]
    assert set(meeting.attendees.all()) == {expert, personas["member_a"]}
    # Arabic letters normalised, blank lines dropped.
    assert meeting.representative_lines() == ["علی رضایی — منطقه ۵", "مریم کاظمی — سازمان قطار شهری"]
    assert AuditEntry.objects.filter(action="meeting.create", workgroup=civil["workgroup"]).exists()

    detail = client.get(meeting.get_absolute_url()).content.decode()
    assert format_jalali_date(today) in detail
    assert "مریم کاظمی" in detail


@pytest.mark.parametrize("held_on", ["", "2019/12/01", "۱۳۹۸/۱۳/۰۱", "دیروز"])
def test_bad_dates_are_refused_in_persian(client, personas, civil, held_on):
    client.force_login(personas["head_a"])
    response = client.post(create_url(), {"held_on": held_on})
    assert response.status_code == 200
    assert response.context["form"].errors["held_on"]
    assert not Meeting.objects.filter(workgroup=civil["workgroup"]).exists()


def test_member_reads_meetings_but_cannot_record_one(client, personas, civil):
    meeting = Meeting.objects.create(
        workgroup=civil["workgroup"], cycle=civil["cycle"], held_on=datetime.date(2019, 12, 1)
    )
    client.force_login(personas["member_a"])
    assert client.get(reverse("workgroups:meeting-list", args=["civil"])).status_code == 200
    assert client.get(meeting.get_absolute_url()).status_code == 200
    assert client.post(create_url(), {"held_on": "۱۳۹۸/۰۹/۱۰"}).status_code == 403
    tie = reverse("workgroups:meeting-tie", args=["civil", meeting.pk])
    assert client.post(tie).status_code == 403


def test_ranking_state_tied_to_a_meeting_shows_on_the_page(client, personas, civil):
    meeting = Meeting.objects.create(
        workgroup=civil["workgroup"], cycle=civil["cycle"], held_on=datetime.date(2019, 12, 1)
    )
    ranking.ranking_save(
        workgroup=civil["workgroup"], cycle=civil["cycle"], order=civil["ids"][:3], version=0, user=None
    )
    client.force_login(personas["head_a"])
    page = reverse("workgroups:workgroup-detail", args=["civil"])
    assert "در جلسه ۱۳۹۸/۰۹/۱۰ تعیین شد" not in client.get(page).content.decode()

    client.post(reverse("workgroups:meeting-tie", args=["civil", meeting.pk]))
    assert "ترتیب کنونی در" in client.get(page).content.decode()
    assert "جلسه ۱۳۹۸/۰۹/۱۰" in client.get(page).content.decode()

    # Any later change means the list is no longer the one settled in the meeting.
    ranking.ranking_save(
        workgroup=civil["workgroup"], cycle=civil["cycle"], order=civil["ids"][:2], version=1, user=None
    )
    assert "ترتیب کنونی در" not in client.get(page).content.decode()


def test_saves_made_in_a_meeting_are_listed_on_it(client, personas, civil):
    meeting = Meeting.objects.create(
        workgroup=civil["workgroup"], cycle=civil["cycle"], held_on=datetime.date(2019, 12, 1)
    )
    client.force_login(personas["head_a"])
    response = client.post(
        reverse("workgroups:ranking-save", args=["civil"]),
        {"version": 0, "order": civil["ids"][:2], "meeting": meeting.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    detail = client.get(meeting.get_absolute_url()).content.decode()
    assert "در ردیف ۱ قرار گرفت" in detail
    assert "ترتیب کنونی فهرست همان است" in detail


def test_other_workgroups_meetings_are_not_found(client, personas, civil):
    meeting = Meeting.objects.create(
        workgroup=civil["workgroup"], cycle=civil["cycle"], held_on=datetime.date(2019, 12, 1)
    )
    client.force_login(personas["head_b"])
    assert client.get(meeting.get_absolute_url()).status_code == 404
    # The transport head cannot reach civil's meeting through transport's URL either.
    assert client.get(reverse("workgroups:meeting-detail", args=["transport", meeting.pk])).status_code == 404
