"""``export_recaps`` then ``import_recaps ARCHIVE``: nothing lost, nothing changed."""

import datetime
import difflib
import functools
import html
import importlib
import io
import json
import random
import re
import zipfile
from collections import Counter
from pathlib import Path

import pypdf
import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page, PageViewRestriction, Revision, Site

from recaps.models import RecapPage, RecapSeriesPage, Theme
from tests.factories import RecapPageFactory, section
from tests.readiness import EDITION_TABLES, Upkeep

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


def test_round_trip_restores_the_same_pages_and_responses(
    client, series, content, tmp_path, empty_site
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

    empty_site()
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restored_tables_are_ready_once_committed(
    series, content, tmp_path, empty_site
):
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    empty_site()
    upkeep = Upkeep()
    call_command("import_recaps", str(archive), stdout=io.StringIO())
    upkeep.assert_ready(
        [*EDITION_TABLES, "recaps_theme", "wagtaildocs_document"],
        gin_tables=["wagtailsearch_indexentry"],
    )


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
    series, content, tmp_path, empty_site
):
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    empty_site()
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

    # Found before anything is written, named by its place in the archive.
    broken = tmp_path / "broken.zip"
    _damage(archive, broken, break_last_edition)
    with pytest.raises(CommandError, match="ne suit pas le format") as error:
        call_command("import_recaps", str(broken))
    assert (
        "series[0].editions[7].live_content.date : « pas une date » n’est pas une date"
    ) in str(error.value)
    assert _counts() == before
    assert documents_on_disk() == files


def test_restore_refuses_a_site_that_is_not_empty(series, content, tmp_path):
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    before = _counts()
    with pytest.raises(CommandError, match="restaurez dans un site vide"):
        call_command("import_recaps", str(archive))
    assert _counts() == before


# --- the whole public site, before and after a restore into an empty database ---

SITE = "http://testserver"
#: Paths that are not public pages (the admin, static files, password forms).
NOT_PUBLIC = ("/admin/", "/static/", "/_util/", "/django-admin/")
#: At most this many URLs are compared (the demo site has fewer).
MAX_URLS = 1000
QUERY_VARIANTS = 3


def _links(response):
    """Same-site URLs named by a response: sitemap <loc>, feed links, API
    URL fields, HTML ``href``/``src``."""
    kind = response.get("Content-Type", "")
    if response.streaming or not kind.startswith(("text/", "application/")):
        return []
    text = response.content.decode("utf-8", "replace")
    if "json" in kind:
        found = re.findall(r'"(https?://testserver[^"\s]*|/[^"\s]*)"', text)
    else:
        found = re.findall(r'(?:href|src)="([^"]+)"|<(?:loc|link|id)>([^<]+)</', text)
        found = [a or b for a, b in found]
    urls = []
    for url in found:
        url = html.unescape(url).split("#")[0]
        if url.startswith(SITE):
            url = url[len(SITE) :] or "/"
        if url.startswith("/") and not url.startswith("//"):
            urls.append(url)
    return urls


def _comparable_body(response):
    """The body less tokens (CSRF, nonces); a PDF as its text."""
    if response.get("Content-Type", "").startswith("application/pdf"):
        reader = pypdf.PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() for page in reader.pages).encode()
    if response.streaming:
        return b"".join(response.streaming_content)
    body = response.content
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    # The change feed's cursor: at most its last entry, at least 30 s before now.
    body = re.sub(rb'"next":"[0-9]+-[0-9]+"', b'"next":""', body)
    body = re.sub(rb"since=[0-9]+-[0-9]+", b"since=", body)
    return re.sub(rb'nonce="[^"]+"', b'nonce=""', body)


def difflib_summary(a, b):
    """The first lines that differ between two bodies."""
    return "\n".join(
        list(
            difflib.unified_diff(
                a.decode("utf-8", "replace").splitlines(),
                b.decode("utf-8", "replace").splitlines(),
                lineterm="",
                n=0,
            )
        )[:12]
    )


