"""The change feed ``/api/v1/changes/`` (``recaps.changes``) and ``updated_at``."""

import datetime
import json

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import PageLogEntry, PageViewRestriction

from recaps.models import RecapPage, Theme, WebhookDelivery, WebhookSubscription
from tests.factories import RecapSeriesPageFactory, section

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes/"
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
ENTRY_KEYS = {"version", "id", "uuid", "action", "at", "url"}


@pytest.fixture(autouse=True)
def feed_settings(settings):
    settings.RECAPS_API_THROTTLE_RATE = None
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 0


def walk(client, since=None, page_size=None):
    """Every entry from ``since`` on, following ``next`` while ``has_more``;
    returns the entries and the last cursor."""
    entries, pages = [], 0
    params = {"since": since} if since else {}
    if page_size:
        params["page_size"] = page_size
    while True:
        response = client.get(CHANGES, params)
        assert response.status_code == 200, response.content[:300]
        data = response.json()
        entries += data["results"]
        pages += 1
        assert pages < 100
        assert data["next_url"].endswith(
            f"?since={data['next']}" + (f"&page_size={page_size}" if page_size else "")
        )
        params["since"] = data["next"]
        if not data["has_more"]:
            return entries, data["next"]


def instant(entry):
    return datetime.datetime.fromisoformat(entry["at"])


def by_id(entries):
    found = {}
    for entry in entries:
        assert set(entry) == ENTRY_KEYS
        assert entry["id"] not in found, "each edition once per walk"
        found[entry["id"]] = entry
    return found


def edition(make_edition, number, **kwargs):
    kwargs.setdefault("tags", ["numérique"])
    return make_edition(
        edition_number=number,
        title=f"Édition {number}",
        date=datetime.date(2020, 1, 3) + datetime.timedelta(weeks=number),
        body=[section("nuggets", "Pépites", [f"Point {number}"])],
        **kwargs,
    )


def test_the_cursor_walks_through_every_kind_of_change(client, series, make_edition):
    # The clock ticks: every change has its own instant, as in real life.
    with time_machine.travel(T0, tick=True) as clock:
        pages = {
            name: edition(make_edition, number, tags=[f"thème {name}"])
            for number, name in enumerate(
                [
                    "changed",
                    "same",
                    "renamed",
                    "unpublished",
                    "deleted",
                    "restricted",
                    "expired",
                    "moved",
                ],
                start=1,
            )
        }
        first, cursor = walk(client)
        assert {entry["action"] for entry in first} == {"published"}
        assert set(by_id(first)) == {page.pk for page in pages.values()}
        for entry in first:
            page = RecapPage.objects.get(pk=entry["id"])
            assert entry["uuid"] == str(page.translation_key)
            assert entry["url"] == page.get_full_url()

        clock.shift(60)
        changed = RecapPage.objects.get(pk=pages["changed"].pk)
        changed.intro = "<p>Nouvelle introduction.</p>"
        changed.save_revision().publish()
        same = RecapPage.objects.get(pk=pages["same"].pk)
        same.save_revision().publish()  # nothing the public sees changes
        theme = Theme.objects.get(slug="theme-renamed")
        theme.name = "thème rebaptisé"
        theme.save()
        pages["unpublished"].unpublish()
        deleted_uuid = str(pages["deleted"].translation_key)
        pages["deleted"].delete()
        PageViewRestriction.objects.create(
            page=pages["restricted"], restriction_type="login"
        )
        RecapPage.objects.filter(pk=pages["expired"].pk).update(
            expire_at=T0 + datetime.timedelta(seconds=90)
        )
        private = RecapSeriesPageFactory(
            parent=series.get_parent(), title="Série privée", slug="privee"
        )
        PageViewRestriction.objects.create(page=private, restriction_type="login")
        pages["moved"].move(private, pos="last-child")
        scheduled = edition(make_edition, 9)
        RecapPage.objects.filter(pk=scheduled.pk).update(
            go_live_at=T0 + datetime.timedelta(seconds=100)
        )
        new = edition(make_edition, 10)

        clock.shift(60)  # past the expiry and the go-live instants
        second, cursor2 = walk(client, cursor, page_size=2)
        found = by_id(second)
        assert {pk: entry["action"] for pk, entry in found.items()} == {
            pages["changed"].pk: "updated",
            pages["renamed"].pk: "updated",
            pages["unpublished"].pk: "removed",
            pages["deleted"].pk: "removed",
            pages["restricted"].pk: "removed",
            pages["expired"].pk: "removed",
            pages["moved"].pk: "removed",
            scheduled.pk: "published",
            new.pk: "published",
        }
        # Oldest first; expiry and go-live at their own instants.
        stamps = [(entry["at"], entry["id"]) for entry in second]
        assert stamps == sorted(stamps)
        assert instant(found[pages["expired"].pk]) == T0 + datetime.timedelta(
            seconds=90
        )
        assert instant(found[scheduled.pk]) == T0 + datetime.timedelta(seconds=100)
        assert found[pages["deleted"].pk]["uuid"] == deleted_uuid
        # Removed: nothing but the id and the uuid.
        for entry in found.values():
            if entry["action"] == "removed":
                assert entry["url"] is None
        response = client.get(CHANGES, {"since": cursor})
        text = response.content.decode()
        for name in ("unpublished", "deleted", "restricted", "expired", "moved"):
            assert pages[name].slug not in text
            assert pages[name].title not in text
        assert "privee" not in text

        # Nothing new: an empty answer, whose cursor moves up to now at most.
        empty, cursor2b = walk(client, cursor2)
        assert empty == []
        assert cursor2 <= cursor2b

        clock.shift(60)
        back = RecapPage.objects.get(pk=pages["unpublished"].pk)
        back.save_revision().publish()  # same content, public again
        third, _cursor3 = walk(client, cursor2)
        assert [(entry["id"], entry["action"]) for entry in third] == [
            (back.pk, "published")
        ]


