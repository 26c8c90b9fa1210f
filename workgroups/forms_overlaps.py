"""The budget office's decision on an overlap pair: which decision, on which project, where to."""

from django import forms

from workgroups.models import Workgroup


class OverlapDecisionForm(forms.Form):
    """One decision; `project` names the kept, merged-into or moved project (one of the pair)."""

    DISTINCT, KEEP, MERGE, REASSIGN = "distinct", "keep", "merge", "reassign"

    decision = forms.ChoiceField(
        label="تصمیم",
        choices=[
            (DISTINCT, "دو پروژه جدا"),
            (KEEP, "تکراری: نگه داشتن یکی"),
            (MERGE, "ادغام"),
            (REASSIGN, "انتقال به کارگروه دیگر"),
        ],
    )
    project = forms.TypedChoiceField(label="پروژه", coerce=int, required=False)
    workgroup = forms.ModelChoiceField(
        label="کارگروه مقصد",
        queryset=Workgroup.objects.order_by("deputy__code"),
        to_field_name="slug",
        required=False,
    )

    def __init__(self, *args, pair, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.title) for p in (pair.first, pair.second)]

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision and decision != self.DISTINCT and not data.get("project"):
            self.add_error("project", "پروژه را انتخاب کنید.")
        if decision == self.REASSIGN and not data.get("workgroup"):
            self.add_error("workgroup", "کارگروه مقصد را انتخاب کنید.")
        return data
