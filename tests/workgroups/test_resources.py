"""Resources as they really are: a project's money over the years, its funding sources, and a cut
line per credit type that the ranking page, the snapshot, the dashboard and the export agree on.
The consolidated export imports back unchanged (the fixed interface)."""

import io
import re

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from programs.models import FundingSource
from workgroups import ranking, resources, services, submissions
from workgroups.exporting import build_workbook
from workgroups.importing import import_projects
from workgroups.locks import ListInvalid, ListLocked
from workgroups.models import AuditEntry, Deadline, Project, WorkgroupCycle

PRIORITIES = Deadline.Kind.PRIORITIES


def money(**kwargs):
    return resources.Money(**{"fiscal_year": 1405, "requested": 100, **kwargs})


# ---- the rules (workgroups.resources) ----------------------------------------------------------


def test_years_that_add_up_to_the_estimate_need_no_reason():
    figures = money(total_estimate=1000, spent_before=300, forecasts={1406: 400, 1407: 200})
    assert figures.estimate_gap == 0
    assert resources.money_problems(figures) == []


def test_a_gap_with_the_estimate_is_named_and_needs_a_reason():
    figures = money(total_estimate=1000, spent_before=300, forecasts={1406: 400})
    assert figures.estimate_gap == 200
    [(field, message)] = resources.money_problems(figures)
    assert field == "estimate_gap_reason"
    assert "۲۰۰" in message and "کمتر" in message and "میلیون ریال" in message
    figures.estimate_gap_reason = "فاز دوم هنوز برآورد نشده است"
    assert resources.money_problems(figures) == []


def test_a_single_year_project_without_stated_years_is_not_asked_for_a_reason():
    # Only the estimate and this year's request: the years are not stated, nothing to reconcile.
    assert resources.money_problems(money(total_estimate=1000)) == []
    assert money(total_estimate=1000).estimate_gap is None


def test_an_ongoing_project_asking_more_than_what_remains_needs_a_reason():
    figures = money(kind="ongoing", requested=500, total_estimate=1000, spent_before=700)
    assert (figures.remaining, figures.over_remaining) == (300, 200)
    fields = [field for field, _ in resources.money_problems(figures)]
    assert "over_remaining_reason" in fields
    figures.over_remaining_reason = "افزایش قیمت مصالح"
    figures.estimate_gap_reason = "برآورد تازه در راه است"
    assert resources.money_problems(figures) == []
    # A new project is not held to the remaining estimate.
    assert money(kind="new", requested=500, total_estimate=300).over_remaining == 0


def test_source_parts_must_add_up_to_the_request_exactly():
    [(field, message)] = resources.money_problems(money(requested=1000, sources={1: 600, 2: 300}))
    assert field == "sources"
    assert "۱۰۰" in message and "کمتر" in message
    [(_, message)] = resources.money_problems(money(requested=1000, sources={1: 600, 2: 500}))
    assert "۱۰۰" in message and "بیشتر" in message
    assert resources.money_problems(money(requested=1000, sources={1: 600, 2: 400})) == []
    assert resources.money_problems(money(requested=1000, sources={})) == []  # not split yet


def test_forecasts_only_for_the_next_five_years():
    [(field, message)] = resources.money_problems(money(forecasts={1411: 5}))
    assert field == "forecasts" and "۱۴۱۱" in message
    assert resources.money_problems(money(forecasts={1410: 5}, total_estimate=None)) == []


def test_credit_type_is_the_budget_lines_once_coded():
    assert resources.credit_type_of("current", "capital") == "capital"
    assert resources.credit_type_of("current", "") == "current"
    assert resources.credit_type_of("", "") == ""


# ---- ListFigures: each credit type against its own ceiling -------------------------------------


def test_each_type_is_cut_against_its_own_ceiling_with_its_own_cumulative():
    figures = ranking.ListFigures(0, {"capital": 100, "current": 50})
    places = [
        figures.add(60, "capital"),
        figures.add(40, "current"),
        figures.add(30, "capital"),  # capital cumulative 90: inside
        figures.add(20, "current"),  # current cumulative 60: outside (cut here)
        figures.add(20, "capital"),  # capital cumulative 110: outside (cut here)
        figures.add(5, "current"),  # after the current cut: outside, though small
    ]
    assert [place.fits for place in places] == [True, True, True, False, False, False]
    assert [place.cumulative for place in places] == [60, 100, 130, 150, 170, 175]
    assert [place.typed.cumulative for place in places] == [60, 40, 90, 60, 110, 65]
    assert [figures.is_cut(place) for place in places] == [False, False, False, True, True, False]
    assert figures.fitting_count == 3 and figures.is_over
    assert figures.by_type["capital"].over_ceiling == 10


