"""Normalisation of Persian text, codes, amounts, percentages and Jalali dates.

Numbers in comments («item 13») are the cases of docs/persian-bad-inputs.md. Pure functions:
no database, no settings.
"""

import datetime

import jdatetime
import pytest

from karaj_budget.persian import (
    PersianInputError,
    clean_code,
    normalize_text,
    parse_amount,
    parse_jalali_date,
    parse_percent,
    search_key,
    search_key_compact,
    search_key_loose,
    to_ascii_digits,
)

ZWNJ = "\u200c"

# --- normalize_text ------------------------------------------------------------------------------

TEXT_CASES = [
    # item 1: Arabic kaf and yeh
    ("احداث پارك محله اي", "احداث پارک محله ای"),
    # item 2: alef maksura
    ("موسى", "موسی"),
    # item 3: hamza above and ZWNJ are kept in storage
    ("توسعهٔ شهری", "توسعهٔ شهری"),
    (f"توسعه{ZWNJ}ی شهری", f"توسعه{ZWNJ}ی شهری"),
    # item 4: the three ZWNJ variants are stored as typed
    (f"پیاده{ZWNJ}رو", f"پیاده{ZWNJ}رو"),
    ("پیاده رو", "پیاده رو"),
    ("پیادهرو", "پیادهرو"),
    # item 5: doubled and trailing ZWNJ, ZWNJ next to a space
    (f"بهسازی{ZWNJ}{ZWNJ} پیاده{ZWNJ}رو{ZWNJ} ", f"بهسازی پیاده{ZWNJ}رو"),
    (f"{ZWNJ}پیاده{ZWNJ}{ZWNJ}رو", f"پیاده{ZWNJ}رو"),
    (f"پیاده {ZWNJ} رو", "پیاده رو"),
    # item 6: tatweel
    ("تــوسعه", "توسعه"),
    # item 7: presentation forms pasted from a PDF
    ("ﺳﺎﻣﺎﻧﺪﻫﻰ ﻣﻌﺎﺑﺮ", "ساماندهی معابر"),
    ("ﭘﺎﺭﮎ ﻻﻟﻪ", "پارک لاله"),
    # item 8: harakat stay in storage
    ("سَازمان", "سَازمان"),
    # item 9: invisible marks and odd whitespace
    ("\ufeffعنوان", "عنوان"),
    ("منطقه ۵\u200f", "منطقه ۵"),
    ("\u200eمنطقه\u200e ۵", "منطقه ۵"),
    ("\u202bپروژه BRT\u202c", "پروژه BRT"),
    ("\u2067پروژه\u2069", "پروژه"),
    ("پارک\u200bلاله", "پارکلاله"),
    ("پارک\u00a0لاله", "پارک لاله"),
    ("پارک\tلاله", "پارک لاله"),
    ("پارک\r\nلاله", "پارک لاله"),
    # ZWJ is removed (decision in the module docstring)
    ("ه\u200d.ش", "ه.ش"),
    # item 10: leading, trailing, doubled spaces
    ("  احداث   پارک  ", "احداث پارک"),
    # item 11: mixed Latin/Persian stays as typed (direction is a display matter: <bdi>)
    ("پروژه BRT محور ۴۵متری", "پروژه BRT محور ۴۵متری"),
    # Arabic-Indic digits become Persian digits in free text; ASCII digits stay
    ("منطقه ٥", "منطقه ۵"),
    ("منطقه 5", "منطقه 5"),
    # ة is a real letter in Arabic loanwords: kept in storage, folded only in the search key
    ("دائرة المعارف", "دائرة المعارف"),
    # alef followed by a separately typed madda is composed once
    ("\u0627\u0653باد", "آباد"),
]


@pytest.mark.parametrize(("raw", "stored"), TEXT_CASES)
def test_normalize_text(raw, stored):
    assert normalize_text(raw) == stored


@pytest.mark.parametrize("raw", [raw for raw, _ in TEXT_CASES])
def test_normalize_text_is_idempotent(raw):
    once = normalize_text(raw)
    assert normalize_text(once) == once


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0\t\r\n", f" {ZWNJ} ", "\ufeff\u200f", "ـــ"])
def test_blank_text_becomes_empty(raw):
    # item 10: an all-whitespace title is empty, so the form's "required" check rejects it
    assert normalize_text(raw) == ""


def test_normalize_text_accepts_numbers_from_excel_cells():
    assert normalize_text(1398) == "1398"


