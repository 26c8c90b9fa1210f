"""The admin: the budget office sets up cycles, deadlines, ceilings and extensions, corrects
projects and decides remit requests here; the audit trail and submissions are read-only evidence.

Every change of a list made here goes through the same services as the app (`services.py`), so it
takes the list's lock, is refused on a submitted list and is audited like any other.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from import_export.admin import ImportMixin

from karaj_budget.admin_tools import (
    JalaliAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    jalali_date_filter,
)
from karaj_budget.jalali import format_jalali_date, format_jalali_datetime, persian_digits
from karaj_budget.persian import PersianInputError
from programs.importing.admin import SpreadsheetImportMixin, UploadForm
from workgroups import locks, resources, services
from workgroups.forms import DeadlineAdminForm, ExtensionAdminForm, ProjectMoneyMixin, ProjectRefField
from workgroups.importing import COLUMNS, EXAMPLE, import_projects
from workgroups.locks import ListError
from workgroups.models import (
    AuditEntry,
    Cycle,
    Deadline,
    Extension,
    Meeting,
    Membership,
    MonitoredProject,
    PeriodExtension,
    ProgressReport,
    Project,
    QuarterReminderLog,
    ReminderLog,
    RemitRequest,
    ReportingPeriod,
    SourceCeiling,
    Submission,
    UnitExpert,
    Workgroup,
    WorkgroupCycle,
)
from workgroups.monitoring import carryover


def chosen_cycle(value):
    """The cycle a new project's admin form is about: the one posted or named in the address
    (`?cycle=<id>`), else the current one (an unknown value falls back; the field itself refuses it)."""
    try:
        return Cycle.objects.get(pk=int(value))
    except (TypeError, ValueError, Cycle.DoesNotExist):
        return Cycle.objects.current()


FORECAST_KEY = re.compile(r"forecast_(\d+)")


class LockCheckedProjectForm(ProjectMoneyMixin, forms.ModelForm):
    """Says on the form, before saving, when the project's list (or the one it would move to) is
    frozen; the save itself checks again inside its transaction. Carries the project's forecasts
    and source parts: the years after its cycle's fiscal year, for a new project the cycle chosen
    in the form (`chosen_cycle`), so the years follow the cycle rather than the current one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.cycle_id:
            cycle = self.instance.cycle
        else:
            cycle_field = self.add_prefix("cycle")
            cycle = chosen_cycle(self.data.get(cycle_field) if self.is_bound else self.initial.get("cycle"))
            if "cycle" in self.fields:
                self.fields["cycle"].help_text = (
                    "سال‌های پیش‌بینی، پنج سال پس از سال مالی همین دوره‌اند؛ اگر دوره را تغییر دهید، "
                    "پس از «ذخیره» سال‌های دوره تازه نمایش داده می‌شود تا مبالغ را در آن‌ها وارد کنید."
                )
        self.add_money_fields(cycle.fiscal_year if cycle else None)

    ref = ProjectRefField()

    def clean_continues(self):
        continued = self.cleaned_data.get("continues")
        cycle = self.cleaned_data.get("cycle") or (self.instance.cycle if self.instance.cycle_id else None)
        try:
            carryover.check_continues(project_cycle=cycle, project_pk=self.instance.pk, continued=continued)
        except PersianInputError as error:
            raise forms.ValidationError(str(error)) from None
        return continued

    def stray_forecasts(self):
        """Posted forecast boxes for years that are not the chosen cycle's (the form was drawn for
        another cycle): never dropped silently."""
        if not self.is_bound or self.fiscal_year is None:
            return []
        prefix = self.add_prefix("")
        years = set()
        for key, value in self.data.items():
            match = FORECAST_KEY.fullmatch(key.removeprefix(prefix)) if key.startswith(prefix) else None
            if match and str(value).strip() and f"forecast_{match[1]}" not in self.fields:
                years.add(int(match[1]))
        return sorted(years)

    def clean(self):
        cleaned = super().clean()
        stray = self.stray_forecasts()
        if stray:
            allowed = resources.forecast_years(self.fiscal_year)
            named = "، ".join(f"«پیش‌بینی {persian_digits(year)}»" for year in stray)
            self.add_error(
                "cycle" if "cycle" in self.fields else None,
                f"{named}: پیش‌بینی پروژه‌ای از دوره {persian_digits(self.fiscal_year)} فقط برای "
                f"{persian_digits(allowed[0])} تا {persian_digits(allowed[-1])} است (پنج سال پس از سال "
                "دوره). سال‌های این دوره اکنون نمایش داده شده‌اند؛ مبالغ را در آن‌ها وارد کنید.",
            )
        if not self.errors:
            self.check_money(cleaned)
        deputy = cleaned.get("responsible_deputy")
        cycle = cleaned.get("cycle") or getattr(self.instance, "cycle", None)
        if cycle is None or deputy is None:
            return cleaned
        workgroups = list(Workgroup.objects.filter(deputy=deputy))
        if self.instance.pk:
            workgroups.append(self.instance.workgroup)
        for workgroup in workgroups:
            reason = locks.list_lock_reason(workgroup=workgroup, cycle=cycle, writer=locks.OFFICE)
            if reason:
                raise forms.ValidationError(reason)
        return cleaned


