"""Shared fixtures: the demo organisation and one named persona per role."""

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

# Real hashing makes every login in the suite take a third of a second.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed():
    # Without the 1399 round's history: the suite plays that round itself (test_demo_history.py
    # loads the history).
    call_command("seed_demo", "--no-history", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def fresh_suggestion_pools():
    """Each test rolls its rows back, and a frozen clock can repeat the stamps a pool is keyed by:
    start every test without the coded-projects pools an earlier test left in this process."""
    from workgroups.suggestions import forget_pools

    forget_pools()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo data once per test database; each test rolls its own changes back."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        seed()


def pytest_collection_modifyitems(items):
    # Browser tests use live_server, whose transactional teardown empties the database:
    # run them last so the seeded data serves every other test first.
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


@pytest.fixture
def demo(db):
    """The seed_demo organisation, cycles, projects and accounts (seeded again if a flush removed it)."""
    from workgroups.models import Workgroup

    if not Workgroup.objects.exists():
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            seed()


@pytest.fixture
def personas(demo, django_user_model):
    """Named users, one per role.

    head_a: head of the civil workgroup (ranks, codes, submits its list)
    member_a: member of the civil workgroup (reads only)
    head_b: head of the transport workgroup (must not see civil's objects)
    office: budget office staff (sees all workgroups, sets up cycles)
    expert: district 1 expert (proposes and edits district 1's projects)
    stranger: signed in, but with no role at all
    admin: superuser
    """
    users = {user.username: user for user in django_user_model.objects.all()}
    stranger = django_user_model.objects.create_user("stranger", password="karaj1399")
    return {
        "head_a": users["head_civil"],
        "member_a": users["member_civil"],
        "head_b": users["head_transport"],
        "office": users["office"],
        "expert": users["expert_r01"],
        "stranger": stranger,
        "admin": users["admin"],
    }


def database_url():
    """The test database as a DATABASE_URL, for app processes started by a test (PostgreSQL)."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'])}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def run_worker_once(**env):
    """Run `manage.py db_worker` as its own process on the test database until its queue is empty
    (PostgreSQL: the process shares the database with the test). Returns the finished process."""
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=Path(__file__).resolve().parents[1],
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "karaj_budget.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def reseed_afterwards(django_db_blocker):
    """A transactional test empties the database when it ends; put the demo back for the rest."""
    yield
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        seed()


# ---- Monitoring (docs/monitoring.md) ------------------------------------------------------------


@pytest.fixture
def monitored(demo):
    """The demo's 1399 cycle as the year being executed: each of its ranked projects under
    monitoring with the request as approved amount (what enrolment leaves before the office types
    the council's figures). Returns the MonitoredProject rows, workgroup by workgroup."""
    from workgroups.models import Cycle, MonitoredProject, Project

    cycle = Cycle.objects.get(fiscal_year=1399)
    projects = Project.objects.filter(cycle=cycle, priority__isnull=False).order_by(
        "workgroup__slug", "priority"
    )
    MonitoredProject.objects.bulk_create(
        [MonitoredProject(project=project, approved_amount=project.requested_amount) for project in projects],
        ignore_conflicts=True,
    )
    return list(MonitoredProject.objects.filter(project__cycle=cycle).select_related("project"))


@pytest.fixture
def open_quarter(monitored):
    """open_quarter(quarter=1, due_at=None): the office has opened that quarter of 1399 (due by
    default 15 days after the quarter ends)."""
    from workgroups.models import Cycle, ReportingPeriod
    from workgroups.monitoring.rules import default_due_at

    def open_(quarter=1, due_at=None, **extra):
        cycle = Cycle.objects.get(fiscal_year=1399)
        return ReportingPeriod.objects.create(
            cycle=cycle, quarter=quarter, due_at=due_at or default_due_at(1399, quarter), **extra
        )

    return open_
