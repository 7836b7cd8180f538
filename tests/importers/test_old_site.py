"""Old addresses of an imported site and links to them (issue 25)."""

import pytest

from recaps.importers.document import ParsedEdition
from recaps.importers.old_site import (
    OldSite,
    old_addresses,
    old_path,
    replace_links,
)

SITE = "https://www.centres-sociaux-44.fr"


def test_a_post_has_its_permalink_and_its_short_link():
    assert old_addresses(f"{SITE}/2020/11/13/premiere/", SITE + "/", "11") == [
        f"{SITE}/2020/11/13/premiere/",
        f"{SITE}/?p=11",
    ]
    # A draft's link is its short link: once.
    assert old_addresses(f"{SITE}/?p=11", SITE, "11") == [f"{SITE}/?p=11"]
    assert old_addresses("", "", "") == []


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (f"{SITE}/2020/11/13/premiere/", "/2020/11/13/premiere"),
        (f"{SITE}/?p=11", "/?p=11"),
        ("?p=11", "/?p=11"),
        (f"{SITE}/?p=11#commentaires", "/?p=11"),
        (f"{SITE}/caf%C3%A9/", "/café"),
        (f"{SITE}/?b=2&a=1", "/?a=1&b=2"),
    ],
)
def test_addresses_are_compared_as_wagtail_redirects_compare_them(url, path):
    assert old_path(url) == path


def _site():
    edition = ParsedEdition(
        source_key=f"{SITE}/?p=11",
        old_urls=old_addresses(f"{SITE}/2020/11/13/premiere/", SITE, "11"),
    )
    return OldSite([edition])


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/2020/11/13/premiere/",
        "http://centres-sociaux-44.fr/2020/11/13/premiere",
        "/2020/11/13/premiere/",
        "/?p=11",
        f"{SITE}/?p=11",
    ],
)
def test_every_form_of_an_old_address_finds_its_post(url):
    assert _site().target(url) == f"{SITE}/?p=11"


@pytest.mark.parametrize(
    ("url", "old"),
    [
        ("https://ailleurs.example/2020/11/13/premiere/", False),
        ("mailto:contact@centres-sociaux-44.fr", False),
        (f"{SITE}/2019/01/01/autre/", True),
        ("#haut", False),
    ],
)
def test_other_sites_are_never_taken_for_a_post(url, old):
    site = _site()
    assert site.target(url) is None
    assert site.is_old(url) is old


def test_links_are_found_in_any_rich_text_of_a_section():
    section = {
        "type": "actions",
        "items": [{"text": f'<a href="{SITE}/?p=11">un</a>', "children": []}],
        "intro": '<p><a class="x" href="/2019/01/01/autre/">deux</a></p>',
    }
    imported, others = _site().targets("<p>intro</p>", [section])
    assert imported == {f"{SITE}/?p=11": f"{SITE}/?p=11"}
    assert others == ["/2019/01/01/autre/"]


def test_links_become_page_links_and_nothing_else_changes():
    value = [
        {"text": '<p><a href="/?p=11&amp;x=1">un</a> <a href="/autre">deux</a></p>'},
        "<p>sans lien</p>",
        3,
    ]
    assert replace_links(value, {"/?p=11&x=1": 7}) == [
        {"text": '<p><a linktype="page" id="7">un</a> <a href="/autre">deux</a></p>'},
        "<p>sans lien</p>",
        3,
    ]


def test_without_the_redirects_app_paths_are_normalised_as_wagtail_does(monkeypatch):
    """The fallback of a site without ``wagtail.contrib.redirects`` agrees with
    ``Redirect.normalise_path`` on generated addresses (seeded)."""
    import random

    from wagtail.contrib.redirects.models import Redirect

    from recaps.importers import old_site

    rng = random.Random(25)
    parts = ["2020", "11", "premiere", "caf%C3%A9", "é", "a-b", ""]
    cases = []
    for _case in range(300):
        path = "/".join(rng.choice(parts) for _ in range(rng.randint(0, 4)))
        path = rng.choice(["", "/"]) + path + rng.choice(["", "/"])
        query = "&".join(
            f"{rng.choice('pqab')}={rng.randint(1, 30)}"
            for _ in range(rng.randint(0, 3))
        )
        cases.append(path + (f"?{query}" if query else ""))
    expected = [Redirect.normalise_path(case) for case in cases]
    monkeypatch.setattr(old_site, "REDIRECTS", False)
    assert [old_site.normalise_path(case) for case in cases] == expected
