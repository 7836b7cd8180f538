"""The public index: every public edition and every section of its public version.

Rows are written when an edition is published (and removed when it stops being
public) by :mod:`recaps.sections`, the one place that reads StreamField content.
Every reader surface (API, theme pages, search snippets) reads these rows:
:class:`RecapSection` holds the sections, :class:`RecapEntry` the edition's own
API representation, so that the API reads one small row per edition instead of
the page, its series and its themes.
"""

import datetime
from collections import defaultdict

from django.db import connections, models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.fields import DateTimeField
from wagtail.models import Page

from ..blocks import SECTION_TYPES, section_labels
from ..links import absolute_url
from ..search import (
    FULLTEXT_TABLE,
    filter_by_words,
    fulltext_condition,
    fulltext_index_serves,
    fulltext_match,
    has_words,
    words_match,
    words_table,
)

DATETIME = DateTimeField()
#: Stands for "never" where a date is needed (as in SQL, see ``querysets``).
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def hidden_pages(now=None):
    """Ids of the pages outside the public set at this instant: not live, or
    outside their schedule (go-live ahead, expiry passed).

    The index holds only editions that were public when it was written, and
    loses them when they are unpublished, restricted or moved; an edition
    whose schedule runs out (``publish_scheduled`` has not run yet), or whose
    columns were changed without a publication, is left out by this set. It is
    small (drafts and scheduled pages), and read through a partial index
    (migration 0021), so excluding it costs the same whatever the archive.
    """
    now = now or timezone.now()
    return (
        Page.objects.filter(
            # The partial index's own condition, implied by the next one: SQLite
            # uses a partial index only for a query that states its condition
            # (without it, every page of the archive is read).
            Q(live=False) | Q(go_live_at__isnull=False) | Q(expire_at__isnull=False),
            Q(live=False) | Q(go_live_at__gt=now) | Q(expire_at__lte=now),
        )
        .order_by()
        .values("pk")
    )


#: Above this many indexed editions hidden at once, sections exclude them by
#: a subquery on the pages rather than by their ids.
HIDDEN_IDS_MAX = 100


