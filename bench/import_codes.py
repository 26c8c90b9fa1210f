"""Benchmark: the project's code import against the floor of reading the file and one bulk insert.

Usage: python bench/import_codes.py [--sizes 10000 50000]

Sets Django up against DATABASE_URL, or a throwaway SQLite database when it is not set. Each
measurement runs in its own subprocess; its peak memory is its own VmHWM (bench/_measure.py: a
child's ru_maxrss on Linux starts from its parent's size, which this script used to report).
The floor reads the workbook with openpyxl's read-only mode and inserts every row with one
bulk_create; the import is `programs.importing.codes.import_codes` (all checks, parents, levels).
Targets: ≤ 3× the floor's time, ≤ 300 MB peak memory.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _measure import peak_mb  # noqa: E402
from _setup import setup_django  # noqa: E402

RATIO_TARGET, PEAK_TARGET_MB = 3, 300  # docs/performance.md, "Benchmarks"


def program_codes(count):
    """Hyphenated codes, each parent before its children (mission › goal › strategy › program)."""
    emitted = 0
    for mission in range(1, 100):
        for code in _tree(str(mission)):
            yield code
            emitted += 1
            if emitted == count:
                return


def _tree(mission):
    yield mission, f"ماموریت {mission}", ""
    for goal in range(1, 11):
        goal_code = f"{mission}-{goal}"
        yield goal_code, f"هدف {goal_code}", mission
        for strategy in range(1, 11):
            strategy_code = f"{goal_code}-{strategy}"
            yield strategy_code, f"راهبرد {strategy_code}", goal_code
            for program in range(1, 10):
                code = f"{strategy_code}-{program:02d}"
                yield code, f"برنامه عملیاتی توسعه و نگهداری شماره {code}", strategy_code


def write_file(path, count):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("کدها")
    sheet.append(["کد", "عنوان", "کد والد"])
    for row in program_codes(count):
        sheet.append(list(row))
    workbook.save(path)


def child(kind, path):
    setup_django()
    from django.db import transaction

    from programs.models import ProgramCode

    ProgramCode.objects.update(parent=None)  # parents are protected from deletion
    ProgramCode.objects.all().delete()
    started = time.perf_counter()
    if kind == "floor":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        rows = workbook.active.iter_rows(min_row=2, values_only=True)
        objects = [ProgramCode(code=str(code), title=str(title)) for code, title, _parent in rows]
        with transaction.atomic():
            ProgramCode.objects.bulk_create(objects, batch_size=2000)
        workbook.close()
        count = len(objects)
    else:
        from programs.importing.codes import import_codes

        with open(path, "rb") as fileobj:
            result = import_codes("program", fileobj)
        assert not result.has_errors, result.problems[:5]
        count = result.totals["new"]
    seconds = time.perf_counter() - started
    assert ProgramCode.objects.count() == count
    peak = peak_mb()
    print(json.dumps({"rows": count, "seconds": seconds, "peak_mb": peak}))


def measure(kind, path):
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    for size in args.sizes:
        path = workdir / f"codes-{size}.xlsx"
        write_file(path, size)
        floor = measure("floor", path)
        imported = measure("import", path)
        print(
            f"{size:>6} rows: floor {floor['rows'] / floor['seconds']:>8,.0f} rows/s "
            f"({floor['seconds']:.2f} s, peak {floor['peak_mb']:.0f} MB) | import "
            f"{imported['rows'] / imported['seconds']:>8,.0f} rows/s ({imported['seconds']:.2f} s, "
            f"peak {imported['peak_mb']:.0f} MB) | ratio {imported['seconds'] / floor['seconds']:.2f}x"
        )
        ratio = imported["seconds"] / floor["seconds"]
        print(
            f"{'':>12}target <= {RATIO_TARGET}x the floor: {'met' if ratio <= RATIO_TARGET else 'NOT met'}; "
            f"peak <= {PEAK_TARGET_MB} MB: {'met' if imported['peak_mb'] <= PEAK_TARGET_MB else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
