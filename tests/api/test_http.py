"""HTTP behaviour: validators and 304, cache headers, CORS, throttling."""

import datetime
import random
from unittest import mock

import pytest
from django.utils import timezone
from django.utils.http import http_date

from recaps.models import RecapPage, Theme
from tests.api.helpers import API, ENDPOINTS, get_json
from tests.factories import RecapSeriesPageFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_validators_on_every_response_and_304(client, edition, endpoint):
    url = API + endpoint.format(pk=edition.pk)
    response = client.get(url)
    assert response.status_code == 200
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"') and last_modified.endswith("GMT")
    assert response["Cache-Control"] == "public, max-age=60"
    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    since = client.get(url, headers={"if-modified-since": last_modified})
    assert since.status_code == 304
    other = client.get(url, headers={"if-none-match": '"autre"'})
    assert other.status_code == 200


def test_errors_carry_validators_too(client, edition):
    response = client.get(API + "recaps/?ordering=x")
    assert response.status_code == 400
    assert response["ETag"] and response["Last-Modified"]


@pytest.mark.parametrize(
    "conditions",
    [
        {"if-none-match": "*"},
        {"if-modified-since": http_date(2**33)},  # far in the future
        {"if-none-match": "*", "if-modified-since": http_date(2**33)},
    ],
)
def test_an_invalid_request_is_an_error_whatever_its_preconditions(
    client, edition, conditions
):
    """Preconditions count only where the answer is a success (RFC 9110,
    13.2.1): an invalid request is a 400, even twice, never a 304."""
    for url in (API + "recaps/?ordering=x", API + "oembed/?url=&maxheight=-1"):
        for _ in range(2):
            response = client.get(url, headers=conditions)
            assert response.status_code == 400, url
            assert response.json()["detail"]
    valid = client.get(API + "recaps/", headers=conditions)
    assert valid.status_code == 304


def test_max_age_comes_from_the_setting(client, edition, settings):
    settings.RECAPS_API_CACHE_MAX_AGE = 300
    assert client.get(API + "recaps/")["Cache-Control"] == "public, max-age=300"


def test_no_cookie_and_no_session_dependence(client, edition, django_user_model):
    anonymous = client.get(API + "recaps/")
    assert not anonymous.cookies
    assert "Cookie" not in anonymous.get("Vary", "")
    user = django_user_model.objects.create_superuser("admin", "a@example.org", "pw")
    client.force_login(user)
    logged_in = client.get(API + "recaps/")
    assert logged_in.content == anonymous.content
    assert logged_in["ETag"] == anonymous["ETag"]


def later(minutes):
    """Run Wagtail actions as if they happened ``minutes`` from now."""
    moment = timezone.now() + datetime.timedelta(minutes=minutes)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _changes(series, make_edition, root_page):
    """Each change that must show at once, applied to ``edition`` (a callable)."""

    def publish(page):
        make_edition(edition_number=7, title="Nouvelle", tags=["numérique"])

    def unpublish(page):
        page.unpublish()

    def delete(page):
        page.delete()

    def move(page):
        other = RecapSeriesPageFactory(parent=root_page, title="Autre", slug="autre")
        page.move(other, pos="last-child")

    def retag(page):
        page = RecapPage.objects.get(pk=page.pk)
        page.tags.set(["solidarité"])
        page.save_revision().publish()

    return {
        "publish": publish,
        "unpublish": unpublish,
        "delete": delete,
        "move": move,
        "retag": retag,
    }


@pytest.mark.parametrize("change", ["publish", "unpublish", "delete", "move", "retag"])
@pytest.mark.parametrize("endpoint", ["recaps/", "sections/", "tags/"])
def test_content_changes_show_at_once(
    client, edition, series, make_edition, root_page, change, endpoint
):
    url = API + endpoint
    before = client.get(url)
    with later(5):
        _changes(series, make_edition, root_page)[change](edition)
        after = client.get(url, headers={"if-none-match": before["ETag"]})
        by_date = client.get(
            url, headers={"if-modified-since": before["Last-Modified"]}
        )
    unchanged = {("sections/", "retag"), ("sections/", "move"), ("tags/", "move")}
    if (endpoint, change) not in unchanged:
        assert after.status_code == 200
        assert after.content != before.content
    else:
        # Sections and theme counts of a moved or retagged edition do not change…
        assert after.status_code in (200, 304)
    # …but a client relying on dates alone never keeps a stale copy.
    assert by_date.status_code == 200


