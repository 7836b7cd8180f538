"""Portable archive of every series and edition: export and all-or-nothing restore.

The archive is a zip holding ``recaps.json`` and the files of the documents
(``documents/<id>/<name>``). Pages are stored the way Wagtail stores revisions
(``serializable_data()``): the live content, the latest draft when it differs,
scheduling, privacy, publication dates and ``import_source``, with the themes
(their labels and descriptions) and the documents they point to, and the site's home
page (whatever its model: its label and field values) with the default Wagtail
site record. Primary keys are kept, so that links between pages and to
documents, the API's ids and the order of each edition's themes come back
unchanged in an empty site; the database's sequences are then moved past them.

Before anything is written, ``recaps.json`` is checked against a schema derived
from the models and blocks (:mod:`recaps.importers.archive_schema`).
"""

import json
import zipfile
from pathlib import PurePosixPath

from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import (
    Collection,
    Locale,
    Page,
    PageViewRestriction,
    Revision,
    Site,
)

from ..db import bulk_write
from ..models import RecapPage, RecapSeriesPage, Theme
from .archive_schema import ArchiveInvalid, page_model, validate_archive

FORMAT = "ebullitions-recaps"
#: 2 adds the home page and the site record; archives of version 1 restore
#: under the site's current home page. 3 adds each theme's ``label`` (how
#: readers see it); themes of older archives are labelled with their name.
VERSION = 3
VERSIONS = (1, 2, 3)
#: Fields of the default Wagtail site kept in the archive.
SITE_FIELDS = ("hostname", "port", "site_name", "is_default_site")
DOCUMENT = "recaps.json"
#: Page dates restored as they were, after Wagtail has published the page.
DATE_FIELDS = (
    "go_live_at",
    "expire_at",
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
)
STATE_FIELDS = (
    "live",
    "expired",
    "has_unpublished_changes",
    "draft_title",
    *DATE_FIELDS,
)
#: Tree fields that the target tree decides.
TREE_FIELDS = ("path", "depth", "numchild", "url_path", "latest_revision", "locked")


class ArchiveError(Exception):
    """A damaged or unusable archive; the message (French) names the problem."""


def is_archive(head):
    """True when the first bytes of a file are those of a zip archive."""
    return head.startswith(b"PK\x03\x04")


# Export ---------------------------------------------------------------------


def _in_pk_order(content):
    """Page content whose child rows (an edition's themes…) are in primary key
    order: the order they were added in, which the public pages show."""
    return {
        key: sorted(value, key=lambda row: row["pk"] or 0)
        if isinstance(value, list)
        and value
        and all(isinstance(row, dict) and "pk" in row for row in value)
        else value
        for key, value in content.items()
    }


def _page_record(page):
    """One page as stored in the archive."""
    revision = page.latest_revision
    draft = None
    if revision is not None and (page.has_unpublished_changes or not page.live):
        draft = {
            "content": _in_pk_order(_to_the_millisecond(revision.content, page)),
            "approved_go_live_at": _iso(revision.approved_go_live_at),
        }
    return {
        "id": page.pk,
        "type": page.specific_class._meta.label,
        "live_content": _in_pk_order(page.serializable_data()),
        "draft": draft,
        "state": {name: _iso(getattr(page, name)) for name in STATE_FIELDS},
        "restrictions": [
            {
                "id": restriction.pk,
                "restriction_type": restriction.restriction_type,
                "password": restriction.password,
                "groups": sorted(group.name for group in restriction.groups.all()),
            }
            for restriction in page.view_restrictions.order_by("pk")
        ],
    }


def _to_the_millisecond(content, page):
    """A revision's ``content`` with its dates and times written as they read
    back.

    Wagtail stores them with Django's JSON encoder, to the millisecond, which
    writes ``…:22.000Z`` for ``…:22.000412`` but ``…:22Z`` for ``…:22``: the
    restored draft, saved again from ``…:22.000``, would be exported as
    ``…:22Z``. Written the second way at once, an archive restored and exported
    again is the same archive."""
    content = dict(content)
    for field in page._meta.concrete_fields:
        value = content.get(field.name)
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            moment = parse_datetime(value)
            if moment is not None:
                content[field.name] = DjangoJSONEncoder().default(moment)
    return content


