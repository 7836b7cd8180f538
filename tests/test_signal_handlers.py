"""The receivers of ``recaps.signal_handlers``: what each change of the content
does to the section index, the public state (webhooks) and the content version."""

import datetime
import json
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import PageLogEntry, PageViewRestriction, Site
from wagtail.search.models import IndexEntry

from recaps import signal_handlers
from recaps.changes import UUID_KEY
from recaps.models import (
    ContentVersion,
    RecapEntry,
    RecapPage,
    RecapSection,
    Theme,
    WebhookDelivery,
    WebhookSubscription,
)
from recaps.signal_handlers import (
    SHARED_FIELDS,
    bulk_indexing,
    fill_empty_index,
    register_signal_handlers,
)
from tests.factories import RecapSeriesPageFactory, another_value, section

pytestmark = pytest.mark.django_db

#: After the real clock: what the tests do at T0 is newer than the fixtures.
T0 = datetime.datetime(2031, 5, 2, 9, 0, tzinfo=datetime.UTC)
LOGIN = PageViewRestriction.LOGIN


def rows(page):
    return list(RecapSection.objects.filter(edition_id=page.pk))


def events(page):
    """The webhook events enqueued for ``page``, oldest first."""
    return [
        json.loads(body)["event"]
        for body in WebhookDelivery.objects.filter(edition_id=page.pk)
        .order_by("pk")
        .values_list("body", flat=True)
    ]


def indexed(ids):
    """How many of the editions ``ids`` the search index holds."""
    return IndexEntry.objects.filter(
        content_type__model="recappage", object_id__in=[str(pk) for pk in ids]
    ).count()


def republish(page, **changes):
    page = RecapPage.objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


def save_draft(page, **changes):
    page = RecapPage.objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision()


def move(page, target):
    RecapPage.objects.get(pk=page.pk).move(target, pos="last-child")


def restrict(page):
    return PageViewRestriction.objects.create(page=page, restriction_type=LOGIN)


def rename_series(site):
    site.series.title = "Les ébullitions"
    site.series.save_revision().publish()


def replace_file(document):
    document.file = ContentFile(b"%PDF-1.4 nouveau", "nouveau-guide.pdf")
    document.save()


def rename_theme(site):
    theme = Theme.objects.get(slug="numerique")
    theme.name = "inclusion numérique"
    theme.save()


@pytest.fixture
def site(series, make_edition, root_page):
    """``first`` links to the edition ``second`` and to a document; another
    public series and a restricted one stand by."""
    document = get_document_model().objects.create(
        title="Guide", file=ContentFile(b"%PDF-1.4 guide", "guide.pdf")
    )
    with time_machine.travel(T0, tick=False):
        second = make_edition(edition_number=2, slug="seconde")
        first = make_edition(
            edition_number=1,
            tags=["numérique"],
            body=[
                section(
                    "nuggets",
                    "Pépites",
                    [
                        f'Voir <a linktype="page" id="{second.pk}">la suite</a>',
                        f'Lire <a linktype="document" id="{document.pk}">le guide</a>',
                    ],
                )
            ],
        )
        other = RecapSeriesPageFactory(parent=root_page, title="Autre", slug="autre")
        private = RecapSeriesPageFactory(
            parent=root_page, title="Privée", slug="privee"
        )
        restrict(private)
    WebhookSubscription.objects.create(url="https://soeur.example/hooks", secret="s")
    return SimpleNamespace(
        series=series,
        first=first,
        second=second,
        document=document,
        other=other,
        private=private,
        make_edition=make_edition,
    )


#: What happens to ``first``: ``(section rows?, webhook events, new version?,
#: new shared version?)``. A shared version tells every edition's validators
#: that a page beside them changed (neighbours, themes, series).
ACTIONS = {
    "a draft saved": (
        lambda s: save_draft(s.first, title="Brouillon", intro="<p>Autre.</p>"),
        (True, [], False, False),
    ),
    "republished unchanged": (
        lambda s: republish(s.first),
        (True, [], True, False),
    ),
    "republished with a new intro": (
        lambda s: republish(s.first, intro="<p>Autre.</p>"),
        (True, ["recap.updated"], True, False),
    ),
    "republished with a new title": (
        lambda s: republish(s.first, title="Autre titre"),
        (True, ["recap.updated"], True, True),
    ),
    "unpublished": (
        lambda s: RecapPage.objects.get(pk=s.first.pk).unpublish(),
        (False, ["recap.removed"], True, True),
    ),
    "deleted": (
        lambda s: RecapPage.objects.get(pk=s.first.pk).delete(),
        (False, ["recap.removed"], True, True),
    ),
    "restricted": (
        lambda s: restrict(s.first),
        (False, ["recap.removed"], True, True),
    ),
    "restricted, then the restriction lifted": (
        lambda s: restrict(s.first).delete(),
        (True, ["recap.removed", "recap.published"], True, True),
    ),
    "its series restricted": (
        lambda s: restrict(s.series),
        (False, ["recap.removed"], True, True),
    ),
    "moved under a restricted series": (
        lambda s: move(s.first, s.private),
        (False, ["recap.removed"], True, True),
    ),
    "moved to another public series": (
        lambda s: move(s.first, s.other),
        (True, ["recap.updated"], True, True),
    ),
    "its series renamed": (
        rename_series,
        (True, ["recap.updated"], True, True),
    ),
    "one of its themes renamed": (
        rename_theme,
        (True, ["recap.updated"], True, True),
    ),
    "the page it links to moved": (
        lambda s: move(s.second, s.other),
        (True, ["recap.updated"], True, True),
    ),
    "the document it links to replaced": (
        lambda s: replace_file(s.document),
        (True, ["recap.updated"], True, True),
    ),
    "another edition published": (
        lambda s: s.make_edition(edition_number=3),
        (True, [], True, True),
    ),
    "the site saved": (
        lambda s: Site.objects.get(is_default_site=True).save(),
        (True, [], True, True),
    ),
}


