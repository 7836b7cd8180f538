"""“Create an edition from a document” (recaps/admin/documents.py): a draft of
the series, numbered and dated as a new edition, typed like the import."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from recaps.admin.documents import word_balance
from recaps.models import RecapPage, Theme
from tests.admin.conftest import edit_url
from tests.importers.documents import (
    DOCX,
    EMAIL,
    ENCRYPTED_ODT,
    LINK_URL,
    ODT,
    demo_edition,
    docx_with_styles,
    encrypted_docx,
    odt_with_picture_renamed,
    sections_as_text,
)

pytestmark = pytest.mark.django_db


def form_url(series):
    return reverse("recaps_edition_from_document", args=(series.pk,))


def upload(path, name=None, content=None):
    return SimpleUploadedFile(
        name or path.name, content if content is not None else path.read_bytes()
    )


def raw_sections(page):
    """The stored sections as the importer's ``{"type": …, "items": …}`` dicts."""
    sections = []
    for child in page.body.raw_data:
        value = dict(child["value"]) if isinstance(child["value"], dict) else {}
        items = [
            {
                "text": item["value"]["text"],
                "children": [c["value"] for c in item["value"].get("children") or []],
            }
            for item in value.get("items") or []
        ]
        sections.append({"type": child["type"], "items": items})
    return sections


@pytest.fixture
def themes(db):
    Theme.objects.create(name="solidarité")
    Theme.objects.create(name="numérique")


@pytest.mark.parametrize("path", [DOCX, ODT], ids=lambda p: p.suffix)
def test_upload_creates_a_draft_pre_filled_like_a_new_edition(
    admin_client, series, make_edition, themes, path
):
    make_edition(edition_number=4)
    response = admin_client.post(form_url(series), {"document": upload(path)})
    page = RecapPage.objects.child_of(series).get(edition_number=5)
    assert response.status_code == 302
    assert response["Location"] == edit_url(page)
    assert page.get_parent().specific == series
    assert not page.live and page.first_published_at is None
    friday = page.date
    assert friday.weekday() == 4
    assert 0 <= (friday - timezone.localdate()).days < 7
    demo = demo_edition(1)
    assert page.title == demo["title"]
    assert "première édition" in page.intro
    kinds = [child.block_type for child in page.body]
    assert kinds == ["image", "highlights", "feedback", "resources"]
    assert sections_as_text(raw_sections(page)) == sections_as_text(demo["body"])
    resources = page.body[3].value
    assert [link["url"] for link in resources["links"]] == [LINK_URL]
    # The embedded image is now a Wagtail image of the draft.
    image = page.body[0].value["image"]
    assert image is not None and get_image_model().objects.filter(pk=image.pk).exists()
    # Themes suggested from the existing ones the text names (“solidarité”).
    assert [theme.name for theme in page.tags.all()] == ["solidarité"]
    # The revision is the editor's.
    assert page.latest_revision.user is not None


def test_summary_says_what_was_recognised(admin_client, series, themes):
    response = admin_client.post(
        form_url(series), {"document": upload(DOCX)}, follow=True
    )
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    assert "Brouillon" in html or "brouillon" in html
    messages = [str(m) for m in response.context["messages"]]
    summary = messages[0]
    assert "premiere-petite-ebullition.docx" in summary
    assert "3 points" in summary and "2 sous-points" in summary
    assert "4 points" in summary and "1 lien" in summary
    assert "1 image" in summary
    assert "solidarité" in summary


def test_pasted_email_becomes_a_draft_without_its_letter(admin_client, series):
    """The sample e-mail's greeting, sign-off and signature are set aside: not in
    the draft, named on the summary."""
    response = admin_client.post(
        form_url(series), {"text": EMAIL.read_text(encoding="utf-8")}, follow=True
    )
    page = RecapPage.objects.child_of(series).get()
    assert not page.live
    assert [child.block_type for child in page.body] == [
        "highlights",
        "feedback",
        "resources",
    ]
    assert "Beau moment pour cette première édition" in page.intro
    assert "Bonjour" not in page.intro
    assert "Maxime" not in str(page.body.raw_data)
    summary = str(list(response.context["messages"])[0])
    assert (
        "Mis de côté, non publié : la formule d’appel « Bonjour à toutes et à "
        "tous, »; la formule de politesse « Belle journée à vous, »; la signature "
        "« Maxime »."
    ) in summary
    assert "texte libre" not in summary


