"""The coded, prioritized list as an Excel workbook for the budget.

One pass over the cycle's projects in the consolidated order feeds the consolidated sheet and
each workgroup's sheet at once (openpyxl write-only worksheets each stream to their own file,
so rows may go to any of them in any order). Memory stays flat whatever the size of the list.

Every text cell is written as a string cell, never left to openpyxl's guess: a title such as
«=HYPERLINK(...)» or «-۵۰۰» stays text in Excel and LibreOffice. Codes are text (leading zeros
kept); amounts are numbers with thousands separators; dates are Jalali text.
"""

import datetime
import re

from django.db.models import F
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from karaj_budget.jalali import format_jalali_date, format_jalali_datetime, persian_digits
from karaj_budget.xlsx import ILLEGAL_CHARACTERS, needs_quote_prefix, text_cell
from workgroups.attachments import services as attachment_services
from workgroups.deadlines import format_duration_fa
from workgroups.models import (
    AuditEntry,
    Deadline,
    Project,
    Submission,
    Workgroup,
    WorkgroupCycle,
    snapshot_checksum,
)
from workgroups.ranking import CutLine
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
    ("محل اجرا", 18, "location", "text"),
    ("نوع", 12, "kind", "text"),
    ("پیشرفت فیزیکی (درصد)", 12, "physical_progress", "number"),
    ("برآورد کل (میلیون ریال)", 18, "total_estimate", "amount"),
    ("اعتبار درخواستی (میلیون ریال)", 18, "requested_amount", "amount"),
    ("جمع تجمعی (میلیون ریال)", 18, "cumulative", "amount"),
    ("در سقف اعتبار", 10, "fits", "text"),
    ("کد برنامه عملیاتی", 14, "program_code__code", "text"),
    ("عنوان برنامه عملیاتی", 44, "program_code__title", "text"),
    ("کد بودجه", 12, "budget_code__code", "text"),
    ("عنوان ردیف بودجه", 44, "budget_code__title", "text"),
    ("نوع اعتبار", 22, "budget_code__credit_type", "text"),
    ("وضعیت", 16, "state", "text"),
    ("شناسه واحد", 14, "ref", "text"),
]
FIELDS = [source for _, _, source, _ in COLUMNS if source not in {"cumulative", "fits"}]
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


