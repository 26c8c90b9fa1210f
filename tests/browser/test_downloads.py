"""The Excel export links in Chromium: a workbook downloads, and when the answer is a page instead
(the per-minute limit, or the login page after the session expired) the person sees that page
rather than a file saved as `download.html`."""

import re

import pytest
from playwright.sync_api import expect

from workgroups.views import exports

PASSWORD = "karaj1399"
CONSOLIDATED = "خروجی اکسل فهرست تلفیقی"


@pytest.mark.django_db(transaction=True)
def test_export_link_downloads_the_workbook(live_server, page, demo, login):
    login(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}/office/")
    with page.expect_download() as download:
        page.get_by_role("link", name=CONSOLIDATED).click()
    assert download.value.suggested_filename.endswith(".xlsx")


@pytest.mark.django_db(transaction=True)
def test_rate_limit_page_is_shown_not_saved(live_server, page, demo, login, monkeypatch):
    monkeypatch.setattr(exports, "EXPORTS_PER_MINUTE", 0)
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/coding/")
    page.get_by_role("link", name="خروجی اکسل").click()
    expect(page.get_by_role("heading", name="کمی صبر کنید")).to_be_visible()
    expect(page.locator("main")).to_contain_text("حداکثر ۰ خروجی اکسل")
    assert downloads == []


@pytest.mark.django_db(transaction=True)
def test_expired_session_shows_the_login_page(live_server, page, demo, login):
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    login(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}/office/")
    page.context.clear_cookies()  # the session has expired while the page stayed open
    page.get_by_role("link", name=CONSOLIDATED).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/office/export/"))
    expect(page.locator("input[name=password]")).to_be_visible()
    assert downloads == []
