"""The permission matrix of the monitoring report pages: every new URL × every persona.

A unit's experts see and write only their unit's monitored projects; a workgroup's head and members
read their workgroup's reports (the head comments); the office reads all, opens quarters, verifies
and returns; anyone else's objects answer 404; a read-only role asking to write gets 403;
anonymous users are sent to the login page (302).

Personas:
- anon: not signed in
- stranger: signed in, no role
- other_expert: expert of organization O06 (not the project's unit)
- head_b: head of the transport workgroup (not the project's workgroup)
- member_a: member of civil (reads civil's reports)
- head_a: head of civil (reads and comments)
- office: budget office (all; verifies, returns, opens quarters)
- expert: expert of district R01, the project's unit (writes its report)
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from workgroups.models import Attachment, ProgressReport
from workgroups.monitoring import reports

PERSONAS = ("anon", "stranger", "other_expert", "head_b", "member_a", "head_a", "office", "expert")


def statuses(anon, stranger, other_expert, head_b, member_a, head_a, office, expert):
    return dict(
        zip(PERSONAS, (anon, stranger, other_expert, head_b, member_a, head_a, office, expert), strict=True)
    )


@pytest.fixture
def world(personas, monitored, open_quarter, django_user_model, settings, tmp_path):
    """R01's civil project with a draft report (valid figures) and one evidence file."""
    settings.MEDIA_ROOT = tmp_path
    period = open_quarter()
    row = next(
        m for m in monitored if m.project.proposing_unit.code == "R01" and m.project.workgroup.slug == "civil"
    )
    report = reports.report_save(
        monitored=row,
        period=period,
        user=personas["expert"],
        physical_progress=30,
        absorbed=10,
        status="on_schedule",
        reason="",
    )
    attachment = Attachment(
        report=report, name="مدرک.pdf", content_type="application/pdf", size=6, sha256="0" * 64
    )
    attachment.file.save("x.pdf", ContentFile(b"%PDF-\n"), save=False)
    attachment.save()
    users = dict(personas, other_expert=django_user_model.objects.get(username="expert_o06"))
    return {"period": period, "monitored": row, "report": report, "attachment": attachment, "users": users}


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# name, method, arguments (keys of `world`), POST data, whether the report is submitted first,
# expected statuses (anon, stranger, other_expert, head_b, member_a, head_a, office, expert)
MATRIX = [
    ("unit-quarter-latest", "get", (), None, False, statuses(302, 403, 302, 403, 403, 403, 403, 302)),
    ("unit-quarter", "get", ("period",), None, False, statuses(302, 403, 200, 403, 403, 403, 403, 200)),
    ("report-template", "get", ("period",), None, False, statuses(302, 403, 200, 403, 403, 403, 403, 200)),
    ("report-upload", "post", ("period",), {}, False, statuses(302, 403, 400, 403, 403, 403, 403, 400)),
    (
        "report-save",
        "post",
        ("period", "monitored"),
        {
            "pMON-physical_progress": "35",
            "pMON-absorbed": "10",
            "pMON-status": "on_schedule",
            "pMON-action": "save",
        },
        False,
        statuses(302, 404, 404, 404, 403, 403, 403, 302),
    ),
    ("report-list", "get", (), None, False, statuses(302, 403, 200, 200, 200, 200, 200, 200)),
    ("report-detail", "get", ("report",), None, False, statuses(302, 404, 404, 404, 200, 200, 200, 200)),
    ("report-submit", "post", ("report",), {}, False, statuses(302, 404, 404, 404, 403, 403, 403, 302)),
    (
        "report-comment",
        "post",
        ("report",),
        {"text": "نظر"},
        False,
        statuses(302, 404, 404, 404, 403, 302, 302, 403),
    ),
    ("report-verify", "post", ("report",), {}, True, statuses(302, 403, 403, 403, 403, 403, 302, 403)),
    (
        "report-return",
        "post",
        ("report",),
        {"reason": "مدرک ناقص"},
        True,
        statuses(302, 403, 403, 403, 403, 403, 302, 403),
    ),
    ("report-attachments", "get", ("report",), None, False, statuses(302, 404, 404, 404, 200, 200, 200, 200)),
    (
        "report-attachments",
        "post",
        ("report",),
        "FILE",
        False,
        statuses(302, 404, 404, 404, 403, 403, 403, 302),
    ),
    (
        "attachment-download",
        "get",
        ("attachment",),
        None,
        False,
        statuses(302, 404, 404, 404, 200, 200, 200, 200),
    ),
    (
        "attachment-delete",
        "post",
        ("attachment",),
        {},
        False,
        statuses(302, 404, 404, 404, 403, 403, 403, 302),
    ),
    (
        "planned-correct",
        "post",
        ("monitored",),
        {"planned_q1": "10", "planned_q2": "40"},
        False,
        statuses(302, 403, 403, 403, 403, 403, 302, 403),
    ),
    ("period-list", "get", (), None, False, statuses(302, 403, 403, 403, 403, 403, 200, 403)),
    ("period-list", "post", (), {"quarter": "2"}, False, statuses(302, 403, 403, 403, 403, 403, 302, 403)),
    ("period-extend", "get", ("period",), None, False, statuses(302, 403, 403, 403, 403, 403, 200, 403)),
]

CASES = [
    pytest.param(
        name, method, args, data, submitted, persona, expected[persona], id=f"{name}-{method}-{persona}"
    )
    for name, method, args, data, submitted, expected in MATRIX
    for persona in PERSONAS
]


@pytest.mark.parametrize(("name", "method", "args", "data", "submitted", "persona", "expected"), CASES)
def test_permission_matrix(client, world, name, method, args, data, submitted, persona, expected):
    if submitted:
        reports.report_submit(report=world["report"], user=world["users"]["expert"])
    if persona != "anon":
        client.force_login(world["users"][persona])
    url = reverse(f"workgroups:{name}", args=[world[key].pk for key in args])
    if method == "get":
        response = client.get(url)
    else:
        if data == "FILE":
            data = {"file": ContentFile(PDF, name="مدرک دوم.pdf")}
        else:
            data = {key.replace("MON", str(world["monitored"].pk)): value for key, value in data.items()}
        response = client.post(url, data)
    assert response.status_code == expected, response.content.decode()[:300]
    if expected == 302 and persona == "anon":
        assert response["Location"].startswith("/accounts/login/")


def test_refused_writes_change_nothing(client, world):
    """A head, a member and the office posting the unit's form leave the report as it was."""
    report = world["report"]
    for persona in ("head_a", "member_a", "office", "other_expert"):
        client.force_login(world["users"][persona])
        pk = world["monitored"].pk
        client.post(
            reverse("workgroups:report-save", args=[world["period"].pk, pk]),
            {f"p{pk}-physical_progress": "99", f"p{pk}-absorbed": "1", f"p{pk}-status": "on_schedule"},
        )
    assert ProgressReport.objects.get(pk=report.pk).physical_progress == 30


def test_lists_show_only_what_each_role_may_see(client, world):
    """The report list: the project's unit and workgroup see it, another unit and workgroup don't."""
    title = world["monitored"].project.title
    url = reverse("workgroups:report-list")
    for persona, sees in (
        ("expert", True),
        ("head_a", True),
        ("office", True),
        ("other_expert", False),
        ("head_b", False),
    ):
        client.force_login(world["users"][persona])
        assert (title in client.get(url).content.decode()) is sees, persona
