"""Code suggestions on the coding page (docs/workflow.md, step 5): for an uncoded project, up to two
code pairs taken from already-coded projects of any workgroup, this cycle or earlier ones.

- Similar titles: a coded project whose title's trigram Jaccard similarity is at least 0.5 offers
  its pair of codes, scored by that similarity.
- Same unit, same program: when the project already has a program code, the budget lines that other
  coded projects of the same proposing unit used with that program (score 0.4).

Only codes still usable in the cycle are offered; nothing is applied, the head chooses.

Why a pool kept between requests (docs/performance.md, "Coding page against history"): the coded
projects of earlier cycles grow every year (about 2,000 a year in Karaj). Re-reading and
re-indexing all of them on every page view and after every save made both grow with history. The
pool of each fiscal year is kept in the process and brought up to date from the rows changed since
it was read (`Project.updated_at`, which every write of a title or a code sets), so a save reads
one or two rows, not the history. A count and a sum of the coded rows' ids catch a deletion.

Why the answers are the same as comparing with every coded project: two titles with similarity
at least t share at least ⌈t·|title|⌉ trigrams of each, so with every title's trigrams in one
fixed order their prefixes of |title| − ⌈t·|title|⌉ + 1 trigrams meet; only titles met that way
whose shared count can still reach t (`Pool.similar`) are compared, exactly and with the same
formula (tests/workgroups/test_coding_suggestions.py compares with the old code on the demo, on a
generated history, and across saves, clears and deletions).
"""

import functools
import gc
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain

from django.db.models import CharField, Count, Max, Q, Sum
from django.db.models.functions import Cast

from karaj_budget.persian import search_key
from programs.codes import BUDGET_LINE_LEVEL
from programs.models import BudgetCode, ProgramCode
from workgroups.coding import PROGRAM_LEVEL
from workgroups.models import Cycle, Project
from workgroups.overlaps.detection import trigrams

# The bounds in `Pool` are written for exactly one half (integers, so no rounding at the edge).
SIMILAR_TITLES = 0.5
SAME_UNIT_SCORE = 0.4
SIMILAR, SAME_UNIT = "عنوان مشابه", "همان واحد و همان برنامه"
MAX_SUGGESTIONS = 2
# A write stamps `updated_at` before it commits; one that commits after a later one was read would be
# missed by "changed since the newest stamp". Re-reading the last few minutes covers such writes.
CATCH_UP = timedelta(minutes=10)
# Rows of that window read again in full, past which the whole window is read (as one query, not as
# a list of ids: after a large import the window holds thousands).
CATCH_UP_BY_ID = 500
# Titles whose answers a pool keeps (a cycle's lists hold a few thousand).
MAX_KEPT_ANSWERS = 20_000


@dataclass
class Suggestion:
    program_code: ProgramCode
    budget_code: BudgetCode
    reason: str
    score: float = 0.0
    source_ids: list = field(default_factory=list)


def _usable_codes(cycle):
    programs = {
        c.pk: c
        for c in ProgramCode.objects.active()
        .valid_in(cycle.fiscal_year)
        .filter(level=PROGRAM_LEVEL, children__isnull=True)
    }
    budgets = {
        c.pk: c
        for c in BudgetCode.objects.active()
        .valid_in(cycle.fiscal_year)
        .filter(level=BUDGET_LINE_LEVEL, children__isnull=True)
    }
    return programs, budgets


# ---- The pool of coded projects -----------------------------------------------------------------

CODED = Q(program_code__isnull=False, budget_code__isnull=False)
POOL_FIELDS = ("pk", "title_key", "proposing_unit_id", "program_code_id", "budget_code_id", "updated_at")


