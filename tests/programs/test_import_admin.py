"""The admin's import: upload → preview → confirm, permissions, and a tampered confirm step."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission

from programs.models import BudgetCode, CodeImport, ProgramCode
from workgroups.models import Cycle, Project

from .workbooks import xlsx

pytestmark = pytest.mark.django_db

IMPORT = "/admin/programs/programcode/import/"
PROCESS = "/admin/programs/programcode/process_import/"


def upload(client, url, rows, **data):
    workbook = xlsx(rows)
    workbook.name = "codes.xlsx"
    return client.post(url, {"import_file": workbook, **data})


@pytest.fixture
def office_client(client, personas):
    # Budget office staff: may add and change code tables, so may import them.
    client.force_login(personas["office"])
    return client


def test_preview_then_confirm(office_client):
    rows = [
        ["کد", "عنوان"],
        ["9", "الف"],
        ["5-1-1-01", "تکمیل و بهره‌برداری خطوط قطار شهری"],
        ["5-1", "عنوان تازه"],
    ]
    response = upload(office_client, IMPORT, rows)
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        'data-status="new"' in page and 'data-status="unchanged"' in page and 'data-status="updated"' in page
    )
    assert not ProgramCode.objects.filter(code="9").exists()  # the preview writes nothing
    token = response.context["token"]
    response = office_client.post(PROCESS, {"import_file_name": token})
    assert response.status_code == 302
    assert ProgramCode.objects.get(code="9").title == "الف"
    assert ProgramCode.objects.get(code="5-1").title == "عنوان تازه"
    assert CodeImport.objects.filter(scheme="program", user__username="office").exists()
    # The token is spent: posting it again does nothing.
    assert office_client.post(PROCESS, {"import_file_name": token}).status_code == 400


def test_preview_lists_errors_by_row_and_column_and_offers_no_confirm(office_client):
    response = upload(office_client, IMPORT, [["کد", "عنوان"], ["9", " "], ["5O1", "ب"]])
    page = response.content.decode()
    assert response.context["token"] is None
    assert "عنوان خالی است" in page and "لاتین" in page
    assert 'name="import_file_name"' not in page


def test_hostile_file_is_a_message_not_a_500(office_client):
    bogus = io.BytesIO(b"not a spreadsheet at all")
    bogus.name = "codes.xlsx"
    response = office_client.post(IMPORT, {"import_file": bogus})
    assert response.status_code == 200
    assert "xlsx" in response.content.decode() and response.context["token"] is None


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "0" * 32, "tmp1234.xlsx", ""])
def test_tampered_import_file_name_is_refused(office_client, name):
    response = office_client.post(PROCESS, {"import_file_name": name})
    assert response.status_code == 400
    assert "دوباره بارگذاری" in response.content.decode()


def test_another_users_upload_cannot_be_confirmed(client, personas, django_user_model):
    client.force_login(personas["office"])
    token = upload(client, IMPORT, [["کد", "عنوان"], ["9", "الف"]]).context["token"]
    other = django_user_model.objects.create_user("other_office", password="x", is_staff=True)
    other.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_programcode", "view_programcode"])
    )
    client.force_login(other)
    assert client.post(PROCESS, {"import_file_name": token}).status_code == 400
    assert not ProgramCode.objects.filter(code="9").exists()


def test_budget_code_token_cannot_be_used_on_program_codes(office_client):
    token = upload(
        office_client, "/admin/programs/budgetcode/import/", [["کد", "عنوان"], ["9", "الف"]]
    ).context["token"]
    assert office_client.post(PROCESS, {"import_file_name": token}).status_code == 400
    assert not BudgetCode.objects.filter(code="9").exists()


@pytest.mark.parametrize(
    "url",
    [
        IMPORT,
        PROCESS,
        "/admin/programs/programcode/export/",
        "/admin/programs/programcode/import/template/",
        "/admin/programs/budgetcode/import/",
        "/admin/workgroups/project/import/",
        "/admin/workgroups/project/process_import/",
    ],
)
def test_staff_without_permission_gets_403(client, django_user_model, url):
    # A staff user with no model permissions: reaches the admin, may not import or export.
    user = django_user_model.objects.create_user("bare_staff", password="x", is_staff=True)
    client.force_login(user)
    response = client.post(url) if "process_import" in url else client.get(url)
    assert response.status_code == 403


def test_view_only_user_may_export_but_not_import(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_programcode"))
    client.force_login(user)
    assert client.get(IMPORT).status_code == 403
    assert client.get("/admin/programs/programcode/export/").status_code == 200


def test_template_download_has_headers_and_an_example_row(office_client):
    response = office_client.get("/admin/programs/budgetcode/import/template/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("کد", "عنوان") and rows[1][0] == "50101001"
    response = office_client.get("/admin/workgroups/project/import/template/")
    header = next(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert "واحد پیشنهاددهنده" in header and "شناسه" in header


def test_template_imports_as_is(office_client):
    # The example row of the budget template names a parent that the demo does not have.
    response = office_client.get("/admin/workgroups/project/import/template/")
    content = io.BytesIO(response.content)
    content.name = "projects.xlsx"
    cycle = Cycle.objects.get(fiscal_year=1399)
    response = office_client.post(
        "/admin/workgroups/project/import/", {"import_file": content, "cycle": cycle.pk}
    )
    assert response.status_code == 200 and response.context["token"], response.context["result"].problems
    assert (
        office_client.post(
            "/admin/workgroups/project/process_import/", {"import_file_name": response.context["token"]}
        ).status_code
        == 302
    )
    assert Project.objects.filter(ref="R05-1399-01", cycle=cycle).exists()


def test_export_keeps_formula_like_titles_as_text(office_client):
    ProgramCode.objects.create(code="9", title="=1+1")
    response = office_client.post(
        "/admin/programs/programcode/export/",
        {"format": "0", "resource": "0", "programcoderesource_code": "on", "programcoderesource_title": "on"},
    )
    assert response.status_code == 200, response.content[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == "=1+1"]
    assert cells and all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
