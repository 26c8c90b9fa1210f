from django.contrib import admin
from import_export.admin import ImportExportMixin

from karaj_budget.admin_tools import JalaliAdminMixin, NormalizedSearchMixin
from programs.importing.admin import CodeImportMixin
from programs.models import BudgetCode, ProgramCode
from programs.resources import BudgetCodeResource, ProgramCodeResource, SafeXLSX


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


@admin.register(ProgramCode)
class ProgramCodeAdmin(CodeAdmin):
    import_kind = "program"
    resource_classes = [ProgramCodeResource]
    list_display = [*CodeAdmin.list_display, "deputy"]
    list_select_related = ["parent", "deputy"]


@admin.register(BudgetCode)
class BudgetCodeAdmin(CodeAdmin):
    import_kind = "budget"
    resource_classes = [BudgetCodeResource]
    list_display = [*CodeAdmin.list_display, "credit_type"]
    list_filter = [*CodeAdmin.list_filter, "credit_type"]
