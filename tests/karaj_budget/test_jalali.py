"""Jalali display helpers and the Persian template filters, in Tehran time.

Numbers in comments («item 32») are the cases of docs/persian-bad-inputs.md. No database needed.
"""

import datetime
from decimal import Decimal

import jdatetime
import pytest
import time_machine
from django.template import Context, Engine

from karaj_budget.jalali import (
    TEHRAN,
    end_of_jalali_day,
    format_jalali_date,
    format_jalali_datetime,
    format_money,
    jalali_month_name,
    persian_digits,
    to_jalali_date,
)
from karaj_budget.templatetags.persian_tags import fa_digits, jdate, jdatetime_filter, money

UTC = datetime.UTC


def ymd(day):
    return (day.year, day.month, day.day)


# --- conversion --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2019, 12, 6),
        datetime.datetime(2019, 12, 6, 23, 59, tzinfo=TEHRAN),
        datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC),  # 23:59:59 in Tehran
        datetime.datetime(2019, 12, 6, 23, 59),  # naive: already Tehran wall time
        jdatetime.date(1398, 9, 15),
        jdatetime.date(1398, 9, 15, locale="fa_IR"),
        jdatetime.datetime(1398, 9, 15, 12, 0, tzinfo=TEHRAN),
    ],
)
def test_to_jalali_date(value):
    day = to_jalali_date(value)
    assert ymd(day) == (1398, 9, 15)
    assert day.locale is None


def test_utc_evening_is_the_next_day_in_tehran():
    assert ymd(to_jalali_date(datetime.datetime(2019, 12, 6, 20, 30, tzinfo=UTC))) == (1398, 9, 16)


@pytest.mark.parametrize("value", [None, "1398/09/15", 43805])
def test_to_jalali_date_rejects_non_dates(value):
    with pytest.raises(TypeError):
        to_jalali_date(value)


# --- formatting --------------------------------------------------------------------------------------


def test_format_jalali_date():
    assert format_jalali_date(datetime.date(2019, 12, 6)) == "۱۳۹۸/۰۹/۱۵"
    assert format_jalali_date(jdatetime.date(1403, 1, 1)) == "۱۴۰۳/۰۱/۰۱"
    assert format_jalali_date(datetime.datetime(2019, 12, 6, 20, 30, tzinfo=UTC)) == "۱۳۹۸/۰۹/۱۶"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC), "۱۳۹۸/۰۹/۱۵ ۲۳:۵۹"),
        (datetime.datetime(2019, 12, 6, 23, 59, tzinfo=TEHRAN), "۱۳۹۸/۰۹/۱۵ ۲۳:۵۹"),
        (datetime.datetime(2019, 12, 6, 20, 30, tzinfo=UTC), "۱۳۹۸/۰۹/۱۶ ۰۰:۰۰"),
        # item 32: Tehran was at +04:30 in summer until 1401
        (datetime.datetime(2019, 6, 22, 7, 30, tzinfo=UTC), "۱۳۹۸/۰۴/۰۱ ۱۲:۰۰"),
        # and +03:30 all year since
        (datetime.datetime(2023, 6, 22, 8, 30, tzinfo=UTC), "۱۴۰۲/۰۴/۰۱ ۱۲:۰۰"),
        (datetime.datetime(2019, 12, 6, 9, 5), "۱۳۹۸/۰۹/۱۵ ۰۹:۰۵"),  # naive: Tehran wall time
        (jdatetime.datetime(1398, 9, 15, 9, 5, tzinfo=TEHRAN), "۱۳۹۸/۰۹/۱۵ ۰۹:۰۵"),
        (datetime.date(2019, 12, 6), "۱۳۹۸/۰۹/۱۵"),  # a plain date has no time to show
    ],
)
def test_format_jalali_datetime(value, shown):
    assert format_jalali_datetime(value) == shown


def test_persian_digits():
    assert persian_digits("1398/09/15 23:59") == "۱۳۹۸/۰۹/۱۵ ۲۳:۵۹"
    assert persian_digits(50101001) == "۵۰۱۰۱۰۰۱"
    assert persian_digits("٥ and 5") == "۵ and ۵"
    assert persian_digits("BRT-2") == "BRT-۲"
    assert persian_digits(None) == ""


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(0, "۰"), (999, "۹۹۹"), (1000, "۱٬۰۰۰"), (1_200_000, "۱٬۲۰۰٬۰۰۰"), (12_500_000, "۱۲٬۵۰۰٬۰۰۰")],
)
def test_format_money(amount, shown):
    assert format_money(amount) == shown


@pytest.mark.parametrize("amount", [1.5, "1200", None, True, Decimal("12")])
def test_format_money_takes_only_integers(amount):
    with pytest.raises(TypeError):
        format_money(amount)


def test_jalali_month_name():
    assert jalali_month_name(1) == "فروردین"
    assert jalali_month_name(9) == "آذر"
    assert jalali_month_name(12) == "اسفند"
    for month in (0, 13):
        with pytest.raises(ValueError):
            jalali_month_name(month)


# --- deadlines ---------------------------------------------------------------------------------------


