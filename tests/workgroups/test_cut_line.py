"""One cut line: the ranking page, the submission page, the dashboard and the Excel export give the
same answer on the same list, whatever the credit ceiling, 0 (not set yet) included.

A ceiling of 0 means the office has not set one: no project is marked inside or outside it, no
cut line is drawn, and the dashboard does not call the list over its ceiling.
"""

import io
import re

import pytest
from openpyxl import load_workbook

from workgroups import ranking, submissions
from workgroups.exporting import COLUMNS, build_workbook
from workgroups.models import Deadline, Project, WorkgroupCycle

PRIORITIES = Deadline.Kind.PRIORITIES
ROW = re.compile(r'data-project-id="(\d+)".*?<span class="fit-badge" data-fit>([^<]*)</span>', re.S)
FITS_COLUMN = [header for header, *_ in COLUMNS].index("در سقف اعتبار")
PRIORITY_COLUMN = [header for header, *_ in COLUMNS].index("اولویت")


def set_ceiling(workgroup, cycle, ceiling):
    WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).update(credit_ceiling=ceiling)


def outside_on_the_ranking_page(client, workgroup):
    """Positions the page marks outside the ceiling, and whether it marks any inside."""
    html = client.get(f"/workgroups/{workgroup.slug}/").content.decode()
    ranked = html.split('id="ranking"', 1)[1].split('id="unranked"', 1)[0]
    fits = [text for _pk, text in ROW.findall(ranked)]
    outside = [position for position, text in enumerate(fits, 1) if text == ranking.FIT_LABELS[False]]
    return outside, any(text == ranking.FIT_LABELS[True] for text in fits)


def outside_on_the_submission_page(client, submission):
    items = client.get(f"/submissions/{submission.pk}/").context["items"]
    return [item["position"] for item in items if item["below"]]


def over_on_the_dashboard(client, workgroup):
    rows = client.get("/office/").context["rows"]
    return next(row for row in rows if row.workgroup == workgroup).over_ceiling


def outside_in_the_export(cycle, workgroup):
    output = io.BytesIO()
    build_workbook(cycle=cycle, workgroup=workgroup, output=output)
    sheet = load_workbook(io.BytesIO(output.getvalue())).worksheets[1]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return (
        [row[PRIORITY_COLUMN] for row in rows if row[FITS_COLUMN] == "خیر"],
        any(row[FITS_COLUMN] == "بله" for row in rows),
    )


@pytest.mark.parametrize("share", [0, 0.45, 1.0])
def test_the_four_views_of_a_list_agree_on_its_cut_line(
    client, personas, civil, current_cycle, rank_all, share
):
    rank_all(civil, current_cycle)
    total = sum(
        Project.objects.for_workgroup(civil, current_cycle)
        .ranked()
        .values_list("requested_amount", flat=True)
    )
    ceiling = int(total * share)
    set_ceiling(civil, current_cycle, ceiling)
    submission = submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
    )
    client.force_login(personas["office"])

    page, page_marks_inside = outside_on_the_ranking_page(client, civil)
    snapshot = outside_on_the_submission_page(client, submission)
    export, export_marks_inside = outside_in_the_export(current_cycle, civil)
    dashboard_over = over_on_the_dashboard(client, civil)

    amounts = [item["requested_amount"] for item in submission.projects if item["position"] is not None]
    line, places = ranking.running_totals(amounts, ceiling)
    expected = [place.position for place in places if place.fits is False]
    assert page == snapshot == export == expected
    assert dashboard_over == bool(expected) == line.is_over
    if ceiling == 0:
        # Not set yet: nobody is told a project is inside or outside a ceiling that does not exist.
        assert expected == [] and not page_marks_inside and not export_marks_inside
    elif share == 1.0:
        assert expected == [] and page_marks_inside and export_marks_inside
    else:
        assert expected and expected == list(range(expected[0], len(amounts) + 1))


def test_the_cut_line_is_strict_and_counts_from_the_top():
    line, places = ranking.running_totals([60, 50, 10], 100)
    assert [place.fits for place in places] == [True, False, False]
    assert (line.cut_position, line.fitting_count, line.over_ceiling, line.room_left) == (2, 1, 20, 0)
    line, places = ranking.running_totals([60, 40], 100)
    assert [place.fits for place in places] == [True, True] and line.cut_position is None
    line, places = ranking.running_totals([60, 40], 0)
    assert [place.fits for place in places] == [None, None] and not line.is_over and line.room_left == 0
