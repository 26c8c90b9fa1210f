"""What a submission's letter says, as plain JSON for the Typst template (letter.typ).

Everything comes from the frozen submission (its snapshot, numbers and dates) and from rows that do
not change with the list (units' names, the meetings held up to the submission and who attended),
so the same submission always gives the same letter; the office's letter number and date are the
only later additions, and they belong on it.
"""

from django.conf import settings
from django.urls import reverse

from karaj_budget.jalali import format_jalali_date, format_jalali_datetime, format_money, persian_digits
from workgroups import ranking
from workgroups.models import Attachment, Deadline, Meeting, Membership

MUNICIPALITY = "شهرداری کرج"
BLANK_FIELD = "…………………"
VERIFY_HINT = "برای سنجش برابری فهرست کنونی با این نامه، رمزینه را بخوانید (ویژه دفتر برنامه و بودجه)."
_PARENT_LABELS = {
    Attachment.Parent.LIST: "پیوست فهرست",
    Attachment.Parent.MEETING: "پیوست جلسه",
    Attachment.Parent.PROJECT: "پیوست پروژه",
}
# (title, width in cm, 0 = the rest; numeric?) of each column, per list kind.
_COLUMNS = {
    Deadline.Kind.PRIORITIES: [
        ("اولویت", 1.3, True),
        ("عنوان پروژه", 0, False),
        ("واحد پیشنهاددهنده", 3.4, False),
        ("اعتبار درخواستی (میلیون ریال)", 2.9, True),
        ("جمع تجمعی", 2.6, True),
    ],
    Deadline.Kind.CODING: [
        ("اولویت", 1.1, True),
        ("عنوان پروژه", 0, False),
        ("واحد", 2.6, False),
        ("کد برنامه عملیاتی", 2.2, False),
        ("کد بودجه", 1.9, False),
        ("اعتبار درخواستی (میلیون ریال)", 2.4, True),
        ("جمع تجمعی", 2.2, True),
    ],
}


def verify_url(submission):
    """The address the letter's QR code opens (an office page comparing the live list with it)."""
    path = reverse("workgroups:submission-verify", args=[submission.pk, submission.checksum])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def letter_meetings(submission):
    """The joint meetings the list was decided in: the workgroup's meetings of the cycle held up to
    the day it was submitted."""
    return list(
        Meeting.objects.filter(
            workgroup=submission.workgroup,
            cycle=submission.cycle,
            held_on__lte=submission.submitted_at.date(),
        )
        .prefetch_related("attendees")
        .order_by("held_on", "pk")
    )


def _name(user):
    return (user.get_full_name() or user.username) if user is not None else BLANK_FIELD


def _signatures(submission, meetings):
    workgroup = submission.workgroup
    head = submission.submitted_by
    signatures = [{"name": _name(head), "role": f"رئیس {workgroup.name}"}]
    roles = dict(Membership.objects.filter(workgroup=workgroup).values_list("user_id", "role"))
    seen = {head.pk} if head is not None else set()
    for meeting in meetings:
        for user in sorted(meeting.attendees.all(), key=lambda u: u.pk):
            if user.pk in seen:
                continue
            seen.add(user.pk)
            role = Membership.Role(roles[user.pk]).label if user.pk in roles else "حاضر در جلسه مشترک"
            signatures.append({"name": _name(user), "role": role})
        for line in meeting.representative_lines():
            name, _sep, unit = line.partition("—")
            signatures.append(
                {"name": name.strip(), "role": f"نماینده {unit.strip()}" if unit else "نماینده واحد"}
            )
    return signatures


def _rows(submission):
    snapshot = submission.snapshot
    kind = submission.kind
    ceiling = snapshot.get("credit_ceiling") or 0
    rows = []
    items = ranking.snapshot_rows(snapshot.get("projects", []), ceiling, snapshot.get("type_ceilings"))
    for item in ranking.with_unit_names(items):
        if item["cutline"] and item.get("cut_type"):
            # One line per credit type once the list has type ceilings (ranking.ListFigures).
            text = f"خط سقف {item['cut_type']} ({format_money(item['cut_ceiling'])} میلیون ریال)"
            rows.append({"kind": "cut", "text": text})
        elif item["cutline"]:
            rows.append({"kind": "cut", "text": f"خط سقف اعتبار ({format_money(ceiling)} میلیون ریال)"})
        cells = [persian_digits(item["position"]) if item["position"] else "—", item["title"]]
        cells.append(item["unit_name"])
        if kind == Deadline.Kind.CODING:
            cells += [item["program_code"] or "—", item["budget_code"] or "—"]
        running = item["running_total"]
        cells += [
            format_money(item["requested_amount"]),
            format_money(running) if running is not None else "—",
        ]
        rows.append({"kind": "project", "cells": cells, "below": item["below"]})
    total = sum(item["requested_amount"] for item in snapshot.get("projects", []))
    rows.append({"kind": "total", "label": "جمع اعتبار درخواستی (میلیون ریال)", "value": format_money(total)})
    rows.append(
        {
            "kind": "total",
            "label": "سقف اعتبار کارگروه (میلیون ریال)",
            "value": format_money(ceiling) if ceiling else "تعیین نشده",
        }
    )
    return rows, total