def _document_entry(document):
    return f"documents/{document.pk}/{PurePosixPath(document.file.name).name}"


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_archive(output):
    """Write the archive of every series and edition to ``output`` (a file)."""
    Document = get_document_model()
    series_list = []
    for series in RecapSeriesPage.objects.order_by("path"):
        record = _page_record(series)
        record["editions"] = [
            _page_record(edition)
            for edition in RecapPage.objects.child_of(series)
            .order_by("path")
            .prefetch_related("view_restrictions__groups")
        ]
        series_list.append(record)
    documents = list(Document.objects.order_by("pk"))
    site = Site.objects.filter(is_default_site=True).select_related("root_page")
    site = site.first()
    data = {
        "format": FORMAT,
        "version": VERSION,
        "themes": [
            {
                "id": theme.pk,
                "name": theme.name,
                "label": theme.label,
                "slug": theme.slug,
                "description": theme.description,
            }
            for theme in Theme.objects.order_by("pk")
        ],
        "documents": [
            {
                "id": document.pk,
                "title": document.title,
                "file": _document_entry(document),
                "created_at": _iso(document.created_at),
            }
            for document in documents
        ],
        "series": series_list,
    }
    if site is not None:
        data["home"] = _page_record(site.root_page.specific)
        data["site"] = {name: getattr(site, name) for name in SITE_FIELDS}
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            DOCUMENT, json.dumps(data, ensure_ascii=False, indent=1, default=str)
        )
        for document, entry in zip(documents, data["documents"], strict=True):
            with document.file.open("rb") as handle:
                archive.writestr(entry["file"], handle.read())
    return {
        "series": len(series_list),
        "editions": sum(len(s["editions"]) for s in series_list),
        "themes": len(data["themes"]),
        "documents": len(documents),
    }


# Restore --------------------------------------------------------------------


def read_archive(path):
    """The archive's data and its open zip; ``ArchiveError`` when damaged."""
    try:
        archive = zipfile.ZipFile(path)
        broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(
            _("damaged archive (%(error)s)") % {"error": error}
        ) from error
    if broken is not None:
        raise ArchiveError(
            _("damaged archive: “%(name)s” is corrupt") % {"name": broken}
        )
    try:
        data = json.loads(archive.read(DOCUMENT).decode("utf-8"))
    except KeyError as error:
        raise ArchiveError(
            _("not a recaps archive: “%(name)s” is missing") % {"name": DOCUMENT}
        ) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise ArchiveError(
            _("damaged archive: “%(name)s” is not valid JSON (%(error)s)")
            % {"name": DOCUMENT, "error": error}
        ) from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveError(_("not a recaps archive (unknown format)"))
    if data.get("version") not in VERSIONS:
        raise ArchiveError(
            _("archive version %(version)s is not supported")
            % {"version": data.get("version")}
        )
    try:
        validate_archive(data, STATE_FIELDS, VERSIONS)
    except ArchiveInvalid as error:
        raise ArchiveError(
            _("damaged archive: %(name)s does not follow the format:\n%(problems)s")
            % {"name": DOCUMENT, "problems": error}
        ) from error
    for entry in data.get("documents", []):
        if entry.get("file") not in archive.namelist():
            raise ArchiveError(
                _("damaged archive: the file of document “%(title)s” is missing")
                % {"title": entry.get("title")}
            )
    return data, archive


def _check_empty_site():
    if RecapSeriesPage.objects.exists() or RecapPage.objects.exists():
        raise ArchiveError(
            _("the site already has series or editions: restore into an empty site")
        )


