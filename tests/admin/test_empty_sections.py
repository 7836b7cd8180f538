"""Publishing an edition with empty sections warns the editor, and still publishes."""

import pytest
from django.contrib.messages import get_messages

from recaps.models import RecapPage
from tests.admin.form_data import edition_form_data

pytestmark = pytest.mark.django_db


def _messages(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_publishing_empty_sections_warns_but_publishes(
    admin_client, add_edition_url, series
):
    data = edition_form_data(
        title="Édition 1",
        slug="edition-1",
        sections=[
            ("highlights", "Ce qui a été partagé", ["Un point"]),
            ("observations", "Les ressources partagées", []),
            ("nuggets", "Pour aller plus loin", []),
        ],
        **{"action-publish": "action-publish"},
    )
    response = admin_client.post(add_edition_url, data)
    assert response.status_code == 302, response.context["form"].errors
    page = RecapPage.objects.child_of(series).get(slug="edition-1")
    assert page.live
    warnings = [text for level, text in _messages(response) if level == "warning"]
    assert warnings == [
        "Les sections « Les ressources partagées », « Pour aller plus loin » n’ont "
        "rien sous leur titre : les lecteurs ne les verront pas. Ajoutez-y des "
        "points ou supprimez-les."
    ]
    assert [s.heading for s in page.public_sections()] == ["Ce qui a été partagé"]


def test_publishing_full_sections_gives_no_warning(
    admin_client, add_edition_url, series
):
    data = edition_form_data(
        title="Édition 1",
        slug="edition-1",
        sections=[("highlights", "Ce qui a été partagé", ["Un point"])],
        **{"action-publish": "action-publish"},
    )
    response = admin_client.post(add_edition_url, data)
    assert response.status_code == 302
    assert not [m for m in _messages(response) if m[0] == "warning"]


def test_saving_a_draft_does_not_warn(admin_client, add_edition_url, series):
    data = edition_form_data(
        title="Édition 1",
        slug="edition-1",
        sections=[("observations", "Les constats", [])],
    )
    response = admin_client.post(add_edition_url, data)
    assert response.status_code == 302
    assert not [m for m in _messages(response) if m[0] == "warning"]
