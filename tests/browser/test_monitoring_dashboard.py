"""The monitoring dashboard in Chromium: it loads, both charts draw, no script error and no
Content-Security-Policy violation, and at phone width the page does not scroll sideways (wide tables
scroll inside their own frame)."""

import random

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from workgroups.models import MonitoredProject, ProgressReport

from .conftest import ARTIFACTS_DIR

STATUSES = ["on_schedule", "on_schedule", "delayed", "stopped", "completed"]


@pytest.fixture
def reported_quarter(monitored, open_quarter):
    """Spring and summer 1399 opened, most projects reported in both (some delayed or stopped)."""
    rng = random.Random(16)
    periods = [open_quarter(1), open_quarter(2)]
    reports = []
    for m in monitored:
        MonitoredProject.objects.filter(pk=m.pk).update(
            planned_q1=15, planned_q2=35, planned_q3=65, planned_q4=100
        )
        for number, period in enumerate(periods):
            if rng.random() < 0.2:
                continue
            status = rng.choice(STATUSES)
            progress = 100 if status == "completed" else rng.randint(5, 30) + 20 * number
            reports.append(
                ProgressReport(
                    monitored=m,
                    period=period,
                    state=rng.choice(["submitted", "verified"]),
                    physical_progress=progress,
                    absorbed=rng.randint(0, m.approved_amount),
                    status=status,
                    reason="دلیل" if status in ("delayed", "stopped") else "",
                    checksum="c" * 64,
                    submitted_at=timezone.now(),
                    reviewed_at=timezone.now(),
                )
            )
    ProgressReport.objects.bulk_create(reports)
    return periods


@pytest.mark.django_db(transaction=True)
def test_dashboard_draws_its_charts_without_errors_at_both_sizes(
    live_server, new_page, reported_quarter, login, screenshot
):
    for viewport, name in (
        ({"width": 1366, "height": 768}, "1366x768"),
        ({"width": 390, "height": 844}, "390x844"),
    ):
        page = new_page(viewport)
        console = []
        page.on(
            "console", lambda message, log=console: log.append(message) if message.type == "error" else None
        )
        login(page, live_server, "office", "karaj1399")
        page.goto(f"{live_server.url}/monitoring/dashboard/?year=1399&quarter=2")
        expect(page.get_by_role("heading", level=1)).to_contain_text("تابستان ۱۳۹۹")
        for chart in ("curve-chart", "workgroups-chart"):
            # Chart.js drew on the canvas (it registers the chart on it).
            page.wait_for_function(f"window.Chart && window.Chart.getChart('{chart}') !== undefined")
        expect(page.locator("#projects tbody tr").first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls {overflow}px sideways at {name}"
        screenshot(page, f"monitoring-dashboard-{name}")
        # The charts alone, to look at their labels.
        page.locator(".chart-grid").screenshot(path=str(ARTIFACTS_DIR / f"monitoring-charts-{name}.png"))
        page.locator("#projects").screenshot(path=str(ARTIFACTS_DIR / f"monitoring-projects-{name}.png"))
        assert [message.text for message in console] == []
