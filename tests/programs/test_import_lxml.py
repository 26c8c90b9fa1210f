"""Hostile workbooks are refused the same way with lxml installed (requirements.txt).

lxml makes the export's XML writer faster (docs/performance.md, "lxml for openpyxl"). With it,
openpyxl also parses an uploaded workbook's package parts (content types, relationships, workbook,
styles) with lxml instead of defusedxml; its streaming parser for sheets and shared strings stays
defusedxml's, and the import reads those two with the standard library's parser. None of that may
change what is refused: `files.check_workbook` scans every part for a DTD and counts shared strings
and cells before any parser runs.
"""

import openpyxl.xml
import pytest
from openpyxl.xml.functions import fromstring

from programs.importing import sheets
from programs.importing.codes import import_codes
from programs.models import BudgetCode

from .test_import_files import BOMB, XXE
from .workbooks import raw_xlsx, rewritten, sheet_xml

pytestmark = pytest.mark.django_db
SST = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Parts openpyxl itself parses with lxml when it is installed.
PACKAGE_PARTS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]


def refused_before_any_parser(fileobj, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the file reached a parser")

    monkeypatch.setattr(sheets, "_open_workbook", fail)
    before = BudgetCode.objects.count()
    result = import_codes("budget", fileobj)
    assert result.has_errors and not result.written
    assert BudgetCode.objects.count() == before
    [problem] = result.file_problems
    return problem.message


def test_openpyxl_uses_lxml_here():
    # The suite runs with the parser production has: lxml is a requirement.
    assert openpyxl.xml.LXML, "lxml is missing: pip install -r requirements.txt"
    assert openpyxl.xml.DEFUSEDXML  # still required by files.check_workbook


@pytest.mark.parametrize("part", PACKAGE_PARTS)
@pytest.mark.parametrize("prolog", [BOMB, XXE], ids=["entity-expansion", "external-entity"])
def test_dtd_in_a_part_lxml_would_parse_is_refused(part, prolog, monkeypatch):
    package = rewritten(raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "الف"]])), prologs={part: prolog})
    # The content types are read by files.py itself, with defusedxml: "unsafe" there too.
    assert "ناامن" in refused_before_any_parser(package, monkeypatch)


@pytest.mark.parametrize("prolog", [BOMB, XXE], ids=["entity-expansion", "external-entity"])
def test_dtd_in_a_workbook_part_not_named_xml_is_refused(prolog, monkeypatch):
    package = rewritten(
        raw_xlsx(sheet_xml([["کد", "عنوان"], ["9", "الف"]])),
        prologs={"xl/workbook.xml": prolog},
        rename=[("xl/workbook.xml", "xl/book.dat")],
    )
    assert "DTD" in refused_before_any_parser(package, monkeypatch)


def test_huge_shared_strings_are_refused_before_any_parser(settings, monkeypatch):
    settings.IMPORT_MAX_SHARED_STRINGS = 1000
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(5000))
    package = raw_xlsx(sheet_xml([["کد", "عنوان"]]), shared_strings=f'<sst xmlns="{SST}">{strings}</sst>')
    assert "متن مشترک" in refused_before_any_parser(package, monkeypatch)


def test_openpyxls_lxml_parser_does_not_expand_entities_either():
    # The second line of defence, should a DTD ever get past the checks: openpyxl gives lxml
    # `resolve_entities=False`, so neither an internal nor an external entity is replaced.
    bomb = fromstring((BOMB + "<x>&lol3;</x>").encode())
    assert "lollol" not in "".join(bomb.itertext())  # the reference stays a reference
    probe = fromstring((XXE + "<x>&xxe;</x>").encode())
    assert "root:" not in "".join(probe.itertext())
