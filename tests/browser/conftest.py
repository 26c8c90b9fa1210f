"""Browser-test harness: Playwright's sync API driving Debian's Chromium.

Playwright's own browser download does not work on our machines, so the tests drive the
`chromium` package found on PATH (or the binary named by $CHROMIUM_PATH). Without it the
tests are skipped with the reason shown, except in CI ($CI set), where a missing browser
must fail the run rather than pass it quietly.

Fixtures:
- `browser`: one Chromium for the whole session.
- `page`: a fresh context per test at 1366x768, locale fa-IR, Tehran time.
- `phone_page`: the same at phone size (390x844, touch, mobile viewport).
- `new_page(viewport=...)`: more pages in fresh contexts, e.g. two users at once.
- `login(page, live_server, username, password)`: signs in through /accounts/login/.
- `screenshot(page, name)`: saves test-artifacts/<name>.png at the project root.

Every test in this folder gets the `browser` marker, so `pytest -m "not browser"` skips them.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread. Django then sees
# "async context" and refuses ORM calls there (SynchronousOnlyOperation), although the
# tests' own ORM calls (creating users and data) are plain synchronous code in one thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# The network is closed here; without the background-networking flags Chromium keeps
# trying to reach update and sync services and fills the log with refused connections.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so the page fixture can tell a failed test.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


def chromium_path():
    """The Chromium binary to drive: $CHROMIUM_PATH if set, else `chromium` on PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        _unavailable("Chromium not found: install Debian's `chromium` package or set CHROMIUM_PATH")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (see requirements-dev.txt)")
    # expect() waits 5 s by default, apart from the context's timeout: a busy 2-core CI machine
    # (server, browser and database share it) needs the same margin for both.
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, request):
    """Open a page in a new browser context; all are closed after the test.

    Uncaught JavaScript errors on any of these pages fail the test at teardown, since
    a broken script is a bug a user would notice even when the assertions pass.
    """
    contexts = []
    page_errors = []

    def open_page(viewport=DESKTOP, **options):
        phone = viewport["width"] < 600
        options.setdefault("is_mobile", phone)
        options.setdefault("has_touch", phone)
        context = browser.new_context(viewport=viewport, locale="fa-IR", timezone_id="Asia/Tehran", **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(f"{page.url}: {error}"))
        return page

    yield open_page

    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                try:
                    _save(page, f"FAILED-{request.node.name}-{index}-{number}")
                except Exception:  # a crashed page must not hide the test's own failure
                    pass
    for context in contexts:
        context.close()
    if page_errors:
        pytest.fail("JavaScript errors on the page:\n" + "\n".join(page_errors), pytrace=False)


@pytest.fixture
def page(new_page):
    return new_page(DESKTOP)


@pytest.fixture
def phone_page(new_page):
    return new_page(PHONE)


@pytest.fixture
def login():
    """Return login(page, live_server, username, password), which signs in and checks it worked."""

    def sign_in(page, live_server, username, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").click()
        if "/accounts/login/" in page.url:
            errors = " ".join(page.locator(".errorlist, [role=alert]").all_inner_texts())
            raise AssertionError(f"login as {username!r} failed: {errors or 'still on the login page'}")
        return page

    return sign_in


def _save(page, name):
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    safe_name = re.sub(r"[^\w.-]+", "-", name)
    path = ARTIFACTS_DIR / f"{safe_name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot():
    """Return screenshot(page, name), which saves test-artifacts/<name>.png and returns its path."""
    return _save
