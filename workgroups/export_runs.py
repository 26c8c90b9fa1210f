"""The budget office's whole-cycle Excel export, built in the background (docs/performance.md,
"The office export").

Every workgroup's list and the consolidated sheet is about 0.5 ms of CPU a project: a second at
2,000 projects, half a minute at 50,000, so it cannot be a web request that answers in 300 ms (or,
at the larger sizes, at all within gunicorn's timeout). The office's button records an `ExportRun`
and enqueues `build_cycle_export` (workgroups/background.py: one run at a time per person and
cycle; asking again while one waits or is built joins it). The worker writes the file with the
same `export_coded_list` as the command and the workgroup's own export, audited the same way, and
keeps it under MEDIA_ROOT for the person who asked; the page polls its progress and offers the file
once it is ready. Files are kept a day, then removed by the next build. A run is never shared
between people: the audit trail names who exported.
"""

import datetime
import tempfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from karaj_budget.jalali import persian_digits
from workgroups import background
from workgroups.exporting import export_coded_list
from workgroups.models import ExportRun

State = ExportRun.State
KEEP_FILES_FOR = datetime.timedelta(days=1)
FAILED_MESSAGE = "ساختن فایل با خطا متوقف شد؛ دوباره درخواست کنید یا با پشتیبانی تماس بگیرید."
MESSAGES = {
    State.QUEUED: "درخواست خروجی در صف است و به‌زودی ساخته می‌شود.",
    State.RUNNING: "در حال ساختن فایل: {done} از {total} پروژه ({percent}٪)",
}


def active_run(*, cycle, user):
    return background.active_run(ExportRun, _scope(cycle, user))


def export_run_start(*, cycle, user):
    """Queue a whole-cycle export for `user`, or return the one of theirs already waiting or built.

    Returns (run, started): `started` is False when an earlier request's run was joined.
    """
    return background.run_start(ExportRun, build_cycle_export, scope=_scope(cycle, user))


def _scope(cycle, user):
    """One export at a time per person and cycle (the model's partial unique constraint)."""
    return {"cycle": cycle, "requested_by": user}


@task()
def build_cycle_export(run_pk):
    """The worker's side: write the workbook to a temporary file, then store it on the run."""
    run = background.run_claim(ExportRun, run_pk, "cycle", "requested_by")
    if run is None:
        return None
    remove_old_files(now=timezone.now())
    stored = None
    try:
        # A large workbook spills to disk instead of staying in the worker's memory.
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as output:
            rows = export_coded_list(
                cycle=run.cycle, user=run.requested_by, output=output, progress=background.run_progress(run)
            )
            size = output.tell()
            output.seek(0)
            stored = default_storage.save(export_path_for(run), File(output))
    except Exception:
        if stored is not None:
            default_storage.delete(stored)
        background.run_failed(run, FAILED_MESSAGE)
        raise
    if not background.run_done(run, file=stored, size=size, rows=rows, done=rows, total=rows):
        default_storage.delete(stored)  # given up as lost while it was built: nobody will fetch it
        return None
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
    """What the office's page shows and polls (JSON-ready, Persian digits), with the file's link
    once it is ready."""
    status = background.run_status(
        run,
        {
            **MESSAGES,
            State.DONE: persian_digits(f"فایل آماده است: {run.rows} پروژه."),
            State.FAILED: run.summary or FAILED_MESSAGE,
        },
    )
    done = run.state == State.DONE
    return {
        "id": run.pk,
        **status,
        "download_url": reverse("workgroups:export-run-download", args=[run.pk]) if done else None,
    }


def recent_runs(*, cycle, user, limit=10):
    return list(ExportRun.objects.filter(cycle=cycle, requested_by=user).select_related("cycle")[:limit])
