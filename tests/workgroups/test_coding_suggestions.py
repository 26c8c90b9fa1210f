"""The kept, indexed pool of coded projects gives exactly the suggestions of the code it replaced
(every uncoded project compared with every coded one, rebuilt on each call), on the demo data and on
a generated history, and stays exact as codes are saved, cleared and projects deleted."""

import gc
import importlib.util
import random
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext

from karaj_budget.persian import search_key
from programs.models import BudgetCode, ProgramCode
from workgroups import coding, suggestions
from workgroups.models import Cycle, Project, Workgroup
from workgroups.overlaps.detection import jaccard, trigrams


def reference_suggestions(projects, *, cycle):
    """The code before the pool was kept (workgroups/coding.py until issue 14), verbatim in effect."""
    wanting = [p for p in projects if not p.is_coded]
    if not wanting:
        return {}
    programs, budgets = suggestions._usable_codes(cycle)
    coded = (
        Project.objects.filter(
            cycle__fiscal_year__lte=cycle.fiscal_year,
            program_code_id__in=programs,
            budget_code_id__in=budgets,
        )
        .exclude(pk__in=[p.pk for p in wanting])
        .values_list("pk", "title_key", "proposing_unit_id", "program_code_id", "budget_code_id")
    )
    pool, index, by_unit_program = [], defaultdict(list), defaultdict(set)
    for pk, key, unit_id, program_id, budget_id in coded:
        grams = trigrams(key)
        pool.append((pk, grams, unit_id, program_id, budget_id))
        for gram in grams:
            index[gram].append(len(pool) - 1)
        by_unit_program[(unit_id, program_id)].add(budget_id)
    result = {}
    for project in wanting:
        grams = trigrams(project.title_key or search_key(project.title))
        shared = Counter(i for gram in grams for i in index.get(gram, ()))
        scored = {}
        for i in shared:
            _pk, other, _unit_id, program_id, budget_id = pool[i]
            score = jaccard(grams, other)
            pair = (program_id, budget_id)
            if score >= 0.5 and score > scored.get(pair, (0, ""))[0]:
                scored[pair] = (score, "عنوان مشابه")
        if project.program_code_id:
            for budget_id in by_unit_program.get((project.proposing_unit_id, project.program_code_id), ()):
                scored.setdefault((project.program_code_id, budget_id), (0.4, "همان واحد و همان برنامه"))
        best = sorted(scored.items(), key=lambda item: (-item[1][0], item[0]))[:2]
        found = [
            (program_id, budget_id, reason, score)
            for (program_id, budget_id), (score, reason) in best
            if (program_id, budget_id) != (project.program_code_id, project.budget_code_id)
        ]
        if found:
            result[project.pk] = found
    return result


def as_tuples(offered):
    return {
        pk: [(s.program_code.pk, s.budget_code.pk, s.reason, s.score) for s in items]
        for pk, items in offered.items()
    }


def every_list(cycle):
    return [
        project
        for workgroup in Workgroup.objects.all()
        for project in coding.coding_projects(workgroup=workgroup, cycle=cycle)
    ]


def assert_same(cycle):
    projects = every_list(cycle)
    expected = reference_suggestions(projects, cycle=cycle)
    assert as_tuples(suggestions.suggestions_for(projects, cycle=cycle)) == expected
    return expected


WORDS = (
    "احداث تکمیل بهسازی نوسازی توسعه تجهیز مطالعه خرید پارک بوستان پیاده‌رو بزرگراه تقاطع پل "
    "کتابخانه فرهنگسرا سالن ورزشی بانوان ایستگاه آتش‌نشانی مسیل معابر محله منطقه خیابان بلوار "
    "گوهردشت مهرشهر فردیس عظیمیه گلشهر باغستان شمالی جنوبی ۱ ۲ ۳ ۸ ۱۲"
).split()