def test_series_filter_follows_a_move(client, edition, root_page):
    other = RecapSeriesPageFactory(parent=root_page, title="Autre", slug="autre")
    assert get_json(client, API + "recaps/?series=autre")["count"] == 0
    edition.move(other, pos="last-child")
    assert get_json(client, API + "recaps/?series=autre")["count"] == 1


def test_scheduled_edition_going_live_moves_last_modified(client, edition):
    moment = timezone.now() + datetime.timedelta(hours=1)
    edition.go_live_at = moment
    edition.save()
    before = client.get(API + "recaps/")
    assert before.json()["count"] == 0
    with later(90):
        after = client.get(
            API + "recaps/", headers={"if-modified-since": before["Last-Modified"]}
        )
    assert after.status_code == 200 and after.json()["count"] == 1
    assert after["Last-Modified"] == http_date(moment.timestamp())


def test_cors_for_allowed_origins_only(client, edition, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://ressources.example.org"]
    allowed = client.get(
        API + "recaps/", headers={"origin": "https://ressources.example.org"}
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://ressources.example.org"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    other = client.get(API + "recaps/", headers={"origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other
    preflight = client.options(
        API + "recaps/",
        headers={
            "origin": "https://ressources.example.org",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "if-none-match" in preflight["Access-Control-Allow-Headers"]
    page = client.get("/", headers={"origin": "https://ressources.example.org"})
    assert "Access-Control-Allow-Origin" not in page


def test_throttling_answers_429_with_retry_after(client, edition, settings):
    settings.RECAPS_RESPONSE_CACHE = False  # every request runs the view
    settings.RECAPS_API_THROTTLE_RATE = "3/minute"
    for _ in range(3):
        assert client.get(API + "recaps/").status_code == 200
    response = client.get(API + "tags/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response["Cache-Control"] == "no-store"
    assert response.json()["detail"].startswith("Trop de requêtes : réessayez dans")
    other_client = client.get(API, REMOTE_ADDR="10.0.0.2")
    assert other_client.status_code == 200


def ratelimit(response):
    """``(q, w, r, t)`` from the RateLimit headers of ``response``."""
    policy = dict(
        item.split("=") for item in response["RateLimit-Policy"].split(";")[1:]
    )
    state = dict(item.split("=") for item in response["RateLimit"].split(";")[1:])
    assert response["RateLimit-Policy"].startswith('"default";')
    assert response["RateLimit"].startswith('"default";')
    return int(policy["q"]), int(policy["w"]), int(state["r"]), int(state["t"])


def test_ratelimit_headers_count_down_to_the_429(client, edition, settings):
    settings.RECAPS_RESPONSE_CACHE = False  # every request runs the view
    settings.RECAPS_API_THROTTLE_RATE = "4/minute"
    seen = []
    for url in (API + "recaps/", API + "tags/", API + "nope/", API + "sections/"):
        response = client.get(url)
        assert response.status_code in (200, 404)
        seen.append(ratelimit(response))
    assert [r for _q, _w, r, _t in seen] == [3, 2, 1, 0]
    assert {(q, w) for q, w, _r, _t in seen} == {(4, 60)}
    assert all(1 <= t <= 60 for _q, _w, _r, t in seen)
    refused = client.get(API + "recaps/")
    assert refused.status_code == 429
    q, w, r, t = ratelimit(refused)
    assert (q, w, r) == (4, 60, 0)
    assert t == int(refused["Retry-After"])
    # Another client has its own count.
    assert ratelimit(client.get(API, REMOTE_ADDR="10.0.0.2"))[2] == 3


def test_ratelimit_headers_are_never_served_to_another_client(
    client, edition, settings
):
    """The response cache keeps answers without the client's own headers: a
    hit (which does not count) carries none, a 304 from the view carries its
    client's."""
    settings.RECAPS_API_THROTTLE_RATE = "10/minute"
    first = client.get(API + "recaps/")
    assert ratelimit(first)[2] == 9
    for address in ("10.0.0.3", "10.0.0.4"):
        hit = client.get(API + "recaps/", REMOTE_ADDR=address)
        assert hit.status_code == 200 and hit.content == first.content
        assert "RateLimit" not in hit and "RateLimit-Policy" not in hit
    revalidated = client.get(
        API + "tags/", headers={"if-none-match": '"nope"'}, REMOTE_ADDR="10.0.0.5"
    )
    again = client.get(
        API + "sections/",
        headers={"if-none-match": revalidated["ETag"]},
        REMOTE_ADDR="10.0.0.5",
    )
    assert again.status_code == 200
    not_modified = client.get(
        API + "sections/",
        headers={"if-none-match": again["ETag"]},
        REMOTE_ADDR="10.0.0.6",
    )
    assert not_modified.status_code == 304
    assert "RateLimit" not in not_modified  # from the cache: not counted


def test_ratelimit_headers_on_a_304_answered_by_the_view(client, edition, settings):
    settings.RECAPS_RESPONSE_CACHE = False  # every request runs the view
    settings.RECAPS_API_THROTTLE_RATE = "10/minute"
    first = client.get(API + "recaps/")
    revalidated = client.get(API + "recaps/", headers={"if-none-match": first["ETag"]})
    assert revalidated.status_code == 304
    assert ratelimit(first)[2] == 9 and ratelimit(revalidated)[2] == 8


def test_throttling_ignores_forged_forwarded_for(client, edition, settings):
    settings.RECAPS_RESPONSE_CACHE = False  # every request runs the view
    settings.RECAPS_API_THROTTLE_RATE = "2/minute"
    for n in range(2):
        client.get(API, headers={"x-forwarded-for": f"10.1.1.{n}"})
    forged = client.get(API, headers={"x-forwarded-for": "10.9.9.9"})
    assert forged.status_code == 429


def test_throttling_behind_a_trusted_proxy(client, edition, settings):
    settings.RECAPS_RESPONSE_CACHE = False  # every request runs the view
    settings.RECAPS_API_THROTTLE_RATE = "2/minute"
    settings.REST_FRAMEWORK = {"NUM_PROXIES": 1}
    for _ in range(2):
        client.get(API, headers={"x-forwarded-for": "forged, 203.0.113.5"})
    blocked = client.get(API, headers={"x-forwarded-for": "203.0.113.5"})
    assert blocked.status_code == 429
    other = client.get(API, headers={"x-forwarded-for": "203.0.113.6"})
    assert other.status_code == 200


def test_cache_hits_and_304s_do_not_count_against_the_rate(client, edition, settings):
    settings.RECAPS_API_THROTTLE_RATE = "2/minute"
    first = client.get(API + "recaps/")
    for _ in range(5):
        assert client.get(API + "recaps/").status_code == 200  # from the cache
        again = client.get(API + "tags/", headers={"if-none-match": first["ETag"]})
        assert again.status_code == 200
        etag = again["ETag"]
        assert (
            client.get(API + "tags/", headers={"if-none-match": etag}).status_code
            == 304
        )
    # Two views have run (recaps/ and tags/): the next new request is over the rate.
    assert client.get(API + "sections/").status_code == 429


def test_throttling_can_be_disabled(client, edition, settings):
    settings.RECAPS_API_THROTTLE_RATE = None
    for _ in range(5):
        response = client.get(API)
        assert response.status_code == 200
        assert "RateLimit" not in response and "RateLimit-Policy" not in response


def test_defaults_when_the_site_sets_nothing(client, edition, settings):
    del settings.RECAPS_API_CACHE_MAX_AGE
    del settings.RECAPS_API_THROTTLE_RATE
    del settings.REST_FRAMEWORK
    response = client.get(API + "recaps/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"


#: Seeds and steps of the property test of the detail's validators.
DETAIL_SEEDS = range(6)
DETAIL_STEPS = 12


class OtherEditions:
    """Random changes to editions other than ``target`` (and to a theme it
    may carry), some near it (its neighbours change), most not."""

    def __init__(self, rng, series, other_series, make_edition, target):
        self.rng, self.series, self.other_series = rng, series, other_series
        self.make_edition, self.target = make_edition, target
        self.numbers = iter(range(100, 1000))

    def pick(self, **filters):
        pages = list(
            RecapPage.objects.exclude(pk=self.target.pk)
            .filter(**filters)
            .order_by("pk")
        )
        return self.rng.choice(pages) if pages else None

    def edit_title(self):
        page = self.pick(live=True)
        page.title = f"{page.title} bis"
        page.save_revision().publish()

    def edit_intro(self):
        page = self.pick(live=True)
        page.intro = f"<p>Intro {self.rng.random()}</p>"
        page.save_revision().publish()

    def republish_unchanged(self):
        self.pick(live=True).save_revision().publish()

    def unpublish(self):
        page = self.pick(live=True)
        if page is not None:
            page.unpublish()

    def publish_again(self):
        page = self.pick(live=False)
        if page is not None:
            page.save_revision().publish()

    def move_date(self):
        page = self.pick(live=True, path__startswith=self.series.path)
        page.date = self.target.date + datetime.timedelta(
            days=self.rng.randint(-30, 30)
        )
        page.save_revision().publish()

    def add_nearby_or_elsewhere(self):
        parent = self.rng.choice([self.series, self.other_series])
        self.make_edition(
            parent=parent,
            edition_number=next(self.numbers),
            date=self.target.date
            + datetime.timedelta(days=self.rng.choice([-200, -3, 3, 200])),
            tags=["autre"],
        )

    def delete(self):
        page = self.pick()
        if page is not None:
            page.delete()

    def rename_theme(self):
        theme = Theme.objects.get(
            slug=self.rng.choices(["autre", "cible"], weights=[3, 1])[0]
        )
        theme.name = f"{theme.name}+"
        theme.save()

    def apply(self):
        change = self.rng.choice(
            [
                self.edit_title,
                self.edit_intro,
                self.republish_unchanged,
                self.unpublish,
                self.publish_again,
                self.move_date,
                self.add_nearby_or_elsewhere,
                self.delete,
                self.rename_theme,
            ]
        )
        change()
        return change.__name__


@pytest.mark.parametrize("seed", DETAIL_SEEDS)
def test_detail_validators_change_iff_its_body_does(
    client, settings, series, make_edition, seed
):
    """Property, over seeded random changes to *other* editions: the detail's
    ETag (and Last-Modified) stays the same exactly when its JSON body does,
    a conditional request is answered 304 exactly then, and the body served
    through the response cache is never stale (the same as without it)."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    other_series = RecapSeriesPageFactory(
        parent=series.get_parent(), title="Autre série", slug="autre-serie"
    )
    start = datetime.date(2021, 1, 8)
    editions = [
        make_edition(
            edition_number=n,
            date=start + datetime.timedelta(weeks=n),
            tags=["cible"] if n == 4 else ["autre"],
        )
        for n in range(1, 8)
    ]
    make_edition(parent=other_series, edition_number=1, tags=["autre", "cible"])
    target = editions[3]
    changes = OtherEditions(rng, series, other_series, make_edition, target)
    url = API + f"recaps/{target.pk}/"
    before = client.get(url)
    seen = {"same": 0, "changed": 0}
    for step in range(DETAIL_STEPS):
        name = changes.apply()
        response = client.get(url)
        assert response.status_code == 200
        settings.RECAPS_RESPONSE_CACHE = False
        assert client.get(url).json() == response.json(), (seed, step, name)
        settings.RECAPS_RESPONSE_CACHE = True
        same_body = response.json() == before.json()
        assert (response["ETag"] == before["ETag"]) is same_body, (seed, step, name)
        if same_body:
            assert response["Last-Modified"] == before["Last-Modified"]
        revalidated = client.get(url, headers={"if-none-match": before["ETag"]})
        assert revalidated.status_code == (304 if same_body else 200)
        seen["same" if same_body else "changed"] += 1
        before = response
    # Both directions were exercised.
    assert seen["same"] and seen["changed"], seen