def test_end_of_jalali_day_is_2359_tehran():
    # item 32: the server runs in UTC; 1398/09/15 23:59:59 Tehran is 20:29:59 UTC
    end = end_of_jalali_day(jdatetime.date(1398, 9, 15))
    assert end == datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC)
    assert end.tzinfo is TEHRAN
    assert (end.hour, end.minute, end.second) == (23, 59, 59)


def test_end_of_jalali_day_in_old_summer_time():
    # 1398/04/01 was at +04:30: 23:59:59 Tehran is 19:29:59 UTC
    assert end_of_jalali_day(jdatetime.date(1398, 4, 1)) == datetime.datetime(
        2019, 6, 22, 19, 29, 59, tzinfo=UTC
    )


def test_tehran_summer_time_before_1401():
    # item 32: 1398/04/01 12:00 Tehran = 07:30 UTC (DST +04:30); zoneinfo knows the history
    noon = datetime.datetime.combine(
        jdatetime.date(1398, 4, 1).togregorian(), datetime.time(12), tzinfo=TEHRAN
    )
    assert noon.astimezone(UTC) == datetime.datetime(2019, 6, 22, 7, 30, tzinfo=UTC)
    assert noon.utcoffset() == datetime.timedelta(hours=4, minutes=30)
    # Iran stopped observing DST in 1401 (2022): 1402/04/01 is at +03:30
    later = datetime.datetime.combine(
        jdatetime.date(1402, 4, 1).togregorian(), datetime.time(12), tzinfo=TEHRAN
    )
    assert later.utcoffset() == datetime.timedelta(hours=3, minutes=30)


def test_end_of_jalali_day_accepts_a_parsed_or_gregorian_day():
    assert end_of_jalali_day(jdatetime.date(1398, 9, 15, locale="fa_IR")) == end_of_jalali_day(
        datetime.date(2019, 12, 6)
    )


def test_deadline_on_a_friday_with_a_frozen_clock():
    # item 32: 1398/09/15 is a Friday (jdatetime counts weekdays from Saturday = 0)
    deadline_day = jdatetime.date(1398, 9, 15)
    assert deadline_day.weekday() == 6
    end = end_of_jalali_day(deadline_day)
    with time_machine.travel(datetime.datetime(2019, 12, 6, 20, 29, 59, tzinfo=UTC), tick=False):
        assert datetime.datetime.now(UTC) <= end
    with time_machine.travel(datetime.datetime(2019, 12, 6, 20, 30, 1, tzinfo=UTC), tick=False):
        now = datetime.datetime.now(UTC)
        assert now > end
        assert format_jalali_datetime(now) == "۱۳۹۸/۰۹/۱۶ ۰۰:۰۰"


# --- template filters --------------------------------------------------------------------------------


def test_jdate_filter():
    assert jdate(datetime.date(2019, 12, 6)) == "۱۳۹۸/۰۹/۱۵"
    assert jdate(datetime.datetime(2019, 12, 6, 20, 30, tzinfo=UTC)) == "۱۳۹۸/۰۹/۱۶"
    assert jdate(jdatetime.date(1398, 9, 15)) == "۱۳۹۸/۰۹/۱۵"
    for value in (None, "", "1398/09/15", 43805):
        assert jdate(value) == ""


def test_jdatetime_filter():
    assert jdatetime_filter(datetime.datetime(2019, 12, 6, 20, 29, tzinfo=UTC)) == "۱۳۹۸/۰۹/۱۵ ۲۳:۵۹"
    assert jdatetime_filter(datetime.date(2019, 12, 6)) == "۱۳۹۸/۰۹/۱۵"
    assert jdatetime_filter(None) == ""


def test_fa_digits_filter():
    assert fa_digits("کد 5-01-01-001") == "کد ۵-۰۱-۰۱-۰۰۱"
    assert fa_digits(45) == "۴۵"
    assert fa_digits(None) == ""


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12_500_000, "۱۲٬۵۰۰٬۰۰۰"),
        (0, "۰"),
        (None, "—"),
        (12_500_000.0, "۱۲٬۵۰۰٬۰۰۰"),
        (Decimal("1200"), "۱٬۲۰۰"),
        ("", ""),
        ("n/a", "n/a"),
        (1.5, 1.5),
    ],
)
def test_money_filter(value, shown):
    assert money(value) == shown


def render(source, **context):
    # A standalone engine with the same builtin as settings.TEMPLATES, so no settings are needed.
    engine = Engine(builtins=["karaj_budget.templatetags.persian_tags"])
    return engine.from_string(source).render(Context(context))


def test_filters_work_without_load():
    shown = render(
        "{{ when|jdatetime }} | {{ day|jdate }} | {{ amount|money }} | {{ missing|money }}",
        when=datetime.datetime(2019, 12, 6, 20, 29, tzinfo=UTC),
        day=datetime.date(2019, 12, 6),
        amount=1_200_000,
        missing=None,
    )
    assert shown == "۱۳۹۸/۰۹/۱۵ ۲۳:۵۹ | ۱۳۹۸/۰۹/۱۵ | ۱٬۲۰۰٬۰۰۰ | —"


def test_fa_digits_output_is_still_escaped():
    # item 12: a title with HTML stays text after its digits are changed
    assert render("{{ title|fa_digits }}", title="<b>پروژه 45</b>") == "&lt;b&gt;پروژه ۴۵&lt;/b&gt;"
