"""Checks on an uploaded workbook before any spreadsheet parser sees it.

An .xlsx file is a zip archive of XML parts. Everything here reads only the zip's central
directory and the small `[Content_Types].xml`, so a hostile file is refused in bounded time and
memory: too big, not a zip, an old .xls or an encrypted workbook (both OLE containers), a
macro-enabled or non-workbook package, too many parts, or parts whose declared uncompressed size
adds up past the limit (a zip bomb). Python's zipfile never inflates a part past its declared size,
so the declared sizes are a real bound. XML parts with a DTD (entity expansion, external entities)
are refused here too, and defusedxml must be installed so openpyxl's own parser refuses them as well.
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
_DTD_SNIFF_BYTES = 4096
CORRUPT = "فایل ناقص یا خراب است و باز نمی‌شود؛ آن را دوباره از اکسل ذخیره کنید."

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
        _check_content_types(archive)
        _check_no_dtd(archive)
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


def _check_content_types(archive: zipfile.ZipFile) -> None:
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


def _check_no_dtd(archive: zipfile.ZipFile) -> None:
    # Office never writes a DTD; one in any XML part is an entity bomb or an external-entity probe.
    for member in archive.infolist():
        if not member.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            head = _read_member(archive, member.filename, _DTD_SNIFF_BYTES)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
            raise ImportFileError(CORRUPT) from error
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise ImportFileError("فایل دارای تعریف موجودیت XML (DTD) است که ناامن است؛ فایل پذیرفته نیست.")
