"""Theme navigation: theme index and theme pages of a series, related editions."""

import datetime

import pytest

from tests.factories import section

pytestmark = pytest.mark.django_db


def _themes_url(series, slug=None):
    if slug is None:
        return series.url + series.reverse_subpage("themes")
    return series.url + series.reverse_subpage("theme", kwargs={"slug": slug})


def test_theme_index_counts_only_published_editions(
    client, series, make_edition, hidden_editions
):
    make_edition(edition_number=1, tags=["numérique", "isolement"])
    make_edition(edition_number=2, tags=["numérique"])
    response = client.get(_themes_url(series))
    assert response.status_code == 200
    html = response.content.decode()
    assert "numérique" in html
    assert "(2 éditions)" in html
    assert "(1 édition)" in html
    assert 'href="/ebullitions/themes/numerique/"' in html
    assert 'href="/ebullitions/themes/isolement/"' in html
    # "secret" is only carried by editions nobody may see.
    assert "secret" not in html


def test_series_page_shows_theme_counts_and_keeps_its_default_route(
    client, series, make_edition, hidden_editions
):
    make_edition(edition_number=1, title="Première", tags=["numérique"])
    html = client.get(series.url).content.decode()
    assert "Première" in html
    assert 'href="/ebullitions/themes/numerique/"' in html
    assert "(1 édition)" in html
    assert "secret" not in html
    assert 'href="/ebullitions/themes/"' in html


