"""Nothing that is not public at this instant shows on any public surface.

One edition in each of ten states sits between two published editions of the
series. Its title, intro, sections, its own theme and its URL must appear on no
public surface (pages, theme pages, search, feeds, sitemap, JSON-LD, API, the
404 page's suggestions), its own URL must answer 404 (or the restriction's
login or password page), and every count must only count the published
editions.
"""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from pypdf import PdfReader
from wagtail.models import PageViewRestriction

from recaps.models import RecapPage
from tests.factories import section

pytestmark = pytest.mark.django_db

API = "/api/v1/"
SECRET = "motsecret"
HIDDEN_THEME = "zèbre caché"
HIDDEN_THEME_SLUG = "zebre-cache"
HIDDEN_SLUG = "edition-cachee"
LOGIN_URLS = ("/_util/login/", "/admin/login/")
RESTRICTED = {"password", "login", "groups", "private_series"}
STATES = [
    "draft",
    "unpublished",
    "scheduled_live",
    "scheduled_not_live",
    "expired_live",
    "password",
    "login",
    "groups",
    "private_series",
    "newer_draft",
]


@pytest.fixture(autouse=True)
def no_throttle(settings):
    """Dozens of API requests per test: a rate the test never reaches."""
    settings.RECAPS_API_THROTTLE_RATE = None


def _restrict(page, kind):
    restriction = PageViewRestriction.objects.create(
        page=page,
        restriction_type=kind,
        password="x" if kind == "password" else "",  # noqa: S106
    )
    if kind == "groups":
        restriction.groups.add(Group.objects.create(name="Équipe"))


def _hidden_content():
    return {
        "title": f"Édition {SECRET}",
        "intro": f"<p>Intro {SECRET}</p>",
        "body": [section("nuggets", f"Pépites {SECRET}", [f"Un {SECRET}"])],
    }


def make_edition_in_state(state, make_edition, series):
    """The edition in ``state``, dated between the two published ones."""
    now = timezone.now()
    common = {
        "edition_number": 2,
        "slug": HIDDEN_SLUG,
        "date": datetime.date(2020, 11, 20),
    }
    if state == "newer_draft":
        # Published with public content; the secret is in a newer draft only.
        page = make_edition(title="Édition publique", tags=["numérique"], **common)
        page = RecapPage.objects.get(pk=page.pk)
        for name, value in _hidden_content().items():
            setattr(page, name, value)
        page.tags.set(["numérique", HIDDEN_THEME])
        page.save_revision()
        return page
    page = make_edition(
        tags=["numérique", HIDDEN_THEME],
        publish=state != "draft",
        **common,
        **_hidden_content(),
    )
    if state == "unpublished":
        page.unpublish()
    elif state == "scheduled_live":
        RecapPage.objects.filter(pk=page.pk).update(
            go_live_at=now + datetime.timedelta(days=1)
        )
    elif state == "scheduled_not_live":
        page.unpublish()
        page = RecapPage.objects.get(pk=page.pk)
        page.go_live_at = now + datetime.timedelta(days=1)
        page.save_revision().publish()
    elif state == "expired_live":
        RecapPage.objects.filter(pk=page.pk).update(
            expire_at=now - datetime.timedelta(hours=1)
        )
    elif state in ("password", "login", "groups"):
        _restrict(page, state)
    elif state == "private_series":
        _restrict(series, "login")
    page.refresh_from_db()
    return page


def public_surfaces(series, first, third, hidden):
    """Every public URL that lists, counts or links editions or themes."""
    base = series.url
    hidden_theme = f"{base}themes/{HIDDEN_THEME_SLUG}/"
    return {
        "listing": [
            "/",
            base,
            first.url,
            third.url,
            f"{base}themes/",
            f"{base}themes/numerique/",
            f"{base}feed/rss/",
            f"{base}feed/atom/",
            f"{base}themes/numerique/feed/rss/",
            f"{base}themes/numerique/feed/atom/",
            f"{base}feed/json/",
            f"{base}themes/numerique/feed/json/",
            f"{base}themes/numerique/pdf/",
            f"{base}themes/numerique/pdf/?date_after=2020-11-01",
            "/search/",
            f"/search/?query={SECRET}",
            "/search/?query=moment",
            "/search/?tag=numerique",
            f"/search/?tag={HIDDEN_THEME_SLUG}",
            f"/search/?query={SECRET}&tag={HIDDEN_THEME_SLUG}",
            "/search/?type=nuggets",
            "/search/?date_after=2020-11-01&date_before=2020-12-31",
            "/sitemap.xml",
            API,
            API + "recaps/",
            API + "recaps/?ordering=date&page_size=100",
            API + f"recaps/?search={SECRET}",
            API + "recaps/?tag=numerique",
            API + f"recaps/?tag={HIDDEN_THEME_SLUG}",
            API + f"recaps/{first.pk}/",
            API + f"recaps/{third.pk}/",
            API + "sections/",
            API + f"sections/?search={SECRET}",
            API + "sections/?type=nuggets",
            API + f"sections/?recap={hidden.pk}",
            API + "tags/",
            API + "tags/?ordering=-recap_count",
            API + "changes/",
            API + "changes/?since=2000-01-01T00:00:00Z&page_size=1",
            API + "recaps/?updated_after=2000-01-01T00:00:00Z&ordering=-updated_at",
        ],
        "hidden_only": [
            hidden_theme,
            hidden_theme + "feed/rss/",
            hidden_theme + "feed/atom/",
            hidden_theme + "feed/json/",
            hidden_theme + "pdf/",
        ],
        "own": [
            hidden.url,
            hidden.url.rstrip("/"),
            hidden.url + "?page=1",
            hidden.url + "pdf/",
        ],
    }


