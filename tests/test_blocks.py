"""Every section kind renders its heading, intro, items and sub-items."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

from recaps.blocks import SECTION_TYPES, LinkBlock, RecapBodyBlock, section_labels
from tests.factories import section

LIST_KINDS = [kind for kind in SECTION_TYPES if kind != "text"]


def test_section_types_are_the_stable_machine_names():
    assert SECTION_TYPES == [
        "highlights",
        "actions",
        "openings",
        "observations",
        "reflections",
        "questions",
        "nuggets",
        "takeaways",
        "feedback",
        "resources",
        "text",
    ]


def test_every_kind_has_a_french_label_an_icon_and_a_default_heading():
    labels = section_labels()
    blocks = RecapBodyBlock.base_blocks
    for kind in LIST_KINDS:
        block = blocks[kind]
        assert str(labels[kind]) and str(labels[kind]) != kind
        assert block.meta.icon
        default_heading = block.get_default()["heading"]
        assert default_heading, kind
    # Translated through the fr catalogue.
    assert str(section_labels()["observations"]) == "Constats d’habitants"
    assert str(blocks["reflections"].get_default()["heading"]) == "Réflexions de fond"


@pytest.mark.parametrize("kind", LIST_KINDS)
def test_each_list_kind_renders_heading_intro_items_and_sub_items(kind):
    block = RecapBodyBlock.base_blocks[kind]
    raw = section(
        kind,
        f"Titre {kind}",
        [
            "Premier point",
            ("Des interrogations partagées", ["Sous-point A", "Sous-point B"]),
        ],
        intro="Entre autres :",
    )
    html = block.render(block.to_python(raw["value"]))
    assert f"<h2>Titre {kind}</h2>" in html
    assert "Entre autres :" in html
    assert html.count("<li>") == 4
    # Sub-items are nested in a list inside their parent item.
    parent_start = html.index("Des interrogations partagées")
    nested = html.index("<ul>", parent_start)
    assert nested < html.index("Sous-point A") < html.index("Sous-point B")


def test_text_block_renders_its_paragraphs():
    block = RecapBodyBlock.base_blocks["text"]
    raw = section("text", intro="<p>Le bilan est positif.</p>")
    html = block.render(block.to_python(raw["value"]))
    assert "<p>Le bilan est positif.</p>" in html
    assert "<h2>" not in html


def test_resources_render_links_with_description():
    block = RecapBodyBlock.base_blocks["resources"]
    link = {
        "title": "Conseiller numérique",
        "url": "https://www.conseiller-numerique.gouv.fr/",
        "description": "Le dispositif de l’État",
    }
    raw = section("resources", "Pour aller plus loin", links=[link])
    html = block.render(block.to_python(raw["value"]))
    assert (
        '<a href="https://www.conseiller-numerique.gouv.fr/">Conseiller numérique</a>'
        in html
    )
    assert "Le dispositif de l’État" in html


def test_link_needs_exactly_one_of_url_or_document():
    block = LinkBlock()
    with pytest.raises(StructBlockValidationError) as neither:
        block.clean(block.to_python({"title": "Rien", "url": "", "document": None}))
    assert "url" in neither.value.block_errors
    ok = block.clean(block.to_python({"title": "Site", "url": "https://example.org/"}))
    assert ok["url"] == "https://example.org/"


def test_item_text_is_required():
    block = RecapBodyBlock.base_blocks["nuggets"]
    value = block.to_python(section("nuggets", "Pépites", [""])["value"])
    with pytest.raises(ValidationError):
        block.clean(value)
