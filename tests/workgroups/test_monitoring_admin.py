"""Monitoring records in the admin (workgroups/admin.py): the office looks them up, read-only;
every change goes through the monitoring pages' audited steps."""

import pytest
from django.urls import reverse

from workgroups.models import ProgressReport

MODELS = ["monitoredproject", "reportingperiod", "periodextension", "progressreport", "quarterreminderlog"]


@pytest.mark.parametrize("model", MODELS)
def test_the_office_sees_monitoring_records_but_cannot_change_them(
    client, personas, monitored, open_quarter, model
):
    period = open_quarter(1)
    report = ProgressReport.objects.create(monitored=monitored[0], period=period, physical_progress=30)
    client.force_login(personas["office"])
    changelist = client.get(reverse(f"admin:workgroups_{model}_changelist"))
    assert changelist.status_code == 200
    assert client.get(reverse(f"admin:workgroups_{model}_add")).status_code == 403
    if model == "progressreport":
        assert monitored[0].project.title in changelist.content.decode()
        page = client.post(
            reverse("admin:workgroups_progressreport_change", args=[report.pk]), {"physical_progress": 90}
        )
        assert page.status_code == 403
        report.refresh_from_db()
        assert report.physical_progress == 30


def test_a_head_has_no_admin_access_to_monitoring_records(client, personas, monitored):
    client.force_login(personas["head_a"])
    response = client.get(reverse("admin:workgroups_progressreport_changelist"))
    assert response.status_code in (302, 403)
