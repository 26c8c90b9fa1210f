"""The office dashboard and the unit's table read whole at 1366 and 390 px: no chart text is cut at
the canvas edge or drawn over other text, and a phone shows each row's amount and status without
sideways scrolling (the tables become one card per row there)."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE

PASSWORD = "karaj1399"

# Records, per canvas, the box of every piece of text Chart.js draws (ticks, legend, our deadline
# markers), in canvas pixels after the context's transform; a full clear starts the record again,
# so what is left after the charts settle is the last frame.
RECORD_CANVAS_TEXT = """
(() => {
  const proto = CanvasRenderingContext2D.prototype;
  const fillText = proto.fillText;
  const clearRect = proto.clearRect;
  window.__canvasText = new Map();
  proto.clearRect = function (x, y, w, h) {
    if (w >= this.canvas.width / (window.devicePixelRatio || 1) - 1) {
      window.__canvasText.set(this.canvas, []);
    }
    return clearRect.apply(this, arguments);
  };
  proto.fillText = function (text, x, y) {
    const m = this.measureText(text);
    const t = this.getTransform();
    const corners = [
      [x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent],
      [x + m.actualBoundingBoxRight, y - m.actualBoundingBoxAscent],
      [x - m.actualBoundingBoxLeft, y + m.actualBoundingBoxDescent],
      [x + m.actualBoundingBoxRight, y + m.actualBoundingBoxDescent],
    ].map(([px, py]) => [t.a * px + t.c * py + t.e, t.b * px + t.d * py + t.f]);
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    const list = window.__canvasText.get(this.canvas) || [];
    list.push({
      text: String(text),
      left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys),
    });
    window.__canvasText.set(this.canvas, list);
    return fillText.apply(this, arguments);
  };
})();
"""

CHART_TEXT = """
(id) => {
  const canvas = document.getElementById(id);
  return {width: canvas.width, height: canvas.height, texts: window.__canvasText.get(canvas) || []};
}
"""


def text_problems(chart):
    """Text drawn (partly) outside the canvas, and pairs of texts drawn over each other."""
    problems = []
    texts = [t for t in chart["texts"] if t["text"].strip()]
    for t in texts:
        if (
            t["left"] < -0.5
            or t["top"] < -0.5
            or t["right"] > chart["width"] + 0.5
            or t["bottom"] > chart["height"] + 0.5
        ):
            problems.append(f"cut at the edge: {t['text']!r} {t['left']:.0f}..{t['right']:.0f}")
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            overlap_x = min(a["right"], b["right"]) - max(a["left"], b["left"])
            overlap_y = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if overlap_x > 1 and overlap_y > 1:
                problems.append(f"drawn over each other: {a['text']!r} and {b['text']!r}")
    return problems


def open_page(new_page, live_server, login, viewport, username, path):
    page = new_page(viewport)
    page.add_init_script(RECORD_CANVAS_TEXT)
    login(page, live_server, username, PASSWORD)
    page.goto(live_server.url + path)
    return page


def settled_chart(page, canvas_id):
    # Chart.js animates for about a second; the last frame's text is what stays on screen.
    page.wait_for_function("id => window.Chart && window.Chart.getChart(id)", arg=canvas_id)
    page.wait_for_timeout(1500)
    return page.evaluate(CHART_TEXT, canvas_id)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_dashboard_chart_text_is_whole_and_apart(live_server, new_page, demo, login, viewport):
    page = open_page(new_page, live_server, login, viewport, "office", "/office/")
    problems = {}
    for canvas_id in ("credit-chart", "timeline-chart"):
        chart = settled_chart(page, canvas_id)
        assert chart["texts"], f"{canvas_id}: nothing drawn"
        problems[canvas_id] = text_problems(chart)
    assert problems == {"credit-chart": [], "timeline-chart": []}
    # The deadlines are named below the timeline, not on it, each with its day.
    notes = page.locator("#timeline-deadlines li")
    assert notes.count() == 2
    assert "مهلت: ارسال فهرست اولویت‌بندی‌شده" in notes.first.inner_text()
    assert "۱۴۰۵/" in notes.first.inner_text()


@pytest.mark.django_db(transaction=True)
def test_credit_chart_tooltip_names_the_whole_workgroup_on_a_phone(live_server, new_page, demo, login):
    page = open_page(new_page, live_server, login, PHONE, "office", "/office/")
    settled_chart(page, "credit-chart")
    # The axis may shorten or wrap a name; the tooltip of its bar gives it whole.
    title = page.evaluate(
        """() => {
          const chart = Chart.getChart("credit-chart");
          const index = chart.data.labels.indexOf("کارگروه تخصصی خدمات شهری و محیط زیست");
          chart.tooltip.setActiveElements([{datasetIndex: 0, index}], {x: 0, y: 0});
          chart.update("none");
          return chart.tooltip.title;
        }"""
    )
    assert title == ["کارگروه تخصصی خدمات شهری و محیط زیست"]


# The box of the first row's cell under the column headed `name` (found by the header's text, as a
# person would), and the visible part of the table's scrolling box.
CELL_UNDER_HEADER = """
([table, name]) => {
  const element = document.querySelector(table);
  const headers = [...element.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  const cell = element.querySelector("tbody tr").children[headers.indexOf(name)];
  const box = cell.getBoundingClientRect();
  const frame = element.closest(".table-wrap").getBoundingClientRect();
  return {left: box.left, right: box.right, frameLeft: frame.left, frameRight: frame.right};
}
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("username", "path", "table", "status"),
    [
        ("office", "/office/", ".dashboard-table", "فهرست اولویت‌بندی‌شده"),
        ("expert_r01", "/unit/", ".table", "وضعیت"),
    ],
    ids=["dashboard", "unit"],
)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_tables_show_amount_and_status_without_sideways_scrolling(
    live_server, new_page, demo, login, viewport, username, path, table, status
):
    page = open_page(new_page, live_server, login, viewport, username, path)
    width = viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    for name in ("اعتبار درخواستی", status):
        cell = page.evaluate(CELL_UNDER_HEADER, [table, name])
        # Within the window and within the visible part of its table's box: a cell scrolled out
        # of its box is as hidden as one off the page.
        assert max(0, cell["frameLeft"]) - 0.5 <= cell["left"], f"{path}: «{name}» is off to the side"
        assert cell["right"] <= min(width, cell["frameRight"]) + 0.5, f"{path}: «{name}» is off to the side"
    if viewport is PHONE:
        # One card per row: nothing to scroll to inside the table's box either.
        for scroll_width, client_width in page.evaluate(
            "[...document.querySelectorAll('.table-wrap')].map(e => [e.scrollWidth, e.clientWidth])"
        ):
            assert scroll_width <= client_width, (
                f"{path}: a table {scroll_width}px wide in a {client_width}px box"
            )
