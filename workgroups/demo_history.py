"""What happened in the demo's historical 1399 round (seed_demo): every workgroup met the units'
experts, coded its list, sent both lists with their papers and had them accepted and numbered by
the secretariat; one priorities list was returned once and sent again.

Everything goes through the app's own steps (coding, meetings, attachments, submissions, review,
letter numbers), so the audit trail, the snapshots and the checksums are what the app itself would
have written. Runs once: a cycle that already has submissions is left alone.
"""

import datetime
import json
from dataclasses import dataclass

import typst
from django.core.files.uploadedfile import SimpleUploadedFile

from karaj_budget.jalali import TEHRAN, format_jalali_date
from programs.models import BudgetCode, ProgramCode
from workgroups import coding, services, submissions
from workgroups.attachments import parents
from workgroups.attachments import services as attachment_services
from workgroups.letters.numbers import submission_record_letter
from workgroups.letters.render import FONTS
from workgroups.models import Meeting, Membership, Project, Submission, Workgroup

# The workgroup whose priorities the office returned once (a missing safety project, then fixed).
RETURNED = "urbanism"
RETURN_REASON = "پروژه‌های ایمنی معابر را بالاتر از پروژه‌های زیباسازی قرار دهید و فهرست را دوباره بفرستید."
# The units' experts who came to the meetings (at most three per meeting).
EXPERTS = ("رضا موسوی", "مریم احمدی", "سعید کریمی")


@dataclass(frozen=True)
class RoundDates:
    """When each step of a demo round happened. The 1399 round ran in Azar 1398 (December 2019); a
    later year's round (the year being executed, docs/monitoring.md) ran in the Azar before it,
    which falls on the same Gregorian days of the month."""

    meeting_day: datetime.date
    priorities_sent: datetime.datetime
    returned_at: datetime.datetime
    resent: datetime.datetime
    priorities_accepted: datetime.datetime
    coded_sent: datetime.datetime
    coded_accepted: datetime.datetime
    letter_prefix: str

    @classmethod
    def for_cycle(cls, fiscal_year):
        year = 2019 + (fiscal_year - 1399)

        def at(day, hour):
            return datetime.datetime(year, 12, day, hour, 0, tzinfo=TEHRAN)

        # Azar of the year before: the 14th is 5 December; priorities due the 15th, coded lists the 20th.
        return cls(
            meeting_day=datetime.date(year, 12, 1),
            priorities_sent=at(5, 10),
            returned_at=at(5, 15),
            resent=at(6, 11),
            priorities_accepted=at(7, 9),
            coded_sent=at(10, 10),
            coded_accepted=at(12, 9),
            letter_prefix=f"{(fiscal_year - 1) % 100:02d}12",
        )


_MINUTES_TYP = """
#set page(paper: "a5", margin: 1.4cm)
#set text(font: "Vazirmatn", lang: "fa", dir: rtl, size: 10pt)
#let d = json(bytes(sys.inputs.data))
#align(center)[*صورتجلسه جلسه مشترک* \\ #d.workgroup]
#v(0.6em)
تاریخ جلسه: #d.date \\
حاضران: #d.attendees
#v(0.6em)
#d.body
#v(2em)
#align(end)[امضای حاضران]
"""
_MAP_TYP = """
#set page(width: 8cm, height: 5cm, margin: 0.3cm, fill: rgb("#eef3ee"))
#set text(font: "Vazirmatn", lang: "fa", dir: rtl, size: 8pt)
#let d = json(bytes(sys.inputs.data))
#place(center + horizon, circle(radius: 1.4cm, stroke: 1pt + rgb("#2f6f4f")))
#place(top + right)[*نقشه محدوده پروژه‌ها* \\ #d.workgroup]
#place(bottom + left, line(length: 7cm, angle: -20deg, stroke: 2pt + rgb("#777")))
"""


def _typst(source, data, fmt):
    return typst.compile(
        source.encode(),
        font_paths=[str(FONTS)],
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        format=fmt,
        ppi=72,
        timestamp=1_575_158_400,  # the meeting's day, so the generated papers are the same every time
    )