def test_html_and_formulas_are_kept_as_text():
    # item 12: nothing is stripped or evaluated here; escaping happens on display and export
    assert normalize_text('=HYPERLINK("http://x")') == '=HYPERLINK("http://x")'
    assert normalize_text("<b>پارک</b>") == "<b>پارک</b>"


def test_long_titles_are_not_truncated():
    # item 12: length is the form's and model's business, not silently cut here
    title = "پارک " * 100
    assert len(normalize_text(title)) == len(title.strip())


# --- search_key ------------------------------------------------------------------------------------


def test_search_finds_arabic_kaf_and_yeh():
    # item 1: searching «پارک» finds the row typed with Arabic letters, and two such rows dedupe
    stored = search_key("احداث پارك محله اي")
    assert search_key("پارک") in stored
    assert search_key("محله ای") in stored
    assert stored == search_key("احداث پارک محله ای")


@pytest.mark.parametrize("title", ["توسعهٔ شهری", "توسعه شهری", f"توسعه{ZWNJ}ی شهری", "توسعۀ شهری"])
def test_search_finds_all_ezafe_spellings(title):
    # item 3
    assert search_key("توسعه") in search_key(title)


def test_zwnj_and_space_share_a_key():
    # item 4: «پیاده‌رو» and «پیاده رو» match each other in search
    assert search_key(f"پیاده{ZWNJ}رو") == search_key("پیاده رو") == "پیاده رو"


def test_no_separator_is_a_different_search_key_but_the_same_compact_key():
    # item 4, decision: word breaks are not guessed in the search key; the compact key (for
    # near-duplicate detection) puts all three spellings together
    assert search_key("پیادهرو") != search_key("پیاده رو")
    assert search_key("پیاده") not in search_key("پیادهرو").split()
    keys = {search_key_compact(t) for t in [f"پیاده{ZWNJ}رو", "پیاده رو", "پیادهرو"]}
    assert keys == {"پیادهرو"}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("سَازمان", "سازمان"),  # item 8: harakat removed
        ("مُدیریّت", "مدیریت"),
        ("توسعهٔ", "توسعه"),  # hamza above removed
        ("دائرة المعارف", "دایره المعارف"),  # ة → ه, ئ → ی
        ("پائیز", "پاییز"),
        ("مسؤول", "مسوول"),
        ("أمور", "امور"),
        ("تــوسعه", "توسعه"),
        ("ﺳﺎﻣﺎﻧﺪﻫﻰ ﻣﻌﺎﺑﺮ", "ساماندهی معابر"),
        ("پروژه BRT محور ۴۵متری", "پروژه brt محور 45متری"),  # Latin lower-cased, digits ASCII
        ("منطقه ۵", "منطقه 5"),
        ("منطقه ٥", "منطقه 5"),
        ("منطقه 5", "منطقه 5"),
        ("\ufeff  منطقه\u200f   ۵ ", "منطقه 5"),
        (None, ""),
    ],
)
def test_search_key(raw, key):
    assert search_key(raw) == key


def test_search_key_keeps_alef_madda():
    # «آ» is its own letter (آب / اب); it is folded only when someone typed it decomposed
    assert search_key("آبادانی") == "آبادانی"


# --- to_ascii_digits -------------------------------------------------------------------------------


def test_to_ascii_digits():
    assert to_ascii_digits("۰۱۲۳۴۵۶۷۸۹ ٠١٢٣٤٥٦٧٨٩ 0123456789") == "0123456789 0123456789 0123456789"
    assert to_ascii_digits("منطقه ۵") == "منطقه 5"


