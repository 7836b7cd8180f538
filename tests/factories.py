"""Factories for pages and their StreamField content.

Pages are created through the tree (``add_child``) and published through a
revision, as the admin would do. :func:`added_kind` declares a section kind
for the duration of a test; :func:`another_value` edits any field.
"""

import datetime

import factory
from django.db import models
from django.utils.text import slugify
from wagtail.fields import StreamField

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


def another_value(field, value):
    """A value of the model ``field`` other than ``value``, by the field's
    type: for tests that edit every field of a model, new ones included."""
    if isinstance(field, StreamField):
        return [section("questions", "Questions", ["Une autre question ?"])]
    if field.choices:
        return next(key for key, _label in field.choices if key != value)
    if isinstance(field, models.SlugField):
        return f"{value or 'page'}-autre"
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateField):
        return value + datetime.timedelta(weeks=1)
    if isinstance(field, models.IntegerField):
        return value + 1
    return f"{value or ''} modifié"[: field.max_length or None]


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
