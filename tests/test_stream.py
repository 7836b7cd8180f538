"""recaps.stream: section mappings to raw StreamField data."""

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from recaps.blocks import RecapBodyBlock
from recaps.stream import UnknownSectionType, as_paragraphs, section_to_stream

ROOT = Path(__file__).resolve().parents[1]


def _ids():
    counter = itertools.count(1)
    return lambda: f"id-{next(counter)}"


def test_a_list_section_becomes_raw_data_with_items_and_sub_items():
    raw = section_to_stream(
        {
            "type": "nuggets",
            "heading": "Pépites",
            "intro": "Entre autres :",
            "items": [{"text": "Un point", "children": [{"text": "Un détail"}]}],
        },
        new_id=_ids(),
    )
    assert raw == {
        "type": "nuggets",
        "value": {
            "heading": "Pépites",
            "intro": "<p>Entre autres :</p>",
            "items": [
                {
                    "type": "item",
                    "value": {
                        "text": "<p>Un point</p>",
                        "children": [
                            {
                                "type": "item",
                                "value": {"text": "<p>Un détail</p>"},
                                "id": "id-1",
                            }
                        ],
                    },
                    "id": "id-2",
                }
            ],
        },
        "id": "id-3",
    }
    value = RecapBodyBlock().to_python([raw])[0].value
    assert value["items"][0]["children"][0]["text"].source == "<p>Un détail</p>"


def test_resources_keep_their_links_and_free_text_its_paragraphs():
    resources = section_to_stream(
        {
            "type": "resources",
            "heading": "Liens",
            "links": [{"title": "Guide", "url": "https://example.org/"}],
        }
    )
    assert resources["value"]["links"][0]["value"] == {
        "title": "Guide",
        "url": "https://example.org/",
        "document": None,
        "description": "",
    }
    text = section_to_stream({"type": "text", "heading": "Bilan", "text": "Merci"})
    assert text["value"] == {"heading": "Bilan", "text": "<p>Merci</p>"}


def test_media_sections_become_their_blocks_values():
    table = section_to_stream(
        {"type": "table", "rows": [["a", "b"]], "header": True, "caption": "T"}
    )
    assert table["value"] == {
        "data": [["a", "b"]],
        "first_row_is_table_header": True,
        "first_col_is_header": False,
        "table_caption": "T",
    }


def test_an_unknown_section_type_is_refused():
    with pytest.raises(UnknownSectionType, match="poems"):
        section_to_stream({"type": "poems", "heading": "Poèmes"})


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("", ""),
        ("Un <b>point</b>", "<p>Un <b>point</b></p>"),
        ("<p>Déjà</p>", "<p>Déjà</p>"),
        ("<ul><li>a</li></ul>", "<ul><li>a</li></ul>"),
    ],
)
def test_as_paragraphs_wraps_inline_html_only(html, expected):
    assert as_paragraphs(html) == expected


def test_the_test_factories_build_stream_data_without_the_importers():
    """Changing recaps.importers cannot break the factories: once the site has
    started (its admin reads documents with the importers), the importers are
    made unimportable, and the factories still import."""
    code = "\n".join(
        [
            "import sys, django",
            "django.setup()",
            "class Blocked:",
            "    def find_spec(self, name, path=None, target=None):",
            "        if name.startswith('recaps.importers'):",
            "            raise ImportError('blocked: ' + name)",
            "for name in [m for m in sys.modules if m.startswith('recaps.importers')]:",
            "    del sys.modules[name]",
            "sys.meta_path.insert(0, Blocked())",
            "import tests.factories",
            "print('ok')",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "cms.settings.test", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "ok"
