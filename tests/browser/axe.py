"""axe-core in the browser tests: the vendored script (tests/browser/vendor/axe-core/, see the
README there) is evaluated in the page and its violations are returned, one line each.

Evaluated through Playwright rather than added as a <script>: the pages' Content-Security-Policy
(script-src 'self') rightly refuses inline scripts, and axe is a test tool, never served to users.
"""

from pathlib import Path

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js").read_text()


def axe_violations(page, *, context=None):
    """The axe-core violations of the page as it is now (all of axe's default rules)."""
    page.evaluate(AXE_SOURCE + "\n;undefined")
    results = page.evaluate(
        "async (context) => { const r = await axe.run(context || document); return r.violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map("
        "n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('')"
        ")})); }",
        context,
    )
    return [
        f"{violation['impact']} {violation['id']} ({violation['help']}): {'; '.join(violation['nodes'])}"
        for violation in results
    ]
