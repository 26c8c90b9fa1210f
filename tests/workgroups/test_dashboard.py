"""The budget office's dashboard and its JSON: the state of every workgroup against both deadlines,
counts and credit, filters, charts' data, and a fixed number of queries."""

import datetime

import pytest
import time_machine

from karaj_budget.jalali import TEHRAN
from workgroups import submissions
from workgroups.models import Deadline, Project, Workgroup

PRIORITIES = Deadline.Kind.PRIORITIES
# Session, user, the office permission (the user's own and its groups'), cycle, rows, the requests
# per credit type, the parts per funding source, the source ceilings, deadlines, extensions,
# submissions, the ranked projects' links to last year (monitoring/carryover.py: one more for
# their reports once any project is linked).
DASHBOARD_QUERIES = 13


def tehran(*args):
    return datetime.datetime(*args, tzinfo=TEHRAN)


@pytest.fixture
def round_1399(personas, cycle_1399):
    """The 1399 priorities round as it stood on 1398/09/17: every state but "not started"."""
    wg = {w.slug: w for w in Workgroup.objects.all()}
    office, head = personas["office"], personas["head_a"]

    def send(slug, at):
        with time_machine.travel(at, tick=False):
            return submissions.submission_submit(
                workgroup=wg[slug], cycle=cycle_1399, kind=PRIORITIES, user=head
            )

    send("civil", tehran(2019, 12, 5, 10, 0))
    send("transport", tehran(2019, 12, 7, 11, 30))  # eleven and a half hours late, soft deadline
    returned = send("services", tehran(2019, 12, 4, 9, 0))
    submissions.submission_return(submission=returned, user=office, reason="ناقص")
    accepted = send("planning", tehran(2019, 12, 3, 9, 0))
    submissions.submission_accept(submission=accepted, user=office)
    return cycle_1399


def states(html_or_json):
    return {row["slug"]: row["lists"]["priorities"]["state"] for row in html_or_json["workgroups"]}


def test_dashboard_json_tells_each_workgroups_state(client, personas, round_1399):
    client.force_login(personas["office"])
    with time_machine.travel(tehran(2019, 12, 8, 12, 0), tick=False):
        data = client.get("/office/dashboard.json?cycle=1399").json()
    assert states(data) == {
        "planning": "accepted",
        "finance": "missing",
        "urbanism": "missing",
        "civil": "submitted_on_time",
        "transport": "submitted_late",
        "services": "returned",
        "social": "missing",
    }
    transport = next(row for row in data["workgroups"] if row["slug"] == "transport")
    sent = transport["lists"]["priorities"]["submission"]
    assert sent["late_by_seconds"] == 11 * 3600 + 30 * 60 + 1
    assert sent["submitted_at"] == "2019-12-07T08:00:00+00:00"
    assert sent["submitted_at_jalali"] == "1398/09/16 11:30:00"
    assert transport["lists"]["priorities"]["due_at"] == "2019-12-06T20:29:59+00:00"
    assert transport["lists"]["priorities"]["due_at_jalali"] == "1398/09/15 23:59:59"
    assert transport["project_count"] == transport["ranked_count"] > 0
    assert transport["requested_amount"] == sum(
        Project.objects.filter(cycle=round_1399, workgroup__slug="transport").values_list(
            "requested_amount", flat=True
        )
    )
    assert data["cycle"]["deadlines"][0] == {
        "kind": "priorities",
        "due_at": "2019-12-06T20:29:59+00:00",
        "due_at_jalali": "1398/09/15 23:59:59",
        "is_hard": False,
    }


def test_in_progress_and_not_started_before_the_deadline(client, personas, current_cycle):
    project = Project.objects.filter(cycle=current_cycle, workgroup__slug="urbanism").first()
    project.priority = 1
    project.save(update_fields=["priority"])
    client.force_login(personas["office"])
    data = client.get("/office/dashboard.json").json()
    assert states(data)["urbanism"] == "in_progress"
    assert states(data)["social"] == "not_started"


def test_filters_by_state_and_name(client, personas, round_1399):
    client.force_login(personas["office"])
    with time_machine.travel(tehran(2019, 12, 8, 12, 0), tick=False):
        late = client.get("/office/dashboard.json?cycle=1399&state=missing").json()
        named = client.get("/office/dashboard.json?cycle=1399&q=عمرانی").json()
        page = client.get("/office/?cycle=1399&state=submitted_late").content.decode()
    assert sorted(states(late)) == ["finance", "social", "urbanism"]
    assert list(states(named)) == ["civil"]
    assert 'data-workgroup="transport"' in page and 'data-workgroup="civil"' not in page


def test_dashboard_page_shows_states_counts_charts_and_review_links(client, personas, round_1399):
    client.force_login(personas["office"])
    with time_machine.travel(tehran(2019, 12, 8, 12, 0), tick=False):
        response = client.get("/office/?cycle=1399")
    html = response.content.decode()
    for label in ("پذیرفته‌شده", "ارسال با تأخیر", "ارسال به‌موقع", "بازگشت داده‌شده", "ارسال‌نشده پس از مهلت"):
        assert label in html
    assert 'id="dashboard-data"' in html and "chart.umd.min.js" in html and "workgroups/dashboard.js" in html
    assert "<script>" not in html  # no inline script: only json_script data and static files
    charts = response.context["charts"]
    assert charts["timeline"]["series"][0]["data"][-1] == 4  # four workgroups have sent their priorities
    assert {marker["label"] for marker in charts["timeline"]["deadlines"]} >= {
        "مهلت: ارسال فهرست اولویت‌بندی‌شده"
    }
    assert len(charts["credit"]["labels"]) == 7


def test_dashboard_queries_do_not_grow_with_workgroups_or_submissions(
    client, personas, current_cycle, django_assert_num_queries, rank_all
):
    client.force_login(personas["office"])
    client.get("/office/")  # warm the session
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("/office/")
    for workgroup in Workgroup.objects.all():
        rank_all(workgroup, current_cycle)
        submissions.submission_submit(
            workgroup=workgroup, cycle=current_cycle, kind=PRIORITIES, user=personas["admin"]
        )
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("/office/")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("/office/dashboard.json")


@pytest.mark.parametrize(
    ("persona", "status"), [("anon", 302), ("head_a", 403), ("member_a", 403), ("expert", 403)]
)
def test_dashboard_json_is_for_the_office(client, personas, persona, status):
    if persona != "anon":
        client.force_login(personas[persona])
    response = client.get("/office/dashboard.json")
    assert response.status_code == status
