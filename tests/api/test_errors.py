"""Bad input: 400 with French JSON naming the parameter; never a 500."""

import random

import pytest

from tests.api.helpers import API, ENDPOINTS, get_json

pytestmark = pytest.mark.django_db

LISTS = ["recaps/", "sections/", "tags/"]


@pytest.mark.parametrize(
    "query, parameter, message",
    [
        (
            "ordering=x",
            "ordering",
            "Valeur inconnue « x ». Valeurs possibles : -date, date, "
            "-edition_number, edition_number, updated_at, -updated_at.",
        ),
        (
            "updated_after=hier",
            "updated_after",
            "Date et heure mal formées « hier » : format attendu ISO 8601, par "
            "exemple 2026-11-26T18:30:00Z.",
        ),
        (
            "updated_after=2026-13-01T00:00:00Z",
            "updated_after",
            "Date et heure mal formées « 2026-13-01T00:00:00Z » : format attendu "
            "ISO 8601, par exemple 2026-11-26T18:30:00Z.",
        ),
        (
            "updated_after=2026-11-26",
            "updated_after",
            "Date et heure mal formées « 2026-11-26 » : format attendu ISO 8601, "
            "par exemple 2026-11-26T18:30:00Z.",
        ),
        (
            "date_after=2020-13-01",
            "date_after",
            "Date mal formée « 2020-13-01 » : format attendu AAAA-MM-JJ.",
        ),
        (
            "date_before=hier",
            "date_before",
            "Date mal formée « hier » : format attendu AAAA-MM-JJ.",
        ),
        (
            "date_after=2021-01-01&date_before=2020-01-01",
            "date_after",
            "date_after est postérieure à date_before.",
        ),
        ("page_size=abc", "page_size", "Nombre entier attendu, reçu « abc »."),
        ("page_size=0", "page_size", "Doit valoir au moins 1."),
        ("page_size=2.5", "page_size", "Nombre entier attendu, reçu « 2.5 »."),
        ("page=-1", "page", "Doit valoir au moins 1."),
        ("page=last", "page", "Nombre entier attendu, reçu « last »."),
        (
            "section_type=pepites",
            "section_type",
            "Valeur inconnue « pepites ». Valeurs possibles : highlights, actions, "
            "openings, observations, reflections, questions, nuggets, takeaways, "
            "feedback, resources, text.",
        ),
        ("tag=" + "&tag=".join("abcdefghijk"), "tag", "10 valeurs au plus."),
        ("series=" + "x" * 101, "series", "Trop long : 100 caractères au plus."),
    ],
)
def test_malformed_parameters_on_recaps(client, edition, query, parameter, message):
    data = get_json(client, API + "recaps/?" + query, status=400)
    assert data["detail"] == "Paramètres de requête invalides."
    assert data["errors"][parameter] == [message]


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("sections/?type=nope", "type"),
        ("sections/?recap=abc", "recap"),
        ("sections/?recap=0", "recap"),
        ("sections/?recap=99999999999", "recap"),
        ("sections/?date_after=2020-02-30", "date_after"),
        ("tags/?ordering=count", "ordering"),
        ("tags/?page_size=-3", "page_size"),
    ],
)
def test_malformed_parameters_on_other_lists(client, edition, url, parameter):
    data = get_json(client, API + url, status=400)
    assert list(data["errors"]) == [parameter]
    assert data["errors"][parameter][0]


def test_several_errors_at_once(client, edition):
    data = get_json(
        client, API + "recaps/?ordering=x&date_after=x&page_size=x", status=400
    )
    assert set(data["errors"]) == {"ordering", "date_after", "page_size"}


def test_empty_and_unknown_parameters_are_ignored(client, edition):
    data = get_json(client, API + "recaps/?tag=&search=&ordering=&page=&foo=bar")
    assert data["count"] == 1


