"""Admin pieces shared by the apps: Jalali dates, Persian-normalised search, Jalali date filters."""

import datetime

import jdatetime
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from karaj_budget.form_fields import JalaliDateField, JalaliDateInput, JalaliDateTimeField
from karaj_budget.jalali import TEHRAN, format_jalali_date, format_jalali_datetime
from karaj_budget.persian import search_key


def jalali_display(field):
    """A read-only admin column or field showing a date or datetime field in Jalali."""

    def show(obj):
        value = getattr(obj, field.name)
        if value is None:
            return "—"
        if isinstance(field, models.DateTimeField):
            return format_jalali_datetime(value)
        return format_jalali_date(value)

    show.short_description = field.verbose_name
    show.admin_order_field = field.name
    show.__name__ = f"{field.name}_jalali"
    return show


class JalaliAdminMixin:
    """Jalali dates everywhere in a model's admin: date inputs, and read-only date fields.

    Django's admin would show Gregorian dates with Persian month names (and take Gregorian input),
    so date and datetime fields get the Jalali form fields, and read-only ones a Jalali display.
    """

    # The widget too: the admin's defaults (split Gregorian date and time inputs) would stay otherwise.
    formfield_overrides = {
        models.DateTimeField: {"form_class": JalaliDateTimeField, "widget": JalaliDateInput},
        models.DateField: {"form_class": JalaliDateField, "widget": JalaliDateInput},
    }

    def jalali_field(self, name):
        """The Jalali display for `name` if it is a date field of the model, else `name` itself.

        One callable per field and admin, so the same object can stand in `fields` and in
        `readonly_fields` (the admin matches them by identity).
        """
        if not isinstance(name, str):
            return name
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return name
        if not isinstance(field, models.DateField):
            return name
        cache = self.__dict__.setdefault("_jalali_fields", {})
        if name not in cache:
            cache[name] = jalali_display(field)
        return cache[name]

    def get_readonly_fields(self, request, obj=None):
        return [self.jalali_field(name) for name in super().get_readonly_fields(request, obj)]

    def get_fields(self, request, obj=None):
        readonly = set(super().get_readonly_fields(request, obj))
        # Without the change permission the admin shows every field read-only.
        view_only = obj is not None and not self.has_change_permission(request, obj)
        return [
            self.jalali_field(name) if view_only or name in readonly else name
            for name in super().get_fields(request, obj)
        ]


class ReadOnlyAdminMixin:
    """Records that are evidence (the audit trail, frozen submissions): viewed, never changed here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
