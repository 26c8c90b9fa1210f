"""What the ranking and coding pages say about the list follows each save without a reload: the
"remaining tasks" box and its submit button, and each row's place against the ceiling (in, in what
remains, out), all as the server computed them."""

import pytest
from playwright.sync_api import expect

from workgroups import coding, ranking, submissions
from workgroups.models import Cycle, Project, Workgroup, WorkgroupCycle

PASSWORD = "karaj1399"


def civil_list():
    cycle = Cycle.objects.current()
    workgroup = Workgroup.objects.get(slug="civil")
    return workgroup, cycle, list(Project.objects.for_workgroup(workgroup, cycle).active().order_by("pk"))


@pytest.mark.django_db(transaction=True)
def test_ranking_every_project_in_place_updates_the_remaining_tasks_box(live_server, page, demo, login):
    _workgroup, _cycle, projects = civil_list()
    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/")
    box = page.locator('.deadline[data-kind="priorities"]')
    expect(box).to_contain_text("پروژه هنوز اولویت‌بندی نشده است")
    expect(box.get_by_role("button")).to_have_count(0)

    for number, project in enumerate(projects, start=1):
        page.locator(f'#unranked [data-project-id="{project.pk}"] [data-move="place"]').click()
        expect(page.get_by_role("status")).to_contain_text("ذخیره شد")
        expect(page.locator("#ranking > [data-project-id]")).to_have_count(number)

    box = page.locator('.deadline[data-kind="priorities"]')
    expect(box).not_to_contain_text("هنوز اولویت‌بندی نشده")
    expect(box).to_contain_text("فهرست آماده ارسال است.")
    expect(box.get_by_role("button", name="ارسال فهرست اولویت‌بندی‌شده")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_coding_the_last_project_updates_the_remaining_tasks_box(live_server, page, demo, login):
    workgroup, cycle, projects = civil_list()
    head = workgroup.memberships.get(role="head").user
    ranking.ranking_save(
        workgroup=workgroup, cycle=cycle, order=[p.pk for p in projects], version=0, user=head
    )
    submissions.submission_submit(workgroup=workgroup, cycle=cycle, kind="priorities", user=head)
    for project in projects[:-1]:
        coding.project_code(project=project, program_code="4-1-2-01", budget_code="40301001", user=head)
    last = projects[-1]

    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/coding/")
    box = page.locator(".coding-summary__list")
    expect(box).to_contain_text("۱ پروژه هنوز کدگذاری نشده است")

    row = page.locator(f"#project-{last.pk}")
    row.locator("[data-role=edit]").click()
    row.locator("input[name=program_code]").fill("4-1-2-01")
    row.locator("input[name=budget_code]").fill("40301001")
    row.get_by_role("button", name="ذخیره کدها").click()
    expect(page.locator("[data-role=coded-count]")).to_have_text("۹")
    box = page.locator(".coding-summary__list")
    expect(box).not_to_contain_text("هنوز کدگذاری نشده")
    expect(box.get_by_role("button", name="ارسال فهرست کدگذاری‌شده")).to_be_visible()


def fit_marks(page):
    return page.eval_on_selector_all(
        "#ranking > [data-project-id]",
        "els => els.map(e => [e.querySelector('[data-cumulative]').textContent,"
        " e.querySelector('[data-fit]').textContent, e.className])",
    )


@pytest.mark.django_db(transaction=True)
def test_fits_in_what_remains_is_shown_apart_and_follows_a_move(live_server, page, demo, login):
    workgroup, cycle, projects = civil_list()
    order = sorted(projects, key=lambda p: -p.requested_amount)
    ranking.ranking_save(workgroup=workgroup, cycle=cycle, order=[p.pk for p in order], version=0, user=None)
    # The biggest fills the ceiling but for the smallest: everything between is out, the smallest
    # (last) fits in what remains.
    ceiling = order[0].requested_amount + order[-1].requested_amount
    # The list's single ceiling, no ceiling per credit type (tests/browser/test_ranking.py has those).
    WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).update(
        credit_ceiling=ceiling, capital_ceiling=0, current_ceiling=0
    )

    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/")
    smallest = page.locator(f'#ranking [data-project-id="{order[-1].pk}"]')
    expect(smallest.locator("[data-fit]")).to_have_text("در باقی‌مانده سقف")
    second = page.locator(f'#ranking [data-project-id="{order[1].pk}"] [data-fit]')
    expect(second).to_have_text("خارج از سقف")
    expect(page.locator("[data-stat=remainder_count]")).to_have_text("۱")

    # The smallest moves up one place: still below the line, still in what remains; the figures
    # the script shows after the save are the server's, as a reload draws them.
    smallest.locator('[data-move="up"]').click()
    expect(page.get_by_role("status")).to_contain_text("ذخیره شد")
    shown = fit_marks(page)
    page.reload()
    assert fit_marks(page) == shown
    assert [fit for _cumulative, fit, _classes in shown].count("در باقی‌مانده سقف") == 1
