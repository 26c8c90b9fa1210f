"""Importing code tables: the code schemes, messy files, validation, hierarchy and re-import."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karaj_budget.persian import PersianInputError
from programs.codes import normalize_budget_code, normalize_program_code, parse_credit_type
from programs.importing.codes import import_codes
from programs.models import BudgetCode, CodeImport, ProgramCode

from .workbooks import xlsx

pytestmark = pytest.mark.django_db

# --- the schemes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "50101001",
        "۵۰۱۰۱۰۰۱",
        "٥٠١٠١٠٠١",
        "۵۰١٠١۰۰۱",
        "۵-۰۱-۰۱-۰۰۱",
        "5/01/01/001",
        "5 01 01 001",
        50101001,
        50101001.0,
    ],
)
def test_budget_code_forms_normalise_to_digits(value):
    assert normalize_budget_code(value) == "50101001"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("5.01.01.001", "نقطه"),
        ("50101001.0", ".0"),
        ("5O101001", "لاتین «O»"),
        ("5l101001", "لاتین «l»"),
        ("5I101001", "لاتین «I»"),
        ("1234567", "۷ رقمی"),
        (1010100, "صفر اول"),  # 01010100 typed as a number
        (1.234567890123457e18, "ناامن"),
        ("", "خالی"),
    ],
)
def test_budget_code_refusals_say_why(value, fragment):
    with pytest.raises(PersianInputError, match=fragment):
        normalize_budget_code(value)


@pytest.mark.parametrize("value", ["5-1-1-01", "۵-۱-۱-۰۱", "5/1/1/01", "5–1–1–01", "5 1 1 01", " 5-1-1-01 "])
def test_program_code_forms(value):
    assert normalize_program_code(value) == "5-1-1-01"


@pytest.mark.parametrize("value", ["5.1.1.01", "5-1-1-O1", "5--1", "الف-1"])
def test_program_code_refusals(value):
    with pytest.raises(PersianInputError):
        normalize_program_code(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("تملک دارایی‌های سرمایه‌ای", "capital"), ("تملك", "capital"), ("سرمایه ای", "capital"),
     ("هزینه‌ای", "current"), ("current", "current"), ("", "")],
)  # fmt: skip
def test_credit_types(value, expected):
    assert parse_credit_type(value) == expected


# --- files as people make them --------------------------------------------------------------------


def test_messy_budget_file_imports(run_command, tmp_path):
    path = xlsx(
        [
            ["عنوان", "\ufeffكد", "نوع  اعتبار", "Parent Code", "توضیح"],  # Arabic kaf, BOM, extra column
            ["حمل و نقل ریلی آزمایشی", 9, None, None, ""],  # a number in the code column
            ["برنامه ريلي", "۹۰۱", None, "9", None],
            [None, None, None, None, None],
            ["زیربرنامه", "9-01-01", None, None, None],
            ['=HYPERLINK("x")', "9-01-01-001", "تملک", None, None],
            ["جمع کل", None, None, None, None],
        ],
        title_rows=[["کدهای بخشنامه بودجه"], [], []],
        rtl=True,
        text_cells=["A9"],
        path=tmp_path / "budget.xlsx",
    )
    code, out, err = run_command("import_codes", "budget", str(path))
    assert (code, err) == (0, "")
    assert "new=4 updated=0 unchanged=0" in out
    line = BudgetCode.objects.get(code="90101001")
    assert line.title == '=HYPERLINK("x")'  # a title, kept as typed
    assert line.parent.code == "90101" and line.parent.parent.parent.code == "9"
    assert line.credit_type == "capital" and line.level == 4
    assert BudgetCode.objects.get(code="901").title == "برنامه ریلی"
    assert CodeImport.objects.filter(scheme="budget").exists()


def test_english_headers_shuffled_columns_and_data_on_another_sheet(run_command, tmp_path):
    import openpyxl

    from .workbooks import save

    workbook = openpyxl.Workbook()
    workbook.active.title = "راهنما"
    workbook.active.append(["این برگه راهنماست"])
    sheet = workbook.create_sheet("codes")
    sheet.append(["Title", "LEVEL", "code", "parent_code"])
    sheet.append(["ماموریت آزمایشی", 1, "8", None])
    sheet.append(["هدف", 2, "8-1", "8"])
    path = save(workbook, tmp_path / "program.xlsx")
    code, out, err = run_command("import_codes", "program", str(path))
    assert code == 0, err
    assert ProgramCode.objects.get(code="8-1").parent.code == "8"


def test_reimport_is_idempotent_and_reports_changes(run_command, tmp_path):
    rows = [["کد", "عنوان"], ["9", "الف"], ["9-1", "ب"], ["9-1-1", "پ"]]
    path = xlsx(rows, path=tmp_path / "a.xlsx")
    assert "new=3" in run_command("import_codes", "program", str(path))[1]
    code, out, _ = run_command("import_codes", "program", str(path))
    assert code == 0 and "new=0 updated=0 unchanged=3" in out
    assert ProgramCode.objects.filter(code__startswith="9").count() == 3
    rows[2][1] = "ب تازه"
    out = run_command("import_codes", "program", str(xlsx(rows, path=tmp_path / "b.xlsx")))[1]
    assert "new=0 updated=1 unchanged=2" in out
    assert ProgramCode.objects.get(code="9-1").title == "ب تازه"


def test_missing_codes_reported_and_deactivated_only_on_request(run_command, tmp_path):
    path = xlsx([["کد", "عنوان"], ["9", "الف"], ["901", "ب"]], path=tmp_path / "a.xlsx")
    run_command("import_codes", "budget", str(path))
    demo_codes = BudgetCode.objects.exclude(code__startswith="9").count()
    path = xlsx([["کد", "عنوان"], ["9", "الف"]], path=tmp_path / "b.xlsx")
    code, out, _ = run_command("import_codes", "budget", str(path))
    assert code == 0 and f"missing={demo_codes + 1}" in out
    assert BudgetCode.objects.get(code="901").is_active
    code, out, _ = run_command("import_codes", "budget", str(path), "--deactivate-missing")
    assert code == 0 and f"deactivated={demo_codes + 1}" in out
    assert not BudgetCode.objects.get(code="901").is_active
    assert BudgetCode.objects.filter(code="50101001").exists()  # never deleted: projects refer to it


def test_dry_run_writes_nothing(run_command, tmp_path):
    path = xlsx([["کد", "عنوان"], ["9", "الف"]], path=tmp_path / "a.xlsx")
    code, out, _ = run_command("import_codes", "budget", str(path), "--dry-run")
    assert code == 0 and "new=1" in out and "dry run" in out
    assert not BudgetCode.objects.filter(code="9").exists()


# --- bad rows -------------------------------------------------------------------------------------


def _errors(run_command, tmp_path, kind, rows, **options):
    path = xlsx(rows, path=tmp_path / "bad.xlsx", **options)
    before = (ProgramCode.objects.count(), BudgetCode.objects.count())
    code, out, err = run_command("import_codes", kind, str(path))
    assert code != 0
    assert "nothing saved" in out
    assert (ProgramCode.objects.count(), BudgetCode.objects.count()) == before
    return err.splitlines()


def test_bad_budget_rows_each_named_by_row_and_column(run_command, tmp_path):
    lines = _errors(
        run_command,
        tmp_path,
        "budget",
        [
            ["کد", "عنوان", "کد والد", "نوع اعتبار"],
            ["9", "الف", None, None],  # row 2: fine
            ["901", "   ", None, None],  # row 3: empty title
            ["5O101001", "ب", None, None],  # row 4: Latin O
            ["9.01", "پ", None, None],  # row 5: a dot
            ["90101001", "ت", None, None],  # row 6: parent 90101 unknown
            ["۹", "ث", None, None],  # row 7: duplicate of row 2 in Persian digits
            ["902", "ج", "8", None],  # row 8: parent against the scheme
            ["9020", "چ", None, None],  # row 9: wrong length
            ["903", "ح", None, "نامعلوم"],  # row 10: unknown credit type
            ["904", "x" * 501, None, None],  # row 11: too long
            ["50101001.0", "د", None, None],  # row 12: float text
        ],
    )
    joined = "\n".join(lines)
    assert "ردیف 3: ستون «عنوان»: عنوان خالی است." in lines
    assert "ردیف 4: ستون «کد»:" in joined and "لاتین" in joined
    assert "ردیف 5: ستون «کد»:" in joined
    assert "ردیف 6: ستون «کد»: کد والد «90101»" in joined
    assert "ردیف 7: ستون «کد»: کد «9» تکراری است؛ در ردیف 2" in joined
    assert "ردیف 8: ستون «کد والد»:" in joined
    assert "ردیف 9: ستون «کد»:" in joined
    assert "ردیف 10: ستون «نوع اعتبار»:" in joined
    assert "ردیف 11: ستون «عنوان»:" in joined
    assert "ردیف 12: ستون «کد»:" in joined
    assert len(lines) == 10


def test_program_hierarchy_problems(run_command, tmp_path):
    lines = _errors(
        run_command,
        tmp_path,
        "program",
        [
            ["کد", "عنوان", "کد والد", "سطح"],
            ["91", "الف", "92", None],  # rows 2–3: a cycle
            ["92", "ب", "91", None],
            ["93", "پ", "93", None],  # self-parent
            ["94", "ت", None, None],
            ["94-1", "ث", None, 4],  # wrong level
            ["95-1", "ج", None, None],  # parent 95 nowhere
        ],
    )
    joined = "\n".join(lines)
    assert "ردیف 2: ستون «کد والد»:" in joined and "ردیف 3: ستون «کد والد»:" in joined and "چرخه" in joined
    assert "ردیف 4: ستون «کد والد»: کد «93» نمی‌تواند والد خودش باشد." in joined
    assert "ردیف 6: ستون «سطح»:" in joined
    assert "ردیف 7: ستون «کد»: کد والد «95»" in joined


def test_child_before_parent_and_parent_in_database(run_command, tmp_path):
    path = xlsx(
        [["کد", "عنوان"], ["9-1-1", "پ"], ["9-1", "ب"], ["9", "الف"], ["5-1-1-99", "زیر کد موجود"]],
        path=tmp_path / "a.xlsx",
    )
    code, _, err = run_command("import_codes", "program", str(path))
    assert code == 0, err
    assert ProgramCode.objects.get(code="9-1-1").parent.code == "9-1"
    assert ProgramCode.objects.get(code="5-1-1-99").parent == ProgramCode.objects.get(code="5-1-1")
    assert ProgramCode.objects.get(code="5-1-1-99").level == 4


def test_formula_without_cached_value_and_excel_errors(run_command, tmp_path):
    from .workbooks import raw_xlsx, sheet_xml

    sheet = sheet_xml(
        [["کد", "عنوان"], ["9", "الف"]],
        extra_rows=(
            '<row r="3"><c r="A3" t="inlineStr"><is><t>901</t></is></c><c r="B3"><f>A2&amp;"x"</f></c></row>'
            '<row r="4"><c r="A4" t="inlineStr"><is><t>902</t></is></c><c r="B4" t="e"><v>#REF!</v></c></row>'
            '<row r="5"><c r="A5" t="inlineStr"><is><t>903</t></is></c>'
            '<c r="B5" t="str"><f>"عنوان"</f><v>عنوان محاسبه‌شده</v></c></row>'
        ),
    )
    path = tmp_path / "f.xlsx"
    path.write_bytes(raw_xlsx(sheet).getvalue())
    code, _, err = run_command("import_codes", "budget", str(path))
    assert code == 1
    assert "ردیف 3: ستون «عنوان»: فرمول" in err and "مقدار ذخیره‌شده ندارد" in err
    assert "ردیف 4: ستون «عنوان»: خانه خطای اکسل «#REF!» دارد." in err
    assert "ردیف 5" not in err  # a formula with a cached value is read by its value


def test_unknown_deputy_and_deputy_by_name(run_command, tmp_path):
    path = xlsx(
        [["کد", "عنوان", "معاونت"], ["9", "الف", "معاونت حمل‌ونقل و ترافیک"], ["9-1", "ب", "D5"]],
        path=tmp_path / "a.xlsx",
    )
    assert run_command("import_codes", "program", str(path))[0] == 0
    assert ProgramCode.objects.get(code="9").deputy.code == "D5"
    path = xlsx([["کد", "عنوان", "معاونت"], ["9", "الف", "معاونت فضایی"]], path=tmp_path / "b.xlsx")
    code, _, err = run_command("import_codes", "program", str(path))
    assert code == 1 and "ردیف 2: ستون «معاونت»:" in err


def test_missing_required_column_is_one_clear_message(run_command, tmp_path):
    path = xlsx([["کد", "شرح کار"], ["9", "الف"]], path=tmp_path / "a.xlsx")
    code, _, err = run_command("import_codes", "budget", str(path))
    assert code == 1 and "«عنوان»" in err and "پیدا نشد" in err


def test_bulk_import_costs_a_few_queries(tmp_path):
    rows = [["کد", "عنوان"], ["9", "الف"]]
    rows += [[f"9{p:02d}", f"برنامه {p}"] for p in range(10, 60)]
    rows += [[f"9{p:02d}{s:02d}", f"زیر {p} {s}"] for p in range(10, 60) for s in range(1, 11)]
    path = xlsx(rows, path=tmp_path / "big.xlsx")
    with CaptureQueriesContext(connection) as queries, path.open("rb") as fileobj:
        result = import_codes("budget", fileobj)
    assert not result.has_errors and result.totals["new"] == 551
    assert len(queries) <= 15
