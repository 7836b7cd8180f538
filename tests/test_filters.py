"""Date and date-and-time parameters (recaps/filters.py): whatever the string,
every surface that reads one (API lists, change feed, reader search, theme
digest PDF) answers it, never with a 5xx, on SQLite and on PostgreSQL."""

import datetime
import random
from urllib.parse import quote

import pytest

from recaps.filters import EARLIEST, LATEST, parse_iso_datetime

pytestmark = pytest.mark.django_db

SEED = 29
API = "/api/v1/"


def datetime_strings(count, seed=SEED):
    """``count`` ISO-8601-like strings: random and extreme years, months, days,
    times, fractions and offsets (up to ±30 hours, with seconds), separators."""
    rng = random.Random(seed)
    years = [0, 1, 2, 999, 1969, 1970, 2026, 9998, 9999, 10000]
    for _ in range(count):
        year = rng.choice(years) if rng.random() < 0.5 else rng.randint(0, 9999)
        month = rng.choice([1, 12, 0, 13, rng.randint(1, 12)])
        day = rng.choice([1, 28, 29, 31, 0, 32, rng.randint(1, 28)])
        hour = rng.choice([0, 23, 24, rng.randint(0, 23)])
        minute, second = rng.choice([0, 59, 60]), rng.choice([0, 59, 60])
        text = f"{year:04d}-{month:02d}-{day:02d}"
        text += rng.choice(["T", "T", "T", " ", "t", ""])
        text += f"{hour:02d}:{minute:02d}"
        if rng.random() < 0.8:
            text += f":{second:02d}"
            if rng.random() < 0.4:
                text += "." + "".join(
                    rng.choice("0123456789") for _ in range(rng.randint(1, 9))
                )
        kind = rng.choice(["Z", "", "offset", "offset", "offset", "seconds"])
        if kind in ("Z", ""):
            text += kind
        else:
            sign = rng.choice("+-")
            hours = rng.choice([0, 14, 15, 16, 23, 24, rng.randint(0, 30)])
            minutes = rng.choice([0, 30, 59, 60])
            text += f"{sign}{hours:02d}:{minutes:02d}"
            if kind == "seconds":
                text += f":{rng.randint(0, 59):02d}"
        yield text


def date_strings(count, seed=SEED):
    """``count`` YYYY-MM-DD-like strings, years 0 to 10000 and impossible days."""
    rng = random.Random(seed)
    for _ in range(count):
        year = rng.choice([0, 1, 9999, 10000, rng.randint(0, 9999)])
        month = rng.choice([0, 1, 2, 12, 13, rng.randint(1, 12)])
        day = rng.choice([0, 1, 29, 31, 32, rng.randint(1, 28)])
        yield f"{year:04d}-{month:02d}-{day:02d}"


@pytest.fixture
def content(make_edition, settings):
    settings.RECAPS_API_THROTTLE_RATE = "100000/minute"
    make_edition(edition_number=1, date=datetime.date(2020, 11, 13), tags=["numérique"])


def api_get(client, path, parameter, value):
    response = client.get(f"{API}{path}?{parameter}={quote(value)}")
    assert response.status_code in (200, 400), (path, value, response.status_code)
    assert response["Content-Type"].startswith("application/json"), (path, value)
    if response.status_code == 400:
        messages = response.json()["errors"][parameter]
        assert messages[0].startswith(("Date", "Ni un curseur")), messages
    return response


def test_offsets_postgresql_refuses_are_applied_before_querying(client, content):
    """±16:00 and beyond answered 500 on PostgreSQL (time zone displacement
    out of range); now the same instant in UTC gives the same answer."""
    same = {
        "2020-01-01T00:00:00+16:00": "2019-12-31T08:00:00Z",
        "2020-01-01T00:00:00-23:59": "2020-01-01T23:59:00Z",
        "2020-01-01T00:00:00+15:59:59.5": "2019-12-31T08:00:00.5Z",
    }
    for text, utc in same.items():
        for path, parameter in (("recaps/", "updated_after"), ("changes/", "since")):
            answer = api_get(client, path, parameter, text)
            assert answer.status_code == 200, answer.content
            expected = api_get(client, path, parameter, utc).json()["results"]
            assert answer.json()["results"] == expected


@pytest.mark.parametrize(
    "text, end",
    [
        ("0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:00:00-05:00", "9999-12-31T23:59:59.999999Z"),
        ("0001-01-01T00:00:00", "0001-01-01T00:00:00Z"),
    ],
)
def test_instants_an_offset_takes_beyond_the_range_stand_at_its_end(
    client, content, text, end
):
    """Year 1 with a positive offset answered 500 (it overflowed in UTC)."""
    for path, parameter in (("recaps/", "updated_after"), ("changes/", "since")):
        answer = api_get(client, path, parameter, text)
        assert answer.status_code == 200, answer.content
        expected = api_get(client, path, parameter, end).json()["results"]
        assert answer.json()["results"] == expected
    # A cursor beyond the last instant: nothing after it.
    beyond = api_get(client, "changes/", "since", "9" * 20 + "-1")
    assert beyond.status_code == 200
    assert beyond.json()["results"] == []


def test_parsed_instants_are_in_utc_within_the_range():
    parsed = 0
    for text in datetime_strings(2000):
        value = parse_iso_datetime(text)
        if value is None:
            continue
        parsed += 1
        assert value.utcoffset() == datetime.timedelta(0), text
        assert EARLIEST <= value <= LATEST, text
    assert 100 < parsed < 2000


@pytest.mark.parametrize(
    "path, parameter",
    [("recaps/", "updated_after"), ("changes/", "since")],
)
def test_generated_date_times_never_give_a_server_error(
    client, content, path, parameter
):
    statuses = {
        api_get(client, path, parameter, text).status_code
        for text in datetime_strings(80)
    }
    assert statuses == {200, 400}  # the generator reaches both answers


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("recaps/", "date_after"),
        ("recaps/", "date_before"),
        ("sections/", "date_after"),
        ("sections/", "date_before"),
    ],
)
def test_generated_dates_never_give_a_server_error(client, content, path, parameter):
    statuses = {
        api_get(client, path, parameter, text).status_code for text in date_strings(40)
    }
    assert statuses == {200, 400}


def test_reader_search_reports_generated_dates_as_form_errors(client, content):
    """The reader search drops a bad filter with a French message, never a 500."""
    strings = [
        *(("updated_after", text) for text in datetime_strings(30)),
        *(("date_after", text) for text in date_strings(20)),
    ]
    dropped = 0
    for parameter, text in strings:
        response = client.get(f"/search/?query=numerique&{parameter}={quote(text)}")
        assert response.status_code == 200, (parameter, text)
        if "a été ignoré" in response.content.decode():
            dropped += 1
    assert 0 < dropped < len(strings)


def test_theme_digest_answers_generated_dates_without_a_server_error(client, content):
    """Malformed dates: the French 400 page; valid ones: the PDF (or the 503
    page where WeasyPrint cannot load)."""
    url = "/ebullitions/themes/numerique/pdf/"
    statuses = set()
    for text in [*date_strings(6), "0001-01-01", "9999-12-31"]:
        response = client.get(f"{url}?date_after={quote(text)}")
        assert response.status_code in (200, 400, 503), (text, response.status_code)
        statuses.add(response.status_code)
    assert 400 in statuses and statuses - {400}
