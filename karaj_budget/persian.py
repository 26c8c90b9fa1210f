"""Normalisation of Persian text, codes, numbers and Jalali dates on the way in.

The same title or code typed on two keyboards must be one thing: Arabic «ي ك ى» and Persian
«ی ک ی» look the same, Persian, Arabic-Indic and ASCII digits look alike, and text pasted from PDFs,
Word or Excel carries presentation forms, tatweel and invisible direction marks. Everything that
people type or import passes through here once, before validation and storage.

Decisions (each is tested in tests/karaj_budget/test_persian.py):

- Storage (`normalize_text`) keeps what a person meant to write: hamza above «ٔ» (as in «توسعهٔ»),
  harakat, «ة» and «آ» stay; only look-alike letters, invisible marks and spacing are tidied.
  Arabic-Indic digits become Persian digits, ASCII digits stay as typed.
- ZWNJ: doubled ZWNJ become one; a ZWNJ beside a space or at either end is dropped. ZWJ is dropped
  too: its only real use is forcing a joined glyph in abbreviations, and invisible differences break
  de-duplication.
- Search (`search_key`) folds what people type inconsistently: harakat and hamza above are removed,
  «ة» and «ۀ» → «ه», «أ إ» → «ا», «ؤ» → «و», «ئ» → «ی», ZWNJ → space, all digits → ASCII, Latin
  lower-cased. So «توسعهٔ شهری», «توسعه شهری» and «توسعه‌ی شهری» all contain the key of «توسعه», and
  «پیاده‌رو» and «پیاده رو» share a key.
- «پیادهرو» (no separator at all) does NOT share the search key of «پیاده رو»: guessing word breaks
  would make unrelated words collide. `search_key_compact` (the key without spaces) puts all three
  together; use it to flag near-duplicates (same project proposed twice) and, if wanted, as a second
  chance in search.
- Codes (`clean_code`) are text. An int cell is fine; a float cell only if it is integral and below
  2**53 (above that Excel has already rounded the digits away). The string "50101001.0" is refused:
  nobody types ".0", it is a number that went through a float somewhere. Dots and separators are
  left for the code schemes to judge.
- Amounts (`parse_amount`) are whole million rials. «/» and «٫» are decimal points (Persian usage);
  «٬ , ، .» and spaces are thousands separators only in groups of three digits, so «۱٫۵۰۰» is 1.5
  (refused), «1.500» is 1500 and «1.5» is 1.5 (refused). A zero fraction («۲/۰», «12.0») is accepted.
- Percentages (`parse_percent`): a number with a fraction that is at most 1 and has no «%» sign is a
  fraction (Excel stores 45% as 0.45), so 0.45 → 45. An integral 1 or 1.0 stays 1%: Excel's 100% cell
  (1.0) cannot be told from a typed 1, so importers that see a percent number format on the cell pass
  `as_fraction=True`. Other fractional percentages are rounded half-up to a whole percent: progress
  is an estimate, and Excel formulas produce long fractions.
- Dates (`parse_jalali_date`): a two-digit year gets the century (13xx or 14xx) that falls inside
  the allowed year range, so «98/9/15» is 1398 and «03/1/15» is 1403. Excel date cells and serial
  numbers are Gregorian and are converted explicitly; the year range then catches a Jalali date that
  Excel misread as Gregorian («98/9/15» → 1998-09-15 → 1377).
"""

import datetime
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

import jdatetime

from karaj_budget.jalali import MONTH_NAMES, TEHRAN, persian_digits


class PersianInputError(ValueError):
    """Input that cannot be accepted; `str(error)` is the Persian message shown to the user."""


# --- character tables -------------------------------------------------------------------------

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_ZWNJ = "\u200c"
_TATWEEL = "\u0640"

# Marks nobody sees but that make two equal-looking strings differ.
_INVISIBLE = (
    "\ufeff\u200b\u200d"  # BOM, zero-width space, zero-width joiner
    "\u200e\u200f\u061c"  # LRM, RLM, Arabic letter mark
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\u2060\u00ad"  # word joiner, soft hyphen
)

_LOOKALIKE_LETTERS = {"ي": "ی", "ك": "ک", "ى": "ی"}