def test_draft_is_nowhere_public(admin_client, client, series):
    admin_client.post(form_url(series), {"document": upload(DOCX)})
    page = RecapPage.objects.child_of(series).get()
    assert client.get(page.url_path.replace("/accueil", "", 1)).status_code == 404
    api = client.get("/api/v1/recaps/").json()
    assert page.title not in str(api)
    assert client.get(f"/api/v1/recaps/{page.pk}/").status_code == 404


def bad_files():
    return [
        ("notes.docx", b"Ceci n'est pas un document Word, juste du texte renomm\xe9."),
        ("mot-de-passe.docx", encrypted_docx()),
        ("mot-de-passe.odt", ENCRYPTED_ODT.read_bytes()),
        ("vide.docx", b""),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (*bad_files()[0], "pas un vrai document Word (.docx) malgré son nom"),
        (*bad_files()[1], "protégé par un mot de passe"),
        (*bad_files()[2], "protégé par un mot de passe"),
        (*bad_files()[3], ""),
    ],
    ids=["not-a-document", "encrypted-docx", "encrypted-odt", "empty"],
)
def test_bad_file_is_a_french_form_error_and_creates_nothing(
    admin_client, series, name, content, message
):
    pages, revisions = Page.objects.count(), Revision.objects.count()
    response = admin_client.post(
        form_url(series), {"document": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["form"].errors.values())
    assert errors
    assert message in errors
    assert (Page.objects.count(), Revision.objects.count()) == (pages, revisions)


def test_too_large_file_is_refused(admin_client, series, settings):
    settings.RECAPS_IMPORT_MAX_MB = 0.001  # 1 kB
    pages = Page.objects.count()
    response = admin_client.post(form_url(series), {"document": upload(DOCX)})
    errors = str(response.context["form"].errors)
    assert "fichier trop volumineux" in errors
    assert Page.objects.count() == pages


def test_form_is_french_and_offered_on_the_series(admin_client, series):
    response = admin_client.get(form_url(series))
    html = response.content.decode()
    assert "Créer une édition depuis un document" in html
    assert 'accept=".docx,.odt,.html,.htm,.txt"' in html
    assert 'enctype="multipart/form-data"' in html
    explore = admin_client.get(reverse("wagtailadmin_explore", args=(series.pk,)))
    assert form_url(series) in explore.content.decode()
    listing = admin_client.get(reverse("editions:index"))
    assert form_url(series) in listing.content.decode()


def test_user_without_add_permission_is_refused(client, django_user_model, series):
    reader = django_user_model.objects.create_user("lecteur", password="x")  # noqa: S106
    reader.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(reader)
    pages = Page.objects.count()
    assert client.get(form_url(series)).status_code == 403
    response = client.post(form_url(series), {"document": upload(DOCX)})
    assert response.status_code == 403
    assert Page.objects.count() == pages
    listing = client.get(reverse("wagtailadmin_explore", args=(series.pk,)))
    assert form_url(series) not in listing.content.decode()
    reader.groups.add(Group.objects.get(name="Editors"))
    assert client.get(form_url(series)).status_code == 200


def test_only_series_take_editions(admin_client, make_edition):
    edition = make_edition()
    assert admin_client.get(form_url(edition)).status_code == 403


def test_image_the_site_cannot_show_is_reported_in_the_summary(admin_client, series):
    document = SimpleUploadedFile("compte-rendu.odt", odt_with_picture_renamed(".wmf"))
    response = admin_client.post(form_url(series), {"document": document}, follow=True)
    page = RecapPage.objects.child_of(series).get()
    assert "image" not in [child.block_type for child in page.body]
    messages = [str(m) for m in response.context["messages"]]
    assert "image ajoutée" not in messages[0]
    assert any("laissée de côté" in message for message in messages[1:])


def field_errors(response, name):
    """The error text shown in the wrapper of the form field ``name``."""
    soup = BeautifulSoup(response.content, "html.parser")
    control = soup.find(attrs={"name": name})
    wrapper = control.find_parent(class_="w-field")
    errors = wrapper.find(class_="w-field__errors")
    return " ".join(errors.get_text(" ").split())


def page_messages(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(
        " ".join(node.get_text(" ").split()) for node in soup.select(".messages")
    )


#: A text with no section heading: an editor's notes without titles.
NO_HEADINGS = "Merci à tous pour ce moment.\nOn se revoit en juin.\n"
#: The first bytes of an old Word (.doc) file: an OLE compound file.
OLD_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"WordDocument"


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({}, "document", ["Envoyez un document ou collez un texte."]),
        (
            {"document": ("notes.docx", "Juste du texte renommé.".encode())},
            "document",
            ["notes.docx", "pas un vrai document Word (.docx) malgré son nom"],
        ),
        (
            {"document": ("ancien.doc", OLD_DOC)},
            "document",
            ["ancien.doc", "ancien document Word (.doc)", "enregistrez-le"],
        ),
        (
            {"document": ("notes.txt", NO_HEADINGS.encode())},
            "document",
            ["notes.txt", "aucun compte rendu trouvé", "Ce qui a été partagé :"],
        ),
        (
            {"text": NO_HEADINGS},
            "text",
            ["texte collé", "aucun compte rendu trouvé", "seul sur sa ligne"],
        ),
        (
            {"text": NO_HEADINGS, "document": ("notes.txt", NO_HEADINGS.encode())},
            "document",
            ["pas les deux"],
        ),
    ],
    ids=[
        "empty",
        "fake-docx",
        "old-doc",
        "no-headings-file",
        "no-headings-text",
        "both",
    ],
)
def test_each_error_is_shown_next_to_its_field_in_french(
    admin_client, series, data, field, expected
):
    """Every refusal is on the page, under the field it is about, names the file
    and says why; what was pasted is still in the text area."""
    pages = Page.objects.count()
    post = {
        key: SimpleUploadedFile(*value) if key == "document" else value
        for key, value in data.items()
    }
    response = admin_client.post(form_url(series), post)
    assert response.status_code == 200
    shown = field_errors(response, field)
    for text in expected:
        assert text in shown
    assert "Le brouillon n’a pas été créé" in page_messages(response)
    textarea = BeautifulSoup(response.content, "html.parser").find(
        "textarea", attrs={"name": "text"}
    )
    assert textarea.get_text().strip() == data.get("text", "").strip()
    assert Page.objects.count() == pages


