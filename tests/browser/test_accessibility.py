"""axe-core (tests/browser/vendor/axe-core/) finds nothing on the main page of every role, on the
admin's import page and its lists, nor on a form with the Jalali date picker open; the picker opens
under the right-to-left field's right edge."""

import pytest

from tests.browser.axe import axe_violations

PASSWORD = "karaj1399"

PAGES = [
    ("admin", "/"),  # the office dashboard
    ("office", "/"),
    ("head_civil", "/workgroups/civil/"),
    ("head_civil", "/workgroups/civil/coding/"),
    ("member_civil", "/workgroups/civil/"),
    ("expert_r01", "/"),  # the unit's proposals
    ("admin", "/admin/programs/programcode/import/"),
    ("admin", "/admin/programs/programcode/"),
    ("admin", "/admin/workgroups/auditentry/"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("username", "path"), PAGES)
def test_main_pages_have_no_axe_violations(live_server, page, demo, login, username, path):
    login(page, live_server, username, PASSWORD)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)


@pytest.mark.django_db(transaction=True)
def test_date_picker_is_named_readable_and_opens_under_the_field(live_server, page, demo, login):
    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/meetings/new/")
    field = page.locator("input[name=held_on]")
    field.click()
    popup = page.locator("jdp-container")
    popup.locator(".jdp-year select").wait_for()
    page.wait_for_timeout(350)  # the picker's opening animation
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)
    assert popup.locator(".jdp-year select").get_attribute("aria-label") == "سال"
    assert popup.locator(".jdp-month select").get_attribute("aria-label") == "ماه"
    # Right-to-left: the popup's right edge is the field's right edge, not the page's left side.
    field_box, popup_box = field.bounding_box(), popup.bounding_box()
    assert abs((popup_box["x"] + popup_box["width"]) - (field_box["x"] + field_box["width"])) <= 2
