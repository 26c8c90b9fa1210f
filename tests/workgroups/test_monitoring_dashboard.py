"""The monitoring dashboard of a quarter (docs/monitoring.md, "Dashboard"): its figures equal those
computed by hand from the reports, each definition (missing and late with a frozen clock and a
unit's extension), the filters, what each role sees, and a number of queries that does not grow
with the number of projects.

The civil workgroup's nine projects of 1399 carry hand-made reports of spring 1399 (due 1399/04/15):
    p0  R01  approved 1000  planned 20  verified   30%   absorbed  400  on schedule
    p1  R01  approved 2000  planned 20  submitted  10%   absorbed 2500  delayed, sent 2 days late
    p2  R01  approved 3000  planned 40  submitted  40%   absorbed  600  stopped
    p3  R05  approved 4000  planned 10  draft
    p4  R07  approved 5000  (no plan)   returned
    p5  R07  approved  100  (no plan)   no report
    p6–p8 R04 approved 100  (no plan)   no report
R07 has an extension to 1399/04/25.
"""

import datetime
import random

import jdatetime
import pytest
import time_machine

from karaj_budget.jalali import TEHRAN
from programs.models import Unit
from workgroups.models import MonitoredProject, PeriodExtension, ProgressReport, Project
from workgroups.monitoring import dashboard, rules
from workgroups.monitoring.rules import default_due_at

URL = "/monitoring/dashboard/"
JSON_URL = "/monitoring/dashboard.json"
# Session, user, the office permission (user's and groups'), the quarter asked for, the figures
# (BUILD_QUERIES), and the quarters listed for the links.
PAGE_QUERIES = 12
# The units' extensions, one GROUP BY per (workgroup, unit, program code), the project list and
# its length, the S-curve's planned and reported sums. A workgroup, unit or program filter adds one
# (the options of the filters, then no longer the figures' own).
BUILD_QUERIES = 6


def tehran(year, month, day, *time):
    """A Tehran instant given by its Jalali date."""
    gregorian = jdatetime.date(year, month, day).togregorian()
    return datetime.datetime(gregorian.year, gregorian.month, gregorian.day, *time, tzinfo=TEHRAN)


AFTER_DUE = tehran(1399, 4, 20, 12, 0)
AFTER_EXTENSION = tehran(1399, 4, 26, 0, 0)


@pytest.fixture
def civil_quarter(monitored, open_quarter):
    """Spring 1399 with the civil projects' reports of the module docstring; returns (period, lines)."""
    period = open_quarter(1)
    civil = [m for m in monitored if m.project.workgroup.slug == "civil"]
    assert len(civil) == 9
    units = {code: Unit.objects.get(code=code) for code in ("R01", "R05", "R07", "R04")}
    plan = [
        ("R01", 1000, 20),
        ("R01", 2000, 20),
        ("R01", 3000, 40),
        ("R05", 4000, 10),
        ("R07", 5000, None),
        ("R07", 100, None),
        ("R04", 100, None),
        ("R04", 100, None),
        ("R04", 100, None),
    ]
    for m, (unit, approved, planned) in zip(civil, plan, strict=True):
        Project.objects.filter(pk=m.project_id).update(proposing_unit=units[unit])
        MonitoredProject.objects.filter(pk=m.pk).update(approved_amount=approved, planned_q1=planned)
    sent = tehran(1399, 4, 10, 9, 0)

    def report(m, state, progress=None, absorbed=None, status="", **extra):
        frozen = state in ProgressReport.FROZEN_STATES
        return ProgressReport.objects.create(
            monitored=m,
            period=period,
            state=state,
            physical_progress=progress,
            absorbed=absorbed,
            status=status,
            reason="دلیل" if status in ("delayed", "stopped") else "",
            checksum="c" * 64 if frozen else "",
            submitted_at=extra.pop("submitted_at", sent if frozen or state == "returned" else None),
            reviewed_at=sent if state == "verified" else None,
            **extra,
        )

    report(civil[0], "verified", 30, 400, "on_schedule")
    report(
        civil[1],
        "submitted",
        10,
        2500,
        "delayed",
        submitted_at=tehran(1399, 4, 18, 0, 0),
        late_by=datetime.timedelta(days=2),
    )
    report(civil[2], "submitted", 40, 600, "stopped")
    report(civil[3], "draft", 15, 100, "on_schedule")
    report(civil[4], "returned", 5, 50, "on_schedule")
    PeriodExtension.objects.create(
        period=period, unit=units["R07"], due_at=tehran(1399, 4, 25, 23, 59, 59), reason="سیل"
    )
    return period, civil


