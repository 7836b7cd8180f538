"""A small corpus of editions for the reader search."""

import datetime

import pytest

from tests.factories import section


@pytest.fixture
def corpus(make_edition):
    """Three published editions with accented words in items and sub-items."""
    return {
        "numerique": make_edition(
            edition_number=1,
            title="Inclusion numérique",
            date=datetime.date(2020, 11, 13),
            tags=["numérique", "bénévolat"],
            intro="<p>Une matinée sur les usages.</p>",
            body=[
                section(
                    "observations",
                    "Les constats",
                    [
                        "Les <b>bénévoles</b> accompagnent les démarches en ligne.",
                        ("Fracture numérique", ["Les aînés n’ont pas d’ordinateur"]),
                    ],
                ),
                section(
                    "nuggets", "Les pépites", ["Un café <i>connecté</i> & partagé"]
                ),
            ],
        ),
        "isolement": make_edition(
            edition_number=2,
            title="Rompre l’isolement",
            date=datetime.date(2021, 3, 5),
            tags=["isolement"],
            body=[
                section(
                    "reflections",
                    "Réflexions",
                    ["Les personnes isolées sortent moins depuis le confinement."],
                ),
                section("nuggets", "Pépites", ["Un goûter intergénérationnel"]),
            ],
        ),
        "aller_vers": make_edition(
            edition_number=3,
            title="Aller vers",
            date=datetime.date(2021, 6, 4),
            tags=["aller-vers", "isolement"],
            body=[
                section(
                    "actions",
                    "Actions",
                    ["Porte-à-porte avec les bénévoles du quartier"],
                ),
            ],
        ),
    }
