"""The budget office's paths into a list stop at a submitted list, like the head's.

Every office path that changes a list (the admin's project form, accepting a remit request into
it, editing a project's responsible deputy, a projects import) is refused while the list is
submitted, with the lock's message, and works once the office has returned the list; each change
then closes up the priorities, raises the list's version and leaves one audit entry per list.
"""

import datetime

import pytest

from tests.programs.workbooks import xlsx
from workgroups import services, submissions
from workgroups.importing import import_projects
from workgroups.locks import ListLocked
from workgroups.models import AuditEntry, Deadline, Meeting, Project, RemitRequest, WorkgroupCycle

PRIORITIES = Deadline.Kind.PRIORITIES
LOCK_WORDS = "نخست فهرست را به کارگروه بازگردانید"
IMPORT_HEADER = ["شناسه", "عنوان", "واحد پیشنهاددهنده", "معاونت مسئول", "اعتبار درخواستی (میلیون ریال)"]


@pytest.fixture
def submitted(personas, civil, current_cycle, rank_all):
    """The civil list of the current cycle, fully ranked and submitted by its head."""
    rank_all(civil, current_cycle)
    return submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
    )


def return_list(submission, office):
    submissions.submission_return(submission=submission, user=office, reason="بازبینی دفتر")


def version(workgroup, cycle):
    return WorkgroupCycle.objects.get(workgroup=workgroup, cycle=cycle).ranking_version


def priorities(workgroup, cycle):
    return list(Project.objects.for_workgroup(workgroup, cycle).ranked().values_list("priority", flat=True))


def valley(cycle):
    # District 1's project in the civil list (ranked 2nd by rank_all's order of pks).
    return Project.objects.get(cycle=cycle, title__startswith="ساماندهی دره وسیه")


def unsplit(project):
    """No years or source parts, so a new requested amount breaks no money rule (test_resources.py):
    only the lock decides."""
    project.fundings.all().delete()
    project.forecasts.all().delete()
    Project.objects.filter(pk=project.pk).update(spent_before=None)