class ProjectImportMixin(SpreadsheetImportMixin):
    """The project admin's «بارگذاری» from Excel: the upload form also asks for the cycle."""

    import_kind = "projects"

    def get_upload_form_class(self, request):
        class ProjectUploadForm(UploadForm):
            cycle = forms.ModelChoiceField(
                label="دورهٔ بودجه",
                queryset=Cycle.objects.all(),
                initial=lambda: Cycle.objects.current(),
            )

        return ProjectUploadForm

    def import_options(self, form):
        return {"cycle": form.cleaned_data["cycle"].pk}

    def run_import(self, fileobj, *, dry_run, user, options, table=None):
        cycle = Cycle.objects.get(pk=options["cycle"])
        return import_projects(fileobj, cycle=cycle, dry_run=dry_run, user=user, table=table)

    def template_columns(self):
        return [column.header for column in COLUMNS], EXAMPLE


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workgroup)
class WorkgroupAdmin(JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "deputy"]
    search_fields = ["name", "slug"]
    list_select_related = ["deputy"]
    inlines = [MembershipInline]


@admin.register(UnitExpert)
class UnitExpertAdmin(JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["user", "unit"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user"]


class DeadlineInline(admin.TabularInline):
    model = Deadline
    form = DeadlineAdminForm
    extra = 0


class WorkgroupCycleAdminForm(forms.ModelForm):
    class Meta:
        model = WorkgroupCycle
        fields = ["workgroup", *services.CEILING_FIELDS]

    def clean_workgroup(self):
        workgroup = self.cleaned_data["workgroup"]
        if self.instance.pk and workgroup != self.instance.workgroup:
            raise forms.ValidationError(
                "کارگروهِ یک ردیف ثبت‌شده تغییر نمی‌کند؛ برای کارگروه دیگر ردیف تازه‌ای بیفزایید."
            )
        return workgroup


class WorkgroupCycleInline(admin.TabularInline):
    """A workgroup's ceilings in the cycle. Saved through `services.ceilings_set` (CycleAdmin), so
    every change is audited; a row is never deleted here (its list's version and source ceilings
    hang on it)."""

    model = WorkgroupCycle
    form = WorkgroupCycleAdminForm
    extra = 0
    can_delete = False
    readonly_fields = ["ranking_version"]


@admin.register(SourceCeiling)
class SourceCeilingAdmin(admin.ModelAdmin):
    """Optional ceilings per funding source for a workgroup's list (compared wherever the list's
    figures are shown). Every change goes through `services.ceilings_set`, which audits it."""

    list_display = ["share", "source", "amount"]
    list_filter = ["share__cycle", "source"]
    list_select_related = ["share__workgroup", "share__cycle", "source"]

    def get_readonly_fields(self, request, obj=None):
        # A row is one source of one list: change its amount, or delete it and add another.
        return ["share", "source"] if obj is not None else []

    def _set(self, request, obj, amount):
        services.ceilings_set(
            workgroup=obj.share.workgroup,
            cycle=obj.share.cycle,
            user=request.user,
            sources={obj.source: amount},
        )

    def save_model(self, request, obj, form, change):
        self._set(request, obj, obj.amount)
        obj.pk = SourceCeiling.objects.get(share=obj.share, source=obj.source).pk

    def delete_model(self, request, obj):
        self._set(request, obj, None)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("share__workgroup", "share__cycle", "source"):
            self._set(request, obj, None)


@admin.register(Cycle)
class CycleAdmin(JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["title", "fiscal_year", "is_current"]
    inlines = [DeadlineInline, WorkgroupCycleInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not WorkgroupCycle:
            return super().save_formset(request, form, formset, change)
        # Ceilings go through the one audited service; the admin's own history message is kept.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if not row.has_changed() or not row.cleaned_data:
                continue
            adding = row.instance.pk is None
            share = services.ceilings_set(
                workgroup=row.cleaned_data["workgroup"],
                cycle=form.instance,
                user=request.user,
                ceilings={name: row.cleaned_data[name] for name in services.CEILING_FIELDS},
            )
            if adding:
                formset.new_objects.append(share)
            else:
                formset.changed_objects.append((share, row.changed_data))
        return None


@admin.register(Deadline)
class DeadlineAdmin(JalaliAdminMixin, admin.ModelAdmin):
    form = DeadlineAdminForm
    list_display = ["cycle", "kind", "due_jalali", "is_hard"]
    list_filter = ["cycle", "kind", "is_hard", jalali_date_filter("due_at", "مهلت")]

    @admin.display(description="مهلت", ordering="due_at")
    def due_jalali(self, obj):
        return format_jalali_datetime(obj.due_at)


@admin.register(Project)
class ProjectAdmin(
    ProjectImportMixin, ImportMixin, NormalizedSearchMixin, JalaliAdminMixin, admin.ModelAdmin
):
    """Projects as the office corrects them. The order (priority), the workgroup (it follows the
    responsible deputy), the state and duplicates are the workflow's: read-only here. A save goes
    through `services.project_create` / `project_update` (the office's lock rule and the audit)."""

    # «بارگذاری» (import/ and import/template/) runs workgroups.importing.
    normalized_search_field = "title_key"
    list_display = [
        "title",
        "proposing_unit",
        "workgroup",
        "priority",
        "requested_amount",
        "state",
        "cycle",
        "updated_jalali",
    ]
    list_filter = [
        "cycle",
        "workgroup",
        "state",
        "kind",
        "proposing_unit__kind",
        jalali_date_filter("updated_at", "آخرین تغییر"),
    ]
    search_fields = ["title"]
    list_select_related = ["proposing_unit", "workgroup", "cycle"]
    form = LockCheckedProjectForm
    # `continues`: the project of an earlier cycle this one continues (monitoring/carryover.py).
    raw_id_fields = ["program_code", "budget_code", "continues"]
    readonly_fields = [
        "priority",
        "workgroup",
        "state",
        "duplicate_of",
        "created_at",
        "updated_at",
        "created_by",
    ]
    exclude = ["co_proposers"]
    list_per_page = 100

    @admin.display(description="آخرین تغییر", ordering="updated_at")
    def updated_jalali(self, obj):
        return format_jalali_datetime(obj.updated_at)

    def get_readonly_fields(self, request, obj=None):
        # A project stays in the cycle it was proposed for.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "cycle"] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        # The same cycle as the form's money fields (LockCheckedProjectForm).
        cycle = (
            obj.cycle
            if obj is not None
            else chosen_cycle(request.POST.get("cycle") or request.GET.get("cycle"))
        )
        names = LockCheckedProjectForm.money_field_names(
            obj or Project(), cycle.fiscal_year if cycle else None
        )
        return [
            *super().get_fieldsets(request, obj),
            ("پیش‌بینی سال‌های آینده و منابع تأمین امسال (میلیون ریال)", {"fields": names}),
        ]

    def get_form(self, request, obj=None, **kwargs):
        # The money fields are the form's own (added per cycle and source), not the model's.
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            money = ("forecast_", "source_")
            kwargs["fields"] = [
                name for name in kwargs["fields"] if not (isinstance(name, str) and name.startswith(money))
            ]
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            services.project_update(
                project=obj, user=request.user, by_office=True, changed=form.changed_data, money=form.money()
            )
        else:
            services.project_create(project=obj, user=request.user, by_office=True, money=form.money())

    def save_related(self, request, form, formsets, change):
        # The M2M fields are excluded: nothing but the project row itself is saved here.
        pass

    # Projects are withdrawn (overlap decisions), never deleted: audit entries and submissions
    # refer to them.
    def has_delete_permission(self, request, obj=None):
        return False


class AuditActionFilter(admin.SimpleListFilter):
    """The actions recorded so far, by their Persian names (AuditEntry.ACTION_LABELS)."""

    title = "عمل"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((action, AuditEntry.action_label(action)) for action in actions), key=lambda x: x[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["at_jalali", "actor", "action_name", "summary", "workgroup"]
    list_filter = [AuditActionFilter, "workgroup", jalali_date_filter("at", "زمان")]
    search_fields = ["summary", "action", "actor__username"]
    list_select_related = ["actor", "workgroup"]

    @admin.display(description="عمل", ordering="action")
    def action_name(self, obj):
        return obj.get_action_display()

    @admin.display(description="زمان", ordering="at")
    def at_jalali(self, obj):
        return format_jalali_datetime(obj.at)


class UserAdmin(JalaliAdminMixin, DjangoUserAdmin):
    """Django's user admin with last login and date joined shown and entered in Jalali."""


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)


@admin.register(Meeting)
class MeetingAdmin(JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["held_jalali", "workgroup", "cycle", "created_by"]
    list_filter = ["cycle", "workgroup"]
    list_select_related = ["workgroup", "cycle", "created_by"]
    filter_horizontal = ["attendees"]
    readonly_fields = ["ranking_version", "created_by", "created_at"]

    @admin.display(description="تاریخ جلسه", ordering="held_on")
    def held_jalali(self, obj):
        return format_jalali_date(obj.held_on)


class RemitActionForm(ActionForm):
    target_workgroup = forms.ModelChoiceField(
        Workgroup.objects.all(),
        required=False,
        label="کارگروه مقصد",
        help_text="برای «پذیرش»؛ اگر خالی بماند، کارگروه مقصدِ ثبت‌شده در خود درخواست به کار می‌رود.",
    )


@admin.register(RemitRequest)
class RemitRequestAdmin(JalaliAdminMixin, admin.ModelAdmin):
    """Open requests are decided with the two actions; a decision is recorded in the audit trail."""

    list_display = [
        "project",
        "from_workgroup",
        "requested_by",
        "requested_jalali",
        "state",
        "target_workgroup",
    ]
    list_filter = ["state", "from_workgroup"]
    list_select_related = ["project", "from_workgroup", "requested_by", "target_workgroup"]
    search_fields = ["project__title", "reason"]
    readonly_fields = [
        "project",
        "from_workgroup",
        "requested_by",
        "requested_at",
        "reason",
        "previous_priority",
        "state",
        "decided_by",
        "decided_at",
    ]
    fields = [*readonly_fields, "target_workgroup", "decision_note"]
    action_form = RemitActionForm
    actions = ["accept_requests", "reject_requests"]

    @admin.display(description="زمان درخواست", ordering="requested_at")
    def requested_jalali(self, obj):
        return format_jalali_datetime(obj.requested_at)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="پذیرش: انتقال پروژه به کارگروه مقصد", permissions=["change"])
    def accept_requests(self, request, queryset):
        chosen = None
        chosen_pk = request.POST.get("target_workgroup")
        if chosen_pk:
            chosen = Workgroup.objects.filter(pk=chosen_pk).first()
        done = 0
        for remit in queryset.select_related("project__workgroup", "project__cycle", "target_workgroup"):
            target = chosen or remit.target_workgroup
            if target is None:
                self.message_user(
                    request, f"«{remit.project}»: کارگروه مقصد را انتخاب کنید.", level=messages.ERROR
                )
                continue
            try:
                services.remit_accept(remit=remit, user=request.user, target_workgroup=target)
            except ListError as error:
                self.message_user(request, f"«{remit.project}»: {error.message}", level=messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(request, f"{done} درخواست پذیرفته و پروژه منتقل شد.", level=messages.SUCCESS)

    @admin.action(description="رد: بازگشت پروژه به فهرست همان کارگروه", permissions=["change"])
    def reject_requests(self, request, queryset):
        done = 0
        for remit in queryset.select_related("project__workgroup", "project__cycle"):
            try:
                services.remit_reject(remit=remit, user=request.user)
            except ListError as error:
                self.message_user(request, f"«{remit.project}»: {error.message}", level=messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request, f"{done} درخواست رد شد و پروژه به فهرست برگشت.", level=messages.SUCCESS
            )


@admin.register(Extension)
class ExtensionAdmin(JalaliAdminMixin, admin.ModelAdmin):
    form = ExtensionAdminForm
    list_display = ["workgroup", "cycle", "kind", "due_jalali", "granted_by", "granted_jalali"]
    list_filter = ["cycle", "kind", "workgroup"]
    list_select_related = ["workgroup", "cycle", "granted_by"]
    readonly_fields = ["granted_by", "granted_at"]

    @admin.display(description="مهلت تازه", ordering="due_at")
    def due_jalali(self, obj):
        return format_jalali_datetime(obj.due_at)

    @admin.display(description="زمان تمدید", ordering="granted_at")
    def granted_jalali(self, obj):
        return format_jalali_datetime(obj.granted_at)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
        AuditEntry.objects.record(
            actor=request.user,
            action="extension.grant" if not change else "extension.change",
            summary=f"تمدید مهلت {obj.get_kind_display()} «{obj.workgroup.name}» تا "
            f"{format_jalali_datetime(obj.due_at)} (در مدیریت)",
            workgroup=obj.workgroup,
            cycle=obj.cycle,
            details={
                "extension": obj.pk,
                "kind": obj.kind,
                "due_at": obj.due_at.isoformat(),
                "reason": obj.reason,
            },
        )

    # An extension is evidence of a decision: replace it with a newer one instead of deleting it.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = [
        "workgroup",
        "cycle",
        "kind",
        "number",
        "state",
        "submitted_jalali",
        "late_by",
        "checksum",
    ]
    list_filter = ["cycle", "kind", "state", "workgroup", jalali_date_filter("submitted_at", "زمان ارسال")]
    list_select_related = ["workgroup", "cycle"]
    search_fields = ["checksum", "workgroup__name"]

    @admin.display(description="زمان ارسال", ordering="submitted_at")
    def submitted_jalali(self, obj):
        return format_jalali_datetime(obj.submitted_at)


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["workgroup", "cycle", "kind", "days_before", "due_at", "recipients", "sent_at"]
    list_filter = ["cycle", "kind", "days_before"]
    list_select_related = ["workgroup", "cycle"]


# ---- Monitoring (docs/monitoring.md): read-only here --------------------------------------------
# Every change goes through the monitoring pages' steps, which lock, check and audit
# (workgroups/monitoring/); the admin shows the records for lookup and audit only.


@admin.register(MonitoredProject)
class MonitoredProjectAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "project",
        "approved_amount",
        "approved_from",
        "planned_q1",
        "planned_q2",
        "planned_q3",
        "planned_q4",
    ]
    list_filter = ["project__cycle", "approved_from", "project__workgroup"]
    list_select_related = ["project"]
    search_fields = ["project__title", "project__ref"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "due_at", "is_hard", "opened_at", "opened_by"]
    list_filter = ["cycle"]
    list_select_related = ["cycle", "opened_by"]


@admin.register(PeriodExtension)
class PeriodExtensionAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["period", "unit", "due_at", "granted_by", "granted_at"]
    list_filter = ["period"]
    list_select_related = ["period__cycle", "unit", "granted_by"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["monitored", "period", "state", "physical_progress", "absorbed", "status", "submitted_at"]
    list_filter = ["period", "state", "status"]
    list_select_related = ["monitored__project", "period__cycle"]
    search_fields = ["monitored__project__title", "checksum"]


@admin.register(QuarterReminderLog)
class QuarterReminderLogAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["period", "unit", "days_before", "due_at", "recipients", "sent_at"]
    list_filter = ["period", "days_before"]
    list_select_related = ["period__cycle", "unit"]
