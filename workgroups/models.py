"""The organisation, the budget cycle and the proposed projects.

Units (deputies, districts, organizations) propose projects; each deputy chairs one specialist
workgroup, which ranks and codes the projects in its remit for a cycle (fiscal year).
"""

import datetime
import hashlib
import json
import uuid

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils import timezone

from karaj_budget.jalali import format_jalali_date, format_jalali_datetime, persian_digits
from karaj_budget.persian import PersianInputError, clean_code, normalize_text, search_key, search_key_compact
from programs.models import BudgetCode, FundingSource, Unit


class Workgroup(models.Model):
    """The specialist workgroup (کارگروه تخصصی) chaired by one deputy."""

    slug = models.SlugField("شناسه", unique=True)
    name = models.CharField("نام", max_length=255)
    deputy = models.OneToOneField(
        Unit,
        verbose_name="معاونت",
        on_delete=models.PROTECT,
        related_name="workgroup",
        limit_choices_to={"kind": "deputy"},
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="workgroups", blank=True
    )

    class Meta:
        ordering = ["deputy__code"]
        verbose_name = "کارگروه تخصصی"
        verbose_name_plural = "کارگروه‌های تخصصی"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("workgroups:workgroup-detail", args=[self.slug])


class Membership(models.Model):
    class Role(models.TextChoices):
        HEAD = "head", "رئیس کارگروه"
        MEMBER = "member", "عضو کارگروه"

    workgroup = models.ForeignKey(
        Workgroup, verbose_name="کارگروه", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="کاربر", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("نقش", max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = "عضویت در کارگروه"
        verbose_name_plural = "عضویت‌ها در کارگروه"
        constraints = [
            models.UniqueConstraint(fields=["workgroup", "user"], name="membership_unique_user"),
            models.UniqueConstraint(
                fields=["workgroup"], condition=Q(role="head"), name="membership_one_head_per_workgroup"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} {self.workgroup}"


class UnitExpert(models.Model):
    """Links a user to the district or organization whose projects they propose."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="کاربر", on_delete=models.CASCADE, related_name="unit_expert"
    )
    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.CASCADE, related_name="experts")

    class Meta:
        verbose_name = "کارشناس واحد"
        verbose_name_plural = "کارشناسان واحدها"

    def __str__(self):
        return f"{self.user} — {self.unit}"


class CycleQuerySet(models.QuerySet):
    def current(self):
        """The cycle people work on now: the one marked current, else the latest."""
        return self.order_by("-is_current", "-fiscal_year").first()


class Cycle(models.Model):
    """A budget cycle: the preparation of one fiscal year's budget (e.g. 1399)."""

    fiscal_year = models.PositiveSmallIntegerField("سال مالی", unique=True)
    title = models.CharField("عنوان", max_length=255)
    is_current = models.BooleanField("دوره جاری", default=False)

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = "دوره بودجه"
        verbose_name_plural = "دوره‌های بودجه"
        # The budget office's rights in the app (workgroups.access.office_required).
        permissions = [("budget_office", "کار دفتر برنامه و بودجه: همه کارگروه‌ها، بررسی، تطبیق و خروجی")]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="cycle_one_current"
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1390, fiscal_year__lte=1500), name="cycle_fiscal_year_jalali"
            ),
        ]

    def __str__(self):
        return self.title


