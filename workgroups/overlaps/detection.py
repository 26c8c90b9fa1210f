"""Finding the same need proposed twice: candidate pairs of projects with a score and reasons.

Titles are compared by their search keys (Persian normalised, digits ASCII) with pg_trgm's
measure: the Jaccard similarity of the sets of word trigrams, each word padded with two spaces
before and one after. On PostgreSQL the pg_trgm index finds the candidate pairs; elsewhere a
prefix-filtered set-similarity join in Python finds the same ones. Either way every candidate is
then scored here, by the same code, so both databases give the same answers:

- the title similarity (the better of the word trigrams and the trigrams of the title written
  without spaces, so «پیاده رو» and «پیادهرو» still meet);
- different numbers in the two titles («محله ۳», «محله ۸») mark different things: score halved
  (unless one title's numbers are all in the other, which only adds detail);
- the same location, the same operational program code, or requested amounts within 10%
  strengthen the pair.
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain

from django.db import connection, transaction

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import search_key

# Candidate pairs are collected below the reporting threshold so that small differences between
# pg_trgm's trigram hashing and ours cannot change which pairs are reported.
CANDIDATE_SIMILARITY = 0.4
MIN_TITLE_SIMILARITY = 0.5
REPORT_SCORE = 0.6
PROGRESS_EVERY = 500

WORD = re.compile(r"[^\W_]+")
NUMBER = re.compile(r"\d+")
# Locations that say nothing about where a project is.
VAGUE_LOCATIONS = {search_key(text) for text in ("چندمنطقه‌ای", "ستاد", "خارج از محدوده", "")}


def trigrams(text):
    """pg_trgm's trigrams of an already normalised text."""
    grams = set()
    for word in WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def jaccard(a, b):
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


@dataclass(frozen=True)
class Item:
    """What overlap detection needs of a project."""

    pk: int
    key: str
    workgroup_id: int
    location_key: str = ""
    program_code_id: int | None = None
    requested_amount: int = 0
    grams: frozenset = field(default=frozenset(), compare=False)
    compact_grams: frozenset = field(default=frozenset(), compare=False)

    @classmethod
    def build(cls, *, pk, key, **attributes):
        return cls(
            pk=pk,
            key=key,
            grams=trigrams(key),
            compact_grams=trigrams(key.replace(" ", "")),
            **attributes,
        )

    @classmethod
    def from_project(cls, project):
        return cls.build(
            pk=project.pk,
            key=project.title_key,
            workgroup_id=project.workgroup_id,
            location_key=search_key(project.location),
            program_code_id=project.program_code_id,
            requested_amount=project.requested_amount,
        )


@dataclass
class Candidate:
    first: Item
    second: Item
    score: float
    reasons: list

    @property
    def percent(self):
        return round(self.score * 100)


def title_similarity(a, b):
    return max(jaccard(a.grams, b.grams), jaccard(a.compact_grams, b.compact_grams))


def score_pair(a, b):
    """Score two projects; None when they are not worth a person's look."""
    similarity = title_similarity(a, b)
    if similarity < MIN_TITLE_SIMILARITY:
        return None
    score = similarity
    reasons = [f"شباهت عنوان {persian_digits(round(similarity * 100))}٪"]
    numbers_a, numbers_b = set(NUMBER.findall(a.key)), set(NUMBER.findall(b.key))
    # «محله ۳» and «محله ۸» name two places; «خرید ۱۰۰ اتوبوس» and «خرید ۱۰۰ اتوبوس (مصوبه ۱۳۹۸)» one.
    if numbers_a and numbers_b and not (numbers_a <= numbers_b or numbers_b <= numbers_a):
        score *= 0.5
        shown = "، ".join(persian_digits(n) for n in sorted(numbers_a ^ numbers_b))
        reasons.append(f"اعداد متفاوت در عنوان ({shown})")
    if a.location_key == b.location_key and a.location_key not in VAGUE_LOCATIONS:
        score += 0.1
        reasons.append("محل اجرای یکسان")
    if a.program_code_id is not None and a.program_code_id == b.program_code_id:
        score += 0.1
        reasons.append("کد برنامه عملیاتی یکسان")
    larger = max(a.requested_amount, b.requested_amount)
    if larger and abs(a.requested_amount - b.requested_amount) <= larger * 0.1:
        score += 0.1
        reasons.append("اعتبار درخواستی نزدیک")
    if a.workgroup_id != b.workgroup_id:
        reasons.append("در دو کارگروه متفاوت")
    score = min(score, 1.0)
    if score < REPORT_SCORE:
        return None
    return Candidate(first=a, second=b, score=score, reasons=reasons)