def test_since_accepts_a_datetime_and_updated_after_agrees(client, make_edition):
    with time_machine.travel(T0, tick=False) as clock:
        old = edition(make_edition, 1)
        clock.shift(3600)
        recent = edition(make_edition, 2)
        entries, _ = walk(client, "2026-11-02T09:30:00Z")
        assert [entry["id"] for entry in entries] == [recent.pk]
        entries, _ = walk(client, "2026-11-02T10:30:00+01:00")  # same instant
        assert [entry["id"] for entry in entries] == [recent.pk]
        data = client.get(
            "/api/v1/recaps/", {"updated_after": "2026-11-02T09:30:00Z"}
        ).json()
        assert [item["id"] for item in data["results"]] == [recent.pk]
        assert instant(
            {"at": data["results"][0]["updated_at"]}
        ) == T0 + datetime.timedelta(hours=1)
        data = client.get("/api/v1/recaps/", {"ordering": "-updated_at"}).json()
        assert [item["id"] for item in data["results"]] == [recent.pk, old.pk]
        data = client.get("/api/v1/recaps/", {"ordering": "updated_at"}).json()
        assert [item["id"] for item in data["results"]] == [old.pk, recent.pk]


def test_updated_at_moves_with_what_the_public_sees_only(client, series, make_edition):
    with time_machine.travel(T0, tick=False) as clock:
        page = edition(make_edition, 1)
        page.refresh_from_db()
        assert page.public_updated_at == T0

        clock.shift(60)
        RecapPage.objects.get(pk=page.pk).save_revision().publish()
        call_command("rebuild_sections", stdout=None)
        page.refresh_from_db()
        assert page.public_updated_at == T0  # unchanged republication, rebuild

        clock.shift(60)
        series.title = "Nouveau nom de la série"
        series.save_revision().publish()
        page.refresh_from_db()
        assert page.public_updated_at == T0 + datetime.timedelta(seconds=120)

        clock.shift(60)
        target = Theme.objects.create(name="lien social")
        from recaps.themes import merge_themes

        merge_themes(Theme.objects.get(slug="numerique"), target)
        page.refresh_from_db()
        assert page.public_updated_at == T0 + datetime.timedelta(seconds=180)
        data = client.get(f"/api/v1/recaps/{page.pk}/").json()
        assert instant({"at": data["updated_at"]}) == page.public_updated_at
        assert data["uuid"] == str(page.translation_key)

        # A draft copy is a new edition: its own uuid, no public state.
        copy = RecapPage.objects.get(pk=page.pk).copy(
            keep_live=False, update_attrs={"slug": "copie", "title": "Copie"}
        )
        assert copy.translation_key != page.translation_key
        assert copy.public_updated_at is None and not copy.public_fingerprint


