"""The letter as a PDF, compiled in-process by Typst with the vendored Vazirmatn fonts
(docs/pdf-engines.md says why Typst and not WeasyPrint; no browser is involved).

The same submission gives the same bytes: the creation time is the submission's own, no system
font is consulted, and the QR code is drawn by segno from the verify address alone.
"""

import io
import json
from pathlib import Path

import segno
import typst
from django.conf import settings

from workgroups.letters.content import letter_content, verify_url

TEMPLATE = Path(__file__).with_name("letter.typ")
FONTS = Path(settings.BASE_DIR) / "static" / "vendor" / "vazirmatn" / "fonts" / "ttf"


def qr_svg(url):
    """The verify address as an SVG QR code (error correction M: a smudged print still reads)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", border=2, xmldecl=False)
    return buffer.getvalue().decode()


def render_content(content, *, url, timestamp):
    """PDF bytes of a letter's `content` (letter_content's dict)."""
    return typst.compile(
        TEMPLATE.read_bytes(),
        font_paths=[str(FONTS)],
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(content, ensure_ascii=False), "qr": qr_svg(url)},
        timestamp=timestamp,
        format="pdf",
    )


def letter_pdf(submission):
    """The PDF letter of `submission` (the button's file and the command's are the same)."""
    # Typst wants whole seconds; the submission's own time keeps the file the same on every run.
    timestamp = int(submission.submitted_at.timestamp())
    return render_content(letter_content(submission), url=verify_url(submission), timestamp=timestamp)


def letter_filename(submission):
    return (
        f"letter-{submission.cycle.fiscal_year}-{submission.workgroup.slug}-"
        f"{submission.kind}-{submission.number}.pdf"
    )