def civil_json(client, personas, at, query=""):
    client.force_login(personas["office"])
    with time_machine.travel(at, tick=False):
        response = client.get(f"{JSON_URL}?year=1399&quarter=1&workgroup=civil{query}")
    assert response.status_code == 200
    return response.json()


def test_figures_equal_those_computed_by_hand(client, personas, civil_quarter):
    data = civil_json(client, personas, AFTER_DUE)
    total = data["total"]
    assert total["due"] == 9
    assert total["submitted"] == 3  # verified + submitted; the draft and the returned one are not in
    assert total["verified"] == 1
    # Past the due date without a received report: p3 (draft) and p6–p8; R07's two are extended.
    assert total["missing"] == 4
    assert total["late"] == 5  # p1 sent two days late, and the four missing
    assert total["approved_total"] == 15_400
    assert total["approved_reported"] == 6_000
    assert total["absorbed"] == 3_500
    assert total["absorption_percent"] == 58  # 3500 / 6000 = 58.3
    assert total["flagged"] == 1  # p1 absorbed 2500 of 2000
    assert total["behind"] == 2  # p1 delayed, p2 stopped; p0 is ahead of its plan
    assert (total["delayed"], total["stopped"]) == (1, 1)
    # (1000·20 + 2000·20 + 3000·40 + 4000·10) / 10000 over the projects with a plan
    assert total["planned_progress"] == 22
    # (1000·30 + 2000·10 + 3000·40) / 6000 over the received reports = 28.3
    assert total["reported_progress"] == 28
    assert [row["key"] for row in data["workgroups"]] == ["civil"]
    assert data["workgroups"][0] | {"key": "all", "label": "همه"} == total
    units = {row["key"]: row for row in data["units"]}
    assert {
        key: (row["due"], row["submitted"], row["missing"], row["late"]) for key, row in units.items()
    } == {
        "R01": (3, 3, 0, 1),
        "R04": (3, 0, 3, 3),
        "R05": (1, 0, 1, 1),
        "R07": (2, 0, 0, 0),
    }
    assert units["R01"]["absorption_percent"] == 58
    # The quarter's S-curve point is the same weighted figures; other quarters have no reports yet.
    assert data["s_curve"][0] | {"quarter": 1} == {
        "quarter": 1,
        "label": "بهار",
        "planned": 22,
        "reported": 28,
    }
    assert [point["reported"] for point in data["s_curve"][1:]] == [None, None, None]


def test_missing_starts_after_the_whole_last_second_and_an_extension_moves_it(
    client, personas, civil_quarter
):
    last_second = tehran(1399, 4, 15, 23, 59, 59) + datetime.timedelta(milliseconds=500)
    assert civil_json(client, personas, last_second)["total"]["missing"] == 0
    assert civil_json(client, personas, last_second)["total"]["late"] == 1  # only the report sent late
    assert civil_json(client, personas, tehran(1399, 4, 16, 0, 0))["total"]["missing"] == 4
    after = civil_json(client, personas, AFTER_EXTENSION)["total"]
    assert (after["missing"], after["late"]) == (6, 7)


