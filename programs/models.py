"""Code tables: operational program codes of the strategic plan and budget circular codes.

Both are trees keyed by a normalised text code (BRIEF §4: `code` unique, `title`, `parent`).
Codes are never deleted once projects refer to them: a code that leaves the plan or the
circular is marked inactive, and `valid_from_year`/`valid_to_year` scope it to fiscal years.
"""

from django.db import models
from django.db.models import Q

from karaj_budget.persian import normalize_text, search_key


class CodeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def valid_in(self, fiscal_year):
        return self.filter(
            Q(valid_from_year__isnull=True) | Q(valid_from_year__lte=fiscal_year),
            Q(valid_to_year__isnull=True) | Q(valid_to_year__gte=fiscal_year),
        )

    def leaves(self):
        return self.filter(children__isnull=True)

    def search(self, text):
        """Codes whose code or title contains `text`, however its Persian was typed."""
        key = search_key(text)
        if not key:
            return self
        return self.filter(search_key__contains=key)


class CodeNode(models.Model):
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
    valid_from_year = models.PositiveSmallIntegerField("معتبر از سال", null=True, blank=True)
    valid_to_year = models.PositiveSmallIntegerField("معتبر تا سال", null=True, blank=True)
    search_key = models.CharField(max_length=600, editable=False, default="")

    objects = CodeQuerySet.as_manager()

    class Meta:
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

    def is_valid_in(self, fiscal_year):
        return (self.valid_from_year is None or self.valid_from_year <= fiscal_year) and (
            self.valid_to_year is None or self.valid_to_year >= fiscal_year
        )

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
        "workgroups.Unit",
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
