"""PDF letters (recaps/pdf.py): an edition and a theme digest, from the demo content
(the legacy page's three editions, home/demo_data/petites-ebullitions.yaml).

Rendering is slow: each PDF is rendered once for the module and inspected by
several tests.
"""

import datetime
import io
import sys
import threading
import types
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import weasyprint
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from recaps import caching, pdf
from recaps.blocks import section_labels
from recaps.caching import KEY_PREFIX, Validators, cache_lock
from recaps.generator.writer import BulkEditionWriter
from recaps.models import (
    ContentVersion,
    RecapPage,
    RecapSection,
    RecapSeriesPage,
    Theme,
)
from recaps.pdf import date_filter, digest_groups
from tests.factories import section

A4 = (595.28, 841.89)
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SECRET = "motsecret"
pytestmark = pytest.mark.django_db


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def is_a4(content):
    reader = PdfReader(io.BytesIO(content))
    return all(
        abs(float(page.mediabox.width) - A4[0]) < 1
        and abs(float(page.mediabox.height) - A4[1]) < 1
        for page in reader.pages
    )


def structure_elements(node, kind, found=None):
    """Elements of type ``kind`` under a node of the PDF's structure tree."""
    found = [] if found is None else found
    node = node.get_object()
    if isinstance(node, list):
        for child in node:
            structure_elements(child, kind, found)
        return found
    if not hasattr(node, "get"):
        return found
    if node.get("/S") == kind:
        found.append(node)
    if "/K" in node:
        structure_elements(node["/K"], kind, found)
    return found


def secret_draft(series):
    """An unpublished edition carrying “numérique”, and a secret newer draft of
    a published one."""
    page = RecapPage(
        title=f"Édition {SECRET}",
        slug="edition-secrete",
        edition_number=9,
        date=datetime.date(2020, 12, 4),
        body=[section("observations", f"Constats {SECRET}", [f"Un {SECRET}"])],
        live=False,
    )
    series.add_child(instance=page)
    page.tags.set(["numérique"])
    page.save_revision()
    return page


