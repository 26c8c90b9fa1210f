"""Overlap detection among 5,000 projects: the Python join alone, then `overlaps_refresh` (load,
detect, store the pairs) on a throwaway SQLite database and, when BENCH_DATABASE_URL names one, on
PostgreSQL (pg_trgm).

Run: .venv/bin/python bench/overlaps.py
     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/overlaps.py
The PostgreSQL database is migrated and receives a bench cycle (fiscal year 1499) that is deleted
afterwards; use a database of its own. Target (issue 7): all pairs among 5,000 projects in under 10 s.
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")

ACTIONS = [
    "احداث",
    "تکمیل",
    "بهسازی",
    "ساماندهی",
    "نوسازی",
    "مطالعه و طراحی",
    "تجهیز",
    "توسعه",
    "خرید",
    "لایروبی",
]
OBJECTS = [
    "پارک محله‌ای",
    "بوستان",
    "پیاده‌راه",
    "پارکینگ طبقاتی",
    "تقاطع غیرهمسطح",
    "ایستگاه آتش‌نشانی",
    "فرهنگسرا",
    "زمین ورزشی چندمنظوره",
    "مسیل",
    "معابر",
    "سرویس بهداشتی",
    "پل عابر پیاده",
    "بازارچه",
    "خانه سلامت",
    "کتابخانه",
    "سالن ورزشی بانوان",
    "خط اتوبوس تندرو",
    "ناوگان اتوبوس",
    "کمربند سبز",
]
PLACES = ["محله", "خیابان", "بلوار", "میدان", "منطقه", "ناحیه", "شهرک"]
NAMES = [
    "گوهردشت",
    "مهرشهر",
    "حصارک",
    "فردیس",
    "عظیمیه",
    "گلشهر",
    "کمالشهر",
    "اسلام‌آباد",
    "باغستان",
    "شاهین‌ویلا",
]


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
            f"in {elapsed:.2f} s (target < 10 s)"
        )
        edited = Project.objects.filter(cycle=cycle).order_by("pk")[:1]
        start = time.perf_counter()
        overlaps_refresh(cycle=cycle, projects=list(edited))
        print(f"  after one edit (pairs touching one project): {time.perf_counter() - start:.2f} s")
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


def main():
    if os.environ.get("BENCH_CHILD"):
        bench_database()
        return
    import django

    django.setup()
    from karaj_budget.persian import search_key
    from workgroups.overlaps.detection import Item, score_pair, similar_pairs_python

    titles = synthetic_titles(5000)
    start = time.perf_counter()
    items = []
    for pk, title in enumerate(titles, start=1):
        items.append(Item.build(pk=pk, key=search_key(title), workgroup_id=pk % 7, requested_amount=1000))
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        pairs = similar_pairs_python(items)
        found = [c for c in (score_pair(a, b) for a, b in pairs) if c]
        runs.append(time.perf_counter() - start)
    print(f"python join, 5000 projects: {len(pairs)} candidate pairs, {len(found)} reported")
    print(f"  median {statistics.median(runs):.2f} s over {len(runs)} runs (target < 10 s)")
    with tempfile.TemporaryDirectory() as directory:
        run_child(f"sqlite:///{directory}/bench.sqlite3")
    if os.environ.get("BENCH_DATABASE_URL"):
        run_child(os.environ["BENCH_DATABASE_URL"])
    else:
        print("(set BENCH_DATABASE_URL to a PostgreSQL database to time the pg_trgm path)")


if __name__ == "__main__":
    main()
