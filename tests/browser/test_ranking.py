"""A workgroup head ranks the list in Chromium: drag-and-drop, keyboard, no JavaScript, two tabs."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from workgroups import ranking
from workgroups.models import Cycle, Project, Workgroup, WorkgroupCycle

PASSWORD = "karaj1399"
ROOT = Path(__file__).resolve().parents[2]
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def civil(demo):
    """The civil list of the current cycle, ranked as a head might have left it: 7 of 9 placed."""
    cycle = Cycle.objects.current()
    workgroup = Workgroup.objects.get(slug="civil")
    projects = list(Project.objects.for_workgroup(workgroup, cycle).order_by("-kind", "pk"))
    order = [p.pk for p in projects[:7]]
    ranking.ranking_save(workgroup=workgroup, cycle=cycle, order=order, version=0, user=None)
    # The list's single ceiling, as before ceilings per credit type (the last test sets those).
    WorkgroupCycle.objects.filter(workgroup=workgroup, cycle=cycle).update(
        capital_ceiling=0, current_ceiling=0
    )
    return {"cycle": cycle, "workgroup": workgroup, "order": order}


def stored_order(civil):
    return list(
        Project.objects.for_workgroup(civil["workgroup"], civil["cycle"])
        .ranked()
        .values_list("pk", flat=True)
    )


def page_order(page):
    return [
        int(pk)
        for pk in page.eval_on_selector_all(
            "#ranking > [data-project-id]", "els => els.map(e => e.dataset.projectId)"
        )
    ]


def open_list(page, live_server, login, username="head_civil"):
    login(page, live_server, username, PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/")
    expect(page.locator("#ranking > [data-project-id]").first).to_be_visible()
    return page


def item(page, pk):
    return page.locator(f'#ranking-region [data-project-id="{pk}"]')


def expect_saved(page):
    expect(page.get_by_role("status")).to_contain_text("ذخیره شد")


def drag(page, source, target):
    """Drag `source` (a drag handle) onto the upper half of `target`, the way a hand does."""
    # The target just below the sticky totals at the top of the window, the source in view too.
    target.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 240)")
    start = source.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] - 10, steps=5)
    page.mouse.move(start["x"] + start["width"] / 2, end["y"] + 8, steps=20)
    page.wait_for_timeout(200)
    page.mouse.up()


@pytest.mark.django_db(transaction=True)
def test_drag_and_drop_with_the_mouse_saves_the_new_order(live_server, page, civil, login):
    open_list(page, live_server, login)
    order = civil["order"]
    drag(page, item(page, order[3]).locator("[data-drag-handle]"), item(page, order[0]))

    expect_saved(page)
    expected = [order[3], *order[:3], *order[4:]]
    assert page_order(page) == expected
    assert stored_order(civil) == expected
    expect(item(page, order[3]).locator("[data-position]")).to_have_text("۱")

    # A waiting project dragged into the list is placed where it is dropped.
    waiting = page.locator("#unranked > [data-project-id]").first
    waiting_pk = int(waiting.get_attribute("data-project-id"))
    drag(page, waiting.locator("[data-drag-handle]"), item(page, expected[6]))
    expect(page.get_by_role("status")).to_contain_text("به ردیف ۷ منتقل شد و ذخیره شد")
    assert stored_order(civil) == [*expected[:6], waiting_pk, expected[6]]


@pytest.mark.django_db(transaction=True)
def test_keyboard_moves_keep_focus_and_announce(live_server, page, civil, login):
    open_list(page, live_server, login)
    order = civil["order"]
    first = item(page, order[0])
    first.locator('[data-move="down"]').focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("به ردیف ۲ منتقل شد و ذخیره شد")
    assert page.evaluate("document.activeElement.closest('[data-project-id]').dataset.projectId") == str(
        order[0]
    )
    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_contain_text("به ردیف ۳ منتقل شد و ذخیره شد")
    assert stored_order(civil) == [order[1], order[2], order[0], *order[3:]]

    # "Move to position N" with Persian digits.
    box = item(page, order[6]).locator("[data-move-to]")
    box.fill("۱")
    box.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("به ردیف ۱ منتقل شد و ذخیره شد")
    assert stored_order(civil)[0] == order[6]
    assert page.evaluate("document.activeElement.closest('[data-project-id]').dataset.projectId") == str(
        order[6]
    )

    # Not a position: said plainly, nothing moves.
    box = item(page, order[1]).locator("[data-move-to]")
    box.fill("اول")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("«اول» شماره ردیف نیست")
    assert stored_order(civil)[0] == order[6]


@pytest.mark.django_db(transaction=True)
def test_cut_line_moves_as_items_move(live_server, page, civil, login):
    open_list(page, live_server, login)

    def cut_position():
        return page.evaluate(
            "[...document.querySelectorAll('#ranking > [data-project-id]')]"
            ".findIndex(e => e.classList.contains('is-cut')) + 1"
        )

    before = cut_position()
    assert before > 1
    expect(page.locator("#ranking .is-cut")).to_have_count(1)
    # The most expensive project goes to the bottom: more of the others fit under the ceiling.
    biggest = max(Project.objects.filter(pk__in=civil["order"]), key=lambda project: project.requested_amount)
    box = item(page, biggest.pk).locator("[data-move-to]")
    box.fill(str(len(civil["order"])))
    box.press("Enter")
    expect_saved(page)
    after = cut_position()
    assert after > before
    expect(item(page, biggest.pk)).to_have_class("rank-item is-below-cutline is-cut")

    # The server draws the same line after a reload.
    page.reload()
    assert cut_position() == after
    expect(item(page, biggest.pk).locator("[data-fit]")).to_have_text("خارج از سقف")


def figures(page):
    """What the page shows of each ranked row: its cumulative request and its place against the ceiling."""
    return page.eval_on_selector_all(
        "#ranking > [data-project-id]",
        "els => els.map(e => [e.querySelector('[data-cumulative]').textContent,"
        " e.querySelector('[data-fit]').textContent, e.classList.contains('is-below-cutline')])",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ceiling", [0, 600_000])
def test_the_scripts_figures_after_a_move_are_the_servers(live_server, page, civil, login, ceiling):
    # The script shows the running total and the cut line the save answered with (ranking.CutLine);
    # after a reload the server's page must read the same.
    # A ceiling of 0 is "not set yet": no row is marked inside or outside.
    WorkgroupCycle.objects.filter(workgroup=civil["workgroup"], cycle=civil["cycle"]).update(
        credit_ceiling=ceiling
    )
    open_list(page, live_server, login)
    first = civil["order"][0]
    item(page, first).locator('[data-move="down"]').click()
    expect_saved(page)
    drawn_by_the_script = figures(page)
    page.reload()
    assert figures(page) == drawn_by_the_script
    marked = {fit for _cumulative, fit, _below in drawn_by_the_script}
    if ceiling == 0:
        assert marked == {""} and not any(below for *_rest, below in drawn_by_the_script)
        expect(page.locator("[data-no-ceiling]")).to_be_visible()
    else:
        assert {"در سقف", "خارج از سقف"} <= marked <= {"در سقف", "در باقی‌مانده سقف", "خارج از سقف"}


@pytest.mark.django_db(transaction=True)
def test_second_tab_gets_the_conflict_and_the_fresh_list(live_server, page, new_page, civil, login):
    first = open_list(page, live_server, login)
    second = open_list(new_page(), live_server, login)
    order = civil["order"]

    item(first, order[0]).locator('[data-move="down"]').click()
    expect_saved(first)

    item(second, order[5]).locator('[data-move="up"]').click()
    expect(second.get_by_role("alert")).to_contain_text("تغییر کرده است")
    fresh = stored_order(civil)
    assert fresh == [order[1], order[0], *order[2:]]
    assert page_order(second) == fresh
    # The redrawn list saves again from the new version.
    item(second, order[5]).locator('[data-move="up"]').click()
    expect_saved(second)
    assert stored_order(civil) == [order[1], order[0], order[2], order[3], order[5], order[4], order[6]]


@pytest.mark.django_db(transaction=True)
def test_network_failure_puts_the_list_back(live_server, page, civil, login):
    open_list(page, live_server, login)
    order = civil["order"]
    page.route("**/ranking/", lambda route: route.abort())
    item(page, order[0]).locator('[data-move="down"]').click()
    expect(page.get_by_role("alert")).to_contain_text("ارتباط با سرور برقرار نشد")
    assert page_order(page) == order
    assert stored_order(civil) == order


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_form_saves_positions(live_server, new_page, civil, login):
    page = new_page(java_script_enabled=False)
    open_list(page, live_server, login)
    order = civil["order"]
    page.fill(f"#position-{order[4]}", "۱")
    page.get_by_role("button", name="ذخیره ترتیب").click()
    expect(page.get_by_role("status").first).to_contain_text("ذخیره شد")
    assert stored_order(civil) == [order[4], *order[:4], *order[5:]]

    # The move buttons are plain submit buttons too.
    item(page, order[4]).locator('[data-move="down"]').click()
    assert stored_order(civil)[:2] == [order[0], order[4]]

    page.fill(f"#position-{order[2]}", "۲ الف")
    page.get_by_role("button", name="ذخیره ترتیب").click()
    expect(page.get_by_role("alert")).to_contain_text("«۲ الف» عدد ردیف نیست")


@pytest.mark.django_db(transaction=True)
def test_member_reads_without_move_controls(live_server, page, civil, login):
    open_list(page, live_server, login, username="member_civil")
    expect(page.locator("#ranking > [data-project-id]")).to_have_count(len(civil["order"]))
    expect(page.locator("#ranking [data-move]:enabled")).to_have_count(0)
    expect(page.locator("[data-drag-handle]")).to_have_count(0)
    expect(page.get_by_text("فقط می‌بینید")).to_be_visible()
    # Details and history open in place for readers too.
    page.locator("#ranking > [data-project-id]").first.locator("summary").click()
    expect(page.locator("#ranking [data-panel]").first).to_contain_text("سابقه اولویت")


@pytest.mark.django_db(transaction=True)
def test_phone_width_moves_and_screenshots(live_server, page, phone_page, civil, login, screenshot):
    open_list(page, live_server, login)
    # The details of one project open in place.
    page.locator("#ranking > [data-project-id]").nth(1).locator("summary").click()
    expect(page.locator("#ranking [data-panel]").nth(1)).to_contain_text("نیازسنجی")
    page.locator("#ranking > [data-project-id]").nth(1).locator("summary").click()
    item(page, civil["order"][2]).locator('[data-move="up"]').click()
    expect_saved(page)
    page.evaluate("window.scrollTo(0, 0)")
    shots = [screenshot_viewport(page, screenshot, "ranking-1366x768")]

    open_list(phone_page, live_server, login)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the ranking page is {width}px wide on a 390px phone"
    item(phone_page, civil["order"][3]).locator('[data-move="up"]').tap()
    expect_saved(phone_page)
    # The list's heading just under the sticky totals.
    phone_page.locator("#ranked-title").evaluate("el => el.scrollIntoView({block: 'start'})")
    phone_page.evaluate("window.scrollBy(0, -document.querySelector('.ranking-summary').offsetHeight - 16)")
    phone_page.wait_for_timeout(100)
    shots.append(screenshot_viewport(phone_page, screenshot, "ranking-390x844"))
    if os.environ.get("SAVE_DOC_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, DOCS_SCREENSHOTS / shot.name)


def screenshot_viewport(page, screenshot, name):
    """What the window shows (taken first: a full-page capture moves the scroll position)."""
    viewport = ARTIFACTS / f"{name}.png"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(viewport))
    screenshot(page, f"{name}-full")
    return viewport


def typed_figures(page):
    """Each ranked row's credit type, cumulative of its own type, and place against that ceiling."""
    return page.eval_on_selector_all(
        "#ranking > [data-project-id]",
        "els => els.map(e => [e.dataset.creditType, e.querySelector('[data-type-cumulative]').textContent,"
        " e.querySelector('[data-fit]').textContent, e.classList.contains('is-cut')])",
    )


