"""The letter in Chromium: the office records the secretariat's number on a submitted list's page
and downloads its PDF letter with the button; the file is the letter of that submission."""

import pytest
from playwright.sync_api import expect

from workgroups import submissions
from workgroups.models import Cycle, Workgroup

PASSWORD = "karaj1399"


@pytest.mark.django_db(transaction=True)
def test_the_office_numbers_and_downloads_a_letter(
    live_server, page, demo, login, tmp_path, django_user_model
):
    civil = Workgroup.objects.get(slug="civil")
    submission = submissions.submission_submit(
        workgroup=civil,
        cycle=Cycle.objects.get(fiscal_year=1399),
        kind="priorities",
        user=django_user_model.objects.get(username="head_civil"),
    )
    login(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}{submission.get_absolute_url()}")
    letter = page.locator("section.letter")
    expect(letter).to_contain_text("هنوز ثبت نشده")
    letter.get_by_label("شماره نامه").fill("۹۸۱۲/۴۵۰")
    letter.get_by_label("تاریخ نامه").fill("۱۳۹۸/۰۹/۱۶")
    letter.get_by_role("button", name="ثبت شماره و تاریخ دبیرخانه").click()
    expect(page.get_by_role("status")).to_contain_text("شماره و تاریخ نامه ثبت شد")
    expect(page.locator("section.letter")).to_contain_text("۹۸۱۲/۴۵۰")

    with page.expect_download() as info:
        page.get_by_role("link", name="دریافت نامه (PDF)").click()
    download = info.value
    assert download.suggested_filename == "letter-1399-civil-priorities-1.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    submission.refresh_from_db()
    assert submission.letter_number == "9812/450"
    # The metadata carries the checksum of the snapshot the letter was made from.
    assert submission.checksum.encode() in pdf
