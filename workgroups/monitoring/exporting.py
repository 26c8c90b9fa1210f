"""A quarter of monitoring as an Excel workbook: one row per monitored project, with the same
figures as the dashboard (workgroups/monitoring/dashboard.py computes them; this module only writes
them). Written by `manage.py export_monitoring` and by the dashboard's button: the same file.

Rows stream through openpyxl's write-only mode (memory stays flat whatever the number of
projects); codes and other text are string cells (karaj_budget/xlsx.py), amounts and percentages
numbers, dates Jalali text, the sheet right to left (docs/monitoring.md, "Dashboard").
"""

import datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from karaj_budget.jalali import format_jalali_datetime
from karaj_budget.xlsx import text_cell
from workgroups.deadlines import format_duration_fa
from workgroups.exporting import AMOUNT_FORMAT, HEADER_FILL, HEADER_FONT, number_cell
from workgroups.models import AuditEntry, MonitoredProject, ProgressReport
from workgroups.monitoring import dashboard, rules

STATUS_LABELS = dict(ProgressReport.Status.choices)

# (header, width, kind): kind says how the cell is written.
COLUMNS = [
    ("کارگروه", 34, "text"),
    ("واحد", 30, "text"),
    ("کد واحد", 9, "text"),
    ("عنوان پروژه", 50, "text"),
    ("کد برنامه عملیاتی", 14, "text"),
    ("کد بودجه", 12, "text"),
    ("اعتبار مصوب (میلیون ریال)", 18, "amount"),
    ("پیشرفت فیزیکی برنامه‌ای تجمعی (درصد)", 16, "number"),
    ("پیشرفت فیزیکی گزارش‌شده تجمعی (درصد)", 16, "number"),
    ("اعتبار جذب‌شده تجمعی (میلیون ریال)", 18, "amount"),
    ("درصد جذب اعتبار", 12, "number"),
    ("جذب بیش از مصوب", 10, "text"),
    ("وضعیت اجرا", 14, "text"),
    ("وضعیت گزارش", 22, "text"),
    ("تأخیر", 22, "text"),
    ("مهلت گزارش", 20, "text"),
    ("زمان ارسال", 20, "text"),
]
HEADERS = [name for name, _, _ in COLUMNS]


def lateness(line):
    """«بله، ۲ روز و ۵ ساعت» for a report sent late, «بله، گزارش نرسیده» for a missing one."""
    if line.missing:
        return "بله، گزارش نرسیده"
    if line.late:
        return f"بله، {format_duration_fa(line.late_by)}"
    return "خیر"


def values(line):
    """One project's cells' values, in the order of COLUMNS (the tests compare them with the
    dashboard's figures)."""
    row = line.row
    submitted_at = row["quarter_report__submitted_at"] if line.received else None
    return [
        row["project__workgroup__name"],
        row["project__proposing_unit__name"],
        row["project__proposing_unit__code"],
        row["project__title"],
        row["project__program_code__code"],
        row["project__budget_code__code"],
        line.approved,
        line.planned,
        line.progress,
        line.absorbed,
        line.absorption,
        "بله" if line.flagged else "خیر",
        STATUS_LABELS.get(line.status, ""),
        dashboard.REPORT_STATE_LABELS[line.state],
        lateness(line),
        format_jalali_datetime(line.due_at),
        format_jalali_datetime(submitted_at) if submitted_at else None,
    ]


def build_workbook(*, period, visible=None, output, now=None):
    """Write the quarter's workbook to `output` (a path or a binary file); return the row count."""
    now = now or timezone.now()
    visible = MonitoredProject.objects.all() if visible is None else visible
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(
        f"پایش {rules.quarter_label(period.cycle.fiscal_year, period.quarter)}"[:31]
    )
    sheet.sheet_view.rightToLeft = True
    sheet.freeze_panes = "A2"
    for index, (_, width, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for name in HEADERS:
        cell = text_cell(sheet, name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        header.append(cell)
    sheet.append(header)
    count = 0
    for line in dashboard.lines(period, visible, now=now):
        cells = []
        for (_, _, kind), value in zip(COLUMNS, values(line), strict=True):
            if value is None or value == "":
                cells.append(None)
            elif kind == "text":
                cells.append(text_cell(sheet, value))
            elif kind == "amount":
                cells.append(number_cell(sheet, value, AMOUNT_FORMAT))
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(output)
    return count


def export_quarter(*, period, visible=None, user=None, output, now=None):
    """Write the workbook (see `build_workbook`) and record who exported which quarter."""
    rows = build_workbook(period=period, visible=visible, output=output, now=now)
    label = rules.quarter_label(period.cycle.fiscal_year, period.quarter)
    AuditEntry.objects.record(
        actor=user,
        action="export.monitoring",
        summary=f"خروجی اکسل پایش {label}",
        cycle=period.cycle,
        details={"year": period.cycle.fiscal_year, "quarter": period.quarter, "rows": rows},
    )
    return rows


def export_filename(period, now=None):
    stamp = (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y%m%d-%H%M")
    return f"monitoring-{period.cycle.fiscal_year}-q{period.quarter}-{stamp}.xlsx"
