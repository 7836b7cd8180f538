"""The “Thèmes” admin: listing with counts, rename, merge, delete, autocomplete."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.utils import parse_tags

from recaps.models import RecapPage, RecapPageTag, Theme
from recaps.themes import merge_themes

pytestmark = pytest.mark.django_db

INDEX = "recaps_theme_modeladmin_index"


def draft(make_edition, tags):
    """A never-published edition whose themes are saved as the admin does."""
    page = make_edition(publish=False)
    page.tags.add(*tags)
    page.save()
    page.save_revision()
    return page


def url(action, theme=None):
    name = f"recaps_theme_modeladmin_{action}"
    return reverse(name, args=(theme.pk,) if theme else ())


def test_menu_and_listing_show_every_theme_with_its_recap_count(
    admin_client, make_edition
):
    make_edition(tags=["numérique", "isolement"])
    draft(make_edition, ["numérique"])
    Theme.objects.create(name="inutilisé")
    response = admin_client.get(reverse(INDEX))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thèmes" in html
    rows = {theme.name: theme.recap_count for theme in response.context["object_list"]}
    assert rows == {"numérique": 2, "isolement": 1, "inutilisé": 0}


def test_listing_is_searchable(admin_client, make_edition):
    make_edition(tags=["numérique", "isolement"])
    response = admin_client.get(reverse(INDEX), {"q": "numér"})
    assert [t.name for t in response.context["object_list"]] == ["numérique"]


def count_listing_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(INDEX))
    assert response.status_code == 200
    return len(queries)


def test_listing_queries_do_not_grow_with_themes_or_editions(
    admin_client, make_edition
):
    make_edition(tags=["a"])
    admin_client.get(reverse(INDEX))  # warm per-session caches
    few = count_listing_queries(admin_client)
    for index in range(6):
        make_edition(tags=[f"theme {index}", "a", "b"])
    many = count_listing_queries(admin_client)
    assert many == few


def test_rename_keeps_the_slug_and_description_is_editable(admin_client, make_edition):
    edition = make_edition(tags=["numérique"])
    theme = Theme.objects.get()
    response = admin_client.post(
        url("edit", theme),
        {"name": "  Inclusion   Numérique ", "description": "Outils et accès."},
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.name == "inclusion numérique"
    assert theme.slug == "numerique"
    assert theme.description == "Outils et accès."
    assert list(edition.tags.all()) == [theme]


def test_rename_onto_an_existing_name_is_a_form_error(admin_client):
    Theme.objects.create(name="numérique")
    other = Theme.objects.create(name="isolement")
    response = admin_client.post(url("edit", other), {"name": "Numérique "})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    other.refresh_from_db()
    assert other.name == "isolement"


def test_merge_moves_every_edition_and_removes_the_source(admin_client, make_edition):
    both = make_edition(tags=["numérique", "digital"])
    only_source = make_edition(tags=["digital"])
    draft_page = draft(make_edition, ["digital", "isolement"])
    untouched = make_edition(tags=["isolement"])
    source = Theme.objects.get(name="digital")
    target = Theme.objects.get(name="numérique")
    assert target.tagged_recaps.count() == 1 and source.tagged_recaps.count() == 3

    response = admin_client.get(url("merge", source))
    assert response.status_code == 200
    response = admin_client.post(url("merge", source), {"target": target.pk})
    assert response.status_code == 302

    assert not Theme.objects.filter(pk=source.pk).exists()
    assert target.tagged_recaps.count() == 3
    names = {
        page.pk: sorted(page.tags.values_list("name", flat=True))
        for page in RecapPage.objects.all()
    }
    assert names == {
        both.pk: ["numérique"],
        only_source.pk: ["numérique"],
        draft_page.pk: ["isolement", "numérique"],
        untouched.pk: ["isolement"],
    }
    assert RecapPageTag.objects.count() == 5  # nothing duplicated, nothing lost
    # Revisions follow, so publishing a saved draft cannot bring the theme back.
    draft_page.refresh_from_db()
    draft_page.get_latest_revision().publish()
    draft_page.refresh_from_db()
    assert sorted(draft_page.tags.values_list("name", flat=True)) == [
        "isolement",
        "numérique",
    ]


def test_merge_into_itself_is_refused(admin_client):
    theme = Theme.objects.create(name="numérique")
    response = admin_client.post(url("merge", theme), {"target": theme.pk})
    assert response.status_code == 200
    assert "target" in response.context["form"].errors
    with pytest.raises(ValueError):
        merge_themes(theme, theme)


def test_used_theme_cannot_be_deleted(admin_client, make_edition):
    make_edition(tags=["numérique"])
    theme = Theme.objects.get()
    response = admin_client.post(url("delete", theme), follow=True)
    assert Theme.objects.filter(pk=theme.pk).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("ne peut pas être supprimé" in m for m in messages), messages
    listing = admin_client.get(reverse(INDEX)).content.decode()
    assert url("delete", theme) not in listing
    assert url("merge", theme) in listing


def test_unused_theme_can_be_deleted(admin_client):
    theme = Theme.objects.create(name="inutilisé")
    response = admin_client.post(url("delete", theme))
    assert response.status_code == 302
    assert not Theme.objects.exists()


def test_editor_tag_widget_autocompletes_existing_themes(admin_client, make_edition):
    """The tags field shows the themes as readers see them and completes
    with their labels, whatever the case typed; Wagtail's own completion of
    the theme model still answers."""
    edition = make_edition(tags=["Numérique", "isolement", "Aller Vers"])
    html = admin_client.get(
        reverse("wagtailadmin_pages:edit", args=(edition.pk,))
    ).content.decode()
    autocomplete = reverse("recaps_theme_autocomplete")
    assert autocomplete in html
    assert 'value="&quot;Aller Vers&quot;, Numérique, isolement"' in html
    for term in ("num", "NUMÉ", " Numérique "):
        response = admin_client.get(autocomplete, {"term": term})
        assert response.status_code == 200
        assert response.json() == ["Numérique"], term
    assert admin_client.get(autocomplete, {"term": "aller  v"}).json() == ["Aller Vers"]
    assert admin_client.get(autocomplete).json() == []
    wagtails = reverse("wagtailadmin_tag_model_autocomplete", args=("recaps", "theme"))
    assert admin_client.get(wagtails, {"term": "num"}).json() == ["numérique"]
    # Saved as shown, the edition keeps the same themes.
    themes = set(edition.tags.all())
    edition = RecapPage.objects.get(pk=edition.pk)
    edition.tags.set(parse_tags('"Aller Vers", Numérique, isolement'))
    edition.save_revision().publish()
    assert (set(edition.tags.all()), Theme.objects.count()) == (themes, 3)


def test_creating_a_theme_normalises_its_name(admin_client):
    response = admin_client.post(url("create"), {"name": "  Aller   Vers "})
    assert response.status_code == 302
    theme = Theme.objects.get()
    assert (theme.name, theme.slug) == ("aller vers", "aller-vers")
    response = admin_client.post(url("create"), {"name": "ALLER VERS"})
    assert response.status_code == 200
    assert Theme.objects.count() == 1


def test_the_create_form_keeps_the_case(admin_client):
    response = admin_client.post(url("create"), {"name": "  Parentalité   Positive "})
    assert response.status_code == 302
    theme = Theme.objects.get()
    assert (theme.name, theme.label, theme.slug) == (
        "parentalité positive",
        "Parentalité Positive",
        "parentalite-positive",
    )
    listing = admin_client.get(reverse(INDEX)).content.decode()
    assert "Parentalité Positive" in listing
    assert "parentalité positive" not in listing


def test_the_edit_form_shows_and_changes_how_a_theme_reads(admin_client, make_edition):
    edition = make_edition(tags=["parentalité"])
    theme = Theme.objects.get()
    form = admin_client.get(url("edit", theme)).context["form"]
    assert form.initial["name"] == "parentalité"
    response = admin_client.post(url("edit", theme), {"name": "Parentalité"})
    assert response.status_code == 302
    theme.refresh_from_db()
    assert (theme.name, theme.label, theme.slug) == (
        "parentalité",
        "Parentalité",
        "parentalite",
    )
    assert admin_client.get(url("edit", theme)).context["form"].initial == {
        **form.initial,
        "name": "Parentalité",
    }
    # Readers see the new spelling at once.
    assert ">Parentalité</a>" in admin_client.get(edition.url).content.decode()
    # An editor's later tag in another case changes nothing.
    edition = RecapPage.objects.get(pk=edition.pk)
    edition.tags.add("PARENTALITÉ")
    edition.save_revision().publish()
    theme.refresh_from_db()
    assert (Theme.objects.count(), theme.label) == (1, "Parentalité")
