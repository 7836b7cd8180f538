"""What a generated edition's indexes need, computed away from the database.

Drawing an edition and reading its body (section rows, searchable text, stems,
references) is pure Python and takes most of a generation's time. It needs no
database: :func:`prepare` does it for a batch of edition numbers, in the
writing process or in a worker process (:class:`Preparer`) while the writing
process sends the previous batch to the database. The writer then hands these
results to the indexes (:func:`known_body_facts`), which get exactly what they
would have computed from the page.
"""

import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from ..bulk_pages import replaced_methods
from ..models import RecapPage, RecapPageTag, RecapSection, Theme
from ..sections import section_rows
from .content import EditionContent, EditionDrawer
from .worker import start_worker


@dataclass
class PreparedEdition:
    """An edition's content and what its indexes read from its body."""

    content: EditionContent
    #: Unsaved section index rows (``edition_id`` is set once the page exists).
    sections: list[RecapSection]
    #: The body's searchable content and references, as its StreamField gives them.
    body_text: list[str]
    body_references: list[tuple]
    #: ``RecapPage.search_stems()``.
    stems: str


def edition_page(content, theme_names, page_type_id):
    """An unsaved edition holding ``content``, tagged with its themes
    (``theme_names``: the name of each theme of the vocabulary in the database;
    ``page_type_id``: the edition's content type, or Wagtail would look it up)."""
    page = RecapPage(
        content_type_id=page_type_id,
        title=content.title,
        slug=content.slug,
        **content.page_fields(),
    )
    page.tagged_items = [
        RecapPageTag(tag=Theme(name=theme_names[name])) for name in content.themes
    ]
    return page


def prepare(numbers, seed, theme_names, page_type_id):
    """:class:`PreparedEdition` of each edition ``numbers`` drawn from ``seed``
    (see :func:`edition_page` for the others)."""
    drawer = EditionDrawer(seed)
    body = RecapPage._meta.get_field("body")
    prepared = []
    for number in numbers:
        content = drawer.draw(number)
        page = edition_page(content, theme_names, page_type_id)
        prepared.append(
            PreparedEdition(
                content=content,
                sections=section_rows(page),
                body_text=body.get_searchable_content(page.body),
                body_references=list(body.extract_references(page.body)),
                stems=page.search_stems(),
            )
        )
    return prepared


def known_body_facts(pages, prepared):
    """Let the indexes of ``pages`` read their body's facts from ``prepared``
    (aligned with ``pages``) instead of computing them again; any other page
    or value is computed as usual."""
    body = RecapPage._meta.get_field("body")
    pairs = list(zip(pages, prepared, strict=True))
    texts = {id(page.body): facts.body_text for page, facts in pairs}
    references = {id(page.body): facts.body_references for page, facts in pairs}
    stems = {id(page): facts.stems for page, facts in pairs}

    def of_body(known, wrap=lambda value: value):
        def make(method):
            def answer(field, value):
                if field is body and id(value) in known:
                    return wrap(known[id(value)])
                return method(field, value)

            return answer

        return make

    def of_page(method):
        return lambda page: stems[id(page)] if id(page) in stems else method(page)

    return replaced_methods(
        [
            (type(body), "get_searchable_content", of_body(texts)),
            (type(body), "extract_references", of_body(references, iter)),
            (RecapPage, "search_stems", of_page),
        ]
    )


def default_workers():
    """Worker processes for a generation: one per core beyond the first (the
    writing process and the database need one), at most four."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


class Preparer:
    """Prepare batches of editions in order, ``workers`` processes ahead of the
    caller (none: in the calling process)."""

    def __init__(self, seed, theme_names, page_type_id, workers):
        self.arguments = (seed, theme_names, page_type_id)
        self.workers = workers

    def batches(self, ranges):
        """The :class:`PreparedEdition` lists of ``ranges`` (edition numbers)."""
        ranges = list(ranges)
        if not self.workers or len(ranges) < 2:
            for numbers in ranges:
                yield prepare(numbers, *self.arguments)
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=start_worker
        ) as pool:
            waiting, pending = deque(ranges), deque()
            while waiting or pending:
                # A few batches ahead, not all of them: memory stays flat.
                while waiting and len(pending) <= self.workers:
                    numbers = list(waiting.popleft())
                    pending.append(pool.submit(prepare, numbers, *self.arguments))
                yield pending.popleft().result()
