"""The HTML the PDF letters are made from, checked by axe-core in Chromium.

WeasyPrint lays the letters out from HTML (``recaps.pdf.write_pdf``); a
reader of the tagged PDF gets that document's structure. Each letter's HTML,
with its own stylesheet, is loaded into the browser and must have no WCAG 2.1
A/AA violation, like every public page (``test_public_pages.py``).
"""

import datetime

import pytest
from django.template.loader import render_to_string

from tests.browser.accessibility import axe_violations
from tests.factories import section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def letter_sources(monkeypatch):
    """``{template: HTML with its stylesheet}`` of the letters rendered."""
    sources = {}

    def capture(request, template, context):
        html = render_to_string(template, context, request=request)
        style = render_to_string("recaps/pdf/letter.css")
        sources[template] = html.replace("</head>", f"<style>{style}</style></head>")
        return b"%PDF-1.7"

    monkeypatch.setattr("recaps.pdf.write_pdf", capture)
    return sources


def test_letters_html_has_no_accessibility_violation(
    client, browser, make_edition, letter_sources
):
    items = [f"Point numéro {n} partagé par les personnes présentes" for n in range(3)]
    edition = make_edition(
        edition_number=2,
        title="Dernière petite ébullition",
        date=datetime.date(2020, 12, 11),
        tags=["numérique"],
        summary_easy="Des centres sociaux se sont réunis. Ils ont parlé de Noël.",
        body=[
            section("highlights", "Retour sur…", [("Un point", ["Un détail"])]),
            section("observations", "Les constats d’habitants", items),
            section(
                "resources",
                "Pour aller plus loin",
                links=[{"title": "Un guide", "url": "https://example.org/guide"}],
            ),
            section("text", "Bilan", intro="<p>Un bilan des rencontres.</p>"),
        ],
    )
    series = edition.get_parent().specific
    assert client.get(edition.url + "pdf/").status_code == 200
    assert client.get(f"{series.url}themes/numerique/pdf/").status_code == 200
    assert len(letter_sources) == 2, letter_sources.keys()

    page = browser.new_page(locale="fr-FR")
    problems = []
    for name, html in letter_sources.items():
        page.set_content(html, wait_until="load")
        assert page.get_attribute("html", "lang") == "fr", name
        assert page.title(), name
        report = axe_violations(page)
        if report:
            problems.append(f"{name}: {report}")
    assert not problems, "\n".join(problems)