# --- clean_code --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("۵۰۱۰۱۰۰۱", "50101001"),  # item 13: Persian digits
        ("٥٠١٠١٠٠١", "50101001"),  # item 14: Arabic-Indic digits (٥ U+0665, not ۵ U+06F5)
        ("۵۰١٠١۰۰۱", "50101001"),  # item 15: mixed digits
        # item 16: separators are kept for the scheme to strip; dash look-alikes become "-"
        ("۵-۰۱-۰۱-۰۰۱", "5-01-01-001"),
        ("۵–۰۱–۰۱–۰۰۱", "5-01-01-001"),
        ("5/01/01/001", "5/01/01/001"),
        ("5 01 01 001", "5 01 01 001"),
        ("5.01.01.001", "5.01.01.001"),  # dots are not silently stripped
        # item 17: numbers from Excel
        (50101001, "50101001"),
        (50101001.0, "50101001"),
        # item 18: a lost leading zero cannot be seen here; the scheme knows the width
        (301, "301"),
        ("0301", "0301"),
        ("۰۳۰۱", "0301"),
        # item 20: look-alike letters are kept (upper-cased) so the scheme rejects them
        ("5O101001", "5O101001"),
        ("5l101001", "5L101001"),
        ("brt-2", "BRT-2"),
        # item 9: invisible marks and NBSP around a code
        ("\ufeff50101001\u200f", "50101001"),
        ("\u00a0۵۰۱۰۱۰۰۱\u00a0", "50101001"),
        ("\u202a5-01-01-001\u202c", "5-01-01-001"),
        ("5\u00a001", "5 01"),
        ("５０１", "501"),  # full-width digits
        ("كد", "کد"),
    ],
)
def test_clean_code(raw, code):
    assert clean_code(raw) == code


def test_codes_typed_with_different_digits_collide():
    # item 23: two units submit the same code in different digits
    assert clean_code("۵۰۱۰۱۰۰۱") == clean_code("50101001") == clean_code("٥٠١٠١٠٠١")


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0", "\ufeff\u200f", ZWNJ])
def test_empty_code_is_rejected(raw):
    with pytest.raises(PersianInputError, match="کد خالی است"):
        clean_code(raw)


@pytest.mark.parametrize(
    "raw",
    [
        1.234567890123457e18,  # item 19: Excel already rounded the digits away
        float(2**53),
        50101001.5,
        -50101001.0,
        float("nan"),
        float("inf"),
        -5,
    ],
)
def test_unsafe_numeric_code_is_rejected(raw):
    with pytest.raises(PersianInputError, match="کد عددی ناامن است"):
        clean_code(raw)


def test_largest_safe_float_code_is_accepted():
    assert clean_code(float(2**53 - 1)) == str(2**53 - 1)


@pytest.mark.parametrize("raw", ["50101001.0", "۵۰۱۰۱۰۰۱.۰", " 301.0 "])
def test_code_text_ending_in_point_zero_is_rejected(raw):
    # item 17: as a string, the .0 is not something a person typed
    with pytest.raises(PersianInputError, match="اعشاری"):
        clean_code(raw)


@pytest.mark.parametrize("raw", [True, datetime.date(2019, 12, 6), ["5"]])
def test_code_of_another_type_is_rejected(raw):
    with pytest.raises(PersianInputError, match="کد نامعتبر است"):
        clean_code(raw)


def test_code_error_message_is_persian():
    with pytest.raises(PersianInputError) as error:
        clean_code(1.234567890123457e18)
    assert str(error.value).startswith("کد عددی ناامن است: 1.234567890123457e+18")
    assert isinstance(error.value, ValueError)


# --- parse_amount ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        # item 24: thousands separators in every form
        ("۱۲٬۵۰۰٬۰۰۰", 12_500_000),
        ("12,500,000", 12_500_000),
        ("۱۲.۵۰۰.۰۰۰", 12_500_000),
        ("۱۲ ۵۰۰ ۰۰۰", 12_500_000),
        ("۱۲\u00a0۵۰۰\u00a0۰۰۰", 12_500_000),
        ("۱۲،۵۰۰،۰۰۰", 12_500_000),
        ("١٢٬٥٠٠٬٠٠٠", 12_500_000),
        ("12500000", 12_500_000),
        (" ۱۲۵۰۰۰۰۰\u200f ", 12_500_000),
        ("1.500", 1500),  # a dot with a 3-digit group is a thousands separator
        # a zero fraction is harmless
        ("۲/۰", 2),
        ("۲٫۰", 2),
        ("12.0", 12),
        ("12,500.00", 12500),
        # numbers from Excel
        (12_500_000, 12_500_000),
        (12_500_000.0, 12_500_000),
        (1e9, 1_000_000_000),
        # zero is a value; whether it is allowed is the caller's decision
        ("0", 0),
        ("۰", 0),
        (0, 0),
        ("999999999999999999", 999_999_999_999_999_999),
        # empty means "not given"
        (None, None),
        ("", None),
        ("   ", None),
        ("-", None),
        ("—", None),
        ("\u200f", None),
    ],
)
def test_parse_amount(raw, amount):
    assert parse_amount(raw) == amount


