"""The demo loader turns the legacy page's data file into the site tree."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Page, Revision, Site

from home.models import HomePage
from recaps.models import RecapPage, RecapSeriesPage, Theme
from tests.legacy import (
    EXPECTED_ITEMS_PER_EDITION,
    EXPECTED_ITEMS_PER_KIND,
    EXPECTED_PUBLIC_SECTIONS,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return RecapSeriesPage.objects.get()


def _items_per_kind():
    counts = Counter()
    for edition in RecapPage.objects.all():
        for section in edition.public_sections():
            counts[section.type] += section.item_count()
    return {kind: count for kind, count in counts.items() if count}


def test_site_tree_series_and_editions(demo):
    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page.specific == home
    assert demo.get_parent().specific == home
    assert demo.title == "Les petites ébullitions du Vendredi"
    assert demo.registration_status == "closed"
    assert "terminées" in demo.registration_message
    assert demo.contact_name == "Maxime"
    assert demo.contact_email == "chmission.federation44@gmail.com"
    assert demo.contact_phone == "06 46 80 00 95"
    assert "rendez-vous hebdomadaire" in demo.presentation
    # Wagtail's welcome page is gone: only root, home, series and editions.
    assert Page.objects.count() == 1 + 1 + 1 + 3


def test_every_bullet_is_in_the_right_typed_section(demo):
    editions = {e.edition_number: e for e in RecapPage.objects.child_of(demo).live()}
    assert sorted(editions) == [1, 2, 3]
    assert {
        n: e.item_count() for n, e in editions.items()
    } == EXPECTED_ITEMS_PER_EDITION
    assert sum(EXPECTED_ITEMS_PER_EDITION.values()) == 61
    assert {n: e.section_types for n, e in editions.items()} == {
        n: list(dict.fromkeys(kinds)) for n, kinds in EXPECTED_PUBLIC_SECTIONS.items()
    }
    assert {
        n: [s.type for s in e.public_sections()] for n, e in editions.items()
    } == EXPECTED_PUBLIC_SECTIONS
    assert _items_per_kind() == EXPECTED_ITEMS_PER_KIND


def test_nested_questions_of_the_first_edition(demo):
    first = RecapPage.objects.get(edition_number=1)
    highlights = first.public_sections()[0]
    nested = [item for item in highlights.items if item["children"]]
    assert len(nested) == 1
    assert nested[0]["text"].startswith("Des interrogations partagées")
    assert [c["text"][:24] for c in nested[0]["children"]] == [
        "Comment les bénévoles pe",
        "Comment repérer les pers",
    ]


def test_headings_intros_links_dates_and_themes_are_kept(demo):
    last = RecapPage.objects.get(edition_number=3)
    sections = last.public_sections()
    assert sections[0].heading.startswith("Retour sur")
    assert sections[0].intro_text == "Entre autres :"
    assert "bilan de ces petites ébullitions" in sections[1].intro_text
    takeaways = sections[-1]
    assert any(
        '<a href="https://www.conseiller-numerique.gouv.fr/' in item["html"]
        for item in takeaways.items
    )
    assert "participation était moins importante" in last.intro
    dates = list(
        RecapPage.objects.order_by("edition_number").values_list("date", flat=True)
    )
    assert dates == sorted(dates)
    assert all(
        d.weekday() == 4 and d.year == 2020 and d.month in (11, 12) for d in dates
    )
    assert {"numérique", "isolement", "aller-vers"} <= set(
        Theme.objects.values_list("name", flat=True)
    )
    assert all(edition.tags.exists() for edition in RecapPage.objects.all())


def test_running_twice_duplicates_nothing(demo):
    counts = (Page.objects.count(), Theme.objects.count(), RecapPage.objects.count())
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (
        Page.objects.count(),
        Theme.objects.count(),
        RecapPage.objects.count(),
    ) == counts
    assert _items_per_kind() == EXPECTED_ITEMS_PER_KIND
    assert Revision.objects.filter(object_id=str(demo.pk)).count() == 2


def test_demo_content_is_searchable(demo):
    results = RecapPage.objects.published().search("ludothèque")
    assert [r.edition_number for r in results] == [3]


def test_a_broken_data_file_is_refused_and_changes_nothing(demo, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "series: {slug: x, title: X}\n"
        "editions:\n  - {title: Sans date, slug: sans-date, edition_number: 1}\n"
    )
    before = Page.objects.count()
    with pytest.raises(CommandError, match="broken.yaml : champ manquant : 'date'"):
        call_command("load_demo", file=str(broken))
    assert Page.objects.count() == before


def test_an_invalid_page_is_refused_with_the_field_named(demo, tmp_path):
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("series: {slug: x, title: ''}\neditions: []\n")
    before = Page.objects.count()
    with pytest.raises(CommandError, match="invalid.yaml : title : Ce champ"):
        call_command("load_demo", file=str(invalid))
    assert Page.objects.count() == before


def test_every_demo_edition_has_an_easy_to_read_summary(demo):
    """Short sentences, one a line, everyday words (European easy-to-read
    standards): no sentence over 15 words, no abbreviation in capitals."""
    import re

    editions = RecapPage.objects.child_of(demo).live()
    assert editions.count() == 3
    for edition in editions:
        lines = edition.summary_easy.split("\n")
        assert 3 <= len(lines) <= 6, edition.title
        for line in lines:
            assert line.endswith("."), line
            assert len(line.split()) <= 15, line
            assert not re.search(r"\b[A-Z]{2,}\b", line), line


def test_demo_editions_have_no_empty_section(demo):
    """Publishing a demo edition warns of nothing: every heading has content."""
    for edition in RecapPage.objects.child_of(demo):
        assert edition.empty_sections() == [], edition.title
        assert [block.block_type for block in edition.body] == [
            section.type for section in edition.public_sections()
        ], edition.title
