"""A 255-character title with no spaces (words joined by half-spaces) wraps: no page grows wider
than the window at 1366 or 390 px, and on the ranking page the title does not run over the amounts."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from workgroups.models import Cycle, Project, Workgroup

PASSWORD = "karaj1399"
ZWNJ = "\u200c"
LONG_TITLE = ZWNJ.join(["بهسازی", "پیاده‌رو", "خیابان", "شهید", "بهشتی"] * 20)[:255]


def boxes_overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_long_unbroken_title_keeps_pages_within_the_window(live_server, new_page, demo, login, viewport):
    cycle = Cycle.objects.current()
    civil = Workgroup.objects.get(slug="civil")
    project = Project.objects.for_workgroup(civil, cycle).filter(proposing_unit__code="R01").first()
    Project.objects.filter(pk=project.pk).update(title=LONG_TITLE)
    pages = {
        "head_civil": ["/workgroups/civil/", "/workgroups/civil/coding/", f"/projects/{project.pk}/"],
        "expert_r01": ["/unit/", f"/projects/{project.pk}/"],
        "office": ["/office/", "/office/overlaps/"],
    }
    too_wide = []
    for username, paths in pages.items():
        page = new_page(viewport)
        login(page, live_server, username, PASSWORD)
        for path in paths:
            page.goto(live_server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                too_wide.append(f"{path} as {username}: {width}px")
            if path == "/workgroups/civil/" and viewport is DESKTOP:
                row = page.locator(f'#ranking-region [data-project-id="{project.pk}"]')
                title = row.locator(".rank-item__title").bounding_box()
                for amount in row.locator(".rank-item__amount").all():
                    assert not boxes_overlap(title, amount.bounding_box())
    assert too_wide == [], f"wider than the {viewport['width']}px window: {too_wide}"