@pytest.fixture(scope="module")
def letters(django_db_setup, django_db_blocker):
    """The demo content, the PDFs of its last edition and of “numérique”."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        series = RecapSeriesPage.objects.get()
        draft = secret_draft(series)
        last = RecapPage.objects.get(edition_number=3)
        newer = RecapPage.objects.get(edition_number=2)
        newer.body = [section("nuggets", f"Pépites {SECRET}", [f"Un {SECRET}"])]
        newer.save_revision()
        client = Client()
        theme = Theme.objects.get(slug="numerique")
        found = {
            "series": series,
            "last": last,
            "draft_url": draft.url,
            "edition": client.get(last.url + "pdf/"),
            "edition_page": client.get(last.url).content.decode(),
            "digest": client.get(f"{series.url}themes/numerique/pdf/"),
            "theme_page": client.get(f"{series.url}themes/numerique/").content.decode(),
            "sections": {
                edition.edition_number: edition.public_sections()
                for edition in RecapPage.objects.all()
            },
            "numerique": set(
                RecapPage.objects.filter(tagged_items__tag=theme).values_list(
                    "edition_number", flat=True
                )
            ),
        }
        transaction.set_rollback(True)
    ARTIFACTS.mkdir(exist_ok=True)
    for name in ("edition", "digest"):
        (ARTIFACTS / f"letter-{name}.pdf").write_bytes(found[name].content)
    return found


def test_edition_pdf_is_an_a4_pdf(letters):
    response = letters["edition"]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert is_a4(response.content)
    assert (
        'filename="les-petites-ebullitions-du-vendredi-3.pdf"'
        in (response["Content-Disposition"])
    )


def test_edition_pdf_is_the_neighbourhood_letter(letters):
    text = pdf_text(letters["edition"].content)
    for expected in (
        "Dernière petite ébullition du Vendredi",
        "Édition n° 3",
        "vendredi 11 décembre 2020",
        "Fédération des Centres Sociaux de Loire-Atlantique",
        "Une place pour tous, un espace pour chacun",
        "Comment participer ?",
        "Maxime · 06 46 80 00 95 · chmission.federation44@gmail.com",
        "http://localhost/petites-ebullitions-du-vendredi/derniere-petite-ebullition/",
    ):
        assert expected in text, expected
    rows = letters["sections"][3]
    headings = [" ".join(row.heading.split()) for row in rows if row.heading]
    # The free text has none, and the legacy page's empty last section
    # (“Les ressources partagées”) is not in the index: left out.
    assert len(headings) == 7
    assert "Les ressources partagées" not in headings
    assert "Les ressources partagées" not in text
    for heading in headings:
        assert heading in text, heading
    positions = [text.index(heading) for heading in headings]
    assert positions == sorted(positions)
    for row in letters["sections"][3]:
        for item in row.items:
            assert " ".join(item["text"].split())[:40] in text, item["text"]


def test_edition_pdf_is_tagged_in_french_with_a_title(letters):
    reader = PdfReader(io.BytesIO(letters["edition"].content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode()
    assert reader.metadata.title == (
        "Dernière petite ébullition du Vendredi · Les petites ébullitions du Vendredi"
    )
    # The QR code is a figure with a text alternative.
    figures = structure_elements(root["/StructTreeRoot"], "/Figure")
    assert [str(figure.get("/Alt")) for figure in figures] == [
        "QR code menant à la version en ligne"
    ]


def test_edition_page_links_its_pdf(letters):
    assert f'href="{letters["last"].url}pdf/"' in letters["edition_page"]


def test_theme_digest_holds_exactly_the_sections_of_the_theme(letters):
    response = letters["digest"]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert is_a4(response.content)
    text = pdf_text(response.content)
    assert "Thème : numérique" in text
    assert letters["numerique"] == {2, 3}
    for number, rows in letters["sections"].items():
        for row in rows:
            for item in row.items:
                words = " ".join(item["text"].split())[:40]
                if number in letters["numerique"]:
                    assert words in text, (number, words)
                else:
                    assert words not in text, (number, words)
    # Grouped by kind under the readers' labels, each credited to its edition.
    assert "Constats d’habitants" in text or "Constats d'habitants" in text
    assert "Deuxième petite ébullition du Vendredi, " in text
    assert "Dernière petite ébullition du Vendredi, 11 décembre 2020" in text
    assert "Première petite ébullition" not in text
    assert "Comment participer ?" in text
    assert str(section_labels()["text"]) in text and "Texte libre" not in text
    # Both resource sections of the legacy page are empty: no such group.
    assert "Les ressources partagées" not in text
    assert "Pour aller plus loin" not in text and "Ressources et liens" not in text


def test_nothing_unpublished_in_the_letters(letters):
    for name in ("edition", "digest"):
        assert SECRET not in pdf_text(letters[name].content), name


def test_theme_page_links_its_digest(letters):
    assert (
        'href="/petites-ebullitions-du-vendredi/themes/numerique/pdf/"'
        in (letters["theme_page"])
    )


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/pdf"
    return len(queries)


def test_digest_query_count_does_not_grow_with_editions(
    client, series, make_edition, uncached
):
    make_edition(
        edition_number=1,
        tags=["numérique"],
        body=[section("observations", "Constats", ["Un constat"])],
    )
    url = f"{series.url}themes/numerique/pdf/"
    client.get(url)  # warm Wagtail's site cache
    one = count_queries(client, url)
    for number in range(2, 6):
        make_edition(
            edition_number=number,
            tags=["numérique", f"thème {number}"],
            body=[
                section("observations", "Constats", [f"Constat {number}"]),
                section("nuggets", "Pépites", [(f"Pépite {number}", ["détail"])]),
            ],
        )
    assert count_queries(client, url) == one


def test_edition_pdf_query_count_does_not_grow_with_sections(
    client, make_edition, uncached
):
    small = make_edition(edition_number=1, tags=["numérique"])
    client.get(small.url + "pdf/")
    one = count_queries(client, small.url + "pdf/")
    big = make_edition(
        edition_number=2,
        tags=["numérique", "isolement", "aller-vers"],
        body=[
            section(kind, kind, [f"{kind} {n}" for n in range(5)])
            for kind in ("highlights", "observations", "reflections", "nuggets")
        ],
    )
    assert count_queries(client, big.url + "pdf/") == one


def test_pdf_is_cached_and_revalidated(client, make_edition):
    edition = make_edition(edition_number=1)
    url = edition.url + "pdf/"
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    again = client.get(url)
    assert again.content == first.content
    assert again["Content-Type"] == "application/pdf"
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304


@pytest.mark.parametrize(
    "query",
    [
        "date_after=27-11-2020",
        "date_before=2020-13-01",
        "date_after=2020-12-01&date_before=2020-11-01",
        "date_after=x" * 50,
    ],
)
def test_digest_with_invalid_dates_is_a_french_400_page(
    client, series, make_edition, query
):
    make_edition(edition_number=1, tags=["numérique"])
    response = client.get(f"{series.url}themes/numerique/pdf/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Ces dates ne peuvent pas être lues" in text
    assert 'href="/ebullitions/themes/numerique/"' in text


def test_digest_of_unknown_theme_is_404(client, series, make_edition):
    make_edition(edition_number=1, tags=["numérique"])
    assert client.get(f"{series.url}themes/inconnu/pdf/").status_code == 404


@pytest.mark.parametrize(
    ("model", "name", "kwargs", "url", "route"),
    [
        (RecapPage, "pdf", {}, "pdf/", pdf.edition_pdf_route),
        (
            RecapSeriesPage,
            "theme_pdf",
            {"slug": "numerique"},
            "themes/numerique/pdf/",
            pdf.theme_pdf_route,
        ),
    ],
)
def test_letters_routes_are_the_pages_own(model, name, kwargs, url, route):
    """:func:`recaps.pdf.register_routes` ran at start-up: each route name
    reverses to its URL, which resolves to the letter's view on that page."""
    assert model.get_resolver().reverse(name, **kwargs) == url
    page = model()
    match = page.resolve_subpage("/" + url)
    assert (match.url_name, match.kwargs) == (name, kwargs)
    assert match.func.__func__ is route and match.func.__self__ is page