@pytest.mark.django_db(transaction=True)
def test_a_head_sees_both_credit_type_cut_lines_move(live_server, page, civil, login):
    # Capital and current projects each count against their own type's ceiling: two cut lines.
    order = civil["order"]
    Project.objects.filter(pk__in=order).update(requested_credit_type="capital")
    Project.objects.filter(pk__in=[order[1], order[4]]).update(requested_credit_type="current")
    projects = {p.pk: p for p in Project.objects.filter(pk__in=order)}
    kinds = {pk: p.requested_credit_type for pk, p in projects.items()}
    assert set(kinds.values()) == {"capital", "current"}
    capital = [pk for pk in civil["order"] if kinds[pk] == "capital"]
    current = [pk for pk in civil["order"] if kinds[pk] == "current"]
    assert len(capital) >= 2 and len(current) >= 2
    # Each ceiling holds the first project of its type and not the second.
    WorkgroupCycle.objects.filter(workgroup=civil["workgroup"], cycle=civil["cycle"]).update(
        credit_ceiling=0,
        capital_ceiling=projects[capital[0]].requested_amount,
        current_ceiling=projects[current[0]].requested_amount,
    )
    open_list(page, live_server, login)
    expect(page.locator("#ranking .is-cut")).to_have_count(2)
    expect(item(page, capital[1])).to_have_class("rank-item is-below-cutline is-cut")
    expect(item(page, current[1])).to_have_class("rank-item is-below-cutline is-cut")
    expect(page.locator('[data-stat="capital_fitting"]')).to_have_text("۱")

    # The first capital project goes to the bottom: the next capital project now opens the
    # capital list and fits; the current line does not move.
    box = item(page, capital[0]).locator("[data-move-to]")
    box.fill(str(len(civil["order"])))
    box.press("Enter")
    expect_saved(page)
    expect(item(page, capital[1]).locator("[data-fit]")).to_have_text("در سقف")
    expect(item(page, current[1])).to_have_class("rank-item is-below-cutline is-cut")
    # Then the first current project moves below the second: the current line moves too.
    item(page, current[0]).locator('[data-move="down"]').click()
    expect_saved(page)
    drawn_by_the_script = typed_figures(page)
    page.reload()
    assert typed_figures(page) == drawn_by_the_script
    cut = [pk for pk, (*_rest, is_cut) in zip(page_order(page), drawn_by_the_script, strict=True) if is_cut]
    assert len(cut) == 2 and {kinds[pk] for pk in cut} == {"capital", "current"}
