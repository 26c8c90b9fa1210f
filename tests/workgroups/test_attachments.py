"""Attachments: type checked by content, stored through the storage API, served only through the
access check, audited, and frozen with a submitted list (whose snapshot carries their SHA-256)."""

import hashlib
import io
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from workgroups import submissions
from workgroups.attachments import files
from workgroups.attachments.services import safe_name
from workgroups.models import Attachment, AuditEntry, Cycle, Meeting, Project, Workgroup, snapshot_checksum

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
    b"\x00\x00\x00\nIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def xlsx_bytes():
    workbook = Workbook()
    workbook.active["A1"] = "برآورد"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes(document=b"<w:document/>"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def civil_meeting(personas):
    return Meeting.objects.create(
        workgroup=Workgroup.objects.get(slug="civil"),
        cycle=Cycle.objects.current(),
        held_on="2019-12-01",
        created_by=personas["head_a"],
    )


def upload(client, url, name, content):
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type="application/pdf")})


@pytest.mark.parametrize(
    ("name", "content", "content_type", "stored_name"),
    [
        ("صورتجلسه امضاشده.pdf", PDF_BYTES, files.PDF, "صورتجلسه امضاشده.pdf"),
        ("نقشه.PNG", PNG_BYTES, files.PNG, "نقشه.png"),
        ("photo.jpeg", JPEG_BYTES, files.JPEG, "photo.jpg"),
        ("برآورد.xlsx", xlsx_bytes(), files.XLSX, "برآورد.xlsx"),
        # The name says PDF, the content is a Word document: the content decides.
        ("گزارش.pdf", docx_bytes(), files.DOCX, "گزارش.docx"),
    ],
)
def test_the_head_attaches_a_file_to_a_meeting_and_downloads_it(
    client, personas, civil_meeting, media, name, content, content_type, stored_name
):
    client.force_login(personas["head_a"])
    url = reverse("workgroups:meeting-attachments", args=[civil_meeting.pk])
    response = upload(client, url, name, content)
    assert response.status_code == 302, response.content.decode()
    attachment = Attachment.objects.get(meeting=civil_meeting)
    assert (attachment.content_type, attachment.name, attachment.size) == (
        content_type,
        stored_name,
        len(content),
    )
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    # Stored under MEDIA_ROOT with a random name, never the uploader's.
    stored = media / attachment.file.name
    assert stored.read_bytes() == content
    assert name.rsplit(".", 1)[0] not in attachment.file.name
    assert AuditEntry.objects.filter(action="attachment.add", details__attachment=attachment.pk).exists()

    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    if stored_name.isascii():
        assert f'filename="{stored_name}"' in disposition
    else:
        # Saved with a space for a ZWNJ: Chromium would put "_" there (karaj_budget/downloads.py).
        assert f"filename*=utf-8''{quote(stored_name.replace(chr(0x200C), ' '))}" in disposition


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("نامه.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "فایل اجرایی"),
        ("نامه.docx", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "فایل اجرایی"),
        ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
        ("page.png", b"  <html><body>hi</body></html>", "HTML"),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n", "ناقص"),
        ("plain.zip", b"", "خالی"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_in_persian(
    client, personas, civil_meeting, media, name, content, expected
):
    client.force_login(personas["head_a"])
    response = upload(
        client, reverse("workgroups:meeting-attachments", args=[civil_meeting.pk]), name, content
    )
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not Attachment.objects.exists()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_zip_bomb_dressed_as_a_docx_is_refused_before_it_is_unpacked(client, personas, civil_meeting):
    # 60 MB of zeros compress to about 60 KB: a ratio no real document part has.
    bomb = docx_bytes(b"\x00" * (60 * 1024 * 1024))
    assert len(bomb) < 200 * 1024
    client.force_login(personas["head_a"])
    response = upload(
        client, reverse("workgroups:meeting-attachments", args=[civil_meeting.pk]), "x.docx", bomb
    )
    assert response.status_code == 400
    assert "zip bomb" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_document_declaring_more_than_the_uncompressed_limit_is_refused(settings):
    settings.ATTACHMENT_MAX_UNCOMPRESSED = 1024
    with pytest.raises(files.AttachmentRefused, match="پس از بازشدن"):
        files.check_content(io.BytesIO(docx_bytes(b"<w:document>" + b"x" * 2000 + b"</w:document>")))


def test_other_zip_archives_and_macro_documents_are_refused():
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("setup.exe", b"MZ")
    with pytest.raises(files.AttachmentRefused, match="zip"):
        files.check_content(plain)
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\x00")
    with pytest.raises(files.AttachmentRefused, match="ماکرو"):
        files.check_content(macro)


def test_an_oversized_file_is_refused_with_the_limit(client, personas, civil_meeting, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client.force_login(personas["head_a"])
    big = PDF_BYTES[:-6] + b"0" * 2000 + b"%%EOF\n"
    response = upload(
        client, reverse("workgroups:meeting-attachments", args=[civil_meeting.pk]), "big.pdf", big
    )
    assert response.status_code == 400
    assert "بیش از حد مجاز" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_file_name_is_made_safe():
    assert safe_name('..\\..\\etc/"pass\nwd".exe', ".pdf") == "passwd.pdf"
    assert safe_name("", ".png") == "پیوست.png"
    assert safe_name("نامه\u200cها.PDF", ".pdf") == "نامه\u200cها.pdf"
    assert len(safe_name("ب" * 400 + ".pdf", ".pdf")) == 150


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # Django's parser keeps only printable characters: the ZWNJ is lost on the way...
        (None, "صورتوضعیت شماره ۲.pdf"),
        # ...and the name the browser saw puts it back,
        ("صورت\u200cوضعیت شماره ۲.pdf", "صورت\u200cوضعیت شماره ۲.pdf"),
        ("C:\\fakepath\\صورت\u200cوضعیت شماره ۲.pdf", "صورت\u200cوضعیت شماره ۲.pdf"),
        # but never a name that differs in anything a person can see.
        ("نامه دیگر.pdf", "صورتوضعیت شماره ۲.pdf"),
        ("صورت\u200cوضعیت شماره ۳.pdf", "صورتوضعیت شماره ۲.pdf"),
    ],
)
def test_the_zwnj_of_a_file_name_survives_the_upload(client, personas, civil_meeting, typed, stored):
    client.force_login(personas["head_a"])
    url = reverse("workgroups:meeting-attachments", args=[civil_meeting.pk])
    data = {
        "file": SimpleUploadedFile("صورت\u200cوضعیت شماره ۲.pdf", PDF_BYTES, content_type="application/pdf")
    }
    if typed is not None:
        data["file_name"] = typed
    assert client.post(url, data).status_code == 302
    assert Attachment.objects.get(meeting=civil_meeting).name == stored


def test_a_unit_attaches_to_its_own_project_and_the_head_reads_it(client, personas):
    project = Project.objects.get(cycle=Cycle.objects.current(), title__startswith="ساماندهی دره وسیه")
    url = reverse("workgroups:project-attachments", args=[project.pk])
    client.force_login(personas["expert"])
    assert upload(client, url, "برآورد.pdf", PDF_BYTES).status_code == 302
    attachment = Attachment.objects.get(project=project)
    # The head of the project's workgroup reads it but may not change the unit's project.
    client.force_login(personas["head_a"])
    assert client.get(attachment.get_absolute_url()).status_code == 200
    assert upload(client, url, "دیگر.pdf", PDF_BYTES).status_code == 403
    assert client.post(reverse("workgroups:attachment-delete", args=[attachment.pk])).status_code == 403
    client.force_login(personas["head_b"])
    assert client.get(attachment.get_absolute_url()).status_code == 404
    assert client.post(reverse("workgroups:attachment-delete", args=[attachment.pk])).status_code == 404
    client.force_login(personas["expert"])
    response = client.post(reverse("workgroups:attachment-delete", args=[attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert AuditEntry.objects.filter(action="attachment.delete", project=project).exists()


def test_a_submitted_list_freezes_its_attachments_and_its_snapshot_carries_their_sha256(
    client, personas, media
):
    civil = Workgroup.objects.get(slug="civil")
    cycle = Cycle.objects.get(fiscal_year=1399)
    list_url = reverse("workgroups:list-attachments", args=["civil", "priorities"]) + "?cycle=1399"
    meeting = Meeting.objects.create(workgroup=civil, cycle=cycle, held_on="2019-12-01")
    meeting_url = reverse("workgroups:meeting-attachments", args=[meeting.pk])
    client.force_login(personas["head_a"])
    assert upload(client, list_url, "صورتجلسه.pdf", PDF_BYTES).status_code == 302
    assert upload(client, meeting_url, "نقشه.png", PNG_BYTES).status_code == 302
    enclosure = Attachment.objects.get(share__workgroup=civil, list_kind="priorities")

    submission = submissions.submission_submit(
        workgroup=civil, cycle=cycle, kind="priorities", user=personas["head_a"]
    )
    recorded = {(a["name"], a["sha256"]) for a in submission.snapshot["attachments"]}
    assert recorded == {
        ("صورتجلسه.pdf", hashlib.sha256(PDF_BYTES).hexdigest()),
        ("نقشه.png", hashlib.sha256(PNG_BYTES).hexdigest()),
    }
    # The checksum covers them: the same list with another file would not match.
    changed = {**submission.snapshot, "attachments": submission.snapshot["attachments"][:1]}
    assert snapshot_checksum(changed) != submission.checksum

    # Frozen: neither the list's nor its meetings' files may be added or removed (423, nothing changes).
    response = upload(client, list_url, "دیگر.pdf", PDF_BYTES)
    assert response.status_code == 423
    assert upload(client, meeting_url, "دیگر.pdf", PDF_BYTES).status_code == 423
    response = client.post(reverse("workgroups:attachment-delete", args=[enclosure.pk]), follow=True)
    assert "ارسال شده است" in response.content.decode()
    assert Attachment.objects.count() == 2
    assert (media / enclosure.file.name).exists()
    page = client.get(list_url).content.decode()
    assert "بارگذاری" not in page  # no upload form on a frozen list
    assert (
        submissions.current_checksum(workgroup=civil, cycle=cycle, kind="priorities") == submission.checksum
    )

    # Returned, the list reopens and so do its files.
    submissions.submission_return(submission=submission, user=personas["office"], reason="اصلاح")
    response = client.post(reverse("workgroups:attachment-delete", args=[enclosure.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=enclosure.pk).exists()
