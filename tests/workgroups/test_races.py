"""Writes racing a submission, between separate app processes on one PostgreSQL: nothing lands
after the freeze.

A submission freezes a snapshot of the list; from then on the list must not change until the
budget office returns it, or the office reviews a list that is no longer what the workgroup has.
Every write of a list and the submit take the same row lock (`workgroups.locks.open_list`), so a
write racing the submit either lands first (and is in the snapshot) or waits for the lock and is
refused with the lock's message. With several app servers behind the proxy the row lock is the
only thing that serialises them, so these races run the way production does: two separate Python
processes, each a full Django app (middleware, views, services) with its own connection, fire
their requests at the same moment, many rounds in a row:

1. the head saves a new order on the ranking page / the head submits the priorities;
2. the head codes one project / the head submits the coded list;
3. a unit expert edits its project's requested amount / the head submits the priorities.

After every round the latest standing submission's snapshot must equal the list as it is now
(nothing landed after the freeze), the submit must have gone through, and a refused write must
say why (423 with the lock's Persian message, or 409 for a stale version). Which side wins is left
to the race: the head start of one request over the other follows a staircase that keeps the
rounds around the point where either can win (see `Stagger`), and the counts are printed
(`pytest -s`) but never asserted, since timing on a loaded machine is not something to fail a
build on.
"""

import json
import os
import queue
import subprocess
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from tests.conftest import database_url
from workgroups import coding, locks, ranking, submissions
from workgroups.forms import ProjectForm
from workgroups.models import Cycle, Deadline, Project, Submission, Workgroup, snapshot_checksum

ROOT = Path(__file__).resolve().parents[2]
Kind = Deadline.Kind

RANKING_URL = "/workgroups/civil/ranking/"
SUBMIT_URL = "/workgroups/civil/submissions/{kind}/submit/"
CODING_URL = "/workgroups/civil/coding/{pk}/"
EDIT_URL = "/projects/{pk}/edit/"

ROUNDS = 20

# Two valid leaf codes of each scheme for the civil workgroup in the demo's current cycle; a
# coding save flips a project from one pair to the other, so a write that landed shows.
CODE_PAIRS = (("4-1-2-01", "40301001"), ("4-1-1-01", "40101001"))

# One app process, for one signed-in person. Protocol on stdin/stdout, one JSON line each:
# it prints "ready" once signed in; then per round it reads a job, prints "armed", waits for the
# parent's "go" line (sent to both processes back to back), sleeps the job's delay, posts the
# request and prints the answer. It stops when the parent closes its stdin.
CHILD = r"""
import json, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()  # the test client's host name and the in-memory mail box, as in the suite
client = Client()
client.force_login(get_user_model().objects.get(username=sys.argv[1]))
print("ready", flush=True)
while True:
    line = sys.stdin.readline()
    if not line:
        break
    job = json.loads(line)
    print("armed", flush=True)
    if json.loads(sys.stdin.readline() or "null") != "go":
        break
    time.sleep(job["delay"])
    if "json" in job:
        response = client.post(job["url"], json.dumps(job["json"]), content_type="application/json")
    else:
        response = client.post(job["url"], job["data"], headers=job.get("headers") or {})
    answer = {"status": response.status_code, "location": response.get("Location")}
    if response.get("Content-Type", "").startswith("application/json"):
        # The redrawn list's HTML is of no interest here and would only fill the pipe.
        answer["json"] = {k: v for k, v in response.json().items() if k != "html"}
    elif response.status_code != 302:
        answer["text"] = response.content.decode()
    # What the head is told after a submit (a redirect): the messages queued by the view.
    answer["messages"] = [str(m) for m in getattr(response.wsgi_request, "_messages", ())]
    print(json.dumps(answer), flush=True)
"""

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
)


# ---- The app processes --------------------------------------------------------------------------


