"""The pickers' code search: leaves of the active plan and circular, by code in any digit form or
by words however their Persian was typed, with each code's path."""

import pytest
from django.urls import reverse

from programs.models import BudgetCode, ProgramCode
from workgroups.models import Cycle


@pytest.fixture
def search(client, personas):
    client.force_login(personas["member_a"])  # any signed-in role may search codes

    def run(scheme, q, **params):
        response = client.get(reverse("workgroups:code-search", args=[scheme]), {"q": q, **params})
        assert response.status_code == 200, response.content
        return response.json()

    return run


def codes(results):
    return [item["code"] for item in results]


@pytest.mark.parametrize(
    "q",
    [
        "50201001",
        "۵۰۲۰۱۰۰۱",
        "٥٠٢٠١٠٠١",
        "۵۰٢٠١۰۰۱",
        "5-02-01-001",
        "۵-۰۲-۰۱-۰۰۱",
        "5/02/01/001",
        "5 02 01 001",
    ],
)
def test_budget_line_by_code_in_any_form(search, q):
    assert codes(search("budget", q)) == ["50201001"]


def test_budget_prefix_lists_only_lines(search):
    found = codes(search("budget", "۵۰۲"))
    assert found and all(len(code) == 8 and code.startswith("502") for code in found)
    assert "50201" not in found and "502" not in found


@pytest.mark.parametrize("q", ["۵-۱-۲", "5/1/2", "٥-١-٢", "512"])
def test_program_code_by_code_in_any_form(search, q):
    assert codes(search("program", q)) == ["5-1-2-01", "5-1-2-02"]


def test_by_words_however_typed(search):
    # «پارك» with an Arabic kaf, and words in any order.
    assert "50301001" in codes(search("budget", "پارك"))
    # The leaf whose own title holds both words first; its sibling matches through their parent.
    assert codes(search("program", "اتوبوس ناوگان")) == ["5-1-2-01", "5-1-2-02"]
    assert codes(search("program", "ناوگان اتوبوس")) == ["5-1-2-01", "5-1-2-02"]


def test_results_carry_path_and_credit_type(search):
    (item,) = search("budget", "50201001")
    assert [node["code"] for node in item["path"]] == ["5", "502", "50201", "50201001"]
    assert item["credit_type"] == "capital"
    assert item["credit_type_label"] == "تملک دارایی‌های سرمایه‌ای"
    (program,) = search("program", "5-1-2-01")
    assert [node["code"] for node in program["path"]] == ["5", "5-1", "5-1-2", "5-1-2-01"]


@pytest.mark.parametrize(
    "q",
    [
        "5O201001",  # Latin O
        "5l201001",  # Latin l
        "59901001",  # no such line
        "5.02.01.001",  # dots are not silently dropped
        "1.234567890123457e+18",
        '=HYPERLINK("x")',
        "<script>",
        "'; DROP TABLE programs_budgetcode; --",
        "   ",
        "",
    ],
)
def test_bad_inputs_find_nothing_and_never_fail(search, q):
    assert search("budget", q) == []


def test_a_nul_in_the_query_is_refused_by_the_input_guard(client, personas):
    client.force_login(personas["member_a"])
    response = client.get(reverse("workgroups:code-search", args=["budget"]), {"q": "50\x00"})
    assert response.status_code == 400


def test_inactive_non_leaf_and_out_of_year_codes_are_not_offered(search, demo):
    cycle = Cycle.objects.current()
    BudgetCode.objects.filter(code="50201001").update(is_active=False)
    assert search("budget", "502") and "50201001" not in codes(search("budget", "502"))
    BudgetCode.objects.filter(code="50202001").update(valid_to_year=cycle.fiscal_year - 1)
    assert "50202001" not in codes(search("budget", "502", cycle=cycle.fiscal_year))
    assert "50202001" in codes(search("budget", "502", cycle=1399))
    ProgramCode.objects.filter(code="5-1-2-02").update(is_active=False)
    assert codes(search("program", "5-1-2")) == ["5-1-2-01"]


def test_at_most_twenty_results(search, demo):
    parent = BudgetCode.objects.get(code="50201")
    for number in range(10, 40):
        BudgetCode.objects.create(
            code=f"50201{number:03d}", title=f"ردیف آزمایشی {number}", parent=parent, level=4
        )
    assert len(search("budget", "50201")) == 20


def test_long_query_is_cut_not_refused(search):
    assert search("budget", "پارک" * 500) == []


def test_unknown_scheme_or_cycle_is_404(client, personas):
    client.force_login(personas["expert"])
    assert client.get(reverse("workgroups:code-search", args=["units"]), {"q": "1"}).status_code == 404
    url = reverse("workgroups:code-search", args=["budget"])
    assert client.get(url, {"q": "5", "cycle": "1300"}).status_code == 404
    assert client.get(url, {"q": "5", "cycle": "abc"}).status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("workgroups:code-search", args=["budget"]), {"q": "5"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("scheme", "q", "expected"),
    [
        # The words are in the parents' titles (strategy, goal, mission), not in the leaf's own.
        ("program", "حمل و نقل", "5-1-2-01"),
        ("program", "ترافیک", "5-2-1-01"),
        ("program", "سفرهای روزانه", "5-1-1-01"),
        ("budget", "تقاطع", "40201001"),
        ("budget", "ترافیک", "50401001"),
    ],
)
def test_words_in_a_parents_title_find_the_leaves_under_it(search, scheme, q, expected):
    assert expected in codes(search(scheme, q))


def test_leaves_matching_by_their_own_title_come_first(search):
    # «ترافیک» is in the mission above every transport program and in this leaf's own title.
    found = codes(search("budget", "ترافیک"))
    assert found[0] == "50401001"


@pytest.mark.parametrize("q", ["اتش", "آتش", "اتش نشانی", "آتش‌نشانی"])
def test_alef_with_or_without_madda(search, q):
    assert "7-1-1-01" in codes(search("program", q))
