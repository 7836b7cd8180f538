"""Free-text themes are normalised so that spellings never split a theme
(recaps/models/themes.py: ThemeNameField), and keep the spelling they were
first written in (``Theme.label``); the counts of published editions by theme
are stored and always equal a recount (ThemeCount)."""

import datetime
import random
from importlib import import_module
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.utils import timezone
from wagtail.models import PageViewRestriction

from recaps.bulk_pages import BulkPageWriter
from recaps.models import (
    IndexCount,
    RecapEntry,
    RecapPage,
    RecapPageTag,
    RecapSection,
    Theme,
)
from recaps.models.series import (
    EditionsInOrder,
    series_of_published_themes,
    series_of_themes,
)
from recaps.models.themes import (
    EDITIONS,
    normalise_theme_name,
    published_themes,
    theme_label,
    themes_with_counts,
)
from recaps.signal_handlers import bulk_indexing
from recaps.themes import merge_themes
from tests.factories import RecapSeriesPageFactory, section

pytestmark = pytest.mark.django_db


def test_spellings_of_one_theme_are_one_theme(make_edition):
    first = make_edition(tags=["Numérique"])
    second = make_edition()
    second.tags.add("numérique ", "  NUMÉRIQUE", "Été", "été")
    second.save()
    assert list(Theme.objects.values_list("name", flat=True)) == ["numérique", "été"]
    assert list(first.tags.all()) == [Theme.objects.get(name="numérique")]
    assert sorted(second.tags.values_list("name", flat=True)) == ["numérique", "été"]


def test_lookups_by_name_are_normalised():
    theme = Theme.objects.create(name="  Aller   Vers ")
    assert (theme.name, theme.slug) == ("aller vers", "aller-vers")
    assert Theme.objects.get(name="Aller vers") == theme
    assert Theme.objects.filter(name__iexact="ALLER VERS ").get() == theme
    assert list(Theme.objects.filter(name__in=["Aller  Vers"])) == [theme]


def test_the_column_is_a_plain_charfield_for_migrations():
    """The normalisation needs no migration: the field deconstructs as Django's."""
    name, path, _args, kwargs = Theme._meta.get_field("name").deconstruct()
    assert (name, path) == ("name", "django.db.models.CharField")
    assert (kwargs["max_length"], kwargs["unique"]) == (100, True)


def test_other_lookups_are_left_alone():
    Theme.objects.create(name="Aller Vers")
    Theme.objects.create(name="numérique")
    assert Theme.objects.filter(name__icontains="VERS").count() == 1
    # Normalised, " " would be "" and match both.
    assert Theme.objects.filter(name__contains=" ").count() == 1


def test_themes_by_names_are_found_or_created_together(django_assert_max_num_queries):
    existing = Theme.objects.create(name="numérique")
    with django_assert_max_num_queries(3):
        themes = Theme.objects.by_names(
            ["Numérique", "aller vers", "6.1", "Aller Vers"]
        )
    assert list(themes) == ["numérique", "aller vers", "6.1"]
    assert themes["numérique"] == existing
    assert themes["6.1"].slug == "6-1" and themes["aller vers"].pk
    # A new name whose slug is taken gets a free one, as taggit gives.
    clash = Theme.objects.by_names(["numérique !"])["numérique !"]
    assert clash.pk and clash.slug not in {"numerique", ""}
    assert Theme.objects.count() == 4


# Labels: the first spelling of a theme is how it reads; the key is unchanged.

#: Letters of generated names: ASCII and French accented letters, each of
#: which comes back from ``upper().lower()`` unchanged.
LETTERS = "aeioucnrstlméèêàâçùûôîïë"
LABEL_SEEDS = range(12)


def spelling(rng, words):
    """One way of writing ``words``: each letter in either case, spaces
    doubled, added around, or a tab."""
    letters = [
        [letter.upper() if rng.random() < 0.4 else letter for letter in word]
        for word in words
    ]
    gaps = [rng.choice([" ", "  ", "\t", " \u00a0"]) for _ in words[1:]]
    text = "".join(
        "".join(word) + (gaps[index] if index < len(gaps) else "")
        for index, word in enumerate(letters)
    )
    return rng.choice(["", " ", "  "]) + text + rng.choice(["", " ", "\n"])


def drawn_themes(rng):
    """``[[spelling…]]``: a few themes of one to three words, each written
    in several ways."""
    themes, keys = [], set()
    while len(themes) < 4:
        words = [
            "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 7)))
            for _ in range(rng.randint(1, 3))
        ]
        if " ".join(words) in keys:
            continue
        keys.add(" ".join(words))
        themes.append([spelling(rng, words) for _ in range(rng.randint(2, 5))])
    return themes


