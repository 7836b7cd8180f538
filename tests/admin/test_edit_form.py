"""A shorter, more natural edit form (issue 16): wording, dates, named editors."""

import datetime
import re

import pytest
from django.urls import reverse
from wagtail.blocks.struct_block import BlockGroup

from recaps.blocks import ItemBlock
from recaps.models import RecapPage, Theme
from tests.admin.conftest import edit_url
from tests.admin.form_data import edition_form_data

pytestmark = pytest.mark.django_db

GENDERLESS = re.compile(r"un\(e\)|Nouveau ?: ?Édition|Nouvel\(le\)")


def text_of(response):
    assert response.status_code == 200
    return response.content.decode()


def title_of(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_new_edition_says_nouvelle_edition(admin_client, add_edition_url):
    html = text_of(admin_client.get(add_edition_url))
    assert title_of(html).startswith("Nouvelle édition")
    assert "Nouvelle édition" in html
    assert not GENDERLESS.search(html)


def test_other_page_types_keep_wagtails_title(admin_client, root_page):
    url = reverse(
        "wagtailadmin_pages:add", args=("recaps", "recapseriespage", root_page.pk)
    )
    assert title_of(text_of(admin_client.get(url))).startswith("Nouveau")


def test_editions_listing_offers_ajouter_une_edition(admin_client, make_edition):
    make_edition(title="Première")
    html = text_of(admin_client.get(reverse("editions:index")))
    assert "Ajouter une édition" in html
    assert not GENDERLESS.search(html)


def test_themes_admin_says_ajouter_un_theme_and_nouveau_theme(admin_client):
    html = text_of(admin_client.get("/admin/recaps/theme/"))
    assert "Ajouter un thème" in html
    assert "Aucun thème n’a encore été créé." in html
    assert not GENDERLESS.search(html)
    Theme.objects.create(name="santé mentale")
    html = text_of(admin_client.get("/admin/recaps/theme/"))
    assert "santé mentale" in html and "Ajouter un thème" in html
    assert not GENDERLESS.search(html)
    html = text_of(admin_client.get("/admin/recaps/theme/create/"))
    assert title_of(html).startswith("Nouveau thème")
    assert "Créer un(e)" not in html and not GENDERLESS.search(html)


def test_dates_are_shown_and_entered_the_french_way(admin_client, make_edition):
    edition = make_edition(
        title="Édition", slug="edition", date=datetime.date(2020, 12, 11)
    )
    response = admin_client.get(edit_url(edition))
    html = text_of(response)
    assert 'value="11/12/2020"' in html
    assert "2020-12-11" not in re.search(r'<input[^>]*id="id_date"[^>]*>', html)[0]
    assert "27/11/2020" in str(RecapPage._meta.get_field("date").help_text)

    data = edition_form_data(title="Édition", slug="edition", date="27/11/2020")
    response = admin_client.post(edit_url(edition), data)
    assert response.status_code == 302, response.context["form"].errors
    saved = RecapPage.objects.get(pk=edition.pk).get_latest_revision_as_object()
    assert saved.date == datetime.date(2020, 11, 27)


def test_sub_items_sit_in_a_group_that_starts_collapsed():
    layout = ItemBlock._meta_class.form_layout
    text, group = layout.children
    assert text == "text"
    assert isinstance(group, BlockGroup)
    assert group.children == ["children"]
    assert "collapsed" in group.classname.split()
    assert "recap-subitems" in group.classname.split()


def test_editor_loads_the_recaps_enhancements(admin_client, make_edition):
    edition = make_edition(title="Édition", slug="edition")
    html = text_of(admin_client.get(edit_url(edition)))
    assert re.search(r'<script src="[^"]*recaps/admin/editor\.js"', html)
    assert re.search(
        r'<link rel="stylesheet" href="[^"]*recaps/admin/editor\.css"', html
    )