def _code_everything(workgroup, cycle, head):
    """Code the projects the demo data leaves uncoded with a leaf of the workgroup's deputy and a
    budget line of the credit type the unit asked for."""
    uncoded = [p for p in coding.coding_projects(workgroup=workgroup, cycle=cycle) if not p.is_coded]
    if not uncoded:
        return
    leaves = ProgramCode.objects.filter(level=coding.PROGRAM_LEVEL, children__isnull=True).order_by("code")
    program = leaves.filter(deputy=workgroup.deputy).first() or leaves.first()
    lines = BudgetCode.objects.filter(level=4, children__isnull=True).order_by("code")
    by_type = {}
    for project in uncoded:
        by_type.setdefault(project.requested_credit_type, []).append(project)
    for credit_type, projects in sorted(by_type.items()):
        line = (lines.filter(credit_type=credit_type).first() if credit_type else None) or lines.first()
        coding.projects_code_bulk(
            projects=projects, program_code=program.code, budget_code=line.code, user=head
        )


def _meeting(workgroup, cycle, head, member, dates):
    units = sorted(
        {
            p.proposing_unit.name
            for p in Project.objects.for_workgroup(workgroup, cycle).select_related("proposing_unit")
        }
    )
    meeting = Meeting(
        workgroup=workgroup,
        cycle=cycle,
        held_on=dates.meeting_day,
        representatives="\n".join(f"{person} — {unit}" for person, unit in zip(EXPERTS, units, strict=False)),
        minutes=f"بررسی پروژه‌های پیشنهادی {workgroup.name} با کارشناسان مناطق و سازمان‌ها.",
        decisions="اولویت‌بندی فهرست و کدگذاری آن بر پایه برنامه عملیاتی تصویب شد.",
    )
    services.meeting_create(meeting=meeting, user=head, attendees=[head, member])
    names = "، ".join(u.get_full_name() for u in (head, member))
    minutes = _typst(
        _MINUTES_TYP,
        {
            "workgroup": workgroup.name,
            "date": format_jalali_date(dates.meeting_day),
            "attendees": names,
            "body": meeting.decisions,
        },
        "pdf",
    )
    upload = SimpleUploadedFile("صورتجلسه امضاشده.pdf", minutes, content_type="application/pdf")
    attachment_services.attachment_add(
        parent=parents.meeting_parent(head, meeting.pk, write=True), upload=upload, user=head
    )
    return meeting


def _map(workgroup, cycle, head):
    image = _typst(_MAP_TYP, {"workgroup": workgroup.name}, "png")
    upload = SimpleUploadedFile("نقشه محدوده پروژه‌ها.png", image, content_type="image/png")
    parent = parents.list_parent(head, workgroup.slug, "priorities", cycle, write=True)
    attachment_services.attachment_add(parent=parent, upload=upload, user=head)


def seed_history(*, cycle, office):
    """Play a past round (the 1399 one, or the year being executed) for every workgroup; returns the
    number of submissions written (0 when the cycle already had some)."""
    if Submission.objects.filter(cycle=cycle).exists():
        return 0
    dates = RoundDates.for_cycle(cycle.fiscal_year)
    count = 0
    letter = 400
    for workgroup in Workgroup.objects.select_related("deputy").order_by("deputy__code"):
        people = {
            m.role: m.user for m in Membership.objects.filter(workgroup=workgroup).select_related("user")
        }
        head, member = people[Membership.Role.HEAD], people[Membership.Role.MEMBER]
        _code_everything(workgroup, cycle, head)
        _meeting(workgroup, cycle, head, member, dates)
        _map(workgroup, cycle, head)
        sent = submissions.submission_submit(
            workgroup=workgroup, cycle=cycle, kind="priorities", user=head, now=dates.priorities_sent
        )
        count += 1
        if workgroup.slug == RETURNED:
            submissions.submission_return(
                submission=sent, user=office, reason=RETURN_REASON, now=dates.returned_at
            )
            sent = submissions.submission_submit(
                workgroup=workgroup, cycle=cycle, kind="priorities", user=head, now=dates.resent
            )
            count += 1
        submissions.submission_accept(submission=sent, user=office, now=dates.priorities_accepted)
        coded = submissions.submission_submit(
            workgroup=workgroup, cycle=cycle, kind="coding", user=head, now=dates.coded_sent
        )
        count += 1
        submissions.submission_accept(submission=coded, user=office, now=dates.coded_accepted)
        for submission, moment in ((sent, dates.priorities_accepted), (coded, dates.coded_accepted)):
            letter += 1
            submission_record_letter(
                submission=submission,
                number=f"{dates.letter_prefix}/{letter}",
                date=moment.date(),
                user=office,
            )
    return count