def lookups_find(theme, spellings):
    """Every lookup taggit and readers use finds ``theme`` by any spelling."""
    for written in spellings:
        assert Theme.objects.get(name=written) == theme
        assert Theme.objects.get(name__iexact=written) == theme
        assert list(Theme.objects.filter(name__in=[written])) == [theme]


@pytest.mark.parametrize("seed", LABEL_SEEDS)
def test_a_theme_reads_as_first_written_whatever_the_later_spellings(
    seed, make_edition
):
    """However a theme is first written (an editor's tags, an import, the
    generator's ``by_names``), its label is that spelling, tidied; later
    spellings through either path reach the same row, keep its label, key and
    slug, and every lookup by any spelling finds it."""
    rng = random.Random(seed)
    themes = drawn_themes(rng)
    edition = make_edition(edition_number=seed + 1)
    first_by = {}
    for spellings in themes:
        first_by[spellings[0]] = rng.choice(["tags", "by_names", "create"])
        if first_by[spellings[0]] == "tags":
            edition.tags.add(spellings[0])
            edition.save()
        elif first_by[spellings[0]] == "by_names":
            Theme.objects.by_names([spellings[0]])
        else:
            Theme.objects.create(name=spellings[0])
    created = {
        spellings[0]: Theme.objects.get(name=spellings[0]) for spellings in themes
    }
    for spellings in themes:
        for written in rng.sample(spellings, len(spellings)):
            if rng.random() < 0.5:
                edition.tags.add(written)
                edition.save()
            else:
                Theme.objects.by_names([written, rng.choice(spellings)])
    assert Theme.objects.count() == len(themes)
    for spellings in themes:
        first = spellings[0]
        theme = Theme.objects.get(pk=created[first].pk)
        assert theme.label == " ".join(first.split()), first_by[first]
        assert theme.name == normalise_theme_name(first) == theme.label.lower()
        assert theme.slug == created[first].slug
        assert str(theme) == theme.label
        lookups_find(theme, spellings)
    names = [theme.name for theme in Theme.objects.all()]
    assert names == sorted(names)


def test_a_spelling_of_another_theme_is_no_label():
    theme = Theme.objects.create(name="Parentalité")
    assert (theme.name, theme.label) == ("parentalité", "Parentalité")
    theme.name = "Famille  Solidaire"
    theme.save()
    theme.refresh_from_db()
    assert (theme.name, theme.label) == ("famille solidaire", "Famille Solidaire")
    # A label that spells another theme is not kept: the name is shown.
    theme.label = "Autre chose"
    theme.save(update_fields=["label"])
    theme.refresh_from_db()
    assert theme.label == "famille solidaire"
    assert theme_label("  PARENTALITÉ ", "parentalité") == "PARENTALITÉ"
    assert theme_label("", " Parentalité") == "Parentalité"


# Migration 0031: existing themes labelled with their name, every public
# edition's stored representation given the labels without entering the
# change feed.

labels_migration = import_module("recaps.migrations.0031_theme_labels")
EDITOR = SimpleNamespace(connection=connection)


def stored_entries():
    """Every public edition's stored representation, fingerprint and date."""
    return {
        page.pk: (
            RecapEntry.objects.get(edition=page).data,
            page.public_fingerprint,
            page.public_updated_at,
        )
        for page in RecapPage.objects.live()
    }


def test_migration_0031_writes_the_representation_the_code_writes(
    make_edition,
):
    make_edition(edition_number=1, tags=["numérique", "aller vers"])
    make_edition(edition_number=2, tags=[])
    make_edition(edition_number=3, tags=["numérique"], publish=False)
    expected = stored_entries()
    assert [tag["label"] for tag in expected[min(expected)][0]["tags"]] == [
        "aller vers",
        "numérique",
    ]
    # The state before the migration: no label anywhere.
    labels_migration.unlabel_entries(apps, EDITOR)
    Theme.objects.update(label="")
    before = stored_entries()
    assert all(
        "label" not in tag for data, *_ in before.values() for tag in data["tags"]
    )
    assert {pk: row[1] for pk, row in before.items()} != {
        pk: row[1] for pk, row in expected.items()
    }
    labels_migration.label_themes(apps, EDITOR)
    assert stored_entries() == expected
    assert dict(Theme.objects.values_list("name", "label")) == {
        "numérique": "numérique",
        "aller vers": "aller vers",
    }
    # The index rebuilt at the next start finds nothing changed.
    call_command("rebuild_sections", stdout=None)
    assert stored_entries() == expected


