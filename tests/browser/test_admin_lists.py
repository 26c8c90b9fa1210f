"""The admin's code list and audit trail fit a 1366 px window: no column (such as «معاونت» or
«شرح») is cut off or hidden behind a sideways scroll, even when a summary quotes a 255-character
title written without spaces; on a phone the audit trail scrolls inside its own box, never the page."""

import pytest

from tests.browser.conftest import PHONE
from workgroups.models import AuditEntry, Workgroup

PASSWORD = "karaj1399"
ZWNJ = "\u200c"
# A project title of 255 characters with no spaces (words joined by half-spaces), as a ranking
# save's summary quotes it, and a long summary of ordinary words.
LONG_TITLE = ZWNJ.join(["بهسازی", "پیاده‌رو", "خیابان", "شهید", "بهشتی"] * 20)[:255]
LONG_SUMMARIES = [
    f"«{LONG_TITLE}» از ردیف ۲ به ردیف ۱ منتقل شد.",
    ("ساماندهی دره وسیه و پارک خطی حاشیه رودخانه " * 12)[:500],
]


def record_long_summaries():
    civil = Workgroup.objects.get(slug="civil")
    for summary in LONG_SUMMARIES:
        AuditEntry.objects.record(actor=None, action="ranking.save", summary=summary, workgroup=civil)


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
    record_long_summaries()
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}{path}")
    results = page.locator("#changelist .results")
    scroll_width, client_width = results.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width, f"{path}: the list is {scroll_width}px in a {client_width}px box"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


@pytest.mark.django_db(transaction=True)
def test_audit_trail_scrolls_in_its_own_box_on_a_phone(live_server, new_page, demo, login):
    record_long_summaries()
    page = new_page(PHONE)
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/admin/workgroups/auditentry/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The unbroken title wraps inside its cell instead of setting the column's width.
    summary = page.locator("#result_list td.field-summary").first
    scroll_width, client_width = summary.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width
    assert summary.bounding_box()["width"] < 600
