"""An editor creates an edition from a Word document, publishes it, reads it.

Run with ``pytest -m browser --ds=cms.settings.test_browser``.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from recaps.models import RecapPage
from tests.admin.test_documents import LETTER, OLD_DOC
from tests.browser.conftest import log_in
from tests.importers.documents import (
    DOCX,
    ODT,
    demo_edition,
    docx_with_styles,
    odt_with_list_styles,
)

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


def submit(page):
    with page.expect_navigation():
        page.click("footer button[type=submit]")


def field_error(page, name):
    """The error shown in the wrapper of the form field ``name``."""
    wrapper = page.locator(f".w-field:has([name='{name}'])")
    return wrapper.locator(".w-field__errors")


def test_each_refusal_is_shown_under_its_field(live_server, page, series, tmp_path):
    """An empty submission, a fake .docx and a text without headings each show
    their French error under the field; what was pasted stays in the text area."""
    live = live_server.url
    log_in(page, live)
    page.goto(live + reverse("recaps_edition_from_document", args=[series.pk]))

    submit(page)
    expect(field_error(page, "document")).to_contain_text(
        "Envoyez un document ou collez un texte."
    )
    expect(page.locator(".messages")).to_contain_text("Le brouillon n’a pas été créé")

    fake = tmp_path / "notes.docx"
    fake.write_bytes("Juste du texte renommé en .docx".encode())
    page.set_input_files('input[name="document"]', str(fake))
    submit(page)
    error = field_error(page, "document")
    expect(error).to_contain_text("notes.docx")
    expect(error).to_contain_text("pas un vrai document Word (.docx) malgré son nom")

    pasted = "Merci à tous pour ce moment.\nOn se revoit en juin."
    page.fill('textarea[name="text"]', pasted)
    submit(page)
    expect(field_error(page, "text")).to_contain_text("aucun compte rendu trouvé")
    expect(field_error(page, "document")).to_have_text("")
    expect(page.locator('textarea[name="text"]')).to_have_value(pasted)
    assert not RecapPage.objects.child_of(series).exists()


def test_email_and_styled_word_list_give_the_right_draft(live_server, page, series):
    """A pasted e-mail loses its letter (shown as set aside) and gives its date
    and place; a Word file's “List Bullet 2” paragraphs are sub-points."""
    live = live_server.url
    log_in(page, live)
    url = live + reverse("recaps_edition_from_document", args=[series.pk])

    page.goto(url)
    page.fill('textarea[name="text"]', LETTER)
    submit(page)
    messages = page.locator(".messages")
    expect(messages).to_contain_text("Mis de côté, non publié")
    expect(messages).to_contain_text("la signature « Camille Martin")
    expect(messages).to_contain_text("Lu dans le document : date vendredi 15 mai")
    expect(messages).to_contain_text("lieu « centre social de la Bottière »")
    expect(messages).to_contain_text("Mots : 66 dans le document")
    draft = RecapPage.objects.child_of(series).get().get_latest_revision_as_object()
    assert "Bonjour" not in draft.intro and draft.format == "presentiel"

    page.goto(url)
    document = docx_with_styles(
        [
            ("heading 2", "Ce qui a été partagé :"),
            ("List Bullet", "Des interrogations partagées"),
            ("List Bullet 2", "Comment repérer les personnes en fragilité ?"),
            ("Liste à puces 2", "Comment faire une place aux bénévoles ?"),
        ]
    )
    page.set_input_files(
        'input[name="document"]',
        files=[
            {
                "name": "sous-points.docx",
                "mimeType": "application/octet-stream",
                "buffer": document,
            }
        ],
    )
    submit(page)
    expect(page.locator(".messages")).to_contain_text("(1 point, 2 sous-points)")


def upload(page, name, data):
    page.set_input_files(
        'input[name="document"]',
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}],
    )


def test_an_old_doc_is_refused_under_its_field(live_server, page, series):
    """An old Word file (.doc): the error names the file and says what to do."""
    live = live_server.url
    log_in(page, live)
    page.goto(live + reverse("recaps_edition_from_document", args=[series.pk]))
    upload(page, "compte-rendu de mai.doc", OLD_DOC)
    submit(page)
    error = field_error(page, "document")
    expect(error).to_contain_text(
        "compte-rendu de mai.doc : ancien document Word (.doc) ou autre fichier "
        "Office : enregistrez-le en .docx ou .odt et réessayez"
    )
    expect(page.locator(".messages")).to_contain_text("Le brouillon n’a pas été créé")
    assert not RecapPage.objects.child_of(series).exists()


def test_a_libreoffice_document_gives_the_right_draft(live_server, page, series):
    """The first demo edition saved by LibreOffice (.odt): its title, sections,
    points, sub-points and link; LibreOffice's list styles nest as in Word."""
    live = live_server.url
    log_in(page, live)
    url = live + reverse("recaps_edition_from_document", args=[series.pk])
    expected = demo_edition(1)

    page.goto(url)
    page.set_input_files('input[name="document"]', str(ODT))
    with page.expect_navigation(url="**/admin/pages/*/edit/"):
        page.click("footer button[type=submit]")
    messages = page.locator(".messages")
    expect(messages).to_contain_text("Édition créée en brouillon")
    expect(messages).to_contain_text("premiere-petite-ebullition.odt")
    draft = RecapPage.objects.child_of(series).get()
    assert not draft.live and draft.title == expected["title"]
    body = draft.get_latest_revision_as_object().body
    items = [item for block in body for item in block.value.get("items", [])]
    texts = [item["text"].source for item in items]
    assert any("Des interrogations partagées" in text for text in texts)
    sub_points = [child["text"].source for item in items for child in item["children"]]
    assert any("Comment repérer les personnes en fragilité" in t for t in sub_points)
    assert "ressources-fdcsx44.fr" in str(body.raw_data)

    page.goto(url)
    upload(
        page,
        "sous-points.odt",
        odt_with_list_styles(
            [
                (None, "Ce qui a été partagé :"),
                ("List Bullet", "Des interrogations partagées"),
                ("List Bullet 2", "Comment repérer les personnes en fragilité ?"),
                ("Liste à puces 2", "Comment faire une place aux bénévoles ?"),
            ]
        ),
    )
    submit(page)
    expect(page.locator(".messages")).to_contain_text("(1 point, 2 sous-points)")
