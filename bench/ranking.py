"""The ranking page and a full reorder with 500 projects in one workgroup.

Run: .venv/bin/python bench/ranking.py            (a throwaway SQLite file)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/ranking.py
     (PostgreSQL: a throwaway test_<name> database, dropped at the end)
The list has a ceiling per credit type and every request split over funding sources (issue 17).
Targets (issue 4): the page's query count does not grow with the list, page median < 100 ms,
full reorder of 500 saved in one request with median < 50 ms. Times are in-process (Django's test
client), without a web server in front, CPU time beside wall time; "met" is judged on the median
wall time, the CPU time printed beside it. The scale curve (issue 14): 100, 500 and 2,000 projects,
each in its own process and database (RANKING_SIZES=500 runs one); the time targets are set at 500
(the other sizes print "no target"), the query counts must be the same at every size.
"""

import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")  # not the sign-in log lines

SIZES = [int(n) for n in os.environ.get("RANKING_SIZES", "100,500,2000").split(",")]
PROJECTS = int(os.environ.get("RANKING_PROJECTS", 500))
RUNS = 30
PAGE_TARGET_MS, SAVE_TARGET_MS, TARGET_SIZE = 100, 50, 500


def build_list():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from programs.models import FundingSource, Unit
    from workgroups.models import (
        Cycle,
        Deadline,
        Membership,
        Project,
        ProjectFunding,
        Workgroup,
        WorkgroupCycle,
    )

    deputy = Unit.objects.create(code="D9", name="معاونت آزمایشی", kind=Unit.Kind.DEPUTY)
    district = Unit.objects.create(code="R99", name="منطقه آزمایشی", kind=Unit.Kind.DISTRICT)
    workgroup = Workgroup.objects.create(slug="bench", name="کارگروه آزمایشی", deputy=deputy)
    cycle = Cycle.objects.create(fiscal_year=1406, title="بودجه ۱۴۰۶", is_current=True)
    Deadline.objects.create(
        cycle=cycle, kind=Deadline.Kind.PRIORITIES, due_at=timezone.now() + timezone.timedelta(days=5)
    )
    # A ceiling per credit type (the list is cut per type) besides the list's own.
    WorkgroupCycle.objects.create(
        workgroup=workgroup,
        cycle=cycle,
        credit_ceiling=PROJECTS * 3000,
        capital_ceiling=PROJECTS * 2000,
        current_ceiling=PROJECTS * 1000,
    )
    head = get_user_model().objects.create_user("bench_head", first_name="رئیس", last_name="آزمایشی")
    Membership.objects.create(workgroup=workgroup, user=head, role=Membership.Role.HEAD)
    rng = random.Random(1399)
    Project.objects.bulk_create(
        [
            Project(
                cycle=cycle,
                workgroup=workgroup,
                responsible_deputy=deputy,
                proposing_unit=district,
                title=f"پروژه آزمایشی شماره {number}",
                location=f"محله {number % 40}",
                kind=rng.choice(["new", "ongoing"]),
                total_estimate=rng.randrange(5_000, 900_000),
                requested_amount=rng.randrange(1_000, 10_000),
                requested_credit_type=rng.choice(["capital", "current"]),
                priority=number,
            )
            for number in range(1, PROJECTS + 1)
        ]
    )
    # Every project's request split over one or two funding sources (seeded by a migration).
    sources = list(FundingSource.objects.order_by("position"))
    parts = []
    for project in Project.objects.filter(workgroup=workgroup):
        first, second = rng.sample(sources, 2)
        share = project.requested_amount // rng.choice([1, 2, 3])
        parts.append(ProjectFunding(project=project, source=first, amount=share))
        if project.requested_amount > share:
            parts.append(
                ProjectFunding(project=project, source=second, amount=project.requested_amount - share)
            )
    ProjectFunding.objects.bulk_create(parts)
    return workgroup, cycle, head


def median_ms(samples):
    return statistics.median(samples) * 1000


