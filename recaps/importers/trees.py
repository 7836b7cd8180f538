"""Reading parsed HTML (Beautiful Soup trees) quickly.

Beautiful Soup's ``find_all`` builds a filter object with one matching rule per
name at every call; the importers call it for each fragment of each post, where
it cost more than the parsing. These walk the tree once and compare names in a
set: the same elements, in the same document order.
"""

from bs4 import Comment, Tag


def tags(node, names=None):
    """The tags under ``node`` in document order (those named in ``names`` if
    given), as ``node.find_all(names)`` lists them."""
    found = [child for child in node.descendants if isinstance(child, Tag)]
    return found if names is None else pick(found, names)


def pick(found, names):
    """The tags of the list ``found`` named in ``names``, in their order."""
    names = frozenset(names)
    return [tag for tag in found if tag.name in names]


def children(node, names):
    """The tags right under ``node`` named in ``names``, as
    ``node.find_all(names, recursive=False)`` lists them."""
    names = frozenset(names)
    return [
        child
        for child in node.children
        if isinstance(child, Tag) and child.name in names
    ]


def contains(node, names):
    """Whether a tag named in ``names`` is under ``node``."""
    names = frozenset(names)
    return any(
        isinstance(child, Tag) and child.name in names for child in node.descendants
    )


def comments(node):
    """The comments under ``node``."""
    return [child for child in node.descendants if isinstance(child, Comment)]


def text(element):
    """The words of ``element`` as a reader sees them, single-spaced (when
    the separators around its blocks are in the tree)."""
    return " ".join(element.get_text().split())
