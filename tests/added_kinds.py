"""A section kind added for the time of a test (``added_kind``).

Apart from the factories: it resets what is derived from the kinds (the
importers' archive schema, the API's bound serializers), and the factories
must import without the importers (``tests/test_stream.py``).
"""

from contextlib import contextmanager

from drf_spectacular.plumbing import _load_enum_name_overrides

from recaps.api.serializers import bound_serializer
from recaps.blocks import (
    SECTION_TYPE_CHOICES,
    SECTION_TYPES,
    RecapBodyBlock,
    section_block,
)
from recaps.filters import EditionFilter, SectionFilter
from recaps.importers.archive_schema import archive_schema
from recaps.models import RecapPage


@contextmanager
def added_kind(kind):
    """``kind`` among the section kinds (before free text) while in the block:
    what a declaration in ``recaps.kinds`` gives, without a migration."""
    block = section_block(kind)()
    block.set_name(kind.name)
    stream_block = RecapPage._meta.get_field("body").stream_block
    saved = (
        RecapBodyBlock.base_blocks,
        stream_block.child_blocks,
        list(SECTION_TYPES),
        list(SECTION_TYPE_CHOICES),
    )

    def with_kind(children):
        found = {}
        for name, child in children.items():
            if name == "text":
                found[kind.name] = block
            found[name] = child
        return found

    RecapBodyBlock.base_blocks = with_kind(RecapBodyBlock.base_blocks)
    stream_block.child_blocks = with_kind(stream_block.child_blocks)
    SECTION_TYPES.insert(SECTION_TYPES.index("text"), kind.name)
    SECTION_TYPE_CHOICES.insert(
        SECTION_TYPE_CHOICES.index(("text", "text")), (kind.name, kind.name)
    )
    _load_enum_name_overrides.cache_clear()
    archive_schema.cache_clear()
    bound_serializer.cache_clear()
    # Fields built at import from the list of choices (the filters' children).
    children = [
        filter_.extra["child"]
        for filterset in (EditionFilter, SectionFilter)
        for filter_ in filterset.base_filters.values()
        if filter_.extra.get("choices") is SECTION_TYPE_CHOICES
    ]
    for child in children:
        child.choices = SECTION_TYPE_CHOICES
    try:
        yield block
    finally:
        RecapBodyBlock.base_blocks, stream_block.child_blocks = saved[:2]
        SECTION_TYPES[:], SECTION_TYPE_CHOICES[:] = saved[2:]
        for child in children:
            child.choices = SECTION_TYPE_CHOICES
        _load_enum_name_overrides.cache_clear()
        archive_schema.cache_clear()
        bound_serializer.cache_clear()
