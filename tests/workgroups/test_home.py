"""`/` sends each role to its home, and every demo account lands on a page that works."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("username", "expected_path"),
    [
        ("admin", "/office/"),
        ("office", "/office/"),
        ("head_civil", "/workgroups/civil/"),
        ("member_transport", "/workgroups/transport/"),
        ("expert_r01", "/unit/"),
        ("expert_o06", "/unit/"),
    ],
)
def test_role_home(client, demo, username, expected_path):
    assert client.login(username=username, password="karaj1399")
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == expected_path
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_every_demo_account_logs_in(client, demo, django_user_model):
    names = django_user_model.objects.values_list("username", flat=True)
    assert len(names) == 2 + 7 * 2 + 2
    for username in names:
        assert client.login(username=username, password="karaj1399"), username
        assert client.get("/", follow=True).status_code == 200
        client.logout()


def test_login_page_is_persian(client, db):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert 'lang="fa"' in html and 'dir="rtl"' in html
    assert 'name="username"' in html and 'name="password"' in html
    bad = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert "نام کاربری" in bad.content.decode()


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_head_sees_jalali_dates_and_persian_digits(client, personas):
    client.force_login(personas["head_a"])
    html = client.get("/workgroups/civil/").content.decode()
    assert "کارگروه تخصصی فنی و عمرانی" in html
    assert "۸۵۰٬۰۰۰" in html  # the northern highway's request, in Persian digits with separators
