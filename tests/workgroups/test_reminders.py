"""Reminder e-mails: N days before each deadline and on the day, to heads whose list is not
submitted, each reminder once however often cron runs the command."""

import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from workgroups import deadlines, submissions
from workgroups.management.commands.send_deadline_reminders import Command
from workgroups.models import Deadline, ReminderLog

# The 1399 cycle: priorities due 1398/09/15 (2019-12-06), coded list due 1398/09/20 (2019-12-11).
THREE_DAYS_BEFORE = "2019-12-03T09:00+03:30"
ONE_DAY_BEFORE = "2019-12-05T09:00+03:30"
ON_THE_DAY = "2019-12-06T08:00+03:30"
AFTER = "2019-12-07T08:00+03:30"
WORKGROUPS = 7


def run(now, *extra):
    out = io.StringIO()
    call_command(
        "send_deadline_reminders", "--cycle", "1399", "--now", now, *extra, stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


def test_each_reminder_is_sent_once_however_often_the_command_runs(demo):
    run(THREE_DAYS_BEFORE)
    assert len(mail.outbox) == WORKGROUPS
    message = mail.outbox[0]
    assert message.to == ["head_planning@karaj.local"]
    assert "۱۳۹۸/۰۹/۱۵ ۲۳:۵۹" in message.body and "۳ روز دیگر" in message.body
    out = run(THREE_DAYS_BEFORE)
    run("2019-12-03T10:00+03:30")
    assert len(mail.outbox) == WORKGROUPS
    assert "already sent 7" in out

    run(ONE_DAY_BEFORE)
    run(ON_THE_DAY)
    assert len(mail.outbox) == 3 * WORKGROUPS
    assert "امروز" in mail.outbox[-1].body
    run(AFTER)
    assert len(mail.outbox) == 3 * WORKGROUPS
    assert ReminderLog.objects.filter(kind=Deadline.Kind.PRIORITIES).count() == 3 * WORKGROUPS


def test_a_late_first_run_sends_only_the_latest_reminder(demo):
    run(ONE_DAY_BEFORE)
    assert len(mail.outbox) == WORKGROUPS
    assert set(ReminderLog.objects.values_list("days_before", flat=True)) == {1}


def test_heads_who_submitted_get_no_reminder(personas, civil, cycle_1399):
    submissions.submission_submit(
        workgroup=civil, cycle=cycle_1399, kind=Deadline.Kind.PRIORITIES, user=personas["head_a"], now=None
    )
    run(THREE_DAYS_BEFORE)
    assert len(mail.outbox) == WORKGROUPS - 1
    assert "head_civil@karaj.local" not in [address for m in mail.outbox for address in m.to]


def test_an_extension_brings_new_reminders_for_the_new_date(personas, civil, cycle_1399):
    run(ON_THE_DAY)
    with time_machine.travel("2019-12-06T09:00+03:30", tick=False):
        submissions.extension_grant(
            workgroup=civil,
            cycle=cycle_1399,
            kind=Deadline.Kind.PRIORITIES,
            due_at=deadlines.deadline_for(civil, cycle_1399, "priorities").due_at.replace(day=8),
            reason="تمدید",
            user=personas["office"],
        )
    mail.outbox.clear()
    run("2019-12-08T08:00+03:30")
    priorities = [m.to for m in mail.outbox if "اولویت" in m.subject]
    assert priorities == [["head_civil@karaj.local"]]  # the others' priorities deadline has passed


def test_dry_run_sends_and_records_nothing(demo):
    out = run(THREE_DAYS_BEFORE, "--dry-run")
    assert "would send 7" in out
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_a_reminder_recorded_by_a_concurrent_run_is_not_sent_again(civil, cycle_1399):
    due = deadlines.deadline_for(civil, cycle_1399, Deadline.Kind.PRIORITIES)
    key = {
        "workgroup": civil,
        "cycle": cycle_1399,
        "kind": "priorities",
        "days_before": 3,
        "due_at": due.due_at,
    }
    ReminderLog.objects.create(**key)  # the other run inserted it between our check and our insert
    assert Command().send_once(key, ["head_civil@karaj.local"], due, due.due_at) is False
    assert mail.outbox == []


def test_bad_days_are_refused(demo):
    with pytest.raises(CommandError):
        run(THREE_DAYS_BEFORE, "--days", "3,x")
