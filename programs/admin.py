from django.contrib import admin
from import_export.admin import ImportExportMixin

from karaj_budget.admin_tools import JalaliAdminMixin, NormalizedSearchMixin, ReadOnlyAdminMixin
from karaj_budget.jalali import format_jalali_datetime
from programs.forms import BudgetCodeAdminForm, ProgramCodeAdminForm
from programs.importing.admin import CodeImportMixin
from programs.models import (
    BudgetCode,
    CodeImport,
    FundingSource,
    Indicator,
    IndicatorTarget,
    ProgramCode,
    Unit,
)
from programs.resources import BudgetCodeResource, ProgramCodeResource, SafeXLSX


@admin.register(Unit)
class UnitAdmin(NormalizedSearchMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "default_deputy", "valid_from_year", "valid_to_year"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["default_deputy"]


class CodeAdmin(
    CodeImportMixin, ImportExportMixin, NormalizedSearchMixin, JalaliAdminMixin, admin.ModelAdmin
):
    list_display = ["code", "title", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "title"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    list_per_page = 100
    export_formats = [SafeXLSX]
    # The level follows from the parent (programs/forms.py runs the import's rules).
    readonly_fields = ["level"]


@admin.register(ProgramCode)
class ProgramCodeAdmin(CodeAdmin):
    import_kind = "program"
    form = ProgramCodeAdminForm
    resource_classes = [ProgramCodeResource]
    list_display = [*CodeAdmin.list_display, "deputy"]
    list_select_related = ["parent", "deputy"]


@admin.register(BudgetCode)
class BudgetCodeAdmin(CodeAdmin):
    import_kind = "budget"
    form = BudgetCodeAdminForm
    resource_classes = [BudgetCodeResource]
    list_display = [*CodeAdmin.list_display, "credit_type"]
    list_filter = [*CodeAdmin.list_filter, "credit_type"]


@admin.register(CodeImport)
class CodeImportAdmin(ReadOnlyAdminMixin, JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["at_jalali", "user", "scheme", "summary"]
    list_filter = ["scheme"]
    list_select_related = ["user"]

    @admin.display(description="زمان", ordering="at")
    def at_jalali(self, obj):
        return format_jalali_datetime(obj.at)


@admin.register(FundingSource)
class FundingSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]


class IndicatorTargetInline(admin.TabularInline):
    """The indicator's target for each fiscal year: the plan's one-year slice."""

    model = IndicatorTarget
    extra = 1


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """Program indicators (docs/monitoring.md, "Indicators"): name, unit of measure, baseline and
    direction per operational program code, with a target per year. The quarters' actual values are
    entered on the indicators page (workgroups), not here."""

    list_display = ["name", "program_code", "measure_unit", "baseline", "direction", "position"]
    list_filter = ["direction"]
    search_fields = ["name", "program_code__code"]
    list_select_related = ["program_code"]
    raw_id_fields = ["program_code"]
    inlines = [IndicatorTargetInline]
