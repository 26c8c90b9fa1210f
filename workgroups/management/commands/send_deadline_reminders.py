from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from karaj_budget.jalali import TEHRAN, format_jalali_datetime, persian_digits
from workgroups.access import head_emails
from workgroups.deadlines import deadline_for, format_duration_fa
from workgroups.models import Cycle, Deadline, ReminderLog, Submission, WorkgroupCycle


class Command(BaseCommand):
    # Where each reminder is recorded before it is sent (send_report_reminders records its own).
    log_model = ReminderLog
    help = (
        "E-mail workgroup heads whose list is not yet submitted, N days before each deadline and on the "
        "day (Tehran days, the workgroup's extension included). Safe to run every hour from cron: each "
        "reminder (workgroup, list, days before, due date) is recorded before it is sent, so it goes out "
        "once even when two runs overlap."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            default="3,1,0",
            help="Days before the deadline to remind on (default 3,1,0; 0 = on the day).",
        )
        parser.add_argument(
            "--cycle", type=int, help="Fiscal year of the cycle (default: the current cycle)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the reminders due; send and record none."
        )
        parser.add_argument(
            "--now", help="Pretend it is this ISO 8601 time (for testing), e.g. 2019-12-03T09:00+03:30."
        )

    def handle(self, *args, days, cycle, dry_run, now, **options):
        try:
            offsets = sorted({int(part) for part in days.split(",") if part.strip()})
        except ValueError:
            raise CommandError("--days takes whole numbers separated by commas, e.g. 3,1,0") from None
        if not offsets or min(offsets) < 0:
            raise CommandError("--days takes whole numbers from 0 up, e.g. 3,1,0")
        now = self.parse_now(now)
        cycle = self.resolve_cycle(cycle)
        sent = skipped = 0
        for key, due in self.due_reminders(cycle, offsets, now):
            what = self.describe(key)
            if self.log_model.objects.filter(**key).exists():
                skipped += 1
                continue
            recipients = self.recipients(key)
            if not recipients:
                self.stderr.write(f"{what}: nobody to write to has an e-mail address; nothing sent.")
            elif dry_run:
                self.stdout.write(f"would send: {what} → {', '.join(recipients)}")
                sent += 1
            elif self.send_once(key, recipients, due, now):
                self.stdout.write(f"sent: {what} → {', '.join(recipients)}")
                sent += 1
            else:
                skipped += 1
        verb = "would send" if dry_run else "sent"
        self.stdout.write(f"{self.name}: {verb} {sent}, already sent {skipped}.")

    name = "send_deadline_reminders"

    def resolve_cycle(self, fiscal_year):
        cycle = (
            Cycle.objects.filter(fiscal_year=fiscal_year).first() if fiscal_year else Cycle.objects.current()
        )
        if cycle is None:
            raise CommandError("No such cycle.")
        return cycle

    def describe(self, key):
        return f"{key['workgroup'].slug} {key['kind']} {key['days_before']} day(s) before"

    def due_reminders(self, cycle, offsets, now):
        """(key, due date) of each reminder due now for a list that has not been submitted."""
        for share in WorkgroupCycle.objects.filter(cycle=cycle).select_related("workgroup"):
            workgroup = share.workgroup
            for kind in (Deadline.Kind.PRIORITIES, Deadline.Kind.CODING):
                due = deadline_for(workgroup, cycle, kind)
                offset = self.offset_due(due, offsets, now)
                if offset is None or Submission.objects.for_list(workgroup, cycle, kind).standing().exists():
                    continue
                key = {"workgroup": workgroup, "cycle": cycle, "kind": kind, "days_before": offset}
                yield {**key, "due_at": due.due_at}, due

    def parse_now(self, value):
        if not value:
            return timezone.now()
        parsed = parse_datetime(value)
        if parsed is None:
            raise CommandError("--now must be an ISO 8601 date and time, e.g. 2019-12-03T09:00+03:30")
        return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=TEHRAN)

    def offset_due(self, due, offsets, now):
        """The smallest offset whose Tehran day has come while the deadline is still open, or None.

        Only the latest reminder is sent: a run that starts late (or a deadline moved closer) does
        not send the "3 days left" and "1 day left" mails together.
        """
        if due is None or not due.is_open(now):
            return None
        days_left = (due.due_at.astimezone(TEHRAN).date() - now.astimezone(TEHRAN).date()).days
        reached = [offset for offset in offsets if offset >= days_left]
        return min(reached) if reached else None

    def recipients(self, key):
        return head_emails(key["workgroup"])

    def send_once(self, key, recipients, due, now):
        """Record, then send, in one transaction: a failed send rolls the record back for the next run;
        a concurrent run that recorded it first makes this one skip."""
        with transaction.atomic():
            try:
                with transaction.atomic():
                    self.log_model.objects.create(**key, recipients=", ".join(recipients), sent_at=now)
            except IntegrityError:
                return False
            send_mail(*self.message(key, due, now), settings.DEFAULT_FROM_EMAIL, recipients)
        return True

    def message(self, key, due, now):
        workgroup, kind = key["workgroup"], Deadline.Kind(key["kind"])
        when = "امروز" if key["days_before"] == 0 else f"{persian_digits(key['days_before'])} روز دیگر"
        subject = f"یادآوری مهلت: {kind.label} — {workgroup.name}"
        body = (
            f"رئیس محترم {workgroup.name}،\n\n"
            f"مهلت «{kind.label}» ({key['cycle'].title}) {when} به پایان می‌رسد: "
            f"{format_jalali_datetime(due.due_at)} به وقت تهران"
            f"{' (مهلت قطعی)' if due.is_hard else ''}.\n"
            f"زمان باقی‌مانده: {format_duration_fa(due.remaining(now))}.\n\n"
            "فهرست کارگروه هنوز ارسال نشده است. لطفاً پس از تکمیل، آن را از صفحه «ارسال فهرست‌ها» در سامانه "
            f"بفرستید.\n\n{settings.BUDGET_OFFICE_NAME}\n"
        )
        return subject, body
