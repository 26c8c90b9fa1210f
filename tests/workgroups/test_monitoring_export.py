"""The quarter's Excel export (`manage.py export_monitoring` and the dashboard's button): the same
figures as the dashboard, codes as text cells, Persian headers and messages, one file either way."""

import io

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from workgroups.models import AuditEntry, Workgroup
from workgroups.monitoring import exporting
from workgroups.views.exports import EXPORTS_PER_MINUTE

from .test_monitoring_dashboard import AFTER_DUE, JSON_URL, civil_quarter  # noqa: F401 - a fixture

EXPORT_URL = "/monitoring/export/?year=1399&quarter=1"


def command_rows(tmp_path):
    output = tmp_path / "q1.xlsx"
    with time_machine.travel(AFTER_DUE, tick=False):
        call_command(
            "export_monitoring",
            "--year",
            "1399",
            "--quarter",
            "1",
            "--output",
            str(output),
            stdout=io.StringIO(),
        )
    return openpyxl.load_workbook(output)


def as_values(workbook):
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def column(header):
    return exporting.HEADERS.index(header)


@pytest.mark.usefixtures("civil_quarter")
def test_command_rows_match_the_dashboards_figures(client, personas, tmp_path):
    workbook = command_rows(tmp_path)
    sheet = workbook.active
    assert sheet.sheet_view.rightToLeft
    rows = as_values(workbook)
    headers, rows = rows[0], rows[1:]
    assert headers == exporting.HEADERS
    assert any("پیشرفت فیزیکی" in header for header in headers)
    assert any("جذب" in header for header in headers)

    client.force_login(personas["office"])
    with time_machine.travel(AFTER_DUE, tick=False):
        data = client.get(f"{JSON_URL}?year=1399&quarter=1").json()
    assert len(rows) == data["total"]["due"]
    by_title = {row[column("عنوان پروژه")]: row for row in rows}
    for project in data["projects"]:
        row = by_title[project["title"]]
        assert row[column("اعتبار مصوب (میلیون ریال)")] == project["approved_amount"]
        assert row[column("پیشرفت فیزیکی برنامه‌ای تجمعی (درصد)")] == project["planned_progress"]
        assert row[column("پیشرفت فیزیکی گزارش‌شده تجمعی (درصد)")] == project["reported_progress"]
        assert row[column("اعتبار جذب‌شده تجمعی (میلیون ریال)")] == project["absorbed"]
        assert row[column("درصد جذب اعتبار")] == project["absorption_percent"]
        assert row[column("کد برنامه عملیاتی")] == project["program_code"]
        assert row[column("کد بودجه")] == project["budget_code"]
        assert row[column("تأخیر")].startswith("بله") == project["late"]
    total = data["total"]
    assert sum(row[column("اعتبار جذب‌شده تجمعی (میلیون ریال)")] or 0 for row in rows) == total["absorbed"]
    assert sum(row[column("تأخیر")] == "بله، گزارش نرسیده" for row in rows) == total["missing"]
    assert sum(row[column("جذب بیش از مصوب")] == "بله" for row in rows) == total["flagged"]
    assert sum(row[column("وضعیت گزارش")] == "تأییدشده" for row in rows) == total["verified"]
    late = next(row for row in rows if row[column("وضعیت اجرا")] == "با تأخیر")
    assert late[column("تأخیر")] == "بله، ۲ روز"
    # Jalali dates with Persian digits.
    assert late[column("مهلت گزارش")] == "۱۳۹۹/۰۴/۱۵ ۲۳:۵۹"
    assert late[column("زمان ارسال")] == "۱۳۹۹/۰۴/۱۸ ۰۰:۰۰"


@pytest.mark.usefixtures("civil_quarter")
def test_codes_are_text_cells(tmp_path):
    sheet = command_rows(tmp_path).active
    program, budget = column("کد برنامه عملیاتی") + 1, column("کد بودجه") + 1
    coded = [row for row in sheet.iter_rows(min_row=2) if row[budget - 1].value]
    assert coded
    for row in coded:
        assert row[budget - 1].data_type == "s"
        assert isinstance(row[budget - 1].value, str)
        if row[program - 1].value:
            assert row[program - 1].data_type == "s"


@pytest.mark.parametrize(
    ("year", "quarter", "message"),
    [
        ("1390", "1", "سال مالی ۱۳۹۰ در سامانه نیست."),
        ("1399", "5", "فصل باید عددی از ۱ تا ۴ باشد، نه ۵."),
        ("1399", "3", "فصل پاییز سال ۱۳۹۹ برای گزارش پایش گشوده نشده است."),
    ],
)
@pytest.mark.usefixtures("civil_quarter")
def test_a_quarter_that_does_not_exist_is_refused_in_persian(tmp_path, year, quarter, message):
    output = tmp_path / "x.xlsx"
    with pytest.raises(CommandError) as error:
        call_command("export_monitoring", "--year", year, "--quarter", quarter, "--output", str(output))
    assert str(error.value) == message
    assert not output.exists()


@pytest.mark.usefixtures("civil_quarter")
def test_the_buttons_file_equals_the_commands(client, personas, tmp_path):
    expected = as_values(command_rows(tmp_path))
    client.force_login(personas["office"])
    with time_machine.travel(AFTER_DUE, tick=False):
        response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="monitoring-1399-q1-')
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert as_values(workbook) == expected
    entry = AuditEntry.objects.filter(action="export.monitoring", actor=personas["office"]).get()
    assert entry.details == {"year": 1399, "quarter": 1, "rows": len(expected) - 1}


@pytest.mark.usefixtures("civil_quarter")
def test_a_heads_button_exports_its_workgroup_only(client, personas):
    client.force_login(personas["head_a"])
    response = client.get(EXPORT_URL)
    rows = as_values(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))))[1:]
    assert len(rows) == 9
    assert {row[0] for row in rows} == {Workgroup.objects.get(slug="civil").name}


@pytest.mark.usefixtures("civil_quarter")
def test_the_button_is_rate_limited_like_the_list_exports(client, personas):
    client.force_login(personas["office"])
    with time_machine.travel(AFTER_DUE, tick=False):
        for _ in range(EXPORTS_PER_MINUTE):
            assert client.get(EXPORT_URL).status_code == 200
        assert client.get(EXPORT_URL).status_code == 429


@pytest.mark.usefixtures("civil_quarter")
def test_a_head_stopped_by_the_limit_is_sent_back_to_its_dashboard(client, personas):
    client.force_login(personas["head_a"])
    with time_machine.travel(AFTER_DUE, tick=False):
        for _ in range(EXPORTS_PER_MINUTE):
            assert client.get(EXPORT_URL).status_code == 200
        page = client.get(EXPORT_URL)
    assert page.status_code == 429
    back = reverse("workgroups:monitoring-dashboard")
    assert f'href="{back}"' in page.content.decode()
    assert client.get(back).status_code == 200
