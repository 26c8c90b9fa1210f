"""A unit's quarter report as an Excel sheet (docs/monitoring.md, "Reports"): the template, prefilled
with the unit's monitored projects, and the upload, checked row by row with the same rules as the
form (workgroups/monitoring/rules.py) and written all or nothing through the same steps
(workgroups/monitoring/reports.py).

The file goes through the project's workbook guards first (programs/importing/sheets.py
`read_table`, which calls programs/importing/files.py `check_workbook`): size, zip bombs, DTDs,
shared strings and rows are bounded before any row is parsed.
"""

import io
from dataclasses import dataclass, field

from django.db import transaction
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import (
    PersianInputError,
    normalize_text,
    parse_amount,
    parse_percent,
    search_key_compact,
)
from karaj_budget.xlsx import text_cell
from programs.importing import cells
from programs.importing.files import ImportFileError
from programs.importing.sheets import Column, read_table
from workgroups.locks import ListError
from workgroups.models import ProgressReport
from workgroups.monitoring import periods, reports, rules

Status = ProgressReport.Status

COLUMNS = (
    Column("id", "شناسه پایش", ("monitored", "شناسه"), required=True),
    Column("ref", "شناسه پروژه", ("ref",)),
    Column("title", "عنوان پروژه", ("title",)),
    Column("planned", "پیشرفت برنامه‌ای این فصل (درصد)", ("planned",)),
    Column("progress", "پیشرفت فیزیکی تجمعی (درصد)", ("progress", "پیشرفت فیزیکی"), required=True),
    Column("absorbed", "اعتبار جذب‌شده تجمعی (میلیون ریال)", ("absorbed", "اعتبار جذب‌شده"), required=True),
    Column("status", "وضعیت اجرا", ("status", "وضعیت"), required=True),
    Column("reason", "دلیل تأخیر، توقف یا کاهش پیشرفت", ("reason", "دلیل")),
)
HEADERS = {column.key: column.header for column in COLUMNS}
# Which column a rule's problem is about.
FIELD_COLUMNS = {
    "physical_progress": "progress",
    "absorbed": "absorbed",
    "status": "status",
    "reason": "reason",
}
STATUS_BY_KEY = {search_key_compact(label): value for value, label in Status.choices} | {
    value: value for value in Status.values
}
WIDTHS = (12, 14, 48, 16, 16, 20, 16, 40)


@dataclass
class UploadResult:
    problems: list = field(default_factory=list)  # Persian sentences, «ردیف N: ستون «…»: …»
    saved: int = 0
    submitted: int = 0
    written: bool = False


def row_problem(row, column_key, message):
    """«ردیف ۵: ستون «وضعیت اجرا»: …» with the spreadsheet's row number."""
    prefix = f"ردیف {persian_digits(row)}: " if row is not None else ""
    column = f"ستون «{HEADERS[column_key]}»: " if column_key else ""
    return f"{prefix}{column}{message}"


def unit_projects(period, unit):
    """The unit's monitored projects of the quarter's cycle, in the order the template lists them."""
    return (
        periods.monitored_of_period(period)
        .filter(project__proposing_unit=unit)
        .select_related("project__workgroup")
        .order_by("project__workgroup__deputy__code", "project__priority", "pk")
    )


