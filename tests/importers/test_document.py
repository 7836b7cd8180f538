import pytest

from recaps.importers.document import edition_number_from, is_chrome


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Première petite ébullition", 1),
        ("Seconde petite ébullition du Vendredi", 2),
        ("Deuxième édition", 2),
        ("Troisième petite ébullition", 3),
        ("Petite ébullition n°4", 4),
        ("Petite ébullition nº 12", 12),
        ("5e édition des petites ébullitions", 5),
        ("Édition 7", 7),
        ("Retour du 13 novembre 2020", None),
        ("Pour cette dernière petite ébullition", None),
        ("Petite ébullition du 11 décembre", None),
    ],
)
def test_edition_numbers_stated_in_titles(text, number):
    assert edition_number_from(text) == number


@pytest.mark.parametrize(
    ("text", "chrome"),
    [
        ("Partager sur facebook", True),
        ("Facebook", True),
        ("Vous avez aimé cet article ? Partagez-le !", True),
        ("Aller au contenu principal", True),
        ("Comment participer ?", True),
        ("Le partenariat avec les facteurs", False),
    ],
)
def test_site_furniture_is_recognised(text, chrome):
    assert is_chrome(text) is chrome
