"""Security headers and login throttling.

- Content-Security-Policy: every page, the admin included, carries a policy without
  'unsafe-inline', and no page needs inline script or style (which the policy would block).
- django-axes: a username is locked at one address after 8 failures for 15 minutes; the same
  username elsewhere, and other usernames at that address, are not.
- Sessions end after a working day or when the browser closes; the CSRF cookie is hidden from
  scripts.
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from karaj_budget.security import client_ip

PASSWORD = "karaj1399"
OFFICE_ADDRESS = "192.0.2.10"
HOME_ADDRESS = "198.51.100.7"
LOGIN_URL = "/accounts/login/"

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
}


def policy(response):
    header = response.headers["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


class InlineCode(HTMLParser):
    """Collect what a CSP without 'unsafe-inline' would block: inline scripts and styles."""

    DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        line = self.getpos()[0]
        if tag == "script" and "src" not in attributes:
            if (attributes.get("type") or "").lower() not in self.DATA_SCRIPT_TYPES:
                self._in_script = True
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        for name, value in attributes.items():
            if name == "style":
                self.problems.append(f"line {line}: style attribute on <{tag}>: {value}")
            elif name.startswith("on"):
                self.problems.append(f"line {line}: {name} handler on <{tag}>")
            elif name in ("href", "action", "src") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"line {line}: javascript: URL on <{tag}>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"line {self.getpos()[0]}: inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(response):
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.problems


def assert_page_works_under_csp(response, url):
    assert response.status_code == 200, f"{url}: {response.status_code}"
    assert policy(response).items() >= EXPECTED_POLICY.items(), url
    assert "unsafe" not in response.headers["Content-Security-Policy"], url
    assert inline_code(response) == [], url


# ---- Content-Security-Policy -------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_policy_allows_only_own_files(client):
    response = client.get(LOGIN_URL)

    assert_page_works_under_csp(response, LOGIN_URL)


def admin_urls():
    """The admin's index, and for each registered model its list, add and first change page."""
    urls = [reverse("admin:index"), reverse("admin:login"), reverse("admin:password_change")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        try:
            urls.append(reverse("admin:{}_{}_import".format(*info)))
        except NoReverseMatch:
            pass
    return urls


@pytest.mark.django_db
def test_the_admin_works_under_the_policy(client, personas):
    client.force_login(personas["admin"])
    checked = 0
    for url in admin_urls():
        response = client.get(url)
        if response.status_code in (302, 403):  # pages the admin hides even from a superuser
            continue
        assert_page_works_under_csp(response, url)
        checked += 1
    assert checked > 20


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["head_a", "member_a", "office", "expert", "stranger"])
def test_each_roles_home_works_under_the_policy(client, personas, persona):
    client.force_login(personas[persona])

    response = client.get("/", follow=True)

    assert_page_works_under_csp(response, f"home of {persona}")


