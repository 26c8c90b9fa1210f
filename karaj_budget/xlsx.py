"""Text cells for every workbook the app writes (exports, import templates).

A string written as a string cell is text in Excel and LibreOffice, but a person who edits a cell
that starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which Excel strips before it
parses) turns it into a live formula unless the cell's style carries `quotePrefix`, Excel's
leading apostrophe (OWASP, "CSV injection"). Characters the xlsx format cannot hold at all are
dropped (openpyxl would raise IllegalCharacterError).
"""

import re

from openpyxl.cell import WriteOnlyCell

ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def needs_quote_prefix(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def text_cell(sheet, value):
    """A write-only string cell holding `value` as text (None stays an empty cell)."""
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    text = str(value)
    cell = WriteOnlyCell(sheet, value=None)
    cell.value = ILLEGAL_CHARACTERS.sub("", text)
    cell.data_type = "s"
    if needs_quote_prefix(text):
        cell.quotePrefix = True
    return cell
