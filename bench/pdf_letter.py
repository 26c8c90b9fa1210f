"""The submission letter at 500 rows: Typst (the engine the app uses) and, when it is installed,
WeasyPrint on the same letter, for the comparison in docs/pdf-engines.md.

Both get the same content (workgroups/letters/content.py's shape: Persian titles with ASCII and
Persian digits, hyphenated program codes such as 5-1-1-01, a cut line, totals) and the same
vendored Vazirmatn TTF. Each engine renders the letter RUNS times, alternating, in this process;
wall and CPU time per render are printed with the peak memory of the process (VmHWM), and the
PDFs are written to OUT (default: a temporary folder) so `pdftotext`/`pdftoppm` can be run on them.

Run: .venv/bin/python bench/pdf_letter.py [--rows 500] [--runs 5] [--out DIR]
Target (issue 15): under 3 s for a 500-row list.
"""

import argparse
import html
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "karaj_budget.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from karaj_budget.jalali import format_money, persian_digits  # noqa: E402
from workgroups.letters.content import BLANK_FIELD, VERIFY_HINT  # noqa: E402
from workgroups.letters.render import FONTS, render_content  # noqa: E402

URL = "http://127.0.0.1:8000/submissions/1/verify/" + "ab12" * 16 + "/"
TITLES = [
    "احداث پارکینگ طبقاتی میدان آزادگان (فاز 2)",
    "آسفالت معابر فرعی محله ۳ منطقه 5",
    "تکمیل قطار شهری خط ۲ — ایستگاه‌های 4 تا ۸",
    "نوسازی ۱۲ دستگاه اتوبوس برقی BRT",
]


def content(rows):
    ceiling = rows * 20_000
    total = 0
    table = []
    for position in range(1, rows + 1):
        amount = 10_000 + (position * 7_919) % 50_000
        total += amount
        if total > ceiling and not any(r["kind"] == "cut" for r in table):
            table.append({"kind": "cut", "text": f"خط سقف اعتبار ({format_money(ceiling)} میلیون ریال)"})
        table.append(
            {
                "kind": "project",
                "below": total > ceiling,
                "cells": [
                    persian_digits(position),
                    f"{TITLES[position % len(TITLES)]} — ردیف {position}",
                    f"منطقه {persian_digits(position % 10 + 1)} شهرداری کرج",
                    f"5-1-{position % 9 + 1}-{position % 97:02d}",
                    f"5010{position % 10}001",
                    format_money(amount),
                    format_money(total),
                ],
            }
        )
    table.append(
        {"kind": "total", "label": "جمع اعتبار درخواستی (میلیون ریال)", "value": format_money(total)}
    )
    table.append(
        {"kind": "total", "label": "سقف اعتبار کارگروه (میلیون ریال)", "value": format_money(ceiling)}
    )
    checksum = "ab12" * 16
    return {
        "municipality": "شهرداری کرج",
        "deputy": "معاونت حمل‌ونقل و ترافیک",
        "workgroup": "کارگروه تخصصی حمل‌ونقل و ترافیک",
        "letter_number": persian_digits("9812/ب/450"),
        "letter_date": "۱۳۹۸/۰۹/۱۶",
        "enclosure_flag": "دارد",
        "recipient": "ریاست محترم دفتر برنامه و بودجه",
        "sender": "رئیس کارگروه تخصصی حمل‌ونقل و ترافیک",
        "subject": "ارسال فهرست کدگذاری‌شده پروژه‌های بودجه سال ۱۳۹۹ — کارگروه تخصصی حمل‌ونقل و ترافیک",
        "body": [
            "احتراماً، در اجرای بخشنامه بودجه سال ۱۳۹۹، فهرست کدگذاری‌شده پروژه‌های پیشنهادی "
            "کارگروه، که در جلسه مشترک ۱۳۹۸/۰۹/۱۰ تصویب شد، به شرح جدول زیر تقدیم می‌شود."
        ],
        "columns": [
            "اولویت",
            "عنوان پروژه",
            "واحد",
            "کد برنامه عملیاتی",
            "کد بودجه",
            "اعتبار درخواستی (میلیون ریال)",
            "جمع تجمعی",
        ],
        "widths": [1.1, 0, 2.6, 2.2, 1.9, 2.4, 2.2],
        "numeric": [True, False, False, False, False, True, True],
        "rows": table,
        "closing": "خواهشمند است دستور فرمایید بررسی و نتیجه به این کارگروه اعلام شود.",
        "attachments": [
            {
                "name": "صورتجلسه-امضاشده.pdf",
                "parent_label": "پیوست جلسه",
                "size": "۱۲ کیلوبایت",
                "sha256": checksum,
            }
        ],
        "signatures": [
            {"name": "مهدی کاظمی", "role": "رئیس کارگروه تخصصی حمل‌ونقل و ترافیک"},
            {"name": "نرگس رحیمی", "role": "عضو کارگروه"},
            {"name": "علی رضایی", "role": "نماینده منطقه ۵"},
        ],
        "checksum": checksum,
        "checksum_lines": [checksum[i : i + 16] for i in range(0, 64, 16)],
        "verify_hint": VERIFY_HINT,
        "verify_url": URL,
        "footer_left": "کارگروه تخصصی حمل‌ونقل و ترافیک — فهرست کدگذاری‌شده — نوبت ۱",
        "digits": [persian_digits(n) for n in range(1, rows + 50)],
    }


