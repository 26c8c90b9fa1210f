"""The office decides, in the app, where a project sent back as outside a workgroup's remit goes."""

import pytest

from workgroups import services
from workgroups.models import AuditEntry, Cycle, Project, RemitRequest, Workgroup


@pytest.fixture
def remit(personas):
    cycle = Cycle.objects.current()
    project = Project.objects.get(cycle=cycle, title__startswith="ساماندهی دره وسیه")
    return services.project_remit_request(project=project, user=personas["head_a"], reason="کار فضای سبز است")


@pytest.mark.parametrize(
    ("persona", "status"), [("head_a", 403), ("member_a", 403), ("expert", 403), ("office", 200)]
)
def test_only_the_office_sees_the_queue(client, personas, remit, persona, status):
    client.force_login(personas[persona])
    response = client.get("/office/remit/")
    assert response.status_code == status
    if status == 200:
        assert "کار فضای سبز است" in response.content.decode()


def test_accept_moves_the_project(client, personas, remit):
    client.force_login(personas["office"])
    response = client.post(f"/office/remit/{remit.pk}/decide/", {"decision": "accept", "target": "services"})
    assert response.status_code == 302
    remit.refresh_from_db()
    project = remit.project
    project.refresh_from_db()
    assert remit.state == RemitRequest.State.ACCEPTED
    assert project.workgroup == Workgroup.objects.get(slug="services")
    assert project.state == Project.State.PROPOSED and project.priority is None
    assert AuditEntry.objects.filter(project=project, actor=personas["office"]).exists()


def test_reject_returns_it_to_the_list(client, personas, remit):
    client.force_login(personas["office"])
    client.post(f"/office/remit/{remit.pk}/decide/", {"decision": "reject", "note": "در حوزه عمران است"})
    remit.refresh_from_db()
    assert remit.state == RemitRequest.State.REJECTED
    assert remit.project.workgroup.slug == "civil"


def test_accept_without_a_target_changes_nothing(client, personas, remit):
    client.force_login(personas["office"])
    response = client.post(f"/office/remit/{remit.pk}/decide/", {"decision": "accept"}, follow=True)
    assert "کارگروه مقصد را انتخاب کنید" in response.content.decode()
    remit.refresh_from_db()
    assert remit.state == RemitRequest.State.OPEN


def test_a_head_cannot_decide(client, personas, remit):
    client.force_login(personas["head_a"])
    response = client.post(f"/office/remit/{remit.pk}/decide/", {"decision": "accept", "target": "services"})
    assert response.status_code == 403
    remit.refresh_from_db()
    assert remit.state == RemitRequest.State.OPEN