_TEXT_TABLE = str.maketrans(
    {
        **_LOOKALIKE_LETTERS,
        **dict(zip(_ARABIC_DIGITS, _PERSIAN_DIGITS, strict=True)),
        **dict.fromkeys(_INVISIBLE + _TATWEEL),
    }
)

_ASCII_DIGITS_TABLE = str.maketrans(_PERSIAN_DIGITS + _ARABIC_DIGITS, "0123456789" * 2)

_SEARCH_TABLE = str.maketrans(
    {
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ؤ": "و",
        "ئ": "ی",
        _ZWNJ: " ",
        **dict(zip(_PERSIAN_DIGITS + _ARABIC_DIGITS, "0123456789" * 2, strict=True)),
    }
)

# For codes, numbers and dates: every invisible mark (ZWNJ and tatweel too) goes, digits become
# ASCII, and the many dash look-alikes (en dash, minus sign, …) become "-".
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_NUMERIC_TABLE = str.maketrans(
    {
        **_LOOKALIKE_LETTERS,
        **dict(zip(_PERSIAN_DIGITS + _ARABIC_DIGITS, "0123456789" * 2, strict=True)),
        **dict.fromkeys(_INVISIBLE + _TATWEEL + _ZWNJ),
        **dict.fromkeys(_DASHES, "-"),
    }
)

_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")
_WHITESPACE = re.compile(r"\s")
_SPACE_OR_ZWNJ_RUN = re.compile(f"[ {_ZWNJ}]+")


# --- text ---------------------------------------------------------------------------------------


def _join_run(match: re.Match) -> str:
    # A run holding a space is a word break (a ZWNJ beside it is noise); a run of ZWNJ alone is
    # one half-space.
    return " " if " " in match.group() else _ZWNJ


def normalize_text(value) -> str:
    """Titles, names and free text as stored. None → "". Idempotent."""
    if value is None:
        return ""
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), str(value))
    text = text.translate(_TEXT_TABLE)
    # NFC after removing invisible marks, so that «ا» + madda typed separately becomes «آ» once and
    # for all (a second pass must not find anything new to compose).
    text = unicodedata.normalize("NFC", text)
    text = _WHITESPACE.sub(" ", text)
    text = _SPACE_OR_ZWNJ_RUN.sub(_join_run, text)
    return text.strip(" " + _ZWNJ)


def search_key(value) -> str:
    """The form used to search and de-duplicate: «پارك» and «پارک» share a key."""
    text = normalize_text(value).translate(_SEARCH_TABLE)
    text = _HARAKAT.sub("", text).lower()
    return " ".join(text.split())


# Searching only: «اتش» typed for «آتش». The stored keys keep «آ» as its own letter (آب / اب
# are different words to de-duplicate), so a search compares both sides in this looser form.
SEARCH_LOOSE = {"آ": "ا"}


def search_key_loose(value) -> str:
    """`search_key` with alef-madda read as alef, for matching what people type in a search box."""
    text = search_key(value)
    for letter, plain in SEARCH_LOOSE.items():
        text = text.replace(letter, plain)
    return text


def search_key_compact(value) -> str:
    """`search_key` without spaces: «پیادهرو», «پیاده رو» and «پیاده‌رو» are one (for duplicates)."""
    return search_key(value).replace(" ", "")


def to_ascii_digits(value: str) -> str:
    """Persian and Arabic-Indic digits → ASCII; nothing else changes."""
    return value.translate(_ASCII_DIGITS_TABLE)


def _clean_numeric_text(value: str) -> str:
    text = value.translate(_NUMERIC_TABLE)
    return " ".join(text.split())


# --- codes --------------------------------------------------------------------------------------

_FLOAT_TEXT = re.compile(r"[0-9]+\.0")
_SAFE_FLOAT_LIMIT = 2**53  # above this a float no longer holds every integer: digits are lost