class Pool:
    """The coded projects of every cycle up to `fiscal_year`, indexed by title trigram.

    `entries[pk]` is (trigrams, unit, program, budget, the order of its prefix's last trigram, size,
    ⌈size/2⌉ − 1, and the row's title key, unit, program and budget). `postings[gram]` lists the pks whose
    title's prefix has that trigram: the |t| − ⌈0.5·|t|⌉ + 1 first of its trigrams in one fixed
    order, rarest first (frequencies when the pool was read; trigrams unseen then come first). Two
    titles with similarity ≥ 0.5 share a trigram in both their prefixes, so common trigrams are
    rarely listed or looked up. A pk re-coded with a new title may stay listed under an old
    trigram: every candidate is checked against its current entry, so that only costs a look.
    """

    def __init__(self, fiscal_year):
        self.fiscal_year = fiscal_year
        self.entries = {}
        self.postings = defaultdict(list)
        self.rank = {}
        # The answers of `similar` for the titles asked about (the lists being coded), kept up to
        # date entry by entry, so that the page after a save does not search again.
        self.answers = {}
        # (unit, program) → budget line → pks of the coded projects that used them together
        self.by_unit_program = defaultdict(lambda: defaultdict(set))
        self.stamp = None
        # pk → `updated_at` (as text) of the rows of the catch-up window when last read (`catch_up`).
        self.read_at = {}

    def rows(self):
        return Project.objects.filter(cycle__fiscal_year__lte=self.fiscal_year)

    def current_stamp(self):
        coded = self.rows().filter(CODED)
        found = coded.aggregate(count=Count("pk"), ids=Sum("pk"), newest=Max("updated_at"))
        return (found["count"], found["ids"] or 0, found["newest"])

    def load(self, stamp):
        rows = list(self.rows().filter(CODED).values_list(*POOL_FIELDS))
        grams = {row[0]: trigrams(row[1]) for row in rows}
        frequency = Counter(gram for each in grams.values() for gram in each)
        self.rank = {gram: n for n, gram in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))}
        for row in rows:
            self._put(*row, grams=grams[row[0]])
        self.stamp = stamp

    def key(self, gram):
        """The fixed order of trigrams: rarest first when the pool was read; a trigram seen later
        gets a place before all of those, and keeps it."""
        rank = self.rank.get(gram)
        if rank is None:
            rank = self.rank[gram] = -len(self.rank) - 1
        return rank

    def prefix(self, grams):
        """A title's first |t| − ⌈0.5·|t|⌉ + 1 trigrams in the pool's order."""
        return sorted(grams, key=self.key)[: len(grams) - _at_least_half(len(grams)) + 1]

    def catch_up(self, stamp):
        """Apply the rows changed since the pool was read; False when that cannot explain `stamp`.

        The window's rows are first read as ids and stamps (as text: turning 4,200 stamps into
        datetimes took 23 ms, as text 3 ms), and read in full only where the stamp differs from
        the one read last time. Re-reading the whole window on every change cost about 20 ms of CPU
        a coding page for the 10 minutes after any large write (the load test's 4,200 fresh rows),
        against 2 ms once they were older than the window."""
        newest = self.stamp[2]
        if newest is None:
            return False
        # No ordering: the rows are applied one by one, in any order, and Project's default order
        # joins two tables.
        window = self.rows().filter(updated_at__gte=newest - CATCH_UP).order_by()
        stamps = dict(window.values_list("pk", Cast("updated_at", CharField())))
        changed = [pk for pk, at in stamps.items() if self.read_at.get(pk) != at]
        if changed:
            rows = window.filter(pk__in=changed) if len(changed) <= CATCH_UP_BY_ID else window
            for row in rows.values_list(*POOL_FIELDS):
                self._put(*row)
        # A row changed again between the two reads keeps the older stamp here: read again next time.
        self.read_at = stamps
        self.stamp = stamp
        return (len(self.entries), sum(self.entries)) == stamp[:2]

    def _put(self, pk, key, unit_id, program_id, budget_id, _updated_at, grams=None):
        old = self.entries.get(pk)
        if old is not None and old[7:] == (key, unit_id, program_id, budget_id):
            return  # re-read, unchanged
        if old is None and (program_id is None or budget_id is None):
            return
        self.entries.pop(pk, None)
        if old is not None:
            budgets = self.by_unit_program[(old[1], old[2])]
            budgets[old[3]].discard(pk)
            if not budgets[old[3]]:
                del budgets[old[3]]
        if program_id is None or budget_id is None:
            self._recheck(pk, None)
            return
        grams = trigrams(key) if grams is None else grams
        listed = set(self.prefix(old[0])) if old is not None else ()
        prefix = self.prefix(grams)
        for gram in prefix:
            if gram not in listed:
                self.postings[gram].append(pk)
        last = self.key(prefix[-1]) if prefix else None
        size = len(grams)
        entry = (grams, unit_id, program_id, budget_id, last, size, _at_least_half(size) - 1)
        self.entries[pk] = entry + (key, unit_id, program_id, budget_id)
        self.by_unit_program[(unit_id, program_id)][budget_id].add(pk)
        self._recheck(pk, self.entries[pk])

    def _recheck(self, pk, entry):
        """Bring the kept answers of `similar` up to date with one changed entry."""
        for grams, found in self.answers.items():
            found.pop(pk, None)
            if entry is not None:
                shared = len(grams & entry[0])
                score = shared / (len(grams) + entry[5] - shared)
                if score >= SIMILAR_TITLES:
                    found[pk] = (score, entry[2], entry[3])

    def similar(self, grams, *, skip=frozenset()):
        """(pk, similarity, program, budget) of every entry whose similarity with `grams` is ≥ 0.5.

        Two titles a and b with similarity ≥ t share s ≥ t/(1+t)·(|a| + |b|) trigrams (s/(|a|+|b|-s)
        ≥ t). Counting how many prefix trigrams each listed title shares with ours (k) bounds s:
        of the two prefixes, the one that ends earlier in the order (x) holds every shared trigram
        up to its end, so s ≤ k + (|x| − prefix length of x). A title whose bound is too low is
        skipped; the rest are compared exactly.
        """
        found = self.answers.get(grams)
        if found is None:
            if len(self.answers) >= MAX_KEPT_ANSWERS:
                self.answers.clear()
            found = self.answers[grams] = self._search(grams)
        return [(pk, *answer) for pk, answer in found.items() if pk not in skip]

    def _search(self, grams):
        size = len(grams)
        if not size:
            return {}
        prefix = self.prefix(grams)
        last = self.key(prefix[-1])
        tail = _at_least_half(size) - 1
        counts = Counter(chain.from_iterable(self.postings.get(gram, ()) for gram in prefix))
        found, entries = {}, self.entries
        for pk, k in counts.items():
            entry = entries.get(pk)
            if entry is None:
                continue
            other, _unit, _program, _budget, other_last, other_size, other_tail = entry[:7]
            # s ≥ t/(1+t)·(|a| + |b|) with t = 1/2: 3·s ≥ |a| + |b|.
            if 3 * (k + (other_tail if other_last <= last else tail)) < size + other_size:
                continue
            shared = len(grams & other)
            # The same expression as `overlaps.detection.jaccard`, so equal floats.
            score = shared / (size + other_size - shared)
            if score >= SIMILAR_TITLES:
                found[pk] = (score, entry[2], entry[3])
        return found

    def budgets_with(self, unit_id, program_id, *, skip=frozenset()):
        """Budget lines that coded projects of the unit used with the program."""
        used = self.by_unit_program.get((unit_id, program_id), {})
        return [budget_id for budget_id, pks in used.items() if not pks <= skip]