def weasyprint_html(data):
    """The same letter as HTML + CSS for WeasyPrint (thead repeats on every page by default)."""
    e = html.escape
    font = (FONTS / "Vazirmatn-Regular.ttf").as_uri()
    bold = (FONTS / "Vazirmatn-Bold.ttf").as_uri()
    head = "".join(f"<th>{e(c)}</th>" for c in data["columns"])
    body = []
    n = len(data["columns"])
    for row in data["rows"]:
        if row["kind"] == "cut":
            body.append(f'<tr class="cut"><td colspan="{n}">{e(row["text"])}</td></tr>')
        elif row["kind"] == "total":
            label, value = e(row["label"]), e(row["value"])
            body.append(
                f'<tr class="total"><td colspan="{n - 2}">{label}</td><td colspan="2">{value}</td></tr>'
            )
        else:
            cells = "".join(f"<td>{e(c)}</td>" for c in row["cells"])
            body.append(f'<tr class="{"below" if row["below"] else ""}">{cells}</tr>')
    return f"""<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><style>
@font-face {{ font-family: Vazirmatn; src: url({font}); font-weight: 400; }}
@font-face {{ font-family: Vazirmatn; src: url({bold}); font-weight: 700; }}
@page {{ size: A4; margin: 1.8cm 1.6cm 2cm;
  @bottom-left {{ content: "صفحه " counter(page, persian) " از " counter(pages, persian);
    font: 8.5pt Vazirmatn; }} }}
body {{ font: 10pt Vazirmatn; }}
table {{ width: 100%; border-collapse: collapse; }}
th, td {{ border: 0.4pt solid #777; padding: 3pt 4pt; font-size: 9pt; }}
th {{ background: #e1e1e1; }} tr.cut td {{ text-align: center; font-weight: bold; background: #f5f5f5; }}
tr.below td {{ color: #5a5a5a; }} tr.total td {{ font-weight: bold; }}
</style></head><body>
<p><b>{e(data["municipality"])}</b><br>{e(data["deputy"])}<br>{e(data["workgroup"])}</p>
<p>شماره: {e(data["letter_number"] or BLANK_FIELD)}<br>تاریخ: {e(data["letter_date"])}</p>
<p><b>موضوع:</b> <b>{e(data["subject"])}</b></p>
{"".join(f"<p>{e(p)}</p>" for p in data["body"])}
<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>
<p>{e(data["closing"])}</p>
<p>{e(data["checksum"])}</p>
</body></html>"""


def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(render, runs):
    walls, cpus = [], []
    result = None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = render()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, walls, cpus


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="pdf-letter-")))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = content(args.rows)
    engines = {"typst": lambda: render_content(data, url=URL, timestamp=1_575_000_000)}
    try:
        import weasyprint
    except ImportError:
        print("WeasyPrint is not installed (it is not a dependency): only Typst is measured.")
    else:
        markup = weasyprint_html(data)
        engines[f"weasyprint {weasyprint.__version__}"] = lambda: weasyprint.HTML(string=markup).write_pdf()
    # Warm-up (font loading, imports), then alternate the engines run by run.
    for render in engines.values():
        render()
    results = {name: ([], []) for name in engines}
    pdfs = {}
    for _ in range(args.runs):
        for name, render in engines.items():
            pdfs[name], walls, cpus = timed(render, 1)
            results[name][0].extend(walls)
            results[name][1].extend(cpus)
    print(f"letter of {args.rows} rows, {args.runs} runs each (target: under 3 s)")
    for name, (walls, cpus) in results.items():
        path = args.out / f"letter-{name.split()[0]}.pdf"
        path.write_bytes(pdfs[name])
        pages = "?"
        try:
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False).stdout
            pages = next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))
        except (OSError, StopIteration):
            pass
        print(
            f"  {name:18} median wall {statistics.median(walls):.2f} s, CPU {statistics.median(cpus):.2f} s, "
            f"max wall {max(walls):.2f} s; {pages} pages, {len(pdfs[name]) / 1024:.0f} KB → {path}"
        )
    print(f"  peak memory of this process (VmHWM): {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
