"""What an uploaded file really is, judged by its content, never by its name or declared type.

Accepted: PDF, JPEG, PNG, and the two Office Open XML formats people attach (xlsx, docx). Each is
recognised by its first bytes *and* a piece of its structure (a PDF's end marker, a PNG's header
chunk, a JPEG's end marker, the parts an xlsx/docx package must hold), so a renamed executable, an
HTML page or a truncated file is refused with a Persian message. An xlsx/docx is a zip archive: its
entry count and declared uncompressed size are checked from the central directory, without
unpacking anything, so a zip bomb dressed as a document is refused before anyone opens it.
"""

import zipfile
from dataclasses import dataclass

from django.conf import settings

from karaj_budget.jalali import persian_digits
from workgroups.models import ATTACHMENT_EXTENSIONS

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ALLOWED_LABEL = "PDF، تصویر JPEG یا PNG، اکسل (xlsx) یا ورد (docx)"
# The part each Office Open XML package must hold to be that kind of document.
_OOXML_MAIN_PART = {XLSX: "xl/workbook.xml", DOCX: "word/document.xml"}
# No honest document part compresses better than this; a zip bomb's do (by thousands).
_MAX_RATIO = 200


class AttachmentRefused(Exception):
    """The file may not be attached; `message` (Persian) says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Checked:
    content_type: str

    @property
    def extension(self):
        return ATTACHMENT_EXTENSIONS[self.content_type]


def check_size(size):
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise AttachmentRefused(
            f"حجم فایل ({_megabytes(size)} مگابایت) بیش از حد مجاز ({_megabytes(limit)} مگابایت) است."
        )
    if size == 0:
        raise AttachmentRefused("فایل خالی است.")


def check_content(file):
    """The type of `file` (a binary file object, read from the start) or `AttachmentRefused`."""
    file.seek(0)
    head = file.read(16)
    file.seek(0, 2)
    size = file.tell()
    check_size(size)
    if head.startswith(b"%PDF-"):
        _check_tail(file, size, b"%%EOF", 2048, "PDF")
        return Checked(PDF)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        _check_tail(file, size, b"IEND", 16, "PNG")
        return Checked(PNG)
    if head.startswith(b"\xff\xd8\xff"):
        _check_tail(file, size, b"\xff\xd9", 64, "JPEG")
        return Checked(JPEG)
    if head.startswith(b"PK\x03\x04"):
        return Checked(_check_ooxml(file))
    raise AttachmentRefused(f"{_what(head)} پذیرفته نیست؛ فقط {ALLOWED_LABEL} را پیوست کنید.")


def _what(head):
    """A Persian name for the commonest refused kinds, so the message says what was sent."""
    lowered = head.lstrip().lower()
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return "فایل اجرایی (برنامه)"
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml", b"<svg", b"<script", b"<")):
        return "صفحه وب یا فایل HTML/XML"
    return "این نوع فایل"


def _check_tail(file, size, marker, window, label):
    file.seek(max(0, size - window))
    if marker not in file.read():
        raise AttachmentRefused(f"فایل {label} ناقص یا خراب است (پایان فایل پیدا نشد).")
    file.seek(0)


def _check_ooxml(file):
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise AttachmentRefused("فایل فشرده خراب است یا سند اکسل/ورد نیست.") from None
    finally:
        file.seek(0)
    if len(entries) > settings.ATTACHMENT_MAX_ENTRIES:
        raise AttachmentRefused("سند بیش از اندازه بخش دارد و پذیرفته نیست.")
    declared = sum(entry.file_size for entry in entries)
    if declared > settings.ATTACHMENT_MAX_UNCOMPRESSED:
        raise AttachmentRefused(
            f"سند پس از بازشدن {_megabytes(declared)} مگابایت می‌شود (بیش از "
            f"{_megabytes(settings.ATTACHMENT_MAX_UNCOMPRESSED)} مگابایت)؛ احتمالاً فایل مخرب (zip bomb) است."
        )
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > _MAX_RATIO * max(entry.compress_size, 1):
            raise AttachmentRefused(
                "بخشی از سند به شکلی غیرعادی فشرده شده است؛ احتمالاً فایل مخرب (zip bomb) است."
            )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names:
        raise AttachmentRefused(f"فایل فشرده (zip) پذیرفته نیست؛ فقط {ALLOWED_LABEL} را پیوست کنید.")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise AttachmentRefused(
            "سند دارای ماکرو است و پذیرفته نیست؛ آن را بدون ماکرو (xlsx/docx) ذخیره کنید."
        )
    for content_type, part in _OOXML_MAIN_PART.items():
        if part in names:
            return content_type
    raise AttachmentRefused(f"این سند آفیس پذیرفته نیست؛ فقط {ALLOWED_LABEL} را پیوست کنید.")


def _megabytes(size):
    return persian_digits(f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip("."))
