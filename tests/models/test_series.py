"""Questions asked of a series (recaps/models/series.py) when an edition is
started or copied: next number, next (free) Friday, a free slug."""

import datetime

import pytest

from recaps.models.series import FRIDAY, next_friday

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 11, 23), datetime.date(2026, 11, 27)),  # Monday
        (datetime.date(2026, 11, 27), datetime.date(2026, 11, 27)),  # Friday
        (datetime.date(2026, 11, 28), datetime.date(2026, 12, 4)),  # Saturday
    ],
)
def test_next_friday_counts_a_friday_as_its_own_next_friday(day, expected):
    assert next_friday(day) == expected
    assert next_friday(day, strictly_after=True) > day


def test_next_edition_number_counts_drafts_and_starts_at_one(series, make_edition):
    assert series.next_edition_number() == 1
    make_edition(edition_number=3)
    make_edition(edition_number=7, publish=False)
    assert series.next_edition_number() == 8


def test_next_free_friday_skips_the_fridays_taken(series, make_edition):
    first = make_edition(edition_number=1, date=datetime.date(2021, 1, 8))
    make_edition(edition_number=2, date=datetime.date(2021, 1, 15))
    free = series.next_free_friday(first.date)
    assert (free, free.weekday()) == (datetime.date(2021, 1, 22), FRIDAY)
    # A Friday taken by the edition left aside counts as free.
    second = series.next_free_friday(datetime.date(2021, 1, 9))
    assert second == datetime.date(2021, 1, 22)
    assert series.next_free_friday(datetime.date(2021, 1, 9), exclude=first) == (
        datetime.date(2021, 1, 22)
    )


def test_next_free_friday_may_reuse_the_excluded_editions_friday(series, make_edition):
    taken = make_edition(edition_number=1, date=datetime.date(2021, 1, 15))
    after = datetime.date(2021, 1, 8)
    assert series.next_free_friday(after) == datetime.date(2021, 1, 22)
    assert series.next_free_friday(after, exclude=taken) == datetime.date(2021, 1, 15)


def test_unique_slug_counts_up_past_the_slugs_of_the_series(series, make_edition):
    assert series.unique_slug("edition") == "edition"
    page = make_edition(edition_number=1, slug="edition")
    make_edition(edition_number=2, slug="edition-2", publish=False)
    assert series.unique_slug("edition") == "edition-3"
    assert series.unique_slug("edition", exclude=page) == "edition"
    assert series.unique_slug("edition", used={"edition", "edition-2"}) == "edition-3"
    assert series.unique_slug("autre", used={"edition"}) == "autre"


def test_next_edition_values_of_a_copy(series, make_edition):
    source = make_edition(
        edition_number=4, slug="petite-ebullition-4", date=datetime.date(2021, 1, 8)
    )
    make_edition(edition_number=5, slug="autre", date=datetime.date(2021, 1, 15))
    assert series.next_edition_values(source) == {
        "edition_number": 6,
        "date": datetime.date(2021, 1, 22),
        "slug": "petite-ebullition-6",
    }
    numberless = make_edition(edition_number=6, slug="6", publish=False)
    assert series.next_edition_values(numberless)["slug"] == "edition-7"
