"""Pasting a list into a section's points (recaps/static/recaps/admin/editor.js).

Several lines, or a bulleted list, pasted into a point become one point per
line or bullet; nested bullets become sub-points.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from recaps.blocks import html_to_text
from recaps.models import RecapPage
from tests.browser.conftest import add_list_child, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "Édition collée"
LINES = "Premier point\nDeuxième point\n\nTroisième point\n"
# As a word processor or a mail client puts it on the clipboard: a nested list.
NESTED_HTML = (
    "<meta charset='utf-8'><ul><li>Isolement des aînés</li>"
    "<li>Quelles actions pour le lien ?<ul><li>Des appels réguliers</li>"
    "<li>Des boites solidaires à <b>offrir</b></li></ul></li>"
    "<li>Numérique</li></ul>"
)
NESTED_TEXT = (
    "• Isolement des aînés\n• Quelles actions pour le lien ?\n"
    "\to Des appels réguliers\n\to Des boites solidaires à offrir\n• Numérique"
)

PASTE = """([inputId, text, html]) => {
    const field = document.getElementById(inputId).closest('[data-contentpath="text"]');
    const editor = field.querySelector('[contenteditable="true"]');
    const data = new DataTransfer();
    data.setData('text/plain', text);
    if (html) data.setData('text/html', html);
    editor.focus();
    editor.dispatchEvent(new ClipboardEvent('paste', {
        clipboardData: data, bubbles: true, cancelable: true,
    }));
}"""


def text_of(child):
    """Plain text of a stored point or sub-point."""
    return html_to_text(child["value"]["text"])


def texts(page, selector):
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def section_items(page, index):
    """Visible texts of the points of section ``index``, in order."""
    return texts(
        page,
        f'[data-contentpath="items"]:has(input[name="body-{index}-value-items-count"])'
        " .recap-item > [data-contentpath='text'] [contenteditable='true']:visible",
    )


def test_pasting_lines_and_a_nested_list_creates_points(live_server, page, series):
    log_in(page, live_server.url)
    page.goto(
        f"{live_server.url}/admin/pages/add/recaps/recappage/{series.pk}/",
        wait_until="networkidle",
    )
    page.fill("#id_title", TITLE)

    # Three lines pasted into the first (empty) point of “Ce qui a été partagé”.
    add_list_child(page, "body-0-value-items-count")
    page.evaluate(PASTE, ["body-0-value-items-0-value-text", LINES, ""])
    expect(page.locator('input[name="body-0-value-items-count"]')).to_have_value(
        "4"
    )  # three new points; the empty one is deleted
    assert section_items(page, 0) == [
        "Premier point",
        "Deuxième point",
        "Troisième point",
    ]

    # A nested HTML list pasted into the first point of the constats.
    add_list_child(page, "body-1-value-items-count")
    page.evaluate(PASTE, ["body-1-value-items-0-value-text", NESTED_TEXT, NESTED_HTML])
    expect(page.locator('input[name="body-1-value-items-count"]')).to_have_value("4")
    assert section_items(page, 1) == [
        "Isolement des aînés",
        "Quelles actions pour le lien ?",
        "Numérique",
    ]
    sub_points = page.locator(
        ".recap-subitems:has(input[name='body-1-value-items-2-value-children-count'])"
        " [contenteditable='true']:visible"
    )
    # The sub-point group of the point that received sub-points is open.
    expect(sub_points).to_have_count(2)
    expect(sub_points.first).to_be_visible()
    assert [text.strip() for text in sub_points.all_inner_texts()] == [
        "Des appels réguliers",
        "Des boites solidaires à offrir",
    ]

    # The same list as plain text (bullets, tab-indented sub-bullets) pasted into
    # the reflections gives the same points and sub-points.
    add_list_child(page, "body-2-value-items-count")
    page.evaluate(PASTE, ["body-2-value-items-0-value-text", NESTED_TEXT, ""])
    expect(page.locator('input[name="body-2-value-items-count"]')).to_have_value("4")
    assert section_items(page, 2) == section_items(page, 1)

    # Two lines pasted into a sub-point: two more sub-points after it.
    page.evaluate(
        PASTE,
        [
            "body-1-value-items-2-value-children-0-value-text",
            "Un goûter\n- Une marche",
            "",
        ],
    )
    expect(sub_points).to_have_count(4)

    # One line pasted into a point is left to Draftail: no new point. Draftail
    # copies its state to the hidden input a moment later: wait for that before
    # saving (saving earlier would store the point without the pasted words).
    page.evaluate(PASTE, ["body-1-value-items-1-value-text", " et ailleurs", ""])
    expect(page.locator('input[id="body-1-value-items-1-value-text"]')).to_have_value(
        re.compile("et ailleurs")
    )
    expect(page.locator('input[name="body-1-value-items-count"]')).to_have_value("4")
    shown = section_items(page, 1)
    assert shown[1:] == ["Quelles actions pour le lien ?", "Numérique"]
    assert "Isolement des aînés" in shown[0] and "et ailleurs" in shown[0]

    with page.expect_navigation(url="**/admin/pages/*/edit/"):
        page.click("button.action-save")
    edition = RecapPage.objects.get(title=TITLE)
    body = json.loads(json.dumps(edition.body.get_prep_value()))
    highlights, observations = body[0]["value"], body[1]["value"]
    assert [text_of(item) for item in highlights["items"]] == [
        "Premier point",
        "Deuxième point",
        "Troisième point",
    ]
    assert all(item["value"]["children"] == [] for item in highlights["items"])
    # What the editor showed is what was saved.
    assert [text_of(item) for item in observations["items"]] == shown
    assert observations["items"][0]["value"]["children"] == []
    children = observations["items"][1]["value"]["children"]
    assert [text_of(child) for child in children] == [
        "Des appels réguliers",
        "Un goûter",
        "Une marche",
        "Des boites solidaires à offrir",
    ]
    reflections = body[2]["value"]["items"]
    assert [text_of(item) for item in reflections] == [
        "Isolement des aînés",
        "Quelles actions pour le lien ?",
        "Numérique",
    ]
    assert [text_of(child) for child in reflections[1]["value"]["children"]] == [
        "Des appels réguliers",
        "Des boites solidaires à offrir",
    ]
    # One paragraph per point, nothing else.
    assert all(item["value"]["text"].count("<p") == 1 for item in observations["items"])
