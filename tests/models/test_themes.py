"""Free-text themes are normalised so that spellings never split a theme
(recaps/models/themes.py: ThemeNameField)."""

import pytest

from recaps.models import Theme

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


def test_the_column_is_a_plain_charfield_for_migrations():
    """The normalisation needs no migration: the field deconstructs as Django's."""
    name, path, _args, kwargs = Theme._meta.get_field("name").deconstruct()
    assert (name, path) == ("name", "django.db.models.CharField")
    assert (kwargs["max_length"], kwargs["unique"]) == (100, True)


def test_other_lookups_are_left_alone():
    Theme.objects.create(name="Aller Vers")
    Theme.objects.create(name="numérique")
    assert Theme.objects.filter(name__icontains="VERS").count() == 1
    # Normalised, " " would be "" and match both.
    assert Theme.objects.filter(name__contains=" ").count() == 1


def test_themes_by_names_are_found_or_created_together(django_assert_max_num_queries):
    existing = Theme.objects.create(name="numérique")
    with django_assert_max_num_queries(3):
        themes = Theme.objects.by_names(
            ["Numérique", "aller vers", "6.1", "Aller Vers"]
        )
    assert list(themes) == ["numérique", "aller vers", "6.1"]
    assert themes["numérique"] == existing
    assert themes["6.1"].slug == "6-1" and themes["aller vers"].pk
    # A new name whose slug is taken gets a free one, as taggit gives.
    clash = Theme.objects.by_names(["numérique !"])["numérique !"]
    assert clash.pk and clash.slug not in {"numerique", ""}
    assert Theme.objects.count() == 4