def clean_code(value) -> str:
    """A code from a form or an Excel cell, as text with ASCII digits and upper-case Latin letters.

    Raises PersianInputError for empty codes and for numbers that cannot be trusted to be the code
    the person typed. Separators and dots are left for the code scheme to judge.
    """
    if value is None:
        raise PersianInputError("کد خالی است.")
    if isinstance(value, bool):
        raise PersianInputError(f"کد نامعتبر است: {value}")
    if isinstance(value, int):
        if value < 0:
            raise PersianInputError(f"کد عددی ناامن است: {value} (کد منفی نمی‌شود).")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value) or not 0 <= value < _SAFE_FLOAT_LIMIT:
            raise PersianInputError(
                f"کد عددی ناامن است: {value!r}؛ اکسل کد را به عدد تبدیل کرده و رقم‌هایش ممکن است عوض شده "
                "باشد. ستون کد را «متن» کنید و کد را دوباره وارد کنید."
            )
        return str(int(value))
    if not isinstance(value, str):
        raise PersianInputError(f"کد نامعتبر است: {value}")
    # NFKC also turns full-width digits and letters into ASCII; Persian letters are unaffected.
    text = _clean_numeric_text(unicodedata.normalize("NFKC", value)).upper()
    if not text:
        raise PersianInputError("کد خالی است.")
    if _FLOAT_TEXT.fullmatch(text):
        raise PersianInputError(
            f"کد «{text}» به شکل عدد اعشاری است؛ کد را بدون «.0» و به صورت متن وارد کنید."
        )
    return text


# --- amounts and percentages ----------------------------------------------------------------------

_AMOUNT = re.compile(
    r"(?P<int>[0-9]{1,3}(?P<sep>[,٬،. ])[0-9]{3}(?:(?P=sep)[0-9]{3})*|[0-9]+)(?:[/٫.](?P<frac>[0-9]+))?"
)
_PERCENT = re.compile(r"[0-9]+(?:[/٫.][0-9]+)?")
_MAX_AMOUNT_DIGITS = 18
_EMPTY_MARKS = {"", "-"}


def _is_negative(text: str) -> bool:
    # RTL typing puts the minus sign at the end; accountants write (500).
    return text.startswith("-") or text.endswith("-") or (text.startswith("(") and text.endswith(")"))


def _decimal_from_number(value: float) -> Decimal:
    # repr(float) gives the shortest text that round-trips: 0.45 → Decimal("0.45"), not 0.4499…
    return Decimal(repr(value))


def parse_amount(value) -> int | None:
    """An amount in whole million rials; empty, None or "-" → None (the caller decides if required)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PersianInputError(f"مبلغ نامعتبر است: {value}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PersianInputError(f"مبلغ نامعتبر است: {value}")
        if value < 0:
            raise PersianInputError(f"مبلغ منفی پذیرفته نیست: {value:g}")
        if value != int(value):
            raise PersianInputError(f"مبلغ باید عدد صحیح به میلیون ریال باشد؛ «{value:g}» کسر دارد.")
        if value >= _SAFE_FLOAT_LIMIT:
            raise PersianInputError(f"مبلغ بیش از حد بزرگ است: {value:g}")
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            raise PersianInputError(f"مبلغ منفی پذیرفته نیست: {persian_digits(value)}")
        if len(str(value)) > _MAX_AMOUNT_DIGITS:
            raise PersianInputError("مبلغ بیش از حد بزرگ است.")
        return value
    if not isinstance(value, str):
        raise PersianInputError(f"مبلغ نامعتبر است: {value}")

    text = _clean_numeric_text(value)
    if text in _EMPTY_MARKS:
        return None
    if _is_negative(text):
        raise PersianInputError(f"مبلغ منفی پذیرفته نیست: {value.strip()}")
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise PersianInputError(
            f"مبلغ نامعتبر است: «{value.strip()}»؛ فقط رقم و جداکنندهٔ هزارگان بنویسید (مثلاً ۱۲٬۵۰۰٬۰۰۰)."
        )
    if match["frac"] and int(match["frac"]):
        raise PersianInputError(f"مبلغ باید عدد صحیح به میلیون ریال باشد؛ «{value.strip()}» کسر دارد.")
    digits = re.sub("[^0-9]", "", match["int"])
    if len(digits.lstrip("0")) > _MAX_AMOUNT_DIGITS:
        raise PersianInputError("مبلغ بیش از حد بزرگ است.")
    return int(digits)


def parse_percent(value, *, as_fraction: bool = False) -> int | None:
    """Physical progress as a whole percent 0..100; empty, None or "-" → None.

    `as_fraction=True` says a numeric cell is a fraction (the cell has a percent number format), so
    1.0 is 100%. Without it, a number with a fraction that is at most 1 is read as a fraction and
    anything else as percent (see the module docstring).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise PersianInputError(f"درصد نامعتبر است: {value}")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise PersianInputError(f"درصد نامعتبر است: {value}")
        number = _decimal_from_number(value) if isinstance(value, float) else Decimal(value)
        has_sign = False
        shown = f"{value:g}" if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        text = _clean_numeric_text(value)
        if text in _EMPTY_MARKS:
            return None
        has_sign = "%" in text or "٪" in text
        text = text.replace("%", "").replace("٪", "").strip()
        shown = value.strip()
        if _is_negative(text):
            raise PersianInputError(f"درصد منفی پذیرفته نیست: {shown}")
        if not _PERCENT.fullmatch(text):
            raise PersianInputError(f"درصد نامعتبر است: «{shown}»؛ عددی بین ۰ تا ۱۰۰ بنویسید (مثلاً ۴۵٪).")
        number = Decimal(re.sub("[/٫]", ".", text))
        as_fraction = False  # only numeric cells carry an Excel percent format
    else:
        raise PersianInputError(f"درصد نامعتبر است: {value}")

    if number < 0:
        raise PersianInputError(f"درصد منفی پذیرفته نیست: {shown}")
    if as_fraction or (not has_sign and number <= 1 and number != number.to_integral_value()):
        number *= 100
    if number > 100:
        raise PersianInputError(f"درصد پیشرفت باید بین ۰ تا ۱۰۰ باشد، نه {shown}.")
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- Jalali dates ---------------------------------------------------------------------------------