def new_list_sheet(workbook, title):
    sheet = workbook.create_sheet(title)
    sheet.sheet_view.rightToLeft = True
    sheet.freeze_panes = "A2"
    for index, (_, width, _, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for name, _, _, _ in COLUMNS:
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

    def __init__(self, sheet):
        self.sheet = sheet
        self.amount_cells = {
            index: number_cell(sheet, None, AMOUNT_FORMAT)
            for index, (_, _, _, kind) in enumerate(COLUMNS)
            if kind == "amount"
        }

    def append(self, row):
        values = []
        for index, (_, _, source, kind) in enumerate(COLUMNS):
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
    """Running cumulative requests per workgroup against its ceiling (ranked projects only), by the
    same `ranking.CutLine` as the ranking page, the submission page and the dashboard."""

    def __init__(self, ceilings):
        self.lines = {workgroup_id: CutLine(ceiling) for workgroup_id, ceiling in ceilings.items()}

    def annotate(self, row):
        row["kind"] = KIND_LABELS.get(row["kind"], row["kind"])
        row["state"] = STATE_LABELS.get(row["state"], row["state"])
        row["budget_code__credit_type"] = CREDIT_LABELS.get(row["budget_code__credit_type"], "")
        if row["priority"] is None:
            row["cumulative"] = row["fits"] = None
            return row
        line = self.lines.get(row["workgroup_id"])
        if line is None:
            line = self.lines[row["workgroup_id"]] = CutLine(None)
        place = line.add(row["requested_amount"])
        row["cumulative"] = place.cumulative
        row["fits"] = FITS_TEXT[place.fit_state]
        return row


def write_cover(workbook, *, cycle, workgroups, user, now, summaries):
    sheet = workbook.create_sheet("خلاصه", 0)
    sheet.sheet_view.rightToLeft = True
    for letter, width in zip("ABCDEFGHIJ", (40, 14, 14, 14, 20, 20, 44, 44, 66, 30), strict=True):
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
        "اعتبار درخواستی",
        "سقف اعتبار",
        "وضعیت فهرست اولویت‌ها",
        "وضعیت فهرست کدگذاری‌شده",
        "چکیده (SHA-256) آخرین ارسال",
        "فهرست این خروجی در برابر آخرین ارسال",
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
    """

    WITHDRAWN = STATE_LABELS[Project.State.WITHDRAWN]

    def __init__(self, workgroup_ids):
        self.items = {pk: [] for pk in workgroup_ids}

    def add(self, row):
        items = self.items.get(row["workgroup_id"])
        if items is None or row["state"] == self.WITHDRAWN:
            return
        items.append(
            {
                "id": row["id"],
                "title": row["title"],
                "position": row["priority"],
                "unit": row["proposing_unit__code"],
                "requested_amount": row["requested_amount"],
                "total_estimate": row["total_estimate"],
                "program_code": row["program_code__code"],
                "budget_code": row["budget_code__code"],
            }
        )

    def checksums(self):
        result = {}
        for pk, items in self.items.items():
            items.sort(key=lambda item: (item["position"] is None, item["position"] or 0, item["id"]))
            result[pk] = snapshot_checksum({"projects": items})
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


def build_workbook(*, cycle, workgroup=None, user=None, output):
    """Write the export for `cycle` (one workgroup's list, or every workgroup and the consolidation)."""
    now = timezone.now()
    workgroups = list(
        Workgroup.objects.order_by("deputy__code")
        if workgroup is None
        else Workgroup.objects.filter(pk=workgroup.pk)
    )
    ceilings = dict(
        WorkgroupCycle.objects.filter(cycle=cycle, workgroup__in=workgroups).values_list(
            "workgroup_id", "credit_ceiling"
        )
    )
    workbook = Workbook(write_only=True)
    used_titles = {"خلاصه"}
    consolidated = new_list_sheet(workbook, "فهرست تلفیقی") if workgroup is None else None
    used_titles.add("فهرست تلفیقی")
    sheets = {wg.pk: new_list_sheet(workbook, sheet_title(wg.name, used_titles)) for wg in workgroups}
    summaries = {
        wg.pk: {"count": 0, "ranked": 0, "coded": 0, "requested": 0, "ceiling": ceilings.get(wg.pk)}
        for wg in workgroups
    }
    totals = ListTotals(ceilings)
    latest = latest_submissions(cycle, workgroups)
    # Checksums of the live lists, only for the workgroups with a submission to compare with.
    live = LiveChecksums(wg.pk for wg in workgroups if _reference(latest, wg.pk) is not None)
    writers = {sheet: RowWriter(sheet) for sheet in [consolidated, *sheets.values()] if sheet is not None}
    written = dict.fromkeys(writers, 0)
    for row in ordered_rows(cycle, workgroup):
        row = totals.annotate(row)
        live.add(row)
        summary = summaries[row["workgroup_id"]]
        summary["count"] += 1
        summary["ranked"] += row["priority"] is not None
        summary["coded"] += bool(row["program_code__code"] and row["budget_code__code"])
        if row["state"] == STATE_LABELS[Project.State.PROPOSED]:
            summary["requested"] += row["requested_amount"]
        for sheet in (sheets[row["workgroup_id"]], consolidated):
            if sheet is not None:
                writers[sheet].append(row)
                written[sheet] += 1
    # A list with attachments hashes them too (models.snapshot_checksum): ask the list itself then.
    with_files = attachment_services.workgroups_with_attachments(cycle)
    checksums = {pk: value for pk, value in live.checksums().items() if pk not in with_files}
    for pk, states in submission_states(cycle, workgroups, latest=latest, live=checksums).items():
        summaries[pk].update(states)
    last_column = get_column_letter(len(COLUMNS))
    for sheet, rows in written.items():
        # Write-only sheets write the filter when the workbook is saved, so it can cover
        # exactly the rows that were written.
        sheet.auto_filter.ref = f"A1:{last_column}{rows + 1}"
    write_cover(workbook, cycle=cycle, workgroups=workgroups, user=user, now=now, summaries=summaries)
    workbook.save(output)
    return sum(summary["count"] for summary in summaries.values())


def export_coded_list(*, cycle, workgroup=None, user=None, output):
    """Write the export (see `build_workbook`) and record who exported what in the audit trail."""
    rows = build_workbook(cycle=cycle, workgroup=workgroup, user=user, output=output)
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


def export_filename(cycle, workgroup=None, now=None):
    stamp = (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y%m%d-%H%M")
    scope = workgroup.slug if workgroup is not None else "all"
    return f"coded-list-{cycle.fiscal_year}-{scope}-{stamp}.xlsx"
