"""The life of a `BackgroundRun`, one home for every kind (overlaps/runs.py, export_runs.py).

A request records a run and enqueues a task on Django's tasks API once the run is committed (so
the worker never looks for a run not yet there); `manage.py db_worker` claims it, reports its
progress on the row, and ends it done or failed; the office's page polls the run's state
(static/karaj_budget/run_progress.js). One at a time per scope: asking while a run of the same
scope waits or runs joins it, and a partial unique constraint stops two requests at the same
moment from both starting one. A run left waiting or running for LOST_AFTER was lost (its worker
stopped mid-way, or none ran): asking again ends it as failed and starts anew, and its task, if it
is ever delivered, finds nothing to claim.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from karaj_budget.jalali import persian_digits
from workgroups.models import BackgroundRun

State = BackgroundRun.State
LOST_AFTER = datetime.timedelta(minutes=30)
LOST_MESSAGE = "کار ناتمام ماند (کارگزار پس‌زمینه در دسترس نبود)؛ دوباره درخواست کنید."


def run_start(model, task, *, scope, **fields):
    """Queue `task(run.pk)` for a new `model` run of `scope` (a dict of fields), or return the one of
    that scope already waiting or running. Returns (run, started)."""
    active = active_run(model, scope)
    if active is not None:
        if active.created_at >= timezone.now() - LOST_AFTER:
            return active, False
        _end(active, state=State.FAILED, summary=LOST_MESSAGE)
    try:
        with transaction.atomic():
            run = model.objects.create(**scope, **fields)
    except IntegrityError:  # another request started one a moment ago
        return model.objects.get(**scope, state__in=model.ACTIVE), False
    transaction.on_commit(lambda: _enqueue(model, task, run.pk))
    return run, True


def active_run(model, scope):
    """The run of `scope` waiting or under way, or None."""
    return model.objects.filter(**scope, state__in=model.ACTIVE).first()


def _enqueue(model, task, pk):
    result = task.enqueue(pk)
    model.objects.filter(pk=pk).update(task_id=str(result.id))


def run_claim(model, pk, *related):
    """The worker's first step: the run, now running, or None when it already ran or ended (a task
    delivered twice, or late for a run given up as lost)."""
    if not model.objects.filter(pk=pk, state=State.QUEUED).update(state=State.RUNNING):
        return None
    return model.objects.select_related(*related).get(pk=pk)


def run_progress(run):
    """A `progress(done, total)` callback that writes how far the run is (one UPDATE a call)."""
    rows = type(run).objects.filter(pk=run.pk)
    return lambda done, total: rows.update(done=done, total=total)


def run_done(run, **fields):
    """End the run as done; False if it had been given up as lost meanwhile (then nothing changes)."""
    return _end(run, state=State.DONE, **fields)


def run_failed(run, summary):
    return _end(run, state=State.FAILED, summary=summary)


def _end(run, **fields):
    active = type(run).objects.filter(pk=run.pk, state__in=run.ACTIVE)
    return bool(active.update(finished_at=timezone.now(), **fields))


def run_status(run, messages):
    """What a page shows and polls (JSON-ready): `messages[state]` is the run's sentence, with the
    running one formatted with `done`, `total` and `percent` (Persian digits)."""
    message = messages[run.state]
    if run.state == State.RUNNING:
        message = persian_digits(message.format(done=run.done, total=run.total, percent=run.percent))
    return {
        "state": run.state,
        "active": run.is_active,
        "done": run.done,
        "total": run.total,
        "percent": run.percent,
        "message": message,
    }