@pytest.mark.django_db
def test_report_only_mode_sends_the_same_policy_without_enforcing_it(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None

    response = client.get(LOGIN_URL)

    assert "Content-Security-Policy" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy-Report-Only"]


# ---- Login throttling -------------------------------------------------------------------------


def attempt(username, password, address, **headers):
    return Client(REMOTE_ADDR=address, **headers).post(
        LOGIN_URL, {"username": username, "password": password}
    )


def signed_in(response):
    return response.status_code == 302 and response.url == reverse("workgroups:home")


def fail(username, address, times, **headers):
    """Fail `times` times; the failure that reaches the limit already gets the lockout page."""
    return [attempt(username, "wrong-password", address, **headers).status_code for _ in range(times)]


@pytest.mark.django_db
def test_eight_failures_lock_that_username_at_that_address_for_fifteen_minutes(personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert fail("head_civil", OFFICE_ADDRESS, 8) == [200] * 7 + [429]

        locked = attempt("head_civil", PASSWORD, OFFICE_ADDRESS)
        assert locked.status_code == 429
        html = locked.content.decode()
        assert "ورود موقتاً متوقف شد" in html
        assert "۸ بار ورود ناموفق" in html
        assert "۱۵ دقیقه" in html

        # The same person from another address, and a colleague at the same address, sign in.
        assert signed_in(attempt("head_civil", PASSWORD, HOME_ADDRESS))
        assert signed_in(attempt("member_civil", PASSWORD, OFFICE_ADDRESS))

        # Trying again during the lockout does not extend it.
        clock.shift(timedelta(minutes=10))
        assert attempt("head_civil", PASSWORD, OFFICE_ADDRESS).status_code == 429
        clock.shift(timedelta(minutes=4, seconds=59))
        assert attempt("head_civil", PASSWORD, OFFICE_ADDRESS).status_code == 429
        clock.shift(timedelta(seconds=2))
        assert signed_in(attempt("head_civil", PASSWORD, OFFICE_ADDRESS))


@pytest.mark.django_db
def test_seven_failures_and_a_success_reset_the_count(personas):
    assert fail("head_civil", OFFICE_ADDRESS, 7) == [200] * 7
    assert signed_in(attempt("head_civil", PASSWORD, OFFICE_ADDRESS))

    assert fail("head_civil", OFFICE_ADDRESS, 7) == [200] * 7
    assert signed_in(attempt("head_civil", PASSWORD, OFFICE_ADDRESS))


@pytest.mark.django_db
def test_the_admin_login_is_throttled_too(personas):
    for _ in range(8):
        Client(REMOTE_ADDR=OFFICE_ADDRESS).post(
            reverse("admin:login"), {"username": "admin", "password": "wrong-password"}
        )

    response = Client(REMOTE_ADDR=OFFICE_ADDRESS).post(
        reverse("admin:login"), {"username": "admin", "password": PASSWORD}
    )

    assert response.status_code == 429


@pytest.mark.django_db
def test_behind_a_proxy_each_person_is_known_by_their_own_address(personas, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"  # every request reaches the app from the proxy

    fail("head_civil", proxy, 8, HTTP_X_FORWARDED_FOR=OFFICE_ADDRESS)

    assert attempt("head_civil", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=OFFICE_ADDRESS).status_code == 429
    assert signed_in(attempt("head_civil", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=HOME_ADDRESS))
    # A forged entry before the one the proxy appended changes nothing.
    forged = f"{HOME_ADDRESS}, {OFFICE_ADDRESS}"
    assert attempt("head_civil", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=forged).status_code == 429


@pytest.mark.parametrize(
    ("header", "count", "forwarded", "expected"),
    [
        ("", 1, "203.0.113.5", "10.0.0.2"),  # no proxy configured: the forwarded header is ignored
        ("HTTP_X_FORWARDED_FOR", 1, "203.0.113.5", "203.0.113.5"),
        ("HTTP_X_FORWARDED_FOR", 1, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        ("HTTP_X_FORWARDED_FOR", 2, "203.0.113.5, 172.16.0.9", "203.0.113.5"),
        ("HTTP_X_FORWARDED_FOR", 2, "172.16.0.9", "10.0.0.2"),  # fewer hops than proxies
        ("HTTP_X_FORWARDED_FOR", 1, "", "10.0.0.2"),  # a request that bypassed the proxy
        ("HTTP_X_FORWARDED_FOR", 1, "not-an-address", "10.0.0.2"),
        ("HTTP_X_REAL_IP", 1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(settings, header, count, forwarded, expected):
    settings.CLIENT_IP_HEADER = header
    settings.TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": "10.0.0.2"}
    if forwarded:
        meta[header or "HTTP_X_FORWARDED_FOR"] = forwarded

    assert client_ip(RequestFactory().get("/", **meta)) == expected


# ---- Sessions and cookies ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_lasts_a_working_day_or_until_the_browser_closes(client, personas):
    response = client.post(LOGIN_URL, {"username": "office", "password": PASSWORD})
    assert signed_in(response)

    cookie = response.cookies["sessionid"]
    assert not cookie["max-age"] and not cookie["expires"]  # gone when the browser closes
    assert cookie["httponly"]
    assert client.session.get_expiry_age() == 8 * 3600


@pytest.mark.django_db
def test_the_csrf_cookie_is_hidden_from_scripts(client):
    response = client.get(LOGIN_URL)

    assert response.cookies["csrftoken"]["httponly"]
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


@pytest.mark.django_db
def test_password_spraying_locks_the_address_across_usernames(personas, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    usernames = [f"head_{slug}" for slug in ("civil", "transport", "planning", "finance", "urbanism")]
    # Six guesses against each of five accounts: no username reaches its own limit of 8.
    for username in usernames:
        assert fail(username, OFFICE_ADDRESS, 6) == [200] * 6
    locked = attempt("member_civil", PASSWORD, OFFICE_ADDRESS)
    assert locked.status_code == 429
    assert "نام‌های کاربری گوناگون" in locked.content.decode() and "۳۰" in locked.content.decode()
    # Another address is not affected.
    assert signed_in(attempt("member_civil", PASSWORD, HOME_ADDRESS))


@pytest.mark.django_db
def test_one_persons_typos_do_not_lock_the_office_address(personas, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 30
    assert fail("head_civil", OFFICE_ADDRESS, 8)[-1] == 429  # that username at that address only
    assert fail("head_transport", OFFICE_ADDRESS, 7) == [200] * 7
    for username in ("member_civil", "member_transport", "office"):
        assert signed_in(attempt(username, PASSWORD, OFFICE_ADDRESS))
