"""The admin's add and change forms of the code tables run the import's rules, and `check_codes`
reports codes already stored that the import would refuse."""

import io

import pytest
from django.core.management import call_command

from programs.models import BudgetCode, ProgramCode
from workgroups.models import Project

pytestmark = pytest.mark.django_db
BUDGET_ADD = "/admin/programs/budgetcode/add/"
PROGRAM_ADD = "/admin/programs/programcode/add/"


@pytest.fixture
def office(client, personas):
    client.force_login(personas["office"])
    return client


def add(client, url, **data):
    return client.post(url, {"is_active": "on", **data})


def test_the_reported_code_is_refused(office):
    # «<b>x» at level 4 without a parent: added by hand, it reached the code search and a project.
    response = add(office, BUDGET_ADD, code="<b>x", title="x", level="4")
    assert response.status_code == 200
    assert "فقط باید رقم" in response.content.decode()
    assert not BudgetCode.objects.filter(code__contains="x").exists()


def test_a_budget_line_gets_its_parent_and_level_from_the_scheme(office):
    parent = BudgetCode.objects.get(code="50101")
    response = add(office, BUDGET_ADD, code="۵-۰۱-۰۱-۰۹۹", title="ردیف تازه", credit_type="capital")
    assert response.status_code == 302, response.content.decode()[:2000]
    code = BudgetCode.objects.get(code="50101099")
    assert code.parent == parent and code.level == 4


def test_a_parent_that_is_not_one_level_up_is_refused(office):
    wrong = BudgetCode.objects.get(code="5")
    response = add(office, BUDGET_ADD, code="50101098", title="ردیف", parent=wrong.pk)
    assert response.status_code == 200 and "والد" in response.content.decode()
    assert not BudgetCode.objects.filter(code="50101098").exists()


def test_a_missing_parent_is_refused(office):
    response = add(office, BUDGET_ADD, code="90101001", title="بی‌والد")
    assert response.status_code == 200 and "کد والد «90101»" in response.content.decode()


def test_a_program_code_under_its_parent(office):
    response = add(office, PROGRAM_ADD, code="5/1/1/77", title="برنامه تازه")
    assert response.status_code == 302
    code = ProgramCode.objects.get(code="5-1-1-77")
    assert code.parent.code == "5-1-1" and code.level == 4


def test_no_child_under_a_code_that_projects_use(office):
    used = (
        Project.objects.filter(budget_code__isnull=False).values_list("budget_code__code", flat=True).first()
    )
    assert used
    response = add(office, BUDGET_ADD, code=f"{used}1", title="زیرکد")
    assert response.status_code == 200
    # An 8-digit line has no deeper level at all; a used program code is refused for its projects.
    used_program = Project.objects.filter(program_code__isnull=False).values_list(
        "program_code__code", flat=True
    )
    response = add(office, PROGRAM_ADD, code=f"{used_program.first()}-1", title="زیرکد")
    assert response.status_code == 200 and "پروژه" in response.content.decode()


def test_change_form_keeps_the_rules(office):
    code = BudgetCode.objects.get(code="50101001")
    url = f"/admin/programs/budgetcode/{code.pk}/change/"
    response = office.post(
        url,
        {
            "code": "50101001",
            "title": "عنوان تازه",
            "parent": code.parent_id,
            "is_active": "on",
            "credit_type": "capital",
        },
    )
    assert response.status_code == 302
    code.refresh_from_db()
    assert code.title == "عنوان تازه" and code.level == 4
    response = office.post(url, {"code": "5x", "title": "عنوان", "parent": code.parent_id, "is_active": "on"})
    assert response.status_code == 200


def test_check_codes_reports_stored_invalid_codes():
    out, err = io.StringIO(), io.StringIO()
    call_command("check_codes", stdout=out, stderr=err)
    assert out.getvalue().strip() == "check_codes: 0 problem(s)"
    BudgetCode.objects.create(code="<b>x", title="x", level=4)
    ProgramCode.objects.create(code="5-1-1-88", title="بی‌والد", level=4)  # its parent 5-1-1 exists
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_codes", stdout=out, stderr=err)
    assert exit_info.value.code == 1
    report = err.getvalue()
    assert "<b>x" in report and "5-1-1-88" in report
