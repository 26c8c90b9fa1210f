"""The Excel exports in Chromium: a workbook downloads (the office's whole-cycle one once the
background worker has built it), and when the answer is a page instead (the per-minute limit, or
the login page after the session expired) the person sees that page rather than a file saved as
`download.html`."""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from workgroups.export_runs import build_cycle_export
from workgroups.models import Cycle, ExportRun, Project
from workgroups.views import exports

PASSWORD = "karaj1399"
CONSOLIDATED = "خروجی اکسل فهرست تلفیقی"


@pytest.mark.django_db(transaction=True)
def test_the_whole_cycle_export_is_built_then_downloaded(live_server, page, demo, login):
    """The office asks on the dashboard, sees the build waiting, and once the worker has built it
    (this test plays the worker; tests/workgroups/test_export_runs.py runs a real one) the page
    offers the file without being reloaded by hand."""
    login(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}/office/")
    page.get_by_role("button", name=CONSOLIDATED).click()
    expect(page).to_have_url(re.compile(r"/office/exports/\?cycle="))
    progress = page.locator("#export-run[role=status]")
    expect(progress).to_contain_text("در صف")
    expect(page.get_by_role("button", name="ساختن خروجی تازه")).to_be_disabled()
    run = ExportRun.objects.get()
    build_cycle_export.call(run.pk)
    link = page.get_by_role("link", name="دریافت فایل")
    expect(link).to_be_visible(timeout=10_000)
    expect(progress).to_have_count(0)
    with page.expect_download() as download:
        link.click()
    # Chromium saves a ZWNJ in a download's name as "_"; the app sends a space there instead.
    year = Cycle.objects.current().fiscal_year
    assert download.value.suggested_filename == f"فهرست کدگذاری شده {year} همه کارگروه ها.xlsx"
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    consolidated = workbook["فهرست تلفیقی"]
    assert consolidated.max_row - 1 == Project.objects.filter(cycle=Cycle.objects.current()).count()


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
    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/coding/")
    page.context.clear_cookies(name="sessionid")  # the session has expired while the page stayed open
    page.get_by_role("link", name="خروجی اکسل").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/workgroups/civil/export/"))
    expect(page.locator("input[name=password]")).to_be_visible()
    assert downloads == []


@pytest.mark.django_db(transaction=True)
def test_expired_session_on_the_office_button_leads_back_to_the_exports(live_server, page, demo, login):
    login(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}/office/")
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name=CONSOLIDATED).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/office/exports/"))
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    expect(page.get_by_role("heading", name=re.compile("خروجی اکسل همه کارگروه‌ها"))).to_be_visible()
    assert not ExportRun.objects.exists()  # nothing was asked for without a session
