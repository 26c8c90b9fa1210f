"""The office's whole-cycle export, built in the background: the button queues one build per person
and cycle, the worker writes the same workbook as the command (audited the same way) with visible
progress, the page and its JSON follow it, only the person who asked fetches the file, files are
kept a day, a lost build does not block the next, and a real `db_worker` process builds one."""

import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from tests.conftest import run_worker_once
from workgroups import export_runs
from workgroups.export_runs import build_cycle_export
from workgroups.exporting import export_coded_list
from workgroups.models import AuditEntry, Cycle, ExportRun, Project

State = ExportRun.State


@pytest.fixture
def cycle(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Cycle.objects.get(fiscal_year=1399)


def _values(data):
    """Every sheet's cells but the cover's export time (it differs by run)."""
    workbook = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [row for row in sheet.iter_rows(values_only=True) if not _stamp(row)]
        for sheet in workbook.worksheets
    }


def _stamp(row):
    return bool(row) and row[0] == "تاریخ تهیه"


def test_one_build_at_a_time_per_person_and_cycle(cycle, personas):
    first, started = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    again, started_again = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    assert started and not started_again and again == first
    # Another person, or another cycle, gets a build of their own.
    theirs, started_theirs = export_runs.export_run_start(cycle=cycle, user=personas["admin"])
    other, started_other = export_runs.export_run_start(
        cycle=Cycle.objects.current(), user=personas["office"]
    )
    assert started_theirs and started_other and len({first.pk, theirs.pk, other.pk}) == 3
    build_cycle_export.call(first.pk)
    first.refresh_from_db()
    assert first.state == State.DONE
    assert export_runs.export_run_start(cycle=cycle, user=personas["office"])[1]


def test_the_build_is_enqueued_once_committed(cycle, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    run.refresh_from_db()
    queued = DBTaskResult.objects.get(id=run.task_id)
    assert queued.task_path.endswith("build_cycle_export") and queued.args_kwargs["args"] == [run.pk]


def test_the_worker_writes_the_same_workbook_as_the_command_and_audits_it(cycle, personas):
    run, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    result = build_cycle_export.call(run.pk)
    run.refresh_from_db()
    projects = Project.objects.filter(cycle=cycle).count()
    assert run.state == State.DONE and run.finished_at is not None
    assert result["rows"] == run.rows == run.done == run.total == projects
    with run.file.open("rb") as stored:
        built = stored.read()
    assert run.size == len(built) and built.startswith(b"PK")
    assert run.file.name.startswith("exports/") and run.file.name.endswith(".xlsx")
    direct = io.BytesIO()
    export_coded_list(cycle=cycle, user=personas["office"], output=direct)
    assert _values(built) == _values(direct.getvalue())
    audit = AuditEntry.objects.filter(action="export.coded_list", actor=personas["office"]).order_by("pk")
    assert audit.count() == 2 and audit.first().details == {"workgroup": None, "rows": projects}
    assert build_cycle_export.call(run.pk) is None  # delivered twice: built once
    assert audit.count() == 2


def test_the_build_reports_its_progress(cycle, personas, monkeypatch):
    run, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    monkeypatch.setattr("workgroups.exporting.PROGRESS_EVERY", 7)
    seen = []
    original = export_runs.export_coded_list

    def watched(**kwargs):
        report = kwargs["progress"]

        def progress(done, total):
            report(done, total)
            stored = ExportRun.objects.get(pk=run.pk)
            seen.append((stored.state, stored.done, stored.total))

        return original(**{**kwargs, "progress": progress})

    monkeypatch.setattr(export_runs, "export_coded_list", watched)
    build_cycle_export.call(run.pk)
    projects = Project.objects.filter(cycle=cycle).count()
    assert seen[0] == (State.RUNNING, 0, projects)
    assert [done for _state, done, _total in seen[1:]] == list(range(7, projects + 1, 7))
    assert export_runs.export_run_status(ExportRun(state=State.RUNNING, done=250, total=1000))["message"] == (
        "در حال ساختن فایل: ۲۵۰ از ۱۰۰۰ پروژه (۲۵٪)"
    )


def test_a_failed_build_says_so_keeps_no_file_and_frees_the_person(cycle, personas, monkeypatch):
    run, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])

    def broken(**kwargs):
        kwargs["output"].write(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_runs, "export_coded_list", broken)
    with pytest.raises(RuntimeError):
        build_cycle_export.call(run.pk)
    run.refresh_from_db()
    assert run.state == State.FAILED and not run.file
    assert "خطا" in export_runs.export_run_status(run)["message"]
    assert export_runs.export_run_start(cycle=cycle, user=personas["office"])[1]


def test_a_lost_build_does_not_block_the_next(cycle, personas):
    run, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    ExportRun.objects.filter(pk=run.pk).update(state=State.RUNNING)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=29)):
        assert export_runs.export_run_start(cycle=cycle, user=personas["office"]) == (
            ExportRun.objects.get(pk=run.pk),
            False,
        )
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        new, started = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    run.refresh_from_db()
    assert started and new != run
    assert run.state == State.FAILED and "ناتمام" in run.summary
    assert build_cycle_export.call(run.pk) is None  # the lost task, delivered late, builds nothing


def test_files_are_kept_a_day(cycle, personas):
    old, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    build_cycle_export.call(old.pk)
    old.refresh_from_db()
    storage = old.file.storage
    assert storage.exists(old.file.name)
    with time_machine.travel(old.finished_at + datetime.timedelta(hours=23)):
        new, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
        build_cycle_export.call(new.pk)
    assert storage.exists(old.file.name)  # younger than a day: kept
    with time_machine.travel(old.finished_at + datetime.timedelta(hours=25)):
        newer, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
        build_cycle_export.call(newer.pk)
    assert not ExportRun.objects.filter(pk=old.pk).exists() and not storage.exists(old.file.name)
    assert ExportRun.objects.filter(pk__in=[new.pk, newer.pk], state=State.DONE).count() == 2


