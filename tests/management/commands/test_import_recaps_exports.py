"""``import_recaps --all-posts`` over every real WordPress export stored in
``tests/importers/data/wordpress/`` (issue 25): every post of every export is
imported as an edition, and the import itself proves that nothing is lost."""

import io
import json
from pathlib import Path

import pytest
from defusedxml.ElementTree import parse
from django.core.management import call_command
from django.utils.translation import gettext
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Revision

from recaps.importers.wxr import STATUSES
from recaps.models import RecapPage

EXPORTS = sorted(
    (Path(__file__).resolve().parents[2] / "importers" / "data" / "wordpress").glob(
        "*.xml"
    )
)
pytestmark = pytest.mark.django_db


def posts_of(path):
    """``(post id, status, password)`` of every post the export holds; a post
    without an id (``theme-preview.xml``) is known by its GUID."""
    posts = []
    for item in parse(path).getroot().iter("item"):
        fields = {
            child.tag.rsplit("}", 1)[-1]: (child.text or "").strip()
            for child in item
            if "wordpress.org/export/" in child.tag
        }
        if fields.get("post_type") == "post":
            posts.append(
                (
                    fields.get("post_id") or item.findtext("guid").strip(),
                    fields.get("status", ""),
                    fields.get("post_password", ""),
                )
            )
    return posts


def run(path, series, *args):
    report = path.parent / f"{path.stem}-report.json"
    out = io.StringIO()
    call_command(
        "import_recaps",
        str(path),
        "--series",
        series.slug,
        "--all-posts",
        "--report",
        str(report),
        *args,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue(), json.loads(report.read_text())


def state():
    return Page.objects.count(), Revision.objects.count(), Redirect.objects.count()


def test_every_stored_export_is_tested():
    names = {path.name for path in EXPORTS}
    assert {"theme-unit-test-data.xml", "block-test-data.xml"} <= names
    assert len(names) >= 7


@pytest.mark.parametrize("export", EXPORTS, ids=[path.stem for path in EXPORTS])
def test_every_post_of_a_real_export_is_imported_without_loss(series, tmp_path, export):
    path = tmp_path / export.name
    path.write_bytes(export.read_bytes())
    posts = posts_of(path)
    importable = [post for post in posts if post[1] in STATUSES]
    # No --accept-losses: a word or a link lost without a reason fails the run.
    output, report = run(path, series)
    conservation = report["conservation"]
    # Every post is an edition, but an empty one (nothing to keep).
    skipped = [e for e in report["editions"] if e["status"] == "skipped"]
    empty = [e for e in skipped if e["reason"] == gettext("empty post")]
    assert len(skipped) == len(posts) - len(importable) + len(empty)
    assert len(conservation) == len(importable) - len(empty)
    assert [e["edition"] for e in conservation if e["lost"]] == []
    assert [e["edition"] for e in conservation if e["links_lost"]] == []
    assert sum(e["words_in"] for e in conservation) == sum(
        e["kept"] + e["set_aside"] for e in conservation
    )
    # No post overwrites another: one edition per post, whatever the GUIDs.
    editions = RecapPage.objects.child_of(series)
    assert editions.count() == len(conservation)
    assert len(importable) == len({post_id for post_id, *_rest in importable})
    # Nothing private or behind a password is public, nor leads there.
    hidden = {
        post_id
        for post_id, status, password in importable
        if status == "private" or password
    }
    sources = dict(editions.values_list("import_source", "live"))
    public = {key for key, live in sources.items() if live}
    public |= {key.rsplit("=", 1)[-1] for key in public}
    assert not hidden & public
    redirected = set(Redirect.objects.values_list("redirect_page__live", flat=True))
    assert redirected <= {True}
    # A re-import of the unchanged export writes nothing at all.
    before = state()
    run(path, series)
    assert state() == before