def count_of(connection, rows, params):
    """``SELECT COUNT(*) FROM`` ``rows`` (``table WHERE …``, our SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {rows}", params)  # noqa: S608
        return cursor.fetchone()[0]


def editions_among(hidden):
    """``(sql, params)``: ``edition_id`` is one of ``hidden``, the ids or the
    subquery of :meth:`RecapEntryQuerySet.hidden_keys`."""
    if isinstance(hidden, list):
        return "edition_id = ANY(%s)", [hidden]
    sql, params = hidden.query.sql_with_params()
    return f"edition_id IN ({sql})", params


class RecapSectionQuerySet(models.QuerySet):
    def current(self):
        """Sections of the public editions at this instant (:func:`hidden_pages`).

        The editions to leave out are read first, among the indexed ones
        (:meth:`RecapEntryQuerySet.hidden`: a public edition whose schedule ran
        out, usually none), so that the sections, and their count, are then
        read from the section table alone. Should there be more than
        :data:`HIDDEN_IDS_MAX` (expired editions never unpublished), they are
        excluded by a subquery, as the entries are.
        """
        hidden = self._hidden_editions()
        return self.exclude(edition__in=hidden) if hidden else self.all()

    def _hidden_editions(self):
        return RecapEntry.objects.hidden_keys()

    def count_matching(self, query):
        """How many current sections (:meth:`current`) have a word starting
        with each word of ``query``, counted in the index of their words alone
        (SQLite's FTS5 index; PostgreSQL's table of their vectors, and the few
        sections without one), less those of the editions hidden at this
        instant (probed by key). ``None`` when the words cannot be counted so
        (count the filtered sections instead)."""
        connection = connections[self.db]
        table = words_table(self.model, connection)
        if table is not None:
            match = words_match(query)
            if match is None:
                return 0
            quoted = connection.ops.quote_name(table)
            found = count_of(connection, f"{quoted} WHERE {quoted} MATCH %s", [match])
            hidden = self._hidden_editions()
            if not hidden:
                return found
            hidden_sections = filter_by_words(self.filter(edition__in=hidden), query)
            return found - hidden_sections.count()
        words = has_words(self.model, connection, query)
        if words is None:
            return None
        vector, vector_params = words.in_vector(connection)
        text, text_params = words.without_vector(connection, self.model)
        found = count_of(connection, vector, vector_params) + count_of(
            connection, text, text_params
        )
        hidden = self._hidden_editions()
        if not hidden:
            return found
        quoted = connection.ops.quote_name(self.model._meta.db_table)
        text, text_params = words.in_text()
        among, among_params = editions_among(hidden)
        return found - count_of(
            connection,
            f"{quoted} WHERE {among} AND {text}",
            [*among_params, *text_params],
        )

    def of_editions(self, editions):
        """Sections of the editions of ``editions`` (a queryset of pages)."""
        return self.filter(edition__in=editions.values("pk"))

    def by_edition(self, edition_ids):
        """``{edition id: [section, …]}`` in page order, in one query."""
        found = defaultdict(list)
        rows = self.filter(edition__in=list(edition_ids))
        for row in rows.order_by("edition_id", "position"):
            found[row.edition_id].append(row)
        return found

    def types_by_edition(self, edition_ids):
        """``{edition id: [types in first-appearance order]}``, in one query."""
        found = defaultdict(dict)
        rows = (
            self.filter(edition__in=list(edition_ids))
            .order_by("edition_id", "position")
            .values_list("edition_id", "type")
        )
        for edition_id, kind in rows:
            found[edition_id][kind] = None
        return {edition_id: list(kinds) for edition_id, kinds in found.items()}

    def in_reading_order(self):
        """Newest edition first, then page order (the ``/sections/`` order)."""
        return self.order_by(
            "-edition_date", "-edition_number", "-edition_id", "position"
        )


class RecapSection(models.Model):
    """One section of a published edition, as readers and the API see it."""

    edition = models.ForeignKey(
        "recaps.RecapPage",
        on_delete=models.CASCADE,
        related_name="indexed_sections",
        verbose_name=_("edition"),
    )
    position = models.PositiveIntegerField(_("position"))
    block_id = models.CharField(_("block id"), max_length=64, blank=True)
    type = models.CharField(
        _("type"), max_length=32, choices=[(kind, kind) for kind in SECTION_TYPES]
    )
    heading = models.CharField(_("heading"), max_length=255, blank=True)
    data = models.JSONField(_("data"), default=dict)
    text = models.TextField(_("text"), blank=True)
    search_text = models.TextField(_("search text"), blank=True)
    edition_date = models.DateField(_("date of the meeting"))
    edition_number = models.PositiveIntegerField(_("edition number"))

    objects = RecapSectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("indexed section")
        verbose_name_plural = _("indexed sections")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "position"], name="unique_section_position"
            )
        ]
        indexes = [
            models.Index(
                fields=["-edition_date", "-edition_number", "-edition", "position"],
                name="recapsection_reading_order",
            ),
            models.Index(
                fields=["type", "-edition_date", "-edition_number"],
                name="recapsection_type_order",
            ),
            # Counts by kind for a set of editions read the index alone.
            models.Index(fields=["edition", "type"], name="recapsection_edition_type"),
            # Sections of one kind across the archive (``/sections/?type=``,
            # its count): the entries of that kind only.
            models.Index(fields=["type", "edition"], name="recapsection_type_edition"),
        ]

    def __str__(self):
        return f"{self.edition_id}#{self.position} {self.type}"

    @property
    def label(self):
        """The readers' name of the section kind (“Pépites et pistes d’action”)."""
        return section_labels()[self.type]

    @property
    def intro_text(self):
        return self.data["intro"]["text"]

    @property
    def items(self):
        """``[{"html", "text", "children": [...]}, …]``."""
        return self.data["items"]

    @property
    def links(self):
        """``[{"title", "url", "description"}, …]``."""
        return self.data["links"]

    def item_count(self):
        """Items and sub-items of the section."""
        return sum(1 + len(item["children"]) for item in self.items)

    def as_dict(self):
        """The API form of the section: its stored data with its ``label``."""
        return {"type": self.type, "label": str(self.label), **self.data}

    def as_public_dict(self, request=None):
        """:meth:`as_dict` as the API, feeds and PDFs give it: site-relative
        link URLs (documents) made absolute."""
        data = self.as_dict()
        for link in data["links"]:
            if link["url"].startswith("/") and not link["url"].startswith("//"):
                link["url"] = absolute_url(link["url"], request)
        return data


