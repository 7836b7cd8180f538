"""``export_recaps`` then ``import_recaps ARCHIVE``: nothing lost, nothing changed."""

import datetime
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page, PageViewRestriction, Revision

from recaps.models import RecapPage, RecapSeriesPage, Theme
from tests.factories import section

pytestmark = pytest.mark.django_db
API = "/api/v1/"


@pytest.fixture(autouse=True)
def no_throttle(settings):
    settings.RECAPS_API_THROTTLE_RATE = None


@pytest.fixture
def content(series, make_edition):
    """Editions in every state, themes with descriptions, a linked document."""
    document = get_document_model().objects.create(
        title="Guide du numérique", file=ContentFile(b"%PDF-1.4 guide", "guide.pdf")
    )
    now = timezone.now()
    link = f'<a linktype="document" id="{document.pk}">le guide</a>'
    first = make_edition(
        edition_number=1,
        date=datetime.date(2020, 11, 13),
        tags=["numérique", "isolement"],
        intro="<p>Beau <b>moment</b> &amp; échanges.</p>",
        body=[
            section("nuggets", "Pépites", [(f"Lire {link}", ["un détail"])]),
            section("text", "Mot de la fin", intro="<p>Merci à tous</p>"),
        ],
    )
    RecapPage.objects.filter(pk=first.pk).update(import_source="wp:guid-1")
    Theme.objects.filter(slug="numerique").update(description="Le numérique.")
    newer = make_edition(edition_number=2, tags=["numérique"])
    newer = RecapPage.objects.get(pk=newer.pk)
    newer.title = "Titre du brouillon"
    newer.body = [section("questions", "Questions", ["Une question du brouillon"])]
    newer.save_revision()
    make_edition(edition_number=3, publish=False, tags=["brouillon seul"])
    scheduled = make_edition(edition_number=4, publish=False)
    scheduled = RecapPage.objects.get(pk=scheduled.pk)
    scheduled.go_live_at = now + datetime.timedelta(days=2)
    scheduled.save_revision().publish()
    expired = make_edition(edition_number=5)
    RecapPage.objects.filter(pk=expired.pk).update(
        expire_at=now - datetime.timedelta(hours=1)
    )
    protected = make_edition(edition_number=6)
    PageViewRestriction.objects.create(
        page=protected, restriction_type="password", password="secret"
    )
    members = make_edition(edition_number=7)
    restriction = PageViewRestriction.objects.create(
        page=members, restriction_type="groups"
    )
    restriction.groups.add(Group.objects.create(name="Équipe"))
    unpublished = make_edition(edition_number=8)
    unpublished.unpublish()
    return {"first": first, "document": document}


def public_responses(client, series):
    """Every public API response and page, as bytes."""
    cache.clear()
    editions = RecapPage.objects.child_of(series).order_by("pk")
    urls = [
        API + "recaps/",
        API + "recaps/?ordering=date&page_size=100",
        API + "recaps/?search=moment",
        API + "sections/",
        API + "tags/",
        *(API + f"recaps/{edition.pk}/" for edition in editions),
        series.url,
        series.url + "themes/",
        series.url + "themes/numerique/",
        series.url + "feed/rss/",
        series.url + "feed/atom/",
        "/sitemap.xml",
        "/search/?query=moment",
        *(edition.url for edition in editions),
    ]
    return {
        url: (r.status_code, without_tokens(r.content))
        for url in urls
        if (r := client.get(url))
    }


def without_tokens(body):
    """The body less what changes on every request or restore: the CSRF token
    and the restriction's id in the password form's URL."""
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    return re.sub(rb"/_util/authenticate_with_password/\d+/", b"", body)


def stored_state():
    """What the database holds for each page, beyond what readers see."""
    pages = []
    for page in Page.objects.type(RecapSeriesPage, RecapPage).specific():
        # The latest revision matters when it differs from the live content.
        revision = page.latest_revision
        if page.live and not page.has_unpublished_changes:
            revision = None
        pages.append(
            {
                "id": page.pk,
                "path": page.url_path,
                "live": page.live,
                "has_unpublished_changes": page.has_unpublished_changes,
                "dates": [
                    page.go_live_at,
                    page.expire_at,
                    page.first_published_at,
                    page.last_published_at,
                ],
                "live_content": _comparable(page.serializable_data()),
                "draft": _comparable(revision.content) if revision else None,
                "approved_go_live_at": revision.approved_go_live_at
                if revision
                else None,
                "import_source": getattr(page, "import_source", None),
                "restrictions": [
                    (r.restriction_type, r.password, [g.name for g in r.groups.all()])
                    for r in page.view_restrictions.all()
                ],
            }
        )
    themes = list(Theme.objects.values_list("pk", "name", "slug", "description"))
    return sorted(pages, key=lambda page: page["id"]), themes


