"""RSS 2.0, Atom and JSON Feed 1.1 feeds of a series' editions, optionally of
one theme.

The series page serves them through its routes (``feed/rss/``, ``feed/atom/``,
``feed/json/``, ``themes/<slug>/feed/…``), so a feed always belongs to one
series and only lists published editions. They are answered through the
response cache (``ETag``, ``Last-Modified``, ``304``: :mod:`recaps.caching`).

Titles and descriptions are plain text, never markup: an intro whose *text* is
``<img src=x onerror=…>`` must reach a feed reader as that text. Atom says so
(``type="text"``); an RSS description is HTML by convention, so the plain text
is HTML-escaped once there, and the XML writer escapes it again for XML.

Every entry has an author (the series' organiser) and a summary that is never
blank (:attr:`RecapPage.summary`); its id is a tag URI built from the edition's
``translation_key`` (:meth:`RecapPage.tag_uri`), so renaming a slug does not
make feed readers show the edition again.
"""

import datetime
import json

from django.contrib.syndication.views import Feed
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from django.utils.translation import gettext as _

from .blocks import html_to_text
from .links import absolute_url
from .models.sections import RecapSection

FEED_LENGTH = 20
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def plain_text(rich_text):
    """Rich text as plain text, entities decoded (the feed escapes it again)."""
    return html_to_text(rich_text)


class PlainTextAtom1Feed(Atom1Feed):
    """Atom 1.0 whose entry summaries are declared plain text, not HTML."""

    def add_item_elements(self, handler, item):
        description, item["description"] = item["description"], None
        super().add_item_elements(handler, item)
        item["description"] = description
        if description:
            handler.addQuickElement("summary", description, {"type": "text"})


class JsonFeed(SyndicationFeed):
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""

    content_type = "application/feed+json; charset=utf-8"

    def item_data(self, item):
        data = {
            "id": item["unique_id"],
            "url": item["link"],
            "title": item["title"],
            "summary": item["description"],
            "content_text": item["content_text"],
            "content_html": item["content_html"],
        }
        if item["pubdate"]:
            data["date_published"] = item["pubdate"].isoformat()
        if item["updateddate"]:
            data["date_modified"] = item["updateddate"].isoformat()
        if item["author_name"]:
            data["authors"] = [{"name": item["author_name"]}]
        if item["categories"]:
            data["tags"] = list(dict.fromkeys(item["categories"]))
        return data

    def feed_data(self):
        data = {
            "version": JSON_FEED_VERSION,
            "title": self.feed["title"],
            "home_page_url": self.feed["link"],
            "feed_url": self.feed["feed_url"],
            "description": self.feed["description"],
            "language": self.feed["language"],
        }
        if self.feed["author_name"]:
            data["authors"] = [{"name": self.feed["author_name"]}]
        data["items"] = [self.item_data(item) for item in self.items]
        return data

    def write(self, outfile, encoding):
        outfile.write(json.dumps(self.feed_data(), ensure_ascii=False, indent=1))


class EditionsRssFeed(Feed):
    """Newest published editions of a series (or of one of its themes), RSS 2.0.

    Call it with the series and an optional theme:
    ``EditionsRssFeed()(request, series=series, theme=theme)``.
    """

    feed_type = Rss201rev2Feed
    #: The last part of the route names (``feed_rss``, ``theme_feed_rss``).
    kind = "rss"
    #: The id is a tag URI, not a URL: ``<guid isPermaLink="false">``.
    item_guid_is_permalink = False

    def get_object(self, request, series, theme=None):
        self.request = request
        self.author = series.organiser or series.title
        return {"series": series, "theme": theme}

    def title(self, obj):
        if obj["theme"] is not None:
            return _("%(series)s — theme “%(theme)s”") % {
                "series": obj["series"].title,
                "theme": obj["theme"].label,
            }
        return obj["series"].title

    def link(self, obj):
        series = obj["series"]
        url = series.get_full_url(self.request)
        if obj["theme"] is not None:
            url += series.reverse_subpage("theme", kwargs={"slug": obj["theme"].slug})
        return url

    def feed_url(self, obj):
        """The feed's own address (Atom ``rel="self"``), on the public base URL
        rather than the request's host."""
        return absolute_url(self.request.path, self.request)

    def author_name(self, obj):
        return self.author

    def channel_text(self, obj):
        """What the feed is about, plain text."""
        if obj["theme"] is not None and obj["theme"].description:
            return obj["theme"].description
        return plain_text(obj["series"].presentation) or obj["series"].title

    def description(self, obj):
        """The channel description, HTML-escaped once (HTML in RSS)."""
        return escape(self.channel_text(obj))

    def items(self, obj):
        editions = obj["series"].editions()
        if obj["theme"] is not None:
            editions = editions.filter(tagged_items__tag=obj["theme"])
        return (
            editions.with_first_section_text()
            .defer("body")
            .prefetch_related("tags")[:FEED_LENGTH]
        )

    def item_title(self, item):
        return item.plain_title

    def item_text(self, item):
        """The entry's summary, plain text: the easy-to-read summary first (as
        its own paragraph) when the edition has one, then :attr:`summary`."""
        return "\n\n".join(filter(None, [item.summary_easy, item.summary]))

    def item_description(self, item):
        """The summary as plain text, HTML-escaped once (RSS descriptions are HTML)."""
        return escape(self.item_text(item))

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_guid(self, item):
        return item.tag_uri(self.request)

    def item_author_name(self, item):
        return self.author

    def item_pubdate(self, item):
        """The meeting day (midnight, site time zone), else the first publication."""
        if item.date:
            return timezone.make_aware(
                datetime.datetime.combine(item.date, datetime.time.min)
            )
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at or self.item_pubdate(item)

    def item_categories(self, item):
        return [theme.label for theme in item.tags.all()]


class EditionsAtomFeed(EditionsRssFeed):
    """The same feed in Atom 1.0."""

    feed_type = PlainTextAtom1Feed
    kind = "atom"

    def subtitle(self, obj):
        """The feed subtitle, plain text (Atom's default type)."""
        return self.channel_text(obj)

    def item_description(self, item):
        """The summary as plain text (``<summary type="text">``)."""
        return self.item_text(item)


class EditionsJsonFeed(EditionsRssFeed):
    """The same feed in JSON Feed 1.1, each item with its whole content as
    ``content_text`` and ``content_html`` (read from the section index)."""

    feed_type = JsonFeed
    kind = "json"

    def description(self, obj):
        return self.channel_text(obj)

    def items(self, obj):
        editions = list(super().items(obj))
        sections = RecapSection.objects.by_edition(edition.pk for edition in editions)
        for edition in editions:
            found = sections.get(edition.pk, [])
            edition.feed_texts = [section.text for section in found if section.text]
            edition.feed_sections = [
                section.as_public_dict(self.request) for section in found
            ]
        return editions

    def item_description(self, item):
        return self.item_text(item)

    def item_extra_kwargs(self, item):
        texts = [text for text in (item.summary_easy, item.intro_text) if text]
        texts += item.feed_texts
        html = render_to_string(
            "recaps/feeds/edition_content.html",
            {"edition": item, "sections": item.feed_sections},
        )
        return {"content_text": "\n\n".join(texts), "content_html": html.strip()}
