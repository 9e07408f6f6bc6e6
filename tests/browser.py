"""Shared browser-test helpers: Debian's Chromium through Playwright for Python, and axe-core run in the
page (the copy bundled in the `axe-playwright-python` wheel, injected by Playwright: nothing is fetched
from outside).

Use::

    with chromium() as browser:
        page = browser.new_page(...)
        page.goto(url)
        assert serious_violations(page) == []
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: axe impacts that fail a page (the issues' bar: no serious or critical violation)
FAILING_IMPACTS = ("serious", "critical")

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="/usr/bin/chromium missing: ./dev.sh test installs it")


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Debian Chromium (Playwright `Browser`); closed on exit."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (./dev.sh test)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _axe_source() -> str:
    axe = pytest.importorskip("axe_playwright_python", reason="pip install axe-playwright-python")
    return (Path(axe.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_results(page: Any) -> dict[str, Any]:
    """axe-core's full result object for the page as it stands (WCAG 2.x A/AA rules and best practices)."""
    page.add_script_tag(content=_axe_source())
    return page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")


def axe_counts(page: Any) -> dict[str, int]:
    """Violations (rule × node) per impact: {"minor": n, "moderate": n, "serious": n, "critical": n}."""
    counts = {"minor": 0, "moderate": 0, "serious": 0, "critical": 0}
    for violation in axe_results(page)["violations"]:
        counts[violation.get("impact") or "minor"] += len(violation["nodes"])
    return counts


def serious_violations(page: Any) -> list[str]:
    """One line per serious or critical violation: rule id, impact, help text and the first target."""
    lines = []
    for violation in axe_results(page)["violations"]:
        if violation.get("impact") in FAILING_IMPACTS:
            first = violation["nodes"][0]["target"] if violation["nodes"] else "?"
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {first}")
    return lines
