"""Quarterly monitoring reports (docs/monitoring.md): opening and extending quarters, the unit's
draft and submit, comments, verify and return, the planned progress, the evidence, reminders, and
the deadline edges of a quarter with a frozen clock.

The demo's 1399 cycle is the executed year (fixtures `monitored` and `open_quarter`); district R01's
expert (`expert_r01`) reports on R01's projects.
"""

import datetime
import io
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from karaj_budget.jalali import TEHRAN
from workgroups.attachments import parents
from workgroups.attachments import services as attachment_services
from workgroups.locks import ListError
from workgroups.models import (
    Attachment,
    AuditEntry,
    Cycle,
    MonitoredProject,
    ProgressReport,
    QuarterReminderLog,
    ReportingPeriod,
)
from workgroups.monitoring import periods, reports, rules
from workgroups.monitoring.reports import ReportLocked, ReportRefused

State = ProgressReport.State
Status = ProgressReport.Status

# Spring 1399 ends 1399/03/31 (2020-06-20); its reports are due by default at the end of
# 1399/04/15 = 2020-07-05 23:59:59 Tehran.
DUE = datetime.datetime(2020, 7, 5, 23, 59, 59, tzinfo=TEHRAN)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def r01(monitored, personas):
    """R01's monitored projects and its expert."""
    expert = personas["expert"]
    rows = [m for m in monitored if m.project.proposing_unit.code == "R01"]
    assert len(rows) >= 2
    return expert, rows


def save(monitored, period, user, **figures):
    values = {"physical_progress": 30, "absorbed": 100, "status": Status.ON_SCHEDULE, "reason": ""}
    values.update(figures)
    return reports.report_save(monitored=monitored, period=period, user=user, **values)


def verified_report(monitored, period, user, office, progress):
    report = save(monitored, period, user, physical_progress=progress)
    report = reports.report_submit(report=report, user=user, now=period.due_at - datetime.timedelta(days=1))
    return reports.report_verify(report=report, user=office)


# ---- Quarters -----------------------------------------------------------------------------------


def test_the_office_opens_a_quarter_once_with_the_usual_due_date(monitored, personas):
    cycle = Cycle.objects.get(fiscal_year=1399)
    period = periods.period_open(cycle=cycle, quarter=1, user=personas["office"])
    assert period.due_at == DUE == rules.default_due_at(1399, 1)
    entry = AuditEntry.objects.get(action="period.open")
    assert "بهار ۱۳۹۹" in entry.summary and "۱۳۹۹/۰۴/۱۵" in entry.summary
    with pytest.raises(periods.PeriodError) as refused:
        periods.period_open(cycle=cycle, quarter=1, user=personas["office"])
    assert refused.value.message == "فصل بهار ۱۳۹۹ پیش‌تر گشوده شده است."
    assert ReportingPeriod.objects.filter(cycle=cycle).count() == 1


def test_an_extension_is_the_units_due_date_only(r01, open_quarter, personas):
    expert, rows = r01
    period = open_quarter(quarter=1)
    unit = rows[0].project.proposing_unit
    later = DUE + datetime.timedelta(days=10)
    with time_machine.travel(DUE - datetime.timedelta(days=1), tick=False):
        with pytest.raises(periods.PeriodError):
            periods.period_extend(period=period, unit=unit, due_at=later, reason=" ", user=personas["office"])
        periods.period_extend(
            period=period, unit=unit, due_at=later, reason="تأخیر پیمانکار", user=personas["office"]
        )
    assert periods.due_for(period, unit).due_at == later
    other = MonitoredProject.objects.exclude(project__proposing_unit=unit).first().project.proposing_unit
    assert periods.due_for(period, other).due_at == DUE
    assert AuditEntry.objects.filter(action="period.extend").count() == 1


# ---- Draft and submit ---------------------------------------------------------------------------


def test_a_draft_is_created_saved_and_audited(r01, open_quarter):
    expert, rows = r01
    period = open_quarter()
    report = save(rows[0], period, expert, physical_progress=None, absorbed=None, status="")
    assert report.state == State.DRAFT and report.physical_progress is None
    report = save(rows[0], period, expert, physical_progress=25)
    assert ProgressReport.objects.filter(monitored=rows[0], period=period).count() == 1
    assert report.physical_progress == 25
    entry = AuditEntry.objects.filter(action="report.save").latest("pk")
    assert (
        entry.details["before"]["physical_progress"] is None
        and entry.details["after"]["physical_progress"] == 25
    )


