"""Reference data that exists before any budget cycle: the municipality's units (deputies,
districts, organizations) and the two code tables, operational program codes of the strategic plan
and budget circular codes.

The code tables are trees keyed by a normalised text code (`code` unique, `title`, `parent`;
docs/workflow.md).
Codes are never deleted once projects refer to them: a code that leaves the plan or the
circular is marked inactive, and `valid_from_year`/`valid_to_year` scope it to fiscal years.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q

from karaj_budget.persian import normalize_text, search_key


class ValidYearsQuerySet(models.QuerySet):
    def valid_in(self, fiscal_year):
        """Rows valid in `fiscal_year` (an open end on either side means "always")."""
        return self.filter(
            Q(valid_from_year__isnull=True) | Q(valid_from_year__lte=fiscal_year),
            Q(valid_to_year__isnull=True) | Q(valid_to_year__gte=fiscal_year),
        )


class ValidYears(models.Model):
    """Reference data is never deleted once the round refers to it; it is scoped to fiscal years."""

    valid_from_year = models.PositiveSmallIntegerField("معتبر از سال", null=True, blank=True)
    valid_to_year = models.PositiveSmallIntegerField("معتبر تا سال", null=True, blank=True)

    class Meta:
        abstract = True

    def is_valid_in(self, fiscal_year):
        return (self.valid_from_year is None or self.valid_from_year <= fiscal_year) and (
            self.valid_to_year is None or self.valid_to_year >= fiscal_year
        )


class CodeQuerySet(ValidYearsQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def leaves(self):
        return self.filter(children__isnull=True)

    def search(self, text):
        """Codes whose code or title contains `text`, however its Persian was typed."""
        key = search_key(text)
        if not key:
            return self
        return self.filter(search_key__contains=key)


class UnitQuerySet(ValidYearsQuerySet):
    def deputies(self):
        return self.filter(kind=Unit.Kind.DEPUTY)


class Unit(ValidYears):
    """A deputy (معاونت), district (منطقه) or subsidiary organization (سازمان)."""

    class Kind(models.TextChoices):
        DEPUTY = "deputy", "معاونت"
        DISTRICT = "district", "منطقه"
        ORGANIZATION = "organization", "سازمان"

    code = models.CharField("کد", max_length=16, unique=True)
    name = models.CharField("نام", max_length=255)
    kind = models.CharField("نوع", max_length=16, choices=Kind.choices)
    default_deputy = models.ForeignKey(
        "self",
        verbose_name="معاونت پیش‌فرض",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "deputy"},
        help_text="معاونتی که پروژه‌های این واحد معمولاً در حوزه آن است.",
    )
    aliases = models.TextField(
        "نام‌های دیگر", blank=True, help_text="هر نام در یک سطر؛ برای تطبیق نام‌ها در ورود از اکسل."
    )
    search_key = models.CharField(max_length=1200, editable=False, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when units lived in the workgroups app (migration
        # programs 0003 moved the model without touching the data).
        db_table = "workgroups_unit"
        ordering = ["kind", "code"]
        verbose_name = "واحد سازمانی"
        verbose_name_plural = "واحدهای سازمانی"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        self.name = normalize_text(self.name)
        self.aliases = "\n".join(filter(None, (normalize_text(a) for a in self.aliases.splitlines())))
        self.search_key = search_key(" ".join([self.code, self.name, *self.aliases.splitlines()]))
        super().save(*args, **kwargs)

    def all_names(self):
        return [self.name, *self.aliases.splitlines()]


class CodeNode(ValidYears):
    code = models.CharField("کد", max_length=32, unique=True)
    title = models.CharField("عنوان", max_length=500)
    parent = models.ForeignKey(
        "self",
        verbose_name="کد والد",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField("سطح", default=1)
    is_active = models.BooleanField("فعال", default=True)
    search_key = models.CharField(max_length=600, editable=False, default="")

    objects = CodeQuerySet.as_manager()

    class Meta(ValidYears.Meta):
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.title}"

    def save(self, *args, **kwargs):
        self.title = normalize_text(self.title)
        self.search_key = search_key(f"{self.code} {self.title}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def path(self):
        """The chain from the top of the tree down to this code (one query per level)."""
        chain = [self]
        node = self
        while node.parent_id is not None:
            node = node.parent
            chain.append(node)
        return list(reversed(chain))


def code_paths(model, codes):
    """{pk: [code, …]}: each code's chain from the top of its tree down to it, for any number of
    codes in at most one query per level above them (never one query per code)."""
    codes = [code for code in codes if code is not None]
    known = {code.pk: code for code in codes}
    missing = {code.parent_id for code in codes if code.parent_id and code.parent_id not in known}
    while missing:
        parents = list(model.objects.filter(pk__in=missing).only("code", "title", "parent_id", "level"))
        known.update({parent.pk: parent for parent in parents})
        missing = {p.parent_id for p in parents if p.parent_id and p.parent_id not in known}
    paths = {}
    for code in codes:
        chain, node = [], code
        while node is not None:
            chain.append(node)
            node = known.get(node.parent_id)
        paths[code.pk] = list(reversed(chain))
    return paths


class ProgramCode(CodeNode):
    """A node of the strategic-operational plan: mission › goal › strategy › operational program.

    Codes are hyphenated (`5-1-1-01`); projects are coded against the leaves.
    """

    deputy = models.ForeignKey(
        Unit,
        verbose_name="معاونت",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="program_codes",
        limit_choices_to={"kind": "deputy"},
    )

    class Meta(CodeNode.Meta):
        verbose_name = "کد برنامه عملیاتی"
        verbose_name_plural = "کدهای برنامه عملیاتی"


class BudgetCode(CodeNode):
    """A node of the budget circular: function › program › sub-program › budget line.

    Lines are 8 digits (`50101001`) and carry the credit type.
    """

    class CreditType(models.TextChoices):
        CAPITAL = "capital", "تملک دارایی‌های سرمایه‌ای"
        CURRENT = "current", "هزینه‌ای"

    credit_type = models.CharField("نوع اعتبار", max_length=16, choices=CreditType.choices, blank=True)

    class Meta(CodeNode.Meta):
        verbose_name = "کد بخشنامه بودجه"
        verbose_name_plural = "کدهای بخشنامه بودجه"


class CodeImport(models.Model):
    """One saved import of a code table: who loaded which file, when, and what it changed.

    The round's audit trail (`workgroups.AuditEntry`) is about lists, workgroups and cycles; the
    code tables are reference data that exist before any cycle, so their history is kept here.
    """

    class Scheme(models.TextChoices):
        PROGRAM = "program", "کدهای برنامه عملیاتی"
        BUDGET = "budget", "کدهای بخشنامه بودجه"

    at = models.DateTimeField("زمان", auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="کاربر",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scheme = models.CharField("جدول", max_length=16, choices=Scheme.choices)
    summary = models.CharField("خلاصه", max_length=500)
    details = models.JSONField("جزئیات", default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "ورود جدول کد"
        verbose_name_plural = "سابقه ورود جدول‌های کد"

    def __str__(self):
        return self.summary


class _UnescapedJSON(json.JSONEncoder):
    # Persian text as itself, not as \uXXXX escapes: a preview's JSON is a third of the size.
    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class ImportPreviewQuerySet(models.QuerySet):
    def expired(self, now):
        return self.filter(expires_at__lte=now)


class ImportPreview(models.Model):
    """An admin import between its preview and its confirm: the rows read from the uploaded file.

    Kept in the database, so the confirm may reach any app server (no sticky sessions, no file on
    one server's disk), and so the confirm validates the rows again without parsing the file a
    second time. Bound to the user who uploaded it; expired ones are removed by
    `manage.py clear_import_previews` (README, "Periodic tasks").
    """

    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    options = models.JSONField(default=dict)
    table = models.JSONField(encoder=_UnescapedJSON)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    objects = ImportPreviewQuerySet.as_manager()

    class Meta:
        verbose_name = "پیش‌نمایش ورود از اکسل"
        verbose_name_plural = "پیش‌نمایش‌های ورود از اکسل"

    def __str__(self):
        return f"{self.kind} {self.token}"


class FundingSource(models.Model):
    """A source of money for a year's budget (منبع تأمین): the municipality's own revenue, national or
    provincial credits, participation bonds, private partnership, loans. Reference data kept in the
    admin; a project's request for the year is split over these (workgroups.resources)."""

    name = models.CharField("نام منبع", max_length=120, unique=True)
    position = models.PositiveSmallIntegerField("ترتیب نمایش", default=0)
    is_active = models.BooleanField("فعال", default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "منبع تأمین اعتبار"
        verbose_name_plural = "منابع تأمین اعتبار"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalize_text(self.name)
        super().save(*args, **kwargs)


class Indicator(models.Model):
    """A measure of an operational program of the plan (شاخص), for performance evaluation.

    The baseline is where the program started; each fiscal year's target (the plan's one-year slice)
    is an `IndicatorTarget`; quarterly actual values are recorded by monitoring
    (workgroups.IndicatorActual) and turned into an achievement % by workgroups/monitoring/rules.py.
    Values are decimals: indicators are counts, lengths, percentages and ratios alike.
    """

    class Direction(models.TextChoices):
        INCREASE = "increase", "افزایشی (بیشتر، بهتر)"
        DECREASE = "decrease", "کاهشی (کمتر، بهتر)"

    program_code = models.ForeignKey(
        ProgramCode, verbose_name="کد برنامه عملیاتی", on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField("نام شاخص", max_length=255)
    measure_unit = models.CharField("واحد سنجش", max_length=64)
    baseline = models.DecimalField("مقدار پایه", max_digits=16, decimal_places=2)
    direction = models.CharField(
        "جهت مطلوب", max_length=16, choices=Direction.choices, default=Direction.INCREASE
    )
    position = models.PositiveSmallIntegerField("ترتیب نمایش", default=0)

    class Meta:
        ordering = ["program_code__code", "position", "pk"]
        verbose_name = "شاخص برنامه"
        verbose_name_plural = "شاخص‌های برنامه"
        constraints = [
            models.UniqueConstraint(fields=["program_code", "name"], name="indicator_unique_name_per_program")
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalize_text(self.name)
        self.measure_unit = normalize_text(self.measure_unit)
        super().save(*args, **kwargs)


class IndicatorTarget(models.Model):
    """An indicator's target for one fiscal year: the plan's one-year slice (برش یکساله)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="شاخص", on_delete=models.CASCADE, related_name="targets"
    )
    fiscal_year = models.PositiveSmallIntegerField("سال مالی")
    target = models.DecimalField("هدف سال", max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["indicator", "fiscal_year"]
        verbose_name = "هدف سالانه شاخص"
        verbose_name_plural = "هدف‌های سالانه شاخص"
        constraints = [
            models.UniqueConstraint(fields=["indicator", "fiscal_year"], name="indicator_target_unique_year"),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1390, fiscal_year__lte=1500), name="indicator_target_year_jalali"
            ),
        ]

    def __str__(self):
        return f"{self.indicator} — {self.fiscal_year}"
