"""Remit: a head sends a project outside the deputy's remit to the budget office, which decides."""

import pytest
from django.urls import reverse

from workgroups import ranking, services
from workgroups.locks import ListInvalid
from workgroups.models import AuditEntry, Cycle, Project, RemitRequest, Workgroup, WorkgroupCycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil(personas):
    cycle = Cycle.objects.current()
    workgroup = Workgroup.objects.get(slug="civil")
    ids = list(Project.objects.for_workgroup(workgroup, cycle).order_by("pk").values_list("pk", flat=True))
    ranking.ranking_save(workgroup=workgroup, cycle=cycle, order=ids[:4], version=0, user=None)
    return {"cycle": cycle, "workgroup": workgroup, "ids": ids}


def ranked_ids(civil):
    return list(
        Project.objects.for_workgroup(civil["workgroup"], civil["cycle"])
        .ranked()
        .values_list("pk", flat=True)
    )


def remit_url(pk):
    return reverse("workgroups:project-remit", args=["civil", pk])


def test_head_sends_a_project_to_the_office_and_it_leaves_the_list(client, personas, civil):
    client.force_login(personas["head_a"])
    second = civil["ids"][1]
    response = client.post(remit_url(second), {"reason": "این پروژه ترافیکی است و در حوزه حمل و نقل است."})
    assert response.status_code == 302
    project = Project.objects.get(pk=second)
    assert project.state == Project.State.REMIT_REVIEW
    assert project.priority is None
    # The list closes up: 1..3, in the same order.
    assert ranked_ids(civil) == [civil["ids"][0], civil["ids"][2], civil["ids"][3]]
    assert [p.priority for p in Project.objects.filter(pk__in=ranked_ids(civil)).ranked()] == [1, 2, 3]
    remit = RemitRequest.objects.get(project=project)
    assert remit.state == RemitRequest.State.OPEN
    assert remit.previous_priority == 2
    entry = AuditEntry.objects.get(action="project.remit_request", project=project)
    assert "ردیف ۲" in entry.summary
    # An open page's next save is based on the old list: refused, not silently merged.
    assert WorkgroupCycle.objects.get(workgroup=civil["workgroup"], cycle=civil["cycle"]).ranking_version == 2
    page = client.get(reverse("workgroups:workgroup-detail", args=["civil"])).content.decode()
    assert "نزد دفتر بودجه" in page


def test_reason_is_required(client, personas, civil):
    client.force_login(personas["head_a"])
    response = client.post(remit_url(civil["ids"][0]), {"reason": "  "})
    assert response.status_code == 200
    assert Project.objects.get(pk=civil["ids"][0]).state == Project.State.PROPOSED


@pytest.mark.parametrize(("persona", "expected"), [("member_a", 403), ("head_b", 404), ("expert", 404)])
def test_only_the_head_may_send(client, personas, civil, persona, expected):
    client.force_login(personas[persona])
    assert client.post(remit_url(civil["ids"][0]), {"reason": "x"}).status_code == expected
    assert Project.objects.get(pk=civil["ids"][0]).state == Project.State.PROPOSED


def test_office_accepts_in_the_admin_and_the_project_moves(client, personas, civil):
    project = Project.objects.get(pk=civil["ids"][0])
    remit = services.project_remit_request(project=project, user=personas["head_a"], reason="حمل و نقل")
    transport = Workgroup.objects.get(slug="transport")
    client.force_login(personas["admin"])
    response = client.post(
        "/admin/workgroups/remitrequest/",
        {"action": "accept_requests", "_selected_action": [remit.pk], "target_workgroup": transport.pk},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    remit.refresh_from_db()
    assert project.workgroup == transport
    assert project.responsible_deputy_id == transport.deputy_id
    assert project.state == Project.State.PROPOSED and project.priority is None
    assert remit.state == RemitRequest.State.ACCEPTED and remit.decided_by == personas["admin"]
    assert AuditEntry.objects.filter(action="project.remit_accept", workgroup=transport).exists()
    assert AuditEntry.objects.filter(action="project.remit_accept", workgroup=civil["workgroup"]).exists()


def test_office_rejects_and_the_project_waits_unranked_in_its_list(client, personas, civil):
    project = Project.objects.get(pk=civil["ids"][0])
    remit = services.project_remit_request(project=project, user=personas["head_a"], reason="حمل و نقل")
    client.force_login(personas["admin"])
    client.post(
        "/admin/workgroups/remitrequest/", {"action": "reject_requests", "_selected_action": [remit.pk]}
    )
    project.refresh_from_db()
    remit.refresh_from_db()
    assert project.workgroup == civil["workgroup"]
    assert project.state == Project.State.PROPOSED and project.priority is None
    assert remit.state == RemitRequest.State.REJECTED
    assert AuditEntry.objects.filter(action="project.remit_reject", project=project).exists()


def test_accept_without_a_target_changes_nothing(client, personas, civil):
    project = Project.objects.get(pk=civil["ids"][0])
    remit = services.project_remit_request(project=project, user=personas["head_a"], reason="حمل و نقل")
    client.force_login(personas["admin"])
    client.post(
        "/admin/workgroups/remitrequest/", {"action": "accept_requests", "_selected_action": [remit.pk]}
    )
    remit.refresh_from_db()
    assert remit.state == RemitRequest.State.OPEN


def test_a_project_cannot_be_sent_twice(personas, civil):
    project = Project.objects.get(pk=civil["ids"][0])
    services.project_remit_request(project=project, user=personas["head_a"], reason="یک")
    with pytest.raises(ListInvalid):
        services.project_remit_request(project=project, user=personas["head_a"], reason="دو")


def test_admin_pages_for_meetings_and_remit_requests_render(client, personas, civil):
    project = Project.objects.get(pk=civil["ids"][0])
    remit = services.project_remit_request(project=project, user=personas["head_a"], reason="حمل و نقل")
    client.force_login(personas["admin"])
    assert client.get("/admin/workgroups/remitrequest/").status_code == 200
    assert client.get(f"/admin/workgroups/remitrequest/{remit.pk}/change/").status_code == 200
    assert client.get("/admin/workgroups/meeting/").status_code == 200