_NUMERIC_DATE = re.compile(r"([0-9]+) ?([/.-]) ?([0-9]+) ?\2 ?([0-9]+)")
_TEXT_DATE = re.compile(r"([0-9]{1,2}) ?([^0-9]+?) ?([0-9]{2}|[0-9]{4})")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01, after Excel's 1900 leap-year bug
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


def _month_key(name: str) -> str:
    # «آذرماه», «آذر ماه» and «اذر» all name the same month.
    return name.replace(" ", "").removesuffix("ماه").replace("آ", "ا")


_MONTHS_BY_NAME = {_month_key(name): number for number, name in enumerate(MONTH_NAMES, start=1)}
_MONTHS_BY_NAME[_month_key("امرداد")] = 5


def _fa(number) -> str:
    return persian_digits(number)


def _expand_year(two_digits: int, min_year: int, max_year: int) -> int:
    for century in (1300, 1400):
        if min_year <= century + two_digits <= max_year:
            return century + two_digits
    return 1300 + two_digits


def _check_year(year: int, min_year: int, max_year: int) -> None:
    if min_year <= year <= max_year:
        return
    if 1900 <= year <= 2100:
        raise PersianInputError(
            f"سال {_fa(year)} میلادی به نظر می‌رسد؛ تاریخ را شمسی وارد کنید (مثلاً ۱۳۹۸/۰۹/۱۵)."
        )
    raise PersianInputError(f"سال {_fa(year)} خارج از بازهٔ مجاز {_fa(min_year)} تا {_fa(max_year)} است.")


def _jalali(year: int, month: int, day: int, min_year: int, max_year: int) -> jdatetime.date:
    _check_year(year, min_year, max_year)
    if not 1 <= month <= 12:
        raise PersianInputError(f"ماه {_fa(month)} وجود ندارد؛ ماه باید بین ۱ تا ۱۲ باشد.")
    try:
        # No locale argument: the date compares equal to the others made in this project.
        return jdatetime.date(year, month, day)
    except ValueError:
        pass
    raise PersianInputError(f"روز {_fa(day)} در {MONTH_NAMES[month - 1]} {_fa(year)} وجود ندارد.")