def test_theme_page_lists_editions_newest_first_with_sections(
    client, series, make_edition, hidden_editions
):
    from recaps.models import Theme

    make_edition(
        edition_number=1,
        title="Première",
        date=datetime.date(2020, 11, 13),
        tags=["numérique"],
        intro="<p>Intro de la première.</p>",
        body=[
            section("observations", "Les constats", ["x"]),
            section("nuggets", "Les pépites", ["y"]),
        ],
    )
    make_edition(
        edition_number=2,
        title="Deuxième",
        date=datetime.date(2020, 11, 20),
        tags=["numérique"],
    )
    make_edition(edition_number=3, title="Sans thème", tags=["autre"])
    Theme.objects.filter(slug="numerique").update(
        description="L’inclusion numérique des habitants."
    )
    response = client.get(_themes_url(series, "numerique"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "L’inclusion numérique des habitants." in html
    assert html.index("Deuxième") < html.index("Première")
    assert "Intro de la première." in html
    assert "Rubriques : Constats d’habitants, Pépites et pistes d’action" in html
    assert "13 novembre 2020" in html
    assert "Sans thème" not in html
    for page in hidden_editions.values():
        assert page.title not in html
    assert "2 éditions" in html


def test_theme_page_is_paginated(client, series, make_edition):
    from recaps.models.series import EDITIONS_PER_PAGE

    for number in range(1, EDITIONS_PER_PAGE + 3):
        make_edition(edition_number=number, title=f"Ed-{number:03d}", tags=["lien"])
    first = client.get(_themes_url(series, "lien")).content.decode()
    second = client.get(_themes_url(series, "lien"), {"page": 2}).content.decode()
    assert f"Ed-{EDITIONS_PER_PAGE + 2:03d}" in first
    assert "Ed-001" not in first
    assert "Ed-001" in second
    assert 'rel="prev" href="?page=1"' in second


@pytest.mark.parametrize("slug", ["inconnu", "secret"])
def test_unknown_or_hidden_theme_is_404(
    client, series, make_edition, hidden_editions, slug
):
    make_edition(edition_number=1, tags=["numérique"])
    assert client.get(_themes_url(series, slug)).status_code == 404


def test_edition_links_its_themes_to_the_theme_pages(client, make_edition):
    edition = make_edition(edition_number=1, tags=["numérique", "aller-vers"])
    html = client.get(edition.url).content.decode()
    assert (
        '<a class="theme" href="/ebullitions/themes/numerique/">numérique</a>' in html
    )
    assert 'href="/ebullitions/themes/aller-vers/"' in html


def test_related_editions_ranked_by_shared_themes_then_recency(
    client, make_edition, hidden_editions
):
    current = make_edition(edition_number=10, tags=["a", "b", "c"])
    one_old = make_edition(
        edition_number=1, title="Un-ancien", date=datetime.date(2020, 1, 1), tags=["a"]
    )
    one_new = make_edition(
        edition_number=2, title="Un-récent", date=datetime.date(2021, 1, 1), tags=["b"]
    )
    two = make_edition(
        edition_number=3,
        title="Deux-thèmes",
        date=datetime.date(2019, 1, 1),
        tags=["a", "c", "z"],
    )
    make_edition(edition_number=4, title="Aucun", tags=["z"])
    related = current.get_related_editions(list(current.tags.all()))
    assert [page.pk for page in related] == [two.pk, one_new.pk, one_old.pk]
    assert [page.shared_theme_count for page in related] == [2, 1, 1]
    html = client.get(current.url).content.decode()
    section_html = html[html.index("Autres éditions sur les mêmes thèmes") :]
    assert section_html.index("Deux-thèmes") < section_html.index("Un-récent")
    assert section_html.index("Un-récent") < section_html.index("Un-ancien")
    assert "Aucun" not in section_html
    assert "Brouillon" not in html and "Expirée" not in html


def test_related_editions_are_ranked_among_the_newest_candidates(
    make_edition, monkeypatch
):
    """The ranking walks a bounded window of the newest editions sharing a theme
    (its cost stays flat): an older edition sharing more themes is left out."""
    monkeypatch.setattr("recaps.models.edition.RELATED_CANDIDATES", 2)
    current = make_edition(edition_number=10, tags=["a", "b"])
    old_two = make_edition(
        edition_number=1,
        title="Ancien",
        date=datetime.date(2019, 1, 1),
        tags=["a", "b"],
    )
    newer = [
        make_edition(
            edition_number=number,
            title=f"Récent {number}",
            date=datetime.date(2021, 1, number),
            tags=["a"],
        )
        for number in (2, 3)
    ]
    related = current.get_related_editions(list(current.tags.all()))
    assert [page.pk for page in related] == [newer[1].pk, newer[0].pk]
    assert old_two.pk not in [page.pk for page in related]


def test_theme_page_queries_do_not_grow_with_editions_or_themes(
    series, make_edition, count_queries
):
    make_edition(
        edition_number=1, tags=["commun"], body=[section("highlights", items=["x"])]
    )
    url = _themes_url(series, "commun")
    count_queries(url)  # warm the site root paths cache
    small = count_queries(url)
    small_index = count_queries(_themes_url(series))
    for number in range(2, 14):
        make_edition(
            edition_number=number,
            tags=["commun", f"thème {number}", f"autre {number}"],
            body=[
                section(kind, items=[(f"item {n}", ["sub"]) for n in range(4)])
                for kind in ["observations", "nuggets", "resources"]
            ],
        )
    assert count_queries(url) == small
    assert count_queries(_themes_url(series)) == small_index


def test_edition_page_queries_do_not_grow_with_related_editions(
    make_edition, count_queries
):
    current = make_edition(edition_number=1, tags=["a", "b"])
    make_edition(edition_number=2, tags=["a"])
    count_queries(current.url)
    few = count_queries(current.url)
    for number in range(3, 12):
        make_edition(edition_number=number, tags=["a", "b", f"t{number}"])
    assert count_queries(current.url) == few


def test_every_reader_surface_shows_a_theme_as_first_written(
    client, series, make_edition
):
    """A theme first written "Parentalité Positive" reads so on the edition
    page (links, ``article:tag``, JSON-LD ``keywords``), the theme page and
    index, the search page (facets, results, browsing), the 404 page, the
    feeds and both PDFs; its key "parentalité positive" appears on none."""
    import io
    import json

    from lxml import html as lxml_html
    from pypdf import PdfReader

    label, key = "Parentalité Positive", "parentalité positive"
    edition = make_edition(
        edition_number=1,
        tags=[label, "numérique"],
        body=[section("highlights", "Points forts", ["Un goûter parents enfants"])],
    )
    make_edition(edition_number=2, tags=["PARENTALITÉ  positive"])
    theme_url = _themes_url(series, "parentalite-positive")

    def text(url, **params):
        response = client.get(url, params)
        assert response.status_code in (200, 404), url
        return response.content.decode()

    def pdf(url):
        response = client.get(url)
        assert response.status_code == 200, url
        reader = PdfReader(io.BytesIO(response.content))
        return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)

    page = text(edition.url)
    tree = lxml_html.fromstring(page)
    (event,) = [
        block
        for block in map(
            json.loads, tree.xpath('//script[@type="application/ld+json"]/text()')
        )
        if block.get("@type") == "Event"
    ]
    assert set(event["keywords"].split(", ")) == {label, "numérique"}
    surfaces = {
        "edition": page,
        "theme page": text(theme_url),
        "theme index": text(_themes_url(series)),
        "search facets": text("/search/", query="goûter"),
        "search themes": text("/search/"),
        "search filter": text("/search/", tag="parentalite-positive"),
        "404": text("/nulle-part/"),
        "rss": text(theme_url + "feed/rss/"),
        "series rss": text(series.url + "feed/rss/"),
        "json feed": json.dumps(
            json.loads(text(series.url + "feed/json/")), ensure_ascii=False
        ),
        "edition pdf": pdf(edition.url + "pdf/"),
        "digest pdf": pdf(theme_url + "pdf/"),
    }
    for name, shown in surfaces.items():
        assert label in shown, name
        assert key not in shown, name
    assert f'<meta property="article:tag" content="{label}">' in page