def test_first_visit_shows_no_error(admin_client, series):
    response = admin_client.get(form_url(series))
    assert field_errors(response, "document") == ""
    assert field_errors(response, "text") == ""
    assert "Le brouillon n’a pas été créé" not in page_messages(response)


#: An e-mail as a coordinator sends it: a greeting, headings in capitals, the
#: meeting's day and place, a sign-off and a three-line signature.
LETTER = """Bonjour,

Vendredi 15 mai, nous nous sommes retrouvés au centre social de la Bottière pour
la petite ébullition.

CE QUI A ÉTÉ PARTAGÉ :
- Des jardins partagés au pied des immeubles
- Un repair café tous les mois
    - avec les jeunes du quartier

LES PÉPITES :
- Le goûter préparé par les habitantes

Bien à vous,
Camille Martin
Fédération des centres sociaux de Loire-Atlantique
06 12 34 56 78
"""


def nearest_friday_15_may(today):
    fridays = [
        date
        for date in (
            datetime.date(y, 5, 15) for y in range(today.year - 1, today.year + 2)
        )
        if date.weekday() == 4
    ]
    return min(fridays, key=lambda date: abs((date - today).days))


def test_letter_is_set_aside_and_meeting_read_from_the_email(admin_client, series):
    response = admin_client.post(form_url(series), {"text": LETTER}, follow=True)
    page = RecapPage.objects.child_of(series).get()
    draft = page.get_latest_revision_as_object()
    body = " ".join(str(child.value) for child in draft.body)
    # Greeting, sign-off and signature: not in the draft.
    for words in ["Bonjour", "Bien à vous", "Camille Martin", "Fédération", "06 12"]:
        assert words not in draft.intro and words not in body
    # Headings in capitals, in sentence case; the sub-point kept.
    assert [child.value["heading"] for child in draft.body] == [
        "Ce qui a été partagé",
        "Les pépites",
    ]
    assert draft.body[0].value["items"][1]["children"][0]["text"]
    # Date and format from the text, the venue named on the summary.
    assert draft.date == nearest_friday_15_may(timezone.localdate())
    assert draft.format == "presentiel"
    summary = " ".join(str(message) for message in response.context["messages"])
    assert "Lu dans le document : date vendredi 15 mai" in summary
    assert "format présentiel, lieu « centre social de la Bottière »" in summary
    assert (
        "la signature « Camille Martin / Fédération des centres sociaux de "
        "Loire-Atlantique / 06 12 34 56 78 »"
    ) in summary
    assert "Pas de date" not in summary and "Ni lieu" not in summary


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"document": DOCX},
            "Mots : 196 dans le document, 196 dans le brouillon, 0 mis",
        ),
        (
            {"document": ODT},
            "Mots : 196 dans le document, 196 dans le brouillon, 0 mis",
        ),
        ({"text": EMAIL}, "Mots : 194 dans le document, 183 dans le brouillon, 11 mis"),
        ({"text": LETTER}, "Mots : 66 dans le document, 48 dans le brouillon, 18 mis"),
    ],
    ids=["docx", "odt", "email", "letter"],
)
def test_summary_accounts_for_every_word(admin_client, series, data, expected):
    """Words of the document = words of the draft + words set aside, said on the
    summary; no word is reported missing."""
    post = {
        key: upload(value)
        if key == "document"
        else (value if isinstance(value, str) else value.read_text(encoding="utf-8"))
        for key, value in data.items()
    }
    response = admin_client.post(form_url(series), post, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert expected in messages[0]
    assert not any("ni dans le brouillon" in message for message in messages)


def test_words_lost_are_named():
    """The comparison names the words found neither in the draft nor set aside."""
    assert word_balance("Un deux, trois deux", "un deux", "Trois") == (
        4,
        2,
        1,
        ["deux"],
    )


def test_document_without_date_or_place_says_what_was_assumed(admin_client, series):
    response = admin_client.post(
        form_url(series), {"document": upload(DOCX)}, follow=True
    )
    page = RecapPage.objects.child_of(series).get()
    warnings = " ".join(str(message) for message in response.context["messages"])
    assert "Pas de date dans le document : datée du vendredi" in warnings
    assert "Ni lieu ni format dans le document : visio par défaut" in warnings
    assert page.format == "visio"


def test_word_sub_bullets_made_with_list_styles_are_sub_points(admin_client, series):
    document = docx_with_styles(
        [
            ("heading 2", "Ce qui a été partagé :"),
            ("List Bullet", "Des interrogations partagées"),
            ("List Bullet 2", "Comment repérer les personnes en fragilité ?"),
            ("Liste à puces 2", "Comment faire une place aux bénévoles ?"),
            ("List Bullet", "Des contextes différents"),
        ]
    )
    response = admin_client.post(
        form_url(series),
        {"document": SimpleUploadedFile("sous-points.docx", document)},
        follow=True,
    )
    summary = str(list(response.context["messages"])[0])
    assert "(2 points, 2 sous-points)" in summary
