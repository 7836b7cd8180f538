"""Free-text themes are normalised so that spellings never split a theme."""

import pytest

from recaps.models import Theme
from recaps.search import search_editions
from recaps.themes import merge_themes, reindex_theme_editions

pytestmark = pytest.mark.django_db


def test_spellings_of_one_theme_are_one_theme(make_edition):
    first = make_edition(tags=["Numérique"])
    second = make_edition()
    second.tags.add("numérique ", "  NUMÉRIQUE", "Été", "été")
    second.save()
    assert list(Theme.objects.values_list("name", flat=True)) == ["numérique", "été"]
    assert list(first.tags.all()) == [Theme.objects.get(name="numérique")]
    assert sorted(second.tags.values_list("name", flat=True)) == ["numérique", "été"]


def test_lookups_by_name_are_normalised():
    theme = Theme.objects.create(name="  Aller   Vers ")
    assert (theme.name, theme.slug) == ("aller vers", "aller-vers")
    assert Theme.objects.get(name="Aller vers") == theme
    assert Theme.objects.filter(name__iexact="ALLER VERS ").get() == theme
    assert list(Theme.objects.filter(name__in=["Aller  Vers"])) == [theme]


def test_rename_and_merge_update_the_search_index(make_edition):
    edition = make_edition(tags=["digital"])
    other = make_edition(tags=["isolement"])
    theme = Theme.objects.get(name="digital")
    theme.name = "numérique"
    theme.save()
    reindex_theme_editions(theme)
    published = type(edition).objects.published()
    assert list(search_editions(published, "numérique")) == [edition]
    merge_themes(Theme.objects.get(name="isolement"), theme)
    assert set(search_editions(published, "numérique")) == {edition, other}
