"""Every field and block speaks French with a help text; block previews render."""

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail import blocks

from recaps.blocks import RecapBodyBlock
from recaps.models import RecapPage

pytestmark = pytest.mark.django_db

EDITION_FIELDS = [
    "edition_number",
    "date",
    "participation_note",
    "intro",
    "tags",
    "body",
]


def walk(block, path=""):
    """Yield (path, block) for every block under ``block``."""
    children = getattr(block, "child_blocks", None)
    if isinstance(block, blocks.ListBlock):
        children = {"item": block.child_block}
    for name, child in (children or {}).items():
        yield f"{path}/{name}", child
        yield from walk(child, f"{path}/{name}")


def test_edition_fields_have_french_labels_and_help_texts():
    with translation.override("fr"):
        for name in EDITION_FIELDS:
            field = RecapPage._meta.get_field(name)
            assert str(field.verbose_name) != name, name
            assert field.help_text, name
        assert str(RecapPage._meta.get_field("date").verbose_name) == (
            "date de la rencontre"
        )


#: Blocks repeated on every point and sub-point: their help is given once, by the
#: section's list of points (issue 16: a shorter edit form).
REPEATED = ("/items/item/", "/children/item/")


def test_every_block_field_has_a_label_and_an_example_once_per_section():
    with translation.override("fr"):
        for path, block in walk(RecapBodyBlock()):
            assert block.label, path
            if isinstance(block, (blocks.ListBlock, blocks.StructBlock)):
                continue
            if any(part in path for part in REPEATED):
                assert not block.field.help_text, path
            else:
                assert block.field.help_text, path
        for name, block in RecapBodyBlock.base_blocks.items():
            if "items" in getattr(block, "child_blocks", {}):  # not media blocks
                help_text = str(block.child_blocks["items"].meta.help_text)
                # Points and sub-points explained, with an example of each.
                assert "« Des boites solidaires à offrir »" in help_text, name
                assert "« Sous-points »" in help_text, name


def test_every_section_kind_has_a_description_and_a_block_chooser_preview(
    admin_client,
):
    for name, block in RecapBodyBlock.base_blocks.items():
        assert block.meta.description, name
        assert block.meta.preview_value, name
        response = admin_client.get(
            reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix}
        )
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "css/site.css" in html  # the site's override is used
        # Sections render a <section>, a heading or paragraphs; media blocks a
        # <figure> (image, table) or <pre> (preformatted text).
        assert any(
            tag in html for tag in ("<section", "<h2", "<p>", "<figure", "<pre")
        ), name
        heading = block.meta.preview_value.get("heading")
        if heading:
            with translation.override("fr"):
                assert str(heading) in html, name
