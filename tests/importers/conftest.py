"""Fixtures for importer tests: WordPress exports written to temporary files."""

import datetime

import pytest

from tests.importers.helpers import build_wxr, recap_html, wxr_item

DANGEROUS = (
    '<script>alert("x")</script><p onclick="steal()">Fin.</p>'
    '<h3>Les ressources partagées</h3><ul><li><a href="javascript:alert(1)">'
    "piège</a> à éviter</li>"
    '<li><a href="https://www.conseiller-numerique.gouv.fr/">Conseillers</a></li></ul>'
    '<iframe src="https://evil.example/"></iframe>'
)


@pytest.fixture
def wxr_text():
    """An export with three posts, a draft, a trashed post and a page."""
    return build_wxr(
        [
            wxr_item(
                "Seconde petite ébullition",
                recap_html(2),
                "https://site.example/?p=2",
                date=datetime.date(2020, 11, 20),
                tags=["Numérique", "Isolement"],
                categories=[
                    ("petites-ebullitions", "Les petites ébullitions du Vendredi"),
                    ("reseau", "Réseau"),
                ],
                slug="seconde-petite-%c3%a9bullition",
            ),
            wxr_item(
                "Retour du vendredi",
                recap_html(3, DANGEROUS),
                "https://site.example/?p=3",
                date=datetime.date(2020, 12, 11),
                status="draft",
                tags=["numérique"],
            ),
            wxr_item(
                "Première petite ébullition",
                recap_html(1),
                "https://site.example/?p=1",
                date=datetime.date(2020, 11, 13),
                categories=[("uncategorized", "Non classé")],
            ),
            wxr_item(
                "Brouillon supprimé",
                recap_html(9),
                "https://site.example/?p=9",
                status="trash",
            ),
            wxr_item(
                "Mentions légales",
                "<p>Texte</p>",
                "https://site.example/?page_id=5",
                post_type="page",
            ),
        ]
    )


@pytest.fixture
def wxr_file(tmp_path, wxr_text):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text, encoding="utf-8")
    return path
