import datetime

import pytest

from recaps.importers.structured import StructuredDataError, load_series
from recaps.models import RecapPage

DATA = {
    "series": {"slug": "serie", "title": "Série"},
    "editions": [
        {
            "slug": "premiere",
            "title": "Première",
            "edition_number": 1,
            "date": "2020-11-13",
            "tags": ["numérique"],
            "body": [
                {
                    "type": "highlights",
                    "heading": "Ce qui a été partagé",
                    "items": [{"text": "Un point", "children": [{"text": "Sous"}]}],
                }
            ],
        }
    ],
}


@pytest.mark.django_db
def test_load_series_still_creates_and_updates(root_page):
    series, created, updated = load_series(DATA, root_page)
    assert (created, updated) == (1, 0)
    page = RecapPage.objects.child_of(series).get()
    assert page.live and page.date == datetime.date(2020, 11, 13)
    assert page.item_count() == 2
    assert load_series(DATA, root_page)[1:] == (0, 1)


@pytest.mark.django_db
def test_load_series_as_drafts_creates_pages_that_are_not_live(root_page):
    series, _created, _updated = load_series(DATA, root_page, publish=False)
    page = RecapPage.objects.child_of(series).get()
    assert not page.live
    assert not RecapPage.objects.published().filter(pk=page.pk).exists()


@pytest.mark.django_db
def test_an_unknown_section_type_is_a_structured_data_error(root_page):
    data = {**DATA, "editions": [{**DATA["editions"][0], "body": [{"type": "poem"}]}]}
    with pytest.raises(StructuredDataError, match="poem"):
        load_series(data, root_page)
