"""The exported workbook, read back with openpyxl: what the budget office opens in Excel."""

import datetime
import io

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from programs.models import Unit
from workgroups import ranking
from workgroups.exporting import ListTotals, LiveChecksums, ProjectMoney, build_workbook, ordered_rows
from workgroups.letters.numbers import submission_record_letter
from workgroups.models import Attachment, Cycle, Project, Workgroup, WorkgroupCycle

TYPE_SHEETS = ["تملک دارایی‌های سرمایه‌ای", "هزینه‌ای"]
HOSTILE_TITLES = ['=HYPERLINK("http://x")', "==1", "+۱۲۳", "-۵۰۰ تعدیل", "@SUM(A1)", "<b>پررنگ</b>"]


@pytest.fixture
def cycle(demo):
    return Cycle.objects.get(fiscal_year=1399)


def export(cycle, **kwargs):
    buffer = io.BytesIO()
    build_workbook(cycle=cycle, output=buffer, **kwargs)
    buffer.seek(0)
    return load_workbook(buffer)


def test_sheets_are_rtl_with_frozen_header_and_filter(cycle):
    workbook = export(cycle)
    assert workbook.sheetnames[:2] == ["خلاصه", "فهرست تلفیقی"]
    assert len(workbook.sheetnames) == 2 + Workgroup.objects.count() + len(TYPE_SHEETS)
    for sheet in workbook.worksheets:
        assert sheet.sheet_view.rightToLeft
    consolidated = workbook["فهرست تلفیقی"]
    assert consolidated.freeze_panes == "A2"
    last = get_column_letter(consolidated.max_column)
    assert consolidated.auto_filter.ref == f"A1:{last}{Project.objects.filter(cycle=cycle).count() + 1}"
    assert consolidated["B1"].value == "عنوان پروژه"