def _from_gregorian(value: datetime.date, shown: str, min_year: int, max_year: int) -> jdatetime.date:
    day = jdatetime.date.fromgregorian(date=value)
    if not min_year <= day.year <= max_year:
        raise PersianInputError(
            f"تاریخ {shown} (به شمسی {_fa(day.strftime('%Y/%m/%d'))}) خارج از بازهٔ سال‌های "
            f"{_fa(min_year)} تا {_fa(max_year)} است؛ اگر تاریخ شمسی در اکسل نوشته شده، اکسل آن را میلادی "
            "خوانده است. ستون تاریخ را «متن» کنید."
        )
    return jdatetime.date(day.year, day.month, day.day)


def _parse_date_text(text: str, min_year: int, max_year: int) -> jdatetime.date | None:
    match = _NUMERIC_DATE.fullmatch(text)
    if match:
        first, _, month, last = match.groups()
        if len(month) > 2:
            return None
        if len(first) == 4 and len(last) <= 2:
            year, day = int(first), int(last)
        elif len(last) == 4 and len(first) <= 2:  # 15/09/1398: day first
            year, day = int(last), int(first)
        elif len(first) == 2 and len(last) <= 2:  # 98/9/15: the usual Y/M/D order, short year
            year, day = _expand_year(int(first), min_year, max_year), int(last)
        else:
            return None
        return _jalali(year, int(month), day, min_year, max_year)
    match = _TEXT_DATE.fullmatch(text)
    if match:
        day, name, year = match.groups()
        month = _MONTHS_BY_NAME.get(_month_key(name))
        if month is None:
            return None
        year = int(year) if len(year) == 4 else _expand_year(int(year), min_year, max_year)
        return _jalali(year, month, int(day), min_year, max_year)
    return None


def parse_jalali_date(value, *, min_year: int = 1390, max_year: int = 1420) -> jdatetime.date:
    """A Jalali date from text, a jdatetime date, an Excel date cell or an Excel serial number.

    Text: `1398/09/15`, `1398/9/15`, `1398-09-15`, `1398.09.15`, `15/09/1398`, `98/9/15`,
    `۱۵ آذر ۱۳۹۸`, `۱۵ آذرماه ۹۸`, in any digits. Python dates and datetimes (Excel cells) are
    Gregorian and are converted. Raises PersianInputError for empty input, impossible dates and
    years outside min_year..max_year. The result has no jdatetime locale.
    """
    if value is None:
        raise PersianInputError("تاریخ خالی است.")
    if isinstance(value, jdatetime.datetime):
        value = value.togregorian()
    elif isinstance(value, jdatetime.date):
        return _jalali(value.year, value.month, value.day, min_year, max_year)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TEHRAN)
        return _from_gregorian(value.date(), value.date().isoformat(), min_year, max_year)
    if isinstance(value, datetime.date):
        return _from_gregorian(value, value.isoformat(), min_year, max_year)
    if isinstance(value, bool):
        raise PersianInputError(f"تاریخ نامعتبر است: {value}")
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 1 <= value <= _EXCEL_MAX_SERIAL:
            raise PersianInputError(f"عدد {value} تاریخ معتبری نیست؛ تاریخ را به شکل ۱۳۹۸/۰۹/۱۵ وارد کنید.")
        # The fraction of a serial is the time of day; only the day matters here.
        day = jdatetime.date.fromgregorian(date=_EXCEL_EPOCH + datetime.timedelta(days=int(value)))
        if not min_year <= day.year <= max_year:
            raise PersianInputError(
                f"عدد {value:g} به عنوان تاریخ اکسل {_fa(day.strftime('%Y/%m/%d'))} می‌شود که خارج از بازهٔ "
                f"سال‌های {_fa(min_year)} تا {_fa(max_year)} است؛ تاریخ را به شکل ۱۳۹۸/۰۹/۱۵ وارد کنید."
            )
        return jdatetime.date(day.year, day.month, day.day)
    if not isinstance(value, str):
        raise PersianInputError(f"تاریخ نامعتبر است: {value}")

    text = _clean_numeric_text(value.replace(_ZWNJ, " "))
    if not text:
        raise PersianInputError("تاریخ خالی است.")
    parsed = _parse_date_text(text, min_year, max_year)
    if parsed is None:
        raise PersianInputError(f"تاریخ «{value.strip()}» قابل فهم نیست؛ به شکل ۱۳۹۸/۰۹/۱۵ وارد کنید.")
    return parsed
