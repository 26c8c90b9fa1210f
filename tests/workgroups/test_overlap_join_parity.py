"""The Python join finds exactly the pairs of the join it replaced (the AllPairs prefix filter
that compared every candidate found in the prefixes), on the demo data, on the benchmark's harsh
synthetic set and on its realistic titles; and whichever way it counts a trigram (one integer for
all titles, or title by title), however long the titles, wherever it cuts its integers."""

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from karaj_budget.persian import search_key
from workgroups.models import Cycle, Project
from workgroups.overlaps import detection
from workgroups.overlaps.detection import CANDIDATE_SIMILARITY, Item, similar_pairs_python

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def reference_pairs(items, threshold=CANDIDATE_SIMILARITY):
    """The join before issue 14, unchanged (kept in bench/_overlaps_reference.py)."""
    return bench_module("_overlaps_reference").reference_pairs(items, threshold)


def keys(pairs):
    return sorted((a.pk, b.pk) for a, b in pairs)


def items_of(titles):
    rng = random.Random(len(titles))
    return [
        Item.build(
            pk=pk, key=search_key(title), workgroup_id=pk % 7, requested_amount=rng.randint(1, 9) * 100
        )
        for pk, title in enumerate(titles, start=1)
    ]


@pytest.mark.parametrize("year", [None, 1399])
def test_demo_data_same_pairs(demo, year):
    cycle = Cycle.objects.get(fiscal_year=year) if year else Cycle.objects.current()
    items = [Item.from_project(p) for p in Project.objects.filter(cycle=cycle).active()]
    found = similar_pairs_python(items)
    assert len(found) >= 5
    assert keys(found) == keys(reference_pairs(items))


@pytest.mark.parametrize("generator", ["harsh", "realistic"])
def test_benchmark_sets_same_pairs(generator):
    # The reported pairs are scored from these by unchanged code: same pairs, same reports.
    if generator == "harsh":
        titles = bench_module("overlaps").synthetic_titles(1500)
    else:
        titles = bench_module("_titles").realistic_titles(2500)
    items = items_of(titles)
    found = similar_pairs_python(items)
    expected = reference_pairs(items)
    assert len(expected) > 300
    assert keys(found) == keys(expected)


def test_a_threshold_between_the_bounds_still_agrees():
    # Another threshold exercises the integer bound with other prefix lengths.
    items = items_of(bench_module("_titles").realistic_titles(1200, seed=5))
    assert keys(similar_pairs_python(items, threshold=0.55)) == keys(reference_pairs(items, threshold=0.55))
    assert keys(similar_pairs_python(items, threshold=0.3)) == keys(reference_pairs(items, threshold=0.3))


@pytest.mark.parametrize(
    ("dense_share", "trim_every"),
    [
        (1, 2048),  # only trigrams in every title get an integer: nearly all counted one by one
        (10**9, 2048),  # every trigram gets an integer
        (64, 7),  # the integers cut every 7 titles
    ],
)
def test_every_way_of_counting_agrees(monkeypatch, dense_share, trim_every):
    monkeypatch.setattr(detection, "DENSE_SHARE", dense_share)
    monkeypatch.setattr(detection, "TRIM_EVERY", trim_every)
    items = items_of(bench_module("overlaps").synthetic_titles(700))
    assert keys(similar_pairs_python(items)) == keys(reference_pairs(items))


def test_long_titles_take_wider_fields():
    # Over 255 trigrams in a title: a count would not fit in one byte, so fields take two.
    rng = random.Random(14)
    words = bench_module("_titles").NAMES
    base = [" ".join(rng.sample(words, 52)) for _ in range(30)]
    titles = base + [" ".join(title.split()[:-3]) for title in base] + ["احداث پارک", "احداث پارك محله"]
    items = items_of(titles)
    assert max(len(item.grams) for item in items) > 255
    found = similar_pairs_python(items)
    assert len(found) >= 30
    assert keys(found) == keys(reference_pairs(items))