def test_without_type_ceilings_the_single_ceiling_cuts_as_before():
    figures = ranking.ListFigures(100, {"capital": 0, "current": 0})
    places = [figures.add(60, "capital"), figures.add(50, "current")]
    assert [place.fits for place in places] == [True, False]
    assert figures.is_cut(places[1]) and not figures.cut_by_type
    none = ranking.ListFigures(0, {"capital": 0, "current": 0})
    assert none.add(60, "capital").fits is None and not none.is_over


def test_a_type_without_a_ceiling_is_not_marked_when_the_other_type_has_one():
    figures = ranking.ListFigures(0, {"capital": 100, "current": 0})
    assert figures.add(500, "current").fits is None
    assert figures.add(500, "").fits is None  # unknown type: no line
    assert figures.add(50, "capital").fits is True


def test_sums_per_source_are_exact_and_unsplit_is_shown():
    figures = ranking.ListFigures(0)
    figures.add(100, "capital", {"الف": 60, "ب": 40})
    figures.add(30, "current", None)
    figures.add_sources(10, {"ب": 10})
    assert figures.by_source == {"الف": 60, "ب": 50, resources.UNSPLIT: 30}


# ---- the same answer on the page, the snapshot, the dashboard and the export -------------------

ROW = re.compile(
    r'data-project-id="(\d+)"[^>]*data-credit-type="(\w*)".*?'
    r'<span class="fit-badge" data-fit[^>]*>([^<]*)</span>',
    re.S,
)


def set_type_ceilings(workgroup, cycle, capital, current):
    WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).update(
        credit_ceiling=0, capital_ceiling=capital, current_ceiling=current
    )


def page_outside(client, workgroup):
    html = client.get(f"/workgroups/{workgroup.slug}/").content.decode()
    ranked = html.split('id="ranking"', 1)[1].split('id="unranked"', 1)[0]
    return [int(pk) for pk, _type, fit in ROW.findall(ranked) if fit == ranking.FIT_LABELS[False]]


def export_outside(cycle, workgroup):
    output = io.BytesIO()
    build_workbook(cycle=cycle, workgroup=workgroup, output=output)
    sheet = load_workbook(io.BytesIO(output.getvalue())).worksheets[1]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    return rows


