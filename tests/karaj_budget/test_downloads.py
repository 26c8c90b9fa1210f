"""The name a download is saved under (karaj_budget/downloads.py): a ZWNJ becomes a space, which
Chromium keeps (it puts "_" in place of the ZWNJ, tests/browser/test_downloads.py), other format
marks are dropped, characters Windows refuses become "-"; the header carries both names."""

from urllib.parse import quote

import pytest

from karaj_budget.downloads import attachment_disposition, download_name


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        (
            "فهرست کدگذاری\u200cشده 1399 همه کارگروه\u200cها.xlsx",
            "فهرست کدگذاری شده 1399 همه کارگروه ها.xlsx",
        ),
        ("صورت\u200cوضعیت.pdf", "صورت وضعیت.pdf"),
        ("پایش بهار ۱۳۹۹ — ۱۳۹۹-۰۳-۱۵ ۱۴:۰۵.xlsx", "پایش بهار ۱۳۹۹ — ۱۳۹۹-۰۳-۱۵ ۱۴-۰۵.xlsx"),
        ("\u200fنامه\u200e \u202bرسمی\u202c.pdf", "نامه رسمی.pdf"),
        ('a<b>c:d"e/f\\g|h?i*j.xlsx', "a-b-c-d-e-f-g-h-i-j.xlsx"),
        ("plain-name.xlsx", "plain-name.xlsx"),
        ("\u200c\u200f", "download"),
    ],
)
def test_download_name(name, saved):
    assert download_name(name) == saved


def test_the_header_names_the_file_twice():
    header = attachment_disposition("فهرست کدگذاری\u200cشده.xlsx", ascii_name="coded-list-1399-all.xlsx")
    saved = quote("فهرست کدگذاری شده.xlsx")
    assert header == f"attachment; filename=\"coded-list-1399-all.xlsx\"; filename*=utf-8''{saved}"