class Deadline(models.Model):
    """One of the cycle's two deadlines, as an aware instant (end of a Tehran day by default)."""

    class Kind(models.TextChoices):
        PRIORITIES = "priorities", "ارسال فهرست اولویت‌بندی‌شده"
        CODING = "coding", "ارسال فهرست کدگذاری‌شده"

    cycle = models.ForeignKey(Cycle, verbose_name="دوره", on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField("نوع", max_length=16, choices=Kind.choices)
    due_at = models.DateTimeField("مهلت")
    is_hard = models.BooleanField(
        "مهلت قطعی", default=False, help_text="پس از مهلت قطعی، ارسال فقط با تمدید دفتر بودجه ممکن است."
    )

    class Meta:
        ordering = ["cycle", "due_at"]
        verbose_name = "مهلت"
        verbose_name_plural = "مهلت‌ها"
        constraints = [models.UniqueConstraint(fields=["cycle", "kind"], name="deadline_unique_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.cycle}"

    def is_open(self, now=None):
        # Deadlines are stored as 23:59:59 Tehran: the whole of that last second still counts.
        return (now or timezone.now()) < self.due_at + datetime.timedelta(seconds=1)


class WorkgroupCycle(models.Model):
    """A workgroup's part in one cycle: its credit ceiling and the version of its ranked list.

    `ranking_version` goes up by one on every saved change of order, so that a save based on an
    older version can be refused instead of silently overwriting someone else's work.
    """

    workgroup = models.ForeignKey(
        Workgroup, verbose_name="کارگروه", on_delete=models.CASCADE, related_name="cycles"
    )
    cycle = models.ForeignKey(Cycle, verbose_name="دوره", on_delete=models.CASCADE, related_name="workgroups")
    # The list's ceiling over both credit types (0: not set yet). With a ceiling per type set, the
    # list is cut per type and this one is only compared with the list's total (workgroups.ranking).
    credit_ceiling = models.PositiveBigIntegerField("سقف کل اعتبار (میلیون ریال)", default=0)
    capital_ceiling = models.PositiveBigIntegerField(
        "سقف اعتبار تملک دارایی‌های سرمایه‌ای (میلیون ریال)", default=0, help_text="۰ یعنی هنوز تعیین نشده."
    )
    current_ceiling = models.PositiveBigIntegerField(
        "سقف اعتبار هزینه‌ای (میلیون ریال)", default=0, help_text="۰ یعنی هنوز تعیین نشده."
    )
    ranking_version = models.PositiveIntegerField("نسخه فهرست", default=0, editable=False)

    class Meta:
        ordering = ["cycle", "workgroup"]
        verbose_name = "سقف و فهرست کارگروه در دوره"
        verbose_name_plural = "سقف‌ها و فهرست‌های کارگروه‌ها"
        constraints = [models.UniqueConstraint(fields=["workgroup", "cycle"], name="workgroupcycle_unique")]

    def __str__(self):
        return f"{self.workgroup} — {self.cycle}"

    @property
    def type_ceilings(self):
        """{credit type: ceiling} (0: not set yet), the figures `ranking.ListFigures` cuts by."""
        return {
            BudgetCode.CreditType.CAPITAL: self.capital_ceiling,
            BudgetCode.CreditType.CURRENT: self.current_ceiling,
        }


class SourceCeiling(models.Model):
    """An optional ceiling for one funding source in a workgroup's list of a cycle."""

    share = models.ForeignKey(
        WorkgroupCycle,
        verbose_name="کارگروه در دوره",
        on_delete=models.CASCADE,
        related_name="source_ceilings",
    )
    source = models.ForeignKey(
        FundingSource, verbose_name="منبع", on_delete=models.PROTECT, related_name="ceilings"
    )
    amount = models.PositiveBigIntegerField("سقف (میلیون ریال)")

    class Meta:
        ordering = ["share", "source"]
        verbose_name = "سقف منبع"
        verbose_name_plural = "سقف‌های منابع"
        constraints = [models.UniqueConstraint(fields=["share", "source"], name="sourceceiling_unique")]

    def __str__(self):
        return f"{self.source} — {self.share}"


REF_MAX_LENGTH = 64


def clean_project_ref(value) -> str:
    """A unit's own reference (`شناسه`) as stored, from a form or a spreadsheet cell alike.

    It is a code (`clean_code`: ASCII digits, upper-case Latin letters), so `R01-۱۴۰۶-۰۱` typed in
    the form and `R01-1406-01` read from a sheet are one reference and a re-import updates that
    project. Blank means no reference. Raises PersianInputError with a message for the person.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    ref = clean_code(value)
    if len(ref) > REF_MAX_LENGTH:
        raise PersianInputError("شناسه بیش از ۶۴ نویسه است.")
    return ref


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(state=Project.State.WITHDRAWN)

    def for_workgroup(self, workgroup, cycle):
        return self.filter(workgroup=workgroup, cycle=cycle)

    def ranked(self):
        return self.filter(priority__isnull=False).order_by("priority")

    def unranked(self):
        return self.active().filter(priority__isnull=True).order_by("-requested_amount", "pk")

    def search(self, text):
        key = search_key(text)
        if not key:
            return self
        return self.filter(title_key__contains=key)

    def same_title_as(self, *, unit, cycle, title):
        """The unit's proposals in the cycle whose title is `title` typed another way (spaces,
        half-spaces, Arabic letters): what the import warns about and the proposal form stops on."""
        key = search_key_compact(title)
        compact = Replace(F("title_key"), Value(" "), Value(""))
        mine = self.filter(proposing_unit=unit, cycle=cycle)
        return mine.annotate(compact_key=compact).filter(compact_key=key)

    def with_related(self):
        return self.select_related(
            "proposing_unit", "responsible_deputy", "workgroup", "program_code", "budget_code", "cycle"
        )


class Project(models.Model):
    """A proposed project or activity for a cycle, in one workgroup's remit."""

    class Kind(models.TextChoices):
        NEW = "new", "جدید"
        ONGOING = "ongoing", "در دست اجرا"

    class State(models.TextChoices):
        PROPOSED = "proposed", "پیشنهادی"
        REMIT_REVIEW = "remit_review", "در انتظار تعیین کارگروه"
        WITHDRAWN = "withdrawn", "کنارگذاشته"

    cycle = models.ForeignKey(Cycle, verbose_name="دوره", on_delete=models.PROTECT, related_name="projects")
    ref = models.CharField(
        "شناسه واحد",
        max_length=REF_MAX_LENGTH,
        blank=True,
        help_text="شناسه پروژه در فهرست خود واحد پیشنهاددهنده.",
    )
    title = models.CharField("عنوان", max_length=255)
    title_key = models.CharField(max_length=300, editable=False, default="", db_index=True)
    description = models.TextField("شرح", blank=True)
    justification = models.TextField("نیازسنجی", blank=True)
    proposing_unit = models.ForeignKey(
        Unit, verbose_name="واحد پیشنهاددهنده", on_delete=models.PROTECT, related_name="proposed_projects"
    )
    responsible_deputy = models.ForeignKey(
        Unit,
        verbose_name="معاونت مسئول",
        on_delete=models.PROTECT,
        related_name="responsible_projects",
        limit_choices_to={"kind": "deputy"},
    )
    workgroup = models.ForeignKey(
        Workgroup, verbose_name="کارگروه", on_delete=models.PROTECT, related_name="projects"
    )
    location = models.CharField("محل اجرا", max_length=255, blank=True)
    kind = models.CharField("نوع", max_length=16, choices=Kind.choices, default=Kind.NEW)
    physical_progress = models.PositiveSmallIntegerField("پیشرفت فیزیکی (درصد)", null=True, blank=True)
    total_estimate = models.PositiveBigIntegerField("برآورد کل (میلیون ریال)", null=True, blank=True)
    spent_before = models.PositiveBigIntegerField(
        "هزینه‌شده تا پیش از سال جاری (میلیون ریال)", null=True, blank=True
    )
    requested_amount = models.PositiveBigIntegerField("اعتبار درخواستی (میلیون ریال)")
    # Why the years do not add up to the estimate, and why an ongoing project asks for more than
    # what remains of it (workgroups.resources checks both).
    estimate_gap_reason = models.TextField("دلیل اختلاف جمع سال‌ها با برآورد کل", blank=True)
    over_remaining_reason = models.TextField("دلیل درخواست بیش از مانده برآورد", blank=True)
    program_code = models.ForeignKey(
        "programs.ProgramCode",
        verbose_name="کد برنامه عملیاتی",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    budget_code = models.ForeignKey(
        "programs.BudgetCode",
        verbose_name="کد بودجه",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    priority = models.PositiveIntegerField("اولویت", null=True, blank=True)
    state = models.CharField("وضعیت", max_length=16, choices=State.choices, default=State.PROPOSED)
    # Set when the office finds this project is the same need as another and keeps the other.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="تکرار پروژه",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    # An ongoing project continues a project of an earlier cycle; its monitoring (progress,
    # absorption, status) is shown on this year's pages (workgroups/monitoring/carryover.py).
    continues = models.ForeignKey(
        "self",
        verbose_name="ادامه پروژه سال قبل",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continued_by",
    )
    # Units whose proposal was merged into this one (the proposing unit stays the first).
    co_proposers = models.ManyToManyField(
        Unit, verbose_name="واحدهای پیشنهاددهنده دیگر", blank=True, related_name="co_proposed_projects"
    )
    created_at = models.DateTimeField("ثبت", auto_now_add=True)
    updated_at = models.DateTimeField("آخرین تغییر", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ثبت‌کننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the proposing unit expects (the «نوع» of its sheet); the budget line chosen when coding
    # decides the real credit type, and a difference is shown as a warning.
    requested_credit_type = models.CharField(
        "نوع اعتبار درخواستی",
        max_length=16,
        choices=BudgetCode.CreditType.choices,
        blank=True,
        help_text="نوع اعتباری که واحد پیشنهاددهنده انتظار دارد؛ ردیف بودجه نوع نهایی را تعیین می‌کند.",
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["workgroup", "priority", "pk"]
        verbose_name = "پروژه پیشنهادی"
        verbose_name_plural = "پروژه‌های پیشنهادی"
        constraints = [
            # On PostgreSQL migration 0004 makes this DEFERRABLE INITIALLY DEFERRED (checked at
            # commit), so a reorder is one UPDATE. SQLite checks it row by row, so there the moved
            # priorities are cleared before the new ones are written (services._write_priorities).
            # Not `deferrable=` here: Django would then create no constraint at all on SQLite.
            models.UniqueConstraint(
                fields=["workgroup", "cycle", "priority"], name="project_unique_priority_in_list"
            ),
            models.UniqueConstraint(
                fields=["proposing_unit", "cycle", "ref"],
                condition=~Q(ref=""),
                name="project_unique_unit_ref",
            ),
            models.CheckConstraint(condition=Q(priority__gte=1), name="project_priority_from_one"),
            models.CheckConstraint(condition=Q(physical_progress__lte=100), name="project_progress_percent"),
            models.CheckConstraint(
                condition=Q(priority__isnull=True) | Q(state="proposed"), name="project_only_proposed_ranked"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "workgroup", "priority"], name="project_list_idx")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title = normalize_text(self.title)
        self.title_key = search_key(self.title)
        if self.workgroup_id is None and self.responsible_deputy_id is not None:
            self.workgroup = Workgroup.objects.get(deputy_id=self.responsible_deputy_id)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "title_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("workgroups:project-detail", args=[self.pk])

    @property
    def is_coded(self):
        return self.program_code_id is not None and self.budget_code_id is not None


class ProjectYearForecast(models.Model):
    """What a multi-year project expects to need in a later fiscal year (up to five years ahead).

    Rows rather than five fixed columns: each keeps its real year, so a project carried into the
    next cycle keeps the meaning of its forecasts, and a project with fewer years stores nothing.
    """

    project = models.ForeignKey(
        Project, verbose_name="پروژه", on_delete=models.CASCADE, related_name="forecasts"
    )
    fiscal_year = models.PositiveSmallIntegerField("سال مالی")
    amount = models.PositiveBigIntegerField("پیش‌بینی (میلیون ریال)")

    class Meta:
        ordering = ["project", "fiscal_year"]
        verbose_name = "پیش‌بینی سال آینده"
        verbose_name_plural = "پیش‌بینی سال‌های آینده"
        constraints = [
            models.UniqueConstraint(fields=["project", "fiscal_year"], name="forecast_one_per_year"),
        ]

    def __str__(self):
        return f"{self.project} — {self.fiscal_year}"


class ProjectFunding(models.Model):
    """The part of a project's request for the year that one funding source pays."""

    project = models.ForeignKey(
        Project, verbose_name="پروژه", on_delete=models.CASCADE, related_name="fundings"
    )
    source = models.ForeignKey(
        FundingSource, verbose_name="منبع", on_delete=models.PROTECT, related_name="fundings"
    )
    amount = models.PositiveBigIntegerField("مبلغ (میلیون ریال)")

    class Meta:
        ordering = ["project", "source__position", "source"]
        verbose_name = "منبع تأمین پروژه"
        verbose_name_plural = "منابع تأمین پروژه"
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="funding_one_per_source"),
            models.CheckConstraint(condition=Q(amount__gte=1), name="funding_amount_positive"),
        ]

    def __str__(self):
        return f"{self.project} — {self.source}"


class AuditEntryQuerySet(models.QuerySet):
    def record(self, *, actor, action, summary, workgroup=None, cycle=None, project=None, details=None):
        """Write one audit line: who did what, when, and what it was before (in `details`)."""
        return self.create(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            summary=summary,
            workgroup=workgroup,
            cycle=cycle,
            project=project,
            details=details or {},
        )


class AuditEntry(models.Model):
    # What each recorded action is called on screen. The stored names stay short and stable (tests,
    # filters and old entries read them); people see these.
    ACTION_LABELS = {
        "project.create": "ثبت پیشنهاد",
        "project.edit": "ویرایش پیشنهاد",
        "project.move": "انتقال به کارگروه دیگر",
        "project.code": "کدگذاری پروژه",
        "project.code_bulk": "کدگذاری گروهی",
        "project.remit_request": "درخواست تعیین کارگروه",
        "project.remit_accept": "پذیرش درخواست تعیین کارگروه",
        "project.remit_reject": "رد درخواست تعیین کارگروه",
        "ranking.save": "ذخیره ترتیب فهرست",
        "meeting.create": "ثبت جلسه مشترک",
        "meeting.tie": "پیوند ترتیب به جلسه",
        "submission.submit": "ارسال فهرست",
        "submission.accept": "پذیرش فهرست",
        "submission.return": "بازگرداندن فهرست",
        "extension.grant": "تمدید مهلت",
        "ceiling.change": "تغییر سقف اعتبار",
        "ceiling.source": "تغییر سقف منبع تأمین",
        "export.coded_list": "خروجی اکسل فهرست کدگذاری‌شده",
        "import_projects": "ورود پروژه‌ها از اکسل",
        "overlap.refresh": "بررسی دوباره تداخل‌ها",
        "overlap.distinct": "تداخل: دو پروژه جدا",
        "overlap.keep": "تداخل: نگه داشتن یکی",
        "overlap.merge": "تداخل: ادغام",
        "overlap.reassign": "تداخل: انتقال به کارگروه دیگر",
        "overlap.reverse": "تداخل: برگرداندن تصمیم",
        "attachment.add": "افزودن پیوست",
        "attachment.delete": "حذف پیوست",
        "submission.letter": "ثبت شماره نامه",
        "monitoring.enrol": "آغاز پایش پروژه‌های مصوب",
        "monitoring.approved": "ثبت اعتبار مصوب",
        "monitoring.plan": "ثبت پیشرفت برنامه‌ای",
        "period.open": "گشایش فصل گزارش پایش",
        "period.extend": "تمدید مهلت گزارش پایش",
        "report.save": "ذخیره پیش‌نویس گزارش پایش",
        "report.submit": "ارسال گزارش پایش",
        "report.import": "ورود گزارش پایش از اکسل",
        "report.comment": "نظر بر گزارش پایش",
        "report.verify": "تأیید گزارش پایش",
        "report.return": "بازگرداندن گزارش پایش",
        "indicator.actual": "ثبت مقدار واقعی شاخص",
        "project.continues": "پیوند به پروژه سال قبل",
        "export.monitoring": "خروجی اکسل پایش فصل",
    }

    at = models.DateTimeField("زمان", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="کاربر",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("عمل", max_length=64, db_index=True)
    summary = models.CharField("شرح", max_length=500)
    workgroup = models.ForeignKey(
        Workgroup, verbose_name="کارگروه", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name="دوره", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    project = models.ForeignKey(
        Project,
        verbose_name="پروژه",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    details = models.JSONField("جزئیات", default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "رویداد ممیزی"
        verbose_name_plural = "رویدادهای ممیزی"

    def __str__(self):
        return self.summary

    @classmethod
    def action_label(cls, action):
        """The Persian name of a stored action; an unknown one is shown as stored rather than hidden."""
        return cls.ACTION_LABELS.get(action, action)

    def get_action_display(self):
        return self.action_label(self.action)


ORDINALS = {1: "اول", 2: "دوم", 3: "سوم", 4: "چهارم", 5: "پنجم", 6: "ششم", 7: "هفتم", 8: "هشتم", 9: "نهم"}


class Meeting(models.Model):
    """A joint meeting of a workgroup head with the experts of districts and organizations.

    A ranking saved "in" a meeting carries it in the audit trail, and the meeting remembers the
    version of the list it settled (`ranking_version`), so the page can say "ranked in the meeting
    of 1398/09/10" for as long as nobody has changed the order since.
    """

    workgroup = models.ForeignKey(
        Workgroup, verbose_name="کارگروه", on_delete=models.CASCADE, related_name="meetings"
    )
    cycle = models.ForeignKey(Cycle, verbose_name="دوره", on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField("تاریخ جلسه")
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="حاضران (کاربران)", blank=True, related_name="meetings"
    )
    representatives = models.TextField(
        "نمایندگان واحدها",
        blank=True,
        help_text="هر نماینده در یک سطر، مثلاً «علی رضایی — منطقه ۵».",
    )
    minutes = models.TextField("صورت‌جلسه", blank=True)
    decisions = models.TextField("مصوبات", blank=True)
    ranking_version = models.PositiveIntegerField("نسخه فهرست مصوب", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ثبت‌کننده",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("ثبت", auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = "جلسه مشترک"
        verbose_name_plural = "جلسه‌های مشترک"

    def __str__(self):
        return f"جلسه {format_jalali_date(self.held_on)}"

    def get_absolute_url(self):
        return reverse("workgroups:meeting-detail", args=[self.workgroup.slug, self.pk])

    @staticmethod
    def label_each(meetings):
        """Set `label` on each meeting: «جلسه ۱۴۰۵/۰۹/۰۸», and when a day had several, their order
        of recording and its time («جلسه ۱۴۰۵/۰۹/۰۸ — دوم، ثبت ۱۱:۴۰»), so a list of them reads
        as different meetings. Returns the meetings."""
        by_day = {}
        for meeting in sorted(meetings, key=lambda m: m.pk):
            by_day.setdefault(meeting.held_on, []).append(meeting)
        for same_day in by_day.values():
            for number, meeting in enumerate(same_day, start=1):
                meeting.label = str(meeting)
                if len(same_day) > 1:
                    recorded = format_jalali_datetime(meeting.created_at).split(" ")[-1]
                    meeting.label += f" — {ORDINALS.get(number, persian_digits(number))}، ثبت {recorded}"
        return meetings

    def representative_lines(self):
        return [line for line in self.representatives.splitlines() if line.strip()]


class RemitRequest(models.Model):
    """A head's request that the budget office move a project out of the workgroup's remit."""

    class State(models.TextChoices):
        OPEN = "open", "در انتظار تصمیم دفتر"
        ACCEPTED = "accepted", "پذیرفته (انتقال به کارگروه دیگر)"
        REJECTED = "rejected", "رد شده (بازگشت به فهرست)"

    project = models.ForeignKey(
        Project, verbose_name="پروژه", on_delete=models.CASCADE, related_name="remit_requests"
    )
    from_workgroup = models.ForeignKey(
        Workgroup, verbose_name="از کارگروه", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="درخواست‌کننده",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("زمان درخواست", default=timezone.now)
    reason = models.TextField("دلیل")
    previous_priority = models.PositiveIntegerField("اولویت پیش از درخواست", null=True, blank=True)
    state = models.CharField("وضعیت", max_length=16, choices=State.choices, default=State.OPEN)
    target_workgroup = models.ForeignKey(
        Workgroup,
        verbose_name="کارگروه مقصد",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="کارگروهی که پروژه در حوزه آن است؛ دفتر بودجه تعیین می‌کند.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="تصمیم‌گیرنده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)
    decision_note = models.TextField("توضیح تصمیم", blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "درخواست تعیین کارگروه"
        verbose_name_plural = "درخواست‌های تعیین کارگروه"
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=Q(state="open"), name="remitrequest_one_open_per_project"
            )
        ]

    def __str__(self):
        return f"{self.project} — {self.get_state_display()}"


class Extension(models.Model):
    """A new due date for one workgroup's list, granted by the budget office (the latest grant wins)."""

    workgroup = models.ForeignKey(
        Workgroup, verbose_name="کارگروه", on_delete=models.CASCADE, related_name="extensions"
    )
    cycle = models.ForeignKey(Cycle, verbose_name="دوره", on_delete=models.CASCADE, related_name="extensions")
    kind = models.CharField("نوع", max_length=16, choices=Deadline.Kind.choices)
    due_at = models.DateTimeField("مهلت تازه")
    reason = models.TextField("دلیل")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="تمدیدکننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField("زمان تمدید", default=timezone.now)

    class Meta:
        ordering = ["cycle", "workgroup", "kind", "-granted_at", "-pk"]
        verbose_name = "تمدید مهلت"
        verbose_name_plural = "تمدیدهای مهلت"
        indexes = [models.Index(fields=["cycle", "workgroup", "kind"], name="extension_list_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.workgroup}"


# The list each deadline is about, as a noun («فهرست … ارسال شد»); Deadline.Kind's labels are actions.
LIST_TITLES = {Deadline.Kind.PRIORITIES: "فهرست اولویت‌بندی‌شده", Deadline.Kind.CODING: "فهرست کدگذاری‌شده"}


class SubmissionQuerySet(models.QuerySet):
    def for_list(self, workgroup, cycle, kind):
        return self.filter(workgroup=workgroup, cycle=cycle, kind=kind)

    def standing(self):
        """Submissions that still stand: submitted or accepted (a returned one reopened the list)."""
        return self.exclude(state=Submission.State.RETURNED)

    def pending(self):
        return self.filter(state=Submission.State.SUBMITTED)


class Submission(models.Model):
    """A workgroup's list as it was sent to the budget office: a frozen snapshot with its checksum.

    The snapshot and checksum never change after creation (`save()` refuses it); `verify()`
    recomputes the checksum, so tampering through raw SQL or `QuerySet.update()` is still detected.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", "ارسال‌شده، در انتظار بررسی"
        ACCEPTED = "accepted", "پذیرفته‌شده"
        RETURNED = "returned", "بازگشت‌داده‌شده"

    FROZEN_FIELDS = ("snapshot", "checksum")
    FROZEN_MESSAGE = "فهرست ارسال‌شده و چکیده آن پس از ارسال تغییرپذیر نیست."

    workgroup = models.ForeignKey(
        Workgroup, verbose_name="کارگروه", on_delete=models.PROTECT, related_name="submissions"
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name="دوره", on_delete=models.PROTECT, related_name="submissions"
    )
    kind = models.CharField("نوع", max_length=16, choices=Deadline.Kind.choices)
    number = models.PositiveIntegerField("نوبت ارسال")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ارسال‌کننده",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("زمان ارسال", default=timezone.now)
    due_at = models.DateTimeField("مهلت در زمان ارسال", null=True, blank=True)
    late_by = models.DurationField("تأخیر", null=True, blank=True)
    snapshot = models.JSONField("فهرست ارسال‌شده")
    checksum = models.CharField("چکیده SHA-256", max_length=64)
    state = models.CharField("وضعیت", max_length=16, choices=State.choices, default=State.SUBMITTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="بررسی‌کننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("زمان بررسی", null=True, blank=True)
    review_reason = models.TextField("دلیل بازگشت", blank=True)
    # What the municipality's correspondence system (دبیرخانه) gave the letter that sends this list;
    # recorded by the office, printed on the letter and shown in the export.
    letter_number = models.CharField("شماره نامه", max_length=64, blank=True)
    letter_date = models.DateField("تاریخ نامه", null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "workgroup", "kind", "-number"]
        verbose_name = "ارسال فهرست"
        verbose_name_plural = "ارسال‌های فهرست"
        constraints = [
            models.UniqueConstraint(
                fields=["workgroup", "cycle", "kind", "number"], name="submission_unique_number"
            ),
            # A list is either open or frozen by one standing submission, never by two.
            models.UniqueConstraint(
                fields=["workgroup", "cycle", "kind"],
                condition=~Q(state="returned"),
                name="submission_one_standing_per_list",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="submission_number_from_one"),
            models.CheckConstraint(
                condition=Q(state="submitted") | Q(reviewed_at__isnull=False),
                name="submission_reviewed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="submission_queue_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.workgroup} — نوبت {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and set(update_fields) & set(self.FROZEN_FIELDS):
                raise ValueError(self.FROZEN_MESSAGE)
            frozen = getattr(self, "_frozen", None)
            if frozen is None and update_fields is None:
                stored = type(self).objects.filter(pk=self.pk).values_list(*self.FROZEN_FIELDS).first()
                frozen = (canonical_json(stored[0]), stored[1]) if stored else None
                if not self.get_deferred_fields().isdisjoint(self.FROZEN_FIELDS):
                    frozen = None  # still deferred: a plain save would not write them
            if frozen is not None and update_fields is None and self._frozen_values() != frozen:
                raise ValueError(self.FROZEN_MESSAGE)
        super().save(*args, **kwargs)
        if self.get_deferred_fields().isdisjoint(self.FROZEN_FIELDS):
            self._frozen = self._frozen_values()

    def get_absolute_url(self):
        return reverse("workgroups:submission-detail", args=[self.pk])

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember what was loaded, unless the snapshot was deferred (then save() asks the database).
        loaded = instance.get_deferred_fields().isdisjoint(cls.FROZEN_FIELDS)
        instance._frozen = instance._frozen_values() if loaded else None
        return instance

    def _frozen_values(self):
        return (canonical_json(self.snapshot), self.checksum)

    @property
    def projects(self):
        return self.snapshot.get("projects", [])

    @property
    def list_title(self):
        return LIST_TITLES[self.kind]

    @property
    def checksum_short(self):
        """The checksum as people read it out and compare it on paper: its first 16 characters in
        groups of four (the full value stays on the page for a technical check)."""
        head = self.checksum[:16].upper()
        return "-".join(head[i : i + 4] for i in range(0, len(head), 4))

    def verify(self):
        """True when the stored checksum still matches the stored snapshot's list."""
        return snapshot_checksum(self.snapshot) == self.checksum

    @property
    def is_late(self):
        return self.late_by is not None


def canonical_json(value):
    """One byte string per value: sorted keys, no spaces, UTF-8 (what the checksum is taken of)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def snapshot_checksum(snapshot):
    """SHA-256 (hex) of the canonical JSON of a snapshot's project list and, when it has any, of
    its attachments (names, sizes and SHA-256 of the files).

    Only the list is hashed, not the metadata around it, so the checksum of the live list taken
    today can be compared with a submission's: equal means "nothing changed since". A list without
    attachments hashes as it did before attachments existed, so older submissions still match.
    """
    payload = snapshot.get("projects", [])
    if snapshot.get("attachments"):
        payload = {"projects": payload, "attachments": snapshot["attachments"]}
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def report_checksum(snapshot):
    """SHA-256 (hex) of the canonical JSON of a monitoring report's whole snapshot (figures, plan
    and the list of its evidence): what `report_submit` stores and `verify_checksum` recomputes."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


class ReminderLog(models.Model):
    """One reminder e-mail per workgroup, list, offset and due date: inserted before sending, so two
    overlapping runs of the command cannot both send it (the second hits the unique constraint)."""

    workgroup = models.ForeignKey(
        Workgroup, verbose_name="کارگروه", on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.ForeignKey(Cycle, verbose_name="دوره", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("نوع", max_length=16, choices=Deadline.Kind.choices)
    days_before = models.PositiveSmallIntegerField("روز پیش از مهلت")
    due_at = models.DateTimeField("مهلت")
    recipients = models.TextField("گیرندگان", blank=True)
    sent_at = models.DateTimeField("زمان ارسال", default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = "یادآوری ارسال‌شده"
        verbose_name_plural = "یادآوری‌های ارسال‌شده"
        constraints = [
            models.UniqueConstraint(
                fields=["workgroup", "cycle", "kind", "days_before", "due_at"], name="reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.workgroup} — {self.get_kind_display()} — {self.days_before}"


class OverlapPairQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=OverlapPair.State.OPEN)

    def touching(self, workgroup):
        return self.filter(Q(first__workgroup=workgroup) | Q(second__workgroup=workgroup))

    def involving(self, project_ids):
        return self.filter(Q(first_id__in=project_ids) | Q(second_id__in=project_ids))

    def with_projects(self):
        related = ("workgroup", "proposing_unit", "responsible_deputy", "program_code", "budget_code")
        return self.select_related(
            "cycle",
            "kept",
            "decided_by",
            *(f"first__{name}" for name in related),
            *(f"second__{name}" for name in related),
        )


class OverlapPair(models.Model):
    """Two projects of a cycle that may be the same need (found by workgroups/overlaps.py).

    The budget office decides each open pair; `decision_details` keeps what the decision changed,
    so that it can be reversed exactly. Detection never reopens a decided pair.
    """

    class State(models.TextChoices):
        OPEN = "open", "در انتظار بررسی"
        DISTINCT = "distinct", "دو پروژه جدا"
        DUPLICATE = "duplicate", "تکراری؛ یکی نگه داشته شد"
        MERGED = "merged", "ادغام شد"
        REASSIGNED = "reassigned", "کارگروه یکی تغییر کرد"
        STALE = "stale", "دیگر شبیه نیستند"

    DECIDED = (State.DISTINCT, State.DUPLICATE, State.MERGED, State.REASSIGNED)

    cycle = models.ForeignKey(Cycle, verbose_name="دوره", on_delete=models.CASCADE, related_name="overlaps")
    first = models.ForeignKey(
        Project, verbose_name="پروژه نخست", on_delete=models.CASCADE, related_name="overlaps_as_first"
    )
    second = models.ForeignKey(
        Project, verbose_name="پروژه دوم", on_delete=models.CASCADE, related_name="overlaps_as_second"
    )
    score = models.PositiveSmallIntegerField("امتیاز شباهت (از ۱۰۰)")
    reasons = models.JSONField("دلایل", default=list, blank=True)
    state = models.CharField("وضعیت", max_length=16, choices=State.choices, default=State.OPEN)
    kept = models.ForeignKey(
        Project,
        verbose_name="پروژه نگه‌داشته",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="تصمیم‌گیرنده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)
    decision_details = models.JSONField("جزئیات تصمیم", default=dict, blank=True)
    created_at = models.DateTimeField("یافته‌شده", auto_now_add=True)
    updated_at = models.DateTimeField("آخرین تغییر", auto_now=True)

    objects = OverlapPairQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = "تداخل پروژه‌ها"
        verbose_name_plural = "تداخل‌های پروژه‌ها"
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="overlap_unique_pair"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="overlap_ordered_pair"),
            models.CheckConstraint(condition=Q(score__lte=100), name="overlap_score_percent"),
        ]
        indexes = [models.Index(fields=["cycle", "state", "-score"], name="overlap_queue_idx")]

    def __str__(self):
        return f"{self.first} ↔ {self.second}"

    def get_absolute_url(self):
        return reverse("workgroups:overlap-detail", args=[self.pk])

    @property
    def is_decided(self):
        return self.state in self.DECIDED

    @property
    def projects(self):
        return (self.first, self.second)

    def other(self, project):
        return self.second if project.pk == self.first_id else self.first


def attachment_path(instance, filename):
    """Where a file is stored: a random name under the upload year, never the uploader's name
    (which is kept in `Attachment.name` for display only)."""
    return f"attachments/{timezone.now():%Y}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    """A file attached to a project, a joint meeting or a workgroup's list (پیوست).

    One nullable foreign key per kind of parent, and a check that exactly one is set: the database
    keeps every file tied to a row that exists (a generic relation could not), and a new kind of
    parent (monitoring reports) is one more key and one more branch of the check. A list's own
    attachments (`share` + `list_kind`) are the enclosures of the letter that sends that list; who
    may read, add and remove them, and when, is decided in workgroups/attachments/parents.py with
    the rules of `access.py` and `locks.py`.
    """

    class Parent(models.TextChoices):
        PROJECT = "project", "پروژه"
        MEETING = "meeting", "جلسه مشترک"
        LIST = "list", "فهرست"
        REPORT = "report", "گزارش پایش"

    project = models.ForeignKey(
        Project,
        verbose_name="پروژه",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name="جلسه",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    share = models.ForeignKey(
        WorkgroupCycle,
        verbose_name="فهرست کارگروه",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    report = models.ForeignKey(
        "ProgressReport",
        verbose_name="گزارش پایش",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    list_kind = models.CharField("نوع فهرست", max_length=16, choices=Deadline.Kind.choices, blank=True)
    file = models.FileField("فایل", upload_to=attachment_path, max_length=200)
    name = models.CharField("نام فایل", max_length=200)
    content_type = models.CharField("نوع محتوا", max_length=100)
    size = models.PositiveBigIntegerField("اندازه (بایت)")
    sha256 = models.CharField("چکیده SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="بارگذار",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("زمان بارگذاری", default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = "پیوست"
        verbose_name_plural = "پیوست‌ها"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(project__isnull=False, meeting__isnull=True, share__isnull=True, report__isnull=True)
                    & Q(list_kind="")
                    | Q(project__isnull=True, meeting__isnull=False, share__isnull=True, report__isnull=True)
                    & Q(list_kind="")
                    | Q(project__isnull=True, meeting__isnull=True, share__isnull=False, report__isnull=True)
                    & Q(list_kind__in=["priorities", "coding"])
                    | Q(project__isnull=True, meeting__isnull=True, share__isnull=True, report__isnull=False)
                    & Q(list_kind="")
                ),
                name="attachment_one_parent",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("workgroups:attachment-download", args=[self.pk])

    @property
    def parent_kind(self):
        if self.project_id:
            return self.Parent.PROJECT
        if self.meeting_id:
            return self.Parent.MEETING
        if self.report_id:
            return self.Parent.REPORT
        return self.Parent.LIST

    @property
    def extension(self):
        return ATTACHMENT_EXTENSIONS.get(self.content_type, "")


# The types an attachment may be (checked by content in workgroups/attachments/files.py).
ATTACHMENT_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


class BackgroundRun(models.Model):
    """Work the background worker does for the office, followed on a page (workgroups/background.py):
    queued, then running with its progress, then done or failed. Each kind says what "one at a time"
    means for it with a partial unique constraint over its active states."""

    class State(models.TextChoices):
        QUEUED = "queued", "در صف"
        RUNNING = "running", "در حال انجام"
        DONE = "done", "انجام شد"
        FAILED = "failed", "ناموفق"

    ACTIVE = (State.QUEUED, State.RUNNING)

    state = models.CharField("وضعیت", max_length=16, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField("انجام‌شده", default=0)
    total = models.PositiveIntegerField("همه", default=0)
    summary = models.TextField("نتیجه", blank=True)
    task_id = models.CharField("شناسه کار", max_length=64, blank=True)
    created_at = models.DateTimeField("درخواست", auto_now_add=True)
    finished_at = models.DateTimeField("پایان", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.cycle} — {self.get_state_display()}"

    @property
    def is_active(self):
        return self.state in self.ACTIVE

    @property
    def percent(self):
        return min(100, round(100 * self.done / self.total)) if self.total else 0


# The active states, as the partial unique constraints of the runs spell them.
ACTIVE_RUN = Q(state__in=["queued", "running"])


class OverlapRun(BackgroundRun):
    """One whole-cycle overlap detection (workgroups/overlaps/runs.py): `done` and `total` count
    projects. At most one waits or runs per cycle: asking again while one is under way joins it."""

    cycle = models.ForeignKey(
        Cycle, verbose_name="دوره", on_delete=models.CASCADE, related_name="overlap_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="درخواست‌کننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField("سبب", max_length=200, blank=True)

    class Meta(BackgroundRun.Meta):
        verbose_name = "بررسی تداخل‌ها"
        verbose_name_plural = "بررسی‌های تداخل‌ها"
        constraints = [
            models.UniqueConstraint(fields=["cycle"], condition=ACTIVE_RUN, name="overlap_one_run_per_cycle"),
        ]


def export_path(instance, filename):
    """Where a built export is kept until it is fetched (a day): a random name, never guessed."""
    return f"exports/{timezone.now():%Y}/{uuid.uuid4().hex}.xlsx"


class ExportRun(BackgroundRun):
    """One Excel export of a whole cycle (every workgroup and the consolidated sheet), built by the
    worker (workgroups/export_runs.py) and kept a day for the person who asked; `done` and `total`
    count projects written.

    At 2,000 projects the file takes about a second of CPU to write, at 50,000 half a minute: too
    long for a web request. At most one waits or is built per person and cycle: asking again joins it.
    """

    cycle = models.ForeignKey(
        Cycle, verbose_name="دوره", on_delete=models.CASCADE, related_name="export_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="درخواست‌کننده", on_delete=models.CASCADE, related_name="+"
    )
    rows = models.PositiveIntegerField("پروژه‌ها", null=True, blank=True)
    file = models.FileField("فایل", upload_to=export_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField("اندازه (بایت)", null=True, blank=True)

    class Meta(BackgroundRun.Meta):
        verbose_name = "خروجی اکسل دوره"
        verbose_name_plural = "خروجی‌های اکسل دوره"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "requested_by"],
                condition=ACTIVE_RUN,
                name="export_one_run_per_person_and_cycle",
            ),
            models.CheckConstraint(condition=~Q(state="done") | ~Q(file=""), name="export_done_has_a_file"),
        ]


class ExportCountQuerySet(models.QuerySet):
    def hit(self, user, now):
        """Count one export by `user` in the clock minute of `now`; return that minute's count.

        In the database, so that every app process and server counts the same exports (a
        per-process cache let each gunicorn worker allow its own quota).
        """
        minute = now.replace(second=0, microsecond=0)
        with transaction.atomic():
            if not self.filter(user=user, minute=minute).update(count=F("count") + 1):
                try:
                    with transaction.atomic():
                        self.create(user=user, minute=minute, count=1)
                except IntegrityError:  # another process created it first
                    self.filter(user=user, minute=minute).update(count=F("count") + 1)
            count = self.filter(user=user, minute=minute).values_list("count", flat=True).get()
        self.filter(user=user, minute__lt=minute).delete()
        return count


class ExportCount(models.Model):
    """Exports of one person in one clock minute, for the export rate limit (views/exports.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    objects = ExportCountQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "minute"], name="one_export_count_a_minute")]
        verbose_name = "شمار خروجی‌ها"
        verbose_name_plural = "شمار خروجی‌ها"

    def __str__(self):
        return f"{self.user_id} {self.minute:%H:%M} {self.count}"


# ---- Monitoring (پایش): docs/monitoring.md ------------------------------------------------------


class MonitoredProject(models.Model):
    """A project of an accepted coded list, followed while its fiscal year is executed.

    `approved_amount` is what the council approved (typed by the office, imported from the approved
    budget sheet, or the request by default). `planned_q1..4` are the planned cumulative physical
    progress at the end of each quarter: the unit proposes them with its first report, the office
    may correct them. The rules on these figures live in workgroups/monitoring/rules.py.
    """

    class ApprovedFrom(models.TextChoices):
        REQUEST = "request", "همان اعتبار درخواستی"
        TYPED = "typed", "ثبت دفتر بودجه"
        IMPORTED = "imported", "ورود از بودجه مصوب"

    project = models.OneToOneField(
        Project, verbose_name="پروژه", on_delete=models.PROTECT, related_name="monitoring"
    )
    approved_amount = models.PositiveBigIntegerField("اعتبار مصوب (میلیون ریال)")
    approved_from = models.CharField(
        "منشأ اعتبار مصوب", max_length=16, choices=ApprovedFrom.choices, default=ApprovedFrom.REQUEST
    )
    planned_q1 = models.PositiveSmallIntegerField("پیشرفت برنامه‌ای پایان بهار (درصد)", null=True, blank=True)
    planned_q2 = models.PositiveSmallIntegerField(
        "پیشرفت برنامه‌ای پایان تابستان (درصد)", null=True, blank=True
    )
    planned_q3 = models.PositiveSmallIntegerField("پیشرفت برنامه‌ای پایان پاییز (درصد)", null=True, blank=True)
    planned_q4 = models.PositiveSmallIntegerField(
        "پیشرفت برنامه‌ای پایان زمستان (درصد)", null=True, blank=True
    )
    enrolled_at = models.DateTimeField("آغاز پایش", default=timezone.now)

    class Meta:
        ordering = ["project__workgroup__name", "project__priority", "pk"]
        verbose_name = "پروژه تحت پایش"
        verbose_name_plural = "پروژه‌های تحت پایش"
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(planned_q1__isnull=True) | Q(planned_q1__lte=100))
                    & (Q(planned_q2__isnull=True) | Q(planned_q2__lte=100))
                    & (Q(planned_q3__isnull=True) | Q(planned_q3__lte=100))
                    & (Q(planned_q4__isnull=True) | Q(planned_q4__lte=100))
                ),
                name="monitored_planned_percent",
            ),
        ]

    def __str__(self):
        return str(self.project)

    def planned(self, quarter):
        """Planned cumulative progress at the end of `quarter` (1..4), or None when not set."""
        return getattr(self, f"planned_q{quarter}")


class ReportingPeriod(models.Model):
    """A Jalali quarter of the fiscal year being executed, opened by the office for reporting.

    `cycle` is the budget cycle of that fiscal year (its approved lists are what is monitored).
    The due date works like a list's deadline (workgroups/deadlines.py): an aware instant at the end
    of a Tehran day whose whole last second counts; a unit may be given a later one
    (`PeriodExtension`).
    """

    class Quarter(models.IntegerChoices):
        SPRING = 1, "بهار"
        SUMMER = 2, "تابستان"
        AUTUMN = 3, "پاییز"
        WINTER = 4, "زمستان"

    cycle = models.ForeignKey(
        Cycle, verbose_name="سال اجرا", on_delete=models.PROTECT, related_name="quarters"
    )
    quarter = models.PositiveSmallIntegerField("فصل", choices=Quarter.choices)
    due_at = models.DateTimeField("مهلت گزارش")
    is_hard = models.BooleanField(
        "مهلت قطعی", default=False, help_text="پس از مهلت قطعی، گزارش فقط با تمدید دفتر بودجه پذیرفته می‌شود."
    )
    opened_at = models.DateTimeField("زمان گشایش", default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="گشاینده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["cycle", "quarter"]
        verbose_name = "دوره گزارش پایش"
        verbose_name_plural = "دوره‌های گزارش پایش"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "quarter"], name="period_unique_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="period_quarter_1_to_4"),
        ]

    def __str__(self):
        return f"{self.get_quarter_display()} {persian_digits(self.cycle.fiscal_year)}"


class PeriodExtension(models.Model):
    """A later due date for one unit's reports of one quarter, granted by the office."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name="دوره گزارش", on_delete=models.CASCADE, related_name="extensions"
    )
    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField("مهلت تازه")
    reason = models.TextField("دلیل")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="تمدیدکننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField("زمان تمدید", default=timezone.now)

    class Meta:
        ordering = ["period", "unit", "-granted_at"]
        verbose_name = "تمدید مهلت گزارش"
        verbose_name_plural = "تمدیدهای مهلت گزارش"

    def __str__(self):
        return f"{self.period} — {self.unit}"


class ProgressReport(models.Model):
    """A unit's quarterly report on one monitored project: cumulative physical progress, cumulative
    absorbed credit, status and, where the rules ask for one, a reason.

    A draft changes freely; submitting freezes the figures in `snapshot` with their SHA-256 (like a
    list's submission); the office verifies it or returns it with a reason, and a returned report
    is corrected and submitted again (`number` counts submissions). Whether a report may change is
    decided in workgroups/monitoring/reports.py (`lock_for_change`) inside the transaction that writes.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "پیش‌نویس"
        SUBMITTED = "submitted", "ارسال‌شده، در انتظار بررسی"
        RETURNED = "returned", "بازگشت‌داده‌شده"
        VERIFIED = "verified", "تأییدشده"

    class Status(models.TextChoices):
        ON_SCHEDULE = "on_schedule", "طبق برنامه"
        DELAYED = "delayed", "با تأخیر"
        STOPPED = "stopped", "متوقف"
        COMPLETED = "completed", "پایان‌یافته"

    FROZEN_STATES = ("submitted", "verified")

    monitored = models.ForeignKey(
        MonitoredProject, verbose_name="پروژه تحت پایش", on_delete=models.CASCADE, related_name="reports"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name="دوره گزارش", on_delete=models.PROTECT, related_name="reports"
    )
    state = models.CharField("وضعیت گزارش", max_length=16, choices=State.choices, default=State.DRAFT)
    physical_progress = models.PositiveSmallIntegerField("پیشرفت فیزیکی تجمعی (درصد)", null=True, blank=True)
    absorbed = models.PositiveBigIntegerField("اعتبار جذب‌شده تجمعی (میلیون ریال)", null=True, blank=True)
    status = models.CharField("وضعیت اجرا", max_length=16, choices=Status.choices, blank=True)
    reason = models.TextField("دلیل تأخیر، توقف یا کاهش پیشرفت", blank=True)
    number = models.PositiveSmallIntegerField("نوبت ارسال", default=0)
    snapshot = models.JSONField("گزارش ارسال‌شده", default=dict, blank=True)
    checksum = models.CharField("چکیده SHA-256", max_length=64, blank=True)
    submitted_at = models.DateTimeField("زمان ارسال", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ارسال‌کننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    late_by = models.DurationField("تأخیر", null=True, blank=True)
    reviewed_at = models.DateTimeField("زمان بررسی", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="بررسی‌کننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_reason = models.TextField("دلیل بازگشت", blank=True)
    updated_at = models.DateTimeField("آخرین تغییر", auto_now=True)

    class Meta:
        ordering = ["period", "monitored"]
        verbose_name = "گزارش پایش"
        verbose_name_plural = "گزارش‌های پایش"
        constraints = [
            models.UniqueConstraint(fields=["monitored", "period"], name="report_one_per_quarter"),
            models.CheckConstraint(
                condition=Q(physical_progress__isnull=True) | Q(physical_progress__lte=100),
                name="report_progress_percent",
            ),
            # A submitted or verified report carries its frozen figures and their checksum.
            models.CheckConstraint(
                condition=Q(state__in=["draft", "returned"])
                | (~Q(checksum="") & Q(submitted_at__isnull=False)),
                name="report_submitted_is_frozen",
            ),
            models.CheckConstraint(
                condition=~Q(state="verified") | Q(reviewed_at__isnull=False), name="report_verified_has_time"
            ),
        ]
        indexes = [models.Index(fields=["period", "state"], name="report_period_state_idx")]

    def __str__(self):
        return f"{self.monitored} — {self.period}"

    @property
    def is_frozen(self):
        return self.state in self.FROZEN_STATES

    def verify_checksum(self):
        """True when the stored checksum still matches the stored snapshot."""
        return bool(self.checksum) and report_checksum(self.snapshot) == self.checksum


class ReportComment(models.Model):
    """A workgroup head's (or the office's) comment on a report; comments never change a report."""

    report = models.ForeignKey(
        ProgressReport, verbose_name="گزارش", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="نویسنده",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField("نظر")
    at = models.DateTimeField("زمان", default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "نظر بر گزارش پایش"
        verbose_name_plural = "نظرها بر گزارش‌های پایش"

    def __str__(self):
        return self.text[:60]


class QuarterReminderLog(models.Model):
    """One reminder e-mail per quarter, unit, offset and due date, inserted before sending (like
    `ReminderLog` for lists): two overlapping runs of the command cannot both send it."""

    period = models.ForeignKey(
        ReportingPeriod, verbose_name="دوره گزارش", on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField("روز پیش از مهلت")
    due_at = models.DateTimeField("مهلت")
    recipients = models.TextField("گیرندگان", blank=True)
    sent_at = models.DateTimeField("زمان ارسال", default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = "یادآوری گزارش پایش"
        verbose_name_plural = "یادآوری‌های گزارش پایش"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "days_before", "due_at"], name="quarter_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.period} — {self.unit} — {self.days_before}"


class IndicatorActual(models.Model):
    """The actual value of a program indicator at the end of a quarter, entered by the office or
    the program's responsible deputy."""

    indicator = models.ForeignKey(
        "programs.Indicator", verbose_name="شاخص", on_delete=models.CASCADE, related_name="actuals"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name="دوره گزارش", on_delete=models.PROTECT, related_name="indicator_actuals"
    )
    value = models.DecimalField("مقدار واقعی", max_digits=16, decimal_places=2)
    note = models.TextField("توضیح", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ثبت‌کننده",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField("زمان ثبت", default=timezone.now)

    class Meta:
        ordering = ["period", "indicator"]
        verbose_name = "مقدار واقعی شاخص"
        verbose_name_plural = "مقادیر واقعی شاخص‌ها"
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="indicator_actual_once_per_quarter")
        ]

    def __str__(self):
        return f"{self.indicator} — {self.period}"