def _comparable(data):
    """Page data without what a new revision or tree position changes."""
    ignored = {
        "latest_revision",
        "live_revision",
        "latest_revision_created_at",
        "owner",
        "locked_by",
        "locked_at",
        "path",
        "numchild",
        "draft_title",
        "has_unpublished_changes",
    }
    return json.dumps(
        {key: value for key, value in data.items() if key not in ignored},
        sort_keys=True,
        default=str,
    )


def empty_the_site():
    for series in RecapSeriesPage.objects.all():
        series.delete()
    Theme.objects.all().delete()
    for document in get_document_model().objects.all():
        document.file.delete(save=False)
        document.delete()
    Group.objects.filter(name="Équipe").delete()


def test_round_trip_restores_the_same_pages_and_responses(
    client, series, content, tmp_path
):
    before = public_responses(client, series)
    # The change feed's entries (its next cursor follows the clock).
    changes_before = client.get(API + "changes/").json()["results"]
    state = stored_state()
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        data = json.loads(opened.read("recaps.json"))
    document = content["document"]
    document_file = f"documents/{document.pk}/{Path(document.file.name).name}"
    assert names == ["recaps.json", document_file]
    assert len(data["series"][0]["editions"]) == 8

    empty_the_site()
    assert not RecapPage.objects.exists()
    call_command("import_recaps", str(archive))

    pages, themes = stored_state()
    assert themes == state[1]
    assert [page["id"] for page in pages] == [page["id"] for page in state[0]]
    for restored, original in zip(pages, state[0], strict=True):
        for key, value in original.items():
            assert restored[key] == value, (original["id"], key)
    after = public_responses(client, RecapSeriesPage.objects.get())
    assert after.keys() == before.keys()
    for url, response in before.items():
        assert after[url] == response, url
    assert client.get(API + "changes/").json()["results"] == changes_before
    restored = get_document_model().objects.get()
    with restored.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 guide"
    assert Revision.objects.filter(approved_go_live_at__isnull=False).count() == 1


def documents_on_disk():
    folder = Path(settings.MEDIA_ROOT) / "documents"
    return sorted(folder.iterdir()) if folder.exists() else []


def _counts():
    return (
        Page.objects.count(),
        Theme.objects.count(),
        Revision.objects.count(),
        get_document_model().objects.count(),
    )


def _damage(archive, damaged, change):
    with zipfile.ZipFile(archive) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    change(entries)
    with zipfile.ZipFile(damaged, "w") as target:
        for name, payload in entries.items():
            target.writestr(name, payload)


def test_damaged_archives_change_nothing_and_name_the_problem(
    series, content, tmp_path
):
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    empty_the_site()
    before = _counts()
    files = documents_on_disk()

    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(CommandError, match="archive endommagée"):
        call_command("import_recaps", str(truncated))

    no_document = tmp_path / "no-json.zip"
    _damage(archive, no_document, lambda entries: entries.pop("recaps.json"))
    with pytest.raises(CommandError, match="« recaps.json » est absent"):
        call_command("import_recaps", str(no_document))

    def break_last_edition(entries):
        data = json.loads(entries["recaps.json"])
        data["series"][0]["editions"][-1]["live_content"]["date"] = "pas une date"
        entries["recaps.json"] = json.dumps(data).encode()

    # Everything before the broken edition was restored, then rolled back.
    broken = tmp_path / "broken.zip"
    _damage(archive, broken, break_last_edition)
    with pytest.raises(CommandError, match="ne peut pas être restaurée") as error:
        call_command("import_recaps", str(broken))
    assert "Édition 8" in str(error.value)
    assert _counts() == before
    assert documents_on_disk() == files


def test_restore_refuses_a_site_that_is_not_empty(series, content, tmp_path):
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    before = _counts()
    with pytest.raises(CommandError, match="restaurez dans un site vide"):
        call_command("import_recaps", str(archive))
    assert _counts() == before