def measure(workgroup, head):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from workgroups.models import Project, WorkgroupCycle

    client = Client()
    client.force_login(head)
    page_url = reverse("workgroups:workgroup-detail", args=[workgroup.slug])
    save_url = reverse("workgroups:ranking-save", args=[workgroup.slug])

    client.get(page_url)  # warm up templates and connections
    with CaptureQueriesContext(connection) as page_queries:
        response = client.get(page_url)
    assert response.status_code == 200, response.status_code
    assert response.content.decode().count("data-project-id=") == PROJECTS

    page_times, page_cpu = [], []
    for _ in range(RUNS):
        start, cpu = time.perf_counter(), time.process_time()
        client.get(page_url)
        page_times.append(time.perf_counter() - start)
        page_cpu.append(time.process_time() - cpu)

    ids = list(Project.objects.filter(workgroup=workgroup).order_by("priority").values_list("pk", flat=True))
    rng = random.Random(9)
    save_times, save_cpu = [], []
    save_queries = None
    for run in range(RUNS):
        version = WorkgroupCycle.objects.get(workgroup=workgroup).ranking_version
        rng.shuffle(ids)  # a full reorder: every position changes
        body = json.dumps({"version": version, "order": ids})
        with CaptureQueriesContext(connection) as queries:
            start, cpu = time.perf_counter(), time.process_time()
            response = client.post(save_url, body, content_type="application/json")
            save_times.append(time.perf_counter() - start)
            save_cpu.append(time.process_time() - cpu)
        assert response.status_code == 200, response.content
        if run == 0:
            save_queries = len(queries)
    return len(page_queries), page_times, save_queries, save_times, page_cpu, save_cpu


def target_text(wall_ms, target_ms):
    if PROJECTS != TARGET_SIZE:
        return f"(no target at {PROJECTS:,}; < {target_ms} ms is the target at {TARGET_SIZE})"
    return f"(target < {target_ms} ms: {'met' if wall_ms < target_ms else 'NOT met'})"


def main():
    if "RANKING_PROJECTS" not in os.environ:
        counts = {}
        for size in SIZES:
            env = {**os.environ, "RANKING_PROJECTS": str(size)}
            out = subprocess.run(
                [sys.executable, __file__], env=env, check=True, stdout=subprocess.PIPE, text=True
            ).stdout
            print(out, end="", flush=True)
            counts[size] = re.findall(r"(\d+) queries", out)
        if len(SIZES) > 1:
            pages, saves = ({c[i] for c in counts.values()} for i in (0, 1))
            page_counts = " / ".join(c[0] for c in counts.values())
            save_counts = " / ".join(c[1] for c in counts.values())
            print(
                f"queries at {' / '.join(f'{n:,}' for n in SIZES)} projects: page {page_counts}, "
                f"save {save_counts} "
                f"(target: the same at every size: {'met' if len(pages) == len(saves) == 1 else 'NOT met'})"
            )
        return
    import django

    using_default = "DATABASE_URL" not in os.environ
    if using_default:
        workdir = tempfile.mkdtemp(prefix="ranking-bench-")
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
    try:
        workgroup, _cycle, head = build_list()
        page_queries, page_times, save_queries, save_times, page_cpu, save_cpu = measure(workgroup, head)
    finally:
        if using_default:
            connection.close()
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(f"ranking page and full reorder, {PROJECTS} projects in one workgroup, {connection.vendor}")
    print(f"  page: {page_queries} queries (constant; pinned in tests/workgroups/test_ranking.py)")
    print(
        f"  page: median {median_ms(page_times):.1f} ms wall, {median_ms(page_cpu):.1f} ms CPU "
        f"over {RUNS} runs " + target_text(median_ms(page_times), PAGE_TARGET_MS)
    )
    print(f"  save of a full reorder: {save_queries} queries, one request")
    print(
        f"  save of a full reorder: median {median_ms(save_times):.1f} ms wall, "
        f"{median_ms(save_cpu):.1f} ms CPU over {RUNS} runs "
        + target_text(median_ms(save_times), SAVE_TARGET_MS)
    )


if __name__ == "__main__":
    main()
