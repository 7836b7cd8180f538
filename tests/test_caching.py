"""Every public surface is served from the content version: never stale.

Responses are cached and validated by :class:`recaps.models.ContentVersion`;
these tests publish, unpublish, expire and read immediately on every surface.
"""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from recaps.caching import cached_view
from recaps.models import ContentVersion, RecapPage, Theme
from recaps.throttling import RATELIMIT_HEADERS
from tests.factories import section

pytestmark = pytest.mark.django_db

SURFACES = [
    "/ebullitions/",
    "/ebullitions/{slug}/",
    "/ebullitions/themes/",
    "/ebullitions/themes/numerique/",
    "/ebullitions/feed/rss/",
    "/ebullitions/feed/atom/",
    "/ebullitions/themes/numerique/feed/rss/",
    "/ebullitions/feed/json/",
    "/ebullitions/themes/numerique/feed/json/",
    "/sitemap.xml",
    "/search/?query=ebullition",
    "/api/v1/recaps/",
    "/api/v1/recaps/{pk}/",
    "/api/v1/sections/",
    "/api/v1/tags/",
]


@pytest.fixture
def first(make_edition):
    return make_edition(
        edition_number=1,
        title="Première ébullition",
        date=datetime.date(2020, 11, 13),
        tags=["numérique"],
        body=[section("nuggets", "Pépites", ["Un atelier numérique"])],
    )


def url_of(surface, page):
    return surface.format(slug=page.slug, pk=page.pk)


def get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


