"""Two app processes against one PostgreSQL keep the ranking page's conflict guarantee.

With several app servers behind the proxy (README, "Several app servers") the only thing they
share is the database; this starts two separate Python processes, each a full Django app
(middleware, view, service), signs the same head in on both, and has both save a different order
based on the same version at the same moment. Exactly one save may win; the other must get the
conflict answer with the winner's list, and the stored list must be the winner's.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import database_url
from workgroups.models import AuditEntry, Cycle, Project, Workgroup, WorkgroupCycle

ROOT = Path(__file__).resolve().parents[2]

# One app process: sign in the head, say "ready", wait for the go file, save, print the answer.
CHILD = """
import json, os, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()  # the test client's host name, as in the suite
client = Client()
client.force_login(get_user_model().objects.get(username="head_civil"))
body = json.dumps({"version": int(sys.argv[2]), "order": json.loads(sys.argv[3])})
print("ready", flush=True)
deadline = time.monotonic() + 30  # never outlive a parent that failed before saying go
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    time.sleep(0.001)
response = client.post("/workgroups/civil/ranking/", body, content_type="application/json")
print(json.dumps({"status": response.status_code, "body": response.json()}), flush=True)
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
def test_two_app_processes_saving_the_same_version_one_wins_one_conflicts(
    reseed_afterwards, transactional_db, demo, tmp_path
):
    workgroup = Workgroup.objects.get(slug="civil")
    cycle = Cycle.objects.current()
    version = WorkgroupCycle.objects.get(workgroup=workgroup, cycle=cycle).ranking_version
    projects = Project.objects.for_workgroup(workgroup, cycle).active().order_by("pk")
    ids = list(projects.values_list("pk", flat=True))
    orders = [ids, ids[::-1]]  # two heads' tabs, two different lists, both based on `version`
    go = tmp_path / "go"
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "karaj_budget.settings"}
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(go), str(version), json.dumps(order)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for order in orders
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        go.touch()
        answers = []
        for child in children:
            out, err = child.communicate(timeout=30)
            assert child.returncode == 0, err
            answers.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()

    assert sorted(answer["status"] for answer in answers) == [200, 409]
    winner = next(index for index, answer in enumerate(answers) if answer["status"] == 200)
    loser = answers[1 - winner]
    body = answers[winner]["body"]
    assert (body["version"], body["order"]) == (version + 1, orders[winner])
    # With the list's figures as stored after the save, for the page to show.
    assert [row["id"] for row in body["figures"]["rows"]] == orders[winner]
    # The conflict answer carries the fresh list to redraw from: the winner's.
    assert (loser["body"]["version"], loser["body"]["order"]) == (version + 1, orders[winner])
    stored = list(Project.objects.for_workgroup(workgroup, cycle).ranked().values_list("pk", flat=True))
    assert stored == orders[winner]
    assert WorkgroupCycle.objects.get(workgroup=workgroup, cycle=cycle).ranking_version == version + 1
    assert AuditEntry.objects.filter(workgroup=workgroup, cycle=cycle, action="ranking.save").count() == 1
