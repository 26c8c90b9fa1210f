"""Overlap detection: the Python join (candidates and scoring) at growing sizes, then
`overlaps_refresh` (load, detect, store the pairs) among 5,000 projects on a throwaway SQLite
database and, when BENCH_DATABASE_URL names one, on PostgreSQL (pg_trgm).

Two sets of titles: realistic ones (bench/_titles.py: a large vocabulary, 3% repeats) at 1,000,
5,000, 20,000 and 50,000 (OVERLAP_SIZES=1000,5000,20000 leaves out 50,000: about 25 s of CPU and
450 MB), and the harsh synthetic set below (almost every title has near-duplicates) at 5,000, as
measured before. Each size runs in its own process: its peak memory is that process's VmHWM; CPU
beside wall. Up to OVERLAP_PARITY_UP_TO titles (5,000; the old join needs about 35 s at 20,000)
the reported pairs, scores and reasons are compared with those of the join of before issue 14
(bench/_overlaps_reference.py).

Run: .venv/bin/python bench/overlaps.py
     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/overlaps.py
The PostgreSQL database is migrated and receives a bench cycle (fiscal year 1499) that is deleted
afterwards; use a database of its own. Targets: 5,000 projects in under 10 s (issue 7); 20,000 in
under 15 s and 400 MB (issue 14); 50,000 measured.
"""

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")

from _titles import NAMES as REALISTIC_NAMES  # noqa: E402
from _titles import OBJECTS as REALISTIC_OBJECTS  # noqa: E402
from _titles import PLACES as REALISTIC_PLACES  # noqa: E402
from _titles import VERBS, realistic_titles  # noqa: E402

SIZES = [int(n) for n in os.environ.get("OVERLAP_SIZES", "1000,5000,20000,50000").split(",")]
# The join of before issue 14 takes about 35 s of CPU at 20,000 titles and several minutes at 50,000.
PARITY_UP_TO = int(os.environ.get("OVERLAP_PARITY_UP_TO", "5000"))

# The harsh set: a small part of bench/_titles.py's vocabulary, so that almost every title has
# near-duplicates; the words and their order are those its figures were measured with
# (`rng.choice` picks by position), two of them not in the realistic lists.
ACTIONS = [*VERBS[:5], "مطالعه و طراحی", *VERBS[5:9]]
OBJECTS = REALISTIC_OBJECTS[:19]
PLACES = [*REALISTIC_PLACES[:4], "منطقه", "ناحیه", REALISTIC_PLACES[4]]
NAMES = REALISTIC_NAMES[:10]


def synthetic_titles(count, seed=1399):
    rng = random.Random(seed)
    titles = []
    for _ in range(count):
        title = f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)} {rng.choice(PLACES)} {rng.choice(NAMES)}"
        if rng.random() < 0.5:
            title += f" {rng.randint(1, 40)}"
        if rng.random() < 0.05:  # a near-duplicate typed differently
            title = title.replace("ی", "ي").replace("ک", "ك")
        titles.append(title)
    return titles


BENCH_YEAR = 1499
# Seconds: 5,000 titles (issue 7), 20,000 titles, also under 400 MB (issue 14); 1,000 and 50,000
# have none (50,000 is "measured and reported").
JOIN_TARGETS = {5000: 10, 20000: 15}
REFRESH_TARGET = 10