def test_consolidated_lists_every_project_ranked_first(cycle):
    workgroup = Workgroup.objects.get(slug="civil")
    unranked = Project.objects.filter(cycle=cycle, workgroup=workgroup, priority=9).get()
    unranked.priority = None
    unranked.save(update_fields=["priority"])
    rows = list(export(cycle)["فهرست تلفیقی"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == Project.objects.filter(cycle=cycle).count()
    priorities = [row[0] for row in rows]
    first_unranked = priorities.index(None)
    assert all(p is not None for p in priorities[:first_unranked])
    assert all(p is None for p in priorities[first_unranked:])
    civil = [row for row in rows if row[4] == workgroup.name and row[0] is not None]
    assert [row[0] for row in civil] == sorted(row[0] for row in civil)
    assert unranked.title in [row[1] for row in rows[first_unranked:]]


def test_codes_are_text_and_amounts_are_numbers(cycle):
    sheet = export(cycle)["فهرست تلفیقی"]
    header = [cell.value for cell in sheet[1]]
    code_column = header.index("کد بودجه") + 1
    amount_column = header.index("اعتبار درخواستی (میلیون ریال)") + 1
    coded = [row for row in sheet.iter_rows(min_row=2) if row[code_column - 1].value]
    assert coded
    for row in coded:
        assert row[code_column - 1].data_type == "s"
        assert row[amount_column - 1].data_type == "n"
        assert row[amount_column - 1].number_format == "#,##0"


def test_hostile_titles_stay_literal_text(cycle):
    unit, deputy = Unit.objects.get(code="R05"), Unit.objects.get(code="D6")
    for title in HOSTILE_TITLES:
        Project.objects.create(
            cycle=cycle, title=title, proposing_unit=unit, responsible_deputy=deputy, requested_amount=1
        )
    sheet = export(cycle)["فهرست تلفیقی"]
    cells = {row[1].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for title in HOSTILE_TITLES:
        assert cells[title].data_type == "s", title
    # Nothing in the whole workbook is a formula.
    for worksheet in export(cycle).worksheets:
        for row in worksheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


@pytest.mark.parametrize("title", ["=1+1", "+۱۲۳", "-۵۰۰ تعدیل", "@SUM(A1)", "\tجدول", "\rبرگشت"])
def test_formula_like_text_carries_the_quote_prefix(cycle, title):
    # A string cell alone becomes a live formula once a clerk edits it in Excel; the quote prefix
    # (Excel's leading apostrophe) keeps it text.
    unit, deputy = Unit.objects.get(code="R05"), Unit.objects.get(code="D6")
    project = Project.objects.create(
        cycle=cycle, title="x", proposing_unit=unit, responsible_deputy=deputy, requested_amount=1, ref="@r1"
    )
    # Saving tidies a leading tab or CR away; rows written before that rule may still hold one.
    Project.objects.filter(pk=project.pk).update(title=title)
    workbook = export(cycle)

    def same(value):  # an XML reader turns a CR into a line feed
        return isinstance(value, str) and value.replace("\n", "\r") == title

    for name in ("فهرست تلفیقی", workbook.sheetnames[2]):
        cells = [cell for row in workbook[name].iter_rows(min_row=2) for cell in row if same(cell.value)]
        if name == "فهرست تلفیقی":
            assert cells
        assert all(cell.quotePrefix and cell.data_type == "s" for cell in cells)
    sheet = workbook["فهرست تلفیقی"]
    ref_column = next(cell.column - 1 for cell in sheet[1] if cell.value == "شناسه واحد")
    refs = [row[ref_column] for row in sheet.iter_rows(min_row=2) if row[ref_column].value == "@r1"]
    assert refs and refs[0].quotePrefix
    plain = [row[1] for row in workbook["فهرست تلفیقی"].iter_rows(min_row=2) if not same(row[1].value)]
    assert plain and not any(cell.quotePrefix for cell in plain)


def test_control_characters_do_not_break_the_export(cycle):
    project = Project.objects.filter(cycle=cycle).first()
    Project.objects.filter(pk=project.pk).update(title="پروژه\x07 با نویسه کنترلی", description="x")
    titles = [row[1] for row in export(cycle)["فهرست تلفیقی"].iter_rows(min_row=2, values_only=True)]
    assert "پروژه با نویسه کنترلی" in titles


def test_cumulative_total_and_ceiling(cycle):
    # The list's single ceiling (test_resources.py checks the ceilings per credit type).
    WorkgroupCycle.objects.filter(cycle=cycle).update(capital_ceiling=0, current_ceiling=0)
    rows = [
        row
        for row in export(cycle)["فهرست تلفیقی"].iter_rows(min_row=2, values_only=True)
        if row[4] == "کارگروه تخصصی حمل و نقل و ترافیک"
    ]
    header = [cell.value for cell in export(cycle)["فهرست تلفیقی"][1]]
    requested = header.index("اعتبار درخواستی (میلیون ریال)")
    cumulative = header.index("جمع تجمعی (میلیون ریال)")
    running = 0
    for row in rows:
        running += row[requested]
        assert row[cumulative] == running
    ceiling = WorkgroupCycle.objects.get(workgroup__slug="transport", cycle=cycle).credit_ceiling
    _line, places = ranking.running_totals([row[requested] for row in rows], ceiling)
    texts = {"in": "بله", "remainder": "در باقی‌مانده سقف", "out": "خیر"}
    fits = header.index("در سقف اعتبار")
    assert [row[fits] for row in rows] == [texts[place.fit_state] for place in places]
    assert {"بله", "خیر"} <= {row[fits] for row in rows}


def test_cover_sheet(cycle):
    cover = export(cycle)["خلاصه"]
    values = [row for row in cover.iter_rows(values_only=True)]
    assert values[1][:2] == ("دوره بودجه", cycle.title)
    assert values[3][0] == "تاریخ تهیه" and values[3][1].startswith("۱۴")  # Jalali, Persian digits
    names = [row[0] for row in values[7:]]
    assert names == list(Workgroup.objects.order_by("deputy__code").values_list("name", flat=True))


def test_one_workgroup(cycle):
    workbook = export(cycle, workgroup=Workgroup.objects.get(slug="transport"))
    assert workbook.sheetnames == ["خلاصه", "حمل و نقل و ترافیک", *TYPE_SHEETS]


def test_command(cycle, tmp_path):
    output = tmp_path / "coded.xlsx"
    stdout = io.StringIO()
    call_command("export_coded_list", "--cycle", "1399", "--output", str(output), stdout=stdout)
    assert "61 projects" in stdout.getvalue()
    assert load_workbook(output)["فهرست تلفیقی"].max_row == 62


def test_command_unknown_cycle(demo, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="۱۳۰۰|1300"):
        call_command("export_coded_list", "--cycle", "1300", "--output", str(tmp_path / "x.xlsx"))


# ---- Submission states on the cover, the export views ------------------------------------------------


def accept_coded_list(workgroup, cycle, head):
    from workgroups import coding, submissions

    uncoded = [p for p in coding.coding_projects(workgroup=workgroup, cycle=cycle) if not p.is_coded]
    if uncoded:
        coding.projects_code_bulk(
            projects=uncoded, program_code="4-1-2-01", budget_code="40301001", user=head
        )
    submissions.submission_accept(
        submission=submissions.submission_submit(
            workgroup=workgroup, cycle=cycle, kind="priorities", user=head
        ),
        user=None,
    )
    coded = submissions.submission_submit(workgroup=workgroup, cycle=cycle, kind="coding", user=head)
    return submissions.submission_accept(submission=coded, user=None)


def cover_row(workbook, name):
    return next(row for row in workbook["خلاصه"].iter_rows(values_only=True) if row and row[0] == name)


def test_cover_shows_states_checksum_and_whether_the_list_is_what_was_accepted(cycle, personas):
    civil = Workgroup.objects.get(slug="civil")
    accepted = accept_coded_list(civil, cycle, personas["head_a"])
    row = cover_row(export(cycle), civil.name)
    assert row[6].startswith("پذیرفته‌شده — نوبت ۱")
    assert row[7].startswith("پذیرفته‌شده — نوبت ۱")
    assert row[8] == accepted.checksum
    assert row[9] == "مطابق با فهرست پذیرفته‌شده"
    transport = cover_row(export(cycle), "کارگروه تخصصی حمل و نقل و ترافیک")
    assert transport[6] == transport[7] == "ارسال نشده"
    # The office corrects an amount after acceptance: the cover says so.
    project = Project.objects.filter(cycle=cycle, workgroup=civil).first()
    Project.objects.filter(pk=project.pk).update(requested_amount=project.requested_amount + 1)
    assert cover_row(export(cycle), civil.name)[9] == "تغییر پس از پذیرش"


def test_workgroup_sheet_equals_the_accepted_snapshot(cycle, personas):
    civil = Workgroup.objects.get(slug="civil")
    accepted = accept_coded_list(civil, cycle, personas["head_a"])
    sheet = export(cycle, workgroup=civil)["فنی و عمرانی"]
    header = [cell.value for cell in sheet[1]]
    column = {name: header.index(name) for name in header}
    rows = [
        {
            "position": row[column["اولویت"]],
            "title": row[column["عنوان پروژه"]],
            "unit": row[column["کد واحد"]],
            "requested_amount": row[column["اعتبار درخواستی (میلیون ریال)"]],
            "program_code": row[column["کد برنامه عملیاتی"]],
            "budget_code": row[column["کد بودجه"]],
        }
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    expected = [{key: item[key] for key in rows[0]} for item in accepted.projects]
    assert rows == expected


def test_office_export_of_one_workgroup_streams_the_workbook(client, personas, cycle):
    # Every workgroup at once is built in the background (tests/workgroups/test_export_runs.py).
    from workgroups.models import AuditEntry

    client.force_login(personas["office"])
    one = client.get("/office/export/", {"cycle": "1399", "workgroup": "transport"})
    assert one.status_code == 200
    assert one["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = one["Content-Disposition"]
    assert disposition.startswith('attachment; filename="coded-list-1399-transport-')
    assert "filename*=utf-8''" in disposition
    assert load_workbook(io.BytesIO(b"".join(one.streaming_content))).sheetnames == [
        "خلاصه",
        "حمل و نقل و ترافیک",
        *TYPE_SHEETS,
    ]
    assert AuditEntry.objects.filter(action="export.coded_list", actor=personas["office"]).exists()


def test_head_exports_own_list_only(client, personas, cycle):
    client.force_login(personas["head_a"])
    response = client.get("/workgroups/civil/export/", {"cycle": "1399"})
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(b"".join(response.streaming_content))).sheetnames == [
        "خلاصه",
        "فنی و عمرانی",
        *TYPE_SHEETS,
    ]
    assert client.get("/workgroups/transport/export/").status_code == 404
    assert client.get("/office/export/").status_code == 403


def test_exports_are_rate_limited(client, personas, cycle, settings):
    client.force_login(personas["member_a"])
    with time_machine.travel(timezone.now().replace(second=5), tick=False) as clock:
        statuses = [client.get("/workgroups/civil/export/", {"cycle": "1399"}).status_code for _ in range(7)]
        assert statuses == [200] * 6 + [429]
        response = client.get("/workgroups/civil/export/")
        assert response.status_code == 429
        assert "در هر دقیقه" in response.content.decode()
        clock.shift(datetime.timedelta(minutes=1))
        assert client.get("/workgroups/civil/export/").status_code == 200


def test_the_export_limit_is_shared_by_every_app_process(personas, cycle):
    # Two app processes share nothing but the database: each has its own memory and cache (emptied
    # here to stand for the second process's). The count carries over all the same.
    from django.core.cache import cache

    first, second = Client(), Client()
    for client in (first, second):
        client.force_login(personas["member_a"])
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        assert [first.get("/workgroups/civil/export/").status_code for _ in range(3)] == [200] * 3
        cache.clear()
        assert [second.get("/workgroups/civil/export/").status_code for _ in range(4)] == [200] * 3 + [429]
        assert first.get("/workgroups/civil/export/").status_code == 429


def test_live_checksum_taken_while_exporting_equals_the_submission_mechanisms(cycle, personas):
    # An untidy list: a withdrawn project, one awaiting its workgroup, one unranked, a hostile title.
    from workgroups import submissions
    from workgroups.models import Submission

    civil = Workgroup.objects.get(slug="civil")
    projects = list(Project.objects.filter(cycle=cycle, workgroup=civil).order_by("priority"))
    Project.objects.filter(pk=projects[0].pk).update(priority=None, state=Project.State.WITHDRAWN)
    Project.objects.filter(pk=projects[1].pk).update(priority=None, state=Project.State.REMIT_REVIEW)
    Project.objects.filter(pk=projects[2].pk).update(priority=None, title='=HYPERLINK("x")\x07')
    snapshot = submissions.list_snapshot(workgroup=civil, cycle=cycle, kind="priorities")
    Submission.objects.create(
        workgroup=civil,
        cycle=cycle,
        kind="priorities",
        number=1,
        snapshot=snapshot,
        checksum=submissions.current_checksum(workgroup=civil, cycle=cycle, kind="priorities"),
    )
    assert cover_row(export(cycle), civil.name)[9] == "مطابق با آخرین ارسال"
    assert cover_row(export(cycle, workgroup=civil), civil.name)[9] == "مطابق با آخرین ارسال"
    Project.objects.filter(pk=projects[3].pk).update(total_estimate=1)
    assert cover_row(export(cycle), civil.name)[9] == "تغییر پس از ارسال"


def test_live_checksums_are_streamed_in_the_lists_order_and_equal_current_checksum(cycle):
    # The export streams each list's ranked items into the hash and keeps only the unranked ones,
    # which it meets ordered by request, not by id as the snapshot orders them: three unranked
    # projects whose request order is the reverse of their id order must still hash alike.
    from workgroups import submissions

    civil = Workgroup.objects.get(slug="civil")
    tail = list(Project.objects.filter(cycle=cycle, workgroup=civil).order_by("-priority")[:3])
    for amount, project in zip((10, 20, 30), sorted(tail, key=lambda p: p.pk), strict=True):
        Project.objects.filter(pk=project.pk).update(priority=None, requested_amount=amount)
    workgroups = list(Workgroup.objects.all())
    live = LiveChecksums(dict.fromkeys(wg.pk for wg in workgroups))
    totals = ListTotals({}, ProjectMoney(cycle))
    order = []
    for row in ordered_rows(cycle):
        live.add(totals.annotate(row))
        if row["workgroup_id"] == civil.pk and row["priority"] is None:
            order.append(row["id"])
    assert order == sorted(order, reverse=True)  # the export meets them against the id order
    checksums = live.checksums()
    for workgroup in workgroups:
        expected = submissions.current_checksum(workgroup=workgroup, cycle=cycle, kind="priorities")
        assert checksums[workgroup.pk] == expected, workgroup.slug


def test_live_checksums_refuse_rows_out_of_the_lists_order():
    live = LiveChecksums({1: None})
    row = {
        "workgroup_id": 1,
        "state": "",
        "id": 1,
        "title": "",
        "priority": 2,
        "proposing_unit__code": "",
        "requested_amount": 0,
        "total_estimate": 0,
        "program_code__code": "",
        "budget_code__code": "",
        "credit_type": "",
        "spent_before": 0,
        "forecasts": {},
        "source_names": {},
        "estimate_gap_reason": "",
        "over_remaining_reason": "",
    }
    live.add(row)
    with pytest.raises(RuntimeError):
        live.add({**row, "id": 2, "priority": 1})


def test_cover_shows_the_letter_number_and_matches_a_list_with_attachments(
    cycle, personas, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    civil = Workgroup.objects.get(slug="civil")
    share = WorkgroupCycle.objects.get(workgroup=civil, cycle=cycle)
    attachment = Attachment(
        share=share,
        list_kind="coding",
        name="صورتجلسه.pdf",
        content_type="application/pdf",
        size=6,
        sha256="a" * 64,
    )
    attachment.file.save("x.pdf", ContentFile(b"%PDF-\n"), save=False)
    attachment.save()
    accepted = accept_coded_list(civil, cycle, personas["head_a"])
    assert accepted.snapshot["attachments"]  # the checksum covers the file
    submission_record_letter(
        submission=accepted, number="9812/450", date=datetime.date(2019, 12, 7), user=personas["office"]
    )
    row = cover_row(export(cycle), civil.name)
    assert "نامه شماره ۹۸۱۲/۴۵۰ مورخ ۱۳۹۸/۰۹/۱۶" in row[7]
    assert row[8] == accepted.checksum
    assert row[9] == "مطابق با فهرست پذیرفته‌شده"
