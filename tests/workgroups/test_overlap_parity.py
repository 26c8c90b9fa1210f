"""PostgreSQL's pg_trgm path finds the same pairs, with the same scores, as the Python join."""

import pytest
from django.db import connection

from programs.models import Unit
from workgroups.models import Cycle, OverlapPair, Project
from workgroups.overlaps import services as overlap_services
from workgroups.overlaps.detection import find_overlaps

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_trgm parity runs when DATABASE_URL names a PostgreSQL database",
)

VARIANTS = [
    ("احداث پارک محله ای", "احداث پارك محله اي"),
    ("بهسازی پیاده‌رو خیابان چهارم", "بهسازی پیاده رو خیابان چهارم"),
    ("بهسازی پیاده‌رو خیابان چهارم", "بهسازی پیادهرو خیابان چهارم"),
    ("خرید ۵۰ دستگاه اتوبوس برقی", "خرید 50 دستگاه اتوبوس برقي"),
    ("خرید ۵۰ دستگاه اتوبوس برقی", "خرید ٥٠ دستگاه اتوبوس برقی"),
    ("احداث سالن ورزشی بانوان", "سالن ورزشی بانوان احداث"),
    ("تــوسعه کتابخانه عمومی", "توسعه کتابخانه عمومی"),
    ("احداث پارک محله ۳", "احداث پارک محله ۸"),
]


def summary(candidates):
    return [(c.first.pk, c.second.pk, c.percent, tuple(c.reasons)) for c in candidates]


@pytest.fixture
def cycle(demo):
    return Cycle.objects.current()


def test_the_trigram_index_exists(demo):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'workgroups_project_title_key_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition


@pytest.mark.parametrize("year", [None, 1399])
def test_demo_data_same_pairs_on_both_paths(demo, year):
    cycle = Cycle.objects.get(fiscal_year=year) if year else Cycle.objects.current()
    projects = list(Project.objects.filter(cycle=cycle).active())
    in_database = find_overlaps(projects, use_database=True)
    in_python = find_overlaps(projects, use_database=False)
    assert len(in_database) >= 5
    assert summary(in_database) == summary(in_python)


def test_bad_input_variants_same_pairs_on_both_paths(cycle):
    unit, deputy = Unit.objects.get(code="R05"), Unit.objects.get(code="D4")
    for first, second in VARIANTS:
        for title in (first, second):
            Project.objects.create(
                cycle=cycle, title=title, proposing_unit=unit, responsible_deputy=deputy, requested_amount=1
            )
    projects = list(Project.objects.filter(cycle=cycle).active())
    in_database = find_overlaps(projects, use_database=True)
    assert summary(in_database) == summary(find_overlaps(projects, use_database=False))
    keys = {(c.first.key, c.second.key) for c in in_database}
    assert not any("محله 3" in a and "محله 8" in b for a, b in keys)


def test_touching_same_pairs_on_both_paths(cycle):
    projects = list(Project.objects.filter(cycle=cycle).active())
    some = [p.pk for p in projects if "پارک" in p.title]
    in_database = find_overlaps(projects, use_database=True, touching=some)
    assert in_database
    assert summary(in_database) == summary(find_overlaps(projects, use_database=False, touching=some))


def test_refresh_on_postgresql_stores_the_python_answers(cycle):
    OverlapPair.objects.filter(cycle=cycle).delete()
    overlap_services.overlaps_refresh(cycle=cycle)
    stored = sorted(OverlapPair.objects.filter(cycle=cycle).values_list("first", "second", "score"))
    expected = find_overlaps(Project.objects.filter(cycle=cycle).active(), use_database=False)
    assert stored == sorted((c.first.pk, c.second.pk, c.percent) for c in expected)
