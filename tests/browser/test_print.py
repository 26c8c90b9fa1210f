"""Printing the main lists: the print stylesheet hides what is for doing (buttons, forms, drag
handles, navigation) and keeps the list and its figures within the width of an A4 page."""

import pytest
from playwright.sync_api import expect

from workgroups.models import Cycle, Project, Workgroup

PASSWORD = "karaj1399"


@pytest.mark.django_db(transaction=True)
def test_a_printed_ranking_page_shows_the_list_without_its_controls(live_server, page, demo, login):
    cycle = Cycle.objects.current()
    civil = Workgroup.objects.get(slug="civil")
    for position, project in enumerate(Project.objects.for_workgroup(civil, cycle).order_by("pk"), start=1):
        Project.objects.filter(pk=project.pk).update(priority=position)
    login(page, live_server, "head_civil", PASSWORD)
    page.goto(f"{live_server.url}/workgroups/civil/")
    moves = page.locator("#ranking [data-move]")
    expect(moves.first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#ranking [data-project-id]").first).to_be_visible()
    expect(moves.first).to_be_hidden()
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator("main .btn").first).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")


@pytest.mark.django_db(transaction=True)
def test_a_printed_dashboard_table_fits_the_page_width(live_server, page, demo, login):
    login(page, live_server, "office", PASSWORD)
    page.goto(f"{live_server.url}/office/")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 720, "height": 1000})  # about an A4 page's width at 96 dpi
    table = page.locator("table.dashboard-table")
    expect(table).to_be_visible()
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth + 1")
