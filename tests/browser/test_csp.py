"""Content-Security-Policy in a real browser: the pages people use most report no violation.

Chromium reports each blocked inline script or style, and each blocked source, as a
`securitypolicyviolation` event and a console error; the test listens for both.
"""

import pytest

PASSWORD = "karaj-csp-1399"


@pytest.fixture
def superuser(django_user_model):
    # The admin: sees every admin page.
    return django_user_model.objects.create_superuser("csp_admin", "csp@example.com", PASSWORD)


def watch_for_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


@pytest.mark.django_db(transaction=True)
def test_login_admin_index_and_a_changelist_run_without_violations(live_server, page, superuser, login):
    violations = watch_for_violations(page)

    page.goto(f"{live_server.url}/accounts/login/")
    login(page, live_server, "csp_admin", PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    for path in ("/admin/auth/user/", "/admin/auth/user/add/", f"/admin/auth/user/{superuser.pk}/change/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        # The admin's scripts ran: they are files, which the policy allows.
        assert page.evaluate("typeof window.django?.jQuery") == "function", path

    # The admin is set in Vazirmatn by admin.css, a file the policy allows.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Vazirmatn" in font
    assert violations == []
