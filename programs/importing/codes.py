"""Importing a code table (operational program codes or budget circular codes) from a workbook.

One path for the management command and the admin. The whole file is validated in Python first,
against the codes already in the database (loaded in one query); only a file without a single
problem is written, in one transaction: new codes are inserted level by level with one bulk insert
per level (so every parent already has its id), changed codes are updated in bulk. Parents are
carried as text until then, so a child may come before its parent in the file.
"""

import dataclasses
from collections.abc import Callable

from django.db import IntegrityError, transaction

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import PersianInputError, search_key
from programs.codes import (
    budget_parent_code,
    level_label,
    normalize_budget_code,
    normalize_program_code,
    parse_credit_type,
    parse_level,
    program_parent_code,
)
from programs.models import BudgetCode, CodeImport, ProgramCode, Unit

from . import cells
from .results import ERROR, NEW, UNCHANGED, UPDATED, ImportResult, Problem, RowOutcome
from .sheets import Column, Row, Table, read_table_for
from .units import UnitMatcher

CODE = Column("code", "کد", ("code", "کد برنامه", "کد برنامه عملیاتی", "کد بودجه", "کد ردیف"), required=True)
TITLE = Column("title", "عنوان", ("title", "name", "شرح", "عنوان برنامه"), required=True)
PARENT = Column("parent_code", "کد والد", ("parent_code", "parent", "والد", "کد سطح بالاتر"))
LEVEL = Column("level", "سطح", ("level",))
DEPUTY = Column("deputy", "معاونت", ("deputy", "معاونت مسئول"))
CREDIT_TYPE = Column("credit_type", "نوع اعتبار", ("credit_type", "credit type"))


@dataclasses.dataclass(frozen=True)
class CodeKind:
    name: str
    model: type
    columns: tuple
    normalize: Callable
    label: str
    example: tuple  # one example row for the template, in column order

    def header(self, key):
        return next(column.header for column in self.columns if column.key == key)


KINDS = {
    "program": CodeKind(
        "program",
        ProgramCode,
        (CODE, TITLE, PARENT, LEVEL, DEPUTY),
        normalize_program_code,
        "کدهای برنامه عملیاتی",
        ("5-1-1-01", "تکمیل و بهره‌برداری خطوط قطار شهری", "5-1-1", "برنامه عملیاتی", "D5"),
    ),
    "budget": CodeKind(
        "budget",
        BudgetCode,
        (CODE, TITLE, PARENT, LEVEL, CREDIT_TYPE),
        normalize_budget_code,
        "کدهای بخشنامه بودجه",
        ("50101001", "تکمیل خط ۲ قطار شهری", "50101", "ردیف", "تملک دارایی‌های سرمایه‌ای"),
    ),
}


@dataclasses.dataclass
class _Item:
    outcome: RowOutcome
    code: str
    title: str
    parent_code: str | None = None  # as typed in a parent column
    level: int | None = None  # as typed in a level column
    extra: dict = dataclasses.field(default_factory=dict)  # deputy_id / credit_type


def _fa(number):
    return persian_digits(number)


# The Persian header a problem names → the key of the column (and of the admin form's field).
_COLUMN_KEYS = {column.header: column.key for column in (CODE, TITLE, PARENT, LEVEL, DEPUTY, CREDIT_TYPE)}


def import_codes(
    kind_name, fileobj, *, dry_run=False, deactivate_missing=False, user=None, table=None
) -> ImportResult:
    """Validate a code table file and, unless `dry_run` or anything is wrong, write it atomically.

    `table` is the file as a preview already read it (then `fileobj` is not read)."""
    kind = KINDS[kind_name]
    result = ImportResult(kind=kind_name, dry_run=dry_run)
    table = read_table_for(result, fileobj, kind.columns, key_column="code", table=table)
    if table is None:
        return result

    importer = _CodeImport(kind, table, result)
    importer.validate()
    missing = [code for code in importer.existing if code not in importer.items]
    result.missing = sorted(code for code in missing if importer.existing[code]["is_active"])
    if result.has_errors or dry_run:
        if dry_run and deactivate_missing:
            result.deactivated = len(result.missing)
        return result
    try:
        with transaction.atomic():
            importer.write(deactivate_missing=deactivate_missing)
            _audit(user, kind, result)
    except IntegrityError as error:
        result.file_problems.append(
            Problem(None, None, f"ذخیره ناموفق بود و هیچ تغییری ثبت نشد (تداخل با تغییر هم‌زمان): {error}")
        )
        return result
    result.written = True
    return result


def _audit(user, kind, result):
    CodeImport.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        scheme=kind.name,
        summary=f"ورود {kind.label} از اکسل: {result.summary_fa()}"[:500],
        details={**result.totals, "missing": len(result.missing), "deactivated": result.deactivated},
    )


