"""A quarter of monitoring in Chromium with the demo accounts (docs/monitoring.md): the office opens
summer 1399; district R01's expert reports two projects with evidence, and a decrease without a
reason is refused; civil's head comments; the office returns one report, the unit corrects it, and
the office verifies both."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from workgroups.models import Cycle, ProgressReport, ReportingPeriod
from workgroups.monitoring import reports
from workgroups.monitoring.rules import default_due_at

PASSWORD = "karaj1399"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def evidence(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def spring_verified(project, progress):
    """Spring 1399 was reported and verified: the summer report has something to decrease from."""
    expert, office = (
        get_user_model().objects.get(username="expert_r01"),
        get_user_model().objects.get(username="office"),
    )
    cycle = Cycle.objects.get(fiscal_year=1399)
    spring = ReportingPeriod.objects.create(cycle=cycle, quarter=1, due_at=default_due_at(1399, 1))
    report = reports.report_save(
        monitored=project,
        period=spring,
        user=expert,
        physical_progress=progress,
        absorbed=200,
        status="on_schedule",
    )
    report = reports.report_submit(report=report, user=expert, now=spring.due_at - datetime.timedelta(days=1))
    reports.report_verify(report=report, user=office)


def fill_report(section, progress, absorbed, status, reason=None):
    section.get_by_label("پیشرفت فیزیکی تجمعی (درصد)").fill(progress)
    section.get_by_label("اعتبار جذب‌شده تجمعی (میلیون ریال)").fill(absorbed)
    section.get_by_label("وضعیت اجرا").select_option(label=status)
    if reason is not None:
        section.get_by_label("دلیل تأخیر، توقف یا کاهش پیشرفت").fill(reason)


def attach(page, section, name):
    """Add an evidence file from the project's section and come back to the quarter page."""
    back = page.url.split("#")[0]
    section.get_by_role("link", name="مدارک (۰)").click()
    page.locator("input[type=file]").set_input_files(evidence(name))
    page.get_by_role("button", name="بارگذاری").click()
    expect(page.locator(".messages")).to_contain_text(f"پیوست «{name}» افزوده شد")
    page.goto(back)


