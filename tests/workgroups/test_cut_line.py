"""One cut line: the ranking page, the submission page, the dashboard and the Excel export give the
same answer on the same list, whatever the credit ceiling, 0 (not set yet) included: each ranked
project is above the line, below it but fitting in what remains, or out.

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
ROW = re.compile(
    r'data-project-id="(\d+)".*?<span class="fit-badge" data-fit(?: data-fit-state="(\w*)")?>([^<]*)</span>',
    re.S,
)
FITS_COLUMN = [header for header, *_ in COLUMNS].index("در سقف اعتبار")
PRIORITY_COLUMN = [header for header, *_ in COLUMNS].index("اولویت")


def set_ceiling(workgroup, cycle, ceiling):
    """The list's single ceiling, with no ceiling per credit type (test_resources.py has those)."""
    WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).update(
        credit_ceiling=ceiling, capital_ceiling=0, current_ceiling=0
    )


def states_on_the_ranking_page(client, workgroup):
    """Each ranked row's place against the ceiling as the page marks it (state and label)."""
    html = client.get(f"/workgroups/{workgroup.slug}/").content.decode()
    ranked = html.split('id="ranking"', 1)[1].split('id="unranked"', 1)[0]
    rows = ROW.findall(ranked)
    assert all(label == ranking.FIT_STATE_LABELS[state] for _pk, state, label in rows)
    return [state for _pk, state, _label in rows]


def states_on_the_submission_page(client, submission):
    items = client.get(f"/submissions/{submission.pk}/").context["items"]
    return [item["fit"].fit_state for item in items if item["position"] is not None]


def over_on_the_dashboard(client, workgroup):
    rows = client.get("/office/").context["rows"]
    return next(row for row in rows if row.workgroup == workgroup).over_ceiling


EXPORT_TEXTS = {"بله": "in", "در باقی‌مانده سقف": "remainder", "خیر": "out", None: ""}


def states_in_the_export(cycle, workgroup):
    output = io.BytesIO()
    build_workbook(cycle=cycle, workgroup=workgroup, output=output)
    sheet = load_workbook(io.BytesIO(output.getvalue())).worksheets[1]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return [EXPORT_TEXTS[row[FITS_COLUMN]] for row in rows if row[PRIORITY_COLUMN] is not None]


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

    page = states_on_the_ranking_page(client, civil)
    snapshot = states_on_the_submission_page(client, submission)
    export = states_in_the_export(current_cycle, civil)
    dashboard_over = over_on_the_dashboard(client, civil)

    amounts = [item["requested_amount"] for item in submission.projects if item["position"] is not None]
    line, places = ranking.running_totals(amounts, ceiling)
    expected = [place.fit_state for place in places]
    assert page == snapshot == export == expected
    below = [place.position for place in places if place.fits is False]
    assert dashboard_over == bool(below) == line.is_over
    if ceiling == 0:
        # Not set yet: nobody is told a project is inside or outside a ceiling that does not exist.
        assert set(expected) == {""}
    elif share == 1.0:
        assert set(expected) == {"in"}
    else:
        assert below and below == list(range(below[0], len(amounts) + 1))


def test_a_small_project_below_the_line_that_fits_in_what_remains_is_marked_apart(
    client, personas, civil, current_cycle, rank_all
):
    rank_all(civil, current_cycle)
    ranked = list(Project.objects.for_workgroup(civil, current_cycle).ranked())
    # A ceiling the first project fills but for a sliver; the smallest project fits in that sliver.
    smallest = min(ranked[2:], key=lambda project: project.requested_amount)
    ceiling = ranked[0].requested_amount + smallest.requested_amount
    set_ceiling(civil, current_cycle, ceiling)
    client.force_login(personas["head_a"])
    page = states_on_the_ranking_page(client, civil)
    assert page[0] == "in" and page[1] == "out"
    assert page[ranked.index(smallest)] == "remainder"
    submission = submissions.submission_submit(
        workgroup=civil, cycle=current_cycle, kind=PRIORITIES, user=personas["head_a"]
    )
    client.force_login(personas["office"])
    assert (
        states_on_the_submission_page(client, submission)
        == page
        == states_in_the_export(current_cycle, civil)
    )


def test_the_cut_line_is_strict_and_counts_from_the_top():
    line, places = ranking.running_totals([60, 50, 10], 100)
    assert [place.fits for place in places] == [True, False, False]
    assert (line.cut_position, line.fitting_count, line.over_ceiling, line.room_left) == (2, 1, 20, 0)
    line, places = ranking.running_totals([60, 40], 100)
    assert [place.fits for place in places] == [True, True] and line.cut_position is None
    line, places = ranking.running_totals([60, 40], 0)
    assert [place.fits for place in places] == [None, None] and not line.is_over and line.room_left == 0


def test_fits_in_what_remains_takes_its_room_in_order():
    # 60 above the line; 50 is the first below it; 30 fits in the 40 left; then 20 no longer does.
    line, places = ranking.running_totals([60, 50, 30, 20, 10], 100)
    assert [place.fit_state for place in places] == ["in", "out", "remainder", "out", "remainder"]
    assert [place.fits for place in places] == [True, False, False, False, False]
    assert (line.cut_position, line.fitting_count, line.remainder_count, line.allotted) == (2, 1, 2, 100)
    assert [place.fit_label for place in places][:3] == ["در سقف", "خارج از سقف", "در باقی‌مانده سقف"]
    line, places = ranking.running_totals([60, 10], 0)
    assert [place.fit_state for place in places] == ["", ""] and line.remainder_count == 0
