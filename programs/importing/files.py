"""Checks on an uploaded workbook before any spreadsheet parser sees it.

An .xlsx file is a zip archive of XML parts. Everything here reads only the zip's central
directory and the small `[Content_Types].xml`, so a hostile file is refused in bounded time and
memory: too big, not a zip, an old .xls or an encrypted workbook (both OLE containers), a
macro-enabled or non-workbook package, too many parts, or parts whose declared uncompressed size
adds up past the limit (a zip bomb). Python's zipfile never inflates a part past its declared size,
so the declared sizes are a real bound. XML parts with a DTD (entity expansion, external entities)
are refused here too, and defusedxml must be installed so openpyxl's own parser refuses them as well.

Size alone does not bound the cost of parsing: a 0.44 MB file held 10.4 million tiny shared
strings (179 MB unzipped, under the size limit) and cost a worker 75 s and 1.6 GB, because openpyxl
loads the whole shared-strings table when the workbook is opened. So every part is streamed once,
in chunks, before any parser sees it, counting the shared strings and the cells with `bytes.count`
(a regular expression is four times slower): the shared-strings part is refused over its size or
count limit, the sheets over the cell limit, and a run of a megabyte without a single `<` (one
enormous text or attribute, which a parser would hold in memory whole) is refused too, except in
pictures. The same pass refuses a DTD anywhere in any part (not only near its start), which is what
lets sheets.py parse sheets and shared strings with the standard library's C parser. Every part
means whatever its name: openpyxl finds the sheets and styles through the package's relationships,
so a sheet may be called `sheet1.dat`.
The limits, their reasons and the worst file they let through are in docs/performance.md
("Hostile workbooks", bench/hostile_workbook.py).
"""

import zipfile

import defusedxml
import openpyxl.xml
from defusedxml import ElementTree as SafeET
from django.conf import settings

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import PersianInputError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and Office's encrypted/password-protected files
MAX_MEMBERS = 10_000
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SCAN_CHUNK = 1 << 20  # no XML markup in a whole chunk: a text or attribute of a megabyte or more
# How a cell and a shared string begin, without and with a namespace prefix (`<x:c r="A1">`).
_CELL_STARTS = (b"<c ", b"<c>", b":c ", b":c>")
_STRING_STARTS = (b"<si>", b"<si ", b":si>", b":si ")
_DTD_SNIFF_BYTES = 4096
# Pictures Office embeds (xl/media/): an uncompressed one may hold a megabyte without a `<`.
_PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg")
CORRUPT = "فایل ناقص یا خراب است و باز نمی‌شود؛ آن را دوباره از اکسل ذخیره کنید."
_DTD_MESSAGE = "فایل دارای تعریف موجودیت XML (DTD) است که ناامن است؛ فایل پذیرفته نیست."

WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
MACRO_TYPES = {
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
}
BINARY_TYPES = {"application/vnd.ms-excel.sheet.binary.macroEnabled.main"}


class ImportFileError(PersianInputError):
    """The file as a whole cannot be read; the message is shown to the user as is."""


def _megabytes(size: int) -> str:
    return persian_digits(f"{size / (1024 * 1024):.0f}")


def _count(number: int) -> str:
    return persian_digits(f"{number:,}").replace(",", "٬")


def check_workbook(fileobj) -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx workbook. `fileobj` is binary, seekable."""
    if not (defusedxml and openpyxl.xml.DEFUSEDXML):
        raise ImportFileError("خواندن فایل اکسل بدون کتابخانهٔ امن XML (defusedxml) مجاز نیست.")
    max_bytes = settings.IMPORT_MAX_UPLOAD_BYTES
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > max_bytes:
        raise ImportFileError(
            f"حجم فایل ({_megabytes(size)} مگابایت) بیش از حد مجاز ({_megabytes(max_bytes)} مگابایت) است."
        )
    if size == 0:
        raise ImportFileError("فایل خالی است.")
    magic = fileobj.read(8)
    fileobj.seek(0)
    if magic.startswith(OLE_MAGIC):
        raise ImportFileError(
            "این فایل اکسل قدیمی (xls) یا رمزدار است. رمز فایل را بردارید و آن را با قالب "
            "«Excel Workbook (.xlsx)» دوباره ذخیره کنید."
        )
    if not magic.startswith(ZIP_MAGIC):
        raise ImportFileError(
            "این فایل اکسل (xlsx) نیست؛ فایل CSV، متن یا قالب دیگری است که پسوندش عوض شده. "
            "فایل را در اکسل با قالب «Excel Workbook (.xlsx)» ذخیره کنید."
        )
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFileError(CORRUPT) from error
    with archive:
        _check_members(archive)
        shared_strings = _check_content_types(archive)
        _check_no_dtd(archive)
        _check_parts(archive, shared_strings)
    fileobj.seek(0)


def _check_members(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ImportFileError(f"فایل {persian_digits(len(members))} جزء دارد؛ این یک فایل اکسل عادی نیست.")
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise ImportFileError("فایل رمزدار است؛ رمز را بردارید و دوباره ذخیره کنید.")
        total += member.file_size
        if total > limit:
            raise ImportFileError(
                f"حجم بازشدهٔ فایل بیش از {_megabytes(limit)} مگابایت است (فایل فشرده‌ای که هنگام باز شدن "
                "بسیار بزرگ می‌شود)؛ این فایل پذیرفته نیست."
            )


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    with archive.open(name) as member:
        return member.read(limit)


def _check_content_types(archive: zipfile.ZipFile) -> set:
    """Refuse what is not a plain workbook; return the names of its shared-strings parts."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        raise ImportFileError("این فایل اکسل (xlsx) نیست: فهرست اجزای بستهٔ Office را ندارد.") from None
    if info.file_size > 1024 * 1024:
        raise ImportFileError("فهرست اجزای فایل بیش از حد بزرگ است؛ این یک فایل اکسل عادی نیست.")
    try:
        root = SafeET.fromstring(_read_member(archive, info.filename, info.file_size))
    except (SafeET.ParseError, defusedxml.DefusedXmlException, zipfile.BadZipFile, OSError) as error:
        raise ImportFileError("فهرست اجزای فایل خراب یا ناامن است؛ فایل پذیرفته نیست.") from error
    types = {element.get("ContentType", "") for element in root.iter() if element.get("ContentType")}
    if types & MACRO_TYPES:
        raise ImportFileError(
            "فایل ماکرودار (xlsm) پذیرفته نیست؛ آن را با قالب «Excel Workbook (.xlsx)» و بدون ماکرو "
            "ذخیره کنید."
        )
    if types & BINARY_TYPES:
        raise ImportFileError("فایل xlsb پذیرفته نیست؛ آن را با قالب «Excel Workbook (.xlsx)» ذخیره کنید.")
    if not types & WORKBOOK_TYPES:
        raise ImportFileError(
            "این فایل، کتاب کار اکسل نیست (شاید سند Word یا قالب دیگری از Office است)؛ فایل xlsx بفرستید."
        )
    return {
        element.get("PartName", "").lstrip("/")
        for element in root.iter()
        if element.get("ContentType") == SHARED_STRINGS_TYPE
    }