def test_project_list_puts_stopped_and_delayed_first_and_filters_narrow_only_the_list(
    client, personas, civil_quarter
):
    period, civil = civil_quarter
    data = civil_json(client, personas, AFTER_DUE)
    ids = [row["id"] for row in data["projects"]]
    assert ids[:2] == [civil[2].pk, civil[1].pk]  # stopped, then delayed
    assert data["projects"][0]["status"] == "stopped"

    no_report = civil_json(client, personas, AFTER_DUE, "&state=none")
    assert {row["id"] for row in no_report["projects"]} == {m.pk for m in civil[5:]}
    assert no_report["projects_listed"] == 4
    assert no_report["total"] == data["total"]

    delayed = civil_json(client, personas, AFTER_DUE, "&status=delayed")
    assert [row["id"] for row in delayed["projects"]] == [civil[1].pk]
    assert delayed["projects"][0]["late"] and delayed["projects"][0]["flagged"]
    assert delayed["projects"][0]["late_by_seconds"] == 2 * 86400


def test_unit_filter_narrows_every_figure(client, personas, civil_quarter):
    data = civil_json(client, personas, AFTER_DUE, "&unit=R01")
    assert data["total"]["due"] == 3
    assert data["total"]["absorbed"] == 3_500
    assert [row["key"] for row in data["units"]] == ["R01"]


def test_the_page_shows_the_figures_and_the_export_button(client, personas, civil_quarter):
    client.force_login(personas["office"])
    with time_machine.travel(AFTER_DUE, tick=False):
        html = client.get(f"{URL}?year=1399&quarter=1&workgroup=civil").content.decode()
    assert 'data-figure="missing">۴<' in html
    assert 'data-figure="absorption">۵۸٪<' in html
    assert "/monitoring/export/?year=1399&amp;quarter=1" in html
    assert 'id="monitoring-data"' in html
    assert "<script>" not in html  # data goes in json_script, code in files (CSP)


def test_a_head_sees_only_its_workgroup_and_a_unit_expert_only_its_unit(client, personas, civil_quarter):
    client.force_login(personas["head_b"])
    data = client.get(f"{JSON_URL}?year=1399&quarter=1").json()
    assert [row["key"] for row in data["workgroups"]] == ["transport"]
    assert client.get(f"{JSON_URL}?year=1399&quarter=1&workgroup=civil").status_code == 404

    client.force_login(personas["head_a"])
    data = client.get(f"{JSON_URL}?year=1399&quarter=1").json()
    assert [row["key"] for row in data["workgroups"]] == ["civil"]
    assert data["total"]["due"] == 9

    client.force_login(personas["expert"])  # district 1 (R01): its projects in every workgroup
    data = client.get(f"{JSON_URL}?year=1399&quarter=1").json()
    assert [row["key"] for row in data["units"]] == ["R01"]
    expected = MonitoredProject.objects.filter(project__proposing_unit__code="R01").count()
    assert data["total"]["due"] == expected
    assert client.get(f"{JSON_URL}?year=1399&quarter=1&unit=R04").status_code == 404


def test_no_quarter_opened_yet(client, personas, monitored):
    client.force_login(personas["office"])
    response = client.get(URL)
    assert response.status_code == 200
    assert "هنوز فصلی برای گزارش پایش گشوده نشده است" in response.content.decode()
    assert client.get(JSON_URL).status_code == 404
    assert client.get(f"{URL}?year=1399&quarter=9").status_code == 404


def _double(monitored):
    """As many monitored projects again, each with a received report of spring 1399."""
    period = dashboard.ReportingPeriod.objects.get(cycle__fiscal_year=1399, quarter=1)
    for m in monitored:
        project = m.project
        project.pk = None
        project.id = None
        project.ref = ""
        project.priority = None
        project.save()
        copy = MonitoredProject.objects.create(project=project, approved_amount=100, planned_q1=10)
        ProgressReport.objects.create(
            monitored=copy,
            period=period,
            state="submitted",
            physical_progress=5,
            absorbed=10,
            status="delayed",
            checksum="c" * 64,
            submitted_at=AFTER_DUE,
        )