def test_settle_window_keeps_the_cursor_behind_now(client, settings, make_edition):
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 30
    with time_machine.travel(T0, tick=False):
        page = edition(make_edition, 1)
        data = client.get(CHANGES).json()
        assert [entry["id"] for entry in data["results"]] == [page.pk]
        # The change is younger than the window: it is listed again next time.
        again = client.get(CHANGES, {"since": data["next"]}).json()
        assert [entry["id"] for entry in again["results"]] == [page.pk]
    with time_machine.travel(T0 + datetime.timedelta(seconds=31), tick=False):
        settled = client.get(CHANGES, {"since": data["next"]}).json()
        assert [entry["id"] for entry in settled["results"]] == [page.pk]
        assert client.get(CHANGES, {"since": settled["next"]}).json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        "since=hier",
        "since=12-abc",
        "since=2026-11-02",
        "since=" + "9" * 30 + "-1",
        "page_size=0",
        "page_size=x",
    ],
)
def test_malformed_parameters_answer_400_in_french(client, db, query):
    response = client.get(f"{CHANGES}?{query}")
    assert response.status_code == 400
    data = response.json()
    assert data["detail"] == "Paramètres de requête invalides."
    name = query.split("=")[0]
    assert data["errors"][name]


def test_a_draft_never_published_is_never_listed(client, make_edition):
    draft = edition(make_edition, 1, publish=False)
    draft.delete()
    assert walk(client)[0] == []
    assert not PageLogEntry.objects.filter(data__has_key="translation_key").exists()


def test_a_site_address_move_is_an_update_of_every_public_edition(
    client, make_edition, hidden_editions
):
    """``set_site_url`` changes every absolute URL: each public edition (and
    only those) gets an ``updated`` entry with its new URL and one webhook
    delivery; setting the same address again changes nothing."""
    subscription = WebhookSubscription.objects.create(
        url="https://ressources.example.org/hooks", secret="s" * 32
    )
    # After the hidden editions were made, before any of them goes live.
    start = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(start, tick=False) as clock:
        public = [edition(make_edition, number) for number in (1, 2, 3)]
        _entries, cursor = walk(client)
        before = WebhookDelivery.objects.order_by("pk").last().pk

        clock.shift(60)
        call_command("set_site_url", "https://ebullitions.example.org", stdout=None)
        entries, cursor = walk(client, since=cursor)
        found = by_id(entries)
        assert set(found) == {page.pk for page in public}
        for page in public:
            assert found[page.pk]["action"] == "updated"
            assert found[page.pk]["url"].startswith("https://ebullitions.example.org/")
            assert instant(found[page.pk]) == start + datetime.timedelta(seconds=60)
        deliveries = WebhookDelivery.objects.filter(
            subscription=subscription, pk__gt=before
        )
        sent = [json.loads(delivery.body) for delivery in deliveries]
        assert sorted((body["id"], body["action"]) for body in sent) == sorted(
            (page.pk, "updated") for page in public
        )
        assert all(
            body["url"].startswith("https://ebullitions.example.org/") for body in sent
        )
        assert not {page.pk for page in hidden_editions.values()} & set(found)

        clock.shift(60)
        count = WebhookDelivery.objects.count()
        call_command("set_site_url", "https://ebullitions.example.org", stdout=None)
        assert walk(client, since=cursor)[0] == []
        assert WebhookDelivery.objects.count() == count