def crawl_public_site(client):
    """Every public URL reachable from the sitemap, the API and the feeds
    (and the pages they name), with its status and comparable body. Links
    with a query string are followed for at most ``QUERY_VARIANTS`` per path
    (search filters, pages), and change-feed cursors not at all (they follow
    the clock)."""
    cache.clear()
    queue = ["/sitemap.xml", API, API + "recaps/?page_size=100", API + "tags/"]
    queue += [API + "sections/", API + "changes/"]
    seen, variants = {}, Counter()
    while queue and len(seen) < MAX_URLS:
        url = queue.pop(0)
        path, _query, query = url.partition("?")
        if url in seen or path.startswith(NOT_PUBLIC) or "/media/" in path:
            continue
        if query and (variants[path] >= QUERY_VARIANTS or "since=" in query):
            continue
        variants[path] += bool(query)
        response = client.get(url)
        seen[url] = (response.status_code, _comparable_body(response))
        if response.status_code == 200 and not url.endswith("/pdf/"):
            queue += [link for link in _links(response) if link not in seen]
    return seen


@pytest.fixture
def empty_database():
    """A function emptying every table (sequences restarted), then writing what
    ``migrate`` writes into a new database: Wagtail's root, welcome page,
    default site, locale, root collection. The content types it recreates are
    forgotten afterwards (the test's rollback brings the old ones back)."""
    yield _empty_database
    ContentType.objects.clear_cache()


def _empty_database():
    if connection.vendor == "postgresql":  # TRUNCATE refuses pending FK checks
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    migration = importlib.import_module("wagtail.migrations.0054_initial_locale")
    migration.initial_locale(django_apps, None)
    Collection.add_root(name="Root")
    root = Page.add_root(title="Root", slug="root")
    welcome = root.add_child(
        instance=Page(title="Welcome to your new Wagtail site!", slug="home")
    )
    Site.objects.create(hostname="localhost", root_page=welcome, is_default_site=True)


@pytest.fixture
def varied_site(root_page):
    """The demo content plus editions in every state, themes in a chosen order."""
    call_command("load_demo", verbosity=0)
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "testserver", 80
    site.save()
    demo = RecapSeriesPage.objects.get(slug="petites-ebullitions-du-vendredi")
    now = timezone.now()
    make_edition = functools.partial(RecapPageFactory, parent=demo)
    editions = [
        make_edition(edition_number=n, tags=tags)
        for n, tags in (
            (10, ["zèbre", "abeille", "milieu"]),
            (11, ["milieu", "zèbre"]),
            (12, ["abeille", "numérique", "zèbre"]),
        )
    ]
    make_edition(edition_number=13, publish=False, tags=["zèbre"])
    scheduled = make_edition(edition_number=14, publish=False)
    scheduled.go_live_at = now + datetime.timedelta(days=2)
    scheduled.save_revision().publish()
    PageViewRestriction.objects.create(
        page=editions[1],
        restriction_type="password",
        password="secret",  # noqa: S106
    )
    PageViewRestriction.objects.create(page=editions[2], restriction_type="login")
    draft = RecapPage.objects.get(pk=editions[0].pk)
    draft.title = "Titre du brouillon"
    draft.save_revision()
    return demo


def test_restore_into_an_empty_database_gives_the_same_public_site(
    client, varied_site, tmp_path, empty_database, settings
):
    # Every PDF is asked for twice: more than a reader's rate allows.
    settings.RECAPS_PDF_THROTTLE_RATE = None
    before = crawl_public_site(client)
    # Every public surface is among the compared URLs.
    assert {"/", "/sitemap.xml", API}.issubset(before)
    assert "Une place pour tous" in before["/"][1].decode()  # the home's tagline
    for part in ("/pdf/", "/feed/rss/", "/feed/atom/", "/themes/", API + "recaps/"):
        assert any(part in url for url in before), part
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    empty_database()
    call_command("import_recaps", str(archive))
    after = crawl_public_site(client)
    differ = [url for url in before if after.get(url) != before[url]]
    assert not differ, "\n".join(
        f"{url} {before[url][0]} → {after.get(url, (None,))[0]}\n"
        + difflib_summary(before[url][1], after.get(url, (0, b""))[1])
        for url in differ
    )
    assert after.keys() == before.keys()


