"""The edition page: where it may live, its derived data, previous and next."""

import datetime
import random

import pytest
from wagtail.models import Page

from recaps.models import RecapPage, RecapPageTag, RecapSeriesPage, Theme
from tests.factories import RecapPageFactory, section

pytestmark = pytest.mark.django_db


def test_edition_lives_only_under_a_series(series, root_page):
    assert RecapPage.can_exist_under(series)
    assert not RecapPage.can_exist_under(root_page)
    assert not RecapPage.can_exist_under(Page.get_first_root_node())
    assert RecapSeriesPage.allowed_subpage_models() == [RecapPage]
    assert RecapPage.allowed_subpage_models() == []


def test_series_holds_any_number_of_editions(make_edition, series):
    for _ in range(5):
        make_edition()
    assert RecapPage.objects.child_of(series).count() == 5


def test_section_types_and_item_count(make_edition):
    edition = make_edition(
        body=[
            section("highlights", items=["a", ("b", ["b1", "b2"])]),
            section("text", intro="<p>Bilan</p>"),
            section("highlights", items=["c"]),
            section("nuggets", items=["d"]),
        ]
    )
    assert edition.section_types == ["highlights", "text", "nuggets"]
    assert edition.item_count() == 6


def test_previous_and_next_skip_unpublished_editions(make_edition):
    first = make_edition(edition_number=1, date=datetime.date(2020, 11, 13))
    draft = make_edition(
        edition_number=2, date=datetime.date(2020, 11, 20), publish=False
    )
    third = make_edition(edition_number=3, date=datetime.date(2020, 11, 27))
    previous, following = first.get_neighbours()
    assert previous is None and following["id"] == third.pk
    assert following["url"] == third.url
    assert third.get_neighbours()[0]["id"] == first.pk
    # A draft (or a preview) is placed among the public editions by its date.
    assert [ref and ref["id"] for ref in draft.get_neighbours()] == [first.pk, third.pk]
    assert draft.pk not in [e.pk for e in RecapSeriesPage.objects.get().editions()]


def test_themes_have_ascii_slugs_and_one_canonical_name(make_edition):
    make_edition(tags=["Numérique ", "santé  mentale"])
    assert set(Theme.objects.values_list("name", "slug")) == {
        ("numérique", "numerique"),
        ("santé mentale", "sante-mentale"),
    }


def test_series_lists_editions_newest_first(make_edition, series):
    old = make_edition(edition_number=1, date=datetime.date(2020, 11, 13))
    new = make_edition(edition_number=2, date=datetime.date(2020, 11, 20))
    assert [e.pk for e in series.editions()] == [new.pk, old.pk]


def test_factory_refuses_a_page_without_parent():
    with pytest.raises(ValueError):
        RecapPageFactory()


def test_published_excludes_drafts_scheduled_expired_and_private(make_edition):
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import PageViewRestriction

    visible = make_edition()
    make_edition(publish=False)
    make_edition(go_live_at=timezone.now() + timedelta(days=2))
    make_edition(expire_at=timezone.now() - timedelta(minutes=1))
    private = make_edition()
    PageViewRestriction.objects.create(
        page=private, restriction_type="password", password="secret"
    )
    assert list(RecapPage.objects.published()) == [visible]


def test_theme_counts_only_published_editions(make_edition):
    from recaps.models.themes import themes_with_counts

    make_edition(tags=["numérique", "isolement"])
    make_edition(tags=["numérique"])
    make_edition(tags=["numérique", "brouillon"], publish=False)
    counts = {
        theme.name: theme.recap_count
        for theme in themes_with_counts(RecapPage.objects.published())
    }
    assert counts == {"isolement": 1, "numérique": 2}


def test_easy_summary_is_optional_short_and_plain(make_edition):
    from django.core.exceptions import ValidationError

    from recaps.models.edition import SUMMARY_EASY_MAX_LENGTH

    edition = make_edition(edition_number=1)
    assert edition.summary_easy == ""
    edition.full_clean()
    field = RecapPage._meta.get_field("summary_easy")
    assert str(field.verbose_name) == "l’essentiel en mots simples"
    assert "une seule idée par phrase" in str(field.help_text)
    edition.summary_easy = "a" * SUMMARY_EASY_MAX_LENGTH
    edition.full_clean()
    edition.summary_easy += "a"
    with pytest.raises(ValidationError) as error:
        edition.full_clean()
    assert "summary_easy" in error.value.message_dict


@pytest.mark.parametrize(
    "typed",
    [
        "Une phrase.\r\nUne autre phrase.",
        "Une phrase.\rUne autre phrase.",
        "  Une phrase.  \r\n Une autre phrase.\r\n\r\n",
        "Une phrase.\nUne autre phrase.",
    ],
)
def test_easy_summary_line_breaks_are_kept_one_way(make_edition, typed):
    edition = make_edition(edition_number=1)
    edition.summary_easy = typed
    edition.save_revision().publish()
    edition.refresh_from_db()
    assert edition.summary_easy == "Une phrase.\nUne autre phrase."


def test_theme_slugs_keep_word_boundaries(db):
    from recaps.models import Theme

    assert Theme.objects.create(name="6.1").slug == "6-1"
    assert Theme.objects.create(name="l’accès aux droits").slug == "l-acces-aux-droits"


@pytest.mark.parametrize("seed", range(4))
def test_themes_come_in_the_order_they_were_added_however_they_are_read(
    seed, make_edition, client
):
    """Prefetched (lists, theme pages, feeds) or not, an edition's themes come
    in the order of their links. Rewriting links moves them in PostgreSQL's
    heap, where an unordered query would meet them in another order."""
    rng = random.Random(seed)
    names = [f"thème {n}" for n in range(12)]
    editions = [
        make_edition(edition_number=number, tags=rng.sample(names, rng.randint(2, 7)))
        for number in range(1, 7)
    ]
    links = list(RecapPageTag.objects.order_by("pk"))
    for link in rng.sample(links, len(links) // 2):
        RecapPageTag.objects.filter(pk=link.pk).update(tag_id=link.tag_id)
    expected = {
        edition.pk: [
            link.tag.name
            for link in RecapPageTag.objects.filter(content_object=edition)
            .select_related("tag")
            .order_by("pk")
        ]
        for edition in editions
    }
    prefetched = {
        edition.pk: [theme.name for theme in edition.tags.all()]
        for edition in RecapPage.objects.filter(pk__in=expected).prefetch_related(
            "tags"
        )
    }
    one_by_one = {
        edition.pk: [
            theme.name for theme in RecapPage.objects.get(pk=edition.pk).tags.all()
        ]
        for edition in editions
    }
    assert prefetched == one_by_one == expected
    shuffled = [names for names in expected.values() if names != sorted(names)]
    assert shuffled, "the themes should not all be in alphabetical order"
