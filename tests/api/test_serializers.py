"""The serializers write every response: nothing stored is left out of them.

The API's answers are what ``recaps/api/serializers.py`` writes of the stored
facts (an edition's representation, a section's public form). A field stored
and fingerprinted but not declared by its serializer would never reach a
client, without a word: every key of every stored representation, section,
item, sub-item and link, over the demo content and generated editions of
every kind, is a field of its serializer.
"""

import io

import pytest
from django.core.management import call_command

from recaps.api import serializers
from recaps.blocks import SECTION_TYPES
from recaps.models import RecapEntry, RecapSection
from tests.api.helpers import API, get_json

pytestmark = pytest.mark.django_db


def declared(serializer):
    """The names of the fields ``serializer`` writes (DRF's ``fields``)."""
    return set(serializer.fields)


@pytest.fixture
def archive(settings, root_page):
    """The demo content and generated editions (seeded), every kind present."""
    settings.RECAPS_API_THROTTLE_RATE = None
    call_command("load_demo", stdout=io.StringIO())
    call_command(
        "generate_recaps", "--editions", "25", "--seed", "11", stdout=io.StringIO()
    )
    assert set(RecapSection.objects.values_list("type", flat=True)) == set(
        SECTION_TYPES
    )


def test_every_stored_field_is_a_field_the_serializers_write(archive):
    edition_fields = declared(serializers.RecapDetailSerializer())
    section_fields = declared(serializers.SectionSerializer())
    item_fields = declared(serializers.ItemSerializer())
    sub_item_fields = declared(serializers.SubItemSerializer())
    link_fields = declared(serializers.LinkSerializer())
    entries = list(RecapEntry.objects.all())
    assert len(entries) >= 25
    for entry in entries:
        assert set(entry.data) <= edition_fields, entry.data.keys() - edition_fields
    sections = list(RecapSection.objects.all())
    for section in sections:
        shown = section.as_dict()
        assert set(shown) <= section_fields, (section.type, shown.keys())
        for item in shown["items"]:
            assert set(item) <= item_fields, (section.type, item.keys())
            for child in item["children"]:
                assert set(child) <= sub_item_fields, (section.type, child.keys())
        for link in shown["links"]:
            assert set(link) <= link_fields, (section.type, link.keys())


def test_responses_give_every_stored_value(archive, client):
    """The serializers drop nothing: each edition's detail holds its stored
    representation (URLs made absolute) and its sections' public forms."""
    listed = get_json(client, f"{API}recaps/?page_size=100")["results"]
    assert len(listed) >= 25
    for edition in listed:
        entry = RecapEntry.objects.get(pk=edition["id"])
        detail = get_json(client, f"{API}recaps/{edition['id']}/")
        for name, value in entry.data.items():
            if name in ("url", "pdf_url"):
                assert detail[name].endswith(value)
            else:
                assert detail[name] == value, name
        assert edition == {name: detail[name] for name in edition}
        sections = RecapSection.objects.filter(edition=entry.pk).order_by("position")
        assert detail["body"] == [section.as_public_dict() for section in sections]