HOSTILE = [
    "search=%00",
    "tag=%00",
    "tag=a%00b",
    "series=%00",
    "slug=%00",
    "search=" + "%ED%A0%80" * 3,
    "tag=%ED%A0%80",
    "search=%FF%FE",
    "search=" + "a" * 5000,
    "tag=" + "b" * 5000,
    "page=" + "9" * 5000,
    "page_size=" + "9" * 5000,
    "page=99999999999999999999",
    "page_size=99999999999999999999",
    "page=1e5",
    "page_size=-0",
    "recap=99999999999999999999",
    "recap=%00",
    "date_after=99999-01-01",
    "date_after=0000-00-00",
    "date_before=2020-01-01T00:00",
    "ordering=%00",
    "ordering=-",
    "type=%00",
    "section_type=%00",
    "search=%22%27%3B--%20DROP%20TABLE",
    "search=*%3A%2A%20OR%20NOT%20AND%28%29",
    "tag[]=x&tag[0]=y",
    "format=xml",
    "page=1&page=2&page=x",
    "%00=%00",
    "search=" + "%F0%9F%98%80" * 300,
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_hostile_query_strings_never_give_500(client, edition, endpoint):
    for query in HOSTILE:
        url = API + endpoint.format(pk=edition.pk) + "?" + query
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        if response.status_code != 200 or endpoint != "docs/":
            assert response["Content-Type"].startswith(
                ("application/json", "application/vnd.oai.openapi")
            ), url
        if response.status_code == 400:
            assert response.json()["errors"], url


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_writes_are_405_in_json(client, edition, endpoint, method):
    response = getattr(client, method)(API + endpoint.format(pk=edition.pk))
    assert response.status_code == 405
    assert response.json() == {
        "detail": f"Méthode « {method.upper()} » non autorisée : cette API est "
        "en lecture seule."
    }
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_head_and_options(client, edition):
    head = client.head(API + "recaps/")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == client.get(API + "recaps/")["ETag"]
    options = client.options(API + "recaps/")
    assert options.status_code == 200
    assert options.json()["allowed_methods"] == ["GET", "HEAD", "OPTIONS"]


@pytest.mark.parametrize(
    "headers",
    [
        {"accept": "text/html; q=abc, */*;;;=="},
        {"accept": "application/xml"},
        {"if-none-match": "\x00garbage"},
        {"if-none-match": "*"},
        {"if-modified-since": "not a date"},
        {"if-modified-since": "Mon, 99 Foo 99999 99:99:99 GMT"},
        {"origin": "null"},
        {"accept-language": "zz-ZZ,;q=x"},
        {"x-forwarded-for": "\x00, ,,"},
    ],
)
def test_hostile_headers_never_give_500(client, edition, headers):
    for endpoint in ENDPOINTS:
        response = client.get(API + endpoint.format(pk=edition.pk), headers=headers)
        assert response.status_code in (200, 304, 406), (endpoint, headers)


def odd_paths(count, seed=29):
    """Paths under /api/ made of control characters, unicode, reserved and
    percent-encoded bytes, some very long, with and without a trailing slash."""
    rng = random.Random(seed)
    pieces = [
        "%0A",
        "%0D",
        "%00",
        "%09",
        "%7F",
        "%1B",
        "%FF",
        "%C3%A9",
        "%ED%A0%80",
        "%F0%9F%98%80",
        "%20",
        "%2F",
        "%3F",
        "%23",
        "%25",
        "..",
        ".",
        "é",
        "日本",
        "-1",
        "99999999999999999999",
        "v2",
        ";",
        "~",
        "'",
        "\u202e",
        "%E2%80%AE",
        "a" * 300,
    ]
    prefixes = ["/api/", "/api/v1/", "/api/v1/recaps/", "/api/v2/", "/api/v1/tags/"]
    for _ in range(count):
        path = rng.choice(prefixes) + "".join(
            rng.choice(pieces) for _ in range(rng.randint(1, 8))
        )
        if rng.random() < 0.1:
            path += "x" * rng.randint(1000, 5000)
        yield path + rng.choice(["/", "/", ""])


def test_every_odd_path_under_the_api_is_a_french_json_4xx(client, edition):
    """``/api/v1/recaps/%0A/`` answered the site's HTML 404 page."""
    for path in ["/api/v1/recaps/%0A/", "/api/v2/", "/api/", *odd_paths(150)]:
        response = client.get(path, follow=True)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response["Content-Type"] == "application/json", path
        assert response.json() == {
            "detail": "Cette adresse n’existe pas dans l’API."
        }, path
