"""Jalali (Solar Hijri) display helpers, in Tehran time.

The database stores Gregorian dates and aware datetimes; Jalali appears only at the edges (forms,
templates, imports, exports). Everything shown to people goes through here so that every page shows
the same digits (Persian), the same separators and the same time zone.

jdatetime prints ASCII digits whatever its locale, and two equal jdatetime dates with different
locales compare unequal, so the dates made here never carry a locale: the project does not call
`jdatetime.set_locale()` (it would change the default for the whole thread).
"""

import datetime
import zoneinfo

import jdatetime
from django.utils import timezone

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")

MONTH_NAMES = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)

# Arabic-Indic digits are mapped too, so a value that was never normalised still shows one digit form.
_TO_PERSIAN_DIGITS = str.maketrans("0123456789٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹" * 2)


def _in_tehran(value: datetime.datetime) -> datetime.datetime:
    # An aware datetime (what Django stores with USE_TZ) is converted; a naive one is already a
    # Tehran wall-clock time (for example typed into a form) and is left alone.
    if value.tzinfo is None:
        return value
    return value.astimezone(TEHRAN)


def to_jalali_date(value) -> jdatetime.date:
    """The Jalali day of a date or datetime; aware datetimes count in Tehran time.

    Accepts `datetime.date`, `datetime.datetime`, `jdatetime.date` and `jdatetime.datetime`.
    """
    if isinstance(value, jdatetime.datetime):
        value = value.togregorian()
    elif isinstance(value, jdatetime.date):
        return jdatetime.date(value.year, value.month, value.day)
    if isinstance(value, datetime.datetime):
        value = _in_tehran(value).date()
    if isinstance(value, datetime.date):
        return jdatetime.date.fromgregorian(date=value)
    raise TypeError(f"not a date: {value!r}")


def persian_digits(value) -> str:
    """`str(value)` with Persian digits; None → ""."""
    if value is None:
        return ""
    return str(value).translate(_TO_PERSIAN_DIGITS)


def format_jalali_date(value) -> str:
    """`۱۳۹۸/۰۹/۱۵` for a date or datetime (datetimes in Tehran time)."""
    day = to_jalali_date(value)
    return persian_digits(f"{day.year:04d}/{day.month:02d}/{day.day:02d}")


def format_jalali_datetime(value) -> str:
    """`۱۳۹۸/۰۹/۱۵ ۲۳:۵۹` for a datetime in Tehran time; a plain date gives the date alone."""
    if isinstance(value, jdatetime.datetime):
        value = value.togregorian()
    if not isinstance(value, datetime.datetime):
        return format_jalali_date(value)
    local = _in_tehran(value)
    return f"{format_jalali_date(local)} {persian_digits(f'{local.hour:02d}:{local.minute:02d}')}"


def today_example() -> str:
    """Today's Jalali date (Tehran) as forms show it in an example, so the example is always of
    the round people are in (`۱۴۰۵/۰۹/۰۸`), never a date from another cycle."""
    return format_jalali_date(timezone.now())


def end_of_jalali_day(jdate) -> datetime.datetime:
    """23:59:59 Tehran time of a Jalali day, as an aware datetime: the usual meaning of a deadline.

    The result has no microseconds, so a check written as `now <= deadline` refuses 23:59:59.5;
    compare with `now < deadline + timedelta(seconds=1)` where that half second matters.
    """
    gregorian = to_jalali_date(jdate).togregorian()
    return datetime.datetime.combine(gregorian, datetime.time(23, 59, 59), tzinfo=TEHRAN)


def format_money(value: int) -> str:
    """`۱٬۲۰۰٬۰۰۰`: Persian digits with the Arabic thousands separator U+066C.

    Money is whole integers in this project, so anything else is a programming error.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"money must be an int, not {type(value).__name__}")
    return persian_digits(f"{value:,}".replace(",", "٬"))


def jalali_month_name(month: int) -> str:
    """The Persian name of Jalali month 1..12 (1 → «فروردین»)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12, not {month!r}")
    return MONTH_NAMES[month - 1]
