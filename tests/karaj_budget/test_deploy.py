"""Production deployment: Django's checklist, settings from the environment, the static build,
Persian error pages and structured logs.

Settings are read once per process, so production values are tried in a child process started
with the production environment, the way `make serve` starts the app.
"""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from karaj_budget.logging import JSONFormatter

ROOT = Path(__file__).resolve().parents[2]
HOST = "budget.karaj.ir"


def production_env(tmp_path, **overrides):
    # Nothing of the test run's own DJANGO_* environment leaks in (e.g. the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly flags).
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "karaj_budget.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    env.update(overrides)
    return env


def run(args, env):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def manage(env, *args):
    return run([sys.executable, "manage.py", *args], env)


def python(env, code):
    """Run `code` after django.setup() in a child process; return what it prints as JSON."""
    result = run([sys.executable, "-c", "import django, json; django.setup()\n" + code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


SHOW_SETTINGS = """
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in (
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER",
    "CSRF_COOKIE_HTTPONLY", "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE", "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "LOG_FORMAT",
)} | {"ENGINE": s.DATABASES["default"]["ENGINE"],
      "STATICFILES": s.STORAGES["staticfiles"]["BACKEND"]}))
"""


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_come_from_the_environment(tmp_path):
    values = python(production_env(tmp_path), SHOW_SETTINGS)

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["LOG_FORMAT"] == "json"
    assert values["CONTENT_SECURITY_POLICY"] is not None

    behind_proxy = python(
        production_env(
            tmp_path,
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
            DJANGO_SECURE_HSTS_SECONDS="3600",
            DJANGO_CSP_REPORT_ONLY="true",
        ),
        SHOW_SETTINGS,
    )
    assert behind_proxy["SECURE_SSL_REDIRECT"] is False
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert behind_proxy["SECURE_HSTS_SECONDS"] == 3600
    assert behind_proxy["CONTENT_SECURITY_POLICY"] is None
    assert behind_proxy["CONTENT_SECURITY_POLICY_REPORT_ONLY"] is not None


def test_development_defaults_stay_plain_http_and_sqlite(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "karaj_budget.settings"

    values = python(env, SHOW_SETTINGS)

    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert not values["SECURE_SSL_REDIRECT"]
    assert not values["SECURE_HSTS_SECONDS"]
    assert not values["SESSION_COOKIE_SECURE"]
    assert values["LOG_FORMAT"] == "plain"
    # The same session and CSRF cookie rules as production, so tests see what users get.
    assert values["SESSION_COOKIE_AGE"] == 8 * 3600
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"


# Requests through Django's test client inside the production process: the static build that
# collectstatic wrote, served by WhiteNoise, and the HTTPS rules.
FETCH_PAGES = """
import re
from django.test import Client
https = Client(HTTP_HOST="budget.karaj.ir")
out = {}
for name, url in (("login", "/accounts/login/"), ("admin_login", "/admin/login/")):
    response = https.get(url, secure=True)
    out[name] = {"status": response.status_code, "html": response.content.decode(),
                 "headers": dict(response.headers)}
css = re.search(r'href="(/static/karaj_budget/site\\.[0-9a-f]{12}\\.css)"', out["login"]["html"]).group(1)
static = https.get(css, secure=True)
out["static"] = {"url": css, "status": static.status_code, "headers": dict(static.headers)}
plain = Client(HTTP_HOST="budget.karaj.ir")
out["http_login"] = plain.get("/accounts/login/").status_code
out["http_login_location"] = plain.get("/accounts/login/").headers.get("Location")
out["http_healthz"] = plain.get("/healthz").status_code
print(json.dumps(out))
"""


def test_static_build_has_hashed_names_and_pages_render_with_debug_off(tmp_path):
    env = production_env(tmp_path)
    collected = manage(env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    pages = python(env, FETCH_PAGES)

    login = pages["login"]
    assert login["status"] == 200
    assert re.search(r"/static/vendor/vazirmatn/vazirmatn\.[0-9a-f]{12}\.css", login["html"])
    assert "ورود به سامانه" in login["html"]
    assert login["headers"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in login["headers"]["Content-Security-Policy"]
    assert login["headers"]["X-Frame-Options"] == "DENY"
    admin_login = pages["admin_login"]
    assert admin_login["status"] == 200
    assert re.search(r"/static/karaj_budget/admin\.[0-9a-f]{12}\.css", admin_login["html"])
    # WhiteNoise serves the hashed file with a cache-forever header.
    assert pages["static"]["status"] == 200
    assert "immutable" in pages["static"]["headers"]["Cache-Control"]
    # Plain HTTP is redirected to HTTPS, except the health check the proxy makes locally.
    assert pages["http_login"] == 301
    assert pages["http_login_location"] == f"https://{HOST}/accounts/login/"
    assert pages["http_healthz"] == 200


# ---- Persian error pages (pytest-django runs with DEBUG off) ---------------------------------


@pytest.mark.django_db
def test_unknown_page_answers_a_persian_404(client, personas):
    client.force_login(personas["head_a"])

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "صفحه پیدا نشد" in response.content.decode()
    assert 'dir="rtl"' in response.content.decode()


@pytest.mark.django_db
def test_forbidden_page_answers_a_persian_403(client, personas):
    client.force_login(personas["member_a"])

    response = client.get("/office/")

    assert response.status_code == 403
    assert "اجازهٔ این کار را ندارید" in response.content.decode()


def test_server_error_page_renders_without_a_request_context():
    request = RequestFactory().get("/")

    response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "خطایی در سامانه رخ داد" in html
    assert '<html lang="fa" dir="rtl">' in html


@pytest.mark.django_db
def test_bad_request_answers_a_persian_400(client, settings):
    settings.ALLOWED_HOSTS = ["budget.karaj.ir"]

    response = client.get("/accounts/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "درخواست نامعتبر است" in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_persian_explanation():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "office", "password": "karaj1399"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "فرم منقضی شده است" in html
    assert "چیزی ذخیره نشد" in html


# ---- Structured logs --------------------------------------------------------------------------


def format_json(record):
    return json.loads(JSONFormatter().format(record))


def test_json_log_line_carries_time_level_logger_and_message():
    record = logging.makeLogRecord(
        {
            "name": "workgroups",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "مهلت %s",
            "args": ("۱",),
        }
    )

    entry = format_json(record)

    assert entry["level"] == "WARNING"
    assert entry["logger"] == "workgroups"
    assert entry["message"] == "مهلت ۱"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


@pytest.mark.django_db
def test_request_records_carry_path_user_client_and_status(personas):
    request = RequestFactory().post("/workgroups/civil/ranking/", REMOTE_ADDR="10.1.2.3")
    request.user = personas["head_a"]
    record = logging.makeLogRecord(
        {
            "name": "django.request",
            "levelname": "WARNING",
            "msg": "Forbidden: %s",
            "args": ("/workgroups/civil/ranking/",),
            "request": request,
            "status_code": 403,
        }
    )

    entry = format_json(record)

    assert entry["method"] == "POST"
    assert entry["path"] == "/workgroups/civil/ranking/"
    assert entry["user"] == "head_civil"
    assert entry["client"] == "10.1.2.3"
    assert entry["status"] == 403


def test_exceptions_are_logged_on_the_same_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.makeLogRecord({"msg": "failed", "levelname": "ERROR", "exc_info": sys.exc_info()})

    line = JSONFormatter().format(record)

    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


@pytest.mark.django_db
def test_every_request_gets_one_access_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="karaj_budget.access")

    client.get("/healthz")

    [record] = [r for r in caplog.records if r.name == "karaj_budget.access"]
    entry = format_json(record)
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert 0 <= entry["cpu_ms"] <= entry["duration_ms"] + 1  # the thread's own CPU time
    assert "user" not in entry  # /healthz never loads the user, and logging does not either
