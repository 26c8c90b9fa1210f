"""Admin import previews live in the database: any app server confirms them, without parsing the
file again; they are bound to their user and expire, and a command removes the expired ones."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from programs.importing import sheets
from programs.models import ImportPreview, ProgramCode

from .workbooks import xlsx

pytestmark = pytest.mark.django_db

IMPORT = "/admin/programs/programcode/import/"
PROCESS = "/admin/programs/programcode/process_import/"
ROWS = [["کد", "عنوان"], ["9", "الف"], ["9-1", "ب"]]


def upload(client, rows):
    workbook = xlsx(rows)
    workbook.name = "codes.xlsx"
    return client.post(IMPORT, {"import_file": workbook})


def test_confirm_on_another_server_without_the_file_and_without_parsing_it_again(personas, monkeypatch):
    # Two clients with the same account stand for two app servers: nothing but the database is shared
    # (the session is copied as a browser would send its cookie to either server).
    first = Client()
    first.force_login(personas["office"])
    token = upload(first, ROWS).context["token"]
    preview = ImportPreview.objects.get(token=token)
    assert preview.user == personas["office"] and len(preview.table["rows"]) == 2

    def no_parsing(*args, **kwargs):
        raise AssertionError("the confirm parsed the file again")

    monkeypatch.setattr(sheets, "read_table", no_parsing)
    second = Client()
    second.cookies = first.cookies
    response = second.post(PROCESS, {"import_file_name": token})
    assert response.status_code == 302
    assert ProgramCode.objects.get(code="9-1").parent.code == "9"
    assert not ImportPreview.objects.exists()


def test_confirm_validates_again_against_the_database_of_now(client, personas):
    client.force_login(personas["office"])
    token = upload(client, ROWS).context["token"]
    ProgramCode.objects.create(code="9", title="پیش از تأیید", level=1)
    ProgramCode.objects.create(
        code="9-1", title="پیش از تأیید", level=2, parent=ProgramCode.objects.get(code="9")
    )
    response = client.post(PROCESS, {"import_file_name": token})
    assert response.status_code == 302
    assert ProgramCode.objects.get(code="9").title == "الف"


def test_an_expired_preview_cannot_be_confirmed_and_is_cleaned_up(client, personas):
    client.force_login(personas["office"])
    token = upload(client, ROWS).context["token"]
    fresh = upload(client, [["کد", "عنوان"], ["8", "ج"]]).context["token"]
    ImportPreview.objects.filter(token=token).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.post(PROCESS, {"import_file_name": token})
    assert response.status_code == 400 and not ProgramCode.objects.filter(code="9").exists()
    call_command("clear_import_previews")
    assert list(ImportPreview.objects.values_list("token", flat=True)) == [fresh]


def test_a_preview_with_errors_is_not_kept(client, personas):
    client.force_login(personas["office"])
    assert upload(client, [["کد", "عنوان"], ["5O1", "الف"]]).context["token"] is None
    assert not ImportPreview.objects.exists()
