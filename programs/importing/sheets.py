"""Reading a table out of a workbook the way people make them.

The header row is found by its names within the first rows of any sheet (title rows, merged
cells and blank rows may stand above it; the data need not be on the active sheet). Headers are
matched after normalisation (Arabic letters, spaces, ZWNJ, a BOM, punctuation, English aliases),
so columns may come in any order and right-to-left sheets read the same. Blank rows, including
the million formatted-empty rows LibreOffice writes, are skipped; a totals row («جمع», «جمع کل»)
is ignored; more data rows than the configured limit are refused.

Rows are parsed with openpyxl's own streaming sheet parser, driven directly rather than through
`ReadOnlyWorksheet`, for three reasons: the `<dimension>` of the sheet is ignored (a wrong one
silently truncates), a formula cell without a cached value is told apart from an empty cell, and
memory stays flat (openpyxl keeps every formatted row's attributes and every parsed row element).
The workbook is opened without openpyxl's size probe of each sheet, which parses a whole sheet
that has no `<dimension>` once more before any row is read (twice the cost for nothing: the
dimension is ignored anyway). Sheets and the shared strings are parsed with the standard library's
C parser rather than defusedxml's pure-Python one (about twice as fast): `files.check_workbook`
has already refused any part that declares a DTD, anywhere in it, so no entity can be declared,
and expat refuses undeclared ones; the workbook's other parts go through openpyxl and defusedxml.

The table is plain data (`Table.to_json` / `Table.from_json`), so an admin preview can keep what
it parsed and the confirm step does not read the file again.
"""

import datetime
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse as _iterparse

from defusedxml import DefusedXmlException
from django.conf import settings
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, ROW_TAG, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import search_key_compact

from .files import ImportFileError, check_workbook
from .results import Problem

HEADER_SEARCH_ROWS = 30
_SHEET_DATA_TAG = f"{{{SHEET_MAIN_NS}}}sheetData"
_SI_TAG, _T_TAG, _RUN_TAG, _INLINE_STRING_TAG = (
    f"{{{SHEET_MAIN_NS}}}{name}" for name in ("si", "t", "r", "is")
)
_FILLED_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]+)"[^>]*>\s*<(?:\w+:)?c\b')
_CELL = re.compile(rb"<(?:\w+:)?c\b")
_SCAN_CHUNK = 1 << 20
_HEADER_NOISE = re.compile(r"[\s_\-:*.()\[\]«»\"'،,؛;/\\#]+")
EXCEL_MAX_CELL_TEXT = 32_767  # characters; Excel itself holds no more in a cell
TOTAL_WORDS = {"جمع", "جمعکل", "مجموع", "جمعنهایی", "total", "sum", "grandtotal", "جمعکلاعتبارات"}


class NoCachedValue:
    """A formula whose result was never saved (the file was written by a program, not Excel)."""

    def __init__(self, formula):
        self.formula = formula

    def __repr__(self):
        return f"NoCachedValue({self.formula!r})"


class CellError:
    """An Excel error value such as #REF! or #DIV/0!."""

    def __init__(self, code):
        self.code = code

    def __repr__(self):
        return f"CellError({self.code!r})"


def header_key(text) -> str:
    """The form in which headers are compared: «کد والد», «کد  والد», «Parent_Code» → one key each."""
    return _HEADER_NOISE.sub("", search_key_compact(text))


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple = ()
    required: bool = False

    def keys(self):
        return {header_key(name) for name in (self.header, self.key, *self.aliases)}


@dataclass
class Row:
    number: int  # as the spreadsheet shows it
    values: dict
    percent: frozenset = frozenset()  # keys whose cell has a percent number format


@dataclass
class Table:
    sheet: str
    header_row: int
    columns: dict  # key → column letter index (1-based)
    rows: list = field(default_factory=list)
    unknown_headers: list = field(default_factory=list)

    def has(self, key):
        return key in self.columns

    def to_json(self):
        """Plain JSON data (dates and cell markers tagged), for a preview kept in the database."""
        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": self.columns,
            "unknown_headers": self.unknown_headers,
            "rows": [
                [row.number, {key: _dump(value) for key, value in row.values.items()}, sorted(row.percent)]
                for row in self.rows
            ],
        }

    @classmethod
    def from_json(cls, data):
        table = cls(
            data["sheet"], data["header_row"], data["columns"], unknown_headers=data["unknown_headers"]
        )
        table.rows = [
            Row(number, {key: _load(value) for key, value in values.items()}, frozenset(percent))
            for number, values, percent in data["rows"]
        ]
        return table