@pytest.fixture
def history(demo):
    """900 coded projects of an earlier cycle, a third of them variants of the current titles (near
    the threshold), the rest from a small vocabulary, with the demo's units and random codes; half
    the current cycle's projects get titles from that vocabulary too."""
    rng = random.Random(14)
    earlier, _ = Cycle.objects.get_or_create(fiscal_year=1398, defaults={"title": "بودجه سال ۱۳۹۸"})
    current = Cycle.objects.current()
    sample = list(
        Project.objects.filter(cycle=current).select_related("proposing_unit", "responsible_deputy")
    )
    programs = list(ProgramCode.objects.filter(level=4, children__isnull=True))
    budgets = list(BudgetCode.objects.filter(level=4, children__isnull=True))
    rows = []
    for number in range(900):
        like = rng.choice(sample)
        if number % 3:
            title = " ".join(rng.sample(WORDS, rng.randint(3, 6)))
        else:
            # Near the 0.5 threshold: a current title with a word dropped, added or swapped.
            words = like.title.split()
            words.pop(rng.randrange(len(words)))
            for _ in range(rng.randint(0, 2)):
                words.insert(rng.randrange(len(words) + 1), rng.choice(WORDS))
            title = " ".join(words)
        rows.append(
            Project(
                cycle=earlier,
                title=title,
                title_key=search_key(title),
                proposing_unit=like.proposing_unit,
                responsible_deputy=like.responsible_deputy,
                workgroup_id=like.workgroup_id,
                requested_amount=rng.randint(1, 500),
                program_code=rng.choice(programs),
                budget_code=rng.choice(budgets),
            )
        )
    Project.objects.bulk_create(rows)
    for project in rng.sample(sample, len(sample) // 2):  # after the variants were drawn
        project.title = " ".join(rng.sample(WORDS, rng.randint(3, 6)))
        project.save()
    return current


def test_same_suggestions_as_before_on_the_demo(demo):
    current = Cycle.objects.current()
    assert assert_same(current)  # the demo's uncoded projects do get suggestions


def test_same_suggestions_as_before_on_a_generated_history(history):
    expected = assert_same(history)
    reasons = Counter(item[2] for items in expected.values() for item in items)
    assert len(expected) >= 20 and reasons["عنوان مشابه"] >= 20


def test_still_the_same_after_saves_clears_and_deletions(history, personas):
    head = personas["head_a"]
    assert_same(history)  # the pool is now kept in this process
    civil = coding.coding_projects(workgroup=Workgroup.objects.get(slug="civil"), cycle=history)
    coding.project_code(project=civil[0], program_code="4-1-1-01", budget_code="40101001", user=head)
    coding.project_code(project=civil[1], program_code="4-1-1-01", user=head)
    assert_same(history)
    coding.project_code(project=civil[0], program_code=None, user=head)
    assert_same(history)
    Project.objects.filter(cycle__fiscal_year=1398).order_by("pk").first().delete()
    assert_same(history)


def test_a_save_reads_the_changed_rows_not_the_history(history, personas, monkeypatch):
    head = personas["head_a"]
    civil = coding.coding_projects(workgroup=Workgroup.objects.get(slug="civil"), cycle=history)
    suggestions.suggestions_for(civil, cycle=history)
    pool = suggestions._pools[history.fiscal_year]
    coding.project_code(project=civil[0], program_code="4-1-1-01", budget_code="40101001", user=head)
    loads = []
    monkeypatch.setattr(suggestions.Pool, "load", lambda self, stamp: loads.append(stamp))
    suggestions.suggestions_for([civil[1]], cycle=history)
    assert loads == [] and suggestions._pools[history.fiscal_year] is pool
    assert civil[0].pk in pool.entries


def test_a_write_that_commits_after_a_later_one_is_still_applied(history, personas):
    # Write A stamps its rows, write B stamps later and commits first, a page reads the pool, then
    # A commits: A's stamp is older than the newest the pool read, yet within the catch-up window.
    head = personas["head_a"]
    civil = coding.coding_projects(workgroup=Workgroup.objects.get(slug="civil"), cycle=history)
    coding.project_code(project=civil[0], program_code="4-1-1-01", budget_code="40101001", user=head)
    assert_same(history)  # the pool read B (civil[0]) and the window's stamps
    newest = Project.objects.get(pk=civil[0].pk).updated_at
    coded = Project.objects.filter(cycle__fiscal_year=1398).order_by("pk")[7]
    other = BudgetCode.objects.filter(children__isnull=True, level=4).exclude(pk=coded.budget_code_id)[0]
    Project.objects.filter(pk=coded.pk).update(budget_code=other, updated_at=newest - timedelta(seconds=30))
    coding.project_code(project=civil[1], program_code="4-1-2-01", budget_code="40301001", user=head)
    assert_same(history)
    pool = suggestions._pools[history.fiscal_year]
    assert pool.entries[coded.pk][3] == other.pk


def test_a_catch_up_reads_in_full_only_the_rows_whose_stamp_changed(history, personas):
    head = personas["head_a"]
    civil = coding.coding_projects(workgroup=Workgroup.objects.get(slug="civil"), cycle=history)
    suggestions.suggestions_for(civil, cycle=history)  # read
    coding.project_code(project=civil[0], program_code="4-1-1-01", budget_code="40101001", user=head)
    suggestions.suggestions_for(civil, cycle=history)  # caught up: the window's stamps noted
    pool = suggestions._pools[history.fiscal_year]
    # Every row of the fixture is younger than the window: all are in it.
    assert len(pool.read_at) == Project.objects.count() > 900
    coding.project_code(project=civil[2], program_code="4-1-2-01", budget_code="40301001", user=head)
    with CaptureQueriesContext(connection) as queries:
        suggestions.suggestions_for(civil[3:], cycle=history)
    full = [q["sql"] for q in queries.captured_queries if "title_key" in q["sql"]]
    assert len(full) == 1 and f"IN ({civil[2].pk})" in full[0]
    assert pool.entries[civil[2].pk][2] == ProgramCode.objects.get(code="4-1-2-01").pk


def test_a_loaded_pool_is_out_of_the_collectors_full_passes(history):
    # A full collection walking the pool's objects cost 70–80 ms once in about 20 coding pages;
    # frozen, the pool is still freed by refcounting once replaced (this test's second load).
    civil = coding.coding_projects(workgroup=Workgroup.objects.get(slug="civil"), cycle=history)
    gc.unfreeze()
    suggestions.forget_pools()
    try:
        suggestions.suggestions_for(civil, cycle=history)
        pool = suggestions._pools[history.fiscal_year]
        assert gc.get_freeze_count() > 0
        assert not any(tracked is pool.entries for tracked in gc.get_objects())
        suggestions.forget_pools()
        assert_same(history)  # a new pool is built and still answers as the reference does
        assert suggestions._pools[history.fiscal_year] is not pool
    finally:
        gc.unfreeze()


def _gunicorn_conf():
    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", Path(__file__).parents[2] / "gunicorn.conf.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_worker_reads_the_pool_before_its_first_coding_page(history, monkeypatch):
    # gunicorn.conf.py's post_worker_init: the current cycle's pool is read at worker start, and the
    # first coding page in that worker finds it ready, not reading the history again.
    gunicorn_conf = _gunicorn_conf()
    suggestions.forget_pools()
    closed, compiled = [], []
    monkeypatch.setattr("django.db.connections.close_all", lambda: closed.append(True))
    jinja2 = engines["jinja2"]
    monkeypatch.setattr(jinja2, "get_template", lambda name: compiled.append(name))
    pages = []
    monkeypatch.setattr(engines["django"], "get_template", lambda name: pages.append(name))
    gunicorn_conf.post_worker_init(worker=None)
    assert compiled == ["workgroups/_ranking_row.html", "workgroups/_coding_row.html"]
    # Every page's and fragment's Django template, none of the Jinja2 ones (they would not compile).
    assert {"base.html", "workgroups/coding_edit.html", "workgroups/_coding_status.html"} <= set(pages)
    assert len(pages) == len(set(pages)) > 50 and not any(name.startswith("jinja2/") for name in pages)
    pool = suggestions._pools[history.fiscal_year]
    coded = Project.objects.filter(cycle__fiscal_year__lte=history.fiscal_year).filter(suggestions.CODED)
    assert len(pool.entries) == coded.count() >= 900 and closed == [True]
    loads, searches = [], []
    monkeypatch.setattr(suggestions.Pool, "load", lambda self, stamp: loads.append(stamp))
    monkeypatch.setattr(suggestions.Pool, "_search", lambda self, grams: searches.append(grams) or {})
    civil = coding.coding_projects(workgroup=Workgroup.objects.get(slug="civil"), cycle=history)
    assert suggestions.suggestions_for(civil, cycle=history)
    # Neither the history nor the list's titles are looked up again: both were, as it started.
    assert loads == [] and searches == [] and suggestions._pools[history.fiscal_year] is pool


def test_the_warm_up_compiles_every_django_template_and_the_url_map(db, monkeypatch):
    # The real engine, not a stand-in: a template that does not compile fails here, not in a worker's
    # log. After the warm-up the URL map is built and each page's template is in the engine's cache.
    from django.template.loaders.cached import Loader
    from django.urls import clear_url_caches, get_resolver

    from workgroups import warmup

    monkeypatch.setattr(suggestions, "warm_pool", lambda: None)
    loaders = engines["django"].engine.template_loaders
    (cached,) = [loader for loader in loaders if isinstance(loader, Loader)]
    cached.reset()
    clear_url_caches()
    assert not get_resolver()._populated
    warmup.warm_worker()
    assert get_resolver()._populated
    pages = {"base.html", "workgroups/coding_edit.html", "workgroups/ranking.html"}
    assert pages <= set(cached.get_template_cache)


def test_a_failed_warm_up_does_not_stop_the_worker(db, monkeypatch, caplog):
    gunicorn_conf = _gunicorn_conf()
    monkeypatch.setattr(suggestions, "warm_pool", lambda: 1 / 0)
    gunicorn_conf.post_worker_init(worker=None)
    assert "warm-up failed" in caplog.text