class CodeInvalid(Exception):
    """A code refused by the import's rules; `problems` are (column key, Persian message) pairs."""

    def __init__(self, problems):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class ValidCode:
    code: str
    level: int
    parent_code: str | None


def validate_code(kind_name, *, code, title, parent_code=None, level=None, credit_type=None, replacing=None):
    """One code checked by exactly the rules of a file import (the admin's add and change forms).

    Returns the normalised code, its level and its parent's code (the scheme's parent when none is
    given); raises CodeInvalid. `replacing` is the stored code an edit changes.
    """
    kind = KINDS[kind_name]
    values = {"code": code, "title": title, "parent_code": parent_code, "level": level}
    columns = {"code": 1, "title": 2, "parent_code": 3, "level": 4}
    if kind_name == "budget":
        values["credit_type"] = credit_type or None
        columns["credit_type"] = 5
    table = Table(
        "", 0, columns, [Row(1, {key: value for key, value in values.items() if value is not None})]
    )
    result = ImportResult(kind=kind_name, dry_run=True)
    importer = _CodeImport(kind, table, result)
    if replacing is not None:
        importer.existing.pop(replacing, None)
    importer.validate()
    problems = [(_COLUMN_KEYS.get(p.column, "code"), p.message) for p in result.problems]
    if problems:
        raise CodeInvalid(problems)
    normalised = next(iter(importer.items))
    return ValidCode(normalised, importer.levels[normalised], importer.parent_of[normalised])


def stored_code_problems(kind_name):
    """Every stored code of a table checked by the import's rules, as if the whole table were one
    file: [(code, Persian message)] for codes the import would refuse or place elsewhere."""
    kind = KINDS[kind_name]
    model = kind.model
    rows = list(model.objects.values_list("pk", "code", "title", "parent_id", "level"))
    code_by_pk = {pk: code for pk, code, *_ in rows}
    stored = {code: (code_by_pk.get(parent_id), level) for _pk, code, _title, parent_id, level in rows}
    table = Table("", 0, {"code": 1, "title": 2, "parent_code": 3, "level": 4})
    for number, (_pk, code, title, parent_id, level) in enumerate(rows, start=1):
        values = {"code": code, "title": title, "level": level}
        if parent_id is not None:
            values["parent_code"] = code_by_pk[parent_id]
        table.rows.append(Row(number, values))
    result = ImportResult(kind=kind_name, dry_run=True)
    importer = _CodeImport(kind, table, result)
    importer.existing = {}  # the table is checked against itself
    importer.validate()
    found = []
    for row, outcome in zip(table.rows, result.rows, strict=True):
        code = row.values["code"]
        for problem in outcome.problems:
            found.append(
                (code, f"ستون «{problem.column}»: {problem.message}" if problem.column else problem.message)
            )
        if outcome.problems or code not in importer.items:
            continue
        parent, level = stored[code]
        if importer.parent_of[code] != parent:
            found.append(
                (
                    code,
                    f"والد ذخیره‌شده «{parent or '—'}» است ولی طبق ساختار کد باید "
                    f"«{importer.parent_of[code]}» باشد.",
                )
            )
    return found


