from django import forms

from karaj_budget.form_fields import AmountField, JalaliDateTimeField, PercentField, PersianTextField
from workgroups.models import Deadline, Project, Unit


class ProjectForm(forms.ModelForm):
    """A unit expert's proposal (or the office's correction of one)."""

    title = PersianTextField(label="عنوان", max_length=255)
    description = PersianTextField(label="شرح", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    justification = PersianTextField(
        label="نیازسنجی", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    location = PersianTextField(label="محل اجرا", required=False, max_length=255)
    requested_amount = AmountField(label="اعتبار درخواستی (میلیون ریال)")
    total_estimate = AmountField(label="برآورد کل (میلیون ریال)", required=False)
    physical_progress = PercentField(label="پیشرفت فیزیکی (درصد)", required=False)

    class Meta:
        model = Project
        fields = [
            "title",
            "responsible_deputy",
            "location",
            "kind",
            "physical_progress",
            "total_estimate",
            "requested_amount",
            "description",
            "justification",
            "ref",
        ]

    def __init__(self, *args, fiscal_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_deputy"].queryset = Unit.objects.deputies().valid_in(fiscal_year)

    def clean_requested_amount(self):
        amount = self.cleaned_data["requested_amount"]
        if not amount:
            raise forms.ValidationError("اعتبار درخواستی باید بیشتر از صفر باشد.")
        return amount

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Project.Kind.NEW and cleaned.get("physical_progress"):
            self.add_error("physical_progress", "پروژه جدید پیشرفت فیزیکی ندارد.")
        return cleaned


class DeadlineAdminForm(forms.ModelForm):
    due_at = JalaliDateTimeField(label="مهلت")

    class Meta:
        model = Deadline
        fields = ["cycle", "kind", "due_at", "is_hard"]
