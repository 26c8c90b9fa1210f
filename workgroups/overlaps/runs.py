"""Whole-cycle overlap detection in the background (docs/performance.md, "Overlaps").

Comparing every project of a cycle with every other takes seconds at 5,000 projects and minutes
at 20,000, longer than a web request may take. The office's button (and a large projects import)
therefore records an `OverlapRun` and enqueues `refresh_cycle_overlaps` on Django's tasks API;
the worker (`manage.py db_worker`, started by `make run`, its own service in production) runs it,
writing its progress on the run, which the office's page polls. One run at a time per cycle:
asking while one waits or runs joins it (a partial unique constraint on the run, so two requests
at the same moment cannot both start one).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from karaj_budget.jalali import persian_digits
from workgroups.models import OverlapRun, Project
from workgroups.overlaps.detection import is_few
from workgroups.overlaps.services import overlaps_refresh

State = OverlapRun.State


def overlap_run_start(*, cycle, user=None, reason=""):
    """Queue a whole-cycle refresh for `cycle`, or return the one already waiting or running.

    Returns (run, started): `started` is False when an earlier request's run was joined.
    """
    active = OverlapRun.objects.filter(cycle=cycle, state__in=OverlapRun.ACTIVE).first()
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            run = OverlapRun.objects.create(cycle=cycle, requested_by=user, reason=reason[:200])
    except IntegrityError:  # another request started one a moment ago
        return OverlapRun.objects.get(cycle=cycle, state__in=OverlapRun.ACTIVE), False
    # Enqueued once the run is committed, so the worker can never look for a run not yet there.
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run, True


def _enqueue(run_pk):
    result = refresh_cycle_overlaps.enqueue(run_pk)
    OverlapRun.objects.filter(pk=run_pk).update(task_id=str(result.id))


@task()
def refresh_cycle_overlaps(run_pk):
    """The worker's side: detect and store the cycle's overlaps, reporting progress on the run."""
    claimed = OverlapRun.objects.filter(pk=run_pk, state=State.QUEUED).update(state=State.RUNNING)
    if not claimed:
        return None  # already run (a task delivered twice) or gone
    run = OverlapRun.objects.select_related("cycle", "requested_by").get(pk=run_pk)

    def progress(done, total):
        OverlapRun.objects.filter(pk=run_pk).update(done=done, total=total)

    try:
        result = overlaps_refresh(cycle=run.cycle, user=run.requested_by, progress=progress)
    except Exception:
        OverlapRun.objects.filter(pk=run_pk).update(
            state=State.FAILED,
            summary="بررسی تداخل‌ها با خطا متوقف شد؛ دوباره تلاش کنید یا با پشتیبانی تماس بگیرید.",
            finished_at=timezone.now(),
        )
        raise
    OverlapRun.objects.filter(pk=run_pk).update(
        state=State.DONE, summary=result.summary_fa(), finished_at=timezone.now()
    )
    return vars(result)


def overlap_run_status(run):
    """What the office's page shows and polls (JSON-ready, Persian digits)."""
    if run is None:
        return {"state": None}
    messages = {
        State.QUEUED: "بررسی تداخل‌ها در صف است و به‌زودی آغاز می‌شود.",
        State.RUNNING: persian_digits(
            f"در حال بررسی تداخل‌ها: {run.done} از {run.total} پروژه ({run.percent}٪)"
        ),
        State.DONE: f"بررسی تداخل‌ها پایان یافت: {run.summary}.",
        State.FAILED: run.summary,
    }
    return {
        "state": run.state,
        "active": run.is_active,
        "done": run.done,
        "total": run.total,
        "percent": run.percent,
        "message": messages[run.state],
    }


def latest_run(cycle):
    return OverlapRun.objects.filter(cycle=cycle).order_by("-created_at", "-pk").first()


def overlaps_after_import(*, cycle, projects, user=None):
    """Look for overlaps of imported projects: a few are compared with the cycle at once; when the
    import touched much of the cycle, the whole cycle is looked at in the background instead."""
    touched = {getattr(p, "pk", p) for p in projects}
    if not touched:
        return None
    active = Project.objects.filter(cycle=cycle).active().count()
    if is_few(len(touched), active):
        return overlaps_refresh(cycle=cycle, projects=touched)
    return overlap_run_start(cycle=cycle, user=user, reason="ورود پروژه‌ها از فایل")