def test_date_filter_and_groups_read_the_section_index(series, make_edition):
    editions = [
        make_edition(
            edition_number=number,
            date=datetime.date(2020, 11, 6) + datetime.timedelta(weeks=number),
            tags=["numérique"],
            body=[
                section("nuggets", "Pépites", [f"Pépite {number}"]),
                section("observations", "Constats", [f"Constat {number}"]),
            ],
        )
        for number in (1, 2, 3)
    ]
    make_edition(edition_number=4, tags=["autre"])
    theme = Theme.objects.get(slug="numerique")
    filterset = date_filter(
        {"date_after": "2020-11-20", "date_before": " "}, series.theme_editions(theme)
    )
    assert filterset.is_valid()
    kept = list(filterset.qs)
    assert [edition.edition_number for edition in kept] == [3, 2]
    groups = digest_groups(kept)
    assert [group["type"] for group in groups] == ["observations", "nuggets"]
    assert [group["label"] for group in groups] == [
        "Constats d’habitants",
        "Pépites et pistes d’action",
    ]
    assert [
        (edition.edition_number, row.items[0]["text"])
        for edition, row in groups[1]["entries"]
    ] == [(3, "Pépite 3"), (2, "Pépite 2")]
    assert all(isinstance(row, RecapSection) for _, row in groups[0]["entries"])
    assert editions[0].pk not in {e.pk for g in groups for e, _ in g["entries"]}


class _BrokenWeasyPrint(types.ModuleType):
    """WeasyPrint whose system libraries cannot be loaded (cffi's OSError)."""

    def __getattr__(self, name):
        raise OSError("cannot load library 'libpango-1.0-0'")


