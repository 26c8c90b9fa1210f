"""Benchmark: the worst workbooks that pass the upload limits, through the admin preview's path.

Usage: python bench/hostile_workbook.py [--only NAME ...]

Each file is built to sit just under one of the limits of programs/importing/files.py and
sheets.py (shared strings: count and size; cells; kept text; uncompressed size), plus the
original attack (10.4 million tiny shared strings in 0.44 MB), which must now be refused at once.
Each is measured in its own subprocess doing what the admin's preview does: read and validate the
file (`import_codes(..., dry_run=True)`) and serialise what it read for the confirm step
(`Table.to_json`). Printed per file: wall and CPU seconds and the peak memory of that process
(VmHWM from /proc/self/status, read inside it), and whether the file was refused and why.
Targets (issue "Hostile and careless input"): under 5 s and under 300 MB per upload.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import setup_django  # noqa: E402

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PERSIAN = "توسعه و بهسازی معابر و پیاده‌روهای محله‌ای "  # 2 bytes a letter in UTF-8


def column(index):
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_package(path, sheet_chunks, strings_chunks=None):
    """A workbook whose one sheet (and shared strings) are written from generators of str."""
    overrides = f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
    overrides += f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPES}.worksheet+xml"/>'
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if strings_chunks is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPES}.sharedStrings+xml"/>'
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG_REL}">{rels}</Relationships>'
        )
        for name, chunks in (
            ("xl/worksheets/sheet1.xml", sheet_chunks),
            ("xl/sharedStrings.xml", strings_chunks),
        ):
            if chunks is None:
                continue
            with archive.open(name, "w", force_zip64=True) as part:
                buffer = []
                for chunk in chunks:
                    buffer.append(chunk)
                    if len(buffer) >= 2000:
                        part.write("".join(buffer).encode())
                        buffer = []
                part.write("".join(buffer).encode())


def sheet(rows, *, dimension=False):
    yield f'<worksheet xmlns="{NS}">'
    if dimension:
        yield '<dimension ref="A1"/>'
    yield "<sheetData>"
    for number, cells in enumerate(rows, start=1):
        yield f'<row r="{number}">{cells}</row>'
    yield "</sheetData></worksheet>"


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header(width=2):
    names = ["کد", "عنوان"] + [f"ستون {n}" for n in range(3, width + 1)]
    return "".join(inline(f"{column(i)}1", name) for i, name in enumerate(names))


def build(name, path, limits):
    rows_limit, cells_limit = limits["rows"], limits["cells"]
    strings_limit, strings_bytes = limits["strings"], limits["strings_bytes"]
    if name == "original-10m-strings":
        count = 10_400_000
        strings = (f"<si><t>{n % 10}</t></si>" for n in range(count))
        rows = [header()] + ['<c r="A2" t="s"><v>1</v></c>']
        write_package(path, sheet(rows), (f"<sst xmlns='{NS}'>", *strings, "</sst>"))
    elif name == "tiny-strings-under-size-limit":
        # As many one-letter strings as fit under the size limit: only the count limit stops them.
        count = (strings_bytes - 100) // len("<si><t>1</t></si>")
        strings = (f"<si><t>{n % 10}</t></si>" for n in range(count))
        rows = [header()] + ['<c r="A2" t="s"><v>1</v></c>']
        write_package(path, sheet(rows), (f"<sst xmlns='{NS}'>", *strings, "</sst>"))
    elif name == "shared-strings-at-limits":
        # Every shared string the limits allow, each as long as their size allows, and every cell
        # the cell limit allows pointing at them; codes valid, so every row is validated too.
        width = 16
        data_rows = min(rows_limit, cells_limit // width - 1)
        text_length = max(1, (strings_bytes // strings_limit - 40) // 2)
        title = (PERSIAN * (text_length // len(PERSIAN) + 1))[:text_length]
        count = strings_limit - 1

        def strings():
            yield f"<sst xmlns='{NS}'>"
            for n in range(count):
                if n < data_rows:
                    yield f"<si><t>9-{n}</t></si>"
                else:
                    yield f"<si><t>{n}{title}</t></si>"

            yield "</sst>"

        def rows():
            yield header(width)
            for r in range(data_rows):
                cells = [f'<c r="A{r + 2}" t="s"><v>{r}</v></c>']
                for c in range(1, width):
                    index = data_rows + (r * width + c) % (count - data_rows)
                    cells.append(f'<c r="{column(c)}{r + 2}" t="s"><v>{index}</v></c>')
                yield "".join(cells)

        write_package(path, sheet(rows()), strings())
    elif name == "cells-at-limit-no-dimension":
        width = 16
        data_rows = min(rows_limit, cells_limit // width - 1)

        def rows():
            yield header(width)
            for r in range(data_rows):
                yield inline(f"A{r + 2}", f"9-{r}") + "".join(
                    f'<c r="{column(c)}{r + 2}"><v>{c}</v></c>' for c in range(1, width)
                )

        write_package(path, sheet(rows()))
    elif name == "kept-text-at-limit":
        data_rows = rows_limit
        length = min(500, limits["text"] // data_rows - 12)
        title = (PERSIAN * (length // len(PERSIAN) + 1))[:length]

        def rows():
            yield header()
            for r in range(data_rows):
                yield inline(f"A{r + 2}", f"9-{r}") + inline(f"B{r + 2}", title)

        write_package(path, sheet(rows(), dimension=True))
    elif name == "uncompressed-at-limit":
        # Under every count: few cells with texts just under the one-megabyte run check, in a
        # column the import does not read, up to the uncompressed-size limit.
        run = "x" * (900 * 1024)
        count = limits["uncompressed"] // len(run) - 2

        def rows():
            yield header()
            for r in range(count):
                yield inline(f"A{r + 2}", f"9-{r}") + inline(f"C{r + 2}", run)

        write_package(path, sheet(rows(), dimension=True))
    else:
        raise SystemExit(f"unknown file {name}")


FILES = [
    "original-10m-strings",
    "tiny-strings-under-size-limit",
    "shared-strings-at-limits",
    "cells-at-limit-no-dimension",
    "kept-text-at-limit",
    "uncompressed-at-limit",
]


def child(path):
    setup_django()
    from programs.importing.codes import import_codes

    wall, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as fileobj:
        result = import_codes("program", fileobj, dry_run=True)
    table = getattr(result, "table", None)  # absent before previews kept what they read
    stored = json.dumps(table.to_json(), ensure_ascii=False) if table is not None else ""
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    status = Path("/proc/self/status").read_text()
    peak_kb = int(status.split("VmHWM:")[1].split()[0])
    message = str(result.file_problems[0]) if result.file_problems else ""
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "peak_mb": peak_kb / 1024,
                "rows": len(result.rows),
                "row_problems": sum(1 for row in result.rows if row.problems),
                "stored_mb": len(stored) / 1e6,
                "refused": message,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=FILES)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # The defaults stand in for limits an older checkout does not have, so that the same files
    # can be measured against the code before the limits existed.
    limits = {
        "rows": settings.IMPORT_MAX_ROWS,
        "cells": getattr(settings, "IMPORT_MAX_CELLS", 250_000),
        "strings": getattr(settings, "IMPORT_MAX_SHARED_STRINGS", 100_000),
        "strings_bytes": getattr(settings, "IMPORT_MAX_SHARED_STRINGS_BYTES", 32 * 1024 * 1024),
        "text": getattr(settings, "IMPORT_MAX_TEXT_CHARS", 5_000_000),
        "uncompressed": settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
    }
    print("limits: " + ", ".join(f"{key} {value:,}" for key, value in limits.items()))
    print("target: under 5 s and under 300 MB per upload")
    for name in args.only or FILES:
        path = workdir / f"{name}.xlsx"
        build(name, path, limits)
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(path)], check=True, capture_output=True, text=True
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        outcome = (
            f"refused: {figures['refused'][:70]}"
            if figures["refused"]
            else (
                f"read {figures['rows']:,} rows ({figures['row_problems']:,} with problems), "
                f"preview {figures['stored_mb']:.1f} MB"
            )
        )
        print(
            f"{name:<30} {path.stat().st_size / 1e6:6.2f} MB file, {unzipped / 1e6:6.1f} MB unzipped | "
            f"{figures['wall']:5.2f} s wall, {figures['cpu']:5.2f} s CPU, "
            f"peak {figures['peak_mb']:4.0f} MB | "
            f"{outcome}"
        )
        path.unlink()


if __name__ == "__main__":
    main()