class RecapEntryQuerySet(models.QuerySet):
    def current(self):
        """Entries of the public editions at this instant (:func:`hidden_pages`):
        only editions under no view restriction have an entry; the live flag
        and the schedule are read on the page."""
        return self.exclude(edition__in=hidden_pages())

    def hidden(self):
        """Entries of the editions that are not public at this instant, their
        schedule having run out since they were indexed: few, read through the
        partial index of :func:`hidden_pages`."""
        return self.filter(edition__in=hidden_pages())

    def hidden_keys(self):
        """The ids of :meth:`hidden` (usually none), or a subquery when there
        are more than :data:`HIDDEN_IDS_MAX` (expired editions never
        unpublished): what a count of the whole index subtracts."""
        hidden = list(
            self.hidden().values_list("edition_id", flat=True)[: HIDDEN_IDS_MAX + 1]
        )
        return hidden_pages() if len(hidden) > HIDDEN_IDS_MAX else hidden

    def count_matching(self, query):
        """How many current entries (public editions) match the full-text
        ``query``, counted in the index of the public editions' words alone
        (:data:`~recaps.search.FULLTEXT_TABLE`), less the editions hidden at
        this instant (:meth:`current`): one pass over the word's list of
        editions, no page read (PostgreSQL: a bitmap of the GIN index, then
        the hidden editions probed by key). ``None`` on a database without
        that index (count the search's results instead)."""
        connection = connections[self.db]
        if not fulltext_index_serves(connection):
            return None
        match = fulltext_match(query, connection)
        if match is None:
            return 0
        table = connection.ops.quote_name(FULLTEXT_TABLE)
        condition, params = fulltext_condition(connection, table)
        params = [*params, match]
        if connection.vendor == "postgresql":
            # The whole index's count (its bitmap alone), less the hidden
            # editions' (usually none; probed by key).
            found = count_of(connection, f"{table} WHERE {condition}", params)
            hidden = self.hidden_keys()
            if not hidden:
                return found
            among, among_params = editions_among(hidden)
            return found - count_of(
                connection,
                f"{table} WHERE {among} AND {condition}",
                [*among_params, *params],
            )
        hidden, hidden_params = hidden_pages().query.sql_with_params()
        return count_of(
            connection,
            f"{table} WHERE {condition} AND rowid NOT IN ({hidden})",
            [*params, *hidden_params],
        )

    def with_page_dates(self):
        """Annotate the page's publication dates, which the representation
        gives but the entry does not hold (restoring an archive sets them
        after publishing): one join, no extra query."""
        return self.annotate(
            first_published_at=F("edition__first_published_at"),
            last_published_at=F("edition__last_published_at"),
            public_updated_at=F("edition__public_updated_at"),
            go_live_at=F("edition__go_live_at"),
        )

    def representations(self, edition_ids, request=None):
        """``[representation, …]`` of the current entries among ``edition_ids``,
        in the order of ``edition_ids``, in one query."""
        edition_ids = list(edition_ids)
        found = {
            entry.pk: entry
            for entry in self.current()
            .with_page_dates()
            .filter(edition__in=edition_ids)
            .defer("ref")
        }
        return [found[pk].representation(request) for pk in edition_ids if pk in found]

    def references(self, edition_ids, request=None):
        """``{edition id: short reference}`` of the entries of ``edition_ids``
        (editions already known to be public), in one query."""
        rows = self.filter(edition__in=list(edition_ids)).values_list(
            "edition_id", "ref"
        )
        return {pk: public_representation(ref, request) for pk, ref in rows}

    def neighbours_of(self, entry, request=None):
        """``(previous, next)``: short references of the public editions around
        ``entry`` in its series (or ``None``), as :meth:`references` gives
        them (see :meth:`neighbours`)."""
        return tuple(
            public_representation(ref, request)
            for ref in self.neighbours(
                entry.parent_id, entry.date, entry.edition_number
            )
        )

    def neighbours(self, parent_id, date, edition_number):
        """``(previous, next)``: the stored short references (site-relative
        URLs) of the public editions before and after ``(date,
        edition_number)`` in the series ``parent_id`` (or ``None``), in one
        statement. The one home of an edition's neighbours: the API's detail
        (:meth:`neighbours_of`) and the edition's page
        (:meth:`recaps.models.RecapPage.get_neighbours`) read them here.

        Each side walks the series index from the edition (the bound on the
        date alone starts the walk there) and stops at the first public row.
        Written as SQL once per database: it runs on every edition's detail,
        and building the two querysets cost more than running them.
        """
        connection = connections[self.db]
        sql = _NEIGHBOURS_SQL.get(connection.vendor) or _neighbours_sql(connection)
        ops, now = connection.ops, timezone.now()
        date = ops.adapt_datefield_value(date)
        hidden = [ops.adapt_datetimefield_value(now)] * _HIDDEN_PARAMS
        params = []
        for _side in range(2):
            params += [parent_id, date, date, date, edition_number]
            params += hidden
        found = [None, None]
        field = RecapEntry._meta.get_field("ref")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for side, ref in cursor.fetchall():
                found[side] = field.from_db_value(ref, None, connection)
        return tuple(found)