def test_the_dashboard_button_queues_a_build_and_the_page_follows_it(client, personas, cycle):
    client.force_login(personas["office"])
    dashboard = client.get(reverse("workgroups:office-home"), {"cycle": 1399}).content.decode()
    assert f'action="{reverse("workgroups:export-run-list")}?cycle=1399"' in dashboard
    response = client.post(f"{reverse('workgroups:export-run-list')}?cycle=1399")
    assert response.status_code == 302 and response["Location"].endswith("/office/exports/?cycle=1399")
    run = ExportRun.objects.get()
    assert (run.cycle, run.requested_by, run.state) == (cycle, personas["office"], State.QUEUED)
    page = client.get(response["Location"]).content.decode()
    assert 'id="export-run"' in page and "run_progress.js" in page and "در صف" in page
    assert "ساختن فایل آغاز شد" in page
    # Asking again while it waits joins it.
    client.post(f"{reverse('workgroups:export-run-list')}?cycle=1399")
    assert ExportRun.objects.count() == 1
    state = client.get(reverse("workgroups:export-run-state", args=[run.pk])).json()
    assert state["active"] and state["download_url"] is None

    build_cycle_export.call(run.pk)
    state = client.get(reverse("workgroups:export-run-state", args=[run.pk])).json()
    assert state["state"] == "done" and not state["active"]
    assert state["download_url"] == reverse("workgroups:export-run-download", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="export-run"' not in page and "run_progress.js" not in page
    assert f'href="{state["download_url"]}"' in page and "دریافت فایل" in page

    download = client.get(state["download_url"])
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    disposition = download["Content-Disposition"]
    assert (
        disposition.startswith('attachment; filename="coded-list-1399-all-')
        and "filename*=utf-8''" in disposition
    )
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert workbook.sheetnames[:2] == ["خلاصه", "فهرست تلفیقی"]


def test_only_the_person_who_asked_fetches_the_file(client, personas, cycle):
    run, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    build_cycle_export.call(run.pk)
    client.force_login(personas["admin"])  # office rights, but not the one who asked
    assert client.get(reverse("workgroups:export-run-download", args=[run.pk])).status_code == 404
    assert client.get(reverse("workgroups:export-run-state", args=[run.pk])).status_code == 404
    assert (
        "دریافت فایل"
        not in client.get(reverse("workgroups:export-run-list"), {"cycle": 1399}).content.decode()
    )


def test_a_file_no_longer_kept_says_so(client, personas, cycle):
    run, _ = export_runs.export_run_start(cycle=cycle, user=personas["office"])
    build_cycle_export.call(run.pk)
    run.refresh_from_db()
    run.file.storage.delete(run.file.name)  # e.g. the files were restored from a backup without it
    client.force_login(personas["office"])
    response = client.get(reverse("workgroups:export-run-download", args=[run.pk]), follow=True)
    assert response.redirect_chain[-1][0].endswith("/office/exports/?cycle=1399")
    assert "دیگر نگه داشته نمی‌شود" in response.content.decode()


@pytest.mark.parametrize("who", ["head_a", "member_a", "expert"])
def test_only_the_office_asks(client, personas, cycle, who):
    client.force_login(personas[who])
    assert client.post(reverse("workgroups:export-run-list")).status_code == 403
    assert client.get(reverse("workgroups:export-run-list")).status_code == 403
    assert not ExportRun.objects.exists()


def test_asking_counts_against_the_export_limit(client, personas, cycle, monkeypatch):
    from workgroups.views import exports

    monkeypatch.setattr(exports, "EXPORTS_PER_MINUTE", 1)
    client.force_login(personas["office"])
    url = f"{reverse('workgroups:export-run-list')}?cycle=1399"
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302  # joins the one waiting: not a new export
        build_cycle_export.call(ExportRun.objects.get().pk)
        limited = client.post(url)
    assert limited.status_code == 429 and "در هر دقیقه" in limited.content.decode()
    assert 'href="/office/exports/?cycle=1399"' in limited.content.decode()
    assert ExportRun.objects.count() == 1


def test_the_old_address_leads_to_the_page_and_one_list_still_streams(client, personas, cycle):
    client.force_login(personas["office"])
    response = client.get("/office/export/", {"cycle": "1399"})
    assert response.status_code == 302 and response["Location"].endswith("/office/exports/?cycle=1399")
    one = client.get("/office/export/", {"cycle": "1399", "workgroup": "transport"})
    assert one.status_code == 200 and b"".join(one.streaming_content).startswith(b"PK")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker process needs a database it can share with the test (DATABASE_URL=postgres://…)",
)
def test_a_real_worker_process_builds_the_export(
    reseed_afterwards, transactional_db, demo, personas, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    cycle = Cycle.objects.get(fiscal_year=1399)
    run, started = export_runs.export_run_start(cycle=cycle, user=personas["office"])  # committed: enqueued
    assert started
    worker = run_worker_once(KARAJ_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    assert worker.returncode == 0, worker.stderr
    run.refresh_from_db()
    assert run.state == State.DONE, (run.state, worker.stderr)
    assert run.rows == Project.objects.filter(cycle=cycle).count()
    with run.file.open("rb") as stored:  # written by the worker, read here: one MEDIA_ROOT
        assert load_workbook(stored).sheetnames[:2] == ["خلاصه", "فهرست تلفیقی"]
    assert DBTaskResult.objects.get(id=run.task_id).status == "SUCCESSFUL"
