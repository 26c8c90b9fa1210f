"""Dates in the admin are entered and shown in Jalali, never as Gregorian with Persian month names."""

import datetime

from karaj_budget.jalali import format_jalali_datetime
from workgroups.models import AuditEntry, Cycle, Meeting, Workgroup


def test_meeting_date_is_entered_in_jalali(client, personas):
    client.force_login(personas["admin"])
    workgroup = Workgroup.objects.get(slug="civil")
    cycle = Cycle.objects.get(fiscal_year=1399)
    page = client.get("/admin/workgroups/meeting/add/").content.decode()
    assert "data-jdp" in page and "vDateField" not in page
    response = client.post(
        "/admin/workgroups/meeting/add/",
        {
            "workgroup": workgroup.pk,
            "cycle": cycle.pk,
            "held_on": "۱۳۹۸/۰۹/۱۰",
            "representatives": "",
            "minutes": "بررسی فهرست",
            "decisions": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Meeting.objects.get(workgroup=workgroup, minutes="بررسی فهرست").held_on == datetime.date(
        2019, 12, 1
    )


def test_gregorian_year_is_refused(client, personas):
    client.force_login(personas["admin"])
    response = client.post(
        "/admin/workgroups/meeting/add/",
        {
            "workgroup": Workgroup.objects.get(slug="civil").pk,
            "cycle": Cycle.objects.get(fiscal_year=1399).pk,
            "held_on": "2019-12-01",
            "minutes": "x",
        },
    )
    assert response.status_code == 200
    assert "میلادی" in response.content.decode()


def test_read_only_timestamps_are_jalali(client, personas):
    entry = AuditEntry.objects.record(actor=personas["office"], action="test", summary="آزمون")
    client.force_login(personas["office"])
    page = client.get(f"/admin/workgroups/auditentry/{entry.pk}/change/").content.decode()
    assert format_jalali_datetime(entry.at) in page


def test_user_admin_shows_jalali_dates(client, personas):
    client.force_login(personas["admin"])
    user = personas["office"]
    page = client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert 'name="date_joined"' in page and "data-jdp" in page