def admin_change_data(client, project):
    """The admin change form's own values, as the browser would post them back."""
    response = client.get(f"/admin/workgroups/project/{project.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


def test_the_admin_project_form_is_refused_on_a_submitted_list_and_works_after_a_return(
    client, personas, civil, current_cycle, submitted
):
    client.force_login(personas["office"])
    project = valley(current_cycle)
    unsplit(project)
    data = {**admin_change_data(client, project), "requested_amount": "77777"}
    entries = AuditEntry.objects.count()

    response = client.post(f"/admin/workgroups/project/{project.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the reason
    assert LOCK_WORDS in response.content.decode()
    project.refresh_from_db()
    assert project.requested_amount != 77777
    assert AuditEntry.objects.count() == entries

    return_list(submitted, personas["office"])
    entries = AuditEntry.objects.count()
    response = client.post(f"/admin/workgroups/project/{project.pk}/change/", data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.requested_amount == 77777
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "project.edit" and entry.project_id == project.pk
    assert entry.details["differences"]["requested_amount"][1] == 77777


def test_the_admin_cannot_reorder_a_list_through_the_priority_field(
    client, personas, civil, current_cycle, rank_all
):
    # The order is the head's: the admin shows the priority read-only and ignores a posted one.
    rank_all(civil, current_cycle)
    client.force_login(personas["office"])
    project = valley(current_cycle)
    before = priorities(civil, current_cycle)
    data = {**admin_change_data(client, project), "priority": "1"}
    assert "priority" not in response_fields(client, project)
    client.post(f"/admin/workgroups/project/{project.pk}/change/", data)
    project.refresh_from_db()
    assert project.priority == 2
    assert priorities(civil, current_cycle) == before


def response_fields(client, project):
    return client.get(f"/admin/workgroups/project/{project.pk}/change/").context["adminform"].form.fields


def test_the_admin_moving_a_project_to_another_deputy_closes_up_the_list(
    client, personas, civil, transport, current_cycle, rank_all
):
    rank_all(civil, current_cycle)
    client.force_login(personas["office"])
    project = valley(current_cycle)
    count = len(priorities(civil, current_cycle))
    versions = version(civil, current_cycle), version(transport, current_cycle)
    data = {**admin_change_data(client, project), "responsible_deputy": transport.deputy_id}
    assert client.post(f"/admin/workgroups/project/{project.pk}/change/", data).status_code == 302
    project.refresh_from_db()
    assert project.workgroup == transport and project.priority is None
    assert priorities(civil, current_cycle) == list(range(1, count))  # no hole
    assert (version(civil, current_cycle), version(transport, current_cycle)) == (
        versions[0] + 1,
        versions[1] + 1,
    )
    moves = AuditEntry.objects.filter(action="project.move", project=project)
    assert {entry.workgroup.slug for entry in moves} == {"civil", "transport"}


def test_the_office_editing_the_responsible_deputy_is_refused_then_works_after_a_return(
    client, personas, civil, transport, current_cycle, submitted
):
    client.force_login(personas["office"])
    project = valley(current_cycle)
    refused = client.get(f"/projects/{project.pk}/edit/")
    assert refused.status_code == 423
    assert LOCK_WORDS in refused.content.decode()
    post = {
        "title": project.title,
        "requested_amount": str(project.requested_amount),
        "responsible_deputy": transport.deputy_id,
        "kind": project.kind,
        "ref": project.ref,
    }
    assert client.post(f"/projects/{project.pk}/edit/", post).status_code == 423
    project.refresh_from_db()
    assert project.workgroup == civil

    return_list(submitted, personas["office"])
    count = len(priorities(civil, current_cycle))
    assert client.post(f"/projects/{project.pk}/edit/", post).status_code == 302
    project.refresh_from_db()
    assert project.workgroup == transport and project.priority is None
    assert priorities(civil, current_cycle) == list(range(1, count))


def test_accepting_a_remit_request_into_a_submitted_list_is_refused_then_works_after_a_return(
    personas, civil, transport, current_cycle, rank_all
):
    # Transport's head sends a project to the office; the office wants it in the civil list,
    # which has been submitted meanwhile.
    rank_all(transport, current_cycle)
    project = Project.objects.for_workgroup(transport, current_cycle).ranked().first()
    remit = services.project_remit_request(project=project, user=personas["head_b"], reason="در حوزه عمرانی")
    rank_all(civil, current_cycle)
    submission = submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
    )
    with pytest.raises(ListLocked, match=LOCK_WORDS):
        services.remit_accept(remit=remit, user=personas["office"], target_workgroup=civil)
    project.refresh_from_db()
    assert project.workgroup == transport
    assert RemitRequest.objects.get(pk=remit.pk).state == RemitRequest.State.OPEN

    return_list(submission, personas["office"])
    before = version(civil, current_cycle)
    services.remit_accept(remit=remit, user=personas["office"], target_workgroup=civil)
    project.refresh_from_db()
    assert project.workgroup == civil and project.priority is None
    assert version(civil, current_cycle) == before + 1
    entries = AuditEntry.objects.filter(action="project.remit_accept", project=project)
    assert sorted(entry.workgroup.slug for entry in entries) == ["civil", "transport"]


def test_a_projects_import_names_the_submitted_list_in_its_preview_and_refuses_to_write(
    personas, civil, current_cycle, submitted
):
    project = valley(current_cycle)
    unsplit(project)
    rows = [IMPORT_HEADER, [project.ref, project.title, "R01", "D4", "99999"]]
    preview = import_projects(xlsx(rows), cycle=current_cycle, dry_run=True)
    assert preview.has_errors
    message = " ".join(str(problem) for problem in preview.problems)
    assert civil.name in message and LOCK_WORDS in message
    confirm = import_projects(xlsx(rows), cycle=current_cycle, user=personas["office"])
    assert confirm.has_errors and not confirm.written
    project.refresh_from_db()
    assert project.requested_amount != 99999


def test_a_projects_import_that_moves_a_ranked_project_closes_up_its_old_list(
    personas, civil, current_cycle, rank_all
):
    rank_all(civil, current_cycle)
    project = valley(current_cycle)
    count = len(priorities(civil, current_cycle))
    before = version(civil, current_cycle)
    rows = [IMPORT_HEADER, [project.ref, project.title, "R01", "D5", "35000"]]
    result = import_projects(xlsx(rows), cycle=current_cycle, user=personas["office"])
    assert not result.has_errors, result.problems
    project.refresh_from_db()
    assert project.workgroup.slug == "transport" and project.priority is None
    assert priorities(civil, current_cycle) == list(range(1, count))
    assert version(civil, current_cycle) == before + 1
    lists = AuditEntry.objects.filter(action="import_projects").exclude(workgroup=None)
    assert {entry.workgroup.slug for entry in lists} == {"civil", "transport"}


def test_the_office_group_keeps_its_rights_when_renamed(client, personas):
    # Office rights are a permission, not a group name.
    group = personas["office"].groups.get()
    group.name = "دفتر بودجه (نام تازه)"
    group.save()
    client.force_login(personas["office"])
    assert client.get("/office/").status_code == 200
    assert client.get("/office/overlaps/").status_code == 200


def test_adding_a_project_in_the_admin_to_a_submitted_list_is_refused(
    client, personas, civil, current_cycle, submitted
):
    client.force_login(personas["office"])
    count = Project.objects.count()
    form = client.get("/admin/workgroups/project/add/").context["adminform"].form
    data = {name: "" for name in form.fields}
    data.update(
        {
            "cycle": current_cycle.pk,
            "title": "پروژهٔ افزوده در مدیریت",
            "proposing_unit": valley(current_cycle).proposing_unit_id,
            "responsible_deputy": civil.deputy_id,
            "kind": "new",
            "requested_amount": "100",
        }
    )
    response = client.post("/admin/workgroups/project/add/", data)
    assert response.status_code == 200 and LOCK_WORDS in response.content.decode()
    assert Project.objects.count() == count
    return_list(submitted, personas["office"])
    assert client.post("/admin/workgroups/project/add/", data).status_code == 302
    added = Project.objects.get(title="پروژهٔ افزوده در مدیریت")
    assert added.workgroup == civil and added.priority is None
    assert AuditEntry.objects.filter(action="project.create", project=added).count() == 1


def test_rejecting_a_remit_request_back_into_a_submitted_list_is_refused(
    personas, civil, current_cycle, rank_all
):
    rank_all(civil, current_cycle)
    project = valley(current_cycle)
    remit = services.project_remit_request(project=project, user=personas["head_a"], reason="خارج از حوزه")
    submission = submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
    )
    with pytest.raises(ListLocked, match=LOCK_WORDS):
        services.remit_reject(remit=remit, user=personas["office"])
    return_list(submission, personas["office"])
    services.remit_reject(remit=remit, user=personas["office"])
    project.refresh_from_db()
    assert project.state == Project.State.PROPOSED and project.priority is None


def test_tying_a_meeting_to_a_submitted_list_is_refused(client, personas, civil, current_cycle, submitted):
    meeting = services.meeting_create(
        meeting=Meeting(workgroup=civil, cycle=current_cycle, held_on=datetime.date(2027, 11, 20)),
        user=personas["head_a"],
    )
    client.force_login(personas["head_a"])
    response = client.post(f"/workgroups/civil/meetings/{meeting.pk}/tie/", follow=True)
    assert "ارسال شده است" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.ranking_version is None
