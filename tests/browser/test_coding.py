"""Coding in Chromium with the demo accounts: the civil head codes the current list with the
pickers (keyboard and mouse), a suggestion and the bulk bar, submits the coded list; the office
accepts it and exports the workbook, which shows exactly what was accepted."""

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from workgroups import submissions
from workgroups.models import Cycle, Project, Submission, Workgroup

PASSWORD = "karaj1399"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def doc_screenshot(page, name):
    """With SAVE_DOC_SCREENSHOTS set, the window's view from the top into docs/screenshots/."""
    if os.environ.get("SAVE_DOC_SCREENSHOTS"):
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"))


def ranked_and_submitted_priorities():
    # The ranking page is another issue's: rank civil's current list and send it through services.
    cycle = Cycle.objects.current()
    civil = Workgroup.objects.get(slug="civil")
    for position, project in enumerate(Project.objects.for_workgroup(civil, cycle).order_by("pk"), start=1):
        project.priority = position
        project.save(update_fields=["priority"])
    head = civil.memberships.get(role="head").user
    submissions.submission_submit(workgroup=civil, cycle=cycle, kind="priorities", user=head)
    return cycle, civil


def open_row(page, item):
    """Open a closed row's form with its link (the script puts the server's open row in place) and
    return the open row; its program code input has the focus."""
    pk = item.get_attribute("data-project-id")
    item.locator("[data-role=edit]").click()
    row = page.locator(f"#project-{pk}")
    expect(row.locator("input[name=program_code]")).to_be_focused()
    return row


def choose(page, input_locator, text, option_text, *, keyboard):
    input_locator.click()
    input_locator.fill("")
    input_locator.press_sequentially(text, delay=20)
    listbox = page.locator(f"#{input_locator.get_attribute('aria-controls')}")
    option = listbox.get_by_role("option").filter(has_text=option_text)
    expect(option).to_be_visible()
    if keyboard:
        # Move the highlight to the wanted option with the arrow keys, then Enter.
        for _ in range(listbox.get_by_role("option").count()):
            if option.get_attribute("aria-selected") == "true":
                break
            input_locator.press("ArrowDown")
        expect(option).to_have_attribute("aria-selected", "true")
        input_locator.press("Enter")
    else:
        option.click()


