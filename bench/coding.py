"""The coding page and a code save against a growing history of coded projects.

The head of one workgroup codes a list of 300 projects; the suggestions compare them with every
project already coded in this cycle or an earlier one. The history grows as Karaj's does (about
2,000 coded projects a year): 0, 2,000 and 10,000. For each size: the first page view in a fresh
process that has not read the pool (it reads the history), the same after the pool was read as a
gunicorn worker does when it starts (gunicorn.conf.py), then a save (a picker's choice, as the
page's script posts it) followed by a page view, RUNS times: the page after someone's save is
the deadline week's case.

Run: .venv/bin/python bench/coding.py          (a throwaway SQLite file)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/coding.py
     (PostgreSQL: a throwaway test_<name> database, dropped at the end)
Targets (issue 14): page < 250 ms at 300 rows against 10,000 coded projects; a save < 50 ms
whatever the history. Times are in-process (Django's test client), medians, CPU beside wall; memory
is this process's VmHWM.

The floor is the page's data without its markup: the projects, the list's state, their codes'
paths, warnings and suggestions, built by the functions the view calls. Floor and page runs
alternate, the order turning round by round, so a busy machine slows both alike; the difference is
what drawing the rows (and the rest of the response) costs.
"""

import io
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

from _history import add_coded_history  # noqa: E402
from _measure import Timed, median_ms, peak_mb, verdict  # noqa: E402
from _titles import realistic_titles  # noqa: E402

LIST = 300
HISTORIES = [int(n) for n in os.environ.get("CODING_HISTORIES", "0,2000,10000").split(",")]
RUNS = 10
PAGE_TARGET_MS, SAVE_TARGET_MS = 250, 50


def forget_pools():
    try:
        from workgroups.suggestions import forget_pools as forget
    except ImportError:  # the code before the pool was kept
        return
    forget()


def warm_pool():
    try:
        from workgroups.suggestions import warm_pool as warm
    except ImportError:  # the code before workers read the pool as they start
        return
    warm()


def build_list():
    from django.core.management import call_command

    from workgroups.models import Cycle, Project, Workgroup

    call_command("seed_demo", stdout=io.StringIO())
    cycle = Cycle.objects.current()
    workgroup = Workgroup.objects.get(slug="civil")
    like = list(Project.objects.filter(cycle=cycle, workgroup=workgroup))
    rng = random.Random(14)
    Project.objects.bulk_create(
        [
            Project(
                cycle=cycle,
                workgroup=workgroup,
                responsible_deputy_id=like[0].responsible_deputy_id,
                proposing_unit_id=rng.choice(like).proposing_unit_id,
                title=title,
                title_key=_key(title),
                requested_amount=rng.randrange(100, 50_000),
            )
            for title in realistic_titles(LIST - len(like), seed=2)
        ]
    )
    return workgroup, cycle


def _key(title):
    from karaj_budget.persian import normalize_text, search_key

    return search_key(normalize_text(title))


def grow_history(cycle, total, done):
    """Coded projects in earlier cycles, up to `total` in all (2,000 a year, bench/_history.py)."""
    if total <= done:
        return done
    add_coded_history(
        cycle,
        total - done,
        titles=iter(realistic_titles(total - done, seed=total)),
        rng=random.Random(total),
        per_year=2000,
        start=done,
    )
    return total


