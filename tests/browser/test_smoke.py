"""Smoke test: a person signs in and sees the Persian, right-to-left site frame."""

import pytest
from playwright.sync_api import expect

APP_NAME = "سامانه اولویت‌بندی بودجه شهرداری کرج"
PASSWORD = "karaj-smoke-1399"


@pytest.fixture
def signed_up(django_user_model):
    # A plain account with no role: it may sign in and see the site frame, nothing more.
    return django_user_model.objects.create_user(
        username="smoke", password=PASSWORD, first_name="مریم", last_name="کاظمی"
    )


@pytest.mark.django_db(transaction=True)
def test_login_page_is_persian_and_rejects_a_wrong_password(live_server, page, signed_up, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html[dir=rtl][lang=fa]")).to_have_count(1)
    expect(page.get_by_role("heading", name="ورود به سامانه")).to_be_visible()

    page.fill("input[name=username]", "smoke")
    page.fill("input[name=password]", "not-the-password")
    page.get_by_role("button", name="ورود").click()

    expect(page.get_by_role("alert")).to_contain_text("گذرواژه")
    screenshot(page, "login-error-1366x768")


@pytest.mark.django_db(transaction=True)
def test_signed_in_user_sees_header_and_can_log_out(
    live_server, page, phone_page, signed_up, login, screenshot
):
    login(page, live_server, "smoke", PASSWORD)

    expect(page.locator("html[dir=rtl][lang=fa]")).to_have_count(1)
    header = page.locator("header.site-header")
    expect(header).to_contain_text(APP_NAME)
    expect(header).to_contain_text("مریم کاظمی")
    logout = header.get_by_role("button", name="خروج")
    expect(logout).to_be_visible()
    screenshot(page, "home-1366x768")

    login(phone_page, live_server, "smoke", PASSWORD)
    expect(phone_page.locator("header.site-header")).to_contain_text(APP_NAME)
    expect(phone_page.get_by_role("button", name="خروج")).to_be_visible()
    # The header wraps instead of pushing the page sideways.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"
    screenshot(phone_page, "home-390x844")

    logout.click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.locator("header.site-header").get_by_role("button", name="خروج")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_demo_head_lands_on_the_workgroup_list(live_server, page, demo, login, screenshot):
    login(page, live_server, "head_civil", "karaj1399")
    page.goto(f"{live_server.url}/")

    expect(page).to_have_url(f"{live_server.url}/workgroups/civil/")
    expect(page.locator("html[dir=rtl][lang=fa]")).to_have_count(1)
    expect(page.locator("header.site-header")).to_contain_text("رئیس کارگروه")
    expect(page.get_by_role("heading", level=1)).to_contain_text("کارگروه تخصصی فنی و عمرانی")
    # Amounts in Persian digits with separators: the northern highway's 850,000 million rials.
    expect(page.locator("main")).to_contain_text("۸۵۰٬۰۰۰")
    screenshot(page, "head-home-1366x768")
