import re

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from karaj_budget.form_fields import (
    AmountField,
    JalaliDateField,
    JalaliDateTimeField,
    PercentField,
    PersianTextField,
)
from karaj_budget.jalali import persian_digits
from karaj_budget.persian import normalize_text, to_ascii_digits
from workgroups.models import Deadline, Meeting, Project, Unit


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


class MeetingForm(forms.ModelForm):
    """A joint meeting: when, who came (users and named representatives of units), what was decided."""

    held_on = JalaliDateField(label="تاریخ جلسه")
    representatives = PersianTextField(
        label="نمایندگان واحدها",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "علی رضایی — منطقه ۵"}),
        help_text="هر نماینده در یک سطر: نام و واحد.",
    )
    minutes = forms.CharField(label="صورت‌جلسه", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    decisions = forms.CharField(label="مصوبات", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    class Meta:
        model = Meeting
        fields = ["held_on", "attendees", "representatives", "minutes", "decisions"]
        widgets = {"attendees": forms.CheckboxSelectMultiple}

    def __init__(self, *args, workgroup, **kwargs):
        super().__init__(*args, **kwargs)
        # People who plausibly sit in the meeting: the workgroup's own and the units' experts.
        self.fields["attendees"].queryset = (
            get_user_model()
            .objects.filter(Q(memberships__workgroup=workgroup) | Q(unit_expert__isnull=False))
            .filter(is_active=True)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["attendees"].label = "حاضران (کاربران سامانه)"
        self.fields["attendees"].label_from_instance = lambda user: user.get_full_name() or user.username

    def clean_representatives(self):
        lines = (normalize_text(line) for line in self.data.get("representatives", "").splitlines())
        return "\n".join(line for line in lines if line)

    def clean_minutes(self):
        return "\n".join(normalize_text(line) for line in self.cleaned_data["minutes"].splitlines()).strip()

    def clean_decisions(self):
        return "\n".join(normalize_text(line) for line in self.cleaned_data["decisions"].splitlines()).strip()


class RemitForm(forms.Form):
    reason = PersianTextField(
        label="دلیل",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="چرا این پروژه در حوزه این معاونت نیست و به نظر شما کدام کارگروه باید آن را بررسی کند.",
    )


POSITION_INPUT = re.compile(r"^\d{1,6}$")


class RankingPositionsForm(forms.Form):
    """The list without JavaScript: one position box per project, the version as a hidden field.

    A row whose number was changed takes that place and the rows left unchanged close up around
    it in their old order, so moving one project needs one number, not a renumbered list. A row
    emptied leaves the ranking; an unranked row given a number joins it.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, data, *, projects):
        super().__init__(data)
        self.projects = projects

    def _row_label(self, project):
        return f"پروژه «{project.title}»"

    def clean(self):
        cleaned = super().clean()
        errors, wanted = [], {}
        for project in self.projects:
            raw = to_ascii_digits(normalize_text(self.data.get(f"position-{project.pk}", ""))).strip()
            if not raw:
                wanted[project.pk] = None
            elif not POSITION_INPUT.match(raw) or int(raw) < 1:
                errors.append(
                    f"{self._row_label(project)}: «{self.data.get(f'position-{project.pk}')}» "
                    "عدد ردیف نیست؛ یک عدد صحیح مثل ۳ بنویسید."
                )
            else:
                wanted[project.pk] = int(raw)
        if errors:
            raise forms.ValidationError(errors)
        ranked_count = sum(1 for value in wanted.values() if value is not None)
        changed = {
            project.pk: wanted[project.pk]
            for project in self.projects
            if wanted[project.pk] != getattr(project, "position", None)
        }
        by_position = {}
        for project in self.projects:
            position = changed.get(project.pk)
            if position is None:
                continue
            if position > ranked_count:
                errors.append(
                    f"{self._row_label(project)}: ردیف {persian_digits(position)} نداریم؛ "
                    f"فهرست {persian_digits(ranked_count)} ردیف دارد."
                )
            elif position in by_position:
                errors.append(
                    f"{self._row_label(project)}: ردیف {persian_digits(position)} را به "
                    f"{self._row_label(by_position[position])} هم داده‌اید؛ هر ردیف فقط یک پروژه."
                )
            else:
                by_position[position] = project
        if errors:
            raise forms.ValidationError(errors)
        # `position` is the place the page showed (1..n), which is what the numbers are read against.
        staying = [
            project
            for project in sorted(
                (p for p in self.projects if getattr(p, "position", None) is not None),
                key=lambda p: p.position,
            )
            if project.pk not in changed
        ]
        order = [None] * ranked_count
        for position, project in by_position.items():
            order[position - 1] = project.pk
        rest = iter(staying)
        order = [pk if pk is not None else next(rest).pk for pk in order]
        cleaned["order"] = order
        return cleaned