@pytest.mark.parametrize("raw", ["۲/۵", "۲٫۵", "1.5", "12,500.5", 2.5, "۱۲٬۵۰۰/۳"])
def test_amount_with_a_fraction_is_rejected(raw):
    # item 24: the slash and ٫ are decimal points, and amounts are whole million rials
    with pytest.raises(PersianInputError, match="عدد صحیح به میلیون ریال"):
        parse_amount(raw)


@pytest.mark.parametrize("raw", ["-۵۰۰", "(۵۰۰)", "۵۰۰-", "−500", "- 500", -500, -500.0])
def test_negative_amount_is_rejected(raw):
    with pytest.raises(PersianInputError, match="مبلغ منفی پذیرفته نیست"):
        parse_amount(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "1e9",
        "1E9",
        "۵۰۰ میلیون",
        "abc",
        "12,5",  # not a 3-digit group: neither a thousands separator nor a decimal point
        "12,50,000",
        "12,500.000,0",
        "1,500 000",  # mixed separators
        "+500",
        "1398/09/15",
        True,
        float("nan"),
        datetime.date(2019, 12, 6),
    ],
)
def test_amount_that_is_not_a_number_is_rejected(raw):
    with pytest.raises(PersianInputError, match="مبلغ نامعتبر است"):
        parse_amount(raw)


@pytest.mark.parametrize("raw", ["1" * 19, "1,000,000,000,000,000,000", 10**18, 2.0**60])
def test_huge_amount_is_rejected(raw):
    with pytest.raises(PersianInputError, match="بیش از حد بزرگ"):
        parse_amount(raw)


# --- parse_percent -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "percent"),
    [
        # item 26
        ("۴۵٪", 45),
        ("٪۴۵", 45),  # sign typed first in RTL
        ("45%", 45),
        ("45 %", 45),
        ("45", 45),
        ("۴۵", 45),
        (45, 45),
        (45.0, 45),
        (0.45, 45),  # an Excel percent cell: a fraction at most 1
        ("0.45", 45),
        ("۰/۴۵", 45),
        (0.999, 100),
        ("0%", 0),
        (0, 0),
        ("100", 100),
        ("۱۰۰٪", 100),
        # integral 1 is one percent; see as_fraction below for a 100% cell
        (1, 1),
        (1.0, 1),
        ("1", 1),
        # fractions of a percent are rounded half up (progress is an estimate)
        ("45.5", 46),
        ("۴۵/۴٪", 45),
        (0.4537, 45),
        ("0.5%", 1),
        # empty means "not given"
        (None, None),
        ("", None),
        ("-", None),
    ],
)
def test_parse_percent(raw, percent):
    assert parse_percent(raw) == percent


@pytest.mark.parametrize(("raw", "percent"), [(1.0, 100), (1, 100), (0.45, 45), (0, 0), (0.005, 1)])
def test_percent_cell_with_percent_format(raw, percent):
    assert parse_percent(raw, as_fraction=True) == percent


def test_as_fraction_does_not_apply_to_text():
    assert parse_percent("45", as_fraction=True) == 45


@pytest.mark.parametrize("raw", ["450", 450, "۱۰۱٪", 100.6, 1.5e3, "100.6"])
def test_percent_over_100_is_rejected(raw):
    with pytest.raises(PersianInputError, match="بین ۰ تا ۱۰۰"):
        parse_percent(raw)


@pytest.mark.parametrize("raw", ["-45", "-۴۵٪", "۴۵-", -5, -0.45])
def test_negative_percent_is_rejected(raw):
    with pytest.raises(PersianInputError, match="درصد منفی پذیرفته نیست"):
        parse_percent(raw)


@pytest.mark.parametrize("raw", ["چهل و پنج", "4,5", "1e2", True, float("nan")])
def test_percent_that_is_not_a_number_is_rejected(raw):
    with pytest.raises(PersianInputError, match="درصد نامعتبر است"):
        parse_percent(raw)


# --- parse_jalali_date -----------------------------------------------------------------------------


def ymd(day):
    return (day.year, day.month, day.day)


