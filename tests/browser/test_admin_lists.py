"""The admin's code list and audit trail fit a 1366 px window: no column (such as «معاونت» or
«شرح») is cut off or hidden behind a sideways scroll."""

import pytest

from workgroups.models import AuditEntry, Workgroup

PASSWORD = "karaj1399"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/admin/programs/programcode/", "/admin/workgroups/auditentry/"])
def test_admin_lists_fit_the_window(live_server, page, demo, login, path):
    civil = Workgroup.objects.get(slug="civil")
    for number in range(3):
        AuditEntry.objects.record(
            actor=None,
            action="ranking.save",
            summary=f"«ساماندهی دره وسیه و پارک خطی حاشیه رودخانه» از ردیف {number + 2} به ردیف ۱ منتقل شد.",
            workgroup=civil,
        )
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}{path}")
    results = page.locator("#changelist .results")
    scroll_width, client_width = results.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width, f"{path}: the list is {scroll_width}px in a {client_width}px box"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