# A JSON list never stands for a cell value, so a tagged pair [tag, text] is unambiguous.
_TEMPORAL = {"dt": datetime.datetime, "d": datetime.date, "t": datetime.time}


def _dump(value):
    if isinstance(value, NoCachedValue):
        return ["f", value.formula]
    if isinstance(value, CellError):
        return ["e", value.code]
    if isinstance(value, datetime.timedelta):
        return ["td", value.total_seconds()]
    for tag, kind in _TEMPORAL.items():
        if type(value) is kind:
            return [tag, value.isoformat()]
    return value


def _load(value):
    if not isinstance(value, list):
        return value
    tag, text = value
    if tag == "f":
        return NoCachedValue(text)
    if tag == "e":
        return CellError(text)
    if tag == "td":
        return datetime.timedelta(seconds=text)
    return _TEMPORAL[tag].fromisoformat(text)


def _column_index(letters):
    try:
        return column_index_from_string(letters)
    except ValueError:
        return 0  # not a cell reference: no column the import reads


class _Worksheet(ReadOnlyWorksheet):
    def _get_size(self):
        # openpyxl parses a sheet without <dimension> in full here; rows are read by _Parser,
        # which ignores the dimension.
        pass


def _string_item_text(element):
    """The text of a string item (`<si>` or `<is>`) as openpyxl's `Text.content` gives it: its `<t>`,
    then the `<t>` of each rich-text run; phonetic hints left out."""
    plain = element.find(_T_TAG)
    parts = [plain.text or ""] if plain is not None else []
    parts.extend(run.findtext(_T_TAG) or "" for run in element.iterfind(_RUN_TAG))
    return "".join(parts)


def read_shared_strings(source):
    """The shared-strings table as openpyxl reads it, at the speed of the C parser."""
    strings = []
    for _event, element in _iterparse(source, events=("end",)):
        if element.tag != _SI_TAG:
            continue
        strings.append(_string_item_text(element).replace("x005F_", ""))
        element.clear()
    return strings


class _Reader(ExcelReader):
    def read_strings(self):
        # As openpyxl's, with the C parser: openpyxl builds a descriptor object per string.
        content_type = self.package.find(SHARED_STRINGS)
        if content_type is not None:
            with self.archive.open(content_type.PartName[1:]) as source:
                self.shared_strings = read_shared_strings(source)

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _Worksheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def _open_workbook(fileobj):
    reader = _Reader(fileobj, read_only=True, data_only=True, keep_links=False)
    reader.read()
    return reader.wb


class _Parser(WorkSheetParser):
    # Once the header row is known, the column indexes the import reads; other cells are skipped
    # without converting their values (most of a parse's cost).
    wanted = None

    def parse_row(self, row):
        # As openpyxl's, without keeping each formatted row's attributes (a million of them in
        # LibreOffice files).
        number = row.get("r")
        self.row_counter = int(number) if number and number.isdigit() else self.row_counter + 1
        self.col_counter = 0
        if self.wanted is None:
            return self.row_counter, [self.parse_cell(element) for element in row]
        cells = []
        for element in row:
            reference = element.get("r")
            if reference:
                column = _column_index(reference.rstrip("0123456789"))
                self.col_counter = column
                if column not in self.wanted:
                    continue
                cells.append(self.parse_cell(element))
            else:
                cell = self.parse_cell(element)  # counts the column itself
                if cell["column"] in self.wanted:
                    cells.append(cell)
        return self.row_counter, cells

    def parse_cell(self, element):
        if element.get("t") == "inlineStr":
            return self.parse_inline_string(element)
        cell = super().parse_cell(element)
        if cell["value"] is None:
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                cell["value"] = NoCachedValue(formula.text or "")
        elif cell["data_type"] == "e":
            cell["value"] = CellError(cell["value"])
        return cell

    def parse_inline_string(self, element):
        # As openpyxl's, without its descriptor object per cell (most of the time of a sheet of
        # inline strings, as programs other than Excel write them).
        reference = element.get("r")
        if reference:
            row, column = coordinate_to_tuple(reference)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        style_id = int(element.get("s") or 0)
        text = element.find(_INLINE_STRING_TAG)
        value = _string_item_text(text) if text is not None else None
        data_type = "s" if text is not None else "inlineStr"
        return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": style_id}

    def rows(self):
        parent = None
        for event, element in _iterparse(self.source, events=("start", "end")):
            if event == "start":
                if element.tag == _SHEET_DATA_TAG:
                    parent = element
                continue
            if element.tag == ROW_TAG:
                yield self.parse_row(element)
                element.clear()
                if parent is not None:
                    parent.clear()