def _check_no_dtd(archive: zipfile.ZipFile) -> None:
    # Office never writes a DTD; one in any part is an entity bomb or an external-entity probe. Every
    # part is sniffed whatever its name: openpyxl finds sheets and styles through the package's
    # relationships, so a sheet may be called `sheet1.dat` (the whole parts are scanned below).
    for member in archive.infolist():
        try:
            head = _read_member(archive, member.filename, _DTD_SNIFF_BYTES)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
            raise ImportFileError(CORRUPT) from error
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise ImportFileError(_DTD_MESSAGE)


def _check_parts(archive: zipfile.ZipFile, shared_strings: set) -> None:
    """Stream every XML part once, counting shared strings and cells against their limits."""
    max_strings = settings.IMPORT_MAX_SHARED_STRINGS
    max_string_bytes = settings.IMPORT_MAX_SHARED_STRINGS_BYTES
    max_cells = settings.IMPORT_MAX_CELLS
    cells = 0
    for member in archive.infolist():
        # Every part, whatever its name (see _check_no_dtd): only pictures may hold a megabyte
        # without a `<`, and a picture's bytes rarely look like a cell's start.
        is_picture = member.filename.lower().endswith(_PICTURE_SUFFIXES)
        is_strings = member.filename in shared_strings
        if is_strings and member.file_size > max_string_bytes:
            raise ImportFileError(
                f"جدول متن‌های مشترک فایل ({_megabytes(member.file_size)} مگابایت) بیش از حد مجاز "
                f"({_megabytes(max_string_bytes)} مگابایت) است؛ فایل را به چند بخش تقسیم کنید."
            )
        strings = 0
        tail = b""
        starts = _STRING_STARTS if is_strings else _CELL_STARTS
        try:
            with archive.open(member) as part:
                while chunk := part.read(_SCAN_CHUNK):
                    if len(chunk) == _SCAN_CHUNK and not is_picture and b"<" not in chunk:
                        raise ImportFileError(
                            "فایل متنی بیش از یک مگابایت در یک خانه یا یک ویژگی دارد (اکسل در هر خانه حداکثر "
                            "۳۲٬۷۶۷ نویسه می‌پذیرد)؛ این فایل پذیرفته نیست."
                        )
                    # The end of the previous chunk, so a tag split between chunks is seen (and
                    # counted once).
                    data = tail + chunk
                    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                        raise ImportFileError(_DTD_MESSAGE)
                    found = sum(data.count(start) for start in starts)
                    found -= sum(tail.count(start) for start in starts)
                    tail = chunk[-8:]
                    if is_strings:
                        strings += found
                        if strings > max_strings:
                            raise ImportFileError(
                                f"فایل بیش از {_count(max_strings)} متن مشترک (حد مجاز جدول متن‌های مشترک) "
                                "دارد؛ فایل را به چند بخش تقسیم کنید."
                            )
                    else:
                        cells += found
                        if cells > max_cells:
                            raise ImportFileError(
                                f"فایل بیش از {_count(max_cells)} خانه (حد مجاز خانه‌ها) دارد؛ ستون‌ها و "
                                "برگه‌های اضافه را حذف کنید یا فایل را به چند بخش تقسیم کنید."
                            )
        except ImportFileError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
            raise ImportFileError(CORRUPT) from error
