"""Whole-cycle overlap detection in the background (docs/performance.md, "Overlaps").

Comparing every project of a cycle with every other takes seconds at 5,000 projects and more at
20,000, longer than a web request may take. The office's button (and a large projects import)
therefore records an `OverlapRun` and enqueues `refresh_cycle_overlaps` (workgroups/background.py:
one run at a time per cycle; asking again while one waits or runs joins it); the worker runs it,
writing its progress on the run, which the office's page polls.
"""

from django_tasks import task

from workgroups import background
from workgroups.models import OverlapRun, Project
from workgroups.overlaps.detection import is_few
from workgroups.overlaps.services import overlaps_refresh

State = OverlapRun.State
FAILED_MESSAGE = "بررسی تداخل‌ها با خطا متوقف شد؛ دوباره تلاش کنید یا با پشتیبانی تماس بگیرید."
MESSAGES = {
    State.QUEUED: "بررسی تداخل‌ها در صف است و به‌زودی آغاز می‌شود.",
    State.RUNNING: "در حال بررسی تداخل‌ها: {done} از {total} پروژه ({percent}٪)",
}


def overlap_run_start(*, cycle, user=None, reason=""):
    """Queue a whole-cycle refresh for `cycle`, or return the one already waiting or running.

    Returns (run, started): `started` is False when an earlier request's run was joined.
    """
    return background.run_start(
        OverlapRun, refresh_cycle_overlaps, scope={"cycle": cycle}, requested_by=user, reason=reason[:200]
    )


@task()
def refresh_cycle_overlaps(run_pk):
    """The worker's side: detect and store the cycle's overlaps, reporting progress on the run."""
    run = background.run_claim(OverlapRun, run_pk, "cycle", "requested_by")
    if run is None:
        return None
    try:
        result = overlaps_refresh(
            cycle=run.cycle, user=run.requested_by, progress=background.run_progress(run)
        )
    except Exception:
        background.run_failed(run, FAILED_MESSAGE)
        raise
    background.run_done(run, summary=result.summary_fa())
    return vars(result)


def overlap_run_status(run):
    """What the office's page shows and polls (JSON-ready, Persian digits)."""
    if run is None:
        return {"state": None}
    return background.run_status(
        run,
        {
            **MESSAGES,
            State.DONE: f"بررسی تداخل‌ها پایان یافت: {run.summary}.",
            State.FAILED: run.summary or FAILED_MESSAGE,
        },
    )


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