#: Changes of what an edition links to.
LINKED = {"the page it links to moved", "the document it links to replaced"}


@pytest.mark.parametrize("action", ACTIONS)
def test_what_each_change_does_to_an_edition(site, action):
    change, expected = ACTIONS[action]
    before = ContentVersion.current()
    links_before = [row.items for row in rows(site.first)]
    with time_machine.travel(T0 + datetime.timedelta(minutes=1), tick=False):
        change(site)
    after = ContentVersion.current()
    found = (
        bool(rows(site.first)),
        events(site.first),
        after.number > before.number,
        after.shared_changed_at > before.shared_changed_at,
    )
    assert found == expected
    # The edition's entry (what the API lists) follows its rows.
    assert RecapEntry.objects.filter(edition_id=site.first.pk).exists() is found[0]
    if action in LINKED:
        # Its links were rebuilt with the new address.
        assert [row.items for row in rows(site.first)] != links_before


# --- shared changes ----------------------------------------------------------

#: Fields of an edition that only its own page and API entry show.
OWN_FIELDS = [
    field
    for field in RecapPage._meta.local_concrete_fields
    if field.name not in SHARED_FIELDS
    and field.name
    not in {
        "page_ptr",
        "import_source",
        "import_fingerprint",
        "public_fingerprint",
        "public_updated_at",
    }
]
#: The shared fields an editor changes by publishing (``live`` and ``path``
#: change by unpublishing and moving).
EDITED_SHARED = [
    field
    for field in RecapPage._meta.concrete_fields
    if field.name in set(SHARED_FIELDS) - {"live", "path"}
]


@pytest.mark.parametrize(
    "field", [*OWN_FIELDS, *EDITED_SHARED], ids=lambda field: field.name
)
def test_only_fields_shown_beside_other_editions_start_a_shared_version(site, field):
    """Neighbours show an edition's title, slug, date and number: changing one
    of them starts a shared version; any other field, the edition's own."""
    page = RecapPage.objects.get(pk=site.first.pk)
    value = another_value(field, getattr(page, field.attname))
    before = ContentVersion.current()
    with time_machine.travel(T0 + datetime.timedelta(minutes=1), tick=False):
        republish(page, **{field.attname: value})
    after = ContentVersion.current()
    assert after.number > before.number
    shared = field in EDITED_SHARED
    assert (after.shared_changed_at > before.shared_changed_at) is shared


def test_a_first_publication_starts_a_shared_version(make_edition):
    page = make_edition(edition_number=1, publish=False)
    before = ContentVersion.current()
    with time_machine.travel(T0, tick=False):
        republish(page)
    assert ContentVersion.current().shared_changed_at > before.shared_changed_at


# --- new drafts, schedules and deletions -------------------------------------


def test_a_new_draft_is_in_the_admin_search_and_nowhere_public(make_edition):
    draft = make_edition(edition_number=1, publish=False, title="Brouillon secret")
    assert indexed([draft.pk]) == 1
    assert rows(draft) == []
    assert not RecapEntry.objects.filter(edition_id=draft.pk).exists()


def test_saving_a_date_of_expiry_reschedules_the_next_change(make_edition):
    page = make_edition(edition_number=1)
    moment = T0 + datetime.timedelta(days=2)
    with time_machine.travel(T0, tick=False):
        page.expire_at = moment
        page.save(update_fields=["expire_at"])
        assert ContentVersion.current().next_boundary_at == moment
        page.expire_at = None
        page.save(update_fields=["expire_at"])
        assert ContentVersion.current().next_boundary_at is None