def _body(submission, meetings, count, total):
    cycle = submission.cycle
    kind_title = submission.list_title
    if meetings:
        dates = "، ".join(format_jalali_date(m.held_on) for m in meetings)
        word = "جلسه مشترک" if len(meetings) == 1 else "جلسه‌های مشترک"
        decided = f"که در {word} کارگروه با کارشناسان مناطق و سازمان‌ها به تاریخ {dates} بررسی و تصویب شد"
    else:
        decided = "که در کارگروه بررسی و تصویب شد"
    due = f"تا مهلت {format_jalali_datetime(submission.due_at)}" if submission.due_at else "در این دوره"
    late = ""
    if submission.late_by is not None:
        late = " (پس از مهلت)"
    return [
        f"احتراماً، در اجرای بخشنامه {cycle.title}، {kind_title} پروژه‌های پیشنهادی "
        f"«{submission.workgroup.name}»، {decided}، شامل {persian_digits(count)} پروژه با جمع اعتبار "
        f"درخواستی {format_money(total)} میلیون ریال، به شرح جدول زیر تقدیم می‌شود.",
        f"این فهرست {due} در سامانه اولویت‌بندی بودجه ثبت و در "
        f"{format_jalali_datetime(submission.submitted_at)}{late} ارسال شد "
        f"(نوبت {persian_digits(submission.number)})؛ فهرست ارسال‌شده ثابت است و چکیده آن در پایان "
        "این نامه آمده است.",
    ]


def letter_content(submission):
    """The letter of `submission` as a JSON-ready dict for letter.typ."""
    snapshot = submission.snapshot
    kind = submission.kind
    meetings = letter_meetings(submission)
    rows, total = _rows(submission)
    count = len(snapshot.get("projects", []))
    columns = _COLUMNS[kind]
    attachments = [
        {
            "name": a["name"],
            "parent_label": _PARENT_LABELS[Attachment.Parent(a["parent"])],
            "size": f"{persian_digits(max(1, round(a['size'] / 1024)))} کیلوبایت",
            "sha256": a["sha256"],
        }
        for a in snapshot.get("attachments", [])
    ]
    checksum = submission.checksum
    workgroup = submission.workgroup
    number = persian_digits(submission.number)
    return {
        "municipality": MUNICIPALITY,
        "deputy": workgroup.deputy.name,
        "workgroup": workgroup.name,
        "letter_number": persian_digits(submission.letter_number)
        if submission.letter_number
        else BLANK_FIELD,
        "letter_date": format_jalali_date(submission.letter_date) if submission.letter_date else BLANK_FIELD,
        "enclosure_flag": "دارد" if attachments else "ندارد",
        "recipient": f"ریاست محترم {settings.BUDGET_OFFICE_NAME}",
        "sender": f"رئیس {workgroup.name}",
        "subject": f"ارسال {submission.list_title} پروژه‌های {submission.cycle.title} — {workgroup.name}",
        "body": _body(submission, meetings, count, total),
        "columns": [title for title, _w, _n in columns],
        "widths": [width for _t, width, _n in columns],
        "numeric": [numeric for _t, _w, numeric in columns],
        "rows": rows,
        "closing": "خواهشمند است دستور فرمایید بررسی و نتیجه به این کارگروه اعلام شود.",
        "attachments": attachments,
        "signatures": _signatures(submission, meetings),
        "checksum": checksum,
        "checksum_lines": [checksum[i : i + 16] for i in range(0, len(checksum), 16)],
        "verify_hint": VERIFY_HINT,
        "verify_url": verify_url(submission),
        "footer_left": f"{workgroup.name} — {submission.list_title} — نوبت {number}",
        "digits": [persian_digits(n) for n in range(1, max(count, 50) + 1)],
    }