def _restore_page(record, parent, model):
    """Create the page under ``parent`` as it was; ``ArchiveError`` naming it."""
    try:
        return _create_page(record, parent, model)
    except (DatabaseError, ValidationError, ValueError, TypeError, KeyError) as error:
        title = (record.get("live_content") or {}).get("title", "?")
        raise ArchiveError(
            _("damaged archive: page %(id)s “%(title)s” cannot be restored (%(error)s)")
            % {"id": record.get("id"), "title": title, "error": error}
        ) from error


def _insert_child(parent, page):
    """``parent.add_child(instance=page)`` keeping the page's primary key.

    Wagtail's ``Page.save`` takes a page with an id for an existing one, so the
    rows are inserted first at the tree position treebeard would choose, then
    saved the ordinary way (which also writes its themes).
    """
    last = parent.get_last_child()
    page.depth = parent.depth + 1
    page.path = last._inc_path() if last else page._get_path(parent.path, page.depth, 1)
    page.numchild = 0
    page.set_url_path(parent)
    models.Model.save(page, force_insert=True)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
    parent.numchild += 1
    page._state.adding = False
    page.save(clean=False)


def _create_page(record, parent, model):
    """Create the page under ``parent`` as it was: live content, draft, state."""
    try:
        page = model.from_serializable_data(record["live_content"], check_fks=False)
    except (KeyError, TypeError, ValueError) as error:
        raise ArchiveError(
            _("damaged archive: page %(id)s cannot be read (%(error)s)")
            % {"id": record.get("id"), "error": error}
        ) from error
    if Page.objects.filter(pk=record["id"]).exists():
        raise ArchiveError(
            _("page %(id)s already exists: restore into an empty site")
            % {"id": record["id"]}
        )
    page.pk = page.id = record["id"]
    # Content type ids differ between databases: the model says which it is.
    page.content_type = ContentType.objects.get_for_model(model)
    page._state.adding = True
    for name in TREE_FIELDS:
        setattr(page, name, None if name != "locked" else False)
    page.locale = Locale.get_default()
    page.owner = page.locked_by = page.live_revision = page.alias_of = None
    page.live = False
    page.go_live_at = page.expire_at = None
    page.draft_title = page.title
    _insert_child(parent, page)
    revision = page.save_revision(clean=False, log_action=False)
    state = record["state"]
    if state.get("live"):
        revision.publish(log_action=False)
    page = model.objects.get(pk=page.pk)
    if record.get("draft"):
        draft = record["draft"]
        draft_page = model.from_serializable_data(draft["content"], check_fks=False)
        draft_page.pk = draft_page.id = page.pk
        for name in ("path", "depth", "numchild", "url_path", "locale", "content_type"):
            setattr(draft_page, name, getattr(page, name))
        draft_page.owner = draft_page.live_revision = draft_page.alias_of = None
        approved = parse_datetime(draft["approved_go_live_at"] or "") or None
        draft_page.save_revision(clean=False, log_action=False)
        if approved is not None:
            # A revision approved for later publication (scheduled by an editor).
            revision = model.objects.get(pk=page.pk).latest_revision
            revision.publish(log_action=False)
            Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=approved)
    fields = {name: state[name] for name in STATE_FIELDS if name in state}
    for name in DATE_FIELDS:
        fields[name] = parse_datetime(fields.get(name) or "")
    model.objects.filter(pk=page.pk).update(**fields)
    live = record.get("live_content") or {}
    if issubclass(model, RecapPage) and "public_updated_at" in live:
        # The public state as exported: restoring changes nothing the public sees.
        model.objects.filter(pk=page.pk).update(
            public_fingerprint=live.get("public_fingerprint") or "",
            public_updated_at=parse_datetime(live.get("public_updated_at") or ""),
        )
    for restriction in record.get("restrictions", []):
        created = PageViewRestriction.objects.create(
            pk=restriction.get("id"),
            page=page,
            restriction_type=restriction["restriction_type"],
            password=restriction.get("password", ""),
        )
        for name in restriction.get("groups", []):
            created.groups.add(Group.objects.get_or_create(name=name)[0])
    return model.objects.get(pk=page.pk)


