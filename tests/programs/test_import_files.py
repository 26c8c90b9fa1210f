"""Hostile and malformed files: each is refused with a Persian message, nothing is written."""

import io
import zipfile

import pytest

from programs.importing.codes import import_codes
from programs.models import BudgetCode

from .workbooks import WORKBOOK_TYPE, raw_xlsx, rewritten, sheet_xml, xlsx

pytestmark = pytest.mark.django_db

BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def refused(fileobj):
    before = BudgetCode.objects.count()
    result = import_codes("budget", fileobj)
    assert result.has_errors and not result.written
    assert BudgetCode.objects.count() == before
    [problem] = result.file_problems
    assert problem.row is None and problem.message
    return problem.message


def test_csv_renamed_to_xlsx():
    assert "xlsx" in refused(io.BytesIO("کد,عنوان\n9,الف\n".encode()))


def test_truncated_zip():
    data = xlsx([["کد", "عنوان"], ["9", "الف"]]).getvalue()
    assert "خراب" in refused(io.BytesIO(data[: len(data) // 2]))


def test_encrypted_workbook_or_old_xls():
    assert "رمزدار" in refused(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600))


def test_macro_enabled_workbook():
    assert "xlsm" in refused(
        raw_xlsx(
            sheet_xml([["کد", "عنوان"]]), content_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        )
    )


def test_word_document_renamed():
    doc = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    assert "Word" in refused(raw_xlsx(sheet_xml([["کد", "عنوان"]]), content_type=doc))


def test_empty_file_and_empty_workbook():
    assert refused(io.BytesIO(b""))
    assert "عنوان ستون" in refused(xlsx([]))


def test_over_the_size_cap(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 4096
    big = xlsx([["کد", "عنوان"]] + [[f"9{n:02d}", "عنوان بلند " * 5] for n in range(100)])
    assert "حجم فایل" in refused(big)


def test_zip_bomb_refused_by_declared_size(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    huge_cell = "x" * (3 * 1024 * 1024)  # compresses to a few KB
    message = refused(raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", huge_cell]])))
    assert "حجم بازشده" in message


def test_too_many_members():
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="{WORKBOOK_TYPE}"/></Types>')
        for number in range(10_001):
            archive.writestr(f"x/{number}", "")
    assert "جزء" in refused(stream)


def test_row_cap(settings):
    settings.IMPORT_MAX_ROWS = 50
    assert "ردیف داده" in refused(xlsx([["کد", "عنوان"]] + [[f"9{n:02d}", "الف"] for n in range(60)]))


@pytest.mark.parametrize("prolog", [BOMB, XXE])
def test_entities_in_sheet_refused(prolog):
    assert "XML" in refused(raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "&lol3;"]], prolog=prolog)))


@pytest.mark.parametrize("prolog", [BOMB, XXE])
def test_entities_in_shared_strings_refused(prolog):
    strings = f'{prolog}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>کد</t></si></sst>'
    assert "XML" in refused(raw_xlsx(sheet_xml([["کد", "عنوان"]]), shared_strings=strings))


def test_a_sheet_not_named_xml_is_read_through_the_relationships():
    # openpyxl finds a sheet by the workbook's relationships, not by its name: the checks must
    # therefore scan every part, whatever it is called (the two tests below).
    package = raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "الف"]]))
    result = import_codes(
        "budget", rewritten(package, rename=[("xl/worksheets/sheet1.xml", "xl/worksheets/s.dat")])
    )
    assert not result.has_errors and result.totals["new"] == 1


@pytest.mark.parametrize("prolog", [BOMB, XXE])
def test_entities_in_a_sheet_not_named_xml_refused_before_any_parser(prolog, monkeypatch):
    package = raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "&lol3;"]], prolog=prolog))
    monkeypatch.setattr("programs.importing.sheets._open_workbook", never_parsed)
    message = refused(rewritten(package, rename=[("xl/worksheets/sheet1.xml", "xl/worksheets/s.dat")]))
    assert "DTD" in message


def test_cells_of_a_sheet_not_named_xml_count_against_the_limit(settings, monkeypatch):
    settings.IMPORT_MAX_CELLS = 20
    package = raw_xlsx(sheet_xml([["کد", "عنوان"]] + [[f"9{n:02d}", "الف"] for n in range(20)]))
    monkeypatch.setattr("programs.importing.sheets._open_workbook", never_parsed)
    message = refused(rewritten(package, rename=[("xl/worksheets/sheet1.xml", "xl/worksheets/s.png.x")]))
    assert "خانه" in message


def never_parsed(*args, **kwargs):
    raise AssertionError("the file reached a parser")


def test_wrong_dimension_does_not_truncate():
    rows = [["کد", "عنوان"]] + [[f"9{n:02d}", f"برنامه {n}"] for n in range(10, 60)]
    result = import_codes(
        "budget", raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "الف"]] + rows[1:], dimension="A1"))
    )
    assert not result.has_errors and result.totals["new"] == 51


def test_million_formatted_empty_rows_are_ignored():
    empty = "".join(f'<row r="{n}" s="0" customFormat="1" ht="12.8"/>' for n in range(4, 2**20 + 1))
    sheet = sheet_xml(
        [["کد", "عنوان"], ["9", "الف"], ["901", "ب"]], dimension="A1:B1048576", extra_rows=empty
    )
    result = import_codes("budget", raw_xlsx(sheet))
    assert not result.has_errors and result.totals["new"] == 2


def test_external_links_are_not_followed(tmp_path):
    extra = {
        "xl/externalLinks/externalLink1.xml": (
            '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>'
            "</externalLink>"
        ),
        "xl/externalLinks/_rels/externalLink1.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            'Target="http://example.invalid/x.xlsx" TargetMode="External"/></Relationships>'
        ),
    }
    result = import_codes("budget", raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "الف"]]), extra_members=extra))
    assert not result.has_errors
