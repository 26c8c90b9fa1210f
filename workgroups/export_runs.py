"""The budget office's whole-cycle Excel export, built in the background (docs/performance.md,
"The office export").

Every workgroup's list and the consolidated sheet is about 0.5 ms of CPU a project: a second at
2,000 projects, half a minute at 50,000, so it cannot be a web request that answers in 300 ms (or,
at the larger sizes, at all within gunicorn's timeout). The office's button records an `ExportRun`
and enqueues `build_cycle_export` on Django's tasks API, as the overlap refresh does; the worker
writes the file (the same `export_coded_list` as the command and the workgroup's own export, audited
the same way) and keeps it under MEDIA_ROOT for the person who asked; the page polls its progress
and offers the file once it is ready. Files are kept a day, then removed by the next build.

One run at a time per person and cycle (a partial unique constraint): asking again while one waits
or is built joins it. A run is never shared between people: the audit trail names who exported.
"""

import datetime
import tempfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from karaj_budget.jalali import persian_digits
from workgroups.exporting import export_coded_list
from workgroups.models import ExportRun

State = ExportRun.State
KEEP_FILES_FOR = datetime.timedelta(days=1)
# A run waiting or under way for longer than this was lost (its worker stopped mid-way, or no
# worker ran): asking again ends it as failed and starts anew, instead of joining it for ever.
LOST_AFTER = datetime.timedelta(minutes=30)
FAILED_MESSAGE = "ساختن فایل با خطا متوقف شد؛ دوباره درخواست کنید یا با پشتیبانی تماس بگیرید."
LOST_MESSAGE = "ساختن فایل ناتمام ماند (کارگزار پس‌زمینه در دسترس نبود)؛ دوباره درخواست کنید."


def active_run(*, cycle, user):
    return ExportRun.objects.filter(cycle=cycle, requested_by=user, state__in=ExportRun.ACTIVE).first()


def export_run_start(*, cycle, user):
    """Queue a whole-cycle export for `user`, or return the one of theirs already waiting or built.

    Returns (run, started): `started` is False when an earlier request's run was joined.
    """
    active = active_run(cycle=cycle, user=user)
    if active is not None:
        if active.created_at >= timezone.now() - LOST_AFTER:
            return active, False
        ExportRun.objects.filter(pk=active.pk, state__in=ExportRun.ACTIVE).update(
            state=State.FAILED, summary=LOST_MESSAGE, finished_at=timezone.now()
        )
    try:
        with transaction.atomic():
            run = ExportRun.objects.create(cycle=cycle, requested_by=user)
    except IntegrityError:  # the same person's other tab started one a moment ago
        return active_run(cycle=cycle, user=user), False
    # Enqueued once the run is committed, so the worker can never look for a run not yet there.
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run, True


def _enqueue(run_pk):
    result = build_cycle_export.enqueue(run_pk)
    ExportRun.objects.filter(pk=run_pk).update(task_id=str(result.id))


@task()
def build_cycle_export(run_pk):
    """The worker's side: write the workbook to a temporary file, then store it on the run."""
    claimed = ExportRun.objects.filter(pk=run_pk, state=State.QUEUED).update(state=State.RUNNING)
    if not claimed:
        return None  # already built (a task delivered twice) or gone
    run = ExportRun.objects.select_related("cycle", "requested_by").get(pk=run_pk)
    remove_old_files(now=timezone.now())

    def progress(done, total):
        ExportRun.objects.filter(pk=run_pk).update(done=done, total=total)

    stored = None
    try:
        # A large workbook spills to disk instead of staying in the worker's memory.
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as output:
            rows = export_coded_list(cycle=run.cycle, user=run.requested_by, output=output, progress=progress)
            size = output.tell()
            output.seek(0)
            stored = default_storage.save(export_path_for(run), File(output))
        ExportRun.objects.filter(pk=run_pk).update(
            state=State.DONE,
            file=stored,
            size=size,
            rows=rows,
            done=rows,
            total=rows,
            finished_at=timezone.now(),
        )
    except Exception:
        if stored is not None:
            default_storage.delete(stored)
        ExportRun.objects.filter(pk=run_pk).update(
            state=State.FAILED, summary=FAILED_MESSAGE, finished_at=timezone.now()
        )
        raise
    return {"rows": rows, "size": size}


def export_path_for(run):
    return ExportRun._meta.get_field("file").generate_filename(run, "export.xlsx")


def remove_old_files(*, now):
    """Forget the runs that ended more than a day ago, and delete their files."""
    old = ExportRun.objects.filter(finished_at__lt=now - KEEP_FILES_FOR)
    for name in old.exclude(file="").values_list("file", flat=True):
        default_storage.delete(name)
    return old.delete()[0]


def file_exists(run):
    return bool(run.file) and default_storage.exists(run.file.name)


def export_run_status(run):
    """What the office's page shows and polls (JSON-ready, Persian digits)."""
    if run is None:
        return {"state": None}
    messages = {
        State.QUEUED: "درخواست خروجی در صف است و به‌زودی ساخته می‌شود.",
        State.RUNNING: persian_digits(
            f"در حال ساختن فایل: {run.done} از {run.total} پروژه ({run.percent}٪)"
            if run.total
            else "در حال ساختن فایل…"
        ),
        State.DONE: persian_digits(f"فایل آماده است: {run.rows} پروژه."),
        State.FAILED: run.summary or FAILED_MESSAGE,
    }
    return {
        "id": run.pk,
        "state": run.state,
        "active": run.is_active,
        "done": run.done,
        "total": run.total,
        "percent": run.percent,
        "message": messages[run.state],
        "download_url": reverse("workgroups:export-run-download", args=[run.pk])
        if run.state == State.DONE
        else None,
    }


def recent_runs(*, cycle, user, limit=10):
    return list(ExportRun.objects.filter(cycle=cycle, requested_by=user).select_related("cycle")[:limit])
