"""Factories for pages and their StreamField content.

Pages are created through the tree (``add_child``) and published through a
revision, as the admin would do.
"""

import datetime

import factory
from django.utils.text import slugify

from recaps.models import RecapPage, RecapSeriesPage
from recaps.stream import section_to_stream


def section(kind, heading=None, items=(), intro="", links=()):
    """Raw StreamField data for one section; items are strings or (text, [children])."""
    if kind == "text":
        return section_to_stream(
            {"type": "text", "heading": heading or "", "text": intro}
        )
    normalised = []
    for item in items:
        if isinstance(item, tuple):
            text, children = item
            normalised.append(
                {"text": text, "children": [{"text": c} for c in children]}
            )
        else:
            normalised.append({"text": item})
    return section_to_stream(
        {
            "type": kind,
            "heading": heading or kind.title(),
            "intro": intro,
            "items": normalised,
            "links": list(links),
        }
    )


class PageFactory(factory.django.DjangoModelFactory):
    """Create a page under ``parent``; ``publish=False`` leaves a draft."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))

    @classmethod
    def _create(cls, model_class, *args, parent=None, publish=True, tags=(), **kwargs):
        if parent is None:
            raise ValueError("A parent page is required.")
        page = model_class(*args, live=publish, **kwargs)
        parent.add_child(instance=page)
        if tags:
            page.tags.set(list(tags))
        revision = page.save_revision()
        if publish:
            revision.publish()
        page.refresh_from_db()
        return page


class RecapSeriesPageFactory(PageFactory):
    class Meta:
        model = RecapSeriesPage

    title = factory.Sequence(lambda n: f"Série {n}")
    organiser = "Fédération des Centres Sociaux de Loire-Atlantique"
    presentation = "<p>Un espace d’échange.</p>"
    registration_status = "closed"


class RecapPageFactory(PageFactory):
    class Meta:
        model = RecapPage

    edition_number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"Édition {o.edition_number}")
    date = factory.LazyAttribute(
        lambda o: (
            datetime.date(2020, 11, 6) + datetime.timedelta(weeks=o.edition_number)
        )
    )
    intro = "<p>Beau moment.</p>"
    body = factory.LazyFunction(
        lambda: [section("highlights", "Ce qui a été partagé", ["Un point"])]
    )