def test_after_a_restore_new_themes_and_pages_take_fresh_ids(
    content, tmp_path, empty_database
):
    """Archived primary keys are kept, and the sequences move past them
    (PostgreSQL; SQLite's AUTOINCREMENT follows the highest id by itself)."""
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    highest = Page.objects.order_by("-pk").first().pk
    empty_database()
    call_command("import_recaps", str(archive))

    theme = Theme.objects.create(name="après la restauration")
    assert theme.pk > max(t.pk for t in Theme.objects.exclude(pk=theme.pk))
    series = RecapSeriesPage.objects.get()
    edition = RecapPageFactory(parent=series, edition_number=99, tags=["neuf"])
    assert edition.pk > highest
    restriction = PageViewRestriction.objects.create(
        page=edition, restriction_type="login"
    )
    assert restriction.pk > 2


def test_the_home_page_and_the_site_record_come_back(content, tmp_path, empty_database):
    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    home.tagline = "Une place pour tous"
    home.save_revision().publish()
    Site.objects.filter(pk=site.pk).update(site_name="Réseau", port=8080)
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    empty_database()
    call_command("import_recaps", str(archive))

    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.site_name) == ("testserver", 8080, "Réseau")
    restored = site.root_page.specific
    assert restored.pk == home.pk
    assert restored._meta.label == home._meta.label
    assert (restored.title, restored.slug) == (home.title, home.slug)
    assert getattr(restored, "tagline", None) == getattr(home, "tagline", None)
    assert RecapSeriesPage.objects.get().get_parent().pk == home.pk
    assert Page.objects.filter(depth=2).count() == 1  # the welcome page replaced


# --- generated damages: a French error naming the place, nothing written ---------


def _digest():
    """Row counts of every table."""
    return {
        model._meta.label: model._default_manager.count()
        for model in django_apps.get_models(include_auto_created=True)
    }


def _records(data):
    """``(place, record)`` of every page of the archive."""
    found = [("home", data["home"])] if "home" in data else []
    for index, series in enumerate(data["series"]):
        found.append((f"series[{index}]", series))
        found += [
            (f"series[{index}].editions[{number}]", edition)
            for number, edition in enumerate(series["editions"])
        ]
    return found