counts_migration = import_module("recaps.migrations.0035_index_counts")


def stored_index_counts():
    return {
        (row.series_id, row.theme_id, row.kind): row.count
        for row in IndexCount.objects.exclude(count=0)
    }


def test_migration_0035_fills_the_counts_the_code_keeps(make_edition, root_page):
    """From the section table alone (the state before the migration), the
    migration writes each entry's sections by type and the stored counts that
    publishing wrote."""
    other = RecapSeriesPageFactory(parent=root_page, title="Autre série", slug="autre")
    links = section("nuggets", "Pépites", ["Une pépite"])
    make_edition(edition_number=1, tags=["numérique", "aller vers"])
    make_edition(edition_number=2, tags=[], body=[links, links])
    make_edition(parent=other, edition_number=3, tags=["numérique"], body=[links])
    make_edition(edition_number=4, tags=["numérique"], publish=False)
    expected_entries = dict(RecapEntry.objects.values_list("edition", "section_counts"))
    expected = stored_index_counts()
    assert expected and any(count > 1 for count in expected.values())
    RecapEntry.objects.update(section_counts=None)
    IndexCount.objects.all().delete()
    # A schema editor's part that the migration uses, inside the test's
    # transaction.
    editor = SimpleNamespace(
        connection=connection,
        execute=lambda sql, params=(): connection.cursor().execute(sql, params),
    )
    counts_migration.fill_counts(apps, editor)
    assert dict(RecapEntry.objects.values_list("edition", "section_counts")) == (
        expected_entries
    )
    assert stored_index_counts() == expected


# Stored theme counts (ThemeCount) against a recount, under random operations.

THEME_NAMES = ["numérique", "isolement", "jeunesse", "été", "aller vers"]
SEEDS = range(20)
STEPS = 30


def recounted(series=None):
    """``{name: published editions}`` counted over the editions themselves."""
    editions = RecapPage.objects.published()
    if series is not None:
        editions = editions.child_of(series)
    return {theme.name: theme.recap_count for theme in themes_with_counts(editions)}


def stored(series=None):
    return {theme.name: theme.recap_count for theme in published_themes(series)}


def assert_index_counts_equal_a_recount(series):
    """Stored editions and sections by type and theme (``IndexCount``, less
    the hidden editions) equal a count of the sections of the published
    editions (of ``series``, or of every series)."""
    editions = RecapPage.objects.published()
    if series is not None:
        editions = editions.child_of(series)
    sections = RecapSection.objects.filter(edition__in=editions.values("pk"))
    assert IndexCount.objects.published([EDITIONS], series=series) == (editions.count())
    kinds = set(sections.values_list("type", flat=True)) | {"nuggets"}
    assert IndexCount.objects.published(series=series) == sections.count()
    for kind in kinds:
        assert IndexCount.objects.published([kind], series=series) == (
            sections.filter(type=kind).count()
        ), kind
        for theme in Theme.objects.all():
            tagged = RecapPageTag.objects.filter(tag=theme).values("content_object")
            assert (
                IndexCount.objects.published([kind], theme, series=series)
                == sections.filter(type=kind, edition__in=tagged).count()
            ), (
                kind,
                theme.name,
            )


def assert_lists_read_from_the_index_equal_the_pages(series):
    """The series page's and theme pages' lists (:class:`EditionsInOrder`:
    the public index walked, stored counts) hold exactly the published
    editions the page table gives, in the same order, with the same count;
    a theme page is found iff a published edition of the series carries it."""
    newest_first = ("-date", "-edition_number", "-pk")

    def read(editions):
        pages = [page.pk for page in editions[0 : editions.count() + 1]]
        assert len(pages) == len(editions)
        return pages

    expected = list(
        series.editions().order_by(*newest_first).values_list("pk", flat=True)
    )
    assert read(EditionsInOrder(series)) == expected
    for theme in Theme.objects.all():
        expected = list(
            series.theme_editions(theme)
            .order_by(*newest_first)
            .values_list("pk", flat=True)
        )
        try:
            found = series.get_theme_or_404(theme.slug)
        except Http404:
            assert expected == [], theme.name
            continue
        assert found.edition_count == len(expected), theme.name
        assert read(EditionsInOrder(series, found, found.edition_count)) == expected


