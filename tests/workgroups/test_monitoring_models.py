"""The database keeps monitoring's invariants even when code forgets them (docs/monitoring.md)."""

import pytest
from django.db import IntegrityError, transaction

from workgroups.models import Attachment, MonitoredProject, ProgressReport, ReportingPeriod


def test_one_report_per_project_and_quarter(monitored, open_quarter):
    period = open_quarter(1)
    ProgressReport.objects.create(monitored=monitored[0], period=period)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(monitored=monitored[0], period=period)


def test_one_period_per_quarter_and_quarters_are_1_to_4(monitored, open_quarter):
    period = open_quarter(2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingPeriod.objects.create(cycle=period.cycle, quarter=2, due_at=period.due_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingPeriod.objects.create(cycle=period.cycle, quarter=5, due_at=period.due_at)


def test_a_submitted_report_carries_its_checksum(monitored, open_quarter):
    period = open_quarter(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(monitored=monitored[0], period=period, state="submitted")


def test_percentages_stop_at_100(monitored, open_quarter):
    period = open_quarter(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(monitored=monitored[0], period=period, physical_progress=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoredProject.objects.filter(pk=monitored[0].pk).update(planned_q3=130)


def test_an_attachment_has_exactly_one_parent(monitored, open_quarter):
    report = ProgressReport.objects.create(monitored=monitored[0], period=open_quarter(1))
    common = {"file": "attachments/x.pdf", "name": "x.pdf", "content_type": "application/pdf", "size": 1}
    Attachment.objects.create(report=report, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(report=report, project=monitored[0].project, **common)
    assert report.attachments.get().parent_kind == Attachment.Parent.REPORT
