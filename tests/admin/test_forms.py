"""The edition's page forms (recaps/admin/forms.py): the edit form names its
rich text editors, the copy form proposes the next edition's title and slug."""

import datetime

import pytest
from django.urls import reverse
from wagtail.admin.forms.pages import CopyForm

from recaps.admin.forms import RecapCopyForm
from recaps.blocks import RecapBodyBlock
from tests.admin.conftest import edit_url

pytestmark = pytest.mark.django_db


def test_rich_text_editors_are_named_after_their_label(admin_client, make_edition):
    edition = make_edition(title="Édition", slug="edition")
    form = admin_client.get(edit_url(edition)).context["form"]
    assert str(form.fields["intro"].widget.options["ariaLabel"]) == "Introduction"
    section = RecapBodyBlock().child_blocks["highlights"]
    item = section.child_blocks["items"].child_block
    sub_item = item.child_blocks["children"].child_block
    names = {
        str(block.field.widget.options["ariaLabel"])
        for block in (section.child_blocks["intro"], item.child_blocks["text"])
    }
    assert names == {"Introduction", "Point"}
    assert str(sub_item.child_blocks["text"].field.widget.options["ariaLabel"]) == (
        "Sous-point"
    )


def test_copy_form_proposes_the_next_number_in_title_and_slug(
    admin_user, series, make_edition
):
    source = make_edition(
        edition_number=9,
        title="Petite ébullition 9",
        slug="ebullition-9",
        date=datetime.date(2021, 6, 4),
    )
    make_edition(edition_number=11, date=datetime.date(2021, 6, 18), publish=False)
    form = RecapCopyForm(user=admin_user, page=source)
    assert isinstance(form, CopyForm)
    assert form["new_title"].value() == "Petite ébullition 12"
    assert form["new_slug"].value() == "ebullition-12"


def test_copy_slug_is_unique_even_when_taken(admin_client, series, make_edition):
    source = make_edition(edition_number=1, title="Première", slug="premiere")
    make_edition(edition_number=1, title="Déjà là", slug="premiere-2", publish=False)
    form = admin_client.get(
        reverse("wagtailadmin_pages:copy", args=(source.pk,))
    ).context["form"]
    assert form["new_slug"].value() == "premiere-2-2"