def test_submit_freezes_figures_and_evidence_with_a_checksum(r01, open_quarter, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    expert, rows = r01
    period = open_quarter()
    report = save(rows[0], period, expert, physical_progress=40, absorbed=rows[0].approved_amount + 5)
    parent = parents.report_parent(expert, report.pk, write=True)
    attachment_services.attachment_add(
        parent=parent, upload=SimpleUploadedFile("صورت‌وضعیت.pdf", PDF, "application/pdf"), user=expert
    )
    report = reports.report_submit(report=report, user=expert, now=DUE - datetime.timedelta(hours=1))
    assert report.state == State.SUBMITTED and report.number == 1 and report.late_by is None
    assert report.verify_checksum()
    assert report.snapshot["figures"]["physical_progress"] == 40
    assert [item["name"] for item in report.snapshot["evidence"]] == ["صورت‌وضعیت.pdf"]
    # Absorbed above the approved amount is flagged, not refused.
    assert "بیشتر است" in AuditEntry.objects.get(action="report.submit").details["flags"][0]
    # Frozen: no save, no submit, no new evidence, no removal.
    with pytest.raises(ReportLocked):
        save(rows[0], period, expert, physical_progress=41)
    with pytest.raises(ReportLocked):
        reports.report_submit(report=report, user=expert)
    parent = parents.report_parent(expert, report.pk, write=True)
    assert parent.lock_reason()
    with pytest.raises(ListError):
        attachment_services.attachment_add(
            parent=parent, upload=SimpleUploadedFile("b.pdf", PDF, "application/pdf"), user=expert
        )
    with pytest.raises(ListError):
        attachment_services.attachment_delete(parent=parent, attachment=Attachment.objects.get(), user=expert)
    assert ProgressReport.objects.get(pk=report.pk).physical_progress == 40


def test_submit_checks_the_rules(r01, open_quarter):
    expert, rows = r01
    period = open_quarter()
    report = save(rows[0], period, expert, status="")
    with pytest.raises(ReportRefused) as refused:
        reports.report_submit(report=report, user=expert)
    assert [p.field for p in refused.value.problems] == ["status"]
    report = save(rows[0], period, expert, status=Status.DELAYED)
    with pytest.raises(ReportRefused) as refused:
        reports.report_submit(report=report, user=expert)
    assert "دلیل" in refused.value.problems[0].message
    with pytest.raises(ReportRefused):
        save(rows[0], period, expert, status=Status.COMPLETED, physical_progress=90)
    assert ProgressReport.objects.get(pk=report.pk).state == State.DRAFT


def test_a_decrease_against_an_earlier_verified_quarter_needs_a_reason(r01, open_quarter, personas):
    expert, rows = r01
    spring = open_quarter(quarter=1)
    verified_report(rows[0], spring, expert, personas["office"], progress=50)
    summer = open_quarter(quarter=2)
    with pytest.raises(ReportRefused) as refused:
        save(rows[0], summer, expert, physical_progress=45)
    assert "از ۵۰٪ گزارش قبلی به ۴۵٪" in refused.value.problems[0].message
    report = save(rows[0], summer, expert, physical_progress=45, reason="اصلاح برآورد کار انجام‌شده")
    assert reports.report_submit(report=report, user=expert).state == State.SUBMITTED


def test_the_planned_progress_comes_with_the_first_report_and_the_office_corrects_it(
    r01, open_quarter, personas
):
    expert, rows = r01
    period = open_quarter()
    with pytest.raises(ReportRefused) as refused:
        save(rows[0], period, expert, planned={1: 40, 2: 30})
    assert refused.value.problems[0].field == "planned_q2"
    save(rows[0], period, expert, planned={1: 20, 2: 45, 3: 70, 4: 100})
    rows[0].refresh_from_db()
    assert [rows[0].planned(q) for q in (1, 2, 3, 4)] == [20, 45, 70, 100]
    # The unit proposes once; later the office corrects.
    with pytest.raises(ReportRefused):
        save(rows[0], period, expert, planned={1: 25})
    reports.planned_correct(monitored=rows[0], values={1: 25, 2: 50, 3: 75, 4: 100}, user=personas["office"])
    rows[0].refresh_from_db()
    assert rows[0].planned_q1 == 25
    assert AuditEntry.objects.get(action="monitoring.plan").details["before"]["1"] == 20


# ---- Review -------------------------------------------------------------------------------------


def test_return_reopens_the_report_and_mails_the_units_experts(
    r01, open_quarter, personas, django_capture_on_commit_callbacks
):
    expert, rows = r01
    period = open_quarter()
    report = reports.report_submit(report=save(rows[0], period, expert), user=expert)
    with pytest.raises(ListError):
        reports.report_return(report=report, user=personas["office"], reason="  ")
    with pytest.raises(ReportLocked):
        reports.report_verify(report=save(rows[1], period, expert), user=personas["office"])
    mail.outbox.clear()
    with pytest.raises(ListError):  # nothing to do twice
        reports.report_return(report=save(rows[1], period, expert), user=personas["office"], reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_return(
            report=report, user=personas["office"], reason="مدرک پیشرفت پیوست نشده است"
        )
    assert report.state == State.RETURNED
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [expert.email]
    assert "مدرک پیشرفت پیوست نشده است" in mail.outbox[0].body
    report = save(rows[0], period, expert, physical_progress=35)
    report = reports.report_submit(report=report, user=expert)
    assert report.number == 2 and report.snapshot["figures"]["physical_progress"] == 35
    report = reports.report_verify(report=report, user=personas["office"])
    assert report.state == State.VERIFIED and report.reviewed_at is not None
    actions = list(AuditEntry.objects.filter(details__report=report.pk).values_list("action", flat=True))
    assert set(actions) >= {"report.save", "report.submit", "report.return", "report.verify"}


def test_the_unit_is_told_of_a_report_returned_in_another_quarter(r01, open_quarter, personas, client):
    expert, rows = r01
    spring, summer = open_quarter(1), open_quarter(2)
    report = reports.report_submit(report=save(rows[0], spring, expert), user=expert)
    reports.report_return(report=report, user=personas["office"], reason="صورت‌وضعیت پیوست نشده است")
    client.force_login(expert)
    page = client.get(reverse("workgroups:unit-quarter", args=[summer.pk])).content.decode()
    assert "data-returned-elsewhere" in page and rows[0].project.title in page
    assert f"{reverse('workgroups:unit-quarter', args=[spring.pk])}#project-{rows[0].pk}" in page
    # On the returned report's own quarter the report itself says it; no second notice.
    page = client.get(reverse("workgroups:unit-quarter", args=[spring.pk])).content.decode()
    assert "data-returned-elsewhere" not in page


def test_comments_never_change_the_report(r01, open_quarter, personas):
    expert, rows = r01
    period = open_quarter()
    report = reports.report_submit(report=save(rows[0], period, expert), user=expert)
    reports.report_comment(report=report, user=personas["head_a"], text="  پیشرفت خوب است  ")
    report.refresh_from_db()
    assert report.state == State.SUBMITTED and report.verify_checksum()
    assert report.comments.get().text == "پیشرفت خوب است"
    with pytest.raises(ListError):
        reports.report_comment(report=report, user=personas["head_a"], text=" ")


# ---- Deadline edges (frozen clock) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "hard", "outcome"),
    [
        (DUE, True, "on time"),
        (DUE + datetime.timedelta(microseconds=999_999), True, "on time"),  # the whole last second
        (DUE + datetime.timedelta(seconds=1), True, "refused"),
        (DUE + datetime.timedelta(seconds=1), False, "late"),
    ],
)
def test_the_last_second_of_a_quarter_counts(r01, open_quarter, moment, hard, outcome):
    expert, rows = r01
    period = open_quarter(is_hard=hard)
    report = save(rows[0], period, expert)
    with time_machine.travel(moment, tick=False):
        if outcome == "refused":
            with pytest.raises(ReportLocked) as refused:
                reports.report_submit(report=report, user=expert)
            assert "مهلت قطعی" in refused.value.message and "تمدید" in refused.value.message
            assert ProgressReport.objects.get(pk=report.pk).state == State.DRAFT
            return
        report = reports.report_submit(report=report, user=expert)
    if outcome == "on time":
        assert report.late_by is None
    else:
        assert report.late_by == datetime.timedelta(seconds=1)


def test_an_extension_lets_a_unit_report_after_a_hard_due_date(r01, open_quarter, personas):
    expert, rows = r01
    period = open_quarter(is_hard=True)
    unit = rows[0].project.proposing_unit
    later = DUE + datetime.timedelta(days=3)
    with time_machine.travel(DUE - datetime.timedelta(hours=2), tick=False):
        periods.period_extend(period=period, unit=unit, due_at=later, reason="سیل", user=personas["office"])
    report = save(rows[0], period, expert)
    with time_machine.travel(later, tick=False):
        assert reports.report_submit(report=report, user=expert).late_by is None
    report = save(rows[1], period, expert)
    with time_machine.travel(later + datetime.timedelta(seconds=1), tick=False):
        with pytest.raises(ReportLocked):
            reports.report_submit(report=report, user=expert)


# ---- Reminders ----------------------------------------------------------------------------------


def run_reminders(now):
    out = io.StringIO()
    call_command("send_report_reminders", "--cycle", "1399", "--now", now, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_reminders_go_once_to_units_with_unreported_projects(r01, open_quarter):
    expert, rows = r01
    period = open_quarter()
    units = len(periods.units_with_unreported(period))
    run_reminders("2020-07-02T09:00+04:30")  # 3 days before
    assert len(mail.outbox) == QuarterReminderLog.objects.count() > 0
    sent = len(mail.outbox)
    assert sent <= units
    r01_mail = [m for m in mail.outbox if expert.email in m.to]
    assert len(r01_mail) == 1 and "بهار ۱۳۹۹" in r01_mail[0].subject and "۳ روز دیگر" in r01_mail[0].body
    out = run_reminders("2020-07-02T10:00+04:30")
    assert len(mail.outbox) == sent and f"already sent {sent}" in out
    # A unit that has reported everything gets no more reminders.
    for monitored in rows:
        if monitored.project.proposing_unit_id == rows[0].project.proposing_unit_id:
            reports.report_submit(report=save(monitored, period, expert), user=expert)
    mail.outbox.clear()
    run_reminders("2020-07-05T08:00+04:30")
    assert expert.email not in [address for m in mail.outbox for address in m.to]
    assert mail.outbox  # the others are reminded on the day


# ---- A save racing a submit (PostgreSQL row locks) ----------------------------------------------


def _in_thread(target):
    errors = []

    def run():
        try:
            target()
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
@pytest.mark.parametrize("first", ["submit", "save"])
def test_a_save_racing_a_submit_lands_before_the_freeze_or_is_refused(
    reseed_afterwards, transactional_db, demo, monitored, open_quarter, django_user_model, first
):
    expert = django_user_model.objects.get(username="expert_r01")
    row = next(m for m in monitored if m.project.proposing_unit.code == "R01")
    period = open_quarter()
    report = save(row, period, expert, physical_progress=30)
    holding = threading.Event()

    def submit():
        with transaction.atomic():
            reports.report_submit(report=report, user=expert)
            holding.set()
            time.sleep(0.5)  # keep the row lock while the save tries

    def saving():
        with transaction.atomic():
            save(row, period, expert, physical_progress=60)
            holding.set()
            time.sleep(0.5)

    holder, other = (submit, saving) if first == "submit" else (saving, submit)
    thread, errors = _in_thread(holder)
    assert holding.wait(10)
    started = time.monotonic()
    _, second_errors = None, []
    try:
        other()
    except ListError as error:
        second_errors.append(error)
    waited = time.monotonic() - started
    thread.join(10)
    assert not errors
    assert waited >= 0.3  # the second step waited for the first one's row lock
    report = ProgressReport.objects.get(pk=report.pk)
    assert report.state == State.SUBMITTED and report.verify_checksum()
    # Nothing landed after the freeze: the row equals its snapshot.
    assert report.physical_progress == report.snapshot["figures"]["physical_progress"]
    if first == "submit":
        assert report.physical_progress == 30
        assert isinstance(second_errors[0], ReportLocked)
    else:
        assert report.physical_progress == 60 and not second_errors
