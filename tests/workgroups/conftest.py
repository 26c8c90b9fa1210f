"""Fixtures for the deadline and submission tests.

The demo's historical 1399 cycle has the brief's dates (priorities due 1398/09/15, a Friday; coded
list due 1398/09/20) and arrives ranked and coded; its current cycle arrives unranked.
"""

import pytest

from workgroups.models import Cycle, Deadline, Project, Workgroup


@pytest.fixture
def cycle_1399(demo):
    return Cycle.objects.get(fiscal_year=1399)


@pytest.fixture
def current_cycle(demo):
    return Cycle.objects.current()


@pytest.fixture
def civil(demo):
    return Workgroup.objects.get(slug="civil")


@pytest.fixture
def transport(demo):
    return Workgroup.objects.get(slug="transport")


@pytest.fixture
def rank_all():
    """rank_all(workgroup, cycle): every active project gets a priority 1..n, as the ranking page would."""

    def rank(workgroup, cycle):
        projects = Project.objects.for_workgroup(workgroup, cycle).active().order_by("priority", "pk")
        for position, project in enumerate(projects, start=1):
            project.priority = position
            project.save(update_fields=["priority"])

    return rank


@pytest.fixture
def make_hard():
    """make_hard(cycle, kind="priorities"): turn the cycle's deadline of that kind into a hard one."""

    def harden(cycle, kind=Deadline.Kind.PRIORITIES):
        cycle.deadlines.filter(kind=kind).update(is_hard=True)

    return harden