def template_workbook(period, unit):
    """The quarter's sheet for `unit`: one row per project, with its current draft figures if any."""
    projects = list(unit_projects(period, unit))
    drafts = {r.monitored_id: r for r in ProgressReport.objects.filter(period=period, monitored__in=projects)}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"گزارش {period}"[:31])
    sheet.sheet_view.rightToLeft = True
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    header = []
    for column in COLUMNS:
        cell = text_cell(sheet, column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for monitored in projects:
        report = drafts.get(monitored.pk)
        project = monitored.project
        sheet.append(
            [
                WriteOnlyCell(sheet, value=monitored.pk),
                text_cell(sheet, project.ref or ""),
                text_cell(sheet, project.title),
                WriteOnlyCell(sheet, value=monitored.planned(period.quarter)),
                WriteOnlyCell(sheet, value=report.physical_progress if report else None),
                WriteOnlyCell(sheet, value=report.absorbed if report else None),
                text_cell(sheet, report.get_status_display() if report and report.status else ""),
                text_cell(sheet, report.reason if report else ""),
            ]
        )
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


@dataclass
class _Row:
    number: int
    monitored: object
    progress: int | None
    absorbed: int | None
    status: str
    reason: str


def _parse(row, key, parse):
    try:
        return parse(row.values.get(key)), None
    except PersianInputError as error:
        return None, row_problem(row.number, key, str(error))


def _status(value):
    text = normalize_text(str(cells.usable(value) or "")).strip()
    if not text:
        return ""
    status = STATUS_BY_KEY.get(search_key_compact(text)) or STATUS_BY_KEY.get(text)
    if status is None:
        labels = "، ".join(f"«{label}»" for label in Status.labels)
        raise PersianInputError(f"«{text}» وضعیت شناخته‌شده‌ای نیست؛ یکی از {labels} را بنویسید.")
    return status


def upload_report(fileobj, *, period, unit, user, submit=False):
    """Check the sheet and, when every row is right, save each reported row as a draft (and submit
    it when `submit`) in one transaction; otherwise write nothing. Rows whose figures are all empty
    are left as they are (a project the unit reports later)."""
    result = UploadResult()
    try:
        table = read_table(fileobj, COLUMNS, key_column="id")
    except ImportFileError as error:
        result.problems.append(str(error))
        return result
    if not table.rows:
        result.problems.append("فایل هیچ ردیف داده‌ای زیر سطر عنوان ستون‌ها ندارد.")
        return result
    projects = {monitored.pk: monitored for monitored in unit_projects(period, unit)}
    existing = {
        r.monitored_id: r for r in ProgressReport.objects.filter(period=period, monitored__in=projects)
    }
    seen = {}
    rows = []
    for row in table.rows:
        problems = []
        try:
            pk = cells.integer(row.values.get("id"), what="شناسه پایش")
        except PersianInputError as error:
            result.problems.append(row_problem(row.number, "id", str(error)))
            continue
        monitored = projects.get(pk)
        if monitored is None:
            result.problems.append(
                row_problem(
                    row.number,
                    "id",
                    f"پروژه‌ای با شناسه {persian_digits(pk or '')} در پروژه‌های تحت پایش واحد شما نیست.",
                )
            )
            continue
        if pk in seen:
            result.problems.append(
                row_problem(row.number, "id", f"این پروژه در ردیف {persian_digits(seen[pk])} هم آمده است.")
            )
            continue
        seen[pk] = row.number
        as_fraction = "progress" in row.percent
        progress, problem = _parse(
            row,
            "progress",
            lambda v, fraction=as_fraction: parse_percent(cells.usable(v), as_fraction=fraction),
        )
        problems.append(problem)
        absorbed, problem = _parse(row, "absorbed", lambda v: parse_amount(cells.usable(v)))
        problems.append(problem)
        status, problem = _parse(row, "status", _status)
        problems.append(problem)
        reason, problem = _parse(row, "reason", lambda v: cells.text(v, what="دلیل"))
        problems.append(problem)
        problems = [p for p in problems if p]
        if problems:
            result.problems.extend(problems)
            continue
        if progress is None and absorbed is None and not status and not reason:
            continue
        report = existing.get(pk)
        if report is not None and report.is_frozen:
            result.problems.append(row_problem(row.number, "id", reports.change_refusal(report)))
            continue
        check = rules.check_report(
            progress=progress,
            absorbed=absorbed,
            status=status,
            reason=reason,
            approved=monitored.approved_amount,
            previous_progress=reports.previous_progress(monitored, period),
            for_submit=submit,
        )
        for problem in check.problems:
            result.problems.append(row_problem(row.number, FIELD_COLUMNS.get(problem.field), problem.message))
        rows.append(_Row(row.number, monitored, progress, absorbed, status, reason or ""))
    if not result.problems and not rows:
        result.problems.append("هیچ ردیفی رقمی برای ثبت ندارد؛ ستون‌های پیشرفت، جذب و وضعیت را پر کنید.")
    if result.problems:
        return result
    try:
        with transaction.atomic():
            for row in rows:
                report = reports.report_save(
                    monitored=row.monitored,
                    period=period,
                    user=user,
                    physical_progress=row.progress,
                    absorbed=row.absorbed,
                    status=row.status,
                    reason=row.reason,
                    action="report.import",
                )
                result.saved += 1
                if submit:
                    reports.report_submit(report=report, user=user)
                    result.submitted += 1
    except ListError as error:
        # A report frozen or a due date passed since the checks above: nothing was written.
        details = "؛ ".join(getattr(problem, "message", "") for problem in getattr(error, "problems", ()))
        result.problems.append(row_problem(row.number, None, f"{error.message} {details}".strip()))
        result.saved = result.submitted = 0
        return result
    result.written = True
    return result
