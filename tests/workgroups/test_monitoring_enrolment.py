"""What is monitored (docs/monitoring.md): enrolment of the accepted coded lists' projects, the
approved amount typed by the office, and the council-approved budget sheet's import."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone

from karaj_budget.persian import PersianInputError
from programs.models import ImportPreview
from tests.programs.workbooks import xlsx
from workgroups.models import (
    AuditEntry,
    Cycle,
    Deadline,
    MonitoredProject,
    Project,
    Submission,
    Workgroup,
    snapshot_checksum,
)
from workgroups.monitoring import enrolment
from workgroups.monitoring.enrolment import import_approved, monitoring_enrol
from workgroups.submissions import list_snapshot

APPROVED = "اعتبار مصوب (میلیون ریال)"


@pytest.fixture
def cycle_1399(demo):
    """1399 with the coded lists of civil, transport and services accepted by the office (the demo
    is seeded without the round's history)."""
    cycle = Cycle.objects.get(fiscal_year=1399)
    for slug in ("civil", "transport", "services"):
        workgroup = Workgroup.objects.get(slug=slug)
        snapshot = list_snapshot(workgroup=workgroup, cycle=cycle, kind=Deadline.Kind.CODING)
        Submission.objects.create(
            workgroup=workgroup,
            cycle=cycle,
            kind=Deadline.Kind.CODING,
            number=1,
            snapshot=snapshot,
            checksum=snapshot_checksum(snapshot),
            state=Submission.State.ACCEPTED,
            reviewed_at=timezone.now(),
        )
    return cycle


def accepted_items(cycle):
    items = {}
    for submission in Submission.objects.filter(cycle=cycle, kind=Deadline.Kind.CODING, state="accepted"):
        items.update({item["id"]: item for item in submission.projects})
    return items


# ---- Enrolment ----------------------------------------------------------------------------------


def test_enrol_takes_the_accepted_coded_lists_with_the_request_as_approved(cycle_1399, personas):
    items = accepted_items(cycle_1399)
    assert items, "the demo's 1399 round has accepted coded lists"
    result = monitoring_enrol(cycle=cycle_1399, user=personas["office"])
    assert result.enrolled == len(items) and result.already == 0 and result.missing == 0
    rows = {row.project_id: row for row in MonitoredProject.objects.filter(project__cycle=cycle_1399)}
    assert set(rows) == set(items)
    for pk, item in items.items():
        assert rows[pk].approved_amount == item["requested_amount"]
        assert rows[pk].approved_from == MonitoredProject.ApprovedFrom.REQUEST
    entry = AuditEntry.objects.get(action="monitoring.enrol")
    assert entry.details["enrolled"] == len(items) and entry.actor == personas["office"]


def test_enrol_is_idempotent_and_keeps_recorded_amounts(cycle_1399, personas):
    monitoring_enrol(cycle=cycle_1399, user=personas["office"])
    first = MonitoredProject.objects.filter(project__cycle=cycle_1399).first()
    enrolment.monitored_set_approved(monitored=first, amount=7, user=personas["office"])
    again = monitoring_enrol(cycle=cycle_1399, user=personas["office"])
    assert again.enrolled == 0 and again.already == MonitoredProject.objects.count()
    first.refresh_from_db()
    assert first.approved_amount == 7


def test_a_list_not_accepted_is_not_monitored(cycle_1399, personas):
    civil_coded = Submission.objects.get(
        cycle=cycle_1399, workgroup__slug="civil", kind="coding", state="accepted"
    )
    Submission.objects.filter(pk=civil_coded.pk).update(state=Submission.State.RETURNED)
    monitoring_enrol(cycle=cycle_1399, user=personas["office"])
    monitored_ids = set(MonitoredProject.objects.values_list("project_id", flat=True))
    assert not monitored_ids & {item["id"] for item in civil_coded.projects}
    assert len(monitored_ids) == len(accepted_items(cycle_1399))


def test_the_current_cycle_has_nothing_to_enrol(demo, personas):
    result = monitoring_enrol(cycle=Cycle.objects.current(), user=personas["office"])
    assert (result.lists, result.enrolled) == (0, 0)


# ---- Typed approved amount ----------------------------------------------------------------------


def test_office_types_an_approved_amount_in_persian_digits(monitored, personas):
    row = monitored[0]
    enrolment.monitored_set_approved(monitored=row, amount="۱۲٬۵۰۰", user=personas["office"])
    row.refresh_from_db()
    assert (row.approved_amount, row.approved_from) == (12500, MonitoredProject.ApprovedFrom.TYPED)
    entry = AuditEntry.objects.get(action="monitoring.approved")
    assert entry.details["after"] == 12500 and entry.details["before"] == row.project.requested_amount
    assert entry.project_id == row.project_id


@pytest.mark.parametrize("typed", ["", "abc", "-5", "12.5"])
def test_a_bad_approved_amount_is_refused_and_nothing_changes(monitored, personas, typed):
    row = monitored[0]
    with pytest.raises(PersianInputError) as error:
        enrolment.monitored_set_approved(monitored=row, amount=typed, user=personas["office"])
    assert str(error.value)
    row.refresh_from_db()
    assert row.approved_from == MonitoredProject.ApprovedFrom.REQUEST
    assert not AuditEntry.objects.filter(action="monitoring.approved").exists()


# ---- The council-approved budget sheet ----------------------------------------------------------


def sheet(rows, header=("شناسه سامانه", "عنوان", APPROVED)):
    return xlsx([header, *rows])


def test_import_by_app_id_and_by_unit_and_ref(monitored, personas):
    first, second = monitored[0], monitored[1]
    by_ref = xlsx(
        [
            ("واحد پیشنهاددهنده", "شناسه", APPROVED),
            (second.project.proposing_unit.code, second.project.ref, "۹۰٬۰۰۰"),
        ]
    )
    result = import_approved(by_ref, cycle=second.project.cycle, user=personas["office"])
    assert not result.has_errors and result.written
    result = import_approved(
        sheet([(first.project_id, first.project.title, 4321)]),
        cycle=first.project.cycle,
        user=personas["office"],
    )
    assert result.totals["updated"] == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.approved_amount, first.approved_from) == (4321, MonitoredProject.ApprovedFrom.IMPORTED)
    assert (second.approved_amount, second.approved_from) == (90000, MonitoredProject.ApprovedFrom.IMPORTED)
    assert AuditEntry.objects.filter(action="monitoring.approved").count() == 2