_NEIGHBOURS_SQL = {}
#: Parameters of :func:`hidden_pages`' SQL: the instant, once per condition.
_HIDDEN_PARAMS = 2


def _neighbours_sql(connection):
    """The statement of :meth:`RecapEntryQuerySet.neighbours_of` for this
    database, from the models' names and :func:`hidden_pages`' own SQL."""
    quote = connection.ops.quote_name
    meta = RecapEntry._meta
    table = quote(meta.db_table)
    ref, parent, date, number, edition = (
        quote(meta.get_field(name).column)
        for name in ("ref", "parent", "date", "edition_number", "edition")
    )
    hidden, params = hidden_pages(EPOCH).query.sql_with_params()
    if len(params) != _HIDDEN_PARAMS:  # pragma: no cover (a changed definition)
        raise ValueError("hidden_pages() changed: update _HIDDEN_PARAMS.")

    def side(compare, direction):
        # Names from the models, quoted; values are parameters.
        return (
            f"SELECT {ref} FROM {table} WHERE {parent} = %s "  # noqa: S608
            f"AND {date} {compare}= %s AND ({date} {compare} %s "
            f"OR ({date} = %s AND {number} {compare} %s)) "
            f"AND NOT ({edition} IN ({hidden})) "
            f"ORDER BY {date} {direction}, {number} {direction} LIMIT 1"
        )

    sql = (
        f"SELECT 0, {ref} FROM ({side('<', 'DESC')}) previous_side "  # noqa: S608
        f"UNION ALL SELECT 1, {ref} FROM ({side('>', 'ASC')}) next_side"
    )
    _NEIGHBOURS_SQL[connection.vendor] = sql
    return sql


def public_representation(data, request=None):
    """Stored data as the API gives it: site-relative URLs made absolute on
    the site's public base URL (:mod:`recaps.links`); ``None`` stays ``None``."""
    if data is None:
        return None
    data = dict(data)
    for key in ("url", "pdf_url"):
        if data.get(key):
            data[key] = absolute_url(data[key], request)
    return data


def version(at):
    """An edition's version at its change instant ``at``: microseconds since
    :data:`EPOCH`. The feed (:mod:`recaps.changes`), webhooks
    (:func:`recaps.webhooks.payload`) and the edition's representation give the
    same version for the same change; a later change has a larger one."""
    return max((at - EPOCH) // datetime.timedelta(microseconds=1), 0)


def _timestamp(value):
    """A date and time as the API writes it (DRF's ISO 8601 form)."""
    return DATETIME.to_representation(value) if value else None


class RecapEntry(models.Model):
    """One public edition as the API lists it, written when it is published.

    ``data`` is the representation of ``/recaps/`` with site-relative URLs
    and without the publication dates, which stay on the page
    (:func:`public_representation` completes it), ``ref`` the short
    reference given for neighbours, ``theme_ids`` the themes it is counted
    under (:class:`recaps.models.themes.ThemeCount`); the other columns serve
    the validators and the neighbours' lookup.
    """

    edition = models.OneToOneField(
        "recaps.RecapPage",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="public_entry",
        verbose_name=_("edition"),
    )
    parent = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("series"),
    )
    date = models.DateField(_("date of the meeting"))
    edition_number = models.PositiveIntegerField(_("edition number"))
    data = models.JSONField(_("data"), default=dict)
    ref = models.JSONField(_("reference"), default=dict)
    theme_ids = models.JSONField(
        _("themes"),
        default=list,
        help_text=_("Ids of the themes it is counted under."),
    )
    # Nullable so that SQLite adds the column in place: rebuilding the table
    # would break the full-text triggers that read it (migration 0032).
    section_counts = models.JSONField(
        _("sections by type"),
        null=True,
        blank=True,
        help_text=_("Number of its sections of each type, as counted."),
    )

    objects = RecapEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("indexed edition")
        verbose_name_plural = _("indexed editions")
        indexes = [
            models.Index(
                fields=["parent", "date", "edition_number"],
                name="recapentry_series_order",
            ),
        ]

    def __str__(self):
        return f"{self.edition_id} {self.date}"

    def representation(self, request=None):
        """The edition as ``/recaps/`` lists it (annotated with
        :meth:`RecapEntryQuerySet.with_page_dates`)."""
        updated_at = max(
            (stamp for stamp in (self.public_updated_at, self.go_live_at) if stamp),
            default=EPOCH,
        )
        return public_representation(
            {
                **self.data,
                "first_published_at": _timestamp(self.first_published_at),
                "last_published_at": _timestamp(self.last_published_at),
                "updated_at": _timestamp(updated_at),
                "version": version(updated_at),
            },
            request,
        )
