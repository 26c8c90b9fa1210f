"""The office's overlap queue in Chromium: open the queue, open a pair, keep one, see the queue
update; the pages at desktop and phone size."""

import pytest
from playwright.sync_api import expect

from workgroups.models import Cycle, OverlapPair, Project

PASSWORD = "karaj1399"


@pytest.mark.django_db(transaction=True)
def test_office_keeps_one_of_a_pair(live_server, page, demo, login, screenshot):
    cycle = Cycle.objects.current()
    pair = OverlapPair.objects.get(cycle=cycle, first__title="احداث پارک مادر و کودک")
    login(page, live_server, "office", PASSWORD)

    page.goto(f"{live_server.url}/office/")
    page.get_by_role("link", name="تداخل پروژه‌ها").click()
    queue = page.locator("#overlap-queue")
    item = queue.locator(f'[data-pair-id="{pair.pk}"]')
    expect(item).to_contain_text("در دو کارگروه متفاوت")
    open_before = queue.locator("[data-pair-id]").count()
    assert open_before >= 5
    screenshot(page, "overlap-queue-1366x768")

    item.get_by_role("link", name="بررسی").click()
    expect(page.get_by_role("heading", name="بررسی تداخل")).to_be_visible()
    expect(page.locator(".overlap-side")).to_have_count(2)
    screenshot(page, "overlap-detail-1366x768")
    page.get_by_role("button", name="نگه داشتن الف").click()

    expect(page.get_by_role("status")).to_contain_text("تصمیم ثبت شد")
    expect(queue.locator(f'[data-pair-id="{pair.pk}"]')).to_have_count(0)
    expect(queue.locator("[data-pair-id]")).to_have_count(open_before - 1)
    withdrawn = Project.objects.get(pk=pair.second_id)
    assert withdrawn.state == Project.State.WITHDRAWN and withdrawn.duplicate_of_id == pair.first_id

    # The decided pair is still there under its state, and can be reversed.
    page.select_option("#filter-state", "duplicate")
    page.get_by_role("button", name="پالایش").click()
    page.locator(f'[data-pair-id="{pair.pk}"]').get_by_role("link", name="بررسی").click()
    page.get_by_role("button", name="بازگرداندن تصمیم").click()
    expect(page.get_by_role("status")).to_contain_text("تصمیم بازگردانده شد")
    withdrawn.refresh_from_db()
    assert withdrawn.state == Project.State.PROPOSED


@pytest.mark.django_db(transaction=True)
def test_overlap_pages_fit_a_phone(live_server, phone_page, demo, login, screenshot):
    cycle = Cycle.objects.current()
    pair = OverlapPair.objects.filter(cycle=cycle).order_by("-score").first()
    login(phone_page, live_server, "office", PASSWORD)
    for url, name in (("/office/overlaps/", "overlap-queue"), (pair.get_absolute_url(), "overlap-detail")):
        phone_page.goto(f"{live_server.url}{url}")
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        screenshot(phone_page, f"{name}-390x844")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px"
