"""Overlap detection as it was before issue 14, kept to check that the faster join reports the
same pairs: the AllPairs prefix-filtered join over word trigrams at CANDIDATE_SIMILARITY, every
pair it finds scored by `score_pair` (workgroups/overlaps/detection.py). Used by
bench/overlaps.py (parity at the sizes where this is affordable: about 35 s of CPU at 20,000
titles) and by tests/workgroups/test_overlap_join_parity.py.
"""

import math
from collections import Counter, defaultdict

from workgroups.overlaps.detection import CANDIDATE_SIMILARITY, reported


def reference_pairs(items, threshold=CANDIDATE_SIMILARITY):
    """The join before issue 14, unchanged: pairs with word-trigram Jaccard ≥ threshold."""
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


def summary(candidates):
    """What a person sees of the reported pairs: who, the score shown, the reasons, in order."""
    return [(c.first.pk, c.second.pk, c.percent, tuple(c.reasons)) for c in candidates]


def reference_reports(items):
    """The reported pairs as find_overlaps gave them before issue 14, best first."""
    return reported(reference_pairs(items))
