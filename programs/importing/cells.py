"""Turning a cell's value into what a column expects, with a Persian message when it cannot be."""

import datetime
import re

from karaj_budget.persian import PersianInputError, normalize_text, to_ascii_digits

from .sheets import CellError, NoCachedValue

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def usable(value):
    """The value itself, or PersianInputError for a formula without a result or an Excel error."""
    if isinstance(value, NoCachedValue):
        raise PersianInputError(
            f"فرمول «={value.formula}» مقدار ذخیره‌شده ندارد (فایل با اکسل محاسبه و ذخیره نشده است)؛ "
            "مقدار را تایپ کنید یا فایل را در اکسل باز و ذخیره کنید."
        )
    if isinstance(value, CellError):
        raise PersianInputError(f"خانه خطای اکسل «{value.code}» دارد.")
    return value


def text(value, *, max_length=None, required=False, what="مقدار") -> str:
    """Free text (titles, names), normalised; numbers become their digits; dates are refused.

    Text that starts with `=`, `+`, `-` or `@` is kept as typed: it arrived as a text cell, so it is a
    title, not a formula.
    """
    value = usable(value)
    if value is None:
        result = ""
    elif isinstance(value, bool):
        raise PersianInputError(f"{what} نامعتبر است: {value}")
    elif isinstance(value, int):
        result = str(value)
    elif isinstance(value, float):
        result = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise PersianInputError(f"در این ستون {what} متنی لازم است، نه تاریخ.")
    else:
        result = normalize_text(_CONTROL.sub("", str(value)))
    if required and not result:
        raise PersianInputError(f"{what} خالی است.")
    if max_length and len(result) > max_length:
        raise PersianInputError(
            f"{what} {len(result)} نویسه دارد؛ بیشترین طول مجاز {max_length} نویسه است.".translate(
                str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
            )
        )
    return result


def integer(value, *, what="عدد") -> int | None:
    value = usable(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise PersianInputError(f"{what} نامعتبر است: {value}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        cleaned = to_ascii_digits(normalize_text(value)).strip()
        if cleaned.isdigit() and cleaned.isascii():
            return int(cleaned)
        if not cleaned:
            return None
    raise PersianInputError(f"{what} «{value}» عدد صحیح نیست.")
