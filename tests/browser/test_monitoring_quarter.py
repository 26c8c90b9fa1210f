"""A quarter of monitoring in Chromium with the demo accounts (docs/monitoring.md): the office opens
summer 1399; district R01's expert reports two projects with evidence, and a decrease without a
reason is refused; civil's head comments; the office returns one report, the unit corrects it (now
delayed), and the office verifies both. Then the quarter's dashboard shows the figures computed from
the reports, its Excel export says the same, and next year's ranking page marks the delayed project."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from karaj_budget.jalali import persian_digits
from tests.browser.conftest import PHONE
from workgroups.models import Cycle, ProgressReport, Project, ReportingPeriod
from workgroups.monitoring import reports
from workgroups.monitoring.exporting import HEADERS
from workgroups.monitoring.rules import absorption, default_due_at

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
    page.wait_for_load_state()  # as a person would: the page's script keeps the name's ZWNJ
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
    attach(unit, unit.locator(f"#project-{first.pk}"), "صورت\u200cوضعیت تابستان.pdf")
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
    fill_report(two, "۲۲", "۱۰۰", "با تأخیر", "تأخیر پیمانکار در تجهیز کارگاه")
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

    # The quarter's dashboard: its figures are the reports' own.
    summer = ProgressReport.objects.filter(period__cycle__fiscal_year=1399, period__quarter=2)
    received = [r for r in summer.select_related("monitored") if r.state in ("submitted", "verified")]
    office.goto(f"{live_server.url}/monitoring/dashboard/?year=1399&quarter=2")
    figures = {
        "due": len(monitored),
        "submitted": len(received),
        "verified": sum(r.state == "verified" for r in received),
        "behind": sum(r.status in ("delayed", "stopped") for r in received),
    }
    assert figures["submitted"] == figures["verified"] == 2 and figures["behind"] == 1
    for name, value in figures.items():
        expect(office.locator(f'dd[data-figure="{name}"]')).to_have_text(persian_digits(value))
    share = absorption(sum(r.absorbed for r in received), sum(r.monitored.approved_amount for r in received))
    expect(office.locator('dd[data-figure="absorption"]')).to_have_text(f"{persian_digits(share)}٪")

    # Its Excel export, from the dashboard's button, says the same of both projects.
    with office.expect_download() as download:
        office.get_by_role("link", name="خروجی اکسل این فصل").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = io.BytesIO(download.value.path().read_bytes())
    sheet = openpyxl.load_workbook(workbook, read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(index for index, row in enumerate(rows) if "عنوان پروژه" in row)
    columns = {name: rows[header].index(name) for name in HEADERS}
    by_title = {row[columns["عنوان پروژه"]]: row for row in rows[header + 1 :] if row[0]}
    assert len(by_title) == len(monitored)
    for report in received:
        row = by_title[report.monitored.project.title]
        assert row[columns["پیشرفت فیزیکی گزارش‌شده تجمعی (درصد)"]] == report.physical_progress
        assert row[columns["اعتبار جذب‌شده تجمعی (میلیون ریال)"]] == report.absorbed
        assert row[columns["وضعیت گزارش"]] == "تأییدشده"
    assert by_title[second.project.title][columns["وضعیت اجرا"]] == "با تأخیر"

    # Next year: the unit proposes the delayed project again as ongoing; once the office ties it to
    # this year's project, its workgroup's ranking page marks it.
    follower = Project.objects.create(
        cycle=Cycle.objects.current(),
        title=second.project.title,
        proposing_unit=second.project.proposing_unit,
        responsible_deputy=second.project.responsible_deputy,
        requested_amount=50,
        kind=Project.Kind.ONGOING,
    )
    office.goto(f"{live_server.url}/office/monitoring/setup/")
    office.get_by_role("button", name="پیوند دادن").click()
    follower.refresh_from_db()
    assert follower.continues_id == second.project.pk
    slug = second.project.workgroup.slug
    next_head = new_page()
    login(next_head, live_server, f"head_{slug}", PASSWORD)
    next_head.goto(f"{live_server.url}/workgroups/{slug}/")
    row = next_head.locator(f'[data-project-id="{follower.pk}"]')
    expect(row).to_contain_text("عقب از برنامه")
    expect(row).to_contain_text("با تأخیر")
