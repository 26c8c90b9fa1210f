"""A refused code on the coding page is shown on its own row, next to its field, in Chromium."""

import pytest
from playwright.sync_api import expect

from workgroups import coding
from workgroups.models import Cycle, Project, Workgroup

PASSWORD = "karaj1399"


@pytest.mark.django_db(transaction=True)
def test_unknown_budget_code_error_is_shown_next_to_its_row(live_server, page, demo, login):
    civil = Workgroup.objects.get(slug="civil")
    projects = coding.coding_projects(workgroup=civil, cycle=Cycle.objects.current())
    sixth = projects[5]
    head = civil.memberships.get(role="head").user
    coding.project_code(project=sixth, budget_code="40301001", user=head)

    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/coding/")
    row = page.locator(f"#project-{sixth.pk}")
    row.locator("[data-role=edit]").click()
    budget = row.locator("input[name=budget_code]")
    budget.fill("12345678")
    expect(row.locator(".code-listbox__empty")).to_be_visible()
    row.get_by_role("button", name="ذخیره کدها").click()

    row = page.locator(f"#project-{sixth.pk}")
    error = row.locator(f"#budget-{sixth.pk}-error")
    expect(error).to_contain_text("12345678")
    expect(error).to_contain_text("در جدول کدها نیست")
    expect(error).to_be_in_viewport()
    budget = row.locator("input[name=budget_code]")
    expect(budget).to_have_attribute("aria-invalid", "true")
    expect(budget).to_be_focused()
    expect(budget).to_have_value("12345678")
    expect(row.locator(f"#budget-{sixth.pk}-path")).to_contain_text("ذخیره نشد")
    # Nothing was saved: the project keeps its code.
    assert Project.objects.get(pk=sixth.pk).budget_code.code == "40301001"
