import pytest

from recaps.importers.mapping import clean_heading, section_kind


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Retour sur...", "highlights"),
        ("Ce qui a été partagé :", "highlights"),
        ("Partage de ce qui est fait pour noël dans les structures :", "actions"),
        ("Les autres partages d’actions en vrac :", "actions"),
        ("Partage des différentes ouvertures des Centres Sociaux :", "openings"),
        ("Les constats et remontés d’habitants :", "observations"),
        ("LES CONSTATS ET REMONTÉES D'HABITANTS", "observations"),
        ("Les réflexions de fonds :", "reflections"),
        ("Les réflexions de fond partagées :", "reflections"),
        ("Les refléxions de fond", "reflections"),
        ("Les reflextions de fond", "reflections"),
        ("Les ressources partagées :", "resources"),
        ("Pour aller plus loin :", "resources"),
        ("Les différents liens partagés :", "resources"),
        ("Ce dont nous avons parlé et ce que vous en retenez :", "takeaways"),
        ("Vous avez apprécié ce temps …", "feedback"),
        ("Les retours sur ce format de Petite Ébullition :", "feedback"),
        ("Les pépites et pistes d’action qui ont été partagées :", "nuggets"),
        ("Des interrogations partagées", "questions"),
        ("interrogations partagées", "questions"),
    ],
)
def test_legacy_headings_map_to_section_kinds(heading, kind):
    assert section_kind(heading) == kind


@pytest.mark.parametrize(
    "heading",
    [
        "Entre autres",
        "Comment participer ?",
        "Les petites ébullitions du Vendredi du Réseau des Centres Sociaux 44",
        "Programme de la journée",
    ],
)
def test_unrelated_headings_map_to_nothing(heading):
    assert section_kind(heading) is None


def test_clean_heading_drops_trailing_colon_only():
    assert clean_heading("  Pour aller plus loin : ") == "Pour aller plus loin"
    assert clean_heading("Retour sur...") == "Retour sur..."