@pytest.mark.parametrize("broken", [None, _BrokenWeasyPrint("weasyprint")])
def test_without_weasyprints_libraries_readers_get_a_french_503(
    client, make_edition, monkeypatch, broken
):
    edition = make_edition(
        edition_number=1, body=[section("nuggets", "Pépites", ["Un atelier"])]
    )
    # ``None`` in sys.modules makes the import fail as a missing package would.
    monkeypatch.setitem(sys.modules, "weasyprint", broken)
    response = client.get(edition.url + "pdf/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "Le PDF ne peut pas être fabriqué sur ce serveur" in html
    assert f'href="{edition.get_full_url()}"' in html
    assert response["Content-Type"].startswith("text/html")


# --- Bounded cost: selection, normalised cache key, single flight, rate limit ---

DIGEST = "/ebullitions/themes/numerique/pdf/"


class Letters:
    """Spy on :func:`recaps.pdf.write_pdf`: the contexts letters were made from."""

    def __init__(self, monkeypatch):
        self.contexts = []
        self.real = pdf.write_pdf
        monkeypatch.setattr(pdf, "write_pdf", self)

    def __call__(self, request, template, context):
        self.contexts.append(context)
        return self.real(request, template, context)


class FakeWeasyPrint:
    """WeasyPrint's ``HTML.write_pdf`` replaced: counts the letters made and
    gives ``%PDF-fake <n>``; ``block`` (an event) holds each one until set."""

    def __init__(self, monkeypatch, block=None):
        self.made = 0
        self.making = threading.Event()
        self.block = block
        monkeypatch.setattr(weasyprint.HTML, "write_pdf", self.write_pdf)

    def write_pdf(self, *args, **kwargs):
        self.made += 1
        self.making.set()
        if self.block is not None:
            self.block.wait(timeout=120)
        return b"%PDF-fake " + str(self.made).encode()


def queries_and_pages(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(PdfReader(io.BytesIO(response.content)).pages), response


def test_digest_of_a_large_archive_holds_the_newest_editions_and_says_how_many(
    client, series, uncached, monkeypatch
):
    uncached.RECAPS_DIGEST_MAX_EDITIONS = 5
    letters = Letters(monkeypatch)
    client.get(series.url)  # warm Wagtail's site cache
    found = []
    for count in (50, 450):  # 50 editions, then 500
        BulkEditionWriter(series, "29", workers=0).write(count)
        theme = Theme.objects.get(slug="numerique")
        every = [edition.pk for edition in series.theme_editions(theme)]
        queries, pages, response = queries_and_pages(client, DIGEST)
        context = letters.contexts[-1]
        assert context["total"] == len(every)
        assert [edition.pk for edition in context["editions"]] == every[:5]
        credited = {
            entry["edition"].pk
            for group in context["groups"]
            for entry in group["entries"]
        }
        assert credited <= set(every[:5])
        text = pdf_text(response.content)
        assert f"Les 5 éditions les plus récentes sur {len(every)}" in text
        assert "Les autres éditions sur ce thème sont en ligne" in text
        found.append((len(every), queries, pages))
    (small_total, small_queries, small_pages), (big_total, big_queries, big_pages) = (
        found
    )
    assert big_total > 100 > small_total > 5
    assert big_queries == small_queries
    # Pages depend on the newest five editions only (today's code: 10 times more).
    assert big_pages <= 2 * small_pages


def test_digest_of_a_small_selection_states_its_count_only(
    client, series, make_edition, monkeypatch
):
    letters = Letters(monkeypatch)
    make_edition(edition_number=1, tags=["numérique"])
    text = pdf_text(client.get(DIGEST).content)
    assert letters.contexts[0]["total"] == 1
    assert "1 édition" in text and "plus récente" not in text


def test_unknown_parameters_and_spelling_of_dates_name_the_same_letter(
    client, series, make_edition, monkeypatch
):
    letters = FakeWeasyPrint(monkeypatch)
    edition = make_edition(edition_number=1, tags=["numérique"])
    first = client.get(DIGEST)
    assert first.status_code == 200 and letters.made == 1
    for query in ("?x=1", "?date_after=&utm_source=lettre", "?date_before=+&x=2"):
        again = client.get(DIGEST + query)
        assert again.status_code == 200, query
        assert again.content == first.content, query
    assert letters.made == 1
    dated = client.get(DIGEST + "?date_after=2020-11-20")
    assert client.get(DIGEST + "?x=1&date_after=+2020-11-20+").content == dated.content
    assert letters.made == 2
    # An edition's letter takes no parameter.
    url = edition.url + "pdf/"
    assert client.get(url).content == client.get(url + "?x=1").content
    assert letters.made == 3


def pdf_lock(series, theme_slug="numerique", *dates):
    """The lock of the digest ``theme_slug`` (see ``recaps.caching.cache_lock``)."""
    request = RequestFactory().get("/")
    theme = Theme.objects.get(slug=theme_slug)
    dates = dates or (None, None)
    return pdf.pdf_identity(request, "theme", series.pk, theme.pk, *dates)


def test_a_letter_being_made_is_not_made_twice(
    client, series, make_edition, monkeypatch, settings
):
    settings.RECAPS_PDF_WAIT = 0
    letters = FakeWeasyPrint(monkeypatch)
    make_edition(edition_number=1, tags=["numérique"])
    with cache_lock([pdf_lock(series)], 60) as held:
        assert held
        busy = client.get(DIGEST)
    assert busy.status_code == 503
    assert busy["Retry-After"] == str(pdf.BUSY_RETRY_AFTER)
    assert busy["Cache-Control"] == "no-store"
    assert "Le PDF est en cours de préparation" in busy.content.decode()
    assert "Réessayez dans 10 secondes" in busy.content.decode()
    assert letters.made == 0
    # Once the lock is given back, the letter is made.
    assert client.get(DIGEST).status_code == 200 and letters.made == 1


def test_a_request_waits_for_the_letter_another_one_makes(
    client, series, make_edition, monkeypatch, settings
):
    settings.RECAPS_PDF_WAIT = 30
    letters = FakeWeasyPrint(monkeypatch)
    make_edition(edition_number=1, tags=["numérique"])
    name = pdf_lock(series)
    seed = Validators.site_wide(ContentVersion.current()).seed

    def the_other_finishes(seconds):
        # What the request holding the lock does when its letter is ready.
        cache.set(f"{KEY_PREFIX}:derived:{seed}:{name}", (b"%PDF-made elsewhere",))
        cache.delete(f"{KEY_PREFIX}:lock:{name}")

    monkeypatch.setattr(caching.time, "sleep", the_other_finishes)
    cache.add(f"{KEY_PREFIX}:lock:{name}", 1, 60)
    response = client.get(DIGEST)
    assert response.status_code == 200
    assert response.content == b"%PDF-made elsewhere"
    assert letters.made == 0


def test_letters_are_rate_limited_per_client_in_french(
    client, series, make_edition, monkeypatch, settings
):
    settings.RECAPS_PDF_THROTTLE_RATE = "3/minute"
    FakeWeasyPrint(monkeypatch)
    make_edition(edition_number=1, tags=["numérique"])
    # Distinct URLs: the response cache answers none of them before the view.
    statuses = [client.get(f"{DIGEST}?n={n}").status_code for n in range(3)]
    assert statuses == [200] * 3
    refused = client.get(f"{DIGEST}?n=3")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Cache-Control"] == "no-store"
    html = refused.content.decode()
    assert "Trop de PDF demandés" in html and "Réessayez dans" in html
    assert 'href="http://testserver/ebullitions/themes/numerique/"' in html
    # A forged X-Forwarded-For changes nothing without trusted proxies …
    forged = client.get(f"{DIGEST}?n=4", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429
    # … behind one, the address it saw is the client.
    settings.REST_FRAMEWORK = {"NUM_PROXIES": 1}
    other = client.get(f"{DIGEST}?n=5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert other.status_code == 200


# serialized_rollback: an earlier transactional test of the same process may
# have flushed Wagtail's root page away.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_concurrent_digests_leave_the_site_answering_other_pages(
    series, make_edition, monkeypatch, settings
):
    """Ten readers ask at once for ten different digests (no rate limit): one
    letter is made (one slot on the site), the nine others are refused at
    once instead of holding a worker, and pages answer meanwhile."""
    settings.RECAPS_PDF_THROTTLE_RATE = None
    settings.RECAPS_PDF_CONCURRENCY = 1
    settings.RECAPS_PDF_WAIT = 0
    make_edition(edition_number=1, tags=["numérique"])
    release = threading.Event()
    letters = FakeWeasyPrint(monkeypatch, block=release)

    def fetch(day):
        try:
            response = Client().get(f"{DIGEST}?date_after=2020-01-{day:02d}")
            return response.status_code, response.get("Retry-After")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        readers = [pool.submit(fetch, day) for day in range(1, 11)]
        try:
            assert letters.making.wait(timeout=120)
            while sum(reader.done() for reader in readers) < 9:
                pending = [reader for reader in readers if not reader.done()]
                done, _ = futures.wait(
                    pending, timeout=120, return_when=futures.FIRST_COMPLETED
                )
                assert done, "the refused readers did not get their answer"
            # One letter is being made: the site answers other pages.
            other = Client()
            for url in (
                "/ebullitions/",
                "/ebullitions/themes/numerique/",
                "/api/v1/recaps/",
            ):
                assert other.get(url).status_code == 200, url
        finally:
            release.set()
        answers = [reader.result(timeout=120) for reader in readers]
    assert sorted(status for status, _ in answers) == [200] + [503] * 9
    assert {after for status, after in answers if status == 503} == {
        str(pdf.BUSY_RETRY_AFTER)
    }
    assert letters.made == 1