def measure(workgroup, cycle, history):
    from django.contrib.auth import get_user_model
    from django.test import Client, RequestFactory
    from django.urls import reverse

    from programs.models import BudgetCode, ProgramCode
    from workgroups import coding
    from workgroups.views.coding import _rows, _status_context

    head = get_user_model().objects.get(username="head_civil")
    client = Client()
    client.force_login(head)
    page_url = reverse("workgroups:coding-edit", args=[workgroup.slug])
    program = ProgramCode.objects.get(code="4-1-1-01")
    budget = BudgetCode.objects.get(code="40101001")
    forget_pools()
    with Timed() as cold:
        response = client.get(page_url)
    assert response.status_code == 200, response.status_code
    # As under gunicorn (gunicorn.conf.py): the worker reads the pool as it starts, then a person's
    # first coding page in it.
    forget_pools()
    with Timed() as warm_up:
        warm_pool()
    with Timed() as warmed:
        assert client.get(page_url).status_code == 200
    html = response.content.decode()
    assert html.count('<li class="coding-item') >= LIST, html.count('<li class="coding-item')
    offered = html.count("suggestion")
    uncoded = [p for p in coding.coding_projects(workgroup=workgroup, cycle=cycle) if not p.is_coded]
    request = RequestFactory().get(page_url)
    request.user = head

    def floor():
        projects = coding.coding_projects(workgroup=workgroup, cycle=cycle)
        context = _status_context(request, workgroup, cycle, projects)
        rows = _rows(projects, cycle=cycle, with_suggestions=context["can_code"])
        assert len(rows) >= LIST

    def page():
        client.get(page_url)

    samples = {"page": [], "page_cpu": [], "floor": [], "floor_cpu": [], "save": [], "save_cpu": []}
    for number, project in enumerate(uncoded[:RUNS]):
        url = reverse("workgroups:coding-project", args=[workgroup.slug, project.pk])
        data = {"program_code_id": program.pk, "budget_code_id": budget.pk}
        with Timed() as save:
            response = client.post(url, data, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content
        samples["save"].append(save.wall)
        samples["save_cpu"].append(save.cpu)
        for name, run in [("page", page), ("floor", floor)][:: 1 if number % 2 else -1]:  # alternated
            with Timed() as timed:
                run()
            samples[name].append(timed.wall)
            samples[f"{name}_cpu"].append(timed.cpu)
    # The page's weight after the saves (the list partly coded), as a browser receives it.
    size = len(client.get(page_url).content)
    return {
        "history": history,
        "cold": cold,
        "warm_up": warm_up,
        "warmed": warmed,
        "offered": offered,
        "size": size,
    } | {name: median_ms(values) for name, values in samples.items()}


def main():
    import django

    using_default = "DATABASE_URL" not in os.environ
    if using_default:
        workdir = tempfile.mkdtemp(prefix="coding-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if using_default:
        call_command("migrate", verbosity=0)
    else:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results = []
    try:
        workgroup, cycle = build_list()
        done = 0
        for history in HISTORIES:
            done = grow_history(cycle, history, done)
            results.append(measure(workgroup, cycle, history))
    finally:
        if using_default:
            connection.close()
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(f"coding page ({LIST} rows) and a code save against the coded history, {connection.vendor}")
    for r in results:
        cold, warm_up, warmed = r["cold"], r["warm_up"], r["warmed"]
        print(
            f"  history {r['history']:>6,}: first page in a worker {warmed.wall * 1000:6.0f} ms "
            f"(CPU {warmed.cpu * 1000:.0f}; the worker read the pool as it started, in "
            f"{warm_up.wall * 1000:.0f} ms; target < {PAGE_TARGET_MS} ms: "
            f"{verdict(warmed.wall * 1000, PAGE_TARGET_MS)}) | "
            f"page after a save {r['page']:6.1f} ms (CPU {r['page_cpu']:.1f}; target < {PAGE_TARGET_MS} ms: "
            f"{verdict(r['page'], PAGE_TARGET_MS)}) | save {r['save']:5.1f} ms (CPU {r['save_cpu']:.1f}; "
            f"target < {SAVE_TARGET_MS} ms: {verdict(r['save'], SAVE_TARGET_MS)})"
        )
        print(
            f"  {'':>15}  first page in a process that did not read the pool first (runserver, a "
            f"shell) {cold.wall * 1000:6.0f} ms (CPU {cold.cpu * 1000:.0f}; it reads the history; no target)"
        )
        print(
            f"  {'':>15}  floor (the page's data, no markup) {r['floor']:6.1f} ms "
            f"(CPU {r['floor_cpu']:.1f}) | "
            f"page − floor {r['page'] - r['floor']:6.1f} ms (CPU {r['page_cpu'] - r['floor_cpu']:.1f}) | "
            f"the page's HTML {r['size'] / 1024:,.0f} KB"
        )
    print(
        f"  medians of {RUNS} rounds (a save, then the page and the floor alternated); "
        f"peak memory of this process (VmHWM) {peak_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
