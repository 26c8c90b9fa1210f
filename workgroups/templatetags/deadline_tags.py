"""Template filters for deadlines: `{{ submission.late_by|duration_fa }}` → «۲ روز و ۵ ساعت»."""

import datetime

from django import template

from workgroups.deadlines import format_duration_fa

register = template.Library()


@register.filter
def duration_fa(value):
    """A timedelta in Persian to its two largest units; "" for anything else."""
    if not isinstance(value, datetime.timedelta):
        return ""
    return format_duration_fa(value)
