"""A section kind declared once (``recaps.kinds``) reaches every surface.

The kind ``pledges`` is added at test time, with an item field ``owner`` that
no other kind has: the blocks, the API and its schema, the filters, search
and its snippets, the page, the PDF, the feeds, the importers, the generator
and export → restore all get it from the declaration alone.
"""

import io
import json
import random

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader
from wagtail.models import Page

from recaps import blocks
from recaps.blocks import (
    SECTION_TYPES,
    RecapBodyBlock,
    section_kinds,
)
from recaps.generator.content import EditionDrawer
from recaps.importers import mapping
from recaps.importers.sources import parse_document
from recaps.importers.writer import EditionWriter, Report, deferred_indexing
from recaps.kinds import SECTION_KINDS, ItemField, SectionKind
from recaps.models import RecapPage, RecapSeriesPage, Theme
from recaps.search import stem
from recaps.stream import section_to_stream
from tests.added_kinds import added_kind
from tests.api.helpers import API, get_json
from tests.factories import section

pytestmark = pytest.mark.django_db

PLEDGES = SectionKind(
    name="pledges",
    label="Engagements",
    heading="Les engagements pris",
    icon="success",
    description="Ce que chacun s’engage à faire.",
    preview=("<p>Relancer la mairie</p>",),
    item_fields=(ItemField("owner", "Porteur", help_text="Qui s’en charge."),),
)
OWNER = "Yannick Kerbrat"


def pledges_section(owner=OWNER):
    return section_to_stream(
        {
            "type": "pledges",
            "heading": "Nos engagements",
            "items": [
                {"text": "Relancer la mairie", "owner": owner},
                {"text": "Ouvrir le jardin", "children": [{"text": "au printemps"}]},
            ],
        }
    )


@pytest.fixture
def kind():
    with added_kind(PLEDGES):
        yield PLEDGES


@pytest.fixture
def edition(kind, make_edition, settings):
    settings.RECAPS_API_THROTTLE_RATE = None
    make_edition(edition_number=1, tags=["numérique"])
    return make_edition(
        edition_number=2,
        tags=["numérique"],
        intro="<p>Une belle rencontre.</p>",
        body=[section("highlights", "Retour", ["Un point"]), pledges_section()],
    )


def test_the_declared_kinds_are_the_body_blocks():
    assert list(section_kinds().values()) == SECTION_KINDS
    assert SECTION_TYPES[: len(SECTION_KINDS)] == [k.name for k in SECTION_KINDS]
    assert "pledges" not in SECTION_TYPES


def test_the_kind_is_a_block_with_its_item_field(kind):
    block = RecapBodyBlock.base_blocks["pledges"]
    item = block.child_blocks["items"].child_block
    assert list(item.child_blocks) == ["text", "owner", "children"]
    assert item.child_blocks["owner"].label == "Porteur"
    assert blocks.section_labels()["pledges"] == "Engagements"
    assert block.meta.default == {"heading": "Les engagements pris"}


