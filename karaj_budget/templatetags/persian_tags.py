"""Template filters for Persian display, available in every template (a builtin in settings).

    {{ deadline.ends_at|jdatetime }}  → ۱۳۹۸/۰۹/۱۵ ۲۳:۵۹
    {{ cycle.starts_on|jdate }}       → ۱۳۹۸/۰۹/۱۵
    {{ request.amount|money }}        → ۱۲٬۵۰۰٬۰۰۰
    {{ project.code|fa_digits }}      → ۵۰۱۰۱۰۰۱

Django's own `date` filter would print a Gregorian date, so dates are shown through these. Like
Django's filters, these never raise: a value they cannot format gives "" (dates) or itself (money).
Datetimes are converted to Tehran time explicitly, whatever time zone is active.
"""

from decimal import Decimal

from django import template

from karaj_budget.jalali import format_jalali_date, format_jalali_datetime, format_money, persian_digits

register = template.Library()


@register.filter
def jdate(value):
    """Jalali date with Persian digits; "" for None or a value that is not a date."""
    try:
        return format_jalali_date(value)
    except (TypeError, ValueError):
        return ""


@register.filter(name="jdatetime")
def jdatetime_filter(value):
    """Jalali date and Tehran time (`۱۳۹۸/۰۹/۱۵ ۲۳:۵۹`); a plain date shows the date alone."""
    try:
        return format_jalali_datetime(value)
    except (TypeError, ValueError):
        return ""


@register.filter(is_safe=True)
def fa_digits(value):
    """The value with Persian digits; changing digits adds no HTML, so safe input stays safe."""
    return persian_digits(value)


@register.filter
def money(value):
    """Persian digits with thousands separators; None → «—»; anything not a whole number unchanged."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return format_money(value)
