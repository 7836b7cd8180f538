"""RSS 2.0 and Atom feeds of a series' editions, optionally of one theme.

The series page serves them through its routes (``feed/rss/``,
``themes/<slug>/feed/atom/``…), so a feed always belongs to one series and only
lists published editions.

Titles and descriptions are plain text, never markup: an intro whose *text* is
``<img src=x onerror=…>`` must reach a feed reader as that text. Atom says so
(``type="text"``); an RSS description is HTML by convention, so the plain text
is HTML-escaped once there, and the XML writer escapes it again for XML.
"""

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from .blocks import html_to_text
from .links import absolute_url


def plain_text(rich_text):
    """Rich text as plain text, entities decoded (the feed escapes it again)."""
    return html_to_text(rich_text)


class PlainTextAtom1Feed(Atom1Feed):
    """Atom 1.0 whose entry summaries are declared plain text, not HTML."""

    def add_item_elements(self, handler, item):
        description, item["description"] = item["description"], None
        super().add_item_elements(handler, item)
        item["description"] = description
        if description is not None:
            handler.addQuickElement("summary", description, {"type": "text"})


FEED_LENGTH = 20


class EditionsRssFeed(Feed):
    """Newest published editions of a series (or of one of its themes), RSS 2.0.

    Call it with the series and an optional theme:
    ``EditionsRssFeed()(request, series=series, theme=theme)``.
    """

    feed_type = Rss201rev2Feed

    def get_object(self, request, series, theme=None):
        self.request = request
        return {"series": series, "theme": theme}

    def title(self, obj):
        if obj["theme"] is not None:
            return _("%(series)s — theme “%(theme)s”") % {
                "series": obj["series"].title,
                "theme": obj["theme"].name,
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
        return editions.prefetch_related("tags")[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        """The intro as plain text, HTML-escaped once (RSS descriptions are HTML)."""
        return escape(plain_text(item.intro))

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_guid(self, item):
        return item.get_full_url(self.request)

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
        return [theme.name for theme in item.tags.all()]


class EditionsAtomFeed(EditionsRssFeed):
    """The same feed in Atom 1.0."""

    feed_type = PlainTextAtom1Feed

    def subtitle(self, obj):
        """The feed subtitle, plain text (Atom's default type)."""
        return self.channel_text(obj)

    def item_description(self, item):
        """The intro as plain text (``<summary type="text">``)."""
        return plain_text(item.intro)