@pytest.mark.parametrize(
    "raw",
    [
        # item 27: every spelling of 1398/09/15
        "1398/09/15",
        "1398/9/15",
        "۱۳۹۸/۰۹/۱۵",
        "١٣٩٨-٠٩-١٥",
        "1398-09-15",
        "1398.09.15",
        "1398 / 09 / 15",
        "15/09/1398",
        "15-9-1398",
        "98/9/15",
        "۹۸/۰۹/۱۵",
        "۱۵ آذر ۱۳۹۸",
        "۱۵ آذرماه ۹۸",
        "۱۵ آذر ماه ۱۳۹۸",
        f"۱۵ آذر{ZWNJ}ماه ۱۳۹۸",
        "۱۵آذر۱۳۹۸",
        "۱۵ اذر ۱۳۹۸",
        "\ufeff ۱۳۹۸/۰۹/۱۵\u200f ",
        jdatetime.date(1398, 9, 15),
        jdatetime.datetime(1398, 9, 15, 10, 0),
        # item 30: a Gregorian Excel date cell is converted once, explicitly
        datetime.date(2019, 12, 6),
        datetime.datetime(2019, 12, 6),
        datetime.datetime(2019, 12, 6, 20, 29, tzinfo=datetime.UTC),  # 23:59 in Tehran
        # item 31: an Excel serial number (days since 1899-12-30)
        43805,
        43805.99,
    ],
)
def test_parse_jalali_date(raw):
    day = parse_jalali_date(raw)
    assert ymd(day) == (1398, 9, 15)
    assert day.togregorian() == datetime.date(2019, 12, 6)


def test_aware_datetime_is_read_in_tehran_time():
    late_utc = datetime.datetime(2019, 12, 6, 20, 30, tzinfo=datetime.UTC)  # 00:00 Tehran, next day
    assert ymd(parse_jalali_date(late_utc)) == (1398, 9, 16)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1398/01/01", (1398, 1, 1)),
        ("۱ فروردین ۱۳۹۸", (1398, 1, 1)),
        ("۳۱ اردیبهشت ۹۸", (1398, 2, 31)),
        ("۱۰ امرداد ۱۴۰۲", (1402, 5, 10)),
        ("۱ دی‌ماه ۱۴۰۰", (1400, 10, 1)),
        ("۲۹ اسفند ۱۴۰۰", (1400, 12, 29)),
        # two-digit years take the century that falls in the allowed range
        ("03/1/15", (1403, 1, 15)),
        ("۱۵ مهر ۰۲", (1402, 7, 15)),
        ("99/12/30", (1399, 12, 30)),
    ],
)
def test_parse_other_jalali_dates(raw, expected):
    assert ymd(parse_jalali_date(raw)) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "1398/04/31",  # the first six months have 31 days
        "1398/06/31",
        "1399/12/30",  # item 28: 1399 is a leap year
        "1403/12/30",  # and so is 1403
        "1398/07/30",
        "1398/12/29",
    ],
)
def test_valid_month_ends(raw):
    parse_jalali_date(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # item 28: impossible dates
        ("1398/07/31", "روز ۳۱ در مهر ۱۳۹۸ وجود ندارد"),
        ("1398/12/30", "روز ۳۰ در اسفند ۱۳۹۸ وجود ندارد"),  # 1398 is not a leap year
        ("1402/12/30", "روز ۳۰ در اسفند ۱۴۰۲ وجود ندارد"),
        ("1398/13/01", "ماه ۱۳ وجود ندارد"),
        ("1398/00/10", "ماه ۰ وجود ندارد"),
        ("1398/09/00", "روز ۰ در آذر ۱۳۹۸ وجود ندارد"),
        ("1398/09/32", "روز ۳۲ در آذر ۱۳۹۸ وجود ندارد"),
        ("۳۱ مهر ۱۳۹۸", "روز ۳۱ در مهر ۱۳۹۸ وجود ندارد"),
        # item 29: Gregorian dates typed into a Jalali field
        ("2019-12-06", "سال ۲۰۱۹ میلادی به نظر می‌رسد"),
        ("2026-11-24", "سال ۲۰۲۶ میلادی به نظر می‌رسد"),
        ("06/12/2019", "سال ۲۰۱۹ میلادی به نظر می‌رسد"),
        # years outside the range
        ("1385/01/01", "سال ۱۳۸۵ خارج از بازهٔ مجاز ۱۳۹۰ تا ۱۴۲۰ است"),
        ("1421/01/01", "سال ۱۴۲۱ خارج از بازهٔ مجاز"),
        ("50/1/1", "سال ۱۳۵۰ خارج از بازهٔ مجاز"),
        ("15/9/98", "روز ۹۸ در آذر ۱۴۱۵ وجود ندارد"),  # two 2-digit ends: read as Y/M/D
        # not a date at all
        ("", "تاریخ خالی است"),
        ("  \u200f", "تاریخ خالی است"),
        (None, "تاریخ خالی است"),
        ("فردا", "قابل فهم نیست"),
        ("13980915", "قابل فهم نیست"),
        ("1398/09", "قابل فهم نیست"),
        ("1398/09-15", "قابل فهم نیست"),
        ("139/09/15", "قابل فهم نیست"),
        ("1398/009/15", "قابل فهم نیست"),
        ("۱۵ آذرین ۱۳۹۸", "قابل فهم نیست"),
        ("1398/09/15 14:30", "قابل فهم نیست"),
        (True, "تاریخ نامعتبر است"),
    ],
)
def test_bad_jalali_date_is_rejected(raw, message):
    with pytest.raises(PersianInputError, match=message):
        parse_jalali_date(raw)


