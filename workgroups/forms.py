"""The forms of the round: proposals, meetings, ranking without JavaScript, remit requests, the
office's extensions, returns and overlap decisions. Forms validate and normalise; they never write
other models (the services in `services.py`, `ranking.py` and `submissions.py` do).
"""

import re

import jdatetime
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from karaj_budget.form_fields import (
    AmountField,
    JalaliDateField,
    JalaliDateTimeField,
    PercentField,
    PersianTextField,
)
from karaj_budget.jalali import format_jalali_date, persian_digits
from karaj_budget.persian import PersianInputError, normalize_text, to_ascii_digits
from programs.models import FundingSource, Unit
from workgroups import resources
from workgroups.attachments.services import name_as_typed
from workgroups.models import (
    Deadline,
    Extension,
    Meeting,
    ProgressReport,
    Project,
    ReportingPeriod,
    Workgroup,
    clean_project_ref,
)


class ProjectRefField(forms.CharField):
    """A unit's own reference, stored as the import stores it (`models.clean_project_ref`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", Project._meta.get_field("ref").verbose_name)
        kwargs.setdefault("help_text", Project._meta.get_field("ref").help_text)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return clean_project_ref(super().to_python(value))
        except PersianInputError as error:
            raise forms.ValidationError(str(error), code="invalid") from error


class ProjectMoneyMixin:
    """A project's money over time and its sources on a form (the proposal form and the admin's):
    a field per forecast year of the cycle and per active funding source, checked with the rules of
    `workgroups.resources`. `money()` gives what the service writes."""

    MONEY_FIELDS = ("spent_before", "estimate_gap_reason", "over_remaining_reason")

    @staticmethod
    def money_layout(instance, fiscal_year):
        """(stored rows, forecast years, sources) the money fields of `instance`'s form show."""
        stored = resources.stored_rows(instance)
        sources = [
            source
            for source in FundingSource.objects.all()
            if source.is_active or source.pk in stored["sources"]
        ]
        return stored, resources.forecast_years(fiscal_year) if fiscal_year else [], sources

    @classmethod
    def money_field_names(cls, instance, fiscal_year):
        _stored, years, sources = cls.money_layout(instance, fiscal_year)
        return [*(f"forecast_{year}" for year in years), *(f"source_{source.pk}" for source in sources)]

    def add_money_fields(self, fiscal_year):
        self.fiscal_year = fiscal_year
        stored, years, self.money_sources = self.money_layout(self.instance, fiscal_year)
        self.forecast_fields = {}
        for year in years:
            name = f"forecast_{year}"
            self.fields[name] = AmountField(
                label=f"{resources.forecast_header(year)} (میلیون ریال)",
                required=False,
                initial=stored["forecasts"].get(year),
            )
            self.forecast_fields[name] = year
        self.source_fields = {}
        for source in self.money_sources:
            name = f"source_{source.pk}"
            self.fields[name] = AmountField(
                label=f"{resources.source_header(source.name)} (میلیون ریال)",
                required=False,
                initial=stored["sources"].get(source.pk),
                help_text="سهم این منبع از اعتبار درخواستی امسال." if source is self.money_sources[0] else "",
            )
            self.source_fields[name] = source.pk

    def money(self):
        """{"forecasts": {year: amount}, "sources": {source pk: amount}} as entered (zeros dropped)."""
        data = self.cleaned_data
        return {
            "forecasts": {year: data[name] for name, year in self.forecast_fields.items() if data.get(name)},
            "sources": {pk: data[name] for name, pk in self.source_fields.items() if data.get(name)},
        }

    def check_money(self, cleaned):
        if self.fiscal_year is None or cleaned.get("requested_amount") is None:
            return
        rows = self.money()
        money = resources.Money(
            fiscal_year=self.fiscal_year,
            requested=cleaned["requested_amount"],
            kind=cleaned.get("kind") or Project.Kind.NEW,
            total_estimate=cleaned.get("total_estimate"),
            spent_before=cleaned.get("spent_before"),
            forecasts=rows["forecasts"],
            sources=rows["sources"],
            estimate_gap_reason=cleaned.get("estimate_gap_reason") or "",
            over_remaining_reason=cleaned.get("over_remaining_reason") or "",
        )
        for name, message in resources.money_problems(money):
            if name == "sources":
                self.add_error(next(iter(self.source_fields), None), message)
            elif name == "forecasts":
                self.add_error(next(iter(self.forecast_fields), None), message)
            else:
                self.add_error(name if name in self.fields else None, message)


