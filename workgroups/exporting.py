"""The coded, prioritized list as an Excel workbook for the budget.

One pass over the cycle's projects in the consolidated order feeds the consolidated sheet and
each workgroup's sheet at once (openpyxl write-only worksheets each stream to their own file,
so rows may go to any of them in any order). Memory stays flat whatever the size of the list.

Every text cell is written as a string cell, never left to openpyxl's guess: a title such as
«=HYPERLINK(...)» or «-۵۰۰» stays text in Excel and LibreOffice. Codes are text (leading zeros
kept); amounts are numbers with thousands separators; dates are Jalali text.
"""

import datetime
import hashlib
import re

from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from karaj_budget.jalali import format_jalali_date, format_jalali_datetime, persian_digits
from karaj_budget.xlsx import ILLEGAL_CHARACTERS, needs_quote_prefix, text_cell
from programs.models import FundingSource
from workgroups import resources
from workgroups.attachments import services as attachment_services
from workgroups.deadlines import format_duration_fa
from workgroups.models import (
    AuditEntry,
    Deadline,
    Meeting,
    Project,
    ProjectFunding,
    ProjectYearForecast,
    Submission,
    Workgroup,
    WorkgroupCycle,
    canonical_json,
)
from workgroups.ranking import ListFigures
from workgroups.submissions import current_checksum

AMOUNT_FORMAT = "#,##0"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F5F6B")

# (header, width, how to get the value from a project row, kind)
COLUMNS = [
    ("اولویت", 8, "priority", "number"),
    ("عنوان پروژه", 60, "title", "text"),
    ("واحد پیشنهاددهنده", 34, "proposing_unit__name", "text"),
    ("کد واحد", 9, "proposing_unit__code", "text"),
    ("کارگروه", 38, "workgroup__name", "text"),
    ("معاونت مسئول", 30, "responsible_deputy__name", "text"),
    ("محل اجرا", 18, "location", "text"),
    ("نوع", 12, "kind", "text"),
    ("پیشرفت فیزیکی (درصد)", 12, "physical_progress", "number"),
    ("برآورد کل (میلیون ریال)", 18, "total_estimate", "amount"),
    ("هزینه‌شده تا پیش از سال جاری (میلیون ریال)", 18, "spent_before", "amount"),
    ("اعتبار درخواستی (میلیون ریال)", 18, "requested_amount", "amount"),
    ("نوع اعتبار", 22, "requested_credit_type", "text"),
    ("جمع تجمعی (میلیون ریال)", 18, "cumulative", "amount"),
    ("جمع تجمعی همان نوع اعتبار (میلیون ریال)", 18, "type_cumulative", "amount"),
    ("در سقف اعتبار", 10, "fits", "text"),
    ("کد برنامه عملیاتی", 14, "program_code__code", "text"),
    ("عنوان برنامه عملیاتی", 44, "program_code__title", "text"),
    ("کد بودجه", 12, "budget_code__code", "text"),
    ("عنوان ردیف بودجه", 44, "budget_code__title", "text"),
    ("نوع اعتبار ردیف بودجه", 22, "budget_code__credit_type", "text"),
    ("وضعیت", 16, "state", "text"),
    ("شناسه واحد", 14, "ref", "text"),
    ("دلیل اختلاف با برآورد کل", 40, "estimate_gap_reason", "text"),
    ("دلیل درخواست بیش از مانده برآورد", 40, "over_remaining_reason", "text"),
]
FIELDS = [
    source for _, _, source, _ in COLUMNS if source not in {"cumulative", "type_cumulative", "fits"}
] + ["requested_credit_type"]
FIELDS = list(dict.fromkeys(FIELDS))


def list_columns(cycle, sources):
    """The fixed columns, then one per forecast year and one per funding source: headed as the
    projects import reads them back («پیش‌بینی <year>», «منبع: <name>»)."""
    return [
        *COLUMNS,
        *(
            (resources.forecast_header(year), 14, f"forecast:{year}", "amount")
            for year in resources.forecast_years(cycle.fiscal_year)
        ),
        *((resources.source_header(source.name), 16, f"source:{source.pk}", "amount") for source in sources),
    ]


