"""Form fields that accept Persian input the way people type it and normalise it on the way in."""

import datetime
import re

import jdatetime
from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

from karaj_budget.jalali import TEHRAN, end_of_jalali_day, persian_digits, today_example
from karaj_budget.persian import (
    PersianInputError,
    normalize_text,
    parse_amount,
    parse_jalali_date,
    parse_percent,
    to_ascii_digits,
)

TRAILING_TIME = re.compile(r"^(?P<date>.+?)\s+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)$")


class PersianTextField(forms.CharField):
    """Text normalised as stored (Arabic letters, invisible marks, spaces); blank after that is empty."""

    def to_python(self, value):
        return normalize_text(super().to_python(value))


class AmountField(forms.CharField):
    """A whole amount in million rials, typed with Persian or ASCII digits and separators."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return parse_amount(value)
        except PersianInputError as error:
            raise ValidationError(str(error), code="invalid") from error

    def prepare_value(self, value):
        return "" if value is None else value


class PercentField(AmountField):
    """A percentage 0..100 (`۴۵٪`, `45%`, `45`)."""

    def to_python(self, value):
        try:
            return parse_percent(value)
        except PersianInputError as error:
            raise ValidationError(str(error), code="invalid") from error


def _example_help(template):
    """A help text whose example is today's date, filled in each time the form is drawn."""
    return lazy(lambda: template.format(today_example()), str)()


class JalaliDateInput(forms.TextInput):
    """A text input with the vendored Jalali date picker (no jQuery) attached through form media."""

    class Media:
        css = {"all": ["vendor/jalalidatepicker/jalalidatepicker.min.css", "karaj_budget/datepicker.css"]}
        js = ["vendor/jalalidatepicker/jalalidatepicker.min.js", "karaj_budget/datepicker.js"]

    def __init__(self, attrs=None):
        super().__init__({"dir": "ltr", "data-jdp": "", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Today's date as the example, worked out when the page is drawn.
        context["widget"]["attrs"].setdefault("placeholder", today_example())
        return context


class JalaliDateTimeField(forms.CharField):
    """A Jalali date, optionally with a time (`۱۳۹۸/۰۹/۱۵` or `1398/09/15 14:30`), Tehran time.

    A date without a time means the end of that day (23:59:59 Tehran), the usual meaning of a
    deadline. Gregorian-looking years are rejected instead of being stored as Jalali year 2019.
    """

    def __init__(self, **kwargs):
        kwargs.pop("input_formats", None)
        kwargs.setdefault("widget", JalaliDateInput())
        kwargs.setdefault("help_text", _example_help("تاریخ شمسی، و در صورت نیاز ساعت (مثلاً {} ۱۴:۳۰)."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime.datetime):
            local = value.astimezone(TEHRAN)
            text = jdatetime.datetime.fromgregorian(datetime=local).strftime("%Y/%m/%d %H:%M:%S")
            return text.removesuffix(" 23:59:59")
        return value

    def to_python(self, value):
        value = to_ascii_digits(normalize_text(super().to_python(value)))
        if not value:
            return None
        # The time, if any, is the last word («۱۵ آذر ۱۳۹۸ ۱۴:۳۰»); month names hold spaces too.
        match = TRAILING_TIME.match(value)
        date_part, time_part = (match["date"], match["time"]) if match else (value, "")
        try:
            jdate = parse_jalali_date(date_part)
        except PersianInputError as error:
            raise ValidationError(str(error), code="invalid") from error
        if not time_part:
            return end_of_jalali_day(jdate)
        try:
            clock = datetime.time.fromisoformat(time_part.zfill(5) if len(time_part) == 4 else time_part)
        except ValueError as error:
            raise ValidationError("ساعت نامعتبر است؛ مثلاً ۱۴:۳۰ بنویسید.", code="invalid") from error
        return datetime.datetime.combine(jdate.togregorian(), clock, tzinfo=TEHRAN)


class JalaliDateField(forms.CharField):
    """A Jalali date (`۱۳۹۸/۰۹/۱۰`, `۱۰ آذر ۱۳۹۸`, …) stored as a Gregorian `datetime.date`."""

    def __init__(self, **kwargs):
        kwargs.pop("input_formats", None)
        kwargs.setdefault("widget", JalaliDateInput())
        kwargs.setdefault("help_text", _example_help("تاریخ شمسی، مثلاً {}."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return persian_digits(jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d"))
        return value

    def to_python(self, value):
        value = normalize_text(super().to_python(value))
        if not value:
            return None
        try:
            return parse_jalali_date(value).togregorian()
        except PersianInputError as error:
            raise ValidationError(str(error), code="invalid") from error
