"""The admin's import form sent without a file says so on the page, in Persian, next to the field
(not only in the browser's own tooltip)."""

import pytest
from playwright.sync_api import expect

PASSWORD = "karaj1399"


@pytest.mark.django_db(transaction=True)
def test_import_without_a_file_is_told_on_the_page(live_server, page, demo, login):
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/admin/programs/programcode/import/")
    with page.expect_navigation():
        page.get_by_role("button", name="بررسی و پیش‌نمایش").click()
    expect(page.locator(".errorlist")).to_contain_text("فایلی انتخاب نشده است")
