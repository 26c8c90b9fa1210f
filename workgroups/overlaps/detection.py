"""Finding the same need proposed twice: candidate pairs of projects with a score and reasons.

Titles are compared by their search keys (Persian normalised, digits ASCII) with pg_trgm's
measure: the Jaccard similarity of the sets of word trigrams, each word padded with two spaces
before and one after. On PostgreSQL the pg_trgm index finds the pairs of a few projects; for a
whole cycle, and on other databases, a join in Python (`joined_pairs`, which counts shared
trigrams for all titles at once) finds the same ones, and only those that can be reported are
scored (`candidate_pairs`). Either way the candidates are scored here, by the same code, so both
databases give the same answers (docs/performance.md, "Overlaps"):

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

from django.db import connection, transaction

from karaj_budget.jalali import persian_digits
from karaj_budget.persian import search_key

# Candidate pairs are collected below the reporting threshold so that small differences between
# pg_trgm's trigram hashing and ours cannot change which pairs are reported.
CANDIDATE_SIMILARITY = 0.4
MIN_TITLE_SIMILARITY = 0.5
REPORT_SCORE = 0.6
PROGRESS_EVERY = 500
# The Python join (joined_pairs): a trigram in at least one title in DENSE_SHARE is counted
# for all titles at once in one big integer; the integers are cut every TRIM_EVERY titles.
DENSE_SHARE = 64
TRIM_EVERY = 2048

WORD = re.compile(r"[^\W_]+")
NUMBER = re.compile(r"\d+")
# Locations that say nothing about where a project is.
VAGUE_LOCATIONS = {search_key(text) for text in ("چندمنطقه‌ای", "ستاد", "خارج از محدوده", "")}
# Byte value → 1 when its top bit is set: the fields of the Python join that reached the bound.
TOP_BIT = bytes(value >> 7 for value in range(256))


def trigrams(text):
    """pg_trgm's trigrams of an already normalised text.

    Each trigram is the one shared string object for that trigram (`_TRIGRAMS`): comparing two
    titles' sets then finds equal trigrams by identity, without comparing their characters, and
    20,000 titles keep one copy of each (bench/overlaps.py: less CPU in scoring, less memory).
    """
    return frozenset().union(*map(word_trigrams, words(text)))


def words(text):
    """The distinct words of an already normalised text, as pg_trgm splits them."""
    return set(WORD.findall(text.lower()))


def word_trigrams(word):
    padded = f"  {word} "
    return {_TRIGRAMS.setdefault(gram, gram) for gram in (padded[i : i + 3] for i in range(len(padded) - 2))}


# One string per distinct trigram: it grows with the vocabulary (a few thousand trigrams on a
# city's titles), not with the number of titles.
_TRIGRAMS = {}


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


def least_shared(threshold, size, other_size):
    """The fewest shared trigrams with which two sets of these sizes can reach `threshold`.

    shared / (|x| + |y| − shared) ≥ t ⇔ shared ≥ t·(|x| + |y|)/(1 + t). Rounded down after taking
    off far more than the floating-point error (sizes are a few hundred at most), so that a pair
    the exact comparison accepts is never left out; at least 1, since a pair sharing nothing has
    similarity 0.
    """
    return max(1, math.floor(threshold * (size + other_size) / (1 + threshold) - 1e-9))


def candidate_pairs(items, progress=None):
    """The pairs of items that `score_pair` may report, for the Python join.

    The pairs reported were, and still are, those of {word trigrams ≥ CANDIDATE_SIMILARITY (0.4)}
    that `score_pair` keeps. It keeps none whose title similarity, the better of the word and the
    compact (no spaces) trigrams, is below MIN_TITLE_SIMILARITY (0.5). So the reported pairs all lie
    in {word ≥ 0.5} ∪ ({compact ≥ 0.5} ∩ {word ≥ 0.4}), and only those are scored: the same
    reports, with the scoring of the many pairs between 0.4 and 0.5 that cannot be reported left
    out (tests/workgroups/test_overlap_candidates.py). 0.5 cannot be raised: a pair at exactly 0.5
    with one bonus scores 0.6 and is reported; different numbers halve the score, so such a pair
    needs 0.6, but that is known only pair by pair, in `score_pair`.
    """
    return [
        (first, second)
        for first, second, similarity in joined_pairs(items, CANDIDATE_SIMILARITY, progress)
        if similarity >= MIN_TITLE_SIMILARITY
        or jaccard(first.compact_grams, second.compact_grams) >= MIN_TITLE_SIMILARITY
    ]


def similar_pairs_python(items, threshold=CANDIDATE_SIMILARITY, progress=None):
    """All pairs of items whose word trigram sets have Jaccard similarity ≥ threshold
    (`joined_pairs` without the similarities)."""
    return [(first, second) for first, second, _ in joined_pairs(items, threshold, progress)]


def joined_pairs(items, threshold, progress=None):
    """Each pair of items whose trigram sets have Jaccard similarity ≥ threshold, once, with it:
    (first, second, similarity), the first with the smaller pk. Every item's grams must be
    `trigrams(item.key)` (as `Item.build` makes them): titles are added up word by word.

    Counting instead of probing. The prefix-filtered join this replaces (AllPairs) looked every
    candidate up in the prefixes' index lists; on titles built from common words the prefixes hold
    common trigrams, so the look-ups grew as n² (about 30 s of CPU at 20,000 titles)
    (docs/performance.md, "Overlaps"). Here the shared-trigram count of one title with all the
    others is found with one big-integer addition per trigram, which Python does in C:

    - titles are sorted by size and title r owns field r, `width` bytes wide, of every integer;
    - a common trigram's integer holds 1 in the field of every title that has it, so the sum of a
      title's trigrams' integers holds, in each field, the number of trigrams it shares with that
      title (a count never reaches the top bit of a field: `width` is chosen so);
    - a pair reaches t only if shared ≥ t·(|x| + |y|)/(1 + t) (`least_shared`): adding
      `top − least_shared` to every field sets the top bit exactly in the fields that can still
      reach t, and only those are compared, with the same expression as before, so the pairs are
      the same (tests/workgroups/test_overlap_join_parity.py);
    - rare trigrams (in fewer than one title in DENSE_SHARE) would waste a whole integer each, so
      they keep a list of their titles and are counted one by one, which is cheap because they are
      rare;
    - titles are visited from the last field down and each pair is looked at from its later
      field, so the integers are cut to the fields still needed every TRIM_EVERY titles.

    `progress(done, total)`, if given, is called every PROGRESS_EVERY titles and at the end.
    """
    order = sorted((item for item in items if item.grams), key=lambda item: len(item.grams))
    total = len(order)
    sizes = [len(item.grams) for item in order]
    width = (max(sizes, default=0).bit_length() + 8) // 8
    top = 1 << (8 * width - 1)
    titles_of = defaultdict(list)
    for field_index, item in enumerate(order):
        for gram in item.grams:
            titles_of[gram].append(field_index)
    dense, sparse = {}, {}
    for gram, fields in titles_of.items():
        if len(fields) * DENSE_SHARE >= total:
            row = bytearray(total * width)
            for field_index in fields:
                row[field_index * width] = 1
            dense[gram] = int.from_bytes(row, "little")
        else:
            sparse[gram] = fields
    del titles_of
    # A title's count is the sum over its words instead of its trigrams (5–7 additions instead of
    # 30–40): each common word's trigrams are added up once, and a trigram in two of a title's
    # words is taken off again, since sets count it once.
    word_titles = Counter(word for item in order for word in words(item.key))
    common_words = {word for word, count in word_titles.items() if count * DENSE_SHARE >= total}
    by_word = {}
    limit, offsets = total, {}
    runs = sorted(Counter(sizes).items())
    for position in reversed(range(total)):
        done = total - 1 - position
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(items))
        if position + TRIM_EVERY < limit:
            limit = position + 1
            mask = (1 << (8 * width * limit)) - 1
            dense = {gram: row & mask for gram, row in dense.items()}
            runs = sorted(Counter(sizes[:limit]).items())
            offsets.clear()
            by_word.clear()
        item, size = order[position], sizes[position]
        if size not in offsets:
            # Fields are sorted by size: one run of equal offsets per size.
            offsets[size] = int.from_bytes(
                b"".join(
                    (top - least_shared(threshold, size, other_size)).to_bytes(width, "little") * count
                    for other_size, count in runs
                ),
                "little",
            )
        counted = offsets[size]
        times = Counter()
        for word in words(item.key):
            grams = word_trigrams(word)
            times.update(grams)
            if word in common_words:
                if word not in by_word:
                    by_word[word] = sum(dense[gram] for gram in grams if gram in dense)
                counted += by_word[word]
            else:
                counted += sum(dense[gram] for gram in grams if gram in dense)
        # Before this a field may overflow into the next; the integer is exact, so once the
        # duplicates are taken off every field holds its own count again.
        for gram, count in times.items():
            if count > 1 and gram in dense:
                counted -= (count - 1) * dense[gram]
        fields = counted.to_bytes(limit * width, "little")[: position * width]
        rare = Counter()
        for gram in item.grams:
            if gram in sparse:
                titles = sparse[gram]
                titles.pop()  # this title, the last one left: every pair is looked at once
                rare.update(titles)
        # Fields whose top bit is set, and those that the rare trigrams may still lift to it.
        reach = fields[width - 1 :: width].translate(TOP_BIT)
        candidates = []
        index = reach.find(1)
        while index != -1:
            candidates.append(index)
            index = reach.find(1, index + 1)
        candidates.extend(index for index in rare if not reach[index])
        for index in candidates:
            value = int.from_bytes(fields[index * width : (index + 1) * width], "little")
            other_size = sizes[index]
            shared = value - top + least_shared(threshold, size, other_size) + rare[index]
            similarity = shared / (size + other_size - shared)
            if similarity >= threshold:
                other = order[index]
                yield (item, other, similarity) if item.pk < other.pk else (other, item, similarity)
    if progress is not None:
        progress(len(items), len(items))


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
        pairs = candidate_pairs(items, progress=progress)
        if touching is not None:
            pairs = [(a, b) for a, b in pairs if a.pk in touching or b.pk in touching]
    return reported(pairs)


def reported(pairs):
    """The pairs worth a person's look, scored, best first."""
    scored = (score_pair(a, b) for a, b in pairs)
    return sorted(
        (candidate for candidate in scored if candidate is not None),
        key=lambda c: (-c.score, c.first.pk, c.second.pk),
    )