def test_one_bad_row_writes_nothing_and_every_problem_is_named(monitored, personas):
    first, second = monitored[0], monitored[1]
    stranger = Project.objects.filter(cycle__is_current=True).first()
    result = import_approved(
        sheet(
            [
                (first.project_id, "", 100),  # row 2: fine on its own
                (second.project_id, "", "بسیار"),  # row 3: not an amount
                (stranger.pk, "", 5),  # row 4: not monitored in 1399
                (first.project_id, "", 100),  # row 5: the same project twice
            ]
        ),
        cycle=first.project.cycle,
        user=personas["office"],
    )
    assert result.has_errors and not result.written
    lines = [str(problem) for problem in result.problems]
    assert any(line.startswith(f"ردیف 3: ستون «{APPROVED}»: ") for line in lines)
    assert any(line.startswith("ردیف 4: ستون «شناسه سامانه»: ") and "پایش" in line for line in lines)
    assert any(line.startswith("ردیف 5: ستون «شناسه سامانه»: ") and "ردیف ۲" in line for line in lines)
    first.refresh_from_db()
    assert first.approved_from == MonitoredProject.ApprovedFrom.REQUEST
    assert not AuditEntry.objects.filter(action="monitoring.approved").exists()


def test_a_sheet_without_a_way_to_name_projects_is_refused(monitored, personas):
    result = import_approved(
        (xlsx([("عنوان", APPROVED), ("x", 5)])),
        cycle=monitored[0].project.cycle,
        user=personas["office"],
    )
    assert result.has_errors and "شناسه سامانه" in str(result.problems[0])


