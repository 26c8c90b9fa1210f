"""The priorities round in Chromium with the demo accounts: the head submits, the office returns
it with a reason, the head resubmits, the office accepts; and a late round after a hard deadline
that needs the office's extension. The dashboard is checked at every step."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from workgroups.models import Cycle, Project, Workgroup

PASSWORD = "karaj1399"


def rank_civil():
    # The ranking page is another issue's: rank the current cycle's civil list directly.
    cycle = Cycle.objects.current()
    civil = Workgroup.objects.get(slug="civil")
    for position, project in enumerate(Project.objects.for_workgroup(civil, cycle).order_by("pk"), start=1):
        project.priority = position
        project.save(update_fields=["priority"])
    return cycle


def civil_state(page, live_server, kind="priorities"):
    page.goto(f"{live_server.url}/office/")
    return page.locator(f'tr[data-workgroup="civil"] td[data-kind="{kind}"]')


@pytest.mark.django_db(transaction=True)
def test_submit_return_resubmit_accept(live_server, new_page, demo, login, screenshot):
    rank_civil()
    head = new_page()
    office = new_page()
    login(head, live_server, "head_civil", PASSWORD)
    login(office, live_server, "office", PASSWORD)

    cell = civil_state(office, live_server)
    expect(cell).to_have_attribute("data-state", "in_progress")

    head.goto(f"{live_server.url}/workgroups/civil/submissions/")
    priorities = head.locator('article[data-kind="priorities"]')
    expect(priorities).to_contain_text("مانده")
    screenshot(head, "submission-head-before-1366x768")
    priorities.get_by_role("button", name="ارسال فهرست اولویت‌بندی‌شده").click()
    expect(head.get_by_role("status")).to_contain_text("ارسال شد")
    expect(priorities).to_have_attribute("data-state", "submitted_on_time")
    expect(priorities.get_by_role("button")).to_have_count(0)

    cell = civil_state(office, live_server)
    expect(cell).to_have_attribute("data-state", "submitted_on_time")
    screenshot(office, "office-dashboard-submitted-1366x768")
    cell.get_by_role("link", name="بررسی نوبت ۱").click()
    expect(office.locator(".badge--success", has_text="با فهرست ذخیره‌شده می‌خواند")).to_be_visible()
    office.get_by_label("دلیل بازگشت").fill("اولویت پروژه‌های ایمنی را بالاتر ببرید.")
    office.get_by_role("button", name="بازگرداندن به کارگروه").click()
    expect(office.get_by_role("status")).to_contain_text("بازگشت داده شد")
    expect(civil_state(office, live_server)).to_have_attribute("data-state", "returned")

    head.reload()
    expect(priorities).to_have_attribute("data-state", "returned")
    expect(priorities).to_contain_text("اولویت پروژه‌های ایمنی را بالاتر ببرید.")
    screenshot(head, "submission-head-returned-1366x768")
    # The head reorders (here through the ORM: the last project goes first) and resubmits.
    cycle = Cycle.objects.current()
    projects = list(Project.objects.filter(cycle=cycle, workgroup__slug="civil").order_by("priority"))
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(priority=None)
    for position, project in enumerate([projects[-1], *projects[:-1]], start=1):
        Project.objects.filter(pk=project.pk).update(priority=position)
    priorities.get_by_role("button", name="ارسال دوباره").click()
    expect(priorities).to_have_attribute("data-state", "submitted_on_time")

    office.goto(f"{live_server.url}/office/submissions/")
    office.locator("main").get_by_role("link", name="بررسی").first.click()
    expect(office.get_by_role("heading", name="تغییرها نسبت به نوبت ۱")).to_be_visible()
    expect(office.locator(".diff")).to_contain_text("جابه‌جاشده")
    screenshot(office, "submission-review-diff-1366x768")
    office.get_by_role("button", name="پذیرش فهرست").click()
    expect(office.get_by_role("status")).to_contain_text("پذیرفته شد")
    expect(civil_state(office, live_server)).to_have_attribute("data-state", "accepted")

    head.reload()
    expect(priorities).to_have_attribute("data-state", "accepted")
    history = head.locator("table").last
    expect(history).to_contain_text("پذیرفته‌شده")
    expect(history).to_contain_text("بازگشت‌داده‌شده")


@pytest.mark.django_db(transaction=True)
def test_late_round_needs_an_extension_after_a_hard_deadline(live_server, new_page, demo, login, screenshot):
    cycle = rank_civil()
    past = timezone.now() - datetime.timedelta(days=1, hours=2)
    cycle.deadlines.filter(kind="priorities").update(due_at=past, is_hard=True)
    head = new_page()
    office = new_page()
    login(head, live_server, "head_civil", PASSWORD)
    login(office, live_server, "office", PASSWORD)

    head.goto(f"{live_server.url}/workgroups/civil/submissions/")
    priorities = head.locator('article[data-kind="priorities"]')
    expect(priorities).to_have_attribute("data-state", "missing")
    expect(priorities).to_contain_text("از مهلت گذشته")
    expect(priorities).to_contain_text("مهلت قطعی")
    expect(priorities.get_by_role("button")).to_have_count(0)

    expect(civil_state(office, live_server)).to_have_attribute("data-state", "missing")
    screenshot(office, "office-dashboard-missing-1366x768")
    office.locator('tr[data-workgroup="civil"]').get_by_role("link", name="تمدید مهلت").click()
    tomorrow = timezone.now() + datetime.timedelta(days=2)
    import jdatetime

    office.get_by_label("مهلت تازه").fill(
        jdatetime.date.fromgregorian(date=tomorrow.date()).strftime("%Y/%m/%d")
    )
    office.get_by_label("دلیل تمدید").fill("رئیس کارگروه در مأموریت بود")
    office.get_by_role("button", name="ثبت تمدید").click()
    expect(office.get_by_role("status")).to_contain_text("تمدید شد")

    head.reload()
    expect(priorities).to_contain_text("تمدیدشده")
    priorities.get_by_role("button", name="ارسال فهرست اولویت‌بندی‌شده").click()
    expect(priorities).to_have_attribute("data-state", "submitted_on_time")
    expect(civil_state(office, live_server)).to_contain_text("تمدید تا")


@pytest.mark.django_db(transaction=True)
def test_soft_deadline_late_submission_is_flagged(live_server, page, phone_page, demo, login, screenshot):
    cycle = rank_civil()
    past = timezone.now() - datetime.timedelta(hours=5, minutes=10)
    cycle.deadlines.filter(kind="priorities").update(due_at=past)
    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/submissions/")
    priorities = page.locator('article[data-kind="priorities"]')
    priorities.get_by_role("button", name="(با تأخیر)").click()
    expect(priorities).to_have_attribute("data-state", "submitted_late")
    expect(priorities).to_contain_text("۵ ساعت و ۱۰ دقیقه تأخیر")

    login(phone_page, live_server, "office", PASSWORD)
    phone_page.goto(f"{live_server.url}/office/")
    expect(phone_page.locator('tr[data-workgroup="civil"] td[data-kind="priorities"]')).to_have_attribute(
        "data-state", "submitted_late"
    )
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dashboard is {width}px wide on a 390px phone"
    screenshot(phone_page, "office-dashboard-390x844")
    phone_page.goto(f"{live_server.url}/workgroups/civil/submissions/")
    screenshot(phone_page, "submission-list-390x844")