def test_year_range_can_be_changed():
    assert ymd(parse_jalali_date("1385/01/01", min_year=1380)) == (1385, 1, 1)
    with pytest.raises(PersianInputError, match="خارج از بازهٔ مجاز ۱۳۹۰ تا ۱۴۰۵"):
        parse_jalali_date("1410/01/01", max_year=1405)


@pytest.mark.parametrize(
    "raw",
    [
        # item 30: a 2-digit Jalali year that Excel read as Gregorian («98/9/15» → 1998-09-15)
        datetime.datetime(1998, 9, 15),
        datetime.date(2045, 1, 1),
        jdatetime.date(1377, 6, 24),
    ],
)
def test_date_cell_outside_the_range_is_rejected(raw):
    with pytest.raises(PersianInputError, match="خارج از بازه"):
        parse_jalali_date(raw)


@pytest.mark.parametrize("raw", [10, 1398, 13980915, -1, 0, 3e6, float("nan")])
def test_implausible_excel_serial_is_rejected(raw):
    # item 31: only serials that land inside the year range are dates
    with pytest.raises(PersianInputError, match="تاریخ"):
        parse_jalali_date(raw)


def test_excel_serial_range_follows_the_year_range():
    with pytest.raises(PersianInputError, match="تاریخ اکسل"):
        parse_jalali_date(40179)  # 2010-01-01 = 1388/10/11, before 1390
    assert ymd(parse_jalali_date(40179, min_year=1380)) == (1388, 10, 11)


def test_parsed_dates_have_no_locale():
    # item 33: jdatetime dates with different locales compare unequal, even on the same day
    parsed = parse_jalali_date("۱۳۹۸/۰۹/۱۵")
    assert parsed.locale is None
    assert parsed == jdatetime.date(1398, 9, 15)
    assert parsed != jdatetime.date(1398, 9, 15, locale="fa_IR")
    assert parsed.togregorian() == jdatetime.date(1398, 9, 15, locale="fa_IR").togregorian()
    assert parse_jalali_date(jdatetime.date(1398, 9, 15, locale="fa_IR")) == parsed


def test_jdatetime_leap_years():
    # jdatetime 6 uses the 33-year cycle, which agrees with the official calendar for these years:
    # 1399 and 1403 are leap (Esfand has 30 days), 1398, 1400–1402 and 1404 are not.
    leap = [year for year in range(1395, 1410) if jdatetime.date(year, 1, 1).isleap()]
    assert leap == [1395, 1399, 1403, 1408]
    assert jdatetime.date(1403, 12, 30).togregorian() == datetime.date(2025, 3, 20)
    assert jdatetime.date(1399, 12, 30).togregorian() == datetime.date(2021, 3, 20)
    assert jdatetime.date.fromgregorian(date=datetime.date(2025, 3, 21)) == jdatetime.date(1404, 1, 1)


def test_messages_are_ready_for_users():
    with pytest.raises(PersianInputError) as error:
        parse_jalali_date("2019-12-06")
    assert str(error.value) == "سال ۲۰۱۹ میلادی به نظر می‌رسد؛ تاریخ را شمسی وارد کنید (مثلاً ۱۳۹۸/۰۹/۱۵)."


def test_loose_search_key_reads_alef_madda_as_alef():
    assert search_key_loose("آتش‌نشانی") == search_key_loose("اتش نشانی") == "اتش نشانی"
    assert search_key("آتش") != search_key("اتش")  # stored keys keep the letter
