"""The schema.org ``Event`` (JSON-LD) and Open Graph tags of an edition page,
read back from the HTML as a crawler does."""

import datetime
import json

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from lxml import html as lxml_html

from tests.factories import section

pytestmark = pytest.mark.django_db

SERIES_URL = "http://testserver/ebullitions/"
VIRTUAL = {"@type": "VirtualLocation", "url": SERIES_URL}


def read_page(client, page):
    """``(JSON-LD objects, {og property: content})`` of the page's HTML."""
    response = client.get(page.url)
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.content)
    blocks = [
        json.loads(script.text)
        for script in tree.xpath('//script[@type="application/ld+json"]')
    ]
    meta = {
        tag.get("property"): tag.get("content")
        for tag in tree.xpath("//head/meta[@property]")
    }
    return blocks, meta


def the_event(client, page):
    blocks, _meta = read_page(client, page)
    events = [block for block in blocks if block.get("@type") == "Event"]
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize(
    ("meeting_format", "mode", "location"),
    [
        ("visio", "OnlineEventAttendanceMode", VIRTUAL),
        # No venue address in the series: no Place without an address.
        ("presentiel", "OfflineEventAttendanceMode", None),
        ("hybride", "MixedEventAttendanceMode", VIRTUAL),
    ],
)
def test_location_and_attendance_mode_follow_the_format(
    client, make_edition, meeting_format, mode, location
):
    page = make_edition(edition_number=1, format=meeting_format)
    event = the_event(client, page)
    assert event["eventAttendanceMode"] == f"https://schema.org/{mode}"
    assert event.get("location") == location
    assert event["eventStatus"] == "https://schema.org/EventScheduled"


def test_event_has_the_properties_search_engines_ask_for(client, series, make_edition):
    page = make_edition(
        edition_number=3,
        title="Troisième ébullition",
        intro="<p>Un <b>beau</b> moment.</p>",
    )
    event = the_event(client, page)
    assert event["@context"] == "https://schema.org"
    assert event["name"] == "Troisième ébullition"
    assert event["startDate"] == page.date.isoformat()
    assert event["description"] == "Un beau moment."
    assert event["url"] == f"http://testserver{page.url}"
    assert event["organizer"] == {
        "@type": "Organization",
        "name": series.organiser,
        "url": SERIES_URL,
    }
    # The site has no sharing image by default: no image rather than a wrong one.
    assert "image" not in event


def test_organizer_falls_back_to_the_series_title(client, series, make_edition):
    type(series).objects.filter(pk=series.pk).update(organiser="")
    page = make_edition(edition_number=1)
    assert the_event(client, page)["organizer"]["name"] == series.title


def test_description_falls_back_to_the_first_section(client, make_edition):
    page = make_edition(
        edition_number=1,
        intro="",
        body=[
            section("observations", "Constats", ["Les habitants s’isolent"]),
            section("nuggets", "Pépites", ["Plus tard"]),
        ],
    )
    event = the_event(client, page)
    assert event["description"] == "Constats Les habitants s’isolent"
    _blocks, meta = read_page(client, page)
    assert meta["og:description"] == "Constats Les habitants s’isolent"


def test_titles_are_plain_text(client, make_edition):
    """An imported title keeping entities or markup shows as plain text once."""
    page = make_edition(
        edition_number=1,
        title="Café &amp; <i>l&#8217;atelier</i>",
        intro="",
        body=[],
    )
    event = the_event(client, page)
    _blocks, meta = read_page(client, page)
    assert event["name"] == "Café & l’atelier"
    assert meta["og:title"] == "Café & l’atelier"
    # Nothing to describe: the title stands in, never an empty description.
    assert event["description"] == "Café & l’atelier"