def response_text(response):
    """The text of a response; of a PDF, the text a reader sees in it."""
    if response.get("Content-Type") == "application/pdf":
        reader = PdfReader(io.BytesIO(response.content))
        text = " ".join(page.extract_text() for page in reader.pages)
        return text + str(reader.metadata)
    return response.content.decode()


def assert_nothing_hidden(response, url, hidden, newer_draft):
    text = response_text(response)
    markers = [SECRET, HIDDEN_THEME, HIDDEN_THEME_SLUG, HIDDEN_SLUG]
    if newer_draft:
        # The edition is published: its URL may be listed, its draft may not.
        markers.remove(HIDDEN_SLUG)
    for marker in markers:
        # A marker echoed from the request itself (a query parameter) is no leak.
        if marker in url:
            continue
        assert marker not in text, (url, marker)
        assert marker not in response.get("Location", ""), (url, marker)
    if url.startswith(API) and not newer_draft:
        assert not re.search(rf"/{hidden.pk}/(?!\d)", text), url


@pytest.mark.parametrize("state", STATES)
def test_edition_not_public_now_shows_on_no_public_surface(
    client, series, make_edition, state
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
        tags=["numérique"],
        body=[section("questions", "Questions", ["Une question"])],
    )
    hidden = make_edition_in_state(state, make_edition, series)
    newer_draft = state == "newer_draft"
    private_series = state == "private_series"
    surfaces = public_surfaces(series, first, third, hidden)

    for url in surfaces["listing"]:
        response = client.get(url)
        if private_series and url.startswith(series.url):
            assert response.status_code == 302, url
            assert response["Location"].startswith(LOGIN_URLS), url
        elif private_series and re.fullmatch(rf"{API}recaps/\d+/", url):
            assert response.status_code == 404, url
        else:
            assert response.status_code == 200, url
        assert_nothing_hidden(response, url, hidden, newer_draft)

    for url in surfaces["hidden_only"]:
        response = client.get(url)
        expected = 302 if private_series else 404
        assert response.status_code == expected, url
        assert_nothing_hidden(response, url, hidden, newer_draft)

    # The 404 page suggests the latest editions and themes: public ones only.
    response = client.get("/page-introuvable/")
    assert response.status_code == 404
    assert_nothing_hidden(response, "/page-introuvable/", hidden, newer_draft)
    assert (third.title in response.content.decode()) == (not private_series)

    for url in surfaces["own"]:
        response = client.get(url, follow=True)
        text = response_text(response)
        if newer_draft:
            assert response.status_code == 200, url
            assert "Édition publique" in text, url
        elif state == "password":
            assert response.status_code == 200, url
            assert 'name="password"' in text, url
        elif state in RESTRICTED:
            assert response.redirect_chain[-1][0].startswith(LOGIN_URLS), url
        else:
            assert response.status_code == 404, url
            assert client.head(url, follow=True).status_code == 404, url
        assert SECRET not in text and HIDDEN_THEME not in text, url

    # Counts count the published editions only.
    visible = 0 if private_series else 3 if newer_draft else 2
    assert client.get(API + "recaps/").json()["count"] == visible
    assert client.get(API + f"recaps/{hidden.pk}/").status_code == (
        200 if newer_draft else 404
    )
    # The change feed names a hidden edition by its id and uuid only.
    changes = client.get(API + "changes/").json()["results"]
    entries = {entry["id"]: entry for entry in changes}
    if newer_draft:
        assert entries[hidden.pk]["action"] == "published"
    elif state == "draft":
        assert hidden.pk not in entries
    else:
        entry = entries[hidden.pk]
        assert entry["action"] == "removed" and entry["url"] is None
        assert entry["uuid"] == str(hidden.translation_key)
    published = {pk for pk, entry in entries.items() if entry["action"] != "removed"}
    assert len(published) == visible
    tags = client.get(API + "tags/").json()["results"]
    expected_tags = [("numerique", visible)] if visible else []
    assert [(t["slug"], t["recap_count"]) for t in tags] == expected_tags
    if not private_series:
        themes_page = client.get(f"{series.url}themes/").content.decode()
        assert f"({visible} éditions)" in themes_page
        first_page = client.get(first.url).content.decode()
        next_edition = hidden if newer_draft else third
        assert f'rel="next" href="{next_edition.url}"' in first_page
        rss = client.get(f"{series.url}feed/rss/").content.decode()
        assert rss.count("<item>") == visible
        json_feed = client.get(f"{series.url}feed/json/").json()
        assert len(json_feed["items"]) == visible
        sitemap = client.get("/sitemap.xml").content.decode()
        assert (HIDDEN_SLUG in sitemap) == newer_draft
        results = client.get("/search/?tag=numerique").content.decode()
        assert third.title in results and first.title in results