KIND_LABELS = dict(Project.Kind.choices)
STATE_LABELS = dict(Project.State.choices)
CREDIT_LABELS = {"capital": "تملک دارایی‌های سرمایه‌ای", "current": "هزینه‌ای", "": "", None: ""}


def number_cell(sheet, value, number_format=None):
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    return cell


def sheet_title(name, used):
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name, unique per workbook."""
    title = re.sub(r"[\[\]:*?/\\]", " ", name).replace("کارگروه تخصصی", "").strip()[:31] or "کارگروه"
    candidate, number = title, 2
    while candidate in used:
        suffix = f" ({number})"
        candidate, number = title[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate)
    return candidate


def new_list_sheet(workbook, title, columns=COLUMNS):
    sheet = workbook.create_sheet(title)
    sheet.sheet_view.rightToLeft = True
    sheet.freeze_panes = "A2"
    for index, (_, width, _, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for name, _, _, _ in columns:
        cell = text_cell(sheet, name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    sheet.append(header)
    return sheet


class RowWriter:
    """Turns project rows into the cells of one sheet.

    openpyxl guesses a cell's type from its value and treats only strings that start with «=» as
    formulas, so other text goes in as plain values (the fast path) and formula-like text as
    explicit string cells with Excel's quote prefix (karaj_budget/xlsx.py). Amount cells carry a
    number format; one styled cell per amount column is reused, because a write-only sheet
    serialises each row as soon as it is appended.
    """

    def __init__(self, sheet, columns=COLUMNS):
        self.sheet = sheet
        self.columns = columns
        self.amount_cells = {
            index: number_cell(sheet, None, AMOUNT_FORMAT)
            for index, (_, _, _, kind) in enumerate(columns)
            if kind == "amount"
        }

    def append(self, row):
        values = []
        for index, (_, _, source, kind) in enumerate(self.columns):
            value = row.get(source)
            if value is None or value == "":
                values.append(None)
            elif kind == "text":
                value = ILLEGAL_CHARACTERS.sub("", str(value))
                values.append(text_cell(self.sheet, value) if needs_quote_prefix(value) else value)
            elif kind == "amount":
                cell = self.amount_cells[index]
                cell.value = value
                values.append(cell)
            else:
                values.append(value)
        self.sheet.append(values)


def ordered_rows(cycle, workgroup=None):
    """Projects as plain dicts: ranked in priority order within their workgroup, then the rest."""
    projects = Project.objects.filter(cycle=cycle)
    if workgroup is not None:
        projects = projects.filter(workgroup=workgroup)
    ranked = projects.filter(priority__isnull=False).order_by("workgroup__deputy__code", "priority")
    unranked = projects.filter(priority__isnull=True).order_by(
        "workgroup__deputy__code", F("state").desc(), "-requested_amount", "pk"
    )
    for queryset in (ranked, unranked):
        yield from queryset.values("id", "workgroup_id", *FIELDS).iterator(chunk_size=2000)


# How the export writes `ranking.Place.fit_state`: no ceiling set leaves the cell empty.
FITS_TEXT = {"in": "بله", "remainder": "در باقی‌مانده سقف", "out": "خیر", "": None}


class ListTotals:
    """Running cumulative requests per workgroup against its ceilings (ranked projects only), by the
    same `ranking.ListFigures` as the ranking page, the submission page and the dashboard: the list
    as a whole, and each credit type against its own ceiling."""

    def __init__(self, shares, money):
        self.shares = shares
        self.money = money
        self.lines = {}

    def figures(self, workgroup_id):
        figures = self.lines.get(workgroup_id)
        if figures is None:
            share = self.shares.get(workgroup_id)
            figures = self.lines[workgroup_id] = ListFigures(
                share.credit_ceiling if share else None, share.type_ceilings if share else None
            )
        return figures

    def annotate(self, row):
        row["credit_type"] = resources.credit_type_of(
            row["requested_credit_type"], row["budget_code__credit_type"]
        )
        row["kind"] = KIND_LABELS.get(row["kind"], row["kind"])
        row["state"] = STATE_LABELS.get(row["state"], row["state"])
        row["budget_code__credit_type"] = CREDIT_LABELS.get(row["budget_code__credit_type"], "")
        row["requested_credit_type"] = CREDIT_LABELS.get(row["requested_credit_type"], "")
        self.money.annotate(row)
        figures = self.figures(row["workgroup_id"])
        if row["priority"] is None:
            row["cumulative"] = row["type_cumulative"] = row["fits"] = None
            if row["state"] == STATE_LABELS[Project.State.PROPOSED]:
                figures.add_sources(row["requested_amount"], row["source_names"])
            return row
        place = figures.add(row["requested_amount"], row["credit_type"], row["source_names"])
        row["cumulative"] = place.cumulative
        row["type_cumulative"] = place.typed.cumulative if place.typed else None
        row["fits"] = FITS_TEXT[place.fit_state]
        return row


class ProjectMoney:
    """Every forecast and source part of the exported projects, read once (two queries), keyed by
    project: the rows of the export carry them as «پیش‌بینی <year>» and «منبع: <name>» cells."""

    def __init__(self, cycle, workgroup=None):
        projects = Project.objects.filter(cycle=cycle)
        if workgroup is not None:
            projects = projects.filter(workgroup=workgroup)
        self.forecasts, self.sources = {}, {}
        for project_id, year, amount in ProjectYearForecast.objects.filter(project__in=projects).values_list(
            "project_id", "fiscal_year", "amount"
        ):
            self.forecasts.setdefault(project_id, {})[year] = amount
        for project_id, source_id, name, amount in ProjectFunding.objects.filter(
            project__in=projects
        ).values_list("project_id", "source_id", "source__name", "amount"):
            self.sources.setdefault(project_id, {})[source_id] = (name, amount)

    def annotate(self, row):
        for year, amount in self.forecasts.get(row["id"], {}).items():
            row[f"forecast:{year}"] = amount
        parts = self.sources.get(row["id"], {})
        for source_id, (_name, amount) in parts.items():
            row[f"source:{source_id}"] = amount
        row["forecasts"] = {str(year): amount for year, amount in self.forecasts.get(row["id"], {}).items()}
        row["source_names"] = {name: amount for name, amount in parts.values()}


def write_cover(workbook, *, cycle, workgroups, user, now, summaries):
    sheet = workbook.create_sheet("خلاصه", 0)
    sheet.sheet_view.rightToLeft = True
    for letter, width in zip("ABCDEFGHIJKL", (40, 14, 14, 14, 20, 20, 44, 44, 66, 30, 20, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    by = (user.get_full_name() or user.username) if user is not None else "خط فرمان"
    for label, value in (
        ("فهرست کدگذاری‌شده و اولویت‌بندی‌شده پروژه‌ها", None),
        ("دوره بودجه", cycle.title),
        ("سال مالی", str(cycle.fiscal_year)),
        ("تاریخ تهیه", format_jalali_datetime(now)),
        ("تهیه‌کننده", by),
    ):
        sheet.append([text_cell(sheet, label), text_cell(sheet, value)])
    sheet.append([])
    headers = [
        "کارگروه",
        "تعداد پروژه",
        "اولویت‌بندی‌شده",
        "کدگذاری‌شده",
        "اعتبار درخواستی (میلیون ریال)",
        "سقف کل اعتبار (میلیون ریال)",
        "وضعیت فهرست اولویت‌ها",
        "وضعیت فهرست کدگذاری‌شده",
        "چکیده (SHA-256) آخرین ارسال",
        "فهرست این خروجی در برابر آخرین ارسال",
        "سقف تملک دارایی‌های سرمایه‌ای (میلیون ریال)",
        "سقف هزینه‌ای (میلیون ریال)",
    ]
    header_cells = []
    for name in headers:
        cell = text_cell(sheet, name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header_cells.append(cell)
    sheet.append(header_cells)
    for workgroup in workgroups:
        summary = summaries[workgroup.pk]
        sheet.append(
            [
                text_cell(sheet, workgroup.name),
                number_cell(sheet, summary["count"]),
                number_cell(sheet, summary["ranked"]),
                number_cell(sheet, summary["coded"]),
                number_cell(sheet, summary["requested"], AMOUNT_FORMAT),
                number_cell(sheet, summary["ceiling"], AMOUNT_FORMAT),
                text_cell(sheet, summary.get("priorities_state", "—")),
                text_cell(sheet, summary.get("coding_state", "—")),
                text_cell(sheet, summary.get("checksum")),
                text_cell(sheet, summary.get("live", "—")),
                number_cell(sheet, summary["ceiling_capital"], AMOUNT_FORMAT),
                number_cell(sheet, summary["ceiling_current"], AMOUNT_FORMAT),
            ]
        )


def _describe_submission(submission):
    text = f"{submission.get_state_display()} — نوبت {persian_digits(submission.number)}، "
    text += f"ارسال {format_jalali_datetime(submission.submitted_at)}"
    if submission.late_by is not None:
        text += f"، با {format_duration_fa(submission.late_by)} تأخیر"
    if submission.reviewed_at is not None:
        text += f"؛ بررسی {format_jalali_datetime(submission.reviewed_at)}"
    if submission.letter_number:
        date = f" مورخ {format_jalali_date(submission.letter_date)}" if submission.letter_date else ""
        text += f"؛ نامه شماره {persian_digits(submission.letter_number)}{date}"
    return text


def latest_submissions(cycle, workgroups):
    """{(workgroup_id, kind): the latest submission of that list} for the workgroups given."""
    latest = {}
    for submission in (
        Submission.objects.filter(cycle=cycle, workgroup_id__in=[wg.pk for wg in workgroups])
        .defer("snapshot")
        .order_by("number", "pk")
    ):
        latest[(submission.workgroup_id, submission.kind)] = submission
    return latest


def _reference(latest, workgroup_id):
    """The submission the cover compares the live list with: the coded list's, else the priorities'."""
    return latest.get((workgroup_id, Deadline.Kind.CODING)) or latest.get(
        (workgroup_id, Deadline.Kind.PRIORITIES)
    )


class LiveChecksums:
    """The checksum each workgroup's list has now, taken from the rows as the export writes them.

    The same items as `submissions.snapshot_item`, in the same order (`list_projects`: active
    projects, ranked by priority, unranked last by id), so that the result equals
    `submissions.current_checksum` without reading the list a second time.

    Memory stays flat with the list's length: the ranked rows arrive in their list's order
    (`ordered_rows`), so each item goes straight into a running SHA-256 of the bytes that
    `models.snapshot_checksum` hashes (`[`, the items' canonical JSON joined by `,`, `]`; for a list
    with attachments, `{"attachments":` their canonical JSON `,"projects":[` … `]}`, the keys in
    canonical order). Only the unranked items are kept until the end, because the export orders
    them by request and the snapshot by id; a list has few of them.

    `attachments` is {workgroup_id: the list's `attachments` snapshot entries, or None} for the
    workgroups whose checksum is wanted.
    """

    WITHDRAWN = STATE_LABELS[Project.State.WITHDRAWN]

    def __init__(self, attachments):
        self.hashes = {
            pk: hashlib.sha256(
                b'{"attachments":' + canonical_json(entries) + b',"projects":[' if entries else b"["
            )
            for pk, entries in attachments.items()
        }
        self.closing = {pk: b"]}" if entries else b"]" for pk, entries in attachments.items()}
        self.fed = dict.fromkeys(self.hashes, 0)
        self.last_position = dict.fromkeys(self.hashes)
        self.unranked = {pk: [] for pk in self.hashes}

    def add(self, row):
        pk = row["workgroup_id"]
        if pk not in self.hashes or row["state"] == self.WITHDRAWN:
            return
        item = {
            "id": row["id"],
            "title": row["title"],
            "position": row["priority"],
            "unit": row["proposing_unit__code"],
            "requested_amount": row["requested_amount"],
            "total_estimate": row["total_estimate"],
            "program_code": row["program_code__code"],
            "budget_code": row["budget_code__code"],
            "credit_type": row["credit_type"],
            "spent_before": row["spent_before"],
            "forecasts": row["forecasts"],
            "sources": row["source_names"],
            "estimate_gap_reason": row["estimate_gap_reason"],
            "over_remaining_reason": row["over_remaining_reason"],
        }
        if item["position"] is None:
            self.unranked[pk].append(item)
            return
        # `ordered_rows` gives each list's ranked rows by rising priority before any unranked row;
        # anything else would hash a different list than the submission's, so say so loudly.
        last = self.last_position[pk]
        if self.unranked[pk] or (last is not None and item["position"] <= last):
            raise RuntimeError("export rows out of the list's order: the live checksum would be wrong")
        self.last_position[pk] = item["position"]
        self._feed(pk, item)

    def _feed(self, pk, item):
        if self.fed[pk]:
            self.hashes[pk].update(b",")
        self.hashes[pk].update(canonical_json(item))
        self.fed[pk] += 1

    def checksums(self):
        result = {}
        for pk, digest in self.hashes.items():
            for item in sorted(self.unranked[pk], key=lambda item: item["id"]):
                self._feed(pk, item)
            self.unranked[pk] = []
            digest.update(self.closing[pk])
            result[pk] = digest.hexdigest()
        return result


def submission_states(cycle, workgroups, *, latest=None, live=None):
    """State and checksum of each workgroup's latest submissions, where submissions exist.

    Returns {workgroup_id: {"priorities_state": …, "coding_state": …, "checksum": …, "live": …}}:
    each state in words (state, number, Jalali time, lateness); the checksum of the latest coded-list
    submission, else of the latest priorities submission; and whether the list exported now (the
    live list) still has that checksum — «مطابق» — or changed after it was sent or accepted.
    `live` ({workgroup_id: checksum}) saves reading the lists again when the caller has them.
    """
    if latest is None:
        latest = latest_submissions(cycle, workgroups)
    states = {}
    for workgroup in workgroups:
        state = {}
        for kind, key in (
            (Deadline.Kind.PRIORITIES, "priorities_state"),
            (Deadline.Kind.CODING, "coding_state"),
        ):
            submission = latest.get((workgroup.pk, kind))
            state[key] = _describe_submission(submission) if submission else "ارسال نشده"
        reference = _reference(latest, workgroup.pk)
        if reference is not None:
            state["checksum"] = reference.checksum
            if live is not None and workgroup.pk in live:
                checksum = live[workgroup.pk]
            else:
                checksum = current_checksum(workgroup=workgroup, cycle=cycle, kind=reference.kind)
            if checksum == reference.checksum:
                state["live"] = "مطابق با " + (
                    "فهرست پذیرفته‌شده" if reference.state == Submission.State.ACCEPTED else "آخرین ارسال"
                )
            elif reference.state == Submission.State.ACCEPTED:
                state["live"] = "تغییر پس از پذیرش"
            elif reference.state == Submission.State.SUBMITTED:
                state["live"] = "تغییر پس از ارسال"
            else:
                state["live"] = "فهرست بازگشت‌داده‌شده در حال اصلاح"
        states[workgroup.pk] = state
    return states


# How often a background export reports how far it is (one UPDATE of its run each time).
PROGRESS_EVERY = 500


def build_workbook(*, cycle, workgroup=None, user=None, output, progress=None):
    """Write the export for `cycle` (one workgroup's list, or every workgroup and the consolidation).

    `progress(done, total)`, when given, hears how many projects are written, every PROGRESS_EVERY.
    """
    now = timezone.now()
    workgroups = list(
        Workgroup.objects.order_by("deputy__code")
        if workgroup is None
        else Workgroup.objects.filter(pk=workgroup.pk)
    )
    shares = {
        share.workgroup_id: share
        for share in WorkgroupCycle.objects.filter(cycle=cycle, workgroup__in=workgroups)
    }
    money = ProjectMoney(cycle, workgroup)
    used_sources = {pk for parts in money.sources.values() for pk in parts}
    sources = [s for s in FundingSource.objects.all() if s.is_active or s.pk in used_sources]
    columns = list_columns(cycle, sources)
    workbook = Workbook(write_only=True)
    used_titles = {"خلاصه"}
    consolidated = new_list_sheet(workbook, "فهرست تلفیقی", columns) if workgroup is None else None
    used_titles.add("فهرست تلفیقی")
    sheets = {
        wg.pk: new_list_sheet(workbook, sheet_title(wg.name, used_titles), columns) for wg in workgroups
    }
    # One sheet per credit type: the projects counted against each type's ceilings.
    type_sheets = {
        credit_type: new_list_sheet(workbook, sheet_title(label, used_titles), columns)
        for credit_type, label in resources.CREDIT_LABELS.items()
    }
    summaries = {
        wg.pk: {
            "count": 0,
            "ranked": 0,
            "coded": 0,
            "requested": 0,
            "ceiling": shares[wg.pk].credit_ceiling if wg.pk in shares else None,
            **{
                f"ceiling_{credit_type}": shares[wg.pk].type_ceilings[credit_type]
                if wg.pk in shares
                else None
                for credit_type in resources.CREDIT_TYPES
            },
        }
        for wg in workgroups
    }
    totals = ListTotals(shares, money)
    latest = latest_submissions(cycle, workgroups)
    # Checksums of the live lists, only for the workgroups with a submission to compare with; a
    # list with attachments hashes them too (models.snapshot_checksum), before its projects.
    with_files = attachment_services.workgroups_with_attachments(cycle)
    attachments = {}
    for wg in workgroups:
        reference = _reference(latest, wg.pk)
        if reference is None:
            continue
        attachments[wg.pk] = (
            attachment_services.list_attachments_snapshot(
                share=shares.get(wg.pk),
                kind=reference.kind,
                meetings=Meeting.objects.filter(workgroup=wg, cycle=cycle),
                project_ids=Project.objects.for_workgroup(wg, cycle).active().values("pk"),
            )
            if wg.pk in with_files
            else None
        )
    live = LiveChecksums(attachments)
    writers = {
        sheet: RowWriter(sheet, columns)
        for sheet in [consolidated, *sheets.values(), *type_sheets.values()]
        if sheet is not None
    }
    written = dict.fromkeys(writers, 0)
    if progress is not None:
        total = Project.objects.filter(cycle=cycle, **({"workgroup": workgroup} if workgroup else {})).count()
        progress(0, total)
    for done, row in enumerate(ordered_rows(cycle, workgroup), start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        row = totals.annotate(row)
        live.add(row)
        summary = summaries[row["workgroup_id"]]
        summary["count"] += 1
        summary["ranked"] += row["priority"] is not None
        summary["coded"] += bool(row["program_code__code"] and row["budget_code__code"])
        if row["state"] == STATE_LABELS[Project.State.PROPOSED]:
            summary["requested"] += row["requested_amount"]
        for sheet in (sheets[row["workgroup_id"]], consolidated, type_sheets.get(row["credit_type"])):
            if sheet is not None:
                writers[sheet].append(row)
                written[sheet] += 1
    for pk, states in submission_states(cycle, workgroups, latest=latest, live=live.checksums()).items():
        summaries[pk].update(states)
    last_column = get_column_letter(len(columns))
    for sheet, rows in written.items():
        # Write-only sheets write the filter when the workbook is saved, so it can cover
        # exactly the rows that were written.
        sheet.auto_filter.ref = f"A1:{last_column}{rows + 1}"
    write_cover(workbook, cycle=cycle, workgroups=workgroups, user=user, now=now, summaries=summaries)
    workbook.save(output)
    return sum(summary["count"] for summary in summaries.values())


def export_coded_list(*, cycle, workgroup=None, user=None, output, progress=None):
    """Write the export (see `build_workbook`) and record who exported what in the audit trail."""
    rows = build_workbook(cycle=cycle, workgroup=workgroup, user=user, output=output, progress=progress)
    scope = f"«{workgroup.name}»" if workgroup else "همه کارگروه‌ها"
    AuditEntry.objects.record(
        actor=user,
        action="export.coded_list",
        summary=f"خروجی اکسل فهرست کدگذاری‌شده {scope} ({cycle.title})",
        workgroup=workgroup,
        cycle=cycle,
        details={"workgroup": workgroup.slug if workgroup else None, "rows": rows},
    )
    return rows


def export_display_name(cycle, workgroup=None):
    """The Persian name the file is saved under (karaj_budget/downloads.py makes it safe to save)."""
    scope = workgroup.name if workgroup is not None else "همه کارگروه‌ها"
    return f"فهرست کدگذاری‌شده {cycle.fiscal_year} {scope}.xlsx"


def export_filename(cycle, workgroup=None, now=None):
    stamp = (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y%m%d-%H%M")
    scope = workgroup.slug if workgroup is not None else "all"
    return f"coded-list-{cycle.fiscal_year}-{scope}-{stamp}.xlsx"
