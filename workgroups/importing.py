"""Importing a unit's proposed projects for one cycle from a workbook.

Same shape as the code tables: read, validate every row in Python against lookups loaded once,
then write everything or nothing. A row with a `شناسه` (the unit's own reference) updates the
project with that reference in the same unit and cycle; a row without one is created.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import (
    PersianInputError,
    parse_amount,
    parse_percent,
    search_key,
    search_key_compact,
)
from programs.codes import BUDGET_LINE_LEVEL, normalize_budget_code, normalize_program_code, parse_credit_type
from programs.importing import cells
from programs.importing.results import ERROR, NEW, UNCHANGED, UPDATED, ImportResult, Problem, RowOutcome
from programs.importing.sheets import Column, header_key, read_table_for
from programs.importing.units import UnitMatcher
from programs.models import BudgetCode, FundingSource, ProgramCode, Unit
from workgroups import locks, ranking, resources
from workgroups.models import (
    AuditEntry,
    Project,
    ProjectFunding,
    ProjectYearForecast,
    Workgroup,
    clean_project_ref,
)
from workgroups.monitoring import carryover
from workgroups.overlaps.runs import overlaps_after_import

COLUMNS = (
    Column("title", "عنوان", ("title", "عنوان پروژه", "نام پروژه", "عنوان پروژه / فعالیت"), required=True),
    Column(
        "unit", "واحد پیشنهاددهنده", ("unit", "واحد", "واحد پیشنهاد دهنده", "پیشنهاددهنده"), required=True
    ),
    Column("deputy", "معاونت مسئول", ("deputy", "معاونت", "responsible_deputy")),
    Column(
        "requested",
        "اعتبار درخواستی (میلیون ریال)",
        ("requested", "اعتبار درخواستی", "requested_amount", "اعتبار پیشنهادی (میلیون ریال)"),
        required=True,
    ),
    Column("total_estimate", "برآورد کل (میلیون ریال)", ("total_estimate", "برآورد کل")),
    Column("location", "محل اجرا", ("location",)),
    Column("kind", "نوع", ("kind", "نوع پروژه")),
    Column("credit_type", "نوع اعتبار", ("credit_type", "نوع اعتبار درخواستی", "requested_credit_type")),
    Column(
        "progress", "پیشرفت فیزیکی", ("progress", "پیشرفت فیزیکی (درصد)", "physical_progress", "درصد پیشرفت")
    ),
    Column("justification", "شرح و نیازسنجی", ("justification", "نیازسنجی", "شرح")),
    Column("program_code", "کد برنامه عملیاتی", ("program_code", "کد برنامه")),
    Column("budget_code", "کد بودجه", ("budget_code", "کد بخشنامه", "کد ردیف بودجه")),
    Column("ref", "شناسه", ("ref", "شناسه پروژه", "شناسه واحد", "id")),
    Column(
        "spent_before",
        "هزینه‌شده تا پیش از سال جاری (میلیون ریال)",
        ("spent_before", "هزینه‌شده تا پیش از سال جاری", "هزینه شده قبلی"),
    ),
    Column("estimate_gap_reason", "دلیل اختلاف با برآورد کل", ("estimate_gap_reason",)),
    Column("over_remaining_reason", "دلیل درخواست بیش از مانده برآورد", ("over_remaining_reason",)),
)
HEADERS = {column.key: column.header for column in COLUMNS}


def money_columns(cycle, sources):
    """One column per forecast year of the cycle («پیش‌بینی <year>») and per funding source
    («منبع: <name>»), each with an English alias (forecast_<year>, source_<id>)."""
    return (
        *(
            Column(
                f"forecast:{year}", resources.forecast_header(year), (f"forecast_{year}", f"forecast {year}")
            )
            for year in resources.forecast_years(cycle.fiscal_year)
        ),
        *(
            Column(f"source:{source.pk}", resources.source_header(source.name), (f"source_{source.pk}",))
            for source in sources
        ),
    )


EXAMPLE = (
    "احداث بوستان محله‌ای",
    "منطقه ۵",
    "معاونت خدمات شهری",
    "۱۲٬۵۰۰",
    "۴۰٬۰۰۰",
    "منطقه ۵",
    "جدید",
    "تملک دارایی‌های سرمایه‌ای",
    "0",
    "نیاز محله به فضای سبز در جلسه مشترک تأیید شد.",
    "6-1-1-01",
    "60101001",
    "R05-1399-01",
    "",
    "",
    "",
)

_KINDS = {
    header_key(label): value
    for label, value in [
        ("جدید", "new"),
        ("new", "new"),
        ("در دست اجرا", "ongoing"),
        ("در حال اجرا", "ongoing"),
        ("ادامه‌دار", "ongoing"),
        ("نیمه‌تمام", "ongoing"),
        ("ongoing", "ongoing"),
    ]
}

# Fields compared to decide between "updated" and "unchanged", with their column.
_COMPARED = {
    "title": "title",
    "responsible_deputy_id": "deputy",
    "location": "location",
    "kind": "kind",
    "requested_credit_type": "credit_type",
    "physical_progress": "progress",
    "total_estimate": "total_estimate",
    "requested_amount": "requested",
    "spent_before": "spent_before",
    "estimate_gap_reason": "estimate_gap_reason",
    "over_remaining_reason": "over_remaining_reason",
    "justification": "justification",
    "program_code_id": "program_code",
    "budget_code_id": "budget_code",
}
_COLUMN_FIELDS = {column: field for field, column in _COMPARED.items()}


def import_projects(fileobj, *, cycle, dry_run=False, user=None, table=None) -> ImportResult:
    """Validate a project list for `cycle` and, unless `dry_run` or anything is wrong, save it atomically.

    `table` is the file as a preview already read it (then `fileobj` is not read)."""
    result = ImportResult(kind="projects", dry_run=dry_run)
    sources = list(FundingSource.objects.all())
    columns = (*COLUMNS, *money_columns(cycle, sources))
    table = read_table_for(result, fileobj, columns, key_column="title", table=table)
    if table is None:
        return result
    importer = _ProjectImport(table, cycle, result, user, columns=columns, sources=sources)
    importer.validate()
    if result.has_errors or dry_run:
        return result
    try:
        with transaction.atomic():
            changed_lists = importer.write()
            _audit(user, cycle, result, changed_lists)
            # Imported ongoing projects find the project of last year they continue.
            ongoing = [p for p in importer.written if p.kind == Project.Kind.ONGOING]
            carryover.carryover_link(cycle=cycle, user=user, projects=ongoing)
    except IntegrityError as error:
        result.file_problems.append(
            Problem(None, None, f"ذخیره ناموفق بود و هیچ تغییری ثبت نشد (تداخل با تغییر هم‌زمان): {error}")
        )
        return result
    except locks.ListLocked as error:
        result.file_problems.append(Problem(None, None, f"هیچ تغییری ثبت نشد: {error.message}"))
        return result
    result.written = True
    # Look for overlaps of the imported projects with the rest of the cycle (in the background when
    # the import touched much of it).
    overlaps_after_import(cycle=cycle, projects=importer.written, user=user)
    return result


def _audit(user, cycle, result, changed_lists):
    """One entry for each list the import changed (its rows), or one for the cycle when it changed
    none (an import that found everything unchanged is still a recorded act)."""
    summary = f"ورود پروژه‌های پیشنهادی {cycle} از اکسل: {result.summary_fa()}"
    if not changed_lists:
        AuditEntry.objects.record(
            actor=user, action="import_projects", summary=summary, cycle=cycle, details=result.totals
        )
    for workgroup in Workgroup.objects.filter(pk__in=changed_lists):
        rows = persian_digits(changed_lists[workgroup.pk])
        AuditEntry.objects.record(
            actor=user,
            action="import_projects",
            summary=f"{summary} ({rows} ردیف در این فهرست)"[:500],
            workgroup=workgroup,
            cycle=cycle,
            details={**result.totals, "rows_in_list": changed_lists[workgroup.pk]},
        )


class _ProjectImport:
    def __init__(self, table, cycle, result, user, *, columns=COLUMNS, sources=()):
        self.Project = Project
        self.headers = {column.key: column.header for column in columns}
        self.sources = {source.pk: source for source in sources}
        self.forecast_keys = [key for key in table.columns if key.startswith("forecast:")]
        self.source_keys = [key for key in table.columns if key.startswith("source:")]
        self.table = table
        self.cycle = cycle
        self.year = cycle.fiscal_year
        self.result = result
        self.user = user
        units = list(Unit.objects.all())
        self.units = UnitMatcher(units, what="واحد")
        self.deputies = UnitMatcher([u for u in units if u.kind == Unit.Kind.DEPUTY], what="معاونت")
        self.unit_by_pk = {unit.pk: unit for unit in units}
        self.workgroups = dict(Workgroup.objects.values_list("deputy_id", "pk"))
        self.program_codes = {}
        if table.has("program_code"):
            self.program_codes = {
                row[0]: row[1:]
                for row in ProgramCode.objects.values_list(
                    "code", "pk", "is_active", "valid_from_year", "valid_to_year"
                )
            }
        self.budget_codes = {}
        if table.has("budget_code"):
            self.budget_codes = {
                row[0]: row[1:]
                for row in BudgetCode.objects.values_list(
                    "code", "pk", "is_active", "valid_from_year", "valid_to_year", "level"
                )
            }
        fields = ["pk", "proposing_unit_id", "ref", "title_key", "workgroup_id", "priority", *_COMPARED]
        self.existing = {}
        self.existing_titles = {}
        for values in Project.objects.filter(cycle=cycle).values(*fields):
            if values["ref"]:
                self.existing[(values["proposing_unit_id"], values["ref"])] = values
            key = (values["proposing_unit_id"], values["title_key"].replace(" ", ""))
            self.existing_titles.setdefault(key, values["pk"])
        self.items = []
        # What each existing project has stored, compared with and checked with the file's cells.
        self.stored_forecasts, self.stored_sources = {}, {}
        if self.existing:
            in_cycle = {"project__cycle": cycle}
            for pk, year, amount in ProjectYearForecast.objects.filter(**in_cycle).values_list(
                "project_id", "fiscal_year", "amount"
            ):
                self.stored_forecasts.setdefault(pk, {})[year] = amount
            for pk, source_id, amount in ProjectFunding.objects.filter(**in_cycle).values_list(
                "project_id", "source_id", "amount"
            ):
                self.stored_sources.setdefault(pk, {})[source_id] = amount

    def problem(self, outcome, key, message):
        outcome.problems.append(Problem(outcome.number, self.headers[key], message))
        outcome.status = ERROR

    def validate(self):
        refs, titles = {}, {}
        for row in self.table.rows:
            item = self.parse(row)
            partial = self.partial
            if partial.get("ref") and partial.get("unit"):
                first = refs.setdefault((partial["unit"].pk, partial["ref"]), row.number)
                if first != row.number:
                    self.problem(
                        partial["outcome"],
                        "ref",
                        f"شناسه «{partial['ref']}» در همین واحد در ردیف {first} هم آمده است.",
                    )
                    continue
            if item is None:
                continue
            outcome = item["outcome"]
            unit_id = item["proposing_unit_id"]
            title_key = (unit_id, search_key_compact(item["title"]))
            first = titles.setdefault(title_key, (row.number, item["ref"]))
            if first[0] != row.number and (not item["ref"] or not first[1] or item["ref"] == first[1]):
                self.problem(
                    outcome,
                    "title",
                    f"این پروژه در ردیف {first[0]} هم برای همین واحد آمده است (عنوان یکسان پس از یکسان‌سازی "
                    "نویسه‌ها)؛ اگر دو پروژهٔ جداست، به هر کدام شناسهٔ جدا بدهید.",
                )
                continue
            self.compare(item)
            self.check_money(item)
            if outcome.status == ERROR:
                continue
            self.items.append(item)
        self.check_locks()

    def parse(self, row):
        values = row.values
        outcome = RowOutcome(number=row.number, label="")
        self.result.rows.append(outcome)
        item = self.partial = {"outcome": outcome}

        def field(key, parse):
            if key not in self.table.columns:
                return
            try:
                item[key] = parse(values.get(key))
            except PersianInputError as error:
                self.problem(outcome, key, str(error))

        field("title", lambda v: cells.text(v, max_length=255, required=True, what="عنوان"))
        outcome.title = outcome.label = item.get("title", "")
        field("unit", self.parse_unit)
        field("deputy", self.parse_deputy)
        field("requested", self.parse_requested)
        field("total_estimate", lambda v: parse_amount(cells.usable(v)))
        field("location", lambda v: cells.text(v, max_length=255, what="محل اجرا"))
        field("kind", self.parse_kind)
        field("credit_type", lambda v: parse_credit_type(cells.text(v, what="نوع اعتبار")))
        field("progress", lambda v: parse_percent(cells.usable(v), as_fraction="progress" in row.percent))
        field("justification", lambda v: cells.text(v, what="نیازسنجی"))
        field("program_code", self.parse_program_code)
        field("budget_code", self.parse_budget_code)
        field("ref", self.parse_ref)
        field("spent_before", lambda v: parse_amount(cells.usable(v)))
        field("estimate_gap_reason", lambda v: cells.text(v, what="دلیل اختلاف با برآورد کل"))
        field("over_remaining_reason", lambda v: cells.text(v, what="دلیل درخواست بیش از مانده برآورد"))
        for key in (*self.forecast_keys, *self.source_keys):
            field(key, lambda v: parse_amount(cells.usable(v)))
        if outcome.problems:
            return None
        unit = item["unit"]
        deputy = item.get("deputy")
        if deputy is None:
            deputy = unit if unit.kind == "deputy" else self.unit_by_pk.get(unit.default_deputy_id)
            if deputy is None:
                self.problem(outcome, "deputy", "معاونت مسئول خالی است و واحد، معاونت پیش‌فرض ندارد.")
                return None
        workgroup_id = self.workgroups.get(deputy.pk)
        if workgroup_id is None:
            self.problem(outcome, "deputy", f"معاونت «{deputy.name}» کارگروه تخصصی ندارد.")
            return None
        forecasts = {int(key.partition(":")[2]): item.get(key) or 0 for key in self.forecast_keys}
        sources = {int(key.partition(":")[2]): item.get(key) or 0 for key in self.source_keys}
        total, requested = item.get("total_estimate"), item["requested"]
        if total is not None and total < requested:
            self.result.warnings.append(
                Problem(row.number, HEADERS["total_estimate"], "برآورد کل از اعتبار درخواستی کمتر است.")
            )
        return {
            "outcome": outcome,
            "number": row.number,
            "forecasts": {year: amount for year, amount in forecasts.items() if amount},
            "sources": {pk: amount for pk, amount in sources.items() if amount},
            "proposing_unit_id": unit.pk,
            "ref": item.get("ref", ""),
            "title": item["title"],
            "workgroup_id": workgroup_id,
            "fields": {
                "title": item["title"],
                "responsible_deputy_id": deputy.pk,
                "requested_amount": requested,
                **{
                    _COLUMN_FIELDS[key]: item[key]
                    for key in (
                        "total_estimate",
                        "location",
                        "kind",
                        "credit_type",
                        "progress",
                        "justification",
                        "spent_before",
                        "estimate_gap_reason",
                        "over_remaining_reason",
                    )
                    if key in item
                },
                **{f"{key}_id": item[key] for key in ("program_code", "budget_code") if key in item},
            },
        }

    # --- cells --------------------------------------------------------------------------------

    def parse_unit(self, value):
        return self.units.match(cells.usable(value), fiscal_year=self.year)

    def parse_deputy(self, value):
        value = cells.usable(value)
        if value is None:
            return None
        return self.deputies.match(value, fiscal_year=self.year)

    def parse_requested(self, value):
        amount = parse_amount(cells.usable(value))
        if not amount:
            raise PersianInputError("اعتبار درخواستی خالی یا صفر است؛ مبلغ را به میلیون ریال بنویسید.")
        return amount

    def parse_kind(self, value):
        text = cells.text(value, what="نوع")
        if not text:
            return "new"
        kind = _KINDS.get(header_key(text))
        if kind is None:
            raise PersianInputError(f"نوع «{text}» شناخته نیست؛ «جدید» یا «در دست اجرا» بنویسید.")
        return kind

    def _check_code(self, code, found, what):
        if found is None:
            raise PersianInputError(f"{what} «{code}» در سامانه تعریف نشده است.")
        pk, is_active, valid_from, valid_to = found[:4]
        if not is_active:
            raise PersianInputError(f"{what} «{code}» غیرفعال است.")
        if (valid_from and valid_from > self.year) or (valid_to and valid_to < self.year):
            raise PersianInputError(f"{what} «{code}» در سال {persian_digits(self.year)} معتبر نیست.")
        return pk

    def parse_program_code(self, value):
        value = cells.usable(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        code = normalize_program_code(value)
        return self._check_code(code, self.program_codes.get(code), "کد برنامه")

    def parse_budget_code(self, value):
        value = cells.usable(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        code = normalize_budget_code(value)
        found = self.budget_codes.get(code)
        pk = self._check_code(code, found, "کد بودجه")
        if found[4] != BUDGET_LINE_LEVEL:
            raise PersianInputError(f"کد بودجه «{code}» ردیف بودجه نیست؛ کد ۸ رقمی ردیف را بنویسید.")
        return pk

    def parse_ref(self, value):
        return clean_project_ref(cells.usable(value))

    # --- compare and write --------------------------------------------------------------------

    def compare(self, item):
        outcome = item["outcome"]
        old = self.existing.get((item["proposing_unit_id"], item["ref"])) if item["ref"] else None
        if old is None:
            outcome.status = NEW
            item["old"] = None
            key = (item["proposing_unit_id"], search_key(item["title"]).replace(" ", ""))
            if not item["ref"] and key in self.existing_titles:
                self.result.warnings.append(
                    Problem(
                        item["number"],
                        HEADERS["title"],
                        "پروژه‌ای با همین عنوان برای همین واحد در این دوره ثبت شده است؛ ردیف، پروژهٔ تازه "
                        "ساخته می‌شود (برای به‌روزرسانی، شناسه بدهید).",
                    )
                )
            return
        item["old"] = old
        changes = [
            HEADERS[column]
            for field, column in _COMPARED.items()
            if field in item["fields"] and item["fields"][field] != old[field]
        ]
        if self.forecast_keys and item["forecasts"] != self.stored_forecasts.get(old["pk"], {}):
            changes.append("پیش‌بینی سال‌های آینده")
        if self.source_keys and item["sources"] != self.stored_sources.get(old["pk"], {}):
            changes.append("منابع تأمین")
        outcome.changes = changes
        outcome.status = UPDATED if changes else UNCHANGED

    def check_money(self, item):
        """The money rules (workgroups.resources) on the project as it would be after this row:
        the file's cells, and what is stored for the columns the file does not have."""
        old = item["old"] or {}
        fields = item["fields"]

        def value(name):
            return fields[name] if name in fields else old.get(name)

        pk = old.get("pk")
        money = resources.Money(
            fiscal_year=self.year,
            requested=fields["requested_amount"],
            kind=value("kind") or Project.Kind.NEW,
            total_estimate=value("total_estimate"),
            spent_before=value("spent_before"),
            forecasts=item["forecasts"] if self.forecast_keys else self.stored_forecasts.get(pk, {}),
            sources=item["sources"] if self.source_keys else self.stored_sources.get(pk, {}),
            estimate_gap_reason=value("estimate_gap_reason") or "",
            over_remaining_reason=value("over_remaining_reason") or "",
        )
        for name, message in resources.money_problems(money):
            if name == "forecasts":
                key = self.forecast_keys[0] if self.forecast_keys else "total_estimate"
            elif name == "sources":
                key = self.source_keys[0] if self.source_keys else "requested"
            else:
                key = name if name in self.table.columns else "total_estimate"
            self.problem(item["outcome"], key, message)

    # --- the lists it changes -----------------------------------------------------------------

    def touched_lists(self):
        """{workgroup id: [row numbers]} of the lists this file adds to, changes or moves out of."""
        touched = {}
        for item in self.items:
            if item["outcome"].status == UNCHANGED:
                continue
            workgroups = {item["workgroup_id"]}
            if item["old"] is not None:
                workgroups.add(item["old"]["workgroup_id"])
            for workgroup_id in workgroups:
                touched.setdefault(workgroup_id, []).append(item["number"])
        return touched

    def check_locks(self):
        """A file that would change a submitted or accepted list is refused as a whole (the preview
        says which lists and rows); the office returns those lists first."""
        touched = self.touched_lists()
        workgroups = Workgroup.objects.in_bulk(touched)
        for workgroup_id, numbers in sorted(touched.items()):
            reason = locks.list_lock_reason(
                workgroup=workgroups[workgroup_id], cycle=self.cycle, writer=locks.OFFICE
            )
            if reason:
                rows = "، ".join(persian_digits(number) for number in numbers[:20])
                more = " و …" if len(numbers) > 20 else ""
                self.result.file_problems.append(
                    Problem(None, None, f"{reason} (ردیف‌های {rows}{more} این فهرست را تغییر می‌دهند.)")
                )

    def write(self):
        """Write every row, inside the caller's transaction, after locking each list it touches:
        projects moved to another workgroup leave their old ranked list (which closes up), and
        each list's version goes up. Returns {workgroup id: locked row} of the lists changed."""
        Project = self.Project
        touched = self.touched_lists()
        shares = locks.open_lists(
            workgroups=Workgroup.objects.filter(pk__in=touched), cycle=self.cycle, writer=locks.OFFICE
        )
        now = timezone.now()
        new, changed = [], []
        creator = self.user if self.user is not None and self.user.is_authenticated else None
        for item in self.items:
            fields = item["fields"]
            if item["old"] is None:
                new.append(
                    Project(
                        cycle=self.cycle,
                        ref=item["ref"],
                        proposing_unit_id=item["proposing_unit_id"],
                        workgroup_id=item["workgroup_id"],
                        title_key=search_key(fields["title"]),
                        created_by=creator,
                        **fields,
                    )
                )
            elif item["outcome"].status == UPDATED:
                old = item["old"]
                project = Project(pk=old["pk"], workgroup_id=item["workgroup_id"], priority=old["priority"])
                for name, value in fields.items():
                    setattr(project, name, value)
                for name in _COMPARED:
                    if name not in fields:
                        setattr(project, name, old[name])
                project.title_key = search_key(project.title)
                project.updated_at = now
                if item["workgroup_id"] != old["workgroup_id"]:
                    # Another workgroup's list: the project leaves the old one (the rest close up)
                    # and waits unranked in the new one.
                    stored = Project.objects.get(pk=old["pk"])
                    ranking.leave_list(stored)
                changed.append(project)
        Project.objects.bulk_create(new, batch_size=1000)
        self.written = [*new, *changed]
        if changed:
            # Priorities are not written here: only `ranking.leave_list` moves them.
            names = [*_COMPARED, "title_key", "workgroup_id", "updated_at"]
            Project.objects.bulk_update(changed, [n.removesuffix("_id") for n in names], batch_size=500)
        self.write_money(new)
        for share in shares.values():
            ranking.bump_version(share)
        return {workgroup_id: len(numbers) for workgroup_id, numbers in touched.items()}

    def write_money(self, new):
        """Replace the forecasts and source parts of the rows whose file has those columns and whose
        figures changed: one delete and one insert each, whatever the number of rows."""
        new_pks = iter(project.pk for project in new)
        forecasts, sources = {}, {}
        for item in self.items:
            pk = next(new_pks) if item["old"] is None else item["old"]["pk"]
            if self.forecast_keys and item["forecasts"] != self.stored_forecasts.get(pk, {}):
                forecasts[pk] = item["forecasts"]
            if self.source_keys and item["sources"] != self.stored_sources.get(pk, {}):
                sources[pk] = item["sources"]
        if forecasts:
            ProjectYearForecast.objects.filter(project_id__in=forecasts).delete()
            ProjectYearForecast.objects.bulk_create(
                (
                    ProjectYearForecast(project_id=pk, fiscal_year=year, amount=amount)
                    for pk, years in forecasts.items()
                    for year, amount in years.items()
                ),
                batch_size=1000,
            )
        if sources:
            ProjectFunding.objects.filter(project_id__in=sources).delete()
            ProjectFunding.objects.bulk_create(
                (
                    ProjectFunding(project_id=pk, source_id=source_id, amount=amount)
                    for pk, parts in sources.items()
                    for source_id, amount in parts.items()
                ),
                batch_size=1000,
            )
