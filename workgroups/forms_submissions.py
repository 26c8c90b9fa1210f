"""Forms of the submission workflow: the office's extensions and returns."""

from django import forms
from django.utils import timezone

from karaj_budget.form_fields import JalaliDateTimeField, PersianTextField
from workgroups.models import Deadline, Extension


class ExtensionForm(forms.ModelForm):
    """A new due date for one workgroup's list; a date alone means the end of that Tehran day."""

    due_at = JalaliDateTimeField(label="مهلت تازه")
    reason = PersianTextField(label="دلیل تمدید", widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Extension
        fields = ["kind", "due_at", "reason"]

    def clean_due_at(self):
        due_at = self.cleaned_data["due_at"]
        if due_at is not None and due_at <= timezone.now():
            raise forms.ValidationError("مهلت تازه باید در آینده باشد.")
        return due_at


class ExtensionAdminForm(ExtensionForm):
    class Meta(ExtensionForm.Meta):
        fields = ["workgroup", "cycle", "kind", "due_at", "reason"]


class ReturnForm(forms.Form):
    """The office returns a list: a reason the head will read, and optionally a new due date."""

    reason = PersianTextField(
        label="دلیل بازگشت",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="رئیس کارگروه این متن را در سامانه و در رایانامه می‌بیند.",
    )
    due_at = JalaliDateTimeField(
        label="مهلت اصلاح (تمدید، اختیاری)",
        required=False,
        help_text="اگر مهلت گذشته یا نزدیک است، تاریخ تازه‌ای برای ارسال دوباره بدهید.",
    )


KIND_CHOICES = [("", "هر دو فهرست"), *Deadline.Kind.choices]