def similar_pairs_python(items, threshold=CANDIDATE_SIMILARITY, progress=None):
    """All pairs of items whose trigram sets have Jaccard similarity ≥ threshold.

    A prefix-filtered set-similarity join (AllPairs): with every title's trigrams sorted rarest
    first, two sets that reach the threshold share a trigram within the probing prefix of the
    larger (|x| - ⌈t·|x|⌉ + 1) and the indexing prefix of the smaller (|y| - ⌈2t/(1+t)·|y|⌉ + 1).

    On titles that share common words the prefixes still hold common trigrams, so most of the time
    went into comparing pairs that share one or two of them (docs/performance.md, "Overlaps").
    Each title's prefix matches are now counted at once (k), which bounds what the two titles can
    share: of the two prefixes, the one that ends earlier in the order (z) holds every shared
    trigram up to its end, so shared ≤ k + (|z| − its prefix length). Pairs whose bound is below
    t/(1+t)·(|x| + |y|) cannot reach t and are not compared; the others are compared exactly as
    before, so the pairs are the same (tests/workgroups/test_overlap_join_parity.py).

    `progress(done, total)`, if given, is called every PROGRESS_EVERY titles and at the end.
    """
    frequency = Counter(gram for item in items for gram in item.grams)
    # Rarest first; each trigram becomes its rank, so the sets compared below hold small ints.
    rank = {
        gram: position for position, gram in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))
    }
    ordered = [sorted(rank[gram] for gram in item.grams) for item in items]
    as_sets = [frozenset(grams) for grams in ordered]
    # t = p/q exactly (0.4 = 2/5): the bound is checked in integers.
    p, q = Fraction(threshold).limit_denominator(1000).as_integer_ratio()
    index = defaultdict(list)
    index_last, index_tail = {}, {}
    pairs = []
    index_share = 2 * threshold / (1 + threshold)
    for done, i in enumerate(sorted(range(len(items)), key=lambda i: len(ordered[i]))):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(items))
        grams = ordered[i]
        size = len(grams)
        if not size:
            continue
        probe_length = size - math.ceil(threshold * size) + 1
        probe_last, probe_tail = grams[probe_length - 1], size - probe_length
        mine = as_sets[i]
        counts = Counter(chain.from_iterable(index[gram] for gram in grams[:probe_length]))
        for j, k in counts.items():
            # Items are visited by size, so |y| ≤ |x|; the length filter prunes the rest.
            other = as_sets[j]
            other_size = len(other)
            if other_size < threshold * size:
                continue
            bound = k + (probe_tail if probe_last <= index_last[j] else index_tail[j])
            if (p + q) * bound < p * (size + other_size):
                continue
            shared = len(mine & other)
            if shared / (size + other_size - shared) >= threshold:
                a, b = items[i], items[j]
                pairs.append((a, b) if a.pk < b.pk else (b, a))
        index_length = min(size - math.ceil(index_share * size) + 1, size)
        for gram in grams[:index_length]:
            index[gram].append(i)
        index_last[i] = grams[index_length - 1]
        index_tail[i] = size - index_length
    if progress is not None:
        progress(len(items), len(items))
    return pairs


def similar_pairs_postgres(projects, threshold=CANDIDATE_SIMILARITY, touching=None):
    """The same pairs, found by pg_trgm's `%` operator over the trigram index of title_key.

    With `touching` (a set of pks), only the pairs with at least one of those projects.
    """
    by_pk = {item.pk: item for item in projects}
    if not by_pk:
        return []
    left = [pk for pk in by_pk if touching is None or pk in touching]
    # Every pair once when comparing all; both ways round when only some projects lead.
    join = "a.id < b.id" if touching is None else "a.id <> b.id"
    # set_config(..., true) lasts for the transaction: keep both statements in one.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)])
        # Joining unnest()ed id lists lets the planner hash them; `= ANY(array)` would be
        # evaluated per candidate row.
        cursor.execute(
            f"""
            SELECT a.id, b.id
            FROM unnest(%s::bigint[]) AS lead(id)
            JOIN workgroups_project a ON a.id = lead.id
            JOIN workgroups_project b ON {join} AND a.title_key %% b.title_key
            JOIN unnest(%s::bigint[]) AS wanted(id) ON wanted.id = b.id
            """,
            [left, list(by_pk)],
        )
        rows = {(min(a, b), max(a, b)) for a, b in cursor.fetchall()}
    return [(by_pk[a], by_pk[b]) for a, b in sorted(rows)]


def similar_pairs_touching(items, touching, threshold=CANDIDATE_SIMILARITY):
    """The pairs of `similar_pairs_python` that include one of the `touching` pks, found by
    comparing those few items with every other (cheap when a few projects were edited)."""
    pairs = set()
    for a in items:
        if a.pk not in touching:
            continue
        for b in items:
            if b.pk != a.pk and jaccard(a.grams, b.grams) >= threshold:
                pairs.add((a, b) if a.pk < b.pk else (b, a))
    return list(pairs)


def is_few(touched, total):
    """Whether comparing the `touched` projects with the other ones is cheaper than the whole join
    (about 1 in 20): below that, the touched ones are compared directly (or through pg_trgm's
    index); above it, the whole cycle is joined, which for large cycles is the background's work."""
    return touched * 20 < total


def find_overlaps(projects, *, use_database=None, touching=None, progress=None):
    """Scored candidate pairs among `projects`, best first.

    `use_database` forces (True) or avoids (False) pg_trgm; by default it is used on PostgreSQL.
    `touching` (pks) keeps only the pairs that include one of those projects: what an edit or an
    import of a few projects needs to look at. `progress(done, total)` follows the Python join.
    """
    items = [Item.from_project(project) for project in projects]
    if use_database is None:
        use_database = connection.vendor == "postgresql"
    if touching is not None:
        touching = set(touching)
    if use_database:
        pairs = similar_pairs_postgres(items, touching=touching)
    elif touching is not None and is_few(len(touching), len(items)):
        pairs = similar_pairs_touching(items, touching)
    else:
        pairs = similar_pairs_python(items, progress=progress)
        if touching is not None:
            pairs = [(a, b) for a, b in pairs if a.pk in touching or b.pk in touching]
    scored = (score_pair(a, b) for a, b in pairs)
    return sorted(
        (candidate for candidate in scored if candidate is not None),
        key=lambda c: (-c.score, c.first.pk, c.second.pk),
    )
