from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from import_export.admin import ImportMixin

from karaj_budget.admin_tools import (
    JalaliAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    jalali_date_filter,
)
from karaj_budget.jalali import format_jalali_datetime
from programs.importing.admin import ProjectImportMixin
from workgroups.forms import DeadlineAdminForm
from workgroups.models import (
    AuditEntry,
    Cycle,
    Deadline,
    Membership,
    Project,
    Unit,
    UnitExpert,
    Workgroup,
    WorkgroupCycle,
)


@admin.register(Unit)
class UnitAdmin(NormalizedSearchMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "default_deputy", "valid_from_year", "valid_to_year"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["default_deputy"]


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


class WorkgroupCycleInline(admin.TabularInline):
    model = WorkgroupCycle
    extra = 0
    readonly_fields = ["ranking_version"]


@admin.register(Cycle)
class CycleAdmin(JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["title", "fiscal_year", "is_current"]
    inlines = [DeadlineInline, WorkgroupCycleInline]


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
    # «ورود از اکسل» (import/ and import/template/) runs programs.importing.projects.
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
    raw_id_fields = ["program_code", "budget_code"]
    readonly_fields = ["created_at", "updated_at", "created_by"]
    list_per_page = 100

    @admin.display(description="آخرین تغییر", ordering="updated_at")
    def updated_jalali(self, obj):
        return format_jalali_datetime(obj.updated_at)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["at_jalali", "actor", "action", "summary", "workgroup"]
    list_filter = ["action", "workgroup", jalali_date_filter("at", "زمان")]
    search_fields = ["summary", "action", "actor__username"]
    list_select_related = ["actor", "workgroup"]

    @admin.display(description="زمان", ordering="at")
    def at_jalali(self, obj):
        return format_jalali_datetime(obj.at)


class UserAdmin(JalaliAdminMixin, DjangoUserAdmin):
    """Django's user admin with last login and date joined shown and entered in Jalali."""


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)


from workgroups import admin_ranking, admin_submissions  # noqa: E402,F401
