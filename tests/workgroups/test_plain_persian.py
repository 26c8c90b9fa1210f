"""What clerks read is Persian: audit actions by name in the admin's list and filter, no JSON
button on the dashboard, a checksum people can read out, unit names (not codes) on a submission."""

import pathlib
import re

import pytest

from programs.models import Unit
from workgroups import submissions
from workgroups.models import AuditEntry, Deadline

pytestmark = pytest.mark.django_db


def test_every_recorded_action_has_a_persian_name(personas, civil, current_cycle, rank_all, client):
    rank_all(civil, current_cycle)
    submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=Deadline.Kind.PRIORITIES, user=personas["head_a"]
    )
    AuditEntry.objects.record(actor=None, action="ranking.save", summary="x", workgroup=civil)
    AuditEntry.objects.record(actor=None, action="export.coded_list", summary="y")
    client.force_login(personas["admin"])
    page = client.get("/admin/workgroups/auditentry/").content.decode()
    assert "ذخیره ترتیب فهرست" in page and "خروجی اکسل فهرست کدگذاری‌شده" in page
    # Neither the list's column nor the filter shows a stored name such as ranking.save.
    assert not re.search(r">\s*(ranking\.save|export\.coded_list|submission\.submit)\s*<", page)
    assert "?action=ranking.save" in page  # the filter still selects by the stored name


def test_actions_written_by_the_code_all_have_labels():
    root = pathlib.Path(__file__).resolve().parents[2]
    written = set()
    for path in [*root.glob("workgroups/**/*.py"), *root.glob("programs/**/*.py")]:
        written |= set(re.findall(r'\baction="([a-z_]+(?:\.[a-z_]+)?)"', path.read_text()))
    written -= {"store_true", "store_false"}
    assert written and written <= set(AuditEntry.ACTION_LABELS)


def test_dashboard_has_no_json_button(client, personas, demo):
    client.force_login(personas["office"])
    assert "JSON" not in client.get("/office/").content.decode()


def test_submission_page_shows_unit_names_and_a_readable_checksum(
    client, personas, civil, current_cycle, rank_all
):
    rank_all(civil, current_cycle)
    submission = submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=Deadline.Kind.PRIORITIES, user=personas["head_a"]
    )
    client.force_login(personas["office"])
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    table = page.split('class="table snapshot"', 1)[1]
    for item in submission.projects:
        assert f"<td>{Unit.objects.get(code=item['unit']).name}</td>" in table
    assert not re.search(r"<td>\s*(<bdi[^>]*>)?\s*[A-Z]\d{1,2}\s*(</bdi>)?\s*</td>", table)
    assert "SHA-256" not in page
    assert submission.checksum_short in page and len(submission.checksum_short) == 19