def test_page_snapshot_dashboard_and_export_agree_on_both_cut_lines(
    client, personas, civil, current_cycle, rank_all
):
    rank_all(civil, current_cycle)
    projects = list(
        Project.objects.for_workgroup(civil, current_cycle).ranked().select_related("budget_code")
    )
    types = {p.pk: resources.credit_type_of(p.requested_credit_type, "") for p in projects}
    assert set(types.values()) == {"capital", "current"}  # the demo list has both
    totals = {
        t: sum(p.requested_amount for p in projects if types[p.pk] == t) for t in ("capital", "current")
    }
    set_type_ceilings(civil, current_cycle, totals["capital"] // 2, totals["current"] // 2)

    expected = ranking.ListFigures(0, {"capital": totals["capital"] // 2, "current": totals["current"] // 2})
    places = {p.pk: expected.add(p.requested_amount, types[p.pk]) for p in projects}
    # Below a line: outside it, or in what its ceiling still leaves (ranking.CutLine's third mark).
    expected_below = [pk for pk, place in places.items() if place.fits is False]
    expected_out = [pk for pk, place in places.items() if place.fit_state == "out"]
    assert {types[pk] for pk in expected_below} == {"capital", "current"}

    client.force_login(personas["office"])
    assert page_outside(client, civil) == expected_out

    submission = submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
    )
    assert submission.snapshot["type_ceilings"] == {
        "capital": totals["capital"] // 2,
        "current": totals["current"] // 2,
    }
    items = client.get(f"/submissions/{submission.pk}/").context["items"]
    assert [item["id"] for item in items if item.get("below")] == expected_below
    assert sum(1 for item in items if item["cutline"]) == 2  # one line per credit type

    rows = export_outside(current_cycle, civil)
    assert [row["شناسه واحد"] for row in rows if row["در سقف اعتبار"] == "خیر"] == [
        Project.objects.get(pk=pk).ref for pk in expected_out
    ]
    by_type = {}
    for row in rows:
        if row["اولویت"] is not None:
            by_type[row["نوع اعتبار"]] = (
                by_type.get(row["نوع اعتبار"], 0) + row["اعتبار درخواستی (میلیون ریال)"]
            )
            assert row["جمع تجمعی همان نوع اعتبار (میلیون ریال)"] == by_type[row["نوع اعتبار"]]

    dashboard = client.get("/office/").context["rows"]
    row = next(row for row in dashboard if row.workgroup == civil)
    assert row.over_ceiling
    # Raise both ceilings to the totals: nothing is outside anywhere.
    set_type_ceilings(civil, current_cycle, totals["capital"] + 10**9, totals["current"] + 10**9)
    assert page_outside(client, civil) == []
    row = next(row for row in client.get("/office/").context["rows"] if row.workgroup == civil)
    assert not row.over_ceiling


# ---- the form, the service and the lock --------------------------------------------------------


def test_the_proposal_form_refuses_sources_that_do_not_add_up(client, personas, current_cycle, civil):
    client.force_login(personas["expert"])
    own, national = FundingSource.objects.order_by("position")[:2]
    data = {
        "title": "بهسازی پیاده‌رو خیابان آزمایشی",
        "responsible_deputy": civil.deputy_id,
        "kind": "new",
        "requested_amount": "۱۰۰۰",
        f"source_{own.pk}": "۶۰۰",
        f"source_{national.pk}": "۳۰۰",
    }
    response = client.post("/projects/new/", data)
    assert response.status_code == 200
    assert "۱۰۰ میلیون ریال کمتر" in response.content.decode()
    assert not Project.objects.filter(title="بهسازی پیاده‌رو خیابان آزمایشی").exists()

    data[f"source_{national.pk}"] = "۴۰۰"
    data[f"forecast_{current_cycle.fiscal_year + 1}"] = "۲۵۰۰"
    response = client.post("/projects/new/", data)
    assert response.status_code == 302
    project = Project.objects.get(title="بهسازی پیاده‌رو خیابان آزمایشی")
    assert resources.stored_rows(project) == {
        "forecasts": {current_cycle.fiscal_year + 1: 2500},
        "sources": {own.pk: 600, national.pk: 400},
    }
    page = client.get(project.get_absolute_url()).content.decode()
    assert "۲٬۵۰۰" in page and own.name in page


def test_the_service_checks_the_rules_and_audits_the_money(personas, civil, current_cycle):
    project = Project.objects.filter(workgroup=civil, cycle=current_cycle, fundings__isnull=False).first()
    parts = resources.stored_rows(project)["sources"]
    project.requested_amount += 1
    if project.total_estimate is not None:
        project.total_estimate += 1  # the years still add up: only the sources do not
    with pytest.raises(ListInvalid, match="جمع منابع"):
        services.project_update(project=project, user=personas["office"], by_office=True)
    first = next(iter(parts))
    parts[first] += 1
    services.project_update(
        project=project,
        user=personas["office"],
        by_office=True,
        money={"forecasts": resources.stored_rows(project)["forecasts"], "sources": parts},
    )
    entry = AuditEntry.objects.filter(project=project, action="project.edit").latest("at")
    assert "sources" in entry.details["differences"]


def test_a_submitted_lists_money_cannot_change(personas, civil, current_cycle, rank_all):
    rank_all(civil, current_cycle)
    submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
    )
    project = Project.objects.filter(workgroup=civil, cycle=current_cycle, fundings__isnull=False).first()
    before = resources.stored_rows(project)
    with pytest.raises(ListLocked):
        services.project_update(
            project=project,
            user=personas["office"],
            by_office=True,
            money={"forecasts": {}, "sources": {}},
        )
    assert resources.stored_rows(project) == before


def test_the_snapshot_diff_names_changed_sources_and_forecasts():
    item = {
        "id": 1,
        "title": "پ",
        "position": 1,
        "unit": "R01",
        "requested_amount": 100,
        "total_estimate": None,
        "program_code": None,
        "budget_code": None,
        "forecasts": {"1406": 50},
        "sources": {"اعتبارات ملی": 100},
    }
    changed = {**item, "forecasts": {"1406": 70}, "sources": {"اعتبارات ملی": 60, "اوراق مشارکت": 40}}
    diff = submissions.submission_diff({"projects": [item]}, {"projects": [changed]})
    fields = {change["field"]: change for change in diff["amount_changed"]}
    assert set(fields) == {"forecasts", "sources"}
    assert fields["sources"]["after_text"] == "اعتبارات ملی: ۶۰، اوراق مشارکت: ۴۰"
    assert diff["has_changes"]


# ---- the import and the round trip (the fixed interface) ---------------------------------------


def xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_the_import_reads_source_and_forecast_columns_and_names_a_wrong_sum(current_cycle):
    own, national = FundingSource.objects.order_by("position")[:2]
    year = current_cycle.fiscal_year
    header = [
        "شناسه",
        "عنوان",
        "واحد پیشنهاددهنده",
        "معاونت مسئول",
        "اعتبار درخواستی (میلیون ریال)",
        "برآورد کل",
        "spent_before",
        f"منبع: {own.name}",
        f"source_{national.pk}",
        f"پیش‌بینی {year + 1}",
        f"forecast_{year + 2}",
    ]
    good = ["X-1", "پروژه چندساله آزمایشی", "R02", "D4", 100, 1000, 400, 70, 30, 300, 200]
    bad = ["X-2", "پروژه دوم آزمایشی", "R02", "D4", 100, None, None, 70, 20, None, None]
    result = import_projects(xlsx([header, good, bad]), cycle=current_cycle, dry_run=True)
    problems = [str(problem) for problem in result.problems]
    assert len(problems) == 1 and "ردیف 3" in problems[0] and f"منبع: {own.name}" in problems[0]
    assert "۱۰ میلیون ریال کمتر" in problems[0]

    result = import_projects(xlsx([header, good]), cycle=current_cycle)
    assert result.written
    project = Project.objects.get(ref="X-1", cycle=current_cycle)
    assert project.spent_before == 400
    assert resources.stored_rows(project) == {
        "forecasts": {year + 1: 300, year + 2: 200},
        "sources": {own.pk: 70, national.pk: 30},
    }
    again = import_projects(xlsx([header, good]), cycle=current_cycle, dry_run=True)
    assert again.totals["unchanged"] == 1 and again.totals["updated"] == 0
    good[9] = 250
    good[5] = 950
    changed = import_projects(xlsx([header, good]), cycle=current_cycle, dry_run=True)
    assert changed.totals["updated"] == 1


@pytest.mark.parametrize("fiscal_year", ["1399", "current"])
def test_the_consolidated_export_imports_back_unchanged(tmp_path, current_cycle, cycle_1399, fiscal_year):
    cycle = cycle_1399 if fiscal_year == "1399" else current_cycle
    assert Project.objects.filter(cycle=cycle, forecasts__isnull=False).exists()
    assert Project.objects.filter(cycle=cycle, fundings__source__position__gt=1).exists()
    path = tmp_path / "export.xlsx"
    call_command(
        "export_coded_list", "--cycle", str(cycle.fiscal_year), "--output", str(path), stdout=io.StringIO()
    )
    header = [cell.value for cell in load_workbook(path)["فهرست تلفیقی"][1]]
    assert f"پیش‌بینی {cycle.fiscal_year + 1}" in header
    assert any(name.startswith("منبع: ") for name in header)
    out = io.StringIO()
    call_command("import_projects", str(path), "--cycle", str(cycle.fiscal_year), "--dry-run", stdout=out)
    count = Project.objects.filter(cycle=cycle).count()
    assert f"new=0 updated=0 unchanged={count}" in out.getvalue()


# ---- the plan's one-year slice -----------------------------------------------------------------


def test_the_plan_slice_sums_requests_per_program_type_and_source(client, personas, cycle_1399):
    from workgroups import plan

    rows, empty, uncoded, sources = plan.plan_slice(cycle_1399)
    proposed = Project.objects.filter(cycle=cycle_1399, state=Project.State.PROPOSED)
    assert sum(row.total for row in rows) + uncoded.total == sum(
        proposed.values_list("requested_amount", flat=True)
    )
    for row in rows:
        assert sum(row.by_type.values()) == row.total
        assert row.unsplit >= 0
        in_program = proposed.filter(program_code__code=row.code)
        parts = sum(in_program.values_list("fundings__amount", flat=True).exclude(fundings__amount=None))
        assert sum(row.by_source.values()) == parts
    assert empty and all(slice_.count == 0 for slice_ in empty)
    # The page shows the current cycle, whose projects are not coded yet: every program is empty.
    client.force_login(personas["office"])
    html = client.get("/office/plan/").content.decode()
    assert "بدون کد برنامه عملیاتی" in html and "data-empty-programs" in html