def bench_database():
    """In a child process whose DATABASE_URL is the database to time: migrate, insert 5,000
    synthetic projects, time overlaps_refresh over them, delete them."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from karaj_budget.persian import normalize_text, search_key
    from programs.models import Unit
    from workgroups.models import Cycle, OverlapPair, Project, Workgroup
    from workgroups.overlaps.detection import find_overlaps
    from workgroups.overlaps.services import overlaps_refresh

    call_command("migrate", verbosity=0)
    deputy, _ = Unit.objects.get_or_create(code="BENCH", defaults={"name": "معاونت آزمون", "kind": "deputy"})
    workgroup, _ = Workgroup.objects.get_or_create(slug="bench", defaults={"name": "آزمون", "deputy": deputy})
    cycle, _ = Cycle.objects.get_or_create(fiscal_year=BENCH_YEAR, defaults={"title": "آزمون"})
    try:
        Project.objects.filter(cycle=cycle).delete()
        rng = random.Random(7)
        projects = [
            Project(
                cycle=cycle,
                title=normalize_text(title),
                title_key=search_key(normalize_text(title)),
                proposing_unit=deputy,
                responsible_deputy=deputy,
                workgroup=workgroup,
                requested_amount=rng.randint(1, 100) * 1000,
            )
            for title in synthetic_titles(5000)
        ]
        Project.objects.bulk_create(projects, batch_size=1000)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE workgroups_project")
        start = time.perf_counter()
        result = overlaps_refresh(cycle=cycle)
        elapsed = time.perf_counter() - start
        print(
            f"overlaps_refresh on {connection.vendor}, 5000 projects: {result.created} pairs stored "
            f"in {elapsed:.2f} s wall (target < {REFRESH_TARGET} s: "
            f"{'met' if elapsed < REFRESH_TARGET else 'NOT met'})"
        )
        edited = Project.objects.filter(cycle=cycle).order_by("pk")[:1]
        start = time.perf_counter()
        overlaps_refresh(cycle=cycle, projects=list(edited))
        print(
            f"  after one edit (pairs touching one project): {time.perf_counter() - start:.2f} s wall; "
            "no target"
        )
        if connection.vendor == "postgresql":
            projects = list(Project.objects.filter(cycle=cycle))
            start = time.perf_counter()
            found = find_overlaps(projects, use_database=True)
            print(
                f"  pg_trgm self-join over all 5000 (not used for whole cycles): {len(found)} pairs "
                f"in {time.perf_counter() - start:.2f} s"
            )
    finally:
        OverlapPair.objects.filter(cycle=cycle).delete()
        Project.objects.filter(cycle=cycle).delete()
        cycle.delete()
        workgroup.delete()
        deputy.delete()


def run_child(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "BENCH_CHILD": "1"}
    subprocess.run([sys.executable, __file__], env=env, check=True)


def join_child(generator, count):
    """One size in this process: build the items, find and score the pairs as find_overlaps does;
    print the figures as JSON. The peak is read before the parity check, which runs the join of
    before issue 14 (bench/_overlaps_reference.py) on the same items when count ≤ PARITY_UP_TO."""
    import json

    import django

    django.setup()
    from _measure import Timed, peak_mb
    from _overlaps_reference import reference_reports, summary

    from karaj_budget.persian import search_key
    from workgroups.overlaps.detection import Item, candidate_pairs, reported

    titles = (realistic_titles if generator == "realistic" else synthetic_titles)(count)
    with Timed() as timed:
        items = [
            Item.build(pk=pk, key=search_key(title), workgroup_id=pk % 7, requested_amount=1000)
            for pk, title in enumerate(titles, start=1)
        ]
        pairs = candidate_pairs(items)
        found = reported(pairs)
    figures = {"pairs": len(pairs), "reported": len(found), "wall": timed.wall, "cpu": timed.cpu}
    figures["peak"] = peak_mb()
    if count <= PARITY_UP_TO:
        with Timed() as reference:
            figures["same"] = summary(found) == summary(reference_reports(items))
        figures["reference_cpu"] = reference.cpu
    print(json.dumps(figures))


def run_join(generator, count):
    import json

    out = subprocess.run(
        [sys.executable, __file__, "--join", generator, str(count)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    if os.environ.get("BENCH_CHILD"):
        bench_database()
        return
    if sys.argv[1:2] == ["--join"]:
        join_child(sys.argv[2], int(sys.argv[3]))
        return
    print("python join and scoring, one process per size (peak = its VmHWM)")
    for generator, count in [("realistic", n) for n in SIZES] + [("harsh", 5000)]:
        r = run_join(generator, count)
        target = JOIN_TARGETS.get(count)
        if target:
            met = r["wall"] < target and (count != 20000 or r["peak"] < 400)
            verdict = f"; target < {target} s" + (" and < 400 MB" if count == 20000 else "")
            verdict += f": {'met' if met else 'NOT met'} (CPU {'met' if r['cpu'] < target else 'NOT met'})"
        else:
            verdict = "; no target (measured)"
        print(
            f"  {generator:9} {count:>6,}: {r['pairs']:>9,} pairs scored, {r['reported']:>7,} reported; "
            f"{r['wall']:7.2f} s wall, {r['cpu']:7.2f} s CPU, peak {r['peak']:.0f} MB{verdict}"
        )
        if "same" in r:
            print(
                f"  {'':16}same reported pairs, scores and reasons as before issue 14: "
                f"{'yes' if r['same'] else 'NO'} (the old join: {r['reference_cpu']:.2f} s CPU)"
            )
    with tempfile.TemporaryDirectory() as directory:
        run_child(f"sqlite:///{directory}/bench.sqlite3")
    if os.environ.get("BENCH_DATABASE_URL"):
        run_child(os.environ["BENCH_DATABASE_URL"])
    else:
        print("(set BENCH_DATABASE_URL to a PostgreSQL database to time the pg_trgm path)")


if __name__ == "__main__":
    main()