def _damages(data, rng):
    """One damage of ``data`` (changed in place); returns the place it names."""
    records = _records(data)
    editions = [(p, r) for p, r in records if r["type"] == "recaps.RecapPage"]
    kind = rng.choice(["delete", "retype", "truncate", "brace", "enum"])
    if kind == "delete":
        place, target, key = rng.choice(
            [
                (f"themes[{i}]", theme, k)
                for i, theme in enumerate(data["themes"])
                for k in ("id", "name", "slug")
            ]
            + [(p, r, k) for p, r in records for k in ("id", "live_content", "state")]
            + [
                (f"{p}.live_content", r["live_content"], k)
                for p, r in records
                for k in ("pk", "title", "slug", "path")
            ]
        )
        del target[key]
        return place
    if kind == "retype":
        place, target, key = rng.choice(
            [
                (f"themes[{i}].{k}", theme, k)
                for i, theme in enumerate(data["themes"])
                for k in ("id", "name", "slug", "description")
            ]
            + [
                (f"{p}.live_content.{k}", r["live_content"], k)
                for p, r in editions
                for k in ("title", "edition_number", "date", "live", "pk")
            ]
            + [
                (f"{p}.state.{k}", r["state"], k)
                for p, r in records
                for k in ("live", "go_live_at")
            ]
        )
        value = target[key]
        target[key] = (
            None
            if isinstance(value, str) and key == "name"
            else 12
            if isinstance(value, str)
            else "douze"
            if isinstance(value, int | type(None))
            else value
        )
        return place
    if kind in {"truncate", "brace"}:
        place, record = rng.choice(editions)
        content = record["live_content"]
        if record["draft"] and rng.random() < 0.5:
            place, content = f"{place}.draft.content", record["draft"]["content"]
        else:
            place = f"{place}.live_content"
        body = content["body"]
        if kind == "truncate":
            content["body"] = body[: rng.randrange(len(body) - 1)]
        else:
            braces = [i for i, char in enumerate(body) if char == "}"]
            cut = rng.choice(braces)
            content["body"] = body[:cut] + body[cut + 1 :]
        return f"{place}.body"
    place, target, key, value = rng.choice(
        [
            (f"{p}.restrictions[{i}]", restriction, "restriction_type", "bogus")
            for p, r in records
            for i, restriction in enumerate(r["restrictions"])
        ]
        + [
            (f"{p}.live_content", r["live_content"], "format", "mars")
            for p, r in editions
        ]
        + [
            (
                f"{p}.live_content",
                r["live_content"],
                "body",
                json.dumps([{"type": "inconnu", "value": {}, "id": "x"}]),
            )
            for p, r in editions
        ]
    )
    target[key] = value
    return place


@pytest.mark.parametrize("seed", range(24))
def test_generated_damages_give_a_french_error_and_write_nothing(
    content, tmp_path, seed, empty_site
):
    rng = random.Random(seed)
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    empty_site()
    before, files = _digest(), documents_on_disk()
    damaged = tmp_path / "damaged.zip"

    def damage(entries):
        data = json.loads(entries["recaps.json"])
        damage.place = _damages(data, rng)
        entries["recaps.json"] = json.dumps(data, ensure_ascii=False).encode()

    _damage(archive, damaged, damage)
    with pytest.raises(CommandError) as error:
        call_command("import_recaps", str(damaged))
    message = str(error.value)
    assert "archive endommagée : « recaps.json » ne suit pas le format" in message
    assert damage.place in message, message
    assert "Traceback" not in message
    assert _digest() == before
    assert documents_on_disk() == files


def _null_theme_name(data):
    data["themes"][0]["name"] = None
    return "themes[0].name : attendu : une chaîne de caractères, trouvé : null"


def _draft_body_without_a_brace(data):
    draft = data["series"][0]["editions"][2]["draft"]["content"]  # never published
    body = draft["body"]
    cut = body.rindex("}", 0, len(body) - 2)
    draft["body"] = body[:cut] + body[cut + 1 :]
    return "series[0].editions[2].draft.content.body : JSON invalide (caractère"


def _bogus_restriction(data):
    data["series"][0]["editions"][5]["restrictions"][0]["restriction_type"] = "vip"
    return (
        "series[0].editions[5].restrictions[0].restriction_type : valeur inconnue "
        '"vip" (attendu : "none", "password", "login", "groups")'
    )


@pytest.mark.parametrize(
    "damage", [_null_theme_name, _draft_body_without_a_brace, _bogus_restriction]
)
def test_the_measured_damages_are_named_in_french(
    content, tmp_path, damage, empty_site
):
    archive = tmp_path / "recaps.zip"
    call_command("export_recaps", "--output", str(archive))
    empty_site()
    before = _digest()
    damaged = tmp_path / "damaged.zip"
    expected = []

    def change(entries):
        data = json.loads(entries["recaps.json"])
        expected.append(damage(data))
        entries["recaps.json"] = json.dumps(data, ensure_ascii=False).encode()

    _damage(archive, damaged, change)
    with pytest.raises(CommandError) as error:
        call_command("import_recaps", str(damaged))
    assert expected[0] in str(error.value)
    assert len(str(error.value).splitlines()) == 2  # the archive, then the place
    assert _digest() == before
