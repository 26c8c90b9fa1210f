"""A refused code on the coding page is shown on its own row, next to its field, in Chromium."""

import pytest
from playwright.sync_api import expect

from workgroups import coding, submissions
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


@pytest.mark.django_db(transaction=True)
def test_opening_a_row_of_a_list_sent_meanwhile_says_why_it_cannot(live_server, page, demo, login):
    # The head has the page open in one tab and sends the coded list from another.
    civil = Workgroup.objects.get(slug="civil")
    cycle = Cycle.objects.current()
    head = civil.memberships.get(role="head").user
    projects = coding.coding_projects(workgroup=civil, cycle=cycle)
    for position, project in enumerate(projects, start=1):
        Project.objects.filter(pk=project.pk).update(priority=position)
    submissions.submission_submit(workgroup=civil, cycle=cycle, kind="priorities", user=head)
    for project in projects:
        coding.project_code(project=project, program_code="4-1-2-01", budget_code="40301001", user=head)

    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/coding/")
    submissions.submission_submit(workgroup=civil, cycle=cycle, kind="coding", user=head)
    row = page.locator(f"#project-{projects[0].pk}")
    row.locator("[data-role=edit]").click()
    expect(page.locator("#coding-status")).to_contain_text("قفل")
    expect(page.locator("#coding-status")).to_have_class("coding-status coding-status--error")
    expect(page.locator("#coding-list input[name=program_code]")).to_have_count(0)
    expect(row).not_to_have_attribute("aria-busy", "true")