class Operations:
    """Random operations on a small site of two series, from one seed."""

    def __init__(self, rng, make_edition, series, traveller):
        self.rng, self.make_edition = rng, make_edition
        self.series, self.traveller = series, traveller
        self.number = 0

    def pages(self):
        return list(RecapPage.objects.order_by("pk"))

    def page(self):
        pages = self.pages()
        return self.rng.choice(pages) if pages else None

    def names(self):
        return self.rng.sample(THEME_NAMES, self.rng.randint(0, 3))

    def next_number(self):
        self.number += 1
        return self.number

    def publish_new(self):
        self.make_edition(
            parent=self.rng.choice(self.series),
            edition_number=self.next_number(),
            tags=self.names(),
            publish=self.rng.random() < 0.8,
        )

    def edit_tags_and_publish(self):
        if page := self.page():
            page.tags.set(self.names())
            page.save_revision().publish()

    def unpublish(self):
        live = [page for page in self.pages() if page.live]
        if live:
            self.rng.choice(live).unpublish()

    def delete(self):
        if page := self.page():
            page.delete()

    def move(self):
        if page := self.page():
            target = self.rng.choice(self.series)
            target.refresh_from_db()  # treebeard reads its numchild
            if page.get_parent().pk != target.pk:
                page.move(target, pos="last-child")

    def restrict(self):
        restriction = PageViewRestriction.objects.order_by("?").first()
        if restriction and self.rng.random() < 0.5:
            restriction.delete()
            return
        target = self.rng.choice([*self.series, *self.pages()])
        PageViewRestriction.objects.create(
            page=target, restriction_type=PageViewRestriction.LOGIN
        )

    def schedule(self):
        """A go-live or expiry date in the past or the future, or none, saved
        on the page without a publication (as an editor's save and
        ``publish_scheduled`` leave them)."""
        if page := self.page():
            field = self.rng.choice(["go_live_at", "expire_at"])
            days = self.rng.choice([None, -3, -1, 1, 3])
            now = timezone.now()
            setattr(page, field, days and now + datetime.timedelta(days=days))
            page.save()

    def advance_clock(self):
        self.traveller.shift(datetime.timedelta(days=self.rng.choice([1, 2, 4])))

    def merge(self):
        themes = list(Theme.objects.order_by("pk"))
        if len(themes) >= 2:
            source, target = self.rng.sample(themes, 2)
            merge_themes(source, target)

    def rename(self):
        if theme := Theme.objects.order_by("?").first():
            theme.name = f"{theme.name} {self.next_number()}"
            theme.save()

    def delete_theme(self):
        if theme := Theme.objects.order_by("?").first():
            theme.delete()

    def bulk_import(self):
        """New editions written in bulk, indexed at the end (as importers do)."""
        writer = BulkPageWriter(self.rng.choice(self.series))
        with bulk_indexing() as ids:
            pages = []
            for _ in range(self.rng.randint(1, 3)):
                number = self.next_number()
                page = writer.new_page(
                    f"import-{number}",
                    f"Import {number}",
                    published_at=timezone.now() if self.rng.random() < 0.8 else None,
                    edition_number=number,
                    date=datetime.date(2021, 1, 1) + datetime.timedelta(days=number),
                    body=[section("highlights", "Points", ["Un point"])],
                )
                found = Theme.objects.by_names(self.names())
                page.tagged_items = [RecapPageTag(tag=t) for t in found.values()]
                pages.append(page)
            writer.write(pages)
            writer.finish()
            ids.update(page.pk for page in pages)

    def run(self):
        operation = self.rng.choice(
            [
                self.publish_new,
                self.publish_new,
                self.bulk_import,
                self.edit_tags_and_publish,
                self.unpublish,
                self.delete,
                self.move,
                self.restrict,
                self.schedule,
                self.schedule,
                self.advance_clock,
                self.merge,
                self.rename,
                self.delete_theme,
            ]
        )
        operation()
        return operation.__name__


@pytest.mark.parametrize("seed", SEEDS)
def test_stored_counts_equal_a_recount_after_every_operation(
    seed, make_edition, series, root_page
):
    other = RecapSeriesPageFactory(parent=root_page, title="Autre série", slug="autre")
    rng = random.Random(seed)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        operations = Operations(rng, make_edition, [series, other], traveller)
        done = []
        for _step in range(STEPS):
            done.append(operations.run())
            assert stored() == recounted(), done
            assert_index_counts_equal_a_recount(None)
            for one in (series, other):
                assert stored(one) == recounted(one), (one.slug, done)
                assert_lists_read_from_the_index_equal_the_pages(one)
                assert_index_counts_equal_a_recount(one)
            themes = list(published_themes())
            assert {
                pk: found and found.pk
                for pk, found in series_of_published_themes(themes).items()
            } == {
                pk: found and found.pk
                for pk, found in series_of_themes(
                    themes, RecapPage.objects.published()
                ).items()
            }, done
