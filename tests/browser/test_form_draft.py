"""Reloading the meeting form mid-edit keeps what was typed (until the form is sent)."""

import pytest
from playwright.sync_api import expect

PASSWORD = "karaj1399"


@pytest.mark.django_db(transaction=True)
def test_minutes_survive_a_reload_and_go_once_the_meeting_is_saved(live_server, page, demo, login):
    login(page, live_server, "head_civil", PASSWORD)
    url = f"{live_server.url}/workgroups/civil/meetings/new/"
    page.goto(url)
    minutes = "بررسی پروژه‌های عمرانی مناطق و اولویت بزرگراه شمالی"
    page.get_by_label("صورت‌جلسه").fill(minutes)
    page.get_by_label("مصوبات").fill("اولویت نخست: بزرگراه شمالی")
    page.reload()
    expect(page.get_by_label("صورت‌جلسه")).to_have_value(minutes)
    expect(page.get_by_label("مصوبات")).to_have_value("اولویت نخست: بزرگراه شمالی")
    expect(page.locator("#draft-restored")).to_be_visible()

    page.get_by_label("تاریخ جلسه").fill(page.get_by_label("تاریخ جلسه").get_attribute("placeholder"))
    page.get_by_label("تاریخ جلسه").press("Escape")
    with page.expect_navigation():
        page.get_by_role("button", name="ثبت جلسه").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("ثبت شد")
    page.goto(url)
    expect(page.get_by_label("صورت‌جلسه")).to_have_value("")