def restore_archive(data, archive):
    """Restore everything in one transaction; any problem rolls all of it back."""
    counts = {"series": 0, "editions": 0, "themes": 0, "documents": 0}
    saved_files = []
    try:
        # Once committed, the written tables are vacuumed and analysed.
        with transaction.atomic(), bulk_write() as written:
            _check_empty_site()
            site = Site.objects.filter(is_default_site=True).first()
            if site is None:
                raise ArchiveError(_("no default site to restore into"))
            for theme in data.get("themes", []):
                Theme.objects.update_or_create(
                    pk=theme["id"],
                    defaults={
                        "name": theme["name"],
                        # Archives before version 3: labelled with the name.
                        "label": theme.get("label", ""),
                        "slug": theme["slug"],
                        "description": theme.get("description", ""),
                    },
                )
                counts["themes"] += 1
            counts["documents"] = _restore_documents(data, archive, saved_files)
            if data.get("home"):
                root = _restore_home(data["home"], data.get("site") or {}, site)
            else:
                root = site.root_page.specific
            for record in data.get("series", []):
                series = _restore_page(record, root, RecapSeriesPage)
                counts["series"] += 1
                for edition in record.get("editions", []):
                    _restore_page(edition, series, RecapPage)
                    counts["editions"] += 1
            reset_sequences(written.inserted)
    except (KeyError, TypeError, AttributeError, DatabaseError) as error:
        _delete(saved_files)
        raise ArchiveError(
            _("damaged archive: unexpected content (%(error)s)") % {"error": error}
        ) from error
    except BaseException:
        _delete(saved_files)
        raise
    return counts


def _restore_documents(data, archive, saved_files):
    Document = get_document_model()
    collection = Collection.get_first_root_node()
    for entry in data.get("documents", []):
        if Document.objects.filter(pk=entry["id"]).exists():
            raise ArchiveError(
                _("document %(id)s already exists: restore into an empty site")
                % {"id": entry["id"]}
            )
        document = Document(pk=entry["id"], title=entry["title"], collection=collection)
        name = PurePosixPath(entry["file"]).name
        document.file.save(name, ContentFile(archive.read(entry["file"])), save=False)
        saved_files.append((document.file.storage, document.file.name))
        document.save()
        created_at = parse_datetime(entry.get("created_at") or "")
        if created_at:
            Document.objects.filter(pk=document.pk).update(created_at=created_at)
    return len(data.get("documents", []))


def _restore_home(record, site_fields, site):
    """The archived home page in place of the target's empty one(s).

    The pages at the top of the target's tree (Wagtail's welcome page, an
    empty home page) must have no children; they are deleted and the archived
    home page is created as its own model (``Page`` when this site lacks it),
    with its primary key. The default site then points at it, with the
    archived host name, port and name.
    """
    root = Page.get_first_root_node()
    replaced = list(Page.objects.child_of(root).specific())
    if any(page.numchild for page in replaced):
        raise ArchiveError(
            _(
                "the site already has pages under its home page: restore into an "
                "empty site"
            )
        )
    Site.objects.filter(root_page__in=replaced).update(root_page=root)
    for page in replaced:
        page.delete()
    root.refresh_from_db()
    home = _restore_page(record, root, page_model(record["type"]))
    Site.objects.filter(root_page=root).update(root_page=home)
    site.refresh_from_db()
    for name in SITE_FIELDS:
        if name in site_fields:
            setattr(site, name, site_fields[name])
    site.root_page = home
    site.save()
    return home


def reset_sequences(tables):
    """Move the sequences of ``tables`` past their highest primary key.

    Rows restored with their primary key leave PostgreSQL's sequences behind
    (the next theme or page would take an archived id): the same statements as
    ``manage.py sqlsequencereset``, for every model whose table was written.
    SQLite needs none (its ``AUTOINCREMENT`` follows the highest id inserted).
    """
    written = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table in tables
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), written)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _delete(saved_files):
    """Remove the files of a restore that was rolled back."""
    for storage, name in saved_files:
        storage.delete(name)
