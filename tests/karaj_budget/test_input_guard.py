"""One input guard for every view and form: control characters and deep JSON answer 400, never 500.

The sweep signs in as each kind of person, follows every same-site link and form from their home
pages and the admin, and sends NUL in each query parameter and each form field it found; it runs
on SQLite and on PostgreSQL (which refuses NUL in text, the 500s this guard ends).
"""

import json
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.test import Client

from workgroups import ranking, services
from workgroups.models import Cycle, Project, RemitRequest, Workgroup

pytestmark = pytest.mark.django_db
NUL = "\x00"


def client_for(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def remit(personas):
    cycle = Cycle.objects.current()
    workgroup = Workgroup.objects.get(slug="civil")
    ids = list(Project.objects.for_workgroup(workgroup, cycle).order_by("pk").values_list("pk", flat=True))
    ranking.ranking_save(workgroup=workgroup, cycle=cycle, order=ids[:2], version=0, user=None)
    project = Project.objects.get(pk=ids[0])
    return services.project_remit_request(project=project, user=personas["head_a"], reason="حمل و نقل")


@pytest.mark.parametrize("url", ["/office/overlaps/?workgroup=%00", "/office/export/?workgroup=%00"])
def test_nul_in_a_query_parameter_is_a_400(personas, url):
    response = client_for(personas["office"]).get(url)
    assert response.status_code == 400
    assert "نویسهٔ کنترلی" in response.content.decode()


@pytest.mark.parametrize("field", ["note", "target"])
def test_nul_in_the_remit_decision_is_a_400_and_nothing_is_stored(personas, remit, field):
    data = {"decision": "accept", "target": "transport", "note": "یادداشت"}
    data[field] = data[field][:2] + NUL + data[field][2:]
    response = client_for(personas["office"]).post(f"/office/remit/{remit.pk}/decide/", data)
    assert response.status_code == 400
    remit.refresh_from_db()
    assert remit.state == RemitRequest.State.OPEN


def test_line_breaks_and_tabs_in_text_are_ordinary_text(personas, remit):
    data = {"decision": "reject", "note": "سطر اول\r\nسطر\tدوم"}
    response = client_for(personas["office"]).post(f"/office/remit/{remit.pk}/decide/", data)
    assert response.status_code == 302
    remit.refresh_from_db()
    assert remit.state == RemitRequest.State.REJECTED


def test_json_nested_100000_deep_is_a_400_not_a_recursion_error(personas):
    body = '{"version": 0, "order": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client_for(personas["head_a"]).post(
        "/workgroups/civil/ranking/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "لایه" in response.json()["error"]


def test_json_a_little_too_deep_and_json_with_a_nul_are_400(personas):
    client = client_for(personas["head_a"])
    deep = {"version": 0, "order": [], "meeting": json.loads("[" * 40 + "]" * 40)}
    response = client.post("/workgroups/civil/ranking/", deep, content_type="application/json")
    assert response.status_code == 400
    nul = {"version": 0, "order": [], "meeting": "1\x00"}
    response = client.post("/workgroups/civil/ranking/", nul, content_type="application/json")
    assert response.status_code == 400 and "کنترلی" in response.json()["error"]


class _Page(HTMLParser):
    """Same-site links and forms of a page: each form as (method, action, {name: value})."""

    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = [(attrs.get("method") or "get").lower(), attrs.get("action") or "", {}]
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea") and self._form is not None and attrs.get("name"):
            if attrs.get("type") in ("file", "submit", "image", "button", "reset"):
                return
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                self._form[2].setdefault(attrs["name"], "")
                return
            self._form[2].setdefault(attrs["name"], attrs.get("value") or "x")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


SKIP = ("/accounts/logout", "/static/", "/admin/logout", "/admin/password_change", "/delete/")


def crawl(client, starts, limit):
    """GET pages reachable from `starts` (at most `limit`); return {path: {param names}} and forms."""
    seen, queue, params, forms = set(), list(starts), {}, []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
            continue
        params.setdefault(parts.path, set()).update(name for name, _ in parse_qsl(parts.query))
        if parts.path in seen:
            continue
        seen.add(parts.path)
        response = client.get(url)
        assert response.status_code < 500, url
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        queue.extend(urljoin(parts.path, link) for link in page.links)
        for method, action, fields in page.forms:
            target = urljoin(parts.path, action) if action else parts.path
            if not urlsplit(target).path.startswith(SKIP):
                forms.append((method, target, fields))
    return params, forms


@pytest.mark.parametrize(
    "persona,starts",
    [
        ("office", ["/", "/office/", "/office/remit/", "/office/overlaps/", "/office/submissions/"]),
        ("head_a", ["/", "/workgroups/civil/", "/workgroups/civil/coding/"]),
        ("expert", ["/", "/unit/"]),
        ("admin", ["/admin/"]),
    ],
)
def test_sweep_every_link_and_form_with_nul_no_500(personas, remit, persona, starts):
    client = client_for(personas[persona])
    params, forms = crawl(client, starts, limit=80 if persona == "admin" else 40)
    assert len(params) > 3 and forms
    failures = []
    for path, names in params.items():
        for name in names | {"q", "workgroup", "cycle", "page"}:
            response = client.get(f"{path}?{urlencode({name: 'a' + NUL})}")
            if response.status_code != 400:
                failures.append(("GET", path, name, response.status_code))
    for method, target, fields in forms:
        for name in fields:
            data = {**fields, name: "a" + NUL}
            if method == "post":
                response = client.post(target, data)
            else:
                response = client.get(target, data)
            if response.status_code != 400:
                failures.append((method, target, name, response.status_code))
    assert not failures, failures[:20]