@pytest.mark.django_db(transaction=True)
def test_a_quarter_is_opened_reported_reviewed_and_verified(
    live_server, new_page, demo, monitored, login, screenshot
):
    r01 = [m for m in monitored if m.project.proposing_unit.code == "R01"]
    first = next(m for m in r01 if m.project.workgroup.slug == "civil")  # civil's head comments on it
    second = next(m for m in r01 if m.project.workgroup.slug != "civil")
    spring_verified(first, progress=50)
    office, unit, head = new_page(), new_page(), new_page()
    login(office, live_server, "office", PASSWORD)
    login(unit, live_server, "expert_r01", PASSWORD)
    login(head, live_server, "head_civil", PASSWORD)

    # The office opens summer with a due date of its own.
    office.get_by_role("link", name="فصل‌های پایش").click()
    office.locator("#id_quarter").select_option(label="تابستان")
    office.locator("#id_due_at").fill("۱۴۱۹/۱۲/۲۰")
    office.get_by_role("button", name="گشودن فصل").click()
    expect(office.locator(".messages")).to_contain_text("فصل تابستان ۱۳۹۹ گشوده شد")
    expect(office.locator("table")).to_contain_text("۱۴۱۹/۱۲/۲۰")
    screenshot(office, "monitoring-quarters-1366x768")

    # The unit: a decrease from spring's 50% without a reason is refused, with a reason it is kept.
    unit.get_by_role("link", name="گزارش پایش").click()
    expect(unit.get_by_role("heading", level=1)).to_contain_text("گزارش پایش تابستان ۱۳۹۹")
    one = unit.locator(f"#project-{first.pk}")
    expect(one).to_contain_text("فصل پیش: ۵۰٪")
    fill_report(one, "۴۰", "۳۰۰", "طبق برنامه")
    one.get_by_role("button", name="ذخیره و ارسال").click()
    expect(one.locator(".field--invalid")).to_contain_text(
        "پیشرفت فیزیکی از ۵۰٪ گزارش قبلی به ۴۰٪ کم شده است"
    )
    assert not ProgressReport.objects.filter(monitored=first, period__quarter=2).exists()
    one = unit.locator(f"#project-{first.pk}")
    one.get_by_label("دلیل تأخیر، توقف یا کاهش پیشرفت").fill("بازبینی کارهای انجام‌شده؛ بخشی از بتن‌ریزی رد شد")
    one.get_by_role("button", name="ذخیره پیش‌نویس").click()
    expect(unit.locator(".messages")).to_contain_text("پیش‌نویس گزارش")
    attach(unit, unit.locator(f"#project-{first.pk}"), "صورت وضعیت تابستان.pdf")
    one = unit.locator(f"#project-{first.pk}")
    one.get_by_role("button", name="ذخیره و ارسال").click()
    expect(unit.locator(".messages")).to_contain_text("ارسال شد")
    expect(unit.locator(f"#project-{first.pk}")).to_contain_text("ارسال‌شده، در انتظار بررسی")

    two = unit.locator(f"#project-{second.pk}")
    fill_report(two, "۲۰", "۱۰۰", "طبق برنامه")
    two.get_by_label("برنامه پایان تابستان").fill("۲۵")
    two.get_by_role("button", name="ذخیره پیش‌نویس").click()
    attach(unit, unit.locator(f"#project-{second.pk}"), "عکس پیشرفت.pdf")
    unit.locator(f"#project-{second.pk}").get_by_role("button", name="ذخیره و ارسال").click()
    expect(unit.locator(f"#project-{second.pk}")).to_contain_text("ارسال‌شده، در انتظار بررسی")
    expect(unit.locator(f"#project-{second.pk}")).to_contain_text("برنامه این فصل: ۲۵٪")
    screenshot(unit, "monitoring-unit-quarter-1366x768")

    # Civil's head reads its project's report and comments.
    head.get_by_role("link", name="گزارش‌های پایش").click()
    expect(head.locator("table")).not_to_contain_text(second.project.title)
    head.get_by_role("link", name=first.project.title).click()
    expect(head.locator("#fact-progress")).to_contain_text("۴۰٪")
    head.locator("#id_text").fill("کاهش پیشرفت را در جلسه بعد توضیح دهید.")
    head.get_by_role("button", name="ثبت نظر").click()
    expect(head.locator(".comments")).to_contain_text("کاهش پیشرفت را در جلسه بعد توضیح دهید.")

    # The office: the queue holds both; it returns the second and verifies the first.
    office.get_by_role("link", name="بررسی گزارش‌های پایش").click()
    expect(office.locator("tbody tr")).to_have_count(2)
    office.get_by_role("link", name=second.project.title).click()
    expect(office.locator("#fact-absorbed")).to_contain_text("۱۰۰")
    expect(office.get_by_role("link", name="عکس پیشرفت.pdf")).to_be_visible()
    office.locator("#id_reason").fill("عکس پیشرفت تاریخ ندارد؛ صورت‌جلسه بازدید را پیوست کنید.")
    office.get_by_role("button", name="بازگرداندن به واحد").click()
    expect(office.locator(".messages")).to_contain_text("به واحد بازگشت داده شد")
    office.get_by_role("link", name="بررسی گزارش‌های پایش").click()
    office.get_by_role("link", name=first.project.title).click()
    expect(office.locator(".comments")).to_contain_text("کاهش پیشرفت")
    screenshot(office, "monitoring-report-review-1366x768")
    office.get_by_role("button", name="تأیید گزارش").click()
    expect(office.locator("[data-state]").first).to_have_text("تأییدشده")

    # The unit sees the reason, corrects and submits again; the office verifies.
    unit.reload()
    two = unit.locator(f"#project-{second.pk}")
    expect(two).to_contain_text("عکس پیشرفت تاریخ ندارد")
    two.get_by_label("پیشرفت فیزیکی تجمعی (درصد)").fill("۲۲")
    two.get_by_role("button", name="ذخیره و ارسال").click()
    expect(unit.locator(f"#project-{second.pk}")).to_contain_text("ارسال‌شده، در انتظار بررسی")
    office.get_by_role("link", name="بررسی گزارش‌های پایش").click()
    expect(office.locator("tbody tr")).to_have_count(1)
    office.get_by_role("link", name=second.project.title).click()
    expect(office.locator("#fact-progress")).to_contain_text("۲۲٪")
    office.get_by_role("button", name="تأیید گزارش").click()
    expect(office.locator("[data-state]").first).to_have_text("تأییدشده")
    office.goto(f"{live_server.url}/monitoring/reports/?state=verified")
    expect(office.locator("tbody tr")).to_have_count(2)
    screenshot(office, "monitoring-report-list-1366x768")

    phone = new_page(PHONE)
    login(phone, live_server, "expert_r01", PASSWORD)
    phone.goto(f"{live_server.url}/monitoring/unit/")
    expect(phone.locator(f"#project-{second.pk}")).to_contain_text("تأییدشده")
    screenshot(phone, "monitoring-unit-quarter-390x844")
    second_report = ProgressReport.objects.get(monitored=second, period__quarter=2)
    phone.goto(f"{live_server.url}/monitoring/reports/{second_report.pk}/")
    expect(phone.locator("#fact-progress")).to_contain_text("۲۲٪")
    screenshot(phone, "monitoring-report-detail-390x844")
