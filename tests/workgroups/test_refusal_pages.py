"""A refusal says the server's own reason: the project page does not offer «ویرایش» on a frozen list
but says why, and a 403 page shows the reason the access check raised, not a generic sentence."""

import pytest
from django.urls import reverse

from workgroups import submissions
from workgroups.models import Deadline, Project

pytestmark = pytest.mark.django_db

GENERIC_403 = "نقش شما در سامانه اجازهٔ دیدن یا تغییر این بخش را نمی‌دهد."
FROZEN = "ارسال شده است و تا بررسی دفتر برنامه و بودجه قفل است"


@pytest.fixture
def valley(civil, current_cycle, rank_all, personas):
    """District 1's project in the civil list, which its head has ranked and submitted."""
    rank_all(civil, current_cycle)
    submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=Deadline.Kind.PRIORITIES, user=personas["head_a"]
    )
    return Project.objects.get(cycle=current_cycle, title__startswith="ساماندهی دره وسیه")


def test_project_page_of_a_submitted_list_says_why_it_cannot_be_edited(client, personas, valley):
    client.force_login(personas["expert"])
    page = client.get(reverse("workgroups:project-detail", args=[valley.pk])).content.decode()
    assert reverse("workgroups:project-edit", args=[valley.pk]) not in page
    assert FROZEN in page

    edit = client.get(reverse("workgroups:project-edit", args=[valley.pk]))
    assert edit.status_code == 423 and FROZEN in edit.content.decode()


def test_project_page_of_an_open_list_offers_edit(client, personas, current_cycle):
    project = Project.objects.get(cycle=current_cycle, title__startswith="ساماندهی دره وسیه")
    client.force_login(personas["expert"])
    page = client.get(reverse("workgroups:project-detail", args=[project.pk])).content.decode()
    assert reverse("workgroups:project-edit", args=[project.pk]) in page
    assert 'id="edit-refused"' not in page


def test_403_page_shows_the_reason_raised(client, personas, current_cycle):
    client.force_login(personas["head_a"])  # a head proposes nothing: that is the units' part
    response = client.get(reverse("workgroups:project-create"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "این بخش برای کارشناسان مناطق و سازمان‌هاست." in page
    assert GENERIC_403 not in page


def test_member_saving_the_ranking_is_told_only_the_head_may(client, personas, civil):
    client.force_login(personas["member_a"])
    response = client.post(reverse("workgroups:ranking-update", args=["civil"]), {"version": "0"})
    assert response.status_code == 403
    assert "فقط رئیس کارگروه می‌تواند این فهرست را تغییر دهد." in response.content.decode()


def test_return_reason_is_at_the_top_of_the_heads_page(client, personas, civil, current_cycle, rank_all):
    rank_all(civil, current_cycle)
    submission = submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=Deadline.Kind.PRIORITIES, user=personas["head_a"]
    )
    reason = "ردیف ۳ باید پیش از ردیف ۱ بیاید؛ صورت‌جلسه پیوست نیست."
    submissions.submission_return(submission=submission, user=personas["office"], reason=reason)
    client.force_login(personas["head_a"])
    page = client.get(reverse("workgroups:workgroup-detail", args=["civil"])).content.decode()
    # Above the list, not only in the deadline box at the bottom of the page.
    assert page.find(reason) < page.find('id="ranking-region"')
    assert page.count(reason) == 2
