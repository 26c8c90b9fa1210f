"""A workbook's parsing cost is bounded before it is paid: shared strings, cells, huge texts."""

import pytest

from programs.importing import sheets
from programs.importing.codes import KINDS, import_codes
from programs.models import BudgetCode

from .workbooks import raw_xlsx, sheet_xml

pytestmark = pytest.mark.django_db
SST = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def shared_strings(count, *, text="x"):
    body = "".join(f"<si><t>{text}{n}</t></si>" for n in range(count))
    return f'<sst xmlns="{SST}" count="{count}" uniqueCount="{count}">{body}</sst>'


def refused(fileobj):
    before = BudgetCode.objects.count()
    result = import_codes("budget", fileobj)
    assert result.has_errors and not result.written
    assert BudgetCode.objects.count() == before
    [problem] = result.file_problems
    return problem.message


def never_opened(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the workbook was opened although a limit was passed")

    monkeypatch.setattr(sheets, "_open_workbook", fail)


def test_shared_strings_over_the_count_limit_are_refused_before_openpyxl(settings, monkeypatch):
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    never_opened(monkeypatch)
    message = refused(raw_xlsx(sheet_xml([["کد", "عنوان"]]), shared_strings=shared_strings(1001)))
    assert "۱٬۰۰۰ متن مشترک" in message


def test_shared_strings_at_the_count_limit_pass(settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    result = import_codes(
        "budget", raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "الف"]]), shared_strings=shared_strings(1000))
    )
    assert not result.has_errors, result.problems


def test_shared_strings_over_the_size_limit_are_refused(settings, monkeypatch):
    settings.IMPORT_MAX_SHARED_STRINGS_BYTES = 64 * 1024
    never_opened(monkeypatch)
    message = refused(
        raw_xlsx(sheet_xml([["کد", "عنوان"]]), shared_strings=shared_strings(100, text="y" * 1000))
    )
    assert "جدول متن‌های مشترک" in message and "مگابایت" in message


def test_cells_over_the_limit_are_refused_before_openpyxl(settings, monkeypatch):
    settings.IMPORT_MAX_CELLS = 500
    never_opened(monkeypatch)
    rows = [["کد", "عنوان"]] + [[f"9{n:02d}", "الف"] for n in range(250)]
    assert "۵۰۰ خانه" in refused(raw_xlsx(sheet_xml(rows)))


def test_a_megabyte_without_markup_is_refused(monkeypatch):
    never_opened(monkeypatch)
    message = refused(raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "x" * (2 * 1024 * 1024)]])))
    assert "یک مگابایت" in message


def test_a_cell_longer_than_excel_allows_is_refused():
    message = refused(raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "x" * 40_000]])))
    assert "۳۲٬۷۶۷" in message and "ردیف ۲" in message


def test_a_sheet_without_dimension_is_parsed_once(monkeypatch):
    # openpyxl's read-only sheet parses a sheet without <dimension> in full when the workbook opens.
    parsed = []
    original = sheets._Parser.rows

    def counting(self):
        parsed.append(1)
        yield from original(self)

    monkeypatch.setattr(sheets._Parser, "rows", counting)
    from openpyxl.worksheet._reader import WorkSheetParser

    def no_dimension_probe(self):
        raise AssertionError("openpyxl probed the sheet's size")

    monkeypatch.setattr(WorkSheetParser, "parse_dimensions", no_dimension_probe)
    sheet = sheet_xml([["کد", "عنوان"], ["9", "الف"]]).replace('<dimension ref="A1"/>', "")
    result = import_codes("budget", raw_xlsx(sheet))
    assert not result.has_errors and result.totals["new"] == 1 and parsed == [1]


def test_text_kept_from_the_file_is_bounded(settings):
    settings.IMPORT_MAX_TEXT_CHARS = 1000
    rows = [["کد", "عنوان"]] + [[f"9{n:02d}", "عنوان " * 10] for n in range(30)]
    assert "۱٬۰۰۰ نویسه" in refused(raw_xlsx(sheet_xml(rows)))


def test_a_dtd_hidden_after_padding_is_refused(monkeypatch):
    # Sheets are parsed with the C parser because no part may declare a DTD, anywhere in it.
    never_opened(monkeypatch)
    padding = "<!--" + "x" * 10_000 + "-->"
    prolog = f'<?xml version="1.0"?>{padding}<!DOCTYPE x [<!ENTITY e "boom">]>'
    assert "DTD" in refused(raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "&e;"]], prolog=prolog)))


def test_rich_text_shared_strings_read_as_openpyxl_reads_them():
    strings = (
        f'<sst xmlns="{SST}"><si><t>کد</t></si><si><t>عنوان</t></si>'
        '<si><r><t>عنوان </t></r><r><rPr><b/></rPr><t xml:space="preserve">پررنگ </t></r>'
        "<rPh><t>phonetic</t></rPh></si></sst>"
    )
    sheet = (
        f'<worksheet xmlns="{SST}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        '<c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>9</v></c>'
        '<c r="B2" t="s"><v>2</v></c></row></sheetData></worksheet>'
    )
    table = sheets.read_table(
        raw_xlsx(sheet, shared_strings=strings), KINDS["budget"].columns, key_column="code"
    )
    assert table.rows[0].values["title"] == "عنوان پررنگ "
