"""Nothing but live, public, current editions appears anywhere in the API."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import PageViewRestriction

from recaps.models import RecapPage
from tests.api.helpers import API, get_json
from tests.factories import section

pytestmark = pytest.mark.django_db

SECRET = "motsecret"


def _restrict(page, kind):
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=kind, password="x" if kind == "password" else ""
    )
    if kind == "groups":
        restriction.groups.add(Group.objects.create(name="Équipe"))


def make_hidden(state, make_edition, series):
    """An edition in ``state`` dated between the two visible ones."""
    now = timezone.now()
    page = make_edition(
        edition_number=2,
        title=f"Édition {SECRET}",
        slug=f"edition-{SECRET}",
        date=datetime.date(2020, 11, 20),
        tags=["numérique", f"thème {SECRET}"],
        intro=f"<p>{SECRET}</p>",
        body=[section("nuggets", f"Pépites {SECRET}", [f"Un {SECRET}"])],
        publish=state != "draft",
    )
    if state == "unpublished":
        page.unpublish()
    elif state == "scheduled":
        RecapPage.objects.filter(pk=page.pk).update(
            go_live_at=now + datetime.timedelta(days=1)
        )
    elif state == "scheduled_revision":
        page.unpublish()
        page = RecapPage.objects.get(pk=page.pk)
        page.go_live_at = now + datetime.timedelta(days=1)
        page.save_revision().publish()
        page.refresh_from_db()
        assert not page.live and page.go_live_at
    elif state == "expired":
        RecapPage.objects.filter(pk=page.pk).update(
            expire_at=now - datetime.timedelta(hours=1)
        )
    elif state in ("password", "login", "groups"):
        _restrict(page, state)
    elif state == "private_series":
        _restrict(series, "login")
    return page


STATES = [
    "draft",
    "unpublished",
    "scheduled",
    "scheduled_revision",
    "expired",
    "password",
    "login",
    "groups",
]


@pytest.mark.parametrize("state", STATES)
def test_hidden_edition_is_absent_from_every_endpoint(
    client, make_edition, series, state
):
    first = make_edition(
        edition_number=1,
        date=datetime.date(2020, 11, 13),
        tags=["numérique"],
        body=[section("nuggets", "Pépites", ["Un point"])],
    )
    third = make_edition(
        edition_number=3,
        date=datetime.date(2020, 11, 27),
        body=[section("questions", "Questions", ["Une question"])],
    )
    hidden = make_hidden(state, make_edition, series)
    assert RecapPage.objects.filter(pk=hidden.pk).exists()

    urls = [
        API + "recaps/",
        API + "recaps/?ordering=date&page_size=100",
        API + f"recaps/?search={SECRET}",
        API + "recaps/?tag=numerique",
        API + f"recaps/{first.pk}/",
        API + f"recaps/{third.pk}/",
        API + "sections/",
        API + f"sections/?search={SECRET}",
        API + "sections/?type=nuggets",
        API + "tags/",
        API + "tags/?ordering=-recap_count",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
        assert f"/{hidden.pk}/" not in response.content.decode(), url

    assert get_json(client, API + "recaps/")["count"] == 2
    assert get_json(client, API + f"recaps/?slug=edition-{SECRET}")["count"] == 0
    assert get_json(client, API + f"recaps/?search={SECRET}")["count"] == 0
    get_json(client, API + f"recaps/{hidden.pk}/", status=404)
    assert get_json(client, API + "sections/")["count"] == 2
    assert get_json(client, API + f"sections/?recap={hidden.pk}")["count"] == 0
    tags = get_json(client, API + "tags/")["results"]
    assert [(t["slug"], t["recap_count"]) for t in tags] == [("numerique", 1)]
    assert get_json(client, API + f"recaps/{first.pk}/")["next"]["id"] == third.pk
    assert get_json(client, API + f"recaps/{third.pk}/")["previous"]["id"] == first.pk


def test_private_series_hides_all_its_editions(client, make_edition, series):
    page = make_edition(edition_number=1, tags=["numérique"])
    _restrict(series, "password")
    assert get_json(client, API + "recaps/")["count"] == 0
    assert get_json(client, API + "sections/")["count"] == 0
    assert get_json(client, API + "tags/")["count"] == 0
    get_json(client, API + f"recaps/{page.pk}/", status=404)


def test_newer_draft_does_not_replace_published_content(client, make_edition):
    page = make_edition(
        edition_number=1,
        title="Titre publié",
        tags=["numérique"],
        body=[section("nuggets", "Pépites", ["Texte publié"])],
    )
    page = RecapPage.objects.get(pk=page.pk)
    page.title = "Titre brouillon"
    page.intro = "<p>Intro brouillon</p>"
    page.body = [section("questions", "Questions", ["Texte brouillon"])]
    page.tags.set(["brouillon"])
    page.save_revision()

    detail = get_json(client, API + f"recaps/{page.pk}/")
    assert detail["title"] == "Titre publié"
    assert detail["intro"]["text"] == "Beau moment."
    assert [s["type"] for s in detail["body"]] == ["nuggets"]
    assert detail["tags"] == [
        {"name": "numérique", "label": "numérique", "slug": "numerique"}
    ]
    listed = get_json(client, API + "recaps/")["results"][0]
    assert listed["title"] == "Titre publié"
    sections = get_json(client, API + "sections/")["results"]
    assert sections[0]["items"][0]["text"] == "Texte publié"
    assert get_json(client, API + "recaps/?search=brouillon")["count"] == 0
    assert get_json(client, API + "sections/?search=brouillon")["count"] == 0
    assert [t["slug"] for t in get_json(client, API + "tags/")["results"]] == [
        "numerique"
    ]
