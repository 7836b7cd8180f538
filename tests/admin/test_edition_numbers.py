"""Edition numbers and slugs that Wagtail's autosave cannot spoil
(recaps/admin/forms.py, RecapSeriesPage.next_edition_number): ASCII slugs, a
free suffix instead of a duplicate slug, drafts abandoned by autosave that stop
holding a number, the number taken at first publication."""

import datetime

import pytest
from django.utils import timezone

from recaps.models import RecapPage
from tests.admin.conftest import edit_url
from tests.admin.form_data import edition_form_data

pytestmark = pytest.mark.django_db

TITLE = "Petite ébullition de décembre"
ACCENTED_SLUG = "petite-ébullition-de-décembre"
ASCII_SLUG = "petite-ebullition-de-decembre"


def proposed_number(client, add_edition_url):
    return client.get(add_edition_url).context["form"]["edition_number"].value()


def autosave_new(client, add_edition_url, **extra):
    """What the browser's autosave sends a moment after a title is typed on the
    create form: the proposed number, the slug taken from the title."""
    number = proposed_number(client, add_edition_url)
    data = edition_form_data(title=TITLE, slug=ACCENTED_SLUG, number=number, **extra)
    response = client.post(add_edition_url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"], body
    return RecapPage.objects.get(pk=body["pk"])


@pytest.fixture
def three_published(make_edition):
    for number in (1, 2, 3):
        make_edition(
            edition_number=number,
            slug=f"edition-{number}",
            date=datetime.date(2021, 1, 1) + datetime.timedelta(weeks=number),
        )


def test_slug_typed_with_accents_is_saved_in_ascii(admin_client, add_edition_url):
    draft = autosave_new(admin_client, add_edition_url)
    assert draft.slug == ASCII_SLUG
    assert draft.url.isascii()


def test_ascii_slugs_setting():
    from django.conf import settings

    assert settings.WAGTAIL_ALLOW_UNICODE_SLUGS is False


def test_two_abandoned_drafts_then_a_published_edition(
    admin_client, add_edition_url, series, three_published
):
    first = autosave_new(admin_client, add_edition_url)
    second = autosave_new(admin_client, add_edition_url)
    # Recent drafts hold a number: two people may write two editions at once.
    assert (first.edition_number, second.edition_number) == (4, 5)
    assert (first.slug, second.slug) == (ASCII_SLUG, f"{ASCII_SLUG}-2")

    third = autosave_new(admin_client, add_edition_url)
    assert third.edition_number == 6
    # "Publier" right after the first autosave: the edit view of the draft.
    data = edition_form_data(
        title=TITLE,
        slug=third.slug,
        number=third.edition_number,
        **{"action-publish": "1"},
    )
    response = admin_client.post(edit_url(third), data)
    assert response.status_code == 302, response.context["form"].errors
    third.refresh_from_db()
    assert third.live
    assert third.edition_number == 4  # right after the last published one
    assert third.url == f"/ebullitions/{ASCII_SLUG}-3/"
    assert RecapPage.objects.child_of(series).count() == 6


def test_publishing_on_the_create_view_after_an_autosave(
    admin_client, add_edition_url, series, three_published
):
    """The form still posted to the create view after the autosave created a
    draft with the same slug: a suffix, not "Le slug … est déjà utilisé"."""
    number = proposed_number(admin_client, add_edition_url)
    data = edition_form_data(title=TITLE, slug=ASCII_SLUG, number=number)
    admin_client.post(add_edition_url, data, HTTP_ACCEPT="application/json")
    response = admin_client.post(add_edition_url, {**data, "action-publish": "1"})
    assert response.status_code == 302, response.context["form"].errors
    published = RecapPage.objects.child_of(series).live().get(title=TITLE)
    assert published.slug == f"{ASCII_SLUG}-2"
    assert published.edition_number == 4


def test_drafts_abandoned_for_a_day_no_longer_hold_a_number(
    admin_client, add_edition_url, three_published
):
    for _ in range(2):
        autosave_new(admin_client, add_edition_url)
    RecapPage.objects.filter(live=False).update(
        latest_revision_created_at=timezone.now() - datetime.timedelta(days=1, hours=1)
    )
    assert proposed_number(admin_client, add_edition_url) == 4


def test_a_number_chosen_by_the_editor_is_kept(
    admin_client, add_edition_url, series, three_published
):
    draft = autosave_new(admin_client, add_edition_url)
    data = edition_form_data(
        title=TITLE, slug=draft.slug, number=10, **{"action-publish": "1"}
    )
    response = admin_client.post(edit_url(draft), data)
    assert response.status_code == 302, response.context["form"].errors
    draft.refresh_from_db()
    assert (draft.live, draft.edition_number) == (True, 10)


def test_a_published_edition_keeps_the_duplicate_slug_error(
    admin_client, make_edition, three_published
):
    """A published address never changes silently: the editor is told."""
    page = RecapPage.objects.get(slug="edition-3")
    data = edition_form_data(
        title=page.title, slug="edition-2", number=3, **{"action-publish": "1"}
    )
    response = admin_client.post(edit_url(page), data)
    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
    page.refresh_from_db()
    assert page.slug == "edition-3"
