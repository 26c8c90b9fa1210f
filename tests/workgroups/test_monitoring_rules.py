"""The rules of monitoring (workgroups/monitoring/rules.py): quarters, percentages, a report's checks."""

import datetime

import jdatetime
import pytest

from karaj_budget.jalali import TEHRAN
from workgroups.monitoring import rules


def test_quarters_cover_the_jalali_year_without_gaps():
    assert rules.quarter_first_day(1405, 1) == jdatetime.date(1405, 1, 1)
    assert rules.quarter_last_day(1405, 1) == jdatetime.date(1405, 3, 31)
    assert rules.quarter_last_day(1405, 3) == jdatetime.date(1405, 9, 30)
    # Esfand has 30 days in a leap year (1403) and 29 otherwise (1405).
    assert rules.quarter_last_day(1403, 4) == jdatetime.date(1403, 12, 30)
    assert rules.quarter_last_day(1405, 4) == jdatetime.date(1405, 12, 29)
    for quarter in (1, 2, 3):
        gap = rules.quarter_first_day(1405, quarter + 1) - rules.quarter_last_day(1405, quarter)
        assert gap == datetime.timedelta(days=1)


def test_default_due_date_is_the_end_of_the_fifteenth_day_after_the_quarter():
    due = rules.default_due_at(1405, 1)
    assert due == datetime.datetime(2026, 7, 6, 23, 59, 59, tzinfo=TEHRAN)  # 1405/04/15
    assert rules.quarter_of(due) == (1405, 2)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (50, 200, 25),
        (1, 3, 33),
        (2, 3, 67),
        (1, 200, 1),
        (0, 10, 0),
        (250, 200, 125),
        (5, 0, None),
        (None, 5, None),
    ],
)
def test_absorption_is_a_whole_percent_half_up(part, whole, expected):
    assert rules.absorption(part, whole) == expected


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "direction", "expected"),
    [
        (10, 20, 15, "increase", 50),
        (10, 20, 23, "increase", 130),
        (10, 20, 8, "increase", -20),
        (40, 30, 35, "decrease", 50),
        (40, 30, 45, "decrease", -50),
        (5, 5, 5, "increase", 100),
        (5, 5, 4, "increase", 0),
        (5, 5, 4, "decrease", 100),
        (10, 20, None, "increase", None),
    ],
)
def test_achievement_goes_from_baseline_to_target(baseline, target, actual, direction, expected):
    assert rules.achievement(baseline=baseline, target=target, actual=actual, direction=direction) == expected


def _fields(check):
    return [problem.field for problem in check.problems]


def test_a_decrease_of_progress_without_a_reason_is_refused():
    check = rules.check_report(
        progress=30, absorbed=10, status="on_schedule", reason="", approved=100, previous_progress=40
    )
    assert _fields(check) == ["reason"]
    assert "۴۰٪" in check.problems[0].message and "۳۰٪" in check.problems[0].message
    with_reason = rules.check_report(
        progress=30,
        absorbed=10,
        status="on_schedule",
        reason="بازبینی متره",
        approved=100,
        previous_progress=40,
    )
    assert with_reason.ok


def test_delayed_or_stopped_needs_a_reason_and_completed_needs_100():
    assert _fields(rules.check_report(progress=20, absorbed=0, status="delayed", reason=" ", approved=5)) == [
        "reason"
    ]
    assert _fields(rules.check_report(progress=20, absorbed=0, status="stopped", reason="", approved=5)) == [
        "reason"
    ]
    assert _fields(
        rules.check_report(progress=90, absorbed=0, status="completed", reason="", approved=5)
    ) == ["physical_progress"]
    assert rules.check_report(progress=100, absorbed=5, status="completed", reason="", approved=5).ok


def test_a_draft_may_be_incomplete_but_a_submission_may_not():
    draft = rules.check_report(
        progress=None, absorbed=None, status="", reason="", approved=5, for_submit=False
    )
    assert draft.ok
    submit = rules.check_report(progress=None, absorbed=None, status="", reason="", approved=5)
    assert _fields(submit) == ["physical_progress", "absorbed", "status"]


def test_absorbed_above_approved_is_flagged_not_refused():
    check = rules.check_report(progress=50, absorbed=120, status="on_schedule", reason="", approved=100)
    assert check.ok
    assert [flag.field for flag in check.flags] == ["absorbed"]


def test_out_of_range_figures_are_refused():
    check = rules.check_report(progress=101, absorbed=-1, status="unknown", reason="", approved=100)
    assert _fields(check) == ["physical_progress", "absorbed", "status"]


def test_planned_progress_is_cumulative():
    assert rules.check_planned({1: 10, 2: 30, 3: 60, 4: 100}) == []
    problems = rules.check_planned({1: 10, 2: 5, 3: 120, 4: None})
    assert [problem.field for problem in problems] == ["planned_q2", "planned_q3"]


@pytest.mark.parametrize(
    ("status", "progress", "planned", "expected"),
    [
        ("delayed", 50, 40, True),
        ("stopped", None, None, True),
        ("on_schedule", 30, 40, True),
        ("on_schedule", 40, 40, False),
        ("completed", 100, None, False),
    ],
)
def test_behind_schedule(status, progress, planned, expected):
    assert rules.is_behind(status=status, progress=progress, planned=planned) is expected
