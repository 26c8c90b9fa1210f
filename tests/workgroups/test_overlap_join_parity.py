"""The Python join finds exactly the pairs of the join it replaced (the AllPairs prefix filter
that compared every candidate found in the prefixes), on the demo data, on the benchmark's harsh
synthetic set and on its realistic titles."""

import importlib.util
import math
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from karaj_budget.persian import search_key
from workgroups.models import Cycle, Project
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
    """The join before issue 14 (workgroups/overlaps/detection.py), unchanged."""
    frequency = Counter(gram for item in items for gram in item.grams)
    rank = {
        gram: position for position, gram in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))
    }
    ordered = [sorted(rank[gram] for gram in item.grams) for item in items]
    as_sets = [frozenset(grams) for grams in ordered]
    index = defaultdict(list)
    pairs = []
    index_share = 2 * threshold / (1 + threshold)
    for i in sorted(range(len(items)), key=lambda i: len(ordered[i])):
        grams = ordered[i]
        size = len(grams)
        if not size:
            continue
        seen = set()
        for gram in grams[: size - math.ceil(threshold * size) + 1]:
            for j in index[gram]:
                if j in seen:
                    continue
                seen.add(j)
                other = as_sets[j]
                if len(other) < threshold * size:
                    continue
                shared = len(as_sets[i] & other)
                if shared / (size + len(other) - shared) >= threshold:
                    a, b = items[i], items[j]
                    pairs.append((a, b) if a.pk < b.pk else (b, a))
        for gram in grams[: size - math.ceil(index_share * size) + 1]:
            index[gram].append(i)
    return pairs


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