@functools.lru_cache(maxsize=MAX_KEPT_ANSWERS)
def title_grams(key):
    """The trigrams of a title being coded (its search key), kept: every coding page asks for the
    same few thousand titles again. 300 rows: 64.6 → 61.3 ms of CPU a page (medians of 40,
    alternated, on the load test's database)."""
    return trigrams(key)


def _at_least_half(size):
    """⌈0.5·size⌉: the trigrams a title of `size` shares with any title similar to it (≥ 0.5)."""
    return (size + 1) // 2


_pools = {}
_pools_lock = threading.Lock()


def _pool_for(fiscal_year):
    """The up-to-date pool for a fiscal year (call with `_pools_lock` held)."""
    pool = _pools.get(fiscal_year)
    stamp = Pool(fiscal_year).current_stamp() if pool is None else pool.current_stamp()
    if pool is not None and pool.stamp == stamp:
        return pool
    if pool is None or not pool.catch_up(stamp):
        pool = Pool(fiscal_year)
        pool.load(stamp)
        _pools[fiscal_year] = pool
        # The pool lives as long as the process: about 100,000 objects at 2,000 coded projects. Out
        # of the collector's reach (refcounting still frees a replaced pool), its full passes no
        # longer walk them: 70–80 ms once in about 20 coding pages (docs/performance.md).
        # freeze() takes every object alive now, not only the pool's: collect first, so that no
        # cyclic garbage waiting for the collector is frozen with it and kept for good. (What is
        # alive now and dies later through refcounting is still freed; only a cycle that dies
        # later would stay, and pools load rarely: once per process and change of history.)
        gc.collect()
        gc.freeze()
    return pool


