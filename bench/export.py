"""Export speed and memory at 10,000 projects, against the floor of openpyxl's write-only mode.

The floor fetches the same rows (the same query) and appends them as plain values to one
write-only sheet: the least work that puts this data into an .xlsx file. The project's export
writes every row twice (the consolidated sheet and its workgroup's sheet), with string cells for
text, number formats for amounts, a cover sheet (with each workgroup's submission compared with its
live list) and the running totals.

Run: .venv/bin/python bench/export.py [--projects 10000]
     (uses a throwaway SQLite database unless BENCH_DATABASE_URL points at PostgreSQL)
Target (issue 6): ≤ 3× the floor, ≤ 200 MB peak memory.

How (bench/_measure.py): each run is a fresh process; its memory is its own VmHWM (a child's
`ru_maxrss` on Linux starts from its parent's size, which is what this script used to report), read
once connected and again after the run; floor and export runs alternate, so a busy machine slows
both alike; CPU time is reported beside wall time, and the CPU ratio is the one to trust while the
machine is shared.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _measure import Timed, current_mb, peak_mb  # noqa: E402


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def populate(count):
    from django.core.management import call_command

    from programs.models import Unit
    from workgroups import submissions
    from workgroups.models import Cycle, Project, Submission, Workgroup, snapshot_checksum

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    cycle = Cycle.objects.get(fiscal_year=1399)
    template = list(Project.objects.filter(cycle=cycle).select_related("workgroup"))
    units = list(Unit.objects.exclude(kind="deputy"))
    workgroups = {wg.pk: wg for wg in Workgroup.objects.all()}
    next_priority = {
        pk: 1 + Project.objects.filter(cycle=cycle, workgroup_id=pk).count() for pk in workgroups
    }
    batch = []
    for number in range(count - len(template)):
        source = template[number % len(template)]
        priority = next_priority[source.workgroup_id]
        next_priority[source.workgroup_id] += 1
        batch.append(
            Project(
                cycle=cycle,
                ref=f"bench-{number}",
                title=f"{source.title} — ردیف {number}",
                title_key=source.title_key,
                proposing_unit=units[number % len(units)],
                responsible_deputy_id=source.responsible_deputy_id,
                workgroup_id=source.workgroup_id,
                location=source.location,
                kind=source.kind,
                total_estimate=source.total_estimate,
                requested_amount=source.requested_amount,
                program_code_id=source.program_code_id,
                budget_code_id=source.budget_code_id,
                priority=priority if number % 10 else None,
            )
        )
    Project.objects.bulk_create(batch, batch_size=2000)
    # Every workgroup has sent its list, so the cover compares each live list with its submission
    # (the demo already sent some: one submission per list kind and cycle).
    sent = set(
        Submission.objects.filter(cycle=cycle, kind="priorities").values_list("workgroup_id", flat=True)
    )
    for workgroup in workgroups.values():
        if workgroup.pk in sent:
            continue
        snapshot = submissions.list_snapshot(workgroup=workgroup, cycle=cycle, kind="priorities")
        Submission.objects.create(
            workgroup=workgroup,
            cycle=cycle,
            kind="priorities",
            number=1,
            snapshot=snapshot,
            checksum=snapshot_checksum(snapshot),
        )
    return Project.objects.filter(cycle=cycle).count()


def run_floor(output):
    from openpyxl import Workbook

    from workgroups.exporting import FIELDS, ordered_rows
    from workgroups.models import Cycle

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("rows")
    for row in ordered_rows(Cycle.objects.get(fiscal_year=1399)):
        sheet.append([row[field] for field in FIELDS])
    workbook.save(output)


def run_export(output):
    from workgroups.exporting import build_workbook
    from workgroups.models import Cycle

    build_workbook(cycle=Cycle.objects.get(fiscal_year=1399), output=output)


def child(mode, database_url):
    """One measured run in a fresh process, so peak memory belongs to this run alone."""
    setup_django(database_url)
    from django.db import connection

    connection.ensure_connection()
    before = current_mb()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as output, Timed() as timed:
        (run_floor if mode == "floor" else run_export)(output.name)
    print(f"{timed.wall:.4f} {timed.cpu:.4f} {peak_mb():.1f} {before:.1f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["floor", "export"])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        setup_django(database_url)
        count = populate(args.projects)
        results = {"floor": [], "export": []}
        for _ in range(args.runs):
            for mode in ("floor", "export"):  # alternated
                out = subprocess.run(
                    [sys.executable, __file__, "--child", mode, "--database-url", database_url],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.split()
                results[mode].append([float(value) for value in out])
        wall = {mode: statistics.median(run[0] for run in runs) for mode, runs in results.items()}
        cpu = {mode: statistics.median(run[1] for run in runs) for mode, runs in results.items()}
        peak = {mode: max(run[2] for run in runs) for mode, runs in results.items()}
        growth = {mode: max(run[2] - run[3] for run in runs) for mode, runs in results.items()}
        print(
            f"export of {count} projects ({'PostgreSQL' if 'postgres' in database_url else 'SQLite'}), ",
            end="",
        )
        print(f"medians of {args.runs} alternated runs")
        for mode, label in (("floor", "floor (write-only, one plain sheet)"), ("export", "project export")):
            print(
                f"  {label}: {wall[mode]:.2f} s wall, {cpu[mode]:.2f} s CPU, "
                f"{count / wall[mode]:,.0f} rows/s; "
                f"peak {peak[mode]:.0f} MB (VmHWM), {growth[mode]:.0f} MB above the process before the run"
            )
        ratio, cpu_ratio = wall["export"] / wall["floor"], cpu["export"] / cpu["floor"]
        print(
            f"  ratio: {ratio:.2f}x the floor in wall time, {cpu_ratio:.2f}x in CPU time (target <= 3x: ",
            end="",
        )
        print(f"{'met' if cpu_ratio <= 3 else 'NOT met'})")
        print(f"  peak memory of the export process: {peak['export']:.0f} MB (target <= 200 MB: ", end="")
        print(f"{'met' if peak['export'] <= 200 else 'NOT met'})")


if __name__ == "__main__":
    main()
