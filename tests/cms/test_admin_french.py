"""A French admin (cms/wagtail_hooks.py, cms/admin_forms.py, the overrides of
Wagtail's French in cms/locale, cms/templates/wagtailadmin): no English or
broken French on the pages editors use, a French guide in the help menu."""

import json
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

#: English or broken French seen by editors (issue 26), as it appears in HTML.
BAD = [
    "Password<span",
    "Slug<span",
    "Status actuel",
    "Modification de Édition",
    "crées dans",
    "- Wagtail</title>",
    "guillemets doubles",
    "guide.wagtail.org",
    "Wagtail Editor Guide",
    "Guide for editors",
]


@pytest.fixture
def add_edition_url(series):
    return reverse("wagtailadmin_pages:add", args=("recaps", "recappage", series.pk))


@pytest.fixture
def edition(make_edition):
    return make_edition(edition_number=3, tags=["numérique"])


def assert_french(response):
    assert response.status_code == 200
    html = response.content.decode()
    found = [text for text in BAD if text in html]
    assert not found, found
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.strip().endswith("- Administration")


def test_login_page(client):
    response = client.get(reverse("wagtailadmin_login"))
    assert_french(response)
    assert "Mot de passe<span" in response.content.decode()


def test_dashboard(admin_client, edition):
    response = admin_client.get(reverse("wagtailadmin_home"))
    assert_french(response)
    html = response.content.decode()
    # The account summary and the help menu (the sidebar's JSON).
    assert html.count(reverse("cms_editor_guide")) == 2
    assert ">Guide de rédaction</a>" in html
    assert json.dumps("Guide de rédaction") in html


def test_page_edit_view(admin_client, edition):
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=(edition.pk,)))
    assert_french(response)
    html = response.content.decode()
    assert "Modification : Édition" in html
    assert "Séparez les thèmes par des virgules" in html


def test_new_edition_view(admin_client, add_edition_url):
    assert_french(admin_client.get(add_edition_url))


def test_explorer(admin_client, edition):
    response = admin_client.get(
        reverse("wagtailadmin_explore", args=(edition.get_parent().pk,))
    )
    assert_french(response)
    assert "Statut actuel de la page" in response.content.decode()


def test_help_menu_leads_to_the_french_guide(admin_client, edition):
    response = admin_client.get(reverse("cms_editor_guide"))
    assert_french(response)
    html = response.content.decode()
    assert re.search(r"<title>\s*Guide de rédaction - Administration\s*</title>", html)
    for heading in ("Écrire une édition", "Publier", "Importer un document", "Thèmes"):
        assert f"<h2>{heading}</h2>" in html


def test_guide_is_for_logged_in_editors(client):
    response = client.get(reverse("cms_editor_guide"))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_new_items_badge_in_french(admin_client):
    response = admin_client.get(reverse("wagtailadmin_javascript_catalog"))
    # The catalogue is JSON in a script: non-ASCII letters are escaped.
    text = response.content.decode()
    assert json.dumps("nouveaux éléments dans ce menu")[1:-1] in text
    assert "  nouvel " not in text
