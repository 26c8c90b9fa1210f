"""Admin for the submission workflow: extensions are granted here too; submissions and reminders are
read-only evidence (a submission changes only through the review steps, which write the audit trail)."""

from django.contrib import admin

from karaj_budget.admin_tools import JalaliAdminMixin, ReadOnlyAdminMixin, jalali_date_filter
from karaj_budget.jalali import format_jalali_datetime
from workgroups.forms_submissions import ExtensionAdminForm
from workgroups.models import AuditEntry, Extension, ReminderLog, Submission


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
class ReminderLogAdmin(JalaliAdminMixin, admin.ModelAdmin):
    list_display = ["workgroup", "cycle", "kind", "days_before", "due_at", "recipients", "sent_at"]
    list_filter = ["cycle", "kind", "days_before"]
    list_select_related = ["workgroup", "cycle"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