def test_a_deleted_edition_leaves_its_uuid_in_the_log_if_it_was_public(
    make_edition,
):
    public = make_edition(edition_number=1)
    draft = make_edition(edition_number=2, publish=False)
    uuids = {page.pk: str(page.translation_key) for page in (public, draft)}
    for page in (public, draft):
        RecapPage.objects.get(pk=page.pk).delete()
    assert indexed(uuids) == 0
    logged = {
        entry.page_id: (entry.data or {}).get(UUID_KEY)
        for entry in PageLogEntry.objects.filter(action="wagtail.delete")
    }
    assert logged == {public.pk: uuids[public.pk], draft.pk: None}


# --- bulk indexing -------------------------------------------------------------


def publish_two(make_edition, first=1):
    return [
        make_edition(
            edition_number=number, body=[section("nuggets", "P", [f"Point {number}"])]
        )
        for number in (first, first + 1)
    ]


@pytest.mark.parametrize("restricted", ["edition", "series"])
def test_deleting_a_restricted_page_leaves_no_index_rows(
    series, make_edition, restricted
):
    """The restriction goes with its page: the editions below are not indexed
    again on their way out (rows would point at deleted pages)."""
    edition = make_edition(tags=["numérique"])
    page = edition if restricted == "edition" else series
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.LOGIN
    )
    type(page).objects.get(pk=page.pk).delete()
    assert not RecapEntry.objects.filter(edition=edition.pk).exists()
    assert not RecapSection.objects.filter(edition=edition.pk).exists()


def test_bulk_indexing_indexes_once_at_the_end(make_edition):
    before = ContentVersion.current().number
    with bulk_indexing() as ids:
        pages = publish_two(make_edition)
        assert ids == {page.pk for page in pages}
        assert not RecapSection.objects.exists()
        assert ContentVersion.current().number == before
    assert sorted(RecapSection.objects.values_list("edition_id", flat=True)) == sorted(
        ids
    )
    assert indexed(ids) == 2
    assert ContentVersion.current().number == before + 1


def test_nested_bulk_indexing_indexes_at_the_end_of_the_outer_block(make_edition):
    with bulk_indexing() as outer:
        with bulk_indexing() as inner:
            pages = publish_two(make_edition)
        assert inner is outer
        assert not RecapSection.objects.exists()
    assert RecapSection.objects.filter(edition__in=pages).count() == 2


def test_a_failed_or_dry_bulk_indexing_indexes_nothing_and_ends(make_edition):
    before = ContentVersion.current().number
    with pytest.raises(RuntimeError), bulk_indexing():
        publish_two(make_edition)
        raise RuntimeError
    with bulk_indexing(update=False):
        publish_two(make_edition, first=3)
        Site.objects.get(is_default_site=True).save()
    assert not RecapSection.objects.exists()
    assert ContentVersion.current().number == before
    # Outside any block again: publishing indexes at once.
    [page, _] = publish_two(make_edition, first=5)
    assert len(rows(page)) == 1


def test_a_bulk_block_of_theme_changes_only_starts_one_version():
    before = ContentVersion.current().number
    with bulk_indexing():
        for name in ("réseau", "jardin", "numérique"):
            Theme.objects.create(name=name)
    assert ContentVersion.current().number == before + 1


# --- the wiring ----------------------------------------------------------------


def test_receivers_are_connected_once_however_often_registered(
    make_edition, monkeypatch
):
    register_signal_handlers(apps.get_app_config("recaps"))
    calls = []
    index_editions = signal_handlers.index_editions

    def counting(pages, *args):
        pages = list(pages)
        calls.append([page.pk for page in pages])
        return index_editions(pages, *args)

    monkeypatch.setattr(signal_handlers, "index_editions", counting)
    page = make_edition(edition_number=1)
    assert calls == [[page.pk]]


# --- an index missing after migrate (moved from tests/test_sections.py) ------


def test_an_empty_edition_index_is_rebuilt_after_migrate(make_edition):
    public = make_edition(edition_number=1, body=[section("nuggets", "P", ["Une"])])
    make_edition(edition_number=2, publish=False)
    expected = RecapEntry.objects.get(edition_id=public.pk).data
    RecapEntry.objects.all().delete()
    fill_empty_index(sender=None)
    assert [entry.data for entry in RecapEntry.objects.all()] == [expected]


def test_an_empty_section_index_is_rebuilt_after_migrate_a_full_one_is_left(
    make_edition,
):
    public = make_edition(edition_number=1, body=[section("nuggets", "P", ["Une"])])
    expected = [(row.type, row.data) for row in rows(public)]
    RecapSection.objects.all().delete()
    fill_empty_index(sender=None)
    assert [(row.type, row.data) for row in rows(public)] == expected
    version = ContentVersion.current().number
    fill_empty_index(sender=None)
    assert ContentVersion.current().number == version
