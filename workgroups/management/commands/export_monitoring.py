from django.core.management.base import BaseCommand, CommandError

from karaj_budget.jalali import persian_digits
from workgroups.models import Cycle, ReportingPeriod
from workgroups.monitoring.exporting import export_quarter
from workgroups.monitoring.rules import QUARTER_NAMES


class Command(BaseCommand):
    help = (
        "Export a quarter of monitoring to an Excel workbook: one row per monitored project with its "
        "approved amount, planned and reported physical progress, absorbed credit, status and report "
        "state (the same file as the monitoring dashboard's button; docs/monitoring.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the fiscal year executed, e.g. 1405")
        parser.add_argument("--quarter", type=int, required=True, help="1..4 (spring to winter)")
        parser.add_argument("--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, year, quarter, output, **options):
        if quarter not in QUARTER_NAMES:
            raise CommandError(f"فصل باید عددی از ۱ تا ۴ باشد، نه {persian_digits(quarter)}.")
        if not Cycle.objects.filter(fiscal_year=year).exists():
            raise CommandError(f"سال مالی {persian_digits(year)} در سامانه نیست.")
        try:
            period = ReportingPeriod.objects.select_related("cycle").get(
                cycle__fiscal_year=year, quarter=quarter
            )
        except ReportingPeriod.DoesNotExist:
            raise CommandError(
                f"فصل {QUARTER_NAMES[quarter]} سال {persian_digits(year)} برای گزارش پایش گشوده نشده است."
            ) from None
        rows = export_quarter(period=period, output=output)
        self.stdout.write(f"export_monitoring: {rows} projects written to {output}")
