"""axe-core in the browser: the one way the browser tests check accessibility.

axe-core comes from the pinned ``axe-playwright-python`` package (its bundled
``axe.min.js``); nothing is downloaded.
"""

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: WCAG 2.1 A/AA and axe's best practices (unique landmarks among them).
WCAG_21_AA_AND_BEST_PRACTICES = [*WCAG_21_AA, "best-practice"]


#: No animation or transition still running (endless ones, such as spinners,
#: aside): colours read halfway through a fade are not the page's.
SETTLED = """() => document.getAnimations().every((animation) =>
    animation.playState !== "running"
    || animation.effect.getComputedTiming().iterations === Infinity)"""


def axe_violations(page, tags=WCAG_21_AA):
    """axe-core's report of the violations on ``page`` of the rules tagged
    ``tags`` (WCAG 2.1 A/AA by default), or ``""``, once the page's
    animations and transitions have ended."""
    page.wait_for_function(SETTLED)
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": tags},
            "resultTypes": ["violations"],
        },
    )
    return results.generate_report() if results.violations_count else ""