def test_a_file_that_is_not_a_workbook_uses_the_import_guards(monitored, personas):
    result = import_approved(
        io.BytesIO(b"a,b\n1,2\n"), cycle=monitored[0].project.cycle, user=personas["office"]
    )
    assert result.has_errors and "xlsx" in str(result.problems[0])


def test_unknown_unit_and_ref_are_named(monitored, personas):
    result = import_approved(
        (xlsx([("واحد پیشنهاددهنده", "شناسه", APPROVED), ("ناکجا", "X-1", 5), ("R01", "NOPE", 5)])),
        cycle=monitored[0].project.cycle,
        user=personas["office"],
    )
    lines = [str(problem) for problem in result.problems]
    assert any(line.startswith("ردیف 2: ستون «واحد پیشنهاددهنده»: ") for line in lines)
    assert any(line.startswith("ردیف 3: ستون «شناسه»: ") for line in lines)


# ---- Pages --------------------------------------------------------------------------------------


def test_setup_page_query_count_does_not_grow_with_the_monitored(
    client, personas, monitored, django_assert_num_queries
):
    client.force_login(personas["office"])
    url = reverse("workgroups:monitoring-setup") + "?cycle=1399"
    # Session, user, office permission (user, groups), the cycle, the cycles, the page's count and
    # rows, the accepted lists.
    with django_assert_num_queries(SETUP_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("data-monitored-id") == len(monitored)
    MonitoredProject.objects.filter(pk__in=[m.pk for m in monitored[: len(monitored) // 2]]).delete()
    with django_assert_num_queries(SETUP_QUERIES):
        client.get(url)


SETUP_QUERIES = 9


def test_enrol_button_and_typed_amount_through_the_pages(client, cycle_1399, personas):
    client.force_login(personas["office"])
    response = client.post(reverse("workgroups:monitoring-enrol"), {"cycle": "۱۳۹۹"}, follow=True)
    assert response.status_code == 200
    assert "پروژه تازه به پایش افزوده شد" in response.content.decode()
    row = MonitoredProject.objects.filter(project__cycle=cycle_1399).first()
    response = client.post(
        reverse("workgroups:monitored-approved", args=[row.pk]), {"amount": "x"}, follow=True
    )
    assert "اعتبار مصوب (میلیون ریال)" in response.content.decode()
    client.post(reverse("workgroups:monitored-approved", args=[row.pk]), {"amount": "۵۵"})
    row.refresh_from_db()
    assert row.approved_amount == 55


def test_import_preview_then_confirm(client, monitored, personas):
    client.force_login(personas["office"])
    first = monitored[0]
    upload = xlsx([("شناسه سامانه", APPROVED), (first.project_id, 777)])
    upload.name = "approved.xlsx"
    response = client.post(reverse("workgroups:approved-import"), {"cycle": "1399", "import_file": upload})
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.approved_amount != 777  # the preview writes nothing
    token = ImportPreview.objects.get(kind="approved").token
    client.post(reverse("workgroups:approved-import-confirm"), {"token": token})
    first.refresh_from_db()
    assert (first.approved_amount, first.approved_from) == (777, "imported")
    # The same preview cannot be confirmed twice.
    response = client.post(reverse("workgroups:approved-import-confirm"), {"token": token}, follow=True)
    assert "پیش‌نمایش این ورود پیدا نشد" in response.content.decode()


def test_import_preview_shows_row_errors(client, monitored, personas):
    client.force_login(personas["office"])
    upload = xlsx([("شناسه سامانه", APPROVED), (monitored[0].project_id, "منفی")])
    upload.name = "approved.xlsx"
    response = client.post(reverse("workgroups:approved-import"), {"cycle": "1399", "import_file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "هیچ مبلغی ثبت نشد" in body and "ردیف ۲: ستون «اعتبار مصوب (میلیون ریال)»" in body
    assert not ImportPreview.objects.exists()
