from django.contrib import admin

from karaj_budget.admin_tools import NormalizedSearchMixin
from programs.models import BudgetCode, ProgramCode


class CodeAdmin(NormalizedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "title", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "title"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    list_per_page = 100


@admin.register(ProgramCode)
class ProgramCodeAdmin(CodeAdmin):
    list_display = [*CodeAdmin.list_display, "deputy"]
    list_select_related = ["parent", "deputy"]


@admin.register(BudgetCode)
class BudgetCodeAdmin(CodeAdmin):
    list_display = [*CodeAdmin.list_display, "credit_type"]
    list_filter = [*CodeAdmin.list_filter, "credit_type"]
