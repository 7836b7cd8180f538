"""Theme curation services (recaps/themes.py): merge, refresh after a rename."""

import pytest

from recaps.models import RecapPage, Theme
from recaps.search import search_editions
from recaps.themes import merge_themes, reindex_theme_editions

pytestmark = pytest.mark.django_db


def test_rename_and_merge_update_the_search_index(make_edition):
    edition = make_edition(tags=["digital"])
    other = make_edition(tags=["isolement"])
    theme = Theme.objects.get(name="digital")
    theme.name = "numérique"
    theme.save()
    reindex_theme_editions(theme)
    published = type(edition).objects.published()
    assert list(search_editions(published, "numérique")) == [edition]
    merge_themes(Theme.objects.get(name="isolement"), theme)
    assert set(search_editions(published, "numérique")) == {edition, other}


def test_merge_rewrites_revisions_and_counts_editions_moved(make_edition):
    both = make_edition(tags=["digital", "numérique"])
    only = make_edition(tags=["digital"])
    only.save_revision()
    source, target = (
        Theme.objects.get(name="digital"),
        Theme.objects.get(name="numérique"),
    )
    assert merge_themes(source, target) == 2
    assert not Theme.objects.filter(name="digital").exists()
    for page in RecapPage.objects.filter(pk__in=[both.pk, only.pk]):
        latest = page.get_latest_revision_as_object()
        assert [theme.name for theme in latest.tags.all()] == ["numérique"]
    with pytest.raises(ValueError):
        merge_themes(target, target)
