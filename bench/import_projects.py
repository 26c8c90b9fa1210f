"""Projects import at 10,000 rows, the largest file the app accepts and 100,000 rows, against the
floor of reading the same file.

The import is `workgroups.importing.import_projects` as the admin's confirm runs it: read the file
(with every upload check of programs/importing/files.py), validate each row against the units,
deputies and lists, write everything in one transaction. The floor reads the same workbook with
openpyxl's read-only mode and does nothing with the rows. Each run is a fresh process, rolled back
at its end so every run imports the same new projects into an empty cycle; runs alternate with the
floor's; CPU beside wall time, memory as the process's own VmHWM (bench/_measure.py).

The app's limits (settings: KARAJ_IMPORT_MAX_ROWS 60,000 rows, KARAJ_IMPORT_MAX_CELLS 250,000
cells, KARAJ_IMPORT_MAX_TEXT_CHARS 5 M characters kept) refuse a file this wide past a number of
rows the script works out from them (`largest_accepted`: 41,666 with the default limits) and
measures as the middle size. For a larger file it first shows what the upload says, then measures
it with those three limits raised in the measured process only (nowhere else): the 100,000-row
figure is the cost of the import's code, not something a person can upload.

Target: none. Issue 14 asks for the scale curve (10,000 and 100,000 rows), not a time; the script
prints "no target" beside each figure and the ratio to the floor for comparison.

Run: .venv/bin/python bench/import_projects.py [--sizes 10000 41666 100000] [--runs 2]
     (IMPORT_SIZES=10000 runs fewer; a throwaway SQLite database unless BENCH_DATABASE_URL points
     at PostgreSQL: bench…)
"""

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _measure import Timed, alternated, current_mb, peak_mb, summary  # noqa: E402
from _setup import setup_django  # noqa: E402
from _titles import realistic_titles  # noqa: E402

HEADER = [
    "شناسه",
    "عنوان",
    "واحد پیشنهاددهنده",
    "معاونت مسئول",
    "اعتبار درخواستی (میلیون ریال)",
    "برآورد کل (میلیون ریال)",
]
BENCH_YEAR = 1420  # a cycle of its own: no list of it is sent or locked


def populate():
    from django.core.management import call_command

    from workgroups.models import Cycle

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    Cycle.objects.get_or_create(fiscal_year=BENCH_YEAR, defaults={"title": f"بودجه سال {BENCH_YEAR}"})


def write_file(path, count):
    from openpyxl import Workbook

    from programs.models import Unit

    units = [
        (unit.code, unit.default_deputy.code)
        for unit in Unit.objects.exclude(kind="deputy").select_related("default_deputy")
        if unit.default_deputy is not None and unit.is_valid_in(BENCH_YEAR)
    ]
    rng = random.Random(1420)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("پروژه‌ها")
    sheet.append(HEADER)
    for number, title in enumerate(realistic_titles(count)):
        unit, deputy = units[number % len(units)]
        requested = rng.randrange(100, 50_000)
        sheet.append([f"B-{number}", title, unit, deputy, requested, requested * rng.randrange(1, 6)])
    workbook.save(path)


def child(mode, path, database_url, raise_limits):
    setup_django(database_url)
    from django.conf import settings
    from django.db import connection, transaction

    if raise_limits:  # this process only: see the module's docstring
        settings.IMPORT_MAX_ROWS = 10**7
        settings.IMPORT_MAX_CELLS = 10**8
        settings.IMPORT_MAX_TEXT_CHARS = 10**9
    connection.ensure_connection()
    before = current_mb()
    with Timed() as timed:
        if mode == "floor":
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True, data_only=True)
            rows = sum(1 for _ in workbook.active.iter_rows(min_row=2, values_only=True))
            workbook.close()
        else:
            from workgroups.importing import import_projects
            from workgroups.models import Cycle

            with transaction.atomic():
                with open(path, "rb") as fileobj:
                    result = import_projects(fileobj, cycle=Cycle.objects.get(fiscal_year=BENCH_YEAR))
                assert result.written, [str(p) for p in (result.file_problems or result.problems)[:5]]
                rows = result.totals["new"]
                transaction.set_rollback(True)
    print(f"{timed.wall:.4f} {timed.cpu:.4f} {peak_mb():.1f} {before:.1f} {rows}")


def largest_accepted():
    """The most data rows of HEADER's width the app's row and cell limits let through (the cell
    count includes the header row)."""
    from django.conf import settings

    return min(settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_CELLS // len(HEADER) - 1)


def refusal(path):
    """What the upload says to this file under the app's own limits (None: accepted)."""
    from programs.importing.files import ImportFileError
    from programs.importing.sheets import read_table
    from workgroups.importing import COLUMNS

    try:
        with open(path, "rb") as fileobj:
            read_table(fileobj, COLUMNS, key_column="title")
    except ImportFileError as error:
        return str(error)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--raise-limits", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.raise_limits)
        return
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        setup_django(database_url)
        populate()
        largest = largest_accepted()
        sizes = args.sizes or [
            int(n) for n in os.environ.get("IMPORT_SIZES", f"10000,{largest},100000").split(",")
        ]
        print(
            f"projects import ({'PostgreSQL' if 'postgres' in database_url else 'SQLite'}), "
            f"{len(HEADER)} columns"
        )
        for size in sizes:
            path = Path(tmp) / f"projects-{size}.xlsx"
            write_file(path, size)
            refused = refusal(path)
            command = [sys.executable, __file__, "--child"]
            extra = ["--raise-limits"] if refused else []
            commands = {
                mode: [*command, mode, str(path), database_url, *extra] for mode in ("floor", "import")
            }
            results = alternated(commands, args.runs)
            wall, cpu, peak, growth = summary(results)
            rows = int(results["import"][0][4])
            print(
                f" {size:>7,} rows ({path.stat().st_size / 2**20:.1f} MB file"
                + ("; the largest the app accepts" if size == largest else "")
                + f"), medians of {args.runs} alternated runs:",
            )
            if refused:
                print(f"   the upload refuses it with the app's limits: {refused}")
                print("   measured with the row, cell and text limits raised in the measured process only")
            for mode, label in (("floor", "floor (openpyxl read-only, rows counted)"), ("import", "import")):
                print(
                    f"   {label}: {wall[mode]:.2f} s wall, {cpu[mode]:.2f} s CPU, "
                    f"{size / cpu[mode]:,.0f} rows/s CPU; peak {peak[mode]:.0f} MB (VmHWM), "
                    f"{growth[mode]:.0f} MB above the process before the run"
                )
            print(
                f"   {rows:,} projects written; "
                f"ratio {cpu['import'] / cpu['floor']:.2f}x the floor in CPU time; "
                "no target (issue 14 asks for the curve only)",
                flush=True,
            )


if __name__ == "__main__":
    main()
