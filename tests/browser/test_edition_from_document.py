"""An editor creates an edition from a Word document, publishes it, reads it.

Run with ``pytest -m browser --ds=cms.settings.test_browser``.
"""

import pytest
from playwright.sync_api import expect

from recaps.models import RecapPage
from tests.browser.conftest import log_in
from tests.importers.documents import DOCX, demo_edition

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_edition_from_a_docx_is_drafted_published_and_read(live_server, page, series):
    live = live_server.url
    log_in(page, live)
    title = demo_edition(1)["title"]

    # From the series' page in the admin: its “…” menu offers the action.
    page.goto(f"{live}/admin/pages/{series.pk}/")
    page.get_by_role("button", name="Actions").first.click()
    page.get_by_role("link", name="Créer une édition depuis un document").click()
    expect(page.locator("h2#header-title")).to_contain_text(
        "Créer une édition depuis un document"
    )
    page.set_input_files('input[name="document"]', str(DOCX))
    with page.expect_navigation(url="**/admin/pages/*/edit/"):
        page.click("footer button[type=submit]")

    # The normal edit view of a draft, with the summary at the top.
    messages = page.locator(".messages")
    expect(messages).to_contain_text("Édition créée en brouillon")
    expect(messages).to_contain_text("Temps forts")
    edition = RecapPage.objects.child_of(series).get()
    assert not edition.live and edition.title == title
    assert page.request.get(live + series.url).ok
    api = page.request.get(f"{live}/api/v1/recaps/?series={series.slug}").json()
    assert title not in [recap["title"] for recap in api["results"]]

    page.locator("footer .w-dropdown-button .w-dropdown__toggle").click()
    publish = page.locator('button[name="action-publish"]')
    publish.wait_for(state="visible")
    with page.expect_navigation(url="**/admin/pages/*/"):
        publish.click()
    edition.refresh_from_db()
    assert edition.live

    page.goto(live + edition.url)
    html = page.content()
    for text in [
        title,
        "Des interrogations partagées",
        "Comment repérer les personnes en fragilité",
        "Le site ressource de la Fédération",
    ]:
        assert text in html
    assert page.locator("main img").count() >= 1
    api = page.request.get(f"{live}/api/v1/recaps/?series={series.slug}").json()
    assert title in [recap["title"] for recap in api["results"]]
