"""axe-core in the browser: the one way the browser tests check accessibility.

axe-core comes from the pinned ``axe-playwright-python`` package (its bundled
``axe.min.js``); nothing is downloaded.
"""

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page):
    """axe-core's report of the WCAG 2.1 A/AA violations on ``page``, or ``""``."""
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_21_AA},
            "resultTypes": ["violations"],
        },
    )
    return results.generate_report() if results.violations_count else ""
