"""A unit's quarter report as an Excel sheet: the template lists the unit's projects, a good sheet
saves every row (or submits them), a bad sheet names each wrong row and column and writes nothing,
and the unit's quarter page keeps its query count whatever the number of projects."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from workgroups.models import Attachment, AuditEntry, ProgressReport
from workgroups.monitoring import reports, upload

State = ProgressReport.State


@pytest.fixture
def quarter(monitored, open_quarter, personas):
    expert = personas["expert"]
    unit = expert.unitexpert.unit if hasattr(expert, "unitexpert") else None
    rows = [m for m in monitored if m.project.proposing_unit.code == "R01"]
    return {
        "period": open_quarter(),
        "expert": expert,
        "unit": rows[0].project.proposing_unit or unit,
        "rows": rows,
    }


def sheet(rows, headers=None):
    workbook = Workbook()
    ws = workbook.active
    ws.append(headers or [column.header for column in upload.COLUMNS])
    for row in rows:
        ws.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    return stream


def line(monitored, progress, absorbed, status, reason=""):
    return [monitored.pk, "", monitored.project.title, None, progress, absorbed, status, reason]


def test_the_template_lists_the_units_projects(quarter):
    data = upload.template_workbook(quarter["period"], quarter["unit"])
    ws = load_workbook(io.BytesIO(data)).active
    values = list(ws.values)
    assert values[0][4] == "پیشرفت فیزیکی تجمعی (درصد)"
    assert sorted(row[0] for row in values[1:]) == sorted(m.pk for m in quarter["rows"])
    assert ws.sheet_view.rightToLeft


def test_a_good_sheet_saves_every_row_as_a_draft(quarter):
    first, second = quarter["rows"][:2]
    result = upload.upload_report(
        sheet(
            [
                line(first, 40, 120, "طبق برنامه"),
                line(second, "۲۵٪", "1,500", "با تأخیر", "تأخیر در تحویل زمین"),
            ]
        ),
        period=quarter["period"],
        unit=quarter["unit"],
        user=quarter["expert"],
    )
    assert result.written and result.saved == 2 and not result.problems
    saved = {r.monitored_id: r for r in ProgressReport.objects.filter(period=quarter["period"])}
    assert (saved[first.pk].physical_progress, saved[first.pk].absorbed, saved[first.pk].state) == (
        40,
        120,
        State.DRAFT,
    )
    assert (saved[second.pk].physical_progress, saved[second.pk].absorbed, saved[second.pk].status) == (
        25,
        1500,
        "delayed",
    )
    assert AuditEntry.objects.filter(action="report.import").count() == 2


def test_a_sheet_can_submit_its_rows(quarter):
    first = quarter["rows"][0]
    result = upload.upload_report(
        sheet([line(first, 40, 120, "طبق برنامه")]),
        period=quarter["period"],
        unit=quarter["unit"],
        user=quarter["expert"],
        submit=True,
    )
    assert result.written and result.submitted == 1
    report = ProgressReport.objects.get(period=quarter["period"], monitored=first)
    assert report.state == State.SUBMITTED and report.verify_checksum()


def test_bad_rows_are_named_and_nothing_is_written(quarter, monitored):
    first, second, third = quarter["rows"][:3]
    stranger = next(m for m in monitored if m.project.proposing_unit.code != "R01")
    result = upload.upload_report(
        sheet(
            [
                line(first, 40, 120, "طبق برنامه"),  # row 2: good
                line(second, 140, 10, "طبق برنامه"),  # row 3: progress over 100
                line(third, 50, 10, "نیمه‌کاره"),  # row 4: unknown status
                line(stranger, 10, 10, "طبق برنامه"),  # row 5: another unit's project
                line(first, 10, 10, "طبق برنامه"),  # row 6: the same project twice
            ]
        ),
        period=quarter["period"],
        unit=quarter["unit"],
        user=quarter["expert"],
        submit=True,
    )
    assert not result.written
    text = "\n".join(result.problems)
    assert "ردیف ۳: ستون «پیشرفت فیزیکی تجمعی (درصد)»:" in text
    assert "ردیف ۴: ستون «وضعیت اجرا»: «نیمه‌کاره» وضعیت شناخته‌شده‌ای نیست" in text
    assert "ردیف ۵: ستون «شناسه پایش»:" in text and "واحد شما نیست" in text
    assert "ردیف ۶: ستون «شناسه پایش»: این پروژه در ردیف ۲ هم آمده است." in text
    assert not ProgressReport.objects.filter(period=quarter["period"]).exists()


def test_rule_breaks_are_named_by_column(quarter, personas):
    first = quarter["rows"][0]
    result = upload.upload_report(
        sheet([line(first, 80, 10, "متوقف"), line(quarter["rows"][1], 90, 10, "پایان‌یافته")]),
        period=quarter["period"],
        unit=quarter["unit"],
        user=quarter["expert"],
        submit=True,
    )
    assert result.problems == [
        "ردیف ۲: ستون «دلیل تأخیر، توقف یا کاهش پیشرفت»: برای پروژه «متوقف» دلیل را بنویسید.",
        "ردیف ۳: ستون «پیشرفت فیزیکی تجمعی (درصد)»: پروژه پایان‌یافته باید پیشرفت فیزیکی ۱۰۰٪ داشته باشد.",
    ]
    assert not ProgressReport.objects.exists()


def test_a_frozen_report_in_the_sheet_refuses_the_whole_file(quarter):
    first, second = quarter["rows"][:2]
    report = reports.report_save(
        monitored=first,
        period=quarter["period"],
        user=quarter["expert"],
        physical_progress=10,
        absorbed=1,
        status="on_schedule",
    )
    reports.report_submit(report=report, user=quarter["expert"])
    result = upload.upload_report(
        sheet([line(second, 40, 120, "طبق برنامه"), line(first, 20, 1, "طبق برنامه")]),
        period=quarter["period"],
        unit=quarter["unit"],
        user=quarter["expert"],
    )
    assert not result.written and result.problems[0].startswith(
        "ردیف ۳: ستون «شناسه پایش»: این گزارش ارسال شده"
    )
    assert not ProgressReport.objects.filter(monitored=second).exists()


def test_not_a_workbook_is_refused_by_the_import_guards(quarter):
    result = upload.upload_report(
        io.BytesIO(b"a,b,c\n1,2,3\n"), period=quarter["period"], unit=quarter["unit"], user=quarter["expert"]
    )
    assert not result.written and "xlsx" in result.problems[0]


def test_the_upload_page_shows_the_row_messages(client, quarter):
    client.force_login(quarter["expert"])
    url = reverse("workgroups:report-upload", args=[quarter["period"].pk])
    bad = SimpleUploadedFile("q.xlsx", sheet([line(quarter["rows"][0], 140, 1, "طبق برنامه")]).read())
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "ردیف ۲: ستون «پیشرفت فیزیکی تجمعی (درصد)»" in response.content.decode()
    good = SimpleUploadedFile("q.xlsx", sheet([line(quarter["rows"][0], 40, 1, "طبق برنامه")]).read())
    response = client.post(url, {"file": good}, follow=True)
    assert "پیش‌نویس گزارش ۱ پروژه از فایل اکسل ذخیره شد." in response.content.decode()


def test_the_unit_quarter_page_has_a_constant_number_of_queries(client, quarter, django_assert_num_queries):
    client.force_login(quarter["expert"])
    url = reverse("workgroups:unit-quarter", args=[quarter["period"].pk])
    client.get(url)  # warm the session and the user's caches
    with django_assert_num_queries(QUARTER_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    for monitored in quarter["rows"]:
        reports.report_save(
            monitored=monitored,
            period=quarter["period"],
            user=quarter["expert"],
            physical_progress=10,
            absorbed=1,
            status="on_schedule",
        )
    with django_assert_num_queries(QUARTER_PAGE_QUERIES):
        response = client.get(url)
    page = response.content.decode()
    assert page.count('data-state="draft"') == len(quarter["rows"])


def test_the_report_list_has_a_constant_number_of_queries(
    client, quarter, personas, django_assert_num_queries
):
    client.force_login(personas["office"])
    url = reverse("workgroups:report-list")
    client.get(url)
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        client.get(url)
    for monitored in quarter["rows"]:
        reports.report_save(
            monitored=monitored,
            period=quarter["period"],
            user=quarter["expert"],
            physical_progress=10,
            absorbed=1,
            status="on_schedule",
        )
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("badge--draft") == len(quarter["rows"])


QUARTER_PAGE_QUERIES = 14
LIST_PAGE_QUERIES = 6


def test_the_report_list_counts_evidence_and_comments_once_each(
    client, quarter, personas, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = reports.report_save(
        monitored=quarter["rows"][0],
        period=quarter["period"],
        user=quarter["expert"],
        physical_progress=10,
        absorbed=1,
        status="on_schedule",
    )
    for name in ("a.pdf", "b.pdf"):
        attachment = Attachment(
            report=report, name=name, content_type="application/pdf", size=6, sha256="0" * 64
        )
        attachment.file.save(name, ContentFile(b"%PDF-\n"), save=False)
        attachment.save()
    for text in ("یک", "دو", "سه"):
        reports.report_comment(report=report, user=personas["head_a"], text=text)
    client.force_login(personas["office"])
    page = client.get(reverse("workgroups:report-list")).content.decode()
    row = page[page.index(quarter["rows"][0].project.title) :]
    row = row[: row.index("</tr>")]
    assert row.count('<td class="num">۲</td>') == 1 and row.count('<td class="num">۳</td>') == 1