class _CodeImport:
    def __init__(self, kind, table, result):
        self.kind = kind
        self.table = table
        self.result = result
        self.items = {}  # code → _Item, valid rows only
        model = kind.model
        fields = ["pk", "code", "title", "parent_id", "level", "is_active"]
        fields.append("deputy_id" if model is ProgramCode else "credit_type")
        rows = list(model.objects.values_list(*fields))
        code_by_pk = {row[0]: row[1] for row in rows}
        self.existing = {
            row[1]: {
                "pk": row[0],
                "title": row[2],
                "parent_code": code_by_pk.get(row[3]),
                "level": row[4],
                "is_active": row[5],
                fields[-1]: row[6],
            }
            for row in rows
        }
        self.deputies = None
        if table.has("deputy"):
            self.deputies = UnitMatcher(Unit.objects.deputies(), what="معاونت")

    def problem(self, outcome, key, message):
        outcome.problems.append(Problem(outcome.number, self.kind.header(key), message))
        outcome.status = ERROR

    # --- validation ---------------------------------------------------------------------------

    def validate(self):
        seen = {}
        for row in self.table.rows:
            item = self.parse(row)
            if item.code is None:
                continue
            if item.code in seen:
                first = seen[item.code]
                self.problem(
                    item.outcome,
                    "code",
                    f"کد «{item.code}» تکراری است؛ در ردیف {first} هم آمده است "
                    "(دو کد با رقم‌های فارسی و لاتین یکی حساب می‌شوند).",
                )
                continue
            seen[item.code] = row.number
            if not item.outcome.problems:
                self.items[item.code] = item
        self.resolve_parents()
        self.keep_coded_leaves()
        self.compare()

    def parse(self, row):
        values = row.values
        outcome = RowOutcome(number=row.number, label=str(values.get("code", "")))
        self.result.rows.append(outcome)
        code = title = None
        try:
            code = self.kind.normalize(cells.usable(values.get("code")))
            outcome.label = code
        except PersianInputError as error:
            self.problem(outcome, "code", str(error))
        try:
            title = cells.text(values.get("title"), max_length=500, required=True, what="عنوان")
            outcome.title = title
        except PersianInputError as error:
            self.problem(outcome, "title", str(error))
        item = _Item(outcome, code, title)
        if values.get("parent_code") is not None:
            try:
                item.parent_code = self.kind.normalize(cells.usable(values["parent_code"]))
            except PersianInputError as error:
                self.problem(outcome, "parent_code", str(error))
        if values.get("level") is not None:
            try:
                item.level = parse_level(self.kind.name, cells.usable(values["level"]))
            except PersianInputError as error:
                self.problem(outcome, "level", str(error))
        if self.table.has("deputy"):
            item.extra["deputy_id"] = None
            if values.get("deputy") is not None:
                try:
                    item.extra["deputy_id"] = self.deputies.match(cells.usable(values["deputy"])).pk
                except PersianInputError as error:
                    self.problem(outcome, "deputy", str(error))
        if self.table.has("credit_type"):
            try:
                item.extra["credit_type"] = parse_credit_type(cells.text(values.get("credit_type")))
            except PersianInputError as error:
                self.problem(outcome, "credit_type", str(error))
        if (
            not outcome.problems
            and self.kind.name == "budget"
            and item.extra.get("credit_type")
            and len(code) != 8
        ):
            self.problem(outcome, "credit_type", "نوع اعتبار فقط برای ردیف بودجه (کد ۸ رقمی) معنا دارد.")
        return item

    def known(self, code):
        return code in self.items or code in self.existing

    def scheme_parent(self, code):
        if self.kind.name == "budget":
            return budget_parent_code(code)
        if "-" in code:
            return program_parent_code(code)
        # A code without segments: its longest proper prefix that is a code (docs/workflow.md, "Code tables").
        for end in range(len(code) - 1, 0, -1):
            if self.known(code[:end]):
                return code[:end]
        return None

    def resolve_parents(self):
        self.parent_of = {code: row["parent_code"] for code, row in self.existing.items()}
        for code, item in list(self.items.items()):
            expected = self.scheme_parent(code)
            parent = item.parent_code if item.parent_code is not None else expected
            header = "parent_code" if item.parent_code is not None else "code"
            if parent == code:
                self.reject(item, "parent_code", f"کد «{code}» نمی‌تواند والد خودش باشد.")
                continue
            if self.kind.name == "budget" and item.parent_code is not None and parent != expected:
                wanted = f"«{expected}»" if expected else "خالی (کد سطح اول است)"
                self.reject(
                    item,
                    "parent_code",
                    f"کد والد «{parent}» با ساختار کد بودجه نمی‌خواند؛ والد «{code}» باید {wanted} باشد.",
                )
                continue
            if parent is not None and not self.known(parent):
                self.reject(
                    item,
                    header,
                    f"کد والد «{parent}» نه در این فایل هست نه در سامانه؛ ابتدا کد والد را تعریف کنید.",
                )
                continue
            self.parent_of[code] = parent
        self.levels = {}
        for code in list(self.items):
            if code not in self.items:
                continue
            level = self.depth(code)
            item = self.items[code]
            if level is None:
                self.reject(item, "parent_code", f"کد «{code}» در یک چرخه از والدها است (مثلاً الف→ب→الف).")
                continue
            if item.level is not None and item.level != level:
                self.reject(
                    item,
                    "level",
                    f"سطح {level_label(self.kind.name, item.level)} با جایگاه کد در درخت نمی‌خواند؛ "
                    f"{self.place(code)} سطح باید {level_label(self.kind.name, level)} باشد.",
                )
        for code in self.items:
            self.levels.setdefault(code, self.depth(code))

    def keep_coded_leaves(self):
        """Projects are coded against leaves only: a code that projects use may not get a child.

        Any model that points at a code (projects, in the workgroups app) counts, found through the
        model's relations so that this app imports nothing from the apps that use it.
        """
        parents = {
            self.existing[p]["pk"]: p for p in map(self.parent_of.get, self.items) if p in self.existing
        }
        if not parents:
            return
        in_use = {}
        for relation in self.kind.model._meta.related_objects:
            if relation.related_model is self.kind.model or not relation.one_to_many:
                continue
            lookup = {f"{relation.field.name}__in": list(parents)}
            for pk in relation.related_model._base_manager.filter(**lookup).values_list(
                relation.field.attname, flat=True
            ):
                in_use[pk] = in_use.get(pk, 0) + 1
        for code, item in list(self.items.items()):
            parent = self.parent_of.get(code)
            count = in_use.get(self.existing.get(parent, {}).get("pk"))
            if count and self.existing_children(parent) == 0:
                self.reject(
                    item,
                    "parent_code" if item.parent_code is not None else "code",
                    f"کد «{parent}» به {_fa(count)} پروژه داده شده است و پروژه‌ها فقط با کدهای آخرین سطح "
                    "کدگذاری می‌شوند؛ پیش از افزودن زیرکد، کد آن پروژه‌ها را تغییر دهید.",
                )

    def existing_children(self, code):
        if not hasattr(self, "_children"):
            self._children = {}
            for row in self.existing.values():
                if row["parent_code"] is not None:
                    self._children[row["parent_code"]] = self._children.get(row["parent_code"], 0) + 1
        return self._children.get(code, 0)

    def place(self, code):
        parent = self.parent_of[code]
        return f"زیر والد «{parent}»" if parent else "بدون والد"

    def reject(self, item, key, message):
        self.problem(item.outcome, key, message)
        self.items.pop(item.code, None)

    def depth(self, code):
        """The level of a code in the tree after the import; None for a code in a cycle."""
        if code in self.levels:
            return self.levels[code]
        chain = []
        on_chain = set()
        node = code
        base = 0
        while node is not None:
            if node in self.levels:
                base = self.levels[node]
                break
            if node in on_chain:
                for member in chain:
                    self.levels[member] = None
                return None
            chain.append(node)
            on_chain.add(node)
            node = self.parent_of.get(node)
        if base is None:
            for member in chain:
                self.levels[member] = None
            return None
        for offset, member in enumerate(reversed(chain), start=1):
            self.levels[member] = base + offset
        return self.levels[code]

    def compare(self):
        for code, item in self.items.items():
            old = self.existing.get(code)
            if old is None:
                item.outcome.status = NEW
                continue
            changes = []
            if old["title"] != item.title:
                changes.append("title")
            if old["parent_code"] != self.parent_of[code]:
                changes.append("parent_code")
            if old["level"] != self.levels[code]:
                changes.append("level")
            for key, value in item.extra.items():
                if old[key] != value:
                    changes.append("deputy" if key == "deputy_id" else key)
            if not old["is_active"]:
                changes.append("is_active")
            item.outcome.changes = [self.header_or_key(key) for key in changes]
            item.outcome.status = UPDATED if changes else UNCHANGED

    def header_or_key(self, key):
        try:
            return self.kind.header(key)
        except StopIteration:
            return {"level": "سطح", "is_active": "فعال"}.get(key, key)

    # --- writing ------------------------------------------------------------------------------

    def write(self, *, deactivate_missing):
        model = self.kind.model
        pk_of = {code: row["pk"] for code, row in self.existing.items()}
        new = [item for item in self.items.values() if item.outcome.status == NEW]
        new.sort(key=lambda item: self.levels[item.code])
        for level in sorted({self.levels[item.code] for item in new}):
            batch = [
                model(
                    code=item.code,
                    title=item.title,
                    search_key=search_key(f"{item.code} {item.title}"),
                    level=level,
                    parent_id=pk_of.get(self.parent_of[item.code]),
                    **item.extra,
                )
                for item in new
                if self.levels[item.code] == level
            ]
            created = model.objects.bulk_create(batch, batch_size=2000)
            if any(obj.pk is None for obj in created):  # databases that return no ids
                codes = [obj.code for obj in created]
                pk_of.update(model.objects.filter(code__in=codes).values_list("code", "pk"))
            else:
                pk_of.update((obj.code, obj.pk) for obj in created)
        changed = []
        for item in self.items.values():
            if item.outcome.status != UPDATED:
                continue
            obj = model(
                pk=pk_of[item.code],
                code=item.code,
                title=item.title,
                search_key=search_key(f"{item.code} {item.title}"),
                level=self.levels[item.code],
                parent_id=pk_of.get(self.parent_of[item.code]),
                is_active=True,
                **item.extra,
            )
            changed.append(obj)
        if changed:
            fields = ["title", "search_key", "level", "parent", "is_active", *self.extra_fields()]
            model.objects.bulk_update(changed, fields, batch_size=500)
        if deactivate_missing and self.result.missing:
            missing = model.objects.filter(code__in=self.result.missing, is_active=True)
            self.result.deactivated = missing.update(is_active=False)

    def extra_fields(self):
        fields = []
        if self.table.has("deputy"):
            fields.append("deputy")
        if self.table.has("credit_type"):
            fields.append("credit_type")
        return fields