@pytest.mark.django_db(transaction=True)
def test_head_codes_submits_office_accepts_and_exports(live_server, new_page, demo, login, screenshot):
    cycle, civil = ranked_and_submitted_priorities()
    head = new_page()
    violations = []
    head.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    login(head, live_server, "head_civil", PASSWORD)
    head.goto(f"{live_server.url}/workgroups/civil/coding/")
    status = head.locator("#coding-status")
    items = head.locator("#coding-list > li")
    total = items.count()
    assert total == Project.objects.for_workgroup(civil, cycle).count()

    # Rows come closed, their codes as read: no code input until a row is opened.
    expect(head.locator("#coding-list input[name=program_code]")).to_have_count(0)

    # 1. The first project with the keyboard: program by words, budget line by Persian digits.
    first = open_row(head, items.nth(0))
    assert head.url.endswith("/workgroups/civil/coding/")  # opened in place, not by reloading
    choose(head, first.locator("input[name=program_code]"), "بزرگراه", "تکمیل بزرگراه شمالی", keyboard=True)
    expect(status).to_contain_text("ذخیره شد")
    first = head.locator("#coding-list > li").nth(0)
    expect(first.locator("[data-role=path]").first).to_contain_text("تکمیل حلقه‌های بزرگراهی")
    choose(head, first.locator("input[name=budget_code]"), "۴۰۱۰۱", "بزرگراه", keyboard=True)
    expect(head.locator("#coding-list > li").nth(0)).to_have_attribute("data-coded", "true")
    expect(head.locator("[data-role=coded-count]")).to_have_text("۱")

    # 2. The second with the mouse: a budget line typed with separators.
    second = open_row(head, head.locator("#coding-list > li").nth(1))
    choose(head, second.locator("input[name=program_code]"), "4-1-1", "۴-۱-۱-۰۱", keyboard=False)
    # The status still says «ذخیره شد» from the first row, and the path is drawn at once: wait for
    # this row's own answer (the row is redrawn then, with fresh pickers).
    second = head.locator("#coding-list > li").nth(1)
    expect(second).not_to_have_attribute("aria-busy", "true")
    expect(second.locator("[data-role=path]").first).to_contain_text("تکمیل حلقه‌های بزرگراهی")
    choose(head, second.locator("input[name=budget_code]"), "4-02-01", "تقاطع", keyboard=False)
    expect(head.locator("#coding-list > li").nth(1)).to_have_attribute("data-coded", "true")

    # 3. A suggestion is offered, not applied, until the head presses it.
    suggested = head.locator("#coding-list > li:has(.btn-suggestion)").first
    expect(suggested).to_have_attribute("data-coded", "false")
    suggested_id = suggested.get_attribute("data-project-id")
    suggested.locator(".btn-suggestion").first.click()
    expect(head.locator(f"#project-{suggested_id}")).to_have_attribute("data-coded", "true")
    screenshot(head, "coding-head-1366x768")
    doc_screenshot(head, "coding-1366x768")

    # 4. The rest in bulk.
    uncoded = head.locator('#coding-list > li[data-coded="false"]')
    for index in range(uncoded.count()):
        uncoded.nth(index).locator(".coding-item__select").check()
    bulk = head.locator("#bulk-form")
    choose(head, bulk.locator("input[name=program_code]"), "۴-۱-۲", "آسفالت", keyboard=True)
    choose(head, bulk.locator("input[name=budget_code]"), "40301", "۴۰۳۰۱۰۰۱", keyboard=False)
    bulk.get_by_role("button", name="اعمال کد به موارد انتخاب‌شده").click()
    expect(head.get_by_role("status").first).to_contain_text("اعمال شد")
    expect(head.locator('#coding-list > li[data-coded="false"]')).to_have_count(0)
    expect(head.locator("[data-role=coded-count]")).to_have_text(
        f"{total}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    )

    # 5. Submit the coded list.
    head.get_by_role("button", name="ارسال فهرست کدگذاری‌شده").click()
    expect(head.get_by_role("status").first).to_contain_text("ارسال شد")
    # Frozen: read-only now, no row can be opened.
    expect(head.locator(".coding-form")).to_have_count(0)
    expect(head.locator("#coding-list [data-role=edit]")).to_have_count(0)
    assert violations == []  # the page's script and styles live within the strict CSP

    # 6. The office accepts it and exports the workbook from the dashboard.
    office = new_page()
    login(office, live_server, "office", PASSWORD)
    submission = Submission.objects.get(workgroup=civil, cycle=cycle, kind="coding")
    office.goto(f"{live_server.url}{submission.get_absolute_url()}")
    office.get_by_role("button", name="پذیرش فهرست").click()
    expect(office.get_by_role("status").first).to_contain_text("پذیرفته شد")
    office.goto(f"{live_server.url}/office/")
    row = office.locator('tr[data-workgroup="civil"]')
    with office.expect_download() as download:
        row.get_by_role("link", name="خروجی اکسل").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    sheet = workbook["فنی و عمرانی"]
    header = [cell.value for cell in sheet[1]]
    got = [
        (
            row[header.index("اولویت")],
            row[header.index("عنوان پروژه")],
            row[header.index("کد برنامه عملیاتی")],
            row[header.index("کد بودجه")],
        )
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    submission.refresh_from_db()
    accepted = [
        (item["position"], item["title"], item["program_code"], item["budget_code"])
        for item in submission.projects
    ]
    assert got == accepted
    cover = {row[0]: row for row in workbook["خلاصه"].iter_rows(values_only=True) if row and row[0]}
    assert cover[civil.name][8] == submission.checksum
    assert cover[civil.name][9] == "مطابق با فهرست پذیرفته‌شده"


@pytest.mark.django_db(transaction=True)
def test_coding_page_on_a_phone(live_server, phone_page, demo, login, screenshot):
    login(phone_page, live_server, "head_civil", PASSWORD)
    phone_page.goto(f"{live_server.url}/workgroups/civil/coding/")
    first = open_row(phone_page, phone_page.locator("#coding-list > li").nth(0))
    choose(
        phone_page,
        first.locator("input[name=program_code]"),
        "بزرگراه",
        "تکمیل بزرگراه شمالی",
        keyboard=False,
    )
    expect(phone_page.locator("#coding-status")).to_contain_text("ذخیره شد")
    # Nothing is wider than the screen, open row or closed ones.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone_page, "coding-head-390x844")
    doc_screenshot(phone_page, "coding-390x844")


@pytest.mark.django_db(transaction=True)
def test_without_javascript_a_row_opens_with_the_page_and_saves(live_server, new_page, demo, login):
    page = new_page(java_script_enabled=False)
    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/coding/")
    item = page.locator("#coding-list > li").nth(2)
    pk = item.get_attribute("data-project-id")
    item.locator("[data-role=edit]").click()
    assert page.url.endswith(f"/workgroups/civil/coding/?edit={pk}#project-{pk}")
    row = page.locator(f"#project-{pk}")
    expect(page.locator("#coding-list input[name=program_code]")).to_have_count(1)
    row.locator("input[name=program_code]").fill("۴-۱-۱-۰۱")
    row.locator("input[name=budget_code]").fill("99999999")
    row.get_by_role("button", name="ذخیره کدها").click()
    # Refused: the row is open again with the reason; nothing was saved.
    expect(page.get_by_role("alert").first).to_contain_text("در جدول کدها نیست")
    assert Project.objects.get(pk=pk).program_code_id is None
    row = page.locator(f"#project-{pk}")
    row.locator("input[name=program_code]").fill("۴-۱-۱-۰۱")
    row.locator("input[name=budget_code]").fill("۴۰۱۰۱۰۰۱")
    row.get_by_role("button", name="ذخیره کدها").click()
    expect(page.get_by_role("status").first).to_contain_text("ذخیره شد")
    expect(page.locator(f"#project-{pk}")).to_have_attribute("data-coded", "true")
    expect(page.locator("#coding-list input[name=program_code]")).to_have_count(0)
