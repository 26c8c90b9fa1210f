"""Admin for joint meetings and remit requests (the budget office decides the latter here for now).

Kept apart from admin.py so the ranking work and the project admin can change independently.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from karaj_budget.admin_tools import JalaliAdminMixin
from karaj_budget.jalali import format_jalali_date, format_jalali_datetime
from workgroups import services
from workgroups.models import Meeting, RemitRequest, Workgroup


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
            except services.RankingError as error:
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
            except services.RankingError as error:
                self.message_user(request, f"«{remit.project}»: {error.message}", level=messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request, f"{done} درخواست رد شد و پروژه به فهرست برگشت.", level=messages.SUCCESS
            )