def warm_pool():
    """Read the current cycle's pool now, and look up the titles its coding pages will ask about
    (the uncoded proposals), so that no person's first coding page in this process waits for
    either: gunicorn.conf.py calls this as each worker starts. At 10,000 coded projects of history
    the read takes about 0.3 s and the look-ups about 1 ms a title (docs/performance.md).
    Returns how many coded projects the pool holds, or None without a cycle."""
    cycle = Cycle.objects.current()
    if cycle is None:
        return None
    uncoded = (
        Project.objects.filter(cycle=cycle, state=Project.State.PROPOSED)
        .exclude(CODED)
        .values_list("title_key", "title")
    )
    with _pools_lock:
        pool = _pool_for(cycle.fiscal_year)
        for key, title in uncoded.iterator():
            pool.similar(title_grams(key or search_key(title)))
        return len(pool.entries)


def forget_pools():
    """Drop the kept pools (tests that rewrite history under the same stamp)."""
    with _pools_lock:
        _pools.clear()


# ---- Suggestions --------------------------------------------------------------------------------


def suggestions_for(projects, *, cycle):
    """Up to two code pairs for each uncoded project, from already-coded projects of any workgroup
    (this cycle or earlier ones): those with similar titles (trigram Jaccard ≥ 0.5), and those of
    the same proposing unit with the same program code. Only codes still usable in `cycle` are
    offered. Returns {project pk: [Suggestion, …]}; the head must choose one, nothing is applied.
    """
    wanting = [p for p in projects if not p.is_coded]
    if not wanting:
        return {}
    programs, budgets = _usable_codes(cycle)
    skip = {p.pk for p in wanting}
    # Held while reading too: another thread of this process may be bringing the pool up to date.
    with _pools_lock:
        pool = _pool_for(cycle.fiscal_year)
        return _suggest(pool, wanting, programs, budgets, skip)


def _suggest(pool, wanting, programs, budgets, skip):
    result = {}
    for project in wanting:
        grams = title_grams(project.title_key or search_key(project.title))
        scored = {}
        for _pk, score, program_id, budget_id in pool.similar(grams, skip=skip):
            if program_id not in programs or budget_id not in budgets:
                continue
            pair = (program_id, budget_id)
            if score > scored.get(pair, (0, ""))[0]:
                scored[pair] = (score, SIMILAR)
        if project.program_code_id and project.program_code_id in programs:
            same_unit = pool.budgets_with(project.proposing_unit_id, project.program_code_id, skip=skip)
            for budget_id in same_unit:
                if budget_id in budgets:
                    scored.setdefault((project.program_code_id, budget_id), (SAME_UNIT_SCORE, SAME_UNIT))
        best = sorted(scored.items(), key=lambda item: (-item[1][0], item[0]))[:MAX_SUGGESTIONS]
        suggestions = [
            Suggestion(programs[program_id], budgets[budget_id], reason, score)
            for (program_id, budget_id), (score, reason) in best
            if (program_id, budget_id) != (project.program_code_id, project.budget_code_id)
        ]
        if suggestions:
            result[project.pk] = suggestions
    return result
