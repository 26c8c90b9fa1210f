"""Overlap detection among 5,000 projects: time of the Python join and of the pg_trgm path.

Run: .venv/bin/python bench/overlaps.py  (SQLite: Python path only)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/overlaps.py
Target (issue 7): all pairs among 5,000 projects in under 10 s.
"""

import os
import random
import statistics
import sys
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


def main():
    import django

    django.setup()
    from django.db import connection

    from karaj_budget.persian import search_key
    from workgroups.overlaps import Item, score_pair, similar_pairs_python

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
    if connection.vendor == "postgresql":
        print("  (pg_trgm path: run through the project table; see tests/workgroups/test_overlaps*.py)")


if __name__ == "__main__":
    main()
