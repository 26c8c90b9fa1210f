"""The permission matrix: every URL × every persona → the expected status.

Other workgroups' and units' objects answer 404; read-only roles asking to write get 403;
anonymous users are sent to the login page.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from workgroups import submissions
from workgroups.models import (
    Attachment,
    Cycle,
    ExportRun,
    Meeting,
    OverlapPair,
    Project,
    Submission,
    Workgroup,
)

LOGIN = "/accounts/login/"


def attach(**parent):
    attachment = Attachment(
        **parent, name="پیوست.pdf", content_type="application/pdf", size=6, sha256="0" * 64
    )
    attachment.file.save("x.pdf", ContentFile(b"%PDF-\n"), save=False)
    attachment.save()
    return attachment.pk


@pytest.fixture
def targets(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cycle = Cycle.objects.current()
    # District 1's valley project, reviewed by the civil workgroup (head_a's).
    civil_project = Project.objects.get(cycle=cycle, title__startswith="ساماندهی دره وسیه")
    transport_project = Project.objects.get(cycle=cycle, title__startswith="احداث پارکینگ عمومی")
    # A submission of civil's 1399 list (the current cycle's lists stay open for the rows above).
    civil_submission = submissions.submission_submit(
        workgroup=Workgroup.objects.get(slug="civil"),
        cycle=Cycle.objects.get(fiscal_year=1399),
        kind="priorities",
        user=personas["head_a"],
    )
    overlap = OverlapPair.objects.filter(cycle=cycle).first()
    civil_meeting = Meeting.objects.create(
        workgroup=Workgroup.objects.get(slug="civil"), cycle=cycle, held_on="2019-12-01"
    )
    # The office persona's whole-cycle export, built (export_runs.py).
    export_run = ExportRun(cycle=cycle, requested_by=personas["office"], state=ExportRun.State.DONE, rows=1)
    export_run.file.save("x.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    export_run.save()
    return {
        "export_run": export_run.pk,
        "civil_meeting": civil_meeting.pk,
        "civil_project_file": attach(project=civil_project),
        "transport_project_file": attach(project=transport_project),
        "civil_meeting_file": attach(meeting=civil_meeting),
        "overlap": overlap.pk,
        "civil_project": civil_project.pk,
        "transport_project": transport_project.pk,
        "civil_submission": civil_submission.pk,
    }


# url name, kwargs key, persona → expected status (302 means "to the login page")
MATRIX = [
    ("healthz", None, {"anon": 200, "head_a": 200, "stranger": 200}),
    (
        "workgroups:home",
        None,
        {
            "anon": 302,
            "head_a": 302,
            "member_a": 302,
            "office": 302,
            "expert": 302,
            "stranger": 200,
            "admin": 302,
        },
    ),
    (
        "workgroups:office-home",
        None,
        {
            "anon": 302,
            "head_a": 403,
            "member_a": 403,
            "head_b": 403,
            "office": 200,
            "expert": 403,
            "stranger": 403,
            "admin": 200,
        },
    ),
    (
        "workgroups:plan-slice",
        None,
        {
            "anon": 302,
            "head_a": 403,
            "member_a": 403,
            "head_b": 403,
            "office": 200,
            "expert": 403,
            "stranger": 403,
            "admin": 200,
        },
    ),
    (
        "workgroups:unit-home",
        None,
        {"anon": 302, "head_a": 403, "member_a": 403, "office": 403, "expert": 200, "stranger": 403},
    ),
    (
        "workgroups:workgroup-detail",
        {"slug": "civil"},
        {
            "anon": 302,
            "head_a": 200,
            "member_a": 200,
            "head_b": 404,
            "office": 200,
            "expert": 404,
            "stranger": 404,
            "admin": 200,
        },
    ),
    (
        "workgroups:project-detail",
        "civil_project",
        {
            "anon": 302,
            "head_a": 200,
            "member_a": 200,
            "head_b": 404,
            "office": 200,
            "expert": 200,
            "stranger": 404,
            "admin": 200,
        },
    ),
    (
        "workgroups:project-detail",
        "transport_project",
        {"head_a": 404, "member_a": 404, "head_b": 200, "expert": 404, "office": 200},
    ),
    (
        "workgroups:project-edit",
        "civil_project",
        {
            "anon": 302,
            "head_a": 403,
            "member_a": 403,
            "head_b": 404,
            "office": 200,
            "expert": 200,
            "stranger": 404,
            "admin": 200,
        },
    ),
    (
        "workgroups:project-create",
        None,
        {"anon": 302, "head_a": 403, "member_a": 403, "office": 403, "expert": 200, "stranger": 403},
    ),
    # The ranking page's companions: whoever may see the list reads its history and meetings;
    # only the head records meetings. Saves are POST-only (their refusals: test_ranking.py).
    (
        "workgroups:ranking-history",
        {"slug": "civil"},
        {
            "anon": 302,
            "head_a": 200,
            "member_a": 200,
            "head_b": 404,
            "office": 200,
            "expert": 404,
            "stranger": 404,
        },
    ),
    (
        "workgroups:meeting-list",
        {"slug": "civil"},
        {
            "anon": 302,
            "head_a": 200,
            "member_a": 200,
            "head_b": 404,
            "office": 200,
            "expert": 404,
            "stranger": 404,
        },
    ),
    (
        "workgroups:meeting-create",
        {"slug": "civil"},
        {
            "anon": 302,
            "head_a": 200,
            "member_a": 403,
            "head_b": 404,
            "office": 403,
            "expert": 404,
            "stranger": 404,
        },
    ),
    ("workgroups:ranking-save", {"slug": "civil"}, {"anon": 302, "head_a": 405, "head_b": 405}),
    ("workgroups:ranking-update", {"slug": "civil"}, {"anon": 302, "head_a": 405, "member_a": 405}),
    (
        "workgroups:project-panel",
        {"slug": "civil", "pk": "civil_project"},
        {
            "anon": 302,
            "head_a": 200,
            "member_a": 200,
            "head_b": 404,
            "office": 200,
            "expert": 404,
            "stranger": 404,
        },
    ),
    (
        "workgroups:project-remit",
        {"slug": "civil", "pk": "civil_project"},
        {
            "anon": 302,
            "head_a": 200,
            "member_a": 403,
            "head_b": 404,
            "office": 403,
            "expert": 404,
            "stranger": 404,
        },
    ),
    (
        "workgroups:project-panel",
        {"slug": "civil", "pk": "transport_project"},
        {"head_a": 404, "office": 404},
    ),
]

OFFICE_ONLY = {
    "anon": 302,
    "head_a": 403,
    "member_a": 403,
    "head_b": 403,
    "office": 200,
    "expert": 403,
    "stranger": 403,
    "admin": 200,
}
CIVIL_ONLY = {
    "anon": 302,
    "head_a": 200,
    "member_a": 200,
    "head_b": 404,
    "office": 200,
    "expert": 404,
    "stranger": 404,
    "admin": 200,
}
MATRIX += [
    ("workgroups:office-dashboard-json", None, OFFICE_ONLY),
    ("workgroups:submission-queue", None, OFFICE_ONLY),
    ("workgroups:submission-list", {"slug": "civil"}, CIVIL_ONLY),
    ("workgroups:submission-detail", "civil_submission", CIVIL_ONLY),
    ("workgroups:submission-return", "civil_submission", OFFICE_ONLY),
    ("workgroups:extension-create", {"slug": "civil"}, OFFICE_ONLY),
    ("workgroups:overlap-queue", None, OFFICE_ONLY),
    ("workgroups:overlap-detail", "overlap", OFFICE_ONLY),
    ("workgroups:overlap-run-state", None, OFFICE_ONLY),
]

# Coding and the export (issue 6): everyone who may read a workgroup's list sees its coding page
# (read-only unless head) and may export it; the consolidated export is the office's. Code search
# is open to any signed-in person (the code tables are not secret).
EVERYONE_SIGNED_IN = {
    "anon": 302,
    "head_a": 200,
    "member_a": 200,
    "head_b": 200,
    "office": 200,
    "expert": 200,
    "stranger": 200,
    "admin": 200,
}
MATRIX += [
    ("workgroups:coding-edit", {"slug": "civil"}, CIVIL_ONLY),
    ("workgroups:workgroup-export", {"slug": "civil"}, CIVIL_ONLY),
    # Without ?workgroup= it leads the office to the whole-cycle export's page.
    ("workgroups:office-export", None, {**OFFICE_ONLY, "office": 302, "admin": 302}),
    ("workgroups:export-run-list", None, OFFICE_ONLY),
    # A build is fetched and followed only by the person who asked (another office person: 404).
    ("workgroups:export-run-state", "export_run", {**OFFICE_ONLY, "admin": 404}),
    ("workgroups:export-run-download", "export_run", {**OFFICE_ONLY, "admin": 404}),
    ("workgroups:code-search", {"scheme": "budget"}, EVERYONE_SIGNED_IN),
    ("workgroups:code-search", {"scheme": "program"}, EVERYONE_SIGNED_IN),
]

# Attachments follow their parent exactly: a project's files are read by whoever reads the project,
# a meeting's and a list's by whoever reads the workgroup; the upload page is the list of files.
PROJECT_READERS = {
    "anon": 302,
    "head_a": 200,
    "member_a": 200,
    "head_b": 404,
    "office": 200,
    "expert": 200,
    "stranger": 404,
    "admin": 200,
}
MATRIX += [
    ("workgroups:project-attachments", "civil_project", PROJECT_READERS),
    ("workgroups:attachment-download", "civil_project_file", PROJECT_READERS),
    (
        "workgroups:attachment-download",
        "transport_project_file",
        {"head_a": 404, "member_a": 404, "head_b": 200, "expert": 404, "office": 200, "stranger": 404},
    ),
    ("workgroups:meeting-attachments", "civil_meeting", CIVIL_ONLY),
    ("workgroups:attachment-download", "civil_meeting_file", CIVIL_ONLY),
    ("workgroups:list-attachments", {"slug": "civil", "kind": "priorities"}, CIVIL_ONLY),
    ("workgroups:list-attachments", {"slug": "civil", "kind": "coding"}, CIVIL_ONLY),
    ("workgroups:attachment-delete", "civil_meeting_file", {"anon": 302, "head_a": 405, "head_b": 405}),
    # The letter: whoever reads the submission downloads it; the office records its number (POST)
    # and is the one the QR code's verify page is for.
    ("workgroups:submission-letter", "civil_submission", CIVIL_ONLY),
    (
        "workgroups:submission-letter-number",
        "civil_submission",
        {"anon": 302, "head_a": 403, "member_a": 403, "head_b": 403, "office": 405, "stranger": 403},
    ),
    ("workgroups:submission-verify", {"pk": "civil_submission", "checksum": "0" * 64}, OFFICE_ONLY),
]

CASES = [
    (name, key, persona, status)
    for name, key, expectations in MATRIX
    for persona, status in expectations.items()
]


@pytest.mark.parametrize(("url_name", "key", "persona", "expected"), CASES)
def test_permission_matrix(client, personas, targets, url_name, key, persona, expected):
    if key is None:
        url = reverse(url_name)
    elif isinstance(key, dict):
        # A "pk" naming a target stands for that target's primary key.
        url = reverse(url_name, kwargs={k: targets.get(v, v) if k == "pk" else v for k, v in key.items()})
    else:
        url = reverse(url_name, args=[targets[key]])
    if persona != "anon":
        client.force_login(personas[persona])
    response = client.get(url)
    assert response.status_code == expected, f"{persona} GET {url}"
    if persona == "anon" and expected == 302:
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("persona", ["head_a", "member_a", "head_b", "stranger"])
def test_post_edit_by_non_owner_changes_nothing(client, personas, targets, persona):
    project = Project.objects.get(pk=targets["civil_project"])
    client.force_login(personas[persona])
    response = client.post(
        reverse("workgroups:project-edit", args=[project.pk]),
        {
            "title": "تغییر غیرمجاز",
            "requested_amount": "1",
            "responsible_deputy": project.responsible_deputy_id,
            "kind": "new",
        },
    )
    assert response.status_code in (403, 404)
    project.refresh_from_db()
    assert project.title.startswith("ساماندهی دره وسیه")


def test_admin_requires_staff(client, personas):
    client.force_login(personas["head_a"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    client.force_login(personas["office"])
    assert client.get("/admin/").status_code == 200


def test_office_cannot_edit_audit_trail_or_memberships(client, personas):
    client.force_login(personas["office"])
    assert client.get("/admin/workgroups/auditentry/").status_code == 200
    assert client.get("/admin/workgroups/auditentry/add/").status_code == 403
    assert client.get("/admin/programs/unit/add/").status_code == 403


# POST-only steps of the submission workflow: persona → expected status; nothing changes when refused.
POST_MATRIX = [
    ("submit", {"anon": 302, "member_a": 403, "head_b": 404, "office": 403, "expert": 404, "stranger": 404}),
    ("accept", {"anon": 302, "head_a": 403, "member_a": 403, "head_b": 403, "expert": 403, "stranger": 403}),
    ("return", {"anon": 302, "head_a": 403, "member_a": 403, "head_b": 403, "expert": 403, "stranger": 403}),
]


@pytest.mark.parametrize(
    ("step", "persona", "expected"),
    [
        (step, persona, status)
        for step, expectations in POST_MATRIX
        for persona, status in expectations.items()
    ],
)
def test_submission_steps_refused(client, personas, targets, step, persona, expected):
    pk = targets["civil_submission"]
    url = {
        "submit": reverse("workgroups:submission-submit", kwargs={"slug": "civil", "kind": "priorities"}),
        "accept": reverse("workgroups:submission-accept", args=[pk]),
        "return": reverse("workgroups:submission-return", args=[pk]),
    }[step]
    if persona != "anon":
        client.force_login(personas[persona])
    response = client.post(url, {"reason": "بی‌اجازه"})
    assert response.status_code == expected, f"{persona} POST {url}"
    assert list(Submission.objects.values_list("state", flat=True)) == ["submitted"]


# The overlap decisions are POST-only and the office's: everyone else is refused, nothing changes.
OVERLAP_POSTS = [
    ("workgroups:overlap-refresh", None, {"decision": "distinct"}),
    ("workgroups:overlap-decide", "overlap", {"decision": "distinct"}),
    ("workgroups:overlap-reverse", "overlap", {}),
]


@pytest.mark.parametrize(("url_name", "key", "data"), OVERLAP_POSTS)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anon", 302), ("head_a", 403), ("member_a", 403), ("head_b", 403), ("expert", 403), ("stranger", 403)],
)
def test_overlap_posts_are_the_office_s(client, personas, targets, url_name, key, data, persona, expected):
    url = reverse(url_name, args=[targets[key]]) if key else reverse(url_name)
    if persona != "anon":
        client.force_login(personas[persona])
    before = list(OverlapPair.objects.values_list("pk", "state", "updated_at"))
    response = client.post(url, data)
    assert response.status_code == expected, f"{persona} POST {url}"
    assert list(OverlapPair.objects.values_list("pk", "state", "updated_at")) == before


def test_overlap_decisions_are_post_only(client, personas, targets):
    client.force_login(personas["office"])
    assert client.get(reverse("workgroups:overlap-decide", args=[targets["overlap"]])).status_code == 405
    assert client.get(reverse("workgroups:overlap-refresh")).status_code == 405


# POST-only coding steps on civil's current list: persona → expected status; nothing changes.
CODING_POST_MATRIX = {
    "anon": 302,
    "member_a": 403,
    "head_b": 404,
    "office": 403,
    "expert": 404,
    "stranger": 404,
}


@pytest.mark.parametrize("step", ["coding-project", "coding-bulk", "coding-submit"])
@pytest.mark.parametrize(("persona", "expected"), CODING_POST_MATRIX.items())
def test_coding_steps_refused(client, personas, targets, step, persona, expected):
    pk = targets["civil_project"]
    url = {
        "coding-project": reverse("workgroups:coding-project", args=["civil", pk]),
        "coding-bulk": reverse("workgroups:coding-bulk", args=["civil"]),
        "coding-submit": reverse("workgroups:coding-submit", args=["civil"]),
    }[step]
    if persona != "anon":
        client.force_login(personas[persona])
    response = client.post(url, {"projects": [pk], "program_code": "6-1-1-02", "budget_code": "60401001"})
    assert response.status_code == expected, f"{persona} POST {url}"
    project = Project.objects.get(pk=pk)
    assert project.program_code_id is None and project.budget_code_id is None
    assert not Submission.objects.filter(kind="coding").exists()


# Opening a project's coding row (GET, the row's form) follows the save's rule: the head only.
@pytest.mark.parametrize(("persona", "expected"), CODING_POST_MATRIX.items())
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_opening_a_coding_row_refused(client, personas, targets, persona, expected, accept):
    url = reverse("workgroups:coding-project", args=["civil", targets["civil_project"]])
    if persona != "anon":
        client.force_login(personas[persona])
    response = client.get(url, HTTP_ACCEPT=accept)
    assert response.status_code == expected, f"{persona} GET {url}"
    assert "coding-form" not in response.content.decode()


# Removing a file is POST-only and follows the parent's write rule: another workgroup's file is 404,
# a read-only role's attempt 403, and the file stays.
@pytest.mark.parametrize("target", ["civil_meeting_file", "civil_project_file"])
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anon", 302), ("member_a", 403), ("head_b", 404), ("stranger", 404)],
)
def test_attachment_delete_refused(client, personas, targets, target, persona, expected):
    url = reverse("workgroups:attachment-delete", args=[targets[target]])
    if persona != "anon":
        client.force_login(personas[persona])
    response = client.post(url)
    assert response.status_code == expected, f"{persona} POST {url}"
    assert Attachment.objects.filter(pk=targets[target]).exists()
