"""`make run` serves the demo as people will see it: the Persian 404 page (never Django's technical
page with every URL pattern), static files from the collected build, and plain-HTTP cookies.

The test takes the exact commands `make run` would run (`make -n`) for collecting static files and
serving, and runs them against a throwaway database and static folder.
"""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_run_commands(port):
    out = subprocess.run(
        ["make", "-n", "run", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in out.splitlines() if "manage.py" in line]
    collect = next((line for line in lines if "collectstatic" in line), None)
    serve = next(line for line in lines if "runserver" in line)
    return collect, serve


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


def test_make_run_answers_the_persian_404_and_serves_static_files(tmp_path):
    port = free_port()
    collect, serve = make_run_commands(port)
    env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    }
    if collect:
        subprocess.run(["sh", "-c", collect], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    server = subprocess.Popen(
        ["sh", "-c", f"{serve} --noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, login, headers = fetch(f"{base}/accounts/login/")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server of `make run` did not answer")
        assert status == 200
        # Plain HTTP on this machine: the cookies must not be Secure, or signing in would fail.
        assert "secure" not in (headers.get("Set-Cookie") or "").lower()

        status, page, _headers = fetch(f"{base}/no-such-page/")
        assert status == 404
        assert "صفحه پیدا نشد" in page
        assert "URLconf" not in page and "Page not found" not in page

        css = re.search(r'href="(/static/karaj_budget/site\.[0-9a-f]{12}\.css)"', login).group(1)
        status, _css, _headers = fetch(base + css)
        assert status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


@pytest.mark.django_db
def test_readme_says_how_to_choose_the_port_and_names_the_admin_import_button(client, personas):
    readme = (ROOT / "README.md").read_text()
    assert "make run PORT=" in readme and "HOST=" in readme
    client.force_login(personas["admin"])
    changelist = client.get("/admin/programs/programcode/").content.decode()
    button = re.search(r'class="import_link">([^<]+)</a>', changelist).group(1)
    assert f"«{button}» button" in readme
