"""Whole-cycle overlap detection in the background: the office's button queues one run per cycle,
the worker runs it with visible progress, the page and its JSON report it, a large import queues
one instead of comparing inline, and a real `db_worker` process runs a queued run."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import run_worker_once
from workgroups.models import Cycle, OverlapPair, OverlapRun, Project
from workgroups.overlaps import runs
from workgroups.overlaps.runs import refresh_cycle_overlaps

State = OverlapRun.State


@pytest.fixture
def cycle(demo):
    return Cycle.objects.current()


def test_one_run_at_a_time_per_cycle(cycle, personas):
    first, started = runs.overlap_run_start(cycle=cycle, user=personas["office"])
    again, started_again = runs.overlap_run_start(cycle=cycle, user=personas["office"])
    assert started and not started_again and again == first
    other, started_other = runs.overlap_run_start(cycle=Cycle.objects.get(fiscal_year=1399))
    assert started_other and other != first
    refresh_cycle_overlaps.call(first.pk)
    first.refresh_from_db()
    assert first.state == State.DONE
    _third, started_third = runs.overlap_run_start(cycle=cycle)
    assert started_third  # the cycle's earlier run has ended: a new one may start


def test_the_run_is_enqueued_once_committed(cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = runs.overlap_run_start(cycle=cycle)
    run.refresh_from_db()
    queued = DBTaskResult.objects.get(id=run.task_id)
    assert queued.task_path.endswith("refresh_cycle_overlaps") and queued.args_kwargs["args"] == [run.pk]


def test_the_worker_reports_progress_and_the_result(cycle, personas):
    OverlapPair.objects.filter(cycle=cycle).delete()
    run, _ = runs.overlap_run_start(cycle=cycle, user=personas["office"])
    seen = []
    original = runs.overlaps_refresh

    def watched(**kwargs):
        progress = kwargs["progress"]
        kwargs["progress"] = lambda done, total: (progress(done, total), seen.append(_state(run)))
        return original(**kwargs)

    runs.overlaps_refresh = watched
    try:
        result = refresh_cycle_overlaps.call(run.pk)
    finally:
        runs.overlaps_refresh = original
    active = Project.objects.filter(cycle=cycle).active().count()
    assert seen[0] == (State.RUNNING, 0, active) and seen[-1] == (State.RUNNING, active, active)
    run.refresh_from_db()
    assert run.state == State.DONE and run.finished_at is not None
    assert result["created"] == OverlapPair.objects.filter(cycle=cycle).count() >= 5
    assert "تداخل تازه" in run.summary
    assert refresh_cycle_overlaps.call(run.pk) is None  # delivered twice: run once


def _state(run):
    run = OverlapRun.objects.get(pk=run.pk)
    return (run.state, run.done, run.total)


def test_a_failed_run_says_so_and_frees_the_cycle(cycle, monkeypatch):
    run, _ = runs.overlap_run_start(cycle=cycle)
    monkeypatch.setattr(runs, "overlaps_refresh", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        refresh_cycle_overlaps.call(run.pk)
    run.refresh_from_db()
    assert run.state == State.FAILED and "خطا" in runs.overlap_run_status(run)["message"]
    assert runs.overlap_run_start(cycle=cycle)[1]


def test_a_lost_run_does_not_block_the_cycle(cycle):
    # Its worker stopped mid-way: half an hour later, asking again ends it and starts anew.
    run, _ = runs.overlap_run_start(cycle=cycle)
    OverlapRun.objects.filter(pk=run.pk).update(state=State.RUNNING, done=10, total=100)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        new, started = runs.overlap_run_start(cycle=cycle)
    run.refresh_from_db()
    assert started and new != run and run.state == State.FAILED and "ناتمام" in run.summary
    assert refresh_cycle_overlaps.call(run.pk) is None  # its task, delivered late, does nothing


def test_the_page_shows_progress_and_its_json_follows(client, personas, cycle):
    client.force_login(personas["office"])
    run, _ = runs.overlap_run_start(cycle=cycle)
    OverlapRun.objects.filter(pk=run.pk).update(state=State.RUNNING, done=250, total=1000)
    html = client.get(reverse("workgroups:overlap-queue")).content.decode()
    assert 'id="overlap-run"' in html and 'data-active="true"' in html
    assert "۲۵۰ از ۱۰۰۰ پروژه (۲۵٪)" in html
    assert "run_progress.js" in html
    state = client.get(reverse("workgroups:overlap-run-state"), {"cycle": cycle.fiscal_year}).json()
    assert state["active"] and state["percent"] == 25 and "۲۵٪" in state["message"]


@pytest.mark.parametrize("who, status", [("head_a", 403), ("expert", 403)])
def test_only_the_office_sees_the_run(client, personas, cycle, who, status):
    client.force_login(personas[who])
    assert client.get(reverse("workgroups:overlap-run-state")).status_code == status
    assert client.post(reverse("workgroups:overlap-refresh")).status_code == status
    assert not OverlapRun.objects.exists()


def test_a_large_import_queues_a_run_a_small_one_compares_at_once(cycle):
    projects = list(Project.objects.filter(cycle=cycle).active())
    few = runs.overlaps_after_import(cycle=cycle, projects=projects[:1])
    assert not OverlapRun.objects.exists() and few.open >= 0
    run, started = runs.overlaps_after_import(cycle=cycle, projects=projects)
    assert started and run.reason == "ورود پروژه‌ها از فایل" and run.state == State.QUEUED


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker process needs a database it can share with the test (DATABASE_URL=postgres://…)",
)
def test_a_real_worker_process_runs_the_queued_refresh(reseed_afterwards, transactional_db, demo, personas):
    cycle = Cycle.objects.current()
    OverlapPair.objects.filter(cycle=cycle).delete()
    run, started = runs.overlap_run_start(cycle=cycle, user=personas["office"])  # committed: enqueued
    assert started
    worker = run_worker_once()
    assert worker.returncode == 0, worker.stderr
    run.refresh_from_db()
    assert run.state == State.DONE, (run.state, worker.stderr)
    assert run.done == run.total == Project.objects.filter(cycle=cycle).active().count()
    assert OverlapPair.objects.filter(cycle=cycle).count() >= 5
    assert DBTaskResult.objects.get(id=run.task_id).status == "SUCCESSFUL"
