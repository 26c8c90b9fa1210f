"""Overlap detection: near-duplicate titles found, look-alikes with different numbers kept apart."""

import pytest

from karaj_budget.persian import search_key
from workgroups.overlaps.detection import Item, find_overlaps, score_pair, similar_pairs_python


def item(pk, title, *, workgroup=1, location="", program=None, amount=1000):
    return Item.build(
        pk=pk,
        key=search_key(title),
        workgroup_id=workgroup,
        location_key=search_key(location),
        program_code_id=program,
        requested_amount=amount,
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("احداث پارک محله ای", "احداث پارك محله اي"),  # Arabic letters
        ("احداث پیاده‌رو خیابان چهارم", "احداث پیاده رو خیابان چهارم"),  # ZWNJ or space
        ("احداث پیاده‌رو خیابان چهارم", "احداث پیادهرو خیابان چهارم"),  # no separator at all
        ("خرید ۱۰۰ دستگاه اتوبوس شهری", "خرید 100 دستگاه اتوبوس شهری"),  # digit forms
        ("خرید ۱۰۰ دستگاه اتوبوس شهری", "خرید ١٠٠ دستگاه اتوبوس شهري"),  # Arabic-Indic digits
        ("احداث پارک مادر و کودک", "پارک مادر و کودک احداث"),  # word order
        ("لایروبی و ساماندهی مسیل‌ها پیش از فصل بارش", "لایروبی و ساماندهی مسیلها قبل از فصل بارش"),
    ],
)
def test_near_duplicates_are_found(first, second):
    candidate = score_pair(item(1, first), item(2, second))
    assert candidate is not None, (first, second)
    assert candidate.score >= 0.6


def test_same_words_with_different_numbers_score_low():
    a = item(1, "احداث پارک محله ۳")
    b = item(2, "احداث پارک محله ۸")
    assert score_pair(a, b) is None


def test_unrelated_titles_are_not_paired():
    assert score_pair(item(1, "احداث ایستگاه آتش‌نشانی شماره ۲۴"), item(2, "خرید اتوبوس شهری")) is None


def test_reasons_explain_the_score():
    a = item(1, "احداث پارک مادر و کودک", workgroup=7, location="منطقه ۴", amount=40_000)
    b = item(2, "احداث پارک مادر و کودک منطقه ۴", workgroup=6, location="منطقه ۴", amount=40_000)
    candidate = score_pair(a, b)
    assert candidate.score >= 0.9
    assert "محل اجرای یکسان" in candidate.reasons
    assert "اعتبار درخواستی نزدیک" in candidate.reasons
    assert "در دو کارگروه متفاوت" in candidate.reasons


def test_vague_locations_do_not_count_as_the_same_place():
    a = item(1, "مطالعه ساختار سازمانی", location="ستاد", amount=1)
    b = item(2, "مطالعه ساختار سازمانی مناطق", location="ستاد", amount=900)
    assert "محل اجرای یکسان" not in score_pair(a, b).reasons


def test_join_finds_the_same_pairs_as_comparing_everything():
    titles = [
        "احداث پارک محله ای",
        "احداث پارك محله اي",
        "احداث پارک محله ۳",
        "احداث پارک محله ۸",
        "خرید اتوبوس شهری",
        "خرید ۱۰۰ دستگاه اتوبوس شهری",
        "لایروبی مسیل‌ها",
        "لایروبی مسیل های منطقه ۸",
        "تکمیل بزرگراه شمالی",
        "تکمیل بزرگراه شمالی کرج",
    ]
    items = [item(pk, title) for pk, title in enumerate(titles, start=1)]
    brute = {
        (a.pk, b.pk)
        for index, a in enumerate(items)
        for b in items[index + 1 :]
        if len(a.grams & b.grams) / len(a.grams | b.grams) >= 0.4
    }
    joined = {(a.pk, b.pk) for a, b in similar_pairs_python(items)}
    assert joined == brute


def test_demo_data_overlaps_across_workgroups(demo):
    from workgroups.models import Cycle, Project

    projects = Project.objects.filter(cycle=Cycle.objects.current()).active()
    found = find_overlaps(projects, use_database=False)
    titles = {(c.first.key, c.second.key) for c in found}
    across = [c for c in found if c.first.workgroup_id != c.second.workgroup_id]
    assert len(across) >= 4, titles
    keys = {frozenset((c.first.key, c.second.key)) for c in found}
    bus = frozenset(
        {
            search_key("خرید ۱۰۰ دستگاه اتوبوس شهری (مصوبه ۱۳۹۸/۰۸/۱۲ شورا)"),
            search_key("خرید ١٠٠ دستگاه اتوبوس شهري"),
        }
    )
    assert bus in keys
