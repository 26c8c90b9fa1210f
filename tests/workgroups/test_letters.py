"""The submission letter: an A4 right-to-left PDF read back with pdftotext (order, numbers,
checksum), the same bytes on every render, a QR code that decodes to the verify page, the office's
letter number, the verify page and the fixed `submission_letter` command."""

import io
import re
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from karaj_budget.jalali import format_money, persian_digits
from programs.models import BudgetCode, ProgramCode
from workgroups import ranking, submissions
from workgroups.letters.content import letter_content, verify_url
from workgroups.letters.render import letter_pdf
from workgroups.models import AuditEntry, Cycle, Meeting, Project, Workgroup

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) is not installed; .ci/run installs it",
)
# Bidi controls pdftotext wraps right-to-left runs in, and ZWNJ, which it moves by one letter.
_INVISIBLE = re.compile("[\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_text(pdf, tmp_path, *, layout=True):
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return _INVISIBLE.sub("", subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def as_extracted(text):
    """`text` as pdftotext gives it back, for comparison with `squeezed(pdf_text(…))`: no ZWNJ or
    spaces (pdftotext moves them around digits and joiners), and the lam-alef ligature (لا) read as
    «ال» (poppler reverses the ligature's two letters in right-to-left text, whatever the engine)."""
    return squeezed(text).replace("لا", "ال")


def squeezed(text):
    return re.sub(r"\s+", "", _INVISIBLE.sub("", text))


@pytest.fixture
def civil_1399(personas):
    civil = Workgroup.objects.get(slug="civil")
    cycle = Cycle.objects.get(fiscal_year=1399)
    meeting = Meeting.objects.create(
        workgroup=civil,
        cycle=cycle,
        held_on="2019-12-01",
        created_by=personas["head_a"],
        representatives="علی رضایی — منطقه ۵",
    )
    meeting.attendees.set([personas["member_a"], personas["expert"]])
    submission = submissions.submission_submit(
        workgroup=civil, cycle=cycle, kind="priorities", user=personas["head_a"]
    )
    return submission


@needs_poppler
def test_the_letter_reads_back_in_order_with_its_numbers_and_checksum(client, personas, civil_1399, tmp_path):
    submission = civil_1399
    client.force_login(personas["office"])
    response = client.post(
        reverse("workgroups:submission-letter-number", args=[submission.pk]),
        {"letter_number": "۹۸۱۲-۴۵۰", "letter_date": "۱۳۹۸/۰۹/۱۶"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="submission.letter", details__submission=submission.pk).exists()

    client.force_login(personas["member_a"])
    response = client.get(reverse("workgroups:submission-letter", args=[submission.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter-1399-civil-priorities-1.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = squeezed(pdf_text(pdf, tmp_path))

    assert "شهرداریکرج" in text and "بسمهتعالی" in text
    assert as_extracted("کارگروه تخصصی فنی و عمرانی") in text
    assert "۹۸۱۲-۴۵۰" in text and "۱۳۹۸/۰۹/۱۶" in text  # the secretariat's number and date
    assert as_extracted("ارسال فهرست اولویت‌بندی‌شده پروژه‌های بودجه سال") in text
    assert "۱۳۹۸/۰۹/۱۵" in text  # the deadline
    assert "۱۳۹۸/۰۹/۱۰" in text  # the meeting it was decided in
    # The ranked titles, each whole and in the order of the list (in the content's reading order:
    # the layout mode interleaves a wrapped title's second line with the next row's cells).
    text = squeezed(pdf_text(pdf, tmp_path, layout=False))
    places = []
    for item in submission.projects:
        title = as_extracted(item["title"])
        assert title in text, item["title"]
        places.append(text.index(title))
    assert places == sorted(places)
    assert format_money(submission.snapshot["requested_total"]) in text
    assert format_money(submission.snapshot["credit_ceiling"]) in text
    # The signature blocks: the head, the attendees and the units' representative.
    for name in (personas["head_a"], personas["member_a"], personas["expert"]):
        assert as_extracted(name.get_full_name()) in text
    assert "علیرضایی" in text
    # The checksum (in four groups of 16) and the page numbers in Persian digits.
    for start in range(0, 64, 16):
        assert submission.checksum[start : start + 16] in text
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(pdf, tmp_path)).group(1))
    for page in range(1, pages + 1):
        assert f"صفحه{persian_digits(page)}از{persian_digits(pages)}" in text


@needs_poppler
def test_a_long_coded_list_repeats_its_header_and_numbers_its_pages_in_persian(personas, tmp_path):
    transport = Workgroup.objects.get(slug="transport")
    cycle = Cycle.objects.get(fiscal_year=1399)
    program = ProgramCode.objects.get(code="5-1-1-01")
    line = BudgetCode.objects.get(code="50101001")
    template = Project.objects.filter(workgroup=transport, cycle=cycle).first()
    count = Project.objects.filter(workgroup=transport, cycle=cycle).active().count()
    for n in range(count + 1, 121):
        Project.objects.create(
            cycle=cycle,
            title=f"نوسازی ناوگان خط {persian_digits(n)} (BRT-{n})",
            proposing_unit=template.proposing_unit,
            responsible_deputy=template.responsible_deputy,
            workgroup=transport,
            requested_amount=1000 + n,
            priority=n,
        )
    Project.objects.filter(workgroup=transport, cycle=cycle).update(program_code=program, budget_code=line)
    submissions.submission_submit(workgroup=transport, cycle=cycle, kind="priorities", user=personas["admin"])
    coded = submissions.submission_submit(
        workgroup=transport, cycle=cycle, kind="coding", user=personas["admin"]
    )

    pdf = letter_pdf(coded)
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(pdf, tmp_path)).group(1))
    assert pages >= 3
    for page in range(1, pages + 1):
        text = _page_text(pdf, tmp_path, page)
        assert f"صفحه{persian_digits(page)}از{persian_digits(pages)}" in squeezed(text), page
        if page <= pages - 1:  # every page the table runs over starts with its header again
            assert "کد برنامه" in text and "کد بودجه" in text, page
    text = pdf_text(pdf, tmp_path)
    assert "5-1-1-01" in text and "50101001" in text  # hyphenated codes kept whole, left to right
    assert "BRT-120" in text  # ASCII inside a Persian title, in one piece
    assert text.index("BRT-119") < text.index("BRT-120")


def _pdfinfo(pdf, tmp_path):
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def _page_text(pdf, tmp_path, page):
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"]
    return _INVISIBLE.sub("", subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def test_the_same_submission_gives_the_same_pdf(civil_1399):
    assert letter_pdf(civil_1399) == letter_pdf(civil_1399)


@needs_poppler
def test_the_qr_code_decodes_to_the_verify_page(civil_1399, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is in requirements-dev.txt")
    image_module = pytest.importorskip("PIL.Image", reason="Pillow is in requirements-dev.txt")
    path = tmp_path / "letter.pdf"
    path.write_bytes(letter_pdf(civil_1399))
    subprocess.run(["pdftoppm", "-png", "-r", "200", str(path), str(tmp_path / "page")], check=True)
    codes = [
        code.text
        for page in sorted(tmp_path.glob("page*.png"))
        for code in zxingcpp.read_barcodes(image_module.open(page))
    ]
    assert codes == [verify_url(civil_1399)]
    assert verify_url(civil_1399).endswith(f"/submissions/{civil_1399.pk}/verify/{civil_1399.checksum}/")


def test_the_verify_page_tells_the_office_whether_the_live_list_still_matches(client, personas, civil_1399):
    url = reverse("workgroups:submission-verify", args=[civil_1399.pk, civil_1399.checksum])
    client.force_login(personas["head_a"])
    assert client.get(url).status_code == 403
    client.force_login(personas["office"])
    assert "فهرست کنونی کارگروه با فهرست این نامه یکسان است" in client.get(url).content.decode()
    forged = reverse("workgroups:submission-verify", args=[civil_1399.pk, "0" * 64])
    assert "نامه از این ارسال نیست" in client.get(forged).content.decode()

    submissions.submission_return(submission=civil_1399, user=personas["office"], reason="اصلاح مبلغ")
    project = Project.objects.get(pk=civil_1399.projects[0]["id"])
    project.requested_amount += 1
    project.save(update_fields=["requested_amount"])
    assert "پس از این نامه تغییر کرده است" in client.get(url).content.decode()


def test_only_the_office_records_the_letter_number(client, personas, civil_1399):
    url = reverse("workgroups:submission-letter-number", args=[civil_1399.pk])
    client.force_login(personas["head_a"])
    assert client.post(url, {"letter_number": "1", "letter_date": "۱۳۹۸/۰۹/۱۶"}).status_code == 403
    client.force_login(personas["office"])
    response = client.post(url, {"letter_number": "1", "letter_date": "2019-12-07"}, follow=True)
    civil_1399.refresh_from_db()
    assert civil_1399.letter_number == "" and civil_1399.letter_date is None
    assert "تاریخ" in response.content.decode()


def test_the_command_writes_the_same_file_as_the_button(client, personas, civil_1399, tmp_path):
    output = tmp_path / "letter.pdf"
    call_command(
        "submission_letter",
        "--cycle",
        "1399",
        "--workgroup",
        "civil",
        "--kind",
        "priorities",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    client.force_login(personas["head_a"])
    button = client.get(reverse("workgroups:submission-letter", args=[civil_1399.pk])).content
    assert output.read_bytes() == button


def test_the_command_refuses_a_list_never_submitted_in_persian(civil_1399, tmp_path):
    output = tmp_path / "none.pdf"
    with pytest.raises(CommandError, match="هنوز فهرست کدگذاری‌شده ارسال نکرده است"):
        call_command(
            "submission_letter",
            "--cycle",
            "1399",
            "--workgroup",
            "civil",
            "--kind",
            "coded",
            "--output",
            str(output),
        )
    assert not output.exists()
    with pytest.raises(CommandError, match="وجود ندارد"):
        call_command(
            "submission_letter",
            "--cycle",
            "1399",
            "--workgroup",
            "nowhere",
            "--kind",
            "coded",
            "--output",
            str(output),
        )


def test_the_letter_and_the_submission_page_name_units_alike(
    client, personas, civil_1399, django_assert_num_queries
):
    """One lookup of unit names (`ranking.with_unit_names`, one query) for the page and the letter;
    a unit code no longer in the table is shown as stored."""
    client.force_login(personas["office"])
    items = client.get(reverse("workgroups:submission-detail", args=[civil_1399.pk])).context["items"]
    names_on_page = [item["unit_name"] for item in items]
    letter_rows = [row for row in letter_content(civil_1399)["rows"] if row["kind"] == "project"]
    assert [row["cells"][2] for row in letter_rows] == names_on_page
    assert all(not name.startswith(("R", "O")) for name in names_on_page)  # names, not codes

    rows = [{**items[0], "unit": "X99"}, items[1]]
    with django_assert_num_queries(1):
        named = ranking.with_unit_names(rows)
    assert [row["unit_name"] for row in named] == ["X99", names_on_page[1]]