def test_admin_form_edits_the_item_field(admin_client, edition):
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[edition.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    # The block's definition (telepath JSON) holds the field, and the form the value.
    assert "&quot;owner&quot;" in html
    assert "&quot;label&quot;: &quot;Porteur&quot;" in html
    assert f"&quot;owner&quot;: &quot;{OWNER}&quot;" in html


def test_page_pdf_and_feeds_show_the_item_field(client, edition):
    page = client.get(edition.url).content.decode()
    assert f'<span class="item-field">Porteur : {OWNER}</span>' in page
    pdf = PdfReader(io.BytesIO(client.get(edition.url + "pdf/").content))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert f"Porteur : {OWNER}" in text
    # RSS and Atom carry summaries; the JSON feed carries the content.
    feed = json.loads(client.get(edition.get_parent().url + "feed/json/").content)
    (item,) = [i for i in feed["items"] if i["url"].endswith(edition.url)]
    assert f'<span class="item-field">Porteur : {OWNER}</span>' in item["content_html"]
    assert OWNER in item["content_text"]


def test_api_detail_sections_filters_and_schema(client, edition):
    detail = get_json(client, f"{API}recaps/{edition.pk}/")
    pledges = detail["body"][1]
    assert pledges["type"] == "pledges" and pledges["label"] == "Engagements"
    assert [item.get("owner") for item in pledges["items"]] == [OWNER, ""]
    assert "owner" not in detail["body"][0]["items"][0]
    assert "pledges" in detail["section_types"]
    found = get_json(client, f"{API}sections/?type=pledges")["results"]
    assert [(s["recap"]["id"], s["items"][0]["owner"]) for s in found] == [
        (edition.pk, OWNER)
    ]
    listed = get_json(client, f"{API}recaps/?section_type=pledges")["results"]
    assert [recap["id"] for recap in listed] == [edition.pk]
    response = client.get(f"{API}schema/?format=json")
    schema = json.loads(response.content)["components"]["schemas"]
    assert "owner" in schema["Item"]["properties"]
    assert "owner" not in schema["Item"].get("required", [])
    assert "pledges" in schema["SectionTypeEnum"]["enum"]


def test_search_finds_and_highlights_the_item_field(client, edition):
    found = get_json(client, f"{API}recaps/?search=Kerbrat")["results"]
    assert [recap["id"] for recap in found] == [edition.pk]
    html = client.get("/search/?query=Kerbrat").content.decode()
    assert "Yannick <mark>Kerbrat</mark>" in html
    assert "Une belle rencontre" not in html


def test_importers_keep_the_item_field(kind, series, monkeypatch):
    # A heading rule for the kind (optional, in recaps.importers.mapping).
    monkeypatch.setattr(mapping, "_RULE_STEMS", [("pledges", [(stem("engagements"),)])])
    editions, _images, _format = parse_document(
        b"<h2>Nos engagements</h2><ul><li>Relancer la mairie</li></ul>",
        "engagements.html",
        page=False,
    )
    parsed = editions[0]
    assert parsed.sections[0]["type"] == "pledges"
    # Every importer goes through this intermediate form and the writer: an
    # item that carries the field keeps it.
    parsed.sections[0]["items"][0]["owner"] = OWNER
    parsed.source_key = "test:engagements"
    assert OWNER in parsed.full_text()
    writer = EditionWriter(series, Report(), publish=True)
    with deferred_indexing() as written:
        writer.prepare([parsed])
        writer.write(parsed)
        written.update(writer.finish())
    page = RecapPage.objects.get(import_source="test:engagements")
    item = page.body[0].value["items"][0]
    assert (item["owner"], item["text"].source) == (OWNER, "<p>Relancer la mairie</p>")


def test_the_generator_draws_the_kind_with_generic_words(kind):
    drawer = EditionDrawer(seed=7)
    drawn = drawer._section(random.Random(1), "pledges", ["numérique"])  # noqa: S311
    assert drawn["heading"] == "Les engagements pris"
    assert drawn["items"] and all(item["owner"] for item in drawn["items"])
    raw = section_to_stream(drawn)
    assert raw["value"]["items"][0]["value"]["owner"] == drawn["items"][0]["owner"]
    kinds = {k for number in range(1, 40) for k in drawer.draw(number).section_types}
    assert "pledges" in kinds


def test_export_then_restore_keeps_the_item_field(client, edition, tmp_path):
    before = get_json(client, f"{API}recaps/{edition.pk}/")["body"]
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive), stdout=io.StringIO())
    for series in RecapSeriesPage.objects.all():
        series.delete()
    Theme.objects.all().delete()
    assert not Page.objects.type(RecapPage).exists()
    call_command("import_recaps", str(archive), stdout=io.StringIO())
    assert get_json(client, f"{API}recaps/{edition.pk}/")["body"] == before