class AppProcess:
    """One child app process signed in as `username`; its answers are read by a thread into a
    queue so that a child that hangs or dies fails the test after a timeout instead of blocking it."""

    def __init__(self, username, env, log_path):
        self.username = username
        self.log_path = log_path
        self.log = open(log_path, "w")  # closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, username],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # A file, not a pipe: the 4xx warnings logged every round would fill a pipe nobody reads.
            stderr=self.log,
            text=True,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, message):
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def receive(self, timeout=60):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None:
            self.log.flush()
            raise AssertionError(
                f"the {self.username} process stopped answering (exit code {self.process.poll()}):\n"
                + self.log_path.read_text()[-3000:]
            )
        return line.strip()

    def stop(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # the child's loop ends on end of input
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.log.close()


@contextmanager
def app_processes(tmp_path, *usernames):
    """Start one app process per username (all at once, they take a second or two to load Django)
    and stop them however the test ends."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "karaj_budget.settings"}
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    children = []
    try:
        for index, username in enumerate(usernames):
            children.append(AppProcess(username, env, tmp_path / f"child-{index}-{username}.log"))
        for child in children:
            assert child.receive() == "ready"
        yield children
    finally:
        for child in children:
            child.stop()


class Stagger:
    """How many milliseconds the submit starts after the write (negative: the write after the submit).

    Fired at exactly the same moment, the same side wins nearly every time: the two requests do
    different amounts of work before they reach the lock (an edit validates a form, a submit does
    not), and by how much depends on the machine. So the head start follows a staircase: after a
    round the write won it moves towards the submit, after a round the write lost towards the
    write, in steps that halve at each turn (down to a millisecond). The rounds then hover around
    the tie, where the two transactions really do meet at the lock, and both outcomes come up
    whatever the machine's speed.
    """

    def __init__(self, start_ms=0.0, step_ms=8.0, min_step_ms=1.0):
        self.ms, self.step, self.min_step = start_ms, step_ms, min_step_ms
        self.last = None

    def record(self, write_won):
        if self.last is not None and write_won != self.last:
            self.step = max(self.min_step, self.step / 2)
        self.last = write_won
        self.ms += -self.step if write_won else self.step


def fire(writer, submitter, write_job, submit_job, stagger_ms):
    """Arm both processes with their request, then let both go at once; returns both answers."""
    write_delay, submit_delay = max(0, -stagger_ms) / 1000, max(0, stagger_ms) / 1000
    writer.send({**write_job, "delay": write_delay})
    submitter.send({**submit_job, "delay": submit_delay})
    assert writer.receive() == "armed"
    assert submitter.receive() == "armed"
    writer.send("go")
    submitter.send("go")
    return json.loads(writer.receive()), json.loads(submitter.receive())


# ---- The list and its submissions ---------------------------------------------------------------


def civil_list():
    return Workgroup.objects.get(slug="civil"), Cycle.objects.current()


def user(username):
    return get_user_model().objects.get(username=username)


def latest_submission(workgroup, cycle, kind):
    return Submission.objects.for_list(workgroup, cycle, kind).order_by("-number").first()


def reopen(workgroup, cycle, kind, office):
    """The office returns the standing submission of `kind`, if any, so the next round can race."""
    standing = Submission.objects.for_list(workgroup, cycle, kind).standing().first()
    if standing is not None:
        submissions.submission_return(
            submission=standing, user=office, reason="بازگشت برای دور بعدی آزمون هم‌زمانی"
        )


def rank_everything(workgroup, cycle, head):
    """Give every project of the list a place (a complete order is a condition of submitting)."""
    version, ranked = ranking.current_ranking(workgroup=workgroup, cycle=cycle)
    ids = Project.objects.for_workgroup(workgroup, cycle).filter(state=Project.State.PROPOSED)
    unranked = [pk for pk in ids.order_by("pk").values_list("pk", flat=True) if pk not in ranked]
    if unranked:
        ranking.ranking_save(
            workgroup=workgroup, cycle=cycle, order=[*ranked, *unranked], version=version, user=head
        )


def assert_submitted_and_frozen(workgroup, cycle, kind, *, number, answer, round_):
    """The submit of this round went through, and its snapshot is the list as it stands now."""
    submission = latest_submission(workgroup, cycle, kind)
    assert answer["status"] == 302 and submission is not None and submission.number == number, (
        f"round {round_}: the submit did not go through: {answer}"
    )
    assert submission.state == Submission.State.SUBMITTED
    live = submissions.list_snapshot(workgroup=workgroup, cycle=cycle, kind=kind)
    # As stored: the JSON round trip of the snapshot field.
    live_as_stored = json.loads(json.dumps(live, cls=DjangoJSONEncoder))
    diff = submissions.submission_diff(submission.snapshot, live_as_stored)
    assert submission.checksum == snapshot_checksum(live), (
        f"round {round_}: the list changed after it was frozen: {diff}"
    )
    assert submission.snapshot == live_as_stored, f"round {round_}: snapshot and live list differ: {diff}"
    return submission


def lock_message(workgroup, cycle, writer):
    """What a refused write of `writer` is told now that the list is frozen (never nothing)."""
    message = locks.list_lock_reason(workgroup=workgroup, cycle=cycle, writer=writer)
    assert message
    return message


def without_page(answer):
    """An answer for a failure message: the status and messages, not the whole HTML page."""
    return {key: value for key, value in answer.items() if key != "text"}


def report(title, outcomes, stagger):
    counts = ", ".join(f"{name}: {count}" for name, count in sorted(outcomes.items()))
    print(f"\n{title}, {ROUNDS} rounds (submit last sent {stagger.ms:+.1f} ms after the write): {counts}")


# ---- 1. Ranking save vs priorities submit -------------------------------------------------------


@postgres_only
def test_ranking_save_racing_the_priorities_submit_lands_before_the_freeze_or_is_refused(
    reseed_afterwards, transactional_db, demo, tmp_path
):
    workgroup, cycle = civil_list()
    head, office = user("head_civil"), user("office")
    rank_everything(workgroup, cycle, head)
    outcomes, stagger = Counter(), Stagger()
    with app_processes(tmp_path, "head_civil", "head_civil") as (writer, submitter):
        for round_ in range(ROUNDS):
            reopen(workgroup, cycle, Kind.PRIORITIES, office)
            assert locks.list_lock_reason(workgroup=workgroup, cycle=cycle, writer=locks.RANKING) is None
            version, before = ranking.current_ranking(workgroup=workgroup, cycle=cycle)
            # Still every project, in another order: the submit's completeness check passes
            # whichever request goes first, so the only thing raced is the freeze.
            order = [*before[1:], before[0]]
            number = (latest_submission(workgroup, cycle, Kind.PRIORITIES) or Submission(number=0)).number
            saved, submitted = fire(
                writer,
                submitter,
                {"url": RANKING_URL, "json": {"version": version, "order": order}},
                {"url": SUBMIT_URL.format(kind="priorities"), "data": {}},
                stagger.ms,
            )

            assert_submitted_and_frozen(
                workgroup, cycle, Kind.PRIORITIES, number=number + 1, answer=submitted, round_=round_
            )
            _version, stored = ranking.current_ranking(workgroup=workgroup, cycle=cycle)
            if saved["status"] == 200:
                # Landed before the freeze: the snapshot (equal to the live list) has the new order.
                assert stored == order, f"round {round_}: {saved}"
                outcomes["saved, then frozen"] += 1
                stagger.record(write_won=True)
            elif saved["status"] == 423:
                assert saved["json"]["error"] == lock_message(workgroup, cycle, locks.RANKING), saved
                assert stored == before
                outcomes["refused 423 (locked)"] += 1
                stagger.record(write_won=False)
            elif saved["status"] == 409:
                # Its version was raised by the submit: the conflict answer, nothing written.
                assert saved["json"]["error"] == ranking.CONFLICT_MESSAGE, saved
                assert stored == before
                outcomes["refused 409 (conflict)"] += 1
                stagger.record(write_won=False)
            else:
                pytest.fail(f"round {round_}: unexpected answer to the ranking save: {saved}")
    report("ranking save vs priorities submit", outcomes, stagger)


# ---- 2. Coding save vs coded-list submit --------------------------------------------------------


@postgres_only
def test_coding_save_racing_the_coded_list_submit_lands_before_the_freeze_or_is_refused(
    reseed_afterwards, transactional_db, demo, tmp_path
):
    workgroup, cycle = civil_list()
    head, office = user("head_civil"), user("office")
    # The coded list needs the priorities submitted and every project coded. The priorities stay
    # submitted for the whole race: they freeze the order, not the codes.
    rank_everything(workgroup, cycle, head)
    projects = coding.coding_projects(workgroup=workgroup, cycle=cycle)
    for project in projects:
        coding.project_code(
            project=project, program_code=CODE_PAIRS[0][0], budget_code=CODE_PAIRS[0][1], user=head
        )
    submissions.submission_submit(workgroup=workgroup, cycle=cycle, kind=Kind.PRIORITIES, user=head)
    outcomes, stagger = Counter(), Stagger()
    with app_processes(tmp_path, "head_civil", "head_civil") as (writer, submitter):
        for round_ in range(ROUNDS):
            reopen(workgroup, cycle, Kind.CODING, office)
            assert locks.list_lock_reason(workgroup=workgroup, cycle=cycle, writer=locks.CODING) is None
            project = Project.objects.select_related("program_code", "budget_code").get(
                pk=projects[round_ % len(projects)].pk
            )
            before = (project.program_code.code, project.budget_code.code)
            wanted = CODE_PAIRS[1] if before == CODE_PAIRS[0] else CODE_PAIRS[0]
            number = (latest_submission(workgroup, cycle, Kind.CODING) or Submission(number=0)).number
            saved, submitted = fire(
                writer,
                submitter,
                {
                    "url": CODING_URL.format(pk=project.pk),
                    "data": {"program_code": wanted[0], "budget_code": wanted[1]},
                    "headers": {"Accept": "application/json"},
                },
                {"url": SUBMIT_URL.format(kind="coding"), "data": {}},
                stagger.ms,
            )

            assert_submitted_and_frozen(
                workgroup, cycle, Kind.CODING, number=number + 1, answer=submitted, round_=round_
            )
            project.refresh_from_db()
            stored = (project.program_code.code, project.budget_code.code)
            if saved["status"] == 200:
                assert saved["json"]["ok"] and stored == wanted, f"round {round_}: {saved}"
                outcomes["saved, then frozen"] += 1
                stagger.record(write_won=True)
            elif saved["status"] == 423:
                assert not saved["json"]["ok"], saved
                assert saved["json"]["message"] == lock_message(workgroup, cycle, locks.CODING), saved
                assert stored == before
                outcomes["refused 423 (locked)"] += 1
                stagger.record(write_won=False)
            elif saved["status"] == 409:
                assert not saved["json"]["ok"] and saved["json"]["message"], saved
                assert stored == before
                outcomes["refused 409 (conflict)"] += 1
                stagger.record(write_won=False)
            else:
                pytest.fail(f"round {round_}: unexpected answer to the coding save: {saved}")
    report("coding save vs coded-list submit", outcomes, stagger)


# ---- 3. A unit expert's edit vs priorities submit -----------------------------------------------


def edit_form_data(project, requested_amount):
    """The project's edit form as the page would post it, with a new requested amount."""
    form = ProjectForm(instance=project, fiscal_year=project.cycle.fiscal_year)
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data["requested_amount"] = str(requested_amount)
    # The money rules (workgroups.resources) still hold: one source pays the new amount, and the
    # years' gap with the estimate and any excess over its remainder have a reason.
    sources = [name for name in form.fields if name.startswith("source_")]
    for name in sources:
        data[name] = ""
    data[sources[0]] = str(requested_amount)
    data["estimate_gap_reason"] = "برآورد در حال بازنگری است"
    data["over_remaining_reason"] = "افزایش قیمت‌ها"
    return data


@postgres_only
def test_unit_edit_racing_the_priorities_submit_lands_before_the_freeze_or_is_refused(
    reseed_afterwards, transactional_db, demo, tmp_path
):
    workgroup, cycle = civil_list()
    head, office = user("head_civil"), user("office")
    rank_everything(workgroup, cycle, head)
    # District 1's project in the civil list; its expert may edit it until the priorities
    # deadline, which in the demo's current cycle is days ahead.
    project = Project.objects.for_workgroup(workgroup, cycle).get(proposing_unit__code="R01")
    amounts = (project.requested_amount + 1000, project.requested_amount + 2000)
    outcomes, stagger = Counter(), Stagger()
    with app_processes(tmp_path, "expert_r01", "head_civil") as (writer, submitter):
        for round_ in range(ROUNDS):
            reopen(workgroup, cycle, Kind.PRIORITIES, office)
            assert locks.list_lock_reason(workgroup=workgroup, cycle=cycle, writer=locks.PROPOSALS) is None
            project.refresh_from_db()
            before = project.requested_amount
            wanted = amounts[1] if before == amounts[0] else amounts[0]
            number = (latest_submission(workgroup, cycle, Kind.PRIORITIES) or Submission(number=0)).number
            edited, submitted = fire(
                writer,
                submitter,
                {"url": EDIT_URL.format(pk=project.pk), "data": edit_form_data(project, wanted)},
                {"url": SUBMIT_URL.format(kind="priorities"), "data": {}},
                stagger.ms,
            )

            assert_submitted_and_frozen(
                workgroup, cycle, Kind.PRIORITIES, number=number + 1, answer=submitted, round_=round_
            )
            project.refresh_from_db()
            refusal = lock_message(workgroup, cycle, locks.PROPOSALS)
            if edited["status"] == 302:
                # Landed before the freeze: the snapshot (equal to the live list) has the new amount.
                assert project.requested_amount == wanted, f"round {round_}: {without_page(edited)}"
                outcomes["saved, then frozen"] += 1
                stagger.record(write_won=True)
            elif edited["status"] == 423:
                # Refused with the lock's message: either before the form was read (the list was
                # already frozen) or at the lock inside the save (the submit held it; the form is
                # shown again with the message among its errors).
                assert refusal in edited["text"], f"round {round_}: {without_page(edited)}"
                assert project.requested_amount == before
                where = "in the form" if 'class="errors"' in edited["text"] else "before the form"
                outcomes[f"refused 423 ({where})"] += 1
                stagger.record(write_won=False)
            else:
                pytest.fail(f"round {round_}: unexpected answer to the unit's edit: {without_page(edited)}")
    report("unit expert's edit vs priorities submit", outcomes, stagger)