class ProjectForm(ProjectMoneyMixin, forms.ModelForm):
    """A unit expert's proposal (or the office's correction of one)."""

    title = PersianTextField(label="عنوان", max_length=255)
    description = PersianTextField(label="شرح", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    justification = PersianTextField(
        label="نیازسنجی", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    location = PersianTextField(label="محل اجرا", required=False, max_length=255)
    requested_amount = AmountField(label="اعتبار درخواستی امسال (میلیون ریال)")
    total_estimate = AmountField(label="برآورد کل (میلیون ریال)", required=False)
    spent_before = AmountField(label="هزینه‌شده تا پیش از سال جاری (میلیون ریال)", required=False)
    physical_progress = PercentField(label="پیشرفت فیزیکی (درصد)", required=False)
    ref = ProjectRefField()
    estimate_gap_reason = PersianTextField(
        label="دلیل اختلاف جمع سال‌ها با برآورد کل", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    over_remaining_reason = PersianTextField(
        label="دلیل درخواست بیش از مانده برآورد", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Project
        fields = [
            "title",
            "responsible_deputy",
            "location",
            "kind",
            "requested_credit_type",
            "physical_progress",
            "total_estimate",
            "spent_before",
            "requested_amount",
            "estimate_gap_reason",
            "over_remaining_reason",
            "description",
            "justification",
            "ref",
        ]

    def __init__(self, *args, fiscal_year, unit=None, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_deputy"].queryset = Unit.objects.deputies().valid_in(fiscal_year)
        # A new proposal is checked against the unit's others in the cycle (see `clean`).
        self.unit, self.cycle = unit, cycle
        self.add_money_fields(fiscal_year)

    def clean_requested_amount(self):
        amount = self.cleaned_data["requested_amount"]
        if not amount:
            raise forms.ValidationError("اعتبار درخواستی باید بیشتر از صفر باشد.")
        return amount

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Project.Kind.NEW and cleaned.get("physical_progress"):
            self.add_error("physical_progress", "پروژه جدید پیشرفت فیزیکی ندارد.")
        if self.unit is not None and cleaned.get("title"):
            self._check_duplicate(cleaned)
        self.check_money(cleaned)
        return cleaned

    def _check_duplicate(self, cleaned):
        """Stop a new proposal whose title the unit already proposed in this cycle (the browser's Back
        and «ذخیره» again, or a colleague's entry) until the person says it is a different project."""
        same = Project.objects.same_title_as(unit=self.unit, cycle=self.cycle, title=cleaned["title"])
        if cleaned.get("ref"):
            same = same.filter(Q(ref="") | Q(ref=cleaned["ref"]))
        existing = same.order_by("pk").first()
        if existing is None or self.data.get(self.add_prefix("confirm_duplicate")):
            return
        self.duplicate_of = existing
        self.fields["confirm_duplicate"] = forms.BooleanField(
            label="این پیشنهاد پروژهٔ دیگری است؛ با همین عنوان ثبت شود.", required=False
        )
        self.add_error(
            None,
            f"واحد شما پیشنهادی با همین عنوان در این دوره دارد: «{existing.title}» "
            f"(اعتبار درخواستی {persian_digits(existing.requested_amount)} میلیون ریال). اگر همان پروژه "
            "است، آن را ویرایش کنید؛ اگر پروژهٔ دیگری است، گزینهٔ پایین فرم را بزنید و دوباره ذخیره کنید.",
        )


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

    def __init__(self, *args, workgroup, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.cycle = cycle
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

    def clean_held_on(self):
        """A meeting that took place: not after today, and not before the year the cycle's budget
        is prepared in (the 1406 budget is prepared in 1405)."""
        held_on = self.cleaned_data["held_on"]
        if held_on is None:
            return held_on
        today = timezone.localdate()
        if held_on > today:
            raise forms.ValidationError(
                f"تاریخ جلسه ({format_jalali_date(held_on)}) بعد از امروز ({format_jalali_date(today)}) است؛ "
                "جلسه‌ای را ثبت کنید که برگزار شده است."
            )
        first_day = jdatetime.date(self.cycle.fiscal_year - 1, 1, 1).togregorian()
        if held_on < first_day:
            raise forms.ValidationError(
                f"تاریخ جلسه ({format_jalali_date(held_on)}) پیش از سال تهیه بودجه "
                f"{persian_digits(self.cycle.fiscal_year)} (از {format_jalali_date(first_day)}) است."
            )
        return held_on

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


class AttachmentForm(forms.Form):
    """One file to attach; what it is, is judged by its content (workgroups/attachments/files.py)."""

    file = forms.FileField(
        label="فایل",
        allow_empty_file=False,
        max_length=300,
        widget=forms.FileInput(attrs={"data-typed-name": "id_file_name"}),
    )
    # The name as the browser saw it, ZWNJ included (workgroups/attachments/services.name_as_typed).
    file_name = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            upload.name = name_as_typed(upload.name, data.get("file_name"))
        return data


class LetterNumberForm(forms.Form):
    """The number and Jalali date the correspondence system (دبیرخانه) gave a submission's letter."""

    letter_number = PersianTextField(label="شماره نامه", max_length=64)
    letter_date = JalaliDateField(label="تاریخ نامه")

    def clean_letter_number(self):
        # Stored with ASCII digits like every code and number (shown with Persian digits).
        return to_ascii_digits(self.cleaned_data["letter_number"])


# ---- Monitoring reports (docs/monitoring.md) ----------------------------------------------------


class PeriodOpenForm(forms.Form):
    """The office opens a quarter of the executed year; an empty due date means the usual one."""

    quarter = forms.TypedChoiceField(label="فصل", coerce=int, choices=ReportingPeriod.Quarter.choices)
    due_at = JalaliDateTimeField(
        label="مهلت گزارش",
        required=False,
        help_text="خالی بگذارید تا پایان روز پانزدهم پس از فصل باشد؛ تاریخ تنها یعنی پایان همان روز.",
    )
    is_hard = forms.BooleanField(
        label="مهلت قطعی", required=False, help_text="پس از مهلت قطعی، گزارش فقط با تمدید پذیرفته می‌شود."
    )


class PeriodExtendForm(forms.Form):
    """A later due date for one unit's reports of a quarter."""

    unit = forms.ModelChoiceField(label="واحد", queryset=Unit.objects.order_by("code"))
    due_at = JalaliDateTimeField(label="مهلت تازه")
    reason = PersianTextField(label="دلیل تمدید", widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    """A unit's figures for one project's quarterly report; the rules are checked by the service
    (workgroups/monitoring/rules.py), this form only reads the numbers."""

    SAVE, SUBMIT = "save", "submit"

    physical_progress = PercentField(label="پیشرفت فیزیکی تجمعی (درصد)", required=False)
    absorbed = AmountField(label="اعتبار جذب‌شده تجمعی (میلیون ریال)", required=False)
    status = forms.ChoiceField(
        label="وضعیت اجرا", required=False, choices=[("", "—"), *ProgressReport.Status.choices]
    )
    reason = PersianTextField(
        label="دلیل تأخیر، توقف یا کاهش پیشرفت", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    planned_q1 = PercentField(label="برنامه پایان بهار", required=False)
    planned_q2 = PercentField(label="برنامه پایان تابستان", required=False)
    planned_q3 = PercentField(label="برنامه پایان پاییز", required=False)
    planned_q4 = PercentField(label="برنامه پایان زمستان", required=False)
    action = forms.ChoiceField(choices=[(SAVE, SAVE), (SUBMIT, SUBMIT)], required=False)

    PLANNED = ("planned_q1", "planned_q2", "planned_q3", "planned_q4")

    def __init__(self, *args, with_planned=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_planned:
            for name in self.PLANNED:
                del self.fields[name]

    def planned(self):
        return {
            int(name[-1]): self.cleaned_data.get(name) for name in self.PLANNED if name in self.cleaned_data
        }


class PlannedForm(forms.Form):
    """The office corrects a project's planned cumulative progress."""

    planned_q1 = PercentField(label="پایان بهار", required=False)
    planned_q2 = PercentField(label="پایان تابستان", required=False)
    planned_q3 = PercentField(label="پایان پاییز", required=False)
    planned_q4 = PercentField(label="پایان زمستان", required=False)

    def values(self):
        return {quarter: self.cleaned_data.get(f"planned_q{quarter}") for quarter in (1, 2, 3, 4)}


class ReportCommentForm(forms.Form):
    text = PersianTextField(label="نظر", widget=forms.Textarea(attrs={"rows": 3}))


class ReportReturnForm(forms.Form):
    reason = PersianTextField(
        label="دلیل بازگشت",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="کارشناس واحد این متن را در سامانه و در رایانامه می‌بیند.",
    )


class ReportUploadForm(forms.Form):
    file = forms.FileField(label="فایل اکسل گزارش فصل", allow_empty_file=False, max_length=300)
    submit = forms.BooleanField(
        label="پس از ذخیره، گزارش‌ها ارسال شوند",
        required=False,
        help_text="بدون این گزینه، ردیف‌ها پیش‌نویس می‌شوند تا مدارک را پیوست و سپس ارسال کنید.",
    )
