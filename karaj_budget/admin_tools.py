"""Admin pieces shared by the apps: Persian-normalised search and Jalali date filters."""

import datetime

import jdatetime
from django.contrib import admin
from django.utils import timezone

from karaj_budget.jalali import TEHRAN
from karaj_budget.persian import search_key


class NormalizedSearchMixin:
    """Admin search that finds «پارک» in «پارك»: the term and the rows are compared by search key.

    `normalized_search_field` names the model's stored search-key column.
    """

    normalized_search_field = "search_key"

    def get_search_results(self, request, queryset, search_term):
        key = search_key(search_term)
        if not key:
            return queryset, False
        return queryset.filter(**{f"{self.normalized_search_field}__contains": key}), False


def _tehran_midnight(jdate):
    gregorian = jdate.togregorian()
    return datetime.datetime.combine(gregorian, datetime.time.min, tzinfo=TEHRAN)


def jalali_date_filter(field_name, title="تاریخ"):
    """A list filter over a DateTimeField with Jalali periods (this month, this year, …)."""

    class JalaliDateFilter(admin.SimpleListFilter):
        parameter_name = f"{field_name}_jalali"

        def lookups(self, request, model_admin):
            return [
                ("today", "امروز"),
                ("week", "هفت روز گذشته"),
                ("month", "ماه جاری"),
                ("last_month", "ماه گذشته"),
                ("year", "سال جاری"),
            ]

        def queryset(self, request, queryset):
            today = jdatetime.date.fromgregorian(date=timezone.localtime(timezone.now(), TEHRAN).date())
            start = end = None
            if self.value() == "today":
                start = _tehran_midnight(today)
            elif self.value() == "week":
                start = _tehran_midnight(today) - datetime.timedelta(days=6)
            elif self.value() == "month":
                start = _tehran_midnight(today.replace(day=1))
            elif self.value() == "last_month":
                end = _tehran_midnight(today.replace(day=1))
                previous = today.replace(day=1) - datetime.timedelta(days=1)
                start = _tehran_midnight(previous.replace(day=1))
            elif self.value() == "year":
                start = _tehran_midnight(today.replace(month=1, day=1))
            if start is None:
                return queryset
            conditions = {f"{field_name}__gte": start}
            if end is not None:
                conditions[f"{field_name}__lt"] = end
            return queryset.filter(**conditions)

    JalaliDateFilter.title = title
    return JalaliDateFilter
