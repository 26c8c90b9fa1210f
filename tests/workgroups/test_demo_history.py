"""seed_demo's history of the 1399 round: both lists of every workgroup submitted with a meeting,
papers and letter numbers, and accepted; one priorities list returned once and sent again; and
nothing added when seed_demo runs again."""

import io

import pytest
from django.core.management import call_command

from workgroups.demo_history import RETURNED
from workgroups.models import Attachment, AuditEntry, Cycle, Meeting, Submission, Workgroup

pytestmark = pytest.mark.django_db


def test_the_1399_round_is_there_as_it_happened_and_seeding_again_adds_nothing(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    cycle = Cycle.objects.get(fiscal_year=1399)
    for workgroup in Workgroup.objects.all():
        lists = Submission.objects.filter(cycle=cycle, workgroup=workgroup)
        for kind in ("priorities", "coding"):
            latest = lists.filter(kind=kind).order_by("-number").first()
            assert latest.state == Submission.State.ACCEPTED, (workgroup.slug, kind)
            assert latest.verify()
            assert latest.letter_number.startswith("9812/") and latest.letter_date is not None
            # The meeting's signed minutes go with both lists; the map with the priorities.
            names = {a["name"] for a in latest.snapshot["attachments"]}
            assert "صورتجلسه امضاشده.pdf" in names
            assert ("نقشه محدوده پروژه‌ها.png" in names) == (kind == "priorities")
        assert all(item["program_code"] for item in lists.get(kind="coding").projects)
        assert Meeting.objects.filter(workgroup=workgroup, cycle=cycle).count() == 1
    returned = Submission.objects.filter(cycle=cycle, workgroup__slug=RETURNED, kind="priorities")
    assert list(returned.order_by("number").values_list("state", flat=True)) == ["returned", "accepted"]
    for attachment in Attachment.objects.all():
        assert (tmp_path / attachment.file.name).read_bytes()[:4] in (b"%PDF", b"\x89PNG")

    before = (Submission.objects.count(), Attachment.objects.count(), AuditEntry.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Submission.objects.count(), Attachment.objects.count(), AuditEntry.objects.count()) == before
