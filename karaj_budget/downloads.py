"""The name a downloaded file is saved under: one home for every file the app sends (the exports,
the monitoring export, attachments).

Chromium (and so Chrome and Edge) replaces Unicode format characters in a download's name with
"_": «فهرست کدگذاری‌شده.xlsx» was saved as «فهرست کدگذاری_شده.xlsx» (measured in Chromium 156;
tests/browser/test_downloads.py). A ZWNJ therefore becomes a space, which every browser keeps and a
Persian reader accepts in a file name; the other direction and joiner marks are dropped. Characters
Windows refuses in a file name (a Jalali time's ":") become "-", where a browser would put "_".
The name shown on the app's pages keeps the ZWNJ: only the saved name changes.
"""

import re

from django.utils.http import content_disposition_header

_FORMAT = re.compile("[\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_WINDOWS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def download_name(name):
    """`name` as a browser will keep it when saving the file."""
    name = _FORMAT.sub("", name.replace("\u200c", " "))
    name = _WINDOWS.sub("-", name)
    return re.sub(r"\s{2,}", " ", name).strip() or "download"


def attachment_disposition(name, *, ascii_name):
    """A Content-Disposition that saves the file as `name` (RFC 6266 `filename*`), and as
    `ascii_name` in the old clients that read only `filename`."""
    persian = content_disposition_header(True, download_name(name)).split("; ", 1)[1]
    return f'attachment; filename="{ascii_name}"; {persian}'
