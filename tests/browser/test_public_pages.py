"""Every public template in a real browser, on a 320-px-wide phone screen.

One page load per template; each load is checked for accessibility (axe-core,
WCAG 2.1 A and AA), weight (< 60 KB, every request counted), third-party
requests (none), horizontal scrolling (none at 320 px). The header search is
measured once: 44-px targets, 16-px text, a placeholder shown in full.

axe-core comes from the pinned ``axe-playwright-python`` package (its bundled
``axe.min.js``); the browser is Debian's Chromium (``tests/browser/conftest.py``).
"""

import datetime

import pytest

from tests.browser.accessibility import axe_violations
from tests.factories import section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MAX_PAGE_BYTES = 60_000
PHONE = {"width": 320, "height": 640}


def _content(make_edition):
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    site.hostname = "localhost"
    site.save()
    items = [f"Point numéro {n} partagé par les personnes présentes" for n in range(4)]
    make_edition(
        edition_number=1,
        title="Première petite ébullition",
        date=datetime.date(2020, 11, 13),
        tags=["numérique", "isolement"],
        body=[section("highlights", "Ce qui a été partagé", items)],
    )
    return make_edition(
        edition_number=2,
        title="Dernière petite ébullition",
        date=datetime.date(2020, 12, 11),
        tags=["numérique", "aller-vers"],
        summary_easy="Des centres sociaux se sont réunis. Ils ont parlé de Noël.",
        body=[
            section("highlights", "Retour sur…", [("Un point", ["Un détail"])]),
            section("actions", "Partage de ce qui est fait pour Noël", items),
            section("openings", "Les ouvertures des centres", items),
            section("observations", "Les constats d’habitants", items),
            section("reflections", "Les réflexions de fond", items),
            section("resources", "Les ressources partagées"),
            section(
                "resources",
                "Pour aller plus loin",
                links=[{"title": "Un guide", "url": "https://example.org/guide"}],
            ),
            section("text", "Bilan", intro="<p>Un bilan des rencontres.</p>"),
            section("takeaways", "Ce que vous en retenez", items),
        ],
    )


def _load(page, url, origin):
    """Open ``url``; return the bytes received and the third-party URLs asked."""
    received, foreign = [], []

    def on_request(request):
        if not request.url.startswith(origin):
            foreign.append(request.url)

    def on_response(response):
        received.append(len(response.body()) if response.status < 300 else 0)

    page.on("request", on_request)
    page.on("response", on_response)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("request", on_request)
    page.remove_listener("response", on_response)
    return sum(received), foreign


def _horizontal_overflow(page):
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


HEADER_SEARCH = """() => {
    const form = document.querySelector('.site-search');
    const input = form.querySelector('input');
    const button = form.querySelector('button');
    const box = (el) => el.getBoundingClientRect();
    const style = getComputedStyle(input);
    const canvas = document.createElement('canvas').getContext('2d');
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight);
    return {
        input: [box(input).width, box(input).height],
        button: [box(button).width, box(button).height],
        inputFont: parseFloat(style.fontSize),
        buttonFont: parseFloat(getComputedStyle(button).fontSize),
        placeholder: input.placeholder,
        placeholderWidth: canvas.measureText(input.placeholder).width,
        room: room,
        label: button.textContent.trim(),
    };
}"""


def test_every_public_template_on_a_phone(live_server, browser, make_edition):
    edition = _content(make_edition)
    series = edition.get_parent().specific
    origin = live_server.url
    urls = {
        "home": "/",
        "series": series.url,
        "edition": edition.url,
        "themes": series.url + series.reverse_subpage("themes"),
        "theme": series.url
        + series.reverse_subpage("theme", kwargs={"slug": "numerique"}),
        "search": "/search/?query=personne",
        "404": "/cette-page-n-existe-pas/",
        "api docs": "/api/v1/docs/",
    }
    page = browser.new_page(viewport=PHONE, locale="fr-FR")
    problems = []
    for name, path in urls.items():
        weight, foreign = _load(page, origin + path, origin)
        assert page.get_attribute("html", "lang") == "fr", name
        report = axe_violations(page)
        if report:
            problems.append(f"{name}: {report}")
        if weight >= MAX_PAGE_BYTES:
            problems.append(f"{name}: {weight} bytes")
        if foreign:
            problems.append(f"{name}: third-party requests {foreign}")
        overflow = _horizontal_overflow(page)
        if overflow > 0:
            problems.append(f"{name}: scrolls {overflow} px sideways at 320 px")
        if name == "edition":
            # The long edition: table of contents and a way back up, in view.
            assert page.locator("nav.toc li").count() == 8
            assert page.get_by_role("link", name="Haut de page").is_visible()
            assert page.locator(".summary-easy").is_visible()
        if name == "series":
            top = page.locator("#editions-title").bounding_box()["y"]
            assert top < page.locator("#about-title").bounding_box()["y"]
            assert top < PHONE["height"], "the editions start below the fold"
        if name == "home":
            search = page.evaluate(HEADER_SEARCH)
            assert search["label"] == "Rechercher"
            assert search["placeholder"] == "Un mot, un thème…"
            for target in ("input", "button"):
                width, height = search[target]
                assert width >= 44 and height >= 44, (target, search)
            assert search["inputFont"] >= 16 and search["buttonFont"] >= 16
            assert search["placeholderWidth"] <= search["room"], search
    page.close()
    assert not problems, "\n".join(problems)
