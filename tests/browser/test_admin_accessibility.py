"""The admin pages editors use, checked by axe-core in a real browser: no
violation of WCAG 2.1 A/AA nor of axe's best practices.

Before issue 26, the edit view had a scrollable list nobody could reach with
the keyboard (Wagtail's collapsed minimap: ``scrollable-region-focusable``),
and the edit and new-edition views landmarks sharing one name (the sub-point
groups, all “Sous-points”; the five default sections of a new edition, all
``block-null``: ``landmark-unique``). Fixed in recaps/static/recaps/admin/
(editor.css, editor.js: panels named by their place) and
recaps/admin/new_edition.py (block ids for the default sections).
"""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from recaps.models import RecapPage, RecapSeriesPage, Theme
from tests.browser.accessibility import WCAG_21_AA_AND_BEST_PRACTICES, axe_violations
from tests.browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def admin_page(live_server, page):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    log_in(page, live_server.url)
    return page


def violations(page):
    return axe_violations(page, tags=WCAG_21_AA_AND_BEST_PRACTICES)


def test_the_admin_pages_editors_use_pass_axe(admin_page, live_server):
    series = RecapSeriesPage.objects.get()
    edition = RecapPage.objects.child_of(series).order_by("date").last()
    theme = Theme.objects.order_by("name").first()
    pages = {
        "tableau de bord": reverse("wagtailadmin_home"),
        "pages de la série": reverse("wagtailadmin_explore", args=[series.pk]),
        "modification d’une édition": reverse(
            "wagtailadmin_pages:edit", args=[edition.pk]
        ),
        "nouvelle édition": reverse(
            "wagtailadmin_pages:add", args=["recaps", "recappage", series.pk]
        ),
        "édition depuis un document": reverse(
            "recaps_edition_from_document", args=[series.pk]
        ),
        "éditions": reverse("editions:index"),
        "thèmes": reverse("recaps_theme_modeladmin_index"),
        "modification d’un thème": reverse(
            "recaps_theme_modeladmin_edit", args=[theme.pk]
        ),
        "fusion de thèmes": reverse("recaps_theme_modeladmin_merge", args=[theme.pk]),
        "guide": reverse("cms_editor_guide"),
    }
    found = {}
    for name, url in pages.items():
        admin_page.goto(live_server.url + url, wait_until="networkidle")
        expect(admin_page.locator("main")).to_be_visible()
        report = violations(admin_page)
        if report:
            found[name] = report
    assert not found, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())


def test_the_login_page_and_the_document_errors_pass_axe(live_server, page, series):
    page.goto(live_server.url + reverse("wagtailadmin_login"), wait_until="networkidle")
    assert not violations(page)
    log_in(page, live_server.url)
    page.goto(
        live_server.url + reverse("recaps_edition_from_document", args=[series.pk])
    )
    with page.expect_navigation():
        page.click("footer button[type=submit]")
    expect(page.locator(".w-field__errors").first).to_contain_text(
        "Envoyez un document ou collez un texte."
    )
    assert not violations(page)


def test_the_edit_view_passes_axe_with_every_section_open(admin_page, live_server):
    """Opened, the later sections show their points and sub-point groups."""
    edition = RecapPage.objects.order_by("date").last()
    admin_page.goto(
        live_server.url + reverse("wagtailadmin_pages:edit", args=[edition.pk]),
        wait_until="networkidle",
    )
    sections = admin_page.locator(
        "[data-contentpath='body'] [data-streamfield-stream-container]"
    ).first.locator(":scope > [data-streamfield-child]")
    assert sections.count() > 3
    for section in sections.all()[1:]:
        toggle = section.locator("[data-panel-toggle]").first
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    groups = admin_page.locator("section[data-panel]:has(> div > .recap-subitems)")
    assert groups.count() > 10
    expect(groups.nth(1)).to_have_accessible_name(
        "Sous-points (point 2 de la section 1)"
    )
    assert not violations(admin_page)


def test_two_empty_points_have_distinct_names(admin_page, live_server):
    """Two points added to a new edition, both empty: each named by its place."""
    series = RecapSeriesPage.objects.get()
    admin_page.goto(
        live_server.url
        + reverse("wagtailadmin_pages:add", args=["recaps", "recappage", series.pk]),
        wait_until="networkidle",
    )
    add = admin_page.locator("[data-contentpath='body'] [data-streamfield-list-add]")
    add.first.click()
    points = admin_page.locator(".recap-item")
    expect(points).to_have_count(1)
    add.first.click()
    expect(points).to_have_count(2)
    panels = [
        points.nth(index).locator("xpath=ancestor::section[@data-panel][1]")
        for index in range(2)
    ]
    expect(panels[0]).to_have_accessible_name(
        re.compile(r"\(point 1 de la section 1\)$")
    )
    expect(panels[1]).to_have_accessible_name(
        re.compile(r"\(point 2 de la section 1\)$")
    )
    assert not violations(admin_page)
