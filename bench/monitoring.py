"""The monitoring dashboard and the quarter's export at 10,000 monitored projects × 4 quarters.

Builds a scratch database: the demo, 10,000 monitored projects of the 1399 cycle (its executed
year in the demo) with planned progress, four quarters opened and a report for most projects in
each (submitted, verified, returned or draft; some late, delayed, stopped or above their approved
amount), and a few units' extensions. Then, for the last quarter:

- the dashboard's figures (`dashboard.build`), its page and its JSON as the office sees them:
  medians of RUNS in-process runs (Django's test client), CPU beside wall time, and query counts;
  beside them the other way of computing the counts, measured and not used: every row read with
  values() and counted per workgroup in one pass in Python;
- the export (`exporting.build_workbook`) against its floor — the same rows appended as plain
  values to one write-only sheet — each in a fresh process, alternated, with its own peak memory
  (VmHWM, bench/_measure.py).

Run: .venv/bin/python bench/monitoring.py            (a throwaway SQLite file)
     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/monitoring.py
     (PostgreSQL: that database is dropped and recreated; one not named bench… only with
     --drop-database NAME, which says it may be)
Target (issue 16): the dashboard's median < 300 ms at 10,000 projects; its queries constant.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _measure import Timed, alternated, current_mb, median_ms, peak_mb, verdict  # noqa: E402
from _setup import project_like, setup_django  # noqa: E402

TARGET_MS = 300
YEAR = 1399


def recreate_database(url, allowed):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    # Benchmark databases (bench…, as `make bench` names them) are throwaway; any other needs the flag.
    if not name.startswith("bench") and name != allowed:
        raise SystemExit(f"refusing to drop {name!r}: pass --drop-database {name} to say it may be recreated")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def populate(count):
    import datetime

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from programs.models import Unit
    from workgroups.models import (
        Cycle,
        MonitoredProject,
        PeriodExtension,
        ProgressReport,
        Project,
        ReportingPeriod,
    )
    from workgroups.monitoring.rules import default_due_at

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-history", stdout=open(os.devnull, "w"))  # noqa: SIM115
    cycle = Cycle.objects.get(fiscal_year=YEAR)
    template = list(Project.objects.filter(cycle=cycle))
    units = list(Unit.objects.exclude(kind="deputy"))
    rng = random.Random(16)
    batch = []
    for number in range(count - len(template)):
        source = template[number % len(template)]
        batch.append(project_like(source, number, unit=units[number % len(units)], priority=1000 + number))
    Project.objects.bulk_create(batch, batch_size=2000)
    monitored = []
    for project in Project.objects.filter(cycle=cycle).only("id", "requested_amount"):
        first = rng.randint(5, 25)
        monitored.append(
            MonitoredProject(
                project=project,
                approved_amount=project.requested_amount,
                planned_q1=first,
                planned_q2=min(100, first + 25),
                planned_q3=min(100, first + 50),
                planned_q4=100,
            )
        )
    MonitoredProject.objects.bulk_create(monitored, batch_size=2000)
    monitored = list(
        MonitoredProject.objects.filter(project__cycle=cycle).values_list("id", "approved_amount")
    )
    now = timezone.now()
    for quarter in (1, 2, 3, 4):
        period = ReportingPeriod.objects.create(
            cycle=cycle, quarter=quarter, due_at=default_due_at(YEAR, quarter)
        )
        for unit in units[:3]:
            PeriodExtension.objects.create(
                period=period, unit=unit, due_at=period.due_at + datetime.timedelta(days=7), reason="bench"
            )
        reports = []
        for pk, approved in monitored:
            roll = rng.random()
            if roll < 0.08:
                continue  # no report
            state = (
                "verified"
                if roll < 0.55
                else "submitted"
                if roll < 0.85
                else "draft"
                if roll < 0.95
                else "returned"
            )
            status = rng.choice(["on_schedule"] * 6 + ["delayed", "delayed", "stopped", "completed"])
            progress = 100 if status == "completed" else min(100, rng.randint(0, 30) + 22 * (quarter - 1))
            frozen = state in ("submitted", "verified")
            reports.append(
                ProgressReport(
                    monitored_id=pk,
                    period=period,
                    state=state,
                    physical_progress=progress,
                    absorbed=int(approved * rng.uniform(0, 1.1)),
                    status=status,
                    reason="bench" if status in ("delayed", "stopped") else "",
                    number=1 if frozen else 0,
                    checksum="c" * 64 if frozen else "",
                    submitted_at=now if frozen or state == "returned" else None,
                    late_by=datetime.timedelta(hours=rng.randint(1, 90))
                    if frozen and rng.random() < 0.1
                    else None,
                    reviewed_at=now if state == "verified" else None,
                )
            )
        ProgressReport.objects.bulk_create(reports, batch_size=2000)
    # Fresh statistics, as autovacuum (PostgreSQL) or an ANALYZE after a bulk load would leave them:
    # without them the planner takes the freshly filled tables for a few rows.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(monitored), ProgressReport.objects.count()


def python_pass(period, now):
    """The other way, not used: every project's row read with values() and counted in one pass in
    Python (the same `Line`s the export writes), per workgroup."""
    from workgroups.models import MonitoredProject
    from workgroups.monitoring import dashboard

    counts = {}
    for line in dashboard.lines(period, MonitoredProject.objects.all(), now=now):
        group = counts.setdefault(line.row["project__workgroup_id"], [0, 0, 0, 0, 0, 0, 0])
        group[0] += 1
        group[1] += line.received
        group[2] += line.missing
        group[3] += line.late
        group[4] += line.behind
        group[5] += line.absorbed or 0
        group[6] += line.approved if line.received else 0
    return counts


def measure_dashboard(runs):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from workgroups.models import MonitoredProject, ReportingPeriod
    from workgroups.monitoring import dashboard

    period = ReportingPeriod.objects.select_related("cycle").get(cycle__fiscal_year=YEAR, quarter=4)
    client = Client()
    client.force_login(get_user_model().objects.get(username="office"))
    query = f"?year={YEAR}&quarter=4"
    samples = {"build": [], "page": [], "json": [], "python": []}
    cpu = {name: [] for name in samples}
    queries = {}
    for _ in range(runs):
        for name, work in (
            (
                "build",
                lambda: dashboard.build(
                    period=period,
                    visible=MonitoredProject.objects.all(),
                    filters=dashboard.Filters(),
                    now=timezone.now(),
                ),
            ),
            ("page", lambda: client.get(f"/monitoring/dashboard/{query}")),
            ("json", lambda: client.get(f"/monitoring/dashboard.json{query}")),
            ("python", lambda: python_pass(period, timezone.now())),
        ):
            with CaptureQueriesContext(connection) as captured, Timed() as timed:
                result = work()
            if hasattr(result, "status_code"):
                assert result.status_code == 200, result.status_code
            samples[name].append(timed.wall)
            cpu[name].append(timed.cpu)
            queries[name] = len(captured)
    return {name: (median_ms(samples[name]), median_ms(cpu[name]), queries[name]) for name in samples}


def run_floor(output):
    from openpyxl import Workbook

    from workgroups.models import MonitoredProject, ReportingPeriod
    from workgroups.monitoring import dashboard

    period = ReportingPeriod.objects.get(cycle__fiscal_year=YEAR, quarter=4)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("rows")
    for row in dashboard.quarter_rows(period, MonitoredProject.objects.all()).iterator(chunk_size=2000):
        sheet.append(
            [
                str(value) if value is not None and not isinstance(value, int) else value
                for value in row.values()
            ]
        )
    workbook.save(output)


def run_export(output):
    from workgroups.models import ReportingPeriod
    from workgroups.monitoring.exporting import build_workbook

    build_workbook(
        period=ReportingPeriod.objects.select_related("cycle").get(cycle__fiscal_year=YEAR, quarter=4),
        output=output,
    )


def child(mode, database_url):
    """One measured export in a fresh process, so its peak memory is its own."""
    setup_django(database_url)
    from django.db import connection

    connection.ensure_connection()
    before = current_mb()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as output, Timed() as timed:
        (run_floor if mode == "floor" else run_export)(output.name)
    print(f"{timed.wall:.4f} {timed.cpu:.4f} {peak_mb():.1f} {before:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7, help="dashboard runs (medians)")
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--drop-database", default=None, metavar="NAME")
    parser.add_argument("--child", choices=["floor", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        vendor = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
        if vendor == "PostgreSQL":
            recreate_database(database_url, args.drop_database)
        setup_django(database_url)
        from django.test.utils import setup_test_environment

        setup_test_environment()
        with Timed() as built:
            projects, reports = populate(args.projects)
        print(f"monitoring at {projects:,} projects × 4 quarters ({reports:,} reports), {vendor}; ", end="")
        print(f"built in {built.wall:.0f} s")
        figures = measure_dashboard(args.runs)
        for name, label in (
            ("build", "dashboard figures (dashboard.build)"),
            ("page", "dashboard page (office, HTML)"),
            ("json", "dashboard JSON (office)"),
            ("python", "per-workgroup counts in one pass over values() rows (not used)"),
        ):
            wall, cpu, queries = figures[name]
            print(f"  {label}: median {wall:.0f} ms wall, {cpu:.0f} ms CPU, {queries} queries")
        print(f"  page median < {TARGET_MS} ms: {verdict(figures['page'][0], TARGET_MS)}")
        commands = {
            mode: [sys.executable, __file__, "--child", mode, "--database-url", database_url]
            for mode in ("floor", "export")
        }
        results = alternated(commands, args.export_runs)
        for mode, label in (
            ("floor", "floor (same rows, plain write-only sheet)"),
            ("export", "quarter export"),
        ):
            runs = results[mode]
            wall = statistics.median(run[0] for run in runs)
            cpu = statistics.median(run[1] for run in runs)
            print(
                f"  {label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {projects / wall:,.0f} rows/s; "
                f"peak {max(run[2] for run in runs):.0f} MB (VmHWM), "
                f"{max(run[2] - run[3] for run in runs):.0f} MB above the process before the run"
            )
        export_cpu = statistics.median(run[1] for run in results["export"])
        floor_cpu = statistics.median(run[1] for run in results["floor"])
        print(f"  export / floor: {export_cpu / floor_cpu:.2f}x in CPU time")
        if vendor == "PostgreSQL":
            from django.db import connection

            connection.close()


if __name__ == "__main__":
    main()