def test_queries_do_not_grow_with_the_number_of_projects(
    client, personas, monitored, civil_quarter, django_assert_num_queries
):
    period, _ = civil_quarter
    client.force_login(personas["office"])

    def measure():
        with django_assert_num_queries(BUILD_QUERIES):
            built = dashboard.build(
                period=period,
                visible=MonitoredProject.objects.all(),
                filters=dashboard.Filters(),
                now=AFTER_DUE,
            )
        with django_assert_num_queries(PAGE_QUERIES):
            assert client.get(f"{URL}?year=1399&quarter=1").status_code == 200
        return built.total.due

    before = measure()
    _double(monitored)
    assert measure() == 2 * before


def test_the_databases_sums_equal_a_count_over_the_lines(personas, monitored, open_quarter):
    """The figures are summed in the database; counted one project at a time with `Line` (which
    calls rules.is_behind and rules.absorption) over random reports, they are the same."""
    rng = random.Random(16)
    period = open_quarter(1)
    units = list(Unit.objects.exclude(kind="deputy"))
    for unit in units[:4]:
        PeriodExtension.objects.create(
            period=period, unit=unit, due_at=tehran(1399, 4, rng.choice([10, 20, 30]), 23, 59, 59), reason="-"
        )
    for m in monitored:
        MonitoredProject.objects.filter(pk=m.pk).update(
            approved_amount=rng.randint(0, 5000), planned_q1=rng.choice([None, 0, 10, 30, 60])
        )
        state = rng.choice(["none", "draft", "submitted", "verified", "returned"])
        if state == "none":
            continue
        frozen = state in ProgressReport.FROZEN_STATES
        ProgressReport.objects.create(
            monitored=m,
            period=period,
            state=state,
            physical_progress=rng.choice([None, 0, 10, 30, 100]),
            absorbed=rng.choice([None, 0, 1000, 6000]),
            status=rng.choice(["", *ProgressReport.Status.values]),
            checksum="c" * 64 if frozen else "",
            submitted_at=AFTER_DUE if frozen else None,
            reviewed_at=AFTER_DUE if state == "verified" else None,
            late_by=rng.choice([None, datetime.timedelta(0), datetime.timedelta(hours=3)])
            if frozen
            else None,
        )
    built = dashboard.build(
        period=period, visible=MonitoredProject.objects.all(), filters=dashboard.Filters(), now=AFTER_DUE
    )
    lines = list(dashboard.lines(period, MonitoredProject.objects.all(), now=AFTER_DUE))
    received = [line for line in lines if line.received]
    total = built.total
    assert total.due == len(lines) == len(monitored)
    assert total.submitted == len(received)
    assert total.verified == sum(line.state == "verified" for line in lines)
    assert total.missing == sum(line.missing for line in lines) > 0
    assert total.late == sum(line.late for line in lines)
    assert total.flagged == sum(line.flagged for line in lines)
    assert total.behind == sum(line.behind for line in lines) > 0
    assert total.absorbed == sum(line.absorbed or 0 for line in received)
    assert total.approved_reported == sum(line.approved for line in received)
    assert total.absorption == rules.absorption(total.absorbed, total.approved_reported)
    planned = [(line.approved, line.planned) for line in lines if line.planned is not None]
    reported = [(line.approved, line.progress) for line in received if line.progress is not None]
    assert total.planned_progress == rules.percent(
        sum(a * p for a, p in planned), 100 * sum(a for a, _ in planned)
    )
    assert total.reported_progress == rules.percent(
        sum(a * p for a, p in reported), 100 * sum(a for a, _ in reported)
    )
    assert sum(group.due for group in built.units) == sum(group.due for group in built.programs) == total.due
    assert [line.attention for line in built.lines] == sorted(line.attention for line in lines)[
        : len(built.lines)
    ]


def test_default_quarter_is_the_latest_opened(client, personas, monitored, open_quarter):
    open_quarter(1)
    open_quarter(2, due_at=default_due_at(1399, 2))
    client.force_login(personas["office"])
    assert client.get(JSON_URL).json()["period"]["quarter"] == 2
