"""Who reaches the monitoring set-up pages (enrolment, approved amounts, carry-over) and the program
indicators: every URL × every persona (docs/workflow.md, "People").

anon: sent to the login page; stranger, unit expert, head, other head, member: the set-up is the
office's (403); indicators: heads and members read their own deputy's, only the head (and the
office) enters values, another deputy's indicator answers 404.
"""

import pytest
from django.urls import reverse

from programs.models import Indicator, ProgramCode
from workgroups.models import Cycle

PERSONAS = ("anon", "stranger", "expert", "head_a", "head_b", "member_a", "office")


@pytest.fixture
def objects(monitored, open_quarter):
    open_quarter(1)
    indicator = Indicator.objects.create(
        program_code=ProgramCode.objects.get(code="4-1-1-01"),
        name="طول معابر",
        measure_unit="کیلومتر",
        baseline=0,
    )
    return {"monitored": monitored[0], "indicator": indicator}


def urls(objects):
    monitored, indicator = objects["monitored"].pk, objects["indicator"].pk
    return {
        "setup": ("get", reverse("workgroups:monitoring-setup"), {}),
        "enrol": ("post", reverse("workgroups:monitoring-enrol"), {"cycle": "1399"}),
        "approved": ("post", reverse("workgroups:monitored-approved", args=[monitored]), {"amount": "5"}),
        "import": ("post", reverse("workgroups:approved-import"), {"cycle": "1399"}),
        "confirm": ("post", reverse("workgroups:approved-import-confirm"), {"token": "0" * 32}),
        "carryover": (
            "post",
            reverse("workgroups:carryover-link"),
            {"cycle": Cycle.objects.current().fiscal_year},
        ),
        "indicators": ("get", reverse("workgroups:indicator-list"), {}),
        "actual": (
            "post",
            reverse("workgroups:indicator-actual", args=[indicator]),
            {"year": "1399", "quarter": "1", "value": "3"},
        ),
    }


OFFICE_ONLY = {"anon": 302, "stranger": 403, "expert": 403, "head_a": 403, "head_b": 403, "member_a": 403}
EXPECTED = {
    "setup": {**OFFICE_ONLY, "office": 200},
    "enrol": {**OFFICE_ONLY, "office": 302},
    "approved": {**OFFICE_ONLY, "office": 302},
    "import": {**OFFICE_ONLY, "office": 400},  # no file: the form says so
    "confirm": {**OFFICE_ONLY, "office": 302},  # no such preview: back to the set-up page
    "carryover": {**OFFICE_ONLY, "office": 302},
    "indicators": {**OFFICE_ONLY, "head_a": 200, "head_b": 200, "member_a": 200, "office": 200},
    "actual": {**OFFICE_ONLY, "head_a": 302, "head_b": 404, "member_a": 403, "office": 302},
}


@pytest.mark.parametrize("name", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(client, personas, objects, name, persona):
    method, url, data = urls(objects)[name]
    if persona != "anon":
        client.force_login(personas[persona])
    response = getattr(client, method)(url, data)
    assert response.status_code == EXPECTED[name][persona], (name, persona)
    if persona == "anon":
        assert "/accounts/login/" in response["Location"]