@pytest.mark.parametrize("surface", SURFACES)
def test_second_read_comes_from_the_cache_and_304_from_the_version(
    client, first, surface
):
    url = url_of(surface, first)
    response, _ = get(client, url)
    assert response.status_code == 200, url
    hit, queries = get(client, url)
    assert hit.status_code == 200 and hit.content == response.content
    # The content version alone: an edition's own validators are remembered
    # for the version, so neither a hit nor a 304 reads a page.
    assert queries == 1, (url, queries)
    assert hit["ETag"] == response["ETag"]
    not_modified, queries = get(client, url, if_none_match=response["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert queries == 1, (url, queries)
    since, _ = get(client, url, if_modified_since=response["Last-Modified"])
    assert since.status_code == 304


#: Surfaces naming the second edition (its slug on the sitemap) and themes.
NAMES_EDITIONS = [
    s for s in SURFACES if s not in ("/ebullitions/themes/", "/api/v1/tags/")
]
NAMES_THEMES = [
    "/ebullitions/",
    "/ebullitions/{slug}/",
    "/ebullitions/themes/",
    "/search/?query=ebullition",
    "/api/v1/recaps/",
    "/api/v1/recaps/{pk}/",
    "/api/v1/tags/",
]


def second_edition(make_edition, **kwargs):
    return make_edition(
        edition_number=2,
        title="Deuxième ébullition",
        slug="deuxieme-ebullition",
        date=datetime.date(2020, 11, 20),
        tags=["numérique"],
        body=[section("nuggets", "Pépites", ["Une idée ébullition"])],
        **kwargs,
    )


def names_second(response, surface):
    marker = "deuxieme-ebullition" if "sitemap" in surface else "Deuxième ébullition"
    return marker.encode() in response.content


@pytest.mark.parametrize("surface", NAMES_EDITIONS)
def test_publish_and_unpublish_show_at_once(client, first, make_edition, surface):
    url = url_of(surface, first)
    assert not names_second(client.get(url), surface)
    second = second_edition(make_edition)
    assert names_second(client.get(url), surface)
    second.unpublish()
    assert not names_second(client.get(url), surface)


@pytest.mark.parametrize("surface", NAMES_THEMES)
def test_theme_rename_shows_at_once(client, first, surface):
    url = url_of(surface, first)
    assert b"inclusion" not in client.get(url).content
    theme = Theme.objects.get(slug="numerique")
    theme.name = "inclusion numérique"
    theme.save()
    assert "inclusion numérique".encode() in client.get(url).content


@pytest.mark.parametrize("surface", NAMES_EDITIONS)
def test_nothing_is_served_after_an_expiry_time(client, first, make_edition, surface):
    soon = timezone.now() + datetime.timedelta(minutes=5)
    expiring = second_edition(make_edition)
    expiring.expire_at = soon
    expiring.save()
    url = url_of(surface, first)
    assert names_second(client.get(url), surface)
    with time_machine.travel(soon + datetime.timedelta(seconds=1), tick=False):
        later = client.get(url)
    assert later.status_code == 200
    assert not names_second(later, surface)


def test_an_edition_going_live_appears_at_its_time(client, first, make_edition):
    soon = timezone.now() + datetime.timedelta(minutes=5)
    scheduled = make_edition(edition_number=2, title="Deuxième ébullition")
    scheduled.go_live_at = soon
    scheduled.save()
    assert b"Deuxi" not in client.get("/api/v1/recaps/").content
    with time_machine.travel(soon + datetime.timedelta(seconds=1), tick=False):
        assert "Deuxième".encode() in client.get("/api/v1/recaps/").content


def test_editors_are_never_served_nor_stored(client, first, django_user_model):
    url = f"/ebullitions/{first.slug}/"
    editor = django_user_model.objects.create_superuser("ed", "e@example.org", "pw")
    client.force_login(editor)
    _, editor_queries = get(client, url)
    _, again = get(client, url)
    assert editor_queries > 3 and again > 3  # the page ran both times
    client.logout()
    _, anonymous = get(client, url)
    assert anonymous > 3  # nothing was stored by the editor's requests


def test_restricted_pages_are_never_cached(client, first):
    PageViewRestriction.objects.create(
        page=first,
        restriction_type=PageViewRestriction.PASSWORD,
        password="secret",  # noqa: S106
    )
    url = f"/ebullitions/{first.slug}/"
    form, _ = get(client, url)
    assert b"Un atelier" not in form.content
    _, queries = get(client, url)
    assert queries > 3  # not from the cache
    assert b"Un atelier" not in client.get(f"/api/v1/recaps/{first.pk}/").content


def test_the_cache_can_be_turned_off(client, first, settings):
    settings.RECAPS_RESPONSE_CACHE = False
    client.get("/api/v1/recaps/")
    _, queries = get(client, "/api/v1/recaps/")
    assert queries > 3


def test_detail_validators_are_per_edition(client, first, make_edition):
    url = f"/api/v1/recaps/{first.pk}/"
    before = client.get(url)
    # HTTP dates count whole seconds: the neighbour arrives a minute later.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
        other = make_edition(
            edition_number=5, title="Autre", date=datetime.date(2021, 6, 4)
        )
        after_other = client.get(url)
        assert after_other["Last-Modified"] != before["Last-Modified"]  # neighbour
        # Saving a draft of another edition changes nothing public.
        draft = RecapPage.objects.get(pk=other.pk)
        draft.title = "Autre (brouillon)"
        draft.save_revision()
        unchanged = client.get(url, headers={"if-none-match": after_other["ETag"]})
    assert unchanged.status_code == 304


@pytest.mark.parametrize("surface", ["/ebullitions/{slug}/", "/api/v1/recaps/{pk}/"])
def test_hits_and_304s_carry_what_the_whole_stack_adds(client, first, surface):
    """Hits are answered before sessions, CSRF, security headers and the
    view: the stored response keeps every header those added (but the rate
    limit's, which are the first client's own), and a 304 the validators and
    cache policy of the 200."""
    url = url_of(surface, first)
    response = client.get(url)
    hit = client.get(url)
    added = [
        "Content-Type",
        "Content-Security-Policy",
        "X-Frame-Options",
        "ETag",
        "Last-Modified",
    ]
    assert all(response.has_header(name) for name in added)
    for name, value in response.items():
        if name in RATELIMIT_HEADERS:  # the first client's own, not counted
            assert not hit.has_header(name)
        else:
            assert hit[name] == value, name
    not_modified = client.get(url, headers={"if-none-match": response["ETag"]})
    assert not_modified.status_code == 304
    for name in ("ETag", "Last-Modified", "Cache-Control"):
        assert not_modified.get(name) == response.get(name), name


def test_a_validator_only_entry_still_gives_the_body(client, first):
    """A version's first request may be conditional (a 304 keeps only the
    validators): the next plain request still gets the whole response."""
    url = f"/api/v1/recaps/{first.pk}/"
    etag = client.get(url)["ETag"]
    ContentVersion.bump(shared=False)  # a change elsewhere: a new version
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    response = client.get(url)
    assert response.status_code == 200 and b"Premi" in response.content
    hit, queries = get(client, url)
    assert hit.content == response.content and queries == 1


@pytest.mark.parametrize(
    ("path", "cached"),
    [
        ("/api/v1/recaps/", True),
        ("/api/v1/recaps/1/", True),
        ("/api/v1/nowhere/", True),
        ("/search/", True),
        ("/ebullitions/", True),
        ("/healthz", False),
        ("/robots.txt", False),
        ("/admin/login/", False),
    ],
)
def test_only_views_served_through_the_version_pay_its_read(rf, path, cached):
    assert bool(cached_view(rf.get(path))) is cached


def test_a_view_outside_the_cache_costs_no_version_read(client, first):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/robots.txt").status_code == 200
    assert not any("recaps_contentversion" in query["sql"] for query in queries)


def test_a_response_depending_on_the_clock_is_not_kept_past_its_time(
    client, first, settings
):
    """The change feed renews its cursor every settle window: a kept answer
    is served within the window, never after it, though no version changed."""
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 30
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(
        minutes=1
    )
    with time_machine.travel(start, tick=False):
        fresh, _ = get(client, "/api/v1/changes/")
        hit, queries = get(client, "/api/v1/changes/")
        assert hit.content == fresh.content and queries == 1
    with time_machine.travel(start + datetime.timedelta(seconds=31), tick=False):
        later, queries = get(client, "/api/v1/changes/")
    assert queries > 1  # the view ran again
    assert later["ETag"] != fresh["ETag"]


def test_a_hung_redis_costs_one_timeout_per_interval_not_per_call(
    client, first, hung_redis, settings
):
    """Redis accepts connections and never answers: the first cache call
    waits for its timeout, then every process skips Redis until the retry
    interval has passed; pages and the API are served all the same (the API
    without throttle)."""
    settings.RECAPS_API_THROTTLE_RATE = "2/minute"
    urls = [url_of(surface, first) for surface in SURFACES]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for url in urls:
            assert client.get(url).status_code == 200, url
    interval = settings.CACHES["default"]["OPTIONS"]["RETRY_INTERVAL"]
    almost = start + datetime.timedelta(seconds=interval - 1)
    with time_machine.travel(almost, tick=False):
        for url in urls:
            assert client.get(url).status_code == 200, url
    # Each request makes several cache calls: one connection in all.
    assert hung_redis.connections() == 1
    after = start + datetime.timedelta(seconds=interval + 1)
    with time_machine.travel(after, tick=False):
        hung_redis.answer()
        # Redis is tried again and answers: the cache and the throttle are back.
        page = url_of("/ebullitions/{slug}/", first)
        assert client.get(page).status_code == 200
        hit, queries = get(client, page)
        assert hit.status_code == 200 and queries == 1
        statuses = [
            client.get(f"/api/v1/recaps/?page_size={size}").status_code
            for size in (1, 2, 3)
        ]
        assert statuses == [200, 200, 429]
    assert hung_redis.connections() == 2


def test_readers_asking_for_an_answer_being_made_wait_for_it(rf, monkeypatch, first):
    """After a publication every reader misses at once: one request makes each
    answer, the others asking for it meanwhile get the one it keeps, and the
    view runs once. An answer that may not be kept (here a 503) lets the
    waiting request make its own as soon as the lock is given back."""
    import threading

    from django.http import HttpResponse

    from recaps import caching

    made = threading.Event()
    release = threading.Event()
    waiting = threading.Event()
    calls = []
    status = {"code": 200}

    def view(request):
        calls.append(request)
        made.set()
        assert release.wait(30)
        response = HttpResponse(f"answer {len(calls)}", status=status["code"])
        response.recaps_keep = status["code"] == 200
        response["ETag"] = '"e"'
        return response

    pause = caching._pause

    def observed_pause():
        waiting.set()
        pause()

    version = ContentVersion.current()
    monkeypatch.setattr(caching, "_pause", observed_pause)
    monkeypatch.setattr(caching, "cached_view", lambda request: True)
    monkeypatch.setattr(caching, "current_version", lambda request: version)
    middleware = caching.ResponseCacheMiddleware(view)

    def ask(answers, path):
        request = rf.get(path)
        setattr(request, caching.VERSION_ATTRIBUTE, "v-test")
        answers.append(middleware(request))

    for code, path, expected_calls in ((200, "/a/", 1), (503, "/b/", 2)):
        status["code"] = code
        calls.clear()
        made.clear(), release.clear(), waiting.clear()
        answers = []
        maker = threading.Thread(target=ask, args=(answers, path))
        maker.start()
        assert made.wait(30)
        other = threading.Thread(target=ask, args=(answers, path))
        other.start()
        assert waiting.wait(30)  # the second request waits for the first
        assert len(calls) == 1
        release.set()
        maker.join(30), other.join(30)
        assert len(calls) == expected_calls, path
        assert [answer.status_code for answer in answers] == [code, code]
        if code == 200:
            assert {answer.content for answer in answers} == {b"answer 1"}
