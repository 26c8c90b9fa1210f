"""Invariants held by the database itself (run on SQLite and on PostgreSQL)."""

import pytest
from django.db import IntegrityError, connection, transaction

from programs.models import BudgetCode, ProgramCode, Unit
from workgroups.models import Cycle, Membership, Project, Workgroup


def integrity_error(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()
        if connection.vendor == "postgresql":
            # Deferred constraints (the priority's, on PostgreSQL) are checked at commit; the
            # test's transaction never commits, so ask for the check now.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_codes_are_unique(demo):
    integrity_error(lambda: BudgetCode.objects.create(code="50101001", title="تکراری"))
    integrity_error(lambda: ProgramCode.objects.create(code="5-1-1-01", title="تکراری"))


def test_priority_unique_within_a_workgroup_list(demo):
    cycle = Cycle.objects.get(fiscal_year=1399)
    first, second = Project.objects.filter(cycle=cycle, workgroup__slug="civil").ranked()[:2]
    second.priority = first.priority
    integrity_error(lambda: second.save(update_fields=["priority"]))


def test_same_priority_allowed_in_different_workgroups_and_cycles(demo):
    cycle = Cycle.objects.get(fiscal_year=1399)
    civil = Project.objects.filter(cycle=cycle, workgroup__slug="civil").ranked().first()
    transport = Project.objects.filter(cycle=cycle, workgroup__slug="transport").ranked().first()
    assert civil.priority == transport.priority == 1


def test_reordering_clears_then_writes_priorities(demo):
    """The documented way to swap positions: clear the moved rows first, then write them."""
    cycle = Cycle.objects.get(fiscal_year=1399)
    projects = list(Project.objects.filter(cycle=cycle, workgroup__slug="civil").ranked()[:2])
    with transaction.atomic():
        Project.objects.filter(pk__in=[p.pk for p in projects]).update(priority=None)
        projects[0].priority, projects[1].priority = 2, 1
        Project.objects.bulk_update(projects, ["priority"])
    assert list(Project.objects.filter(pk__in=[p.pk for p in projects]).ranked()) == projects[::-1]


def test_one_head_per_workgroup(demo, django_user_model):
    workgroup = Workgroup.objects.get(slug="civil")
    user = django_user_model.objects.create_user("second_head")
    integrity_error(lambda: Membership.objects.create(workgroup=workgroup, user=user, role="head"))
    Membership.objects.create(workgroup=workgroup, user=user, role="member")


def test_one_current_cycle(demo):
    integrity_error(lambda: Cycle.objects.filter(fiscal_year=1399).update(is_current=True))


def test_fiscal_year_is_jalali(db):
    integrity_error(lambda: Cycle.objects.create(fiscal_year=2026, title="سال میلادی"))


def test_unit_reference_unique_within_unit_and_cycle(demo):
    project = Project.objects.filter(cycle__fiscal_year=1399).first()
    project.pk = None
    integrity_error(project.save)


def test_progress_is_a_percentage_and_amounts_are_not_negative(demo):
    project = Project.objects.first()
    project.physical_progress = 101
    integrity_error(lambda: project.save(update_fields=["physical_progress"]))
    integrity_error(lambda: Project.objects.filter(pk=project.pk).update(requested_amount=-1))


def test_withdrawn_project_cannot_keep_a_priority(demo):
    project = Project.objects.filter(priority__isnull=False).first()
    integrity_error(lambda: Project.objects.filter(pk=project.pk).update(state=Project.State.WITHDRAWN))


def test_titles_are_normalised_and_searchable(demo):
    cycle = Cycle.objects.current()
    project = Project.objects.create(
        cycle=cycle,
        title="  احداث پارك  محله اي\u200f ",
        proposing_unit=Unit.objects.get(code="R05"),
        responsible_deputy=Unit.objects.get(code="D6"),
        requested_amount=1000,
    )
    assert project.title == "احداث پارک محله ای"
    assert project.workgroup.slug == "services"
    assert project in Project.objects.search("پارک محله")
    assert project in Project.objects.search("پارك")


def test_code_search_finds_digits_in_any_form(demo):
    assert BudgetCode.objects.search("۵۰۱۰۱۰۰۱").get().code == "50101001"
    assert BudgetCode.objects.search("خطوط قطار").filter(code="50101").exists()


def test_money_is_integers(demo):
    field = Project._meta.get_field("requested_amount")
    assert field.get_internal_type() == "PositiveBigIntegerField"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no deferrable constraints")
def test_priority_unique_is_checked_at_commit_on_postgresql(demo):
    """A swap in one statement passes (the ranking save relies on it); a clash is still refused."""
    cycle = Cycle.objects.get(fiscal_year=1399)
    first, second = Project.objects.filter(cycle=cycle, workgroup__slug="civil").ranked()[:2]
    with transaction.atomic():
        Project.objects.filter(pk=first.pk).update(priority=second.priority)
        Project.objects.filter(pk=second.pk).update(priority=first.priority)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert list(Project.objects.filter(pk__in=[first.pk, second.pk]).ranked()) == [second, first]
