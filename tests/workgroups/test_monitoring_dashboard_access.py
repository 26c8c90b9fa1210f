"""The permission matrix of the monitoring dashboard's URLs: every URL × every persona → status.

The office sees every project; a workgroup's head and members their workgroup's; a unit's expert
its unit's; a signed-in user with no role gets 403; anonymous users are sent to the login page.
Asking for a workgroup or unit outside one's own answers 404, as for their other objects.
"""

import pytest

LOGIN = "/accounts/login/"
QUARTER = "?year=1399&quarter=1"
URLS = ["/monitoring/dashboard/", "/monitoring/dashboard.json", "/monitoring/export/"]
PERSONAS = ["anon", "stranger", "expert", "head_a", "head_b", "member_a", "office", "admin"]
# persona → status on every URL above, for the quarter itself
EXPECTED = {
    "anon": 302,
    "stranger": 403,
    "expert": 200,  # district 1: its own projects
    "head_a": 200,  # civil
    "head_b": 200,  # transport
    "member_a": 200,  # civil, read only like its list
    "office": 200,
    "admin": 200,
}
# (persona, query) → status on every URL: one's own scope narrowed, or another's asked for.
SCOPED = [
    ("head_a", "&workgroup=civil", 200),
    ("head_a", "&workgroup=transport", 404),
    ("head_b", "&workgroup=civil", 404),
    ("member_a", "&workgroup=transport", 404),
    ("expert", "&unit=R01", 200),
    ("expert", "&unit=R04", 404),
    ("office", "&workgroup=civil&unit=R04", 200),
    ("office", "&workgroup=nowhere", 404),
]


@pytest.fixture
def quarter(personas, open_quarter):
    return open_quarter(1)


def login_as(client, personas, persona):
    if persona != "anon":
        client.force_login(personas[persona])


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(client, personas, quarter, url, persona):
    login_as(client, personas, persona)
    response = client.get(url + QUARTER)
    assert response.status_code == EXPECTED[persona], (url, persona)
    if response.status_code == 302:
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(("persona", "query", "status"), SCOPED)
def test_other_scopes_answer_404(client, personas, quarter, url, persona, query, status):
    login_as(client, personas, persona)
    assert client.get(url + QUARTER + query).status_code == status


@pytest.mark.parametrize("url", URLS)
def test_a_quarter_that_does_not_exist_answers_404(client, personas, quarter, url):
    client.force_login(personas["office"])
    for query in (
        "?year=1399&quarter=2",
        "?year=1398&quarter=1",
        "?year=1399&quarter=x",
        "?year=99999&quarter=1",
    ):
        assert client.get(url + query).status_code == 404, query


def test_the_nav_links_the_dashboard_for_every_role_but_none(client, personas, quarter):
    for persona in ("expert", "head_a", "member_a", "office"):
        client.force_login(personas[persona])
        assert 'href="/monitoring/dashboard/"' in client.get("/accounts/password_change/").content.decode(), (
            persona
        )
    client.force_login(personas["stranger"])
    assert 'href="/monitoring/dashboard/"' not in client.get("/accounts/password_change/").content.decode()