def _last_filled_row(worksheet):
    """The number of the last row that has a cell, from a fast scan of the raw XML; None if unsure.

    LibreOffice writes a formatted, empty `<row>` for every row down to 1,048,576; parsing them all
    takes seconds. A regular-expression scan of the decompressed bytes takes a fraction of that,
    and lets the parser stop after the last row that holds anything.
    """
    last = 0
    saw_cell = False
    tail = b""
    with worksheet._get_source() as source:
        while chunk := source.read(_SCAN_CHUNK):
            data = tail + chunk
            for match in _FILLED_ROW.finditer(data):
                last = max(last, int(match[1]))
            saw_cell = saw_cell or bool(_CELL.search(data))
            tail = data[-4096:]
    if saw_cell and not last:
        return None  # rows without numbers, or written in a way the scan does not know
    return last


def _percent_styles(workbook) -> frozenset:
    styles = set()
    custom = list(getattr(workbook, "_number_formats", []))
    for index, style in enumerate(getattr(workbook, "_cell_styles", [])):
        number_format = style.numFmtId
        if number_format < BUILTIN_FORMATS_MAX_SIZE:
            code = builtin_format_code(number_format) or ""
        else:
            position = number_format - BUILTIN_FORMATS_MAX_SIZE
            code = custom[position] if 0 <= position < len(custom) else ""
        if "%" in code:
            styles.add(index)
    return frozenset(styles)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _match_header(cells, columns):
    """{key: column index} if every required column is named in this row, else None."""
    wanted = {}
    for column in columns:
        for key in column.keys():
            wanted.setdefault(key, column)
    found, unknown, duplicates = {}, [], []
    for cell in cells:
        value = cell["value"]
        if not isinstance(value, str) or not value.strip():
            continue
        column = wanted.get(header_key(value))
        if column is None:
            unknown.append(value.strip())
        elif column.key in found:
            duplicates.append(value.strip())
        else:
            found[column.key] = cell["column"]
    if not found or any(c.key not in found for c in columns if c.required):
        return None
    return found, unknown, duplicates


def _header_error(columns, best):
    required = [c for c in columns if c.required]
    if best is None:
        names = "، ".join(f"«{c.header}»" for c in required)
        return ImportFileError(
            f"سطر عنوان ستون‌ها پیدا نشد: در {persian_digits(HEADER_SEARCH_ROWS)} سطر اول هیچ برگه‌ای "
            f"ستون‌های {names} نیامده است."
        )
    sheet, row_number, found = best
    missing = "، ".join(f"«{c.header}»" for c in required if c.key not in found)
    return ImportFileError(
        f"برگهٔ «{sheet}»، ردیف {persian_digits(row_number)}: ستون‌های لازم {missing} پیدا نشد "
        "(نام ستون را مانند فایل نمونه بنویسید)."
    )


def read_table(fileobj, columns, *, key_column, max_rows=None) -> Table:
    """The data rows under the first header row found in the workbook.

    `key_column` is the column whose cell tells a totals row from data (code or title).
    Raises ImportFileError for files that cannot be read as a table, or that hold more text in a
    cell than Excel allows.
    """
    check_workbook(fileobj)
    max_rows = max_rows or settings.IMPORT_MAX_ROWS
    try:
        workbook = _open_workbook(fileobj)
    except ImportFileError:
        raise
    except DefusedXmlException as error:
        raise ImportFileError("فایل دارای تعریف موجودیت XML است که ناامن است؛ فایل پذیرفته نیست.") from error
    except Exception as error:  # openpyxl raises many kinds for a damaged package
        raise ImportFileError(
            "فایل اکسل خراب است یا با قالب استاندارد xlsx ذخیره نشده و خوانده نمی‌شود."
        ) from error
    try:
        return _read(workbook, columns, key_column, max_rows)
    except ImportFileError:
        raise
    except DefusedXmlException as error:
        raise ImportFileError("فایل دارای تعریف موجودیت XML است که ناامن است؛ فایل پذیرفته نیست.") from error
    except Exception as error:
        raise ImportFileError(f"فایل اکسل خراب است و خوانده نمی‌شود ({type(error).__name__}).") from error
    finally:
        workbook.close()