def test_image_when_the_site_has_one(client, settings, make_edition):
    settings.RECAPS_SHARE_IMAGE = "/static/img/partage.png"
    page = make_edition(edition_number=1)
    event = the_event(client, page)
    assert event["image"] == ["http://testserver/static/img/partage.png"]
    _blocks, meta = read_page(client, page)
    assert meta["og:image"] == "http://testserver/static/img/partage.png"
    settings.RECAPS_SHARE_IMAGE = "https://cdn.example.org/partage.png"
    page = make_edition(edition_number=2)
    assert the_event(client, page)["image"] == ["https://cdn.example.org/partage.png"]


def test_edition_page_queries_do_not_grow_with_sections(client, uncached, make_edition):
    def count(page):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page.url).status_code == 200
        return len(queries)

    one = make_edition(
        edition_number=1, intro="", body=[section("nuggets", "P", ["a"])]
    )
    count(one)  # warm the site root paths cache
    few = count(one)
    many = make_edition(
        edition_number=2,
        intro="",
        body=[section("nuggets", f"P{n}", ["a", "b"]) for n in range(12)],
    )
    assert count(many) == few


@pytest.mark.parametrize("meeting_format", ["presentiel", "hybride", "visio"])
def test_the_place_of_in_person_editions_has_the_series_address(
    client, series, make_edition, meeting_format
):
    """Search engines ask an in-person event's ``Place`` for its address; readers
    see it on the page. A video call has no place and shows none."""
    type(series).objects.filter(pk=series.pk).update(
        venue_address="12 rue de la Paix, 44000 Nantes"
    )
    page = make_edition(edition_number=1, format=meeting_format)
    location = the_event(client, page)["location"]
    places = [
        place
        for place in (location if isinstance(location, list) else [location])
        if place["@type"] == "Place"
    ]
    html = client.get(page.url).content.decode()
    if meeting_format == "visio":
        assert places == []
        assert "12 rue de la Paix" not in html
    else:
        assert places == [
            {
                "@type": "Place",
                "name": series.organiser,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": "12 rue de la Paix",
                    "postalCode": "44000",
                    "addressLocality": "Nantes",
                    "addressCountry": "FR",
                },
            }
        ]
        assert "Lieu : 12 rue de la Paix, 44000 Nantes" in html


def test_an_address_in_another_shape_is_given_whole(client, series, make_edition):
    type(series).objects.filter(pk=series.pk).update(
        venue_address="Centre social du Breil, Nantes"
    )
    page = make_edition(edition_number=1, format="presentiel")
    assert the_event(client, page)["location"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Centre social du Breil, Nantes",
        "addressCountry": "FR",
    }


def test_start_date_has_the_series_time_when_it_has_one(client, series, make_edition):
    page = make_edition(edition_number=1, date=datetime.date(2021, 1, 15))
    assert the_event(client, page)["startDate"] == "2021-01-15"
    type(series).objects.filter(pk=series.pk).update(meeting_time=datetime.time(10, 0))
    page = make_edition(edition_number=2, date=datetime.date(2021, 7, 16))
    assert the_event(client, page)["startDate"] == "2021-07-16T10:00:00+02:00"


@pytest.mark.parametrize(
    ("meeting_format", "address", "warned"),
    [
        ("presentiel", "", True),
        ("hybride", "", True),
        ("visio", "", False),
        ("presentiel", "12 rue de la Paix, 44000 Nantes", False),
    ],
)
def test_editors_are_warned_when_the_series_has_no_address(
    admin_client, series, make_edition, meeting_format, address, warned
):
    from recaps.admin.venue import warn_of_missing_venue

    type(series).objects.filter(pk=series.pk).update(venue_address=address)
    page = make_edition(edition_number=1, format=meeting_format)
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    warn_of_missing_venue(request, page)
    texts = [str(message) for message in request._messages]
    assert bool(texts) == warned
    if warned:
        assert "n’a pas d’adresse" in texts[0]


def test_the_warning_runs_when_editors_save():
    from wagtail import hooks

    from recaps.admin.venue import warn_of_missing_venue

    for hook in ("after_create_page", "after_edit_page"):
        assert warn_of_missing_venue in hooks.get_hooks(hook)
