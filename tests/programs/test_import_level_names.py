"""The level column takes the level's name as well as its number, for both code tables; a message
repeated on many rows is one line, in the command's stderr and in the admin preview."""

import pytest

from programs.importing.codes import import_codes
from programs.models import BudgetCode, ProgramCode

from .workbooks import xlsx

pytestmark = pytest.mark.django_db


def test_operational_plan_levels_in_words_with_spelling_variants():
    rows = [
        ["کد", "عنوان", "سطح"],
        ["9", "حوزه آزمایشی", "حوزه ماموريتي"],  # Arabic ي, no hamza
        ["9-1", "هدف آزمایشی", "هدف\u200cکلان"],  # ZWNJ instead of a space
        ["9-1-1", "راهبرد آزمایشی", "راهبرد"],
        ["9-1-1-01", "برنامه آزمایشی", "برنامه‌ی عملیاتی"],  # ezafe after ZWNJ
        ["8", "حوزه دیگر", "حوزهٔ مأموریتی"],  # ezafe as hamza above
        ["8-1", "هدف دیگر", "۲"],  # numbers still work, in any digits
        ["8-1-1", "راهبرد دیگر", 3],
    ]
    result = import_codes("program", xlsx(rows))
    assert not result.has_errors, [str(p) for p in result.problems]
    levels = dict(ProgramCode.objects.filter(code__regex=r"^[89](-|$)").values_list("code", "level"))
    assert levels == {"9": 1, "9-1": 2, "9-1-1": 3, "9-1-1-01": 4, "8": 1, "8-1": 2, "8-1-1": 3}


def test_budget_circular_levels_in_words():
    rows = [
        ["کد", "عنوان", "سطح"],
        ["9", "فصل آزمایشی", "فصل"],
        ["901", "برنامه آزمایشی", "برنامه"],
        ["90101", "زیربرنامه آزمایشی", "زیر برنامه"],
        ["90101001", "ردیف آزمایشی", "ردیف"],
        ["90101002", "ردیف دیگر", "ردیف بودجه"],
    ]
    result = import_codes("budget", xlsx(rows))
    assert not result.has_errors, [str(p) for p in result.problems]
    assert BudgetCode.objects.get(code="90101002").level == 4
    assert BudgetCode.objects.get(code="90101").level == 3


def test_an_unknown_name_lists_the_names_allowed():
    result = import_codes("program", xlsx([["کد", "عنوان", "سطح"], ["9", "الف", "محور"]]))
    [problem] = result.problems
    assert problem.column == "سطح"
    for name in ("«حوزه مأموریتی»", "«هدف کلان»", "«راهبرد»", "«برنامه عملیاتی»"):
        assert name in problem.message


def test_a_level_that_contradicts_the_parent_is_an_error():
    rows = [["کد", "عنوان", "سطح"], ["9", "الف", "حوزه مأموریتی"], ["9-1", "ب", "راهبرد"]]
    result = import_codes("program", xlsx(rows))
    [problem] = result.problems
    assert problem.row == 3 and problem.column == "سطح"
    assert "۳ (راهبرد)" in problem.message and "۲ (هدف کلان)" in problem.message


def test_one_message_on_many_rows_is_one_line_on_stderr(run_command, tmp_path):
    rows = [["کد", "عنوان", "سطح"]]
    rows += [[f"9-{n}", "عنوان", "سطح نامعلوم"] for n in range(1, 344)]  # rows 2..344
    rows[100][1] = ""  # row 101: one more problem of its own
    rows += [["9", "عنوان", "سطح نامعلوم"]]  # row 345: the parent, with the same mistake
    path = xlsx(rows, path=tmp_path / "levels.xlsx")
    code, out, err = run_command("import_codes", "program", str(path))
    assert code != 0
    lines = err.strip().splitlines()
    grouped = [line for line in lines if line.startswith("ردیف‌های 2 تا 345: ستون «سطح»: سطح «سطح نامعلوم»")]
    assert len(grouped) == 1
    assert "ردیف 101: ستون «عنوان»: عنوان خالی است." in lines
    assert len(lines) < 10


def test_non_contiguous_rows_are_listed_compactly(run_command, tmp_path):
    rows = [["کد", "عنوان", "سطح"]]
    for n in range(1, 12):
        rows.append([f"9-{n}", "عنوان", "نامعلوم" if n not in (4, 5, 9) else 2])
    path = xlsx([["کد", "عنوان"], ["9", "الف"]], path=tmp_path / "parent.xlsx")
    assert run_command("import_codes", "program", str(path))[0] == 0
    path = xlsx(rows, path=tmp_path / "levels.xlsx")
    _code, _out, err = run_command("import_codes", "program", str(path))
    assert "ردیف‌های 2 تا 4، 7 تا 9، 11 تا 12: ستون «سطح»: سطح «نامعلوم»" in err


def test_the_admin_preview_groups_them_too(client, personas):
    client.force_login(personas["office"])
    rows = [["کد", "عنوان", "سطح"]] + [[f"9-{n}", "عنوان", "محور"] for n in range(1, 300)]
    workbook = xlsx(rows)
    workbook.name = "levels.xlsx"
    response = client.post("/admin/programs/programcode/import/", {"import_file": workbook})
    page = response.content.decode()
    assert "۲ تا ۳۰۰" in page
    assert page.count('class="import-error"') == 1
