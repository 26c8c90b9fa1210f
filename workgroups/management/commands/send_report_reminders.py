from django.conf import settings
from django.core.management.base import CommandError

from karaj_budget.jalali import format_jalali_datetime, persian_digits
from workgroups.access import unit_expert_emails
from workgroups.deadlines import format_duration_fa
from workgroups.management.commands import send_deadline_reminders
from workgroups.models import Cycle, QuarterReminderLog, ReportingPeriod
from workgroups.monitoring import periods


class Command(send_deadline_reminders.Command):
    help = (
        "E-mail the experts of each unit that still has monitored projects without a submitted report of "
        "an open quarter, N days before the quarter's due date and on the day (Tehran days, the unit's "
        "extension included; docs/monitoring.md). Safe to run every hour from cron: each reminder "
        "(quarter, unit, days before, due date) is recorded before it is sent, so it goes out once."
    )
    log_model = QuarterReminderLog
    name = "send_report_reminders"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(days="7,3,1,0")
        for action in parser._actions:
            if action.dest == "cycle":
                action.help = (
                    "Fiscal year of the executed cycle (default: every cycle with an opened quarter)."
                )
            if action.dest == "days":
                action.help = "Days before the due date to remind on (default 7,3,1,0; 0 = on the day)."

    def resolve_cycle(self, fiscal_year):
        if not fiscal_year:
            return None
        cycle = Cycle.objects.filter(fiscal_year=fiscal_year).first()
        if cycle is None:
            raise CommandError("No such cycle.")
        return cycle

    def due_reminders(self, cycle, offsets, now):
        """(key, due date) of each reminder due now for a unit with projects not yet reported."""
        quarters = ReportingPeriod.objects.select_related("cycle")
        if cycle is not None:
            quarters = quarters.filter(cycle=cycle)
        for period in quarters:
            extensions = periods.latest_extensions(period)
            for unit in periods.units_with_unreported(period):
                due = periods.due_for(period, unit, extensions=extensions)
                offset = self.offset_due(due, offsets, now)
                if offset is None:
                    continue
                yield {"period": period, "unit": unit, "days_before": offset, "due_at": due.due_at}, due

    def describe(self, key):
        return f"{key['period']} unit {key['unit'].pk} {key['days_before']} day(s) before"

    def recipients(self, key):
        return unit_expert_emails(key["unit"])

    def message(self, key, due, now):
        period, unit = key["period"], key["unit"]
        missing = periods.units_with_unreported(period).get(unit, 0)
        when = "امروز" if key["days_before"] == 0 else f"{persian_digits(key['days_before'])} روز دیگر"
        subject = f"یادآوری مهلت گزارش پایش {period} — {unit.name}"
        body = (
            f"کارشناس محترم {unit.name}،\n\n"
            f"مهلت گزارش پایش {period} {when} به پایان می‌رسد: "
            f"{format_jalali_datetime(due.due_at)} به وقت تهران"
            f"{' (مهلت قطعی)' if due.is_hard else ''}.\n"
            f"زمان باقی‌مانده: {format_duration_fa(due.remaining(now))}.\n\n"
            f"گزارش {persian_digits(missing)} پروژه هنوز ارسال نشده است. لطفاً از صفحه «گزارش پایش» در سامانه "
            f"آن‌ها را ثبت و ارسال کنید.\n\n{settings.BUDGET_OFFICE_NAME}\n"
        )
        return subject, body