def _read(workbook, columns, key_column, max_rows):
    worksheets = list(workbook.worksheets)
    if not worksheets:
        raise ImportFileError("فایل هیچ برگه‌ای ندارد.")
    percent_styles = _percent_styles(workbook)
    # The active sheet first: when several sheets have the header, the one people see wins.
    active = workbook.active
    if active in worksheets:
        worksheets.remove(active)
        worksheets.insert(0, active)
    best = None
    for worksheet in worksheets:
        table, partial = _read_sheet(workbook, worksheet, columns, key_column, max_rows, percent_styles)
        if table is not None:
            return table
        if partial is not None and (best is None or len(partial[2]) > len(best[2])):
            best = partial
    raise _header_error(columns, best)


def _read_sheet(workbook, worksheet, columns, key_column, max_rows, percent_styles):
    source = worksheet._get_source()
    parser = _Parser(
        source,
        worksheet._shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    table = None
    partial = None
    text_left = settings.IMPORT_MAX_TEXT_CHARS  # kept in memory, and in a preview
    last_row = _last_filled_row(worksheet)
    with source:
        for number, cells in parser.rows():
            if last_row is not None and number > last_row:
                break
            if table is None:
                if number > HEADER_SEARCH_ROWS:
                    return None, partial
                match = _match_header(cells, columns)
                if match is None:
                    found = {
                        c.key
                        for cell in cells
                        if isinstance(cell["value"], str)
                        for c in columns
                        if header_key(cell["value"]) in c.keys()
                    }
                    if found and (partial is None or len(found) > len(partial[2])):
                        partial = (worksheet.title, number, found)
                    continue
                found, unknown, duplicates = match
                if duplicates:
                    raise ImportFileError(
                        f"برگهٔ «{worksheet.title}»، ردیف {persian_digits(number)}: ستون "
                        f"«{duplicates[0]}» دو بار آمده است؛ فقط یکی از آن‌ها را نگه دارید."
                    )
                table = Table(worksheet.title, number, found, unknown_headers=unknown)
                by_index = {index: key for key, index in found.items()}
                parser.wanted = frozenset(by_index)
                continue
            values = {}
            percent = set()
            for cell in cells:
                key = by_index.get(cell["column"])
                if key is None:
                    continue
                value = cell["value"]
                if isinstance(value, str):
                    if not value.strip():
                        continue
                    if len(value) > EXCEL_MAX_CELL_TEXT:
                        raise ImportFileError(
                            f"برگهٔ «{worksheet.title}»، ردیف {persian_digits(number)}: خانه‌ای "
                            f"{persian_digits(f'{len(value):,}').replace(',', '٬')} نویسه دارد؛ "
                            f"اکسل در هر خانه حداکثر {persian_digits('32٬767')} نویسه نگه می‌دارد."
                        )
                    text_left -= len(value)
                    if text_left < 0:
                        limit = persian_digits(f"{settings.IMPORT_MAX_TEXT_CHARS:,}").replace(",", "٬")
                        raise ImportFileError(
                            f"متن ستون‌های این ورود بیش از {limit} نویسه است (حد مجاز متن یک فایل)؛ "
                            "فایل را به چند بخش تقسیم کنید."
                        )
                elif value is None:
                    continue
                values[key] = value
                if cell["style_id"] in percent_styles:
                    percent.add(key)
            if not values or _is_totals(values, key_column):
                continue
            if len(table.rows) >= max_rows:
                raise ImportFileError(
                    f"فایل بیش از {persian_digits(f'{max_rows:,}').replace(',', '٬')} ردیف داده دارد؛ "
                    "فایل را به چند بخش تقسیم کنید."
                )
            table.rows.append(Row(number, values, frozenset(percent)))
    return table, partial


def _is_totals(values, key_column) -> bool:
    # Only short texts can be a totals label; most rows are decided without normalising anything.
    texts = [header_key(v) for v in values.values() if isinstance(v, str) and len(v) <= 24]
    if not any(text in TOTAL_WORDS for text in texts):
        return False
    key = values.get(key_column)
    return key is None or (isinstance(key, str) and header_key(key) in TOTAL_WORDS)


def read_table_for(result, fileobj, columns, *, key_column, table=None):
    """The file's table for an import, or None with the reason added to `result`'s file problems.

    Both imports start the same way: an unreadable file or a sheet without data rows ends the run
    before any row is looked at. `table`, when given, is what a preview already read from the file.
    """
    if table is None:
        try:
            table = read_table(fileobj, columns, key_column=key_column)
        except ImportFileError as error:
            result.file_problems.append(Problem(None, None, str(error)))
            return None
    result.table = table
    result.sheet = table.sheet
    if not table.rows:
        result.file_problems.append(Problem(None, None, "فایل هیچ ردیف داده‌ای زیر سطر عنوان ستون‌ها ندارد."))
        return None
    return table
