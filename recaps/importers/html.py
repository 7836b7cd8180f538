"""A saved HTML page of a recap (or the HTML body of a WordPress post).

Headings are ``h2``–``h6`` and paragraphs made only of bold text; ``ul``/``ol``
become items and their nested lists sub-items. Navigation, share buttons and
other site furniture are dropped. A page with several ``<article>`` elements, or
whose text announces successive editions, gives several editions.
"""

import datetime
import hashlib
import re

from bs4 import BeautifulSoup, NavigableString, Tag
from django.utils.translation import gettext as _

from .document import (
    BulletList,
    EditionBuilder,
    Heading,
    ListItem,
    Paragraph,
    Separator,
    SourceError,
    order_editions,
)
from .sanitize import DROPPED_ELEMENTS

HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
LISTS = {"ul", "ol"}
BLOCKS = (
    HEADINGS
    | LISTS
    | {
        "h1",
        "p",
        "div",
        "section",
        "article",
        "main",
        "blockquote",
        "table",
        "figure",
        "hr",
        "pre",
        "dl",
        "header",
        "footer",
        "nav",
        "aside",
    }
)
FURNITURE = ["nav", "footer", "aside", *DROPPED_ELEMENTS]
_FURNITURE_CLASS = re.compile(r"share|sharing|social|comment|menu|breadcrumb|sidebar")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _inner_html(tag, skip=()):
    return "".join(str(child) for child in tag.contents if child.name not in skip)


def _is_bold_only(tag):
    text = tag.get_text(" ", strip=True)
    bold = " ".join(b.get_text(" ", strip=True) for b in tag.find_all(["strong", "b"]))
    return bool(text) and " ".join(text.split()) == " ".join(bold.split())


def _list_items(tag):
    items = []
    for li in tag.find_all("li", recursive=False):
        children = [
            _inner_html(child, skip=LISTS)
            for nested in li.find_all(LISTS, recursive=False)
            for child in nested.find_all("li")
        ]
        items.append(ListItem(_inner_html(li, skip=LISTS), children))
    return items


def _paragraph_events(html):
    for chunk in _PARAGRAPH_BREAK.split(html):
        fragment = BeautifulSoup(chunk, "html.parser")
        if not fragment.get_text(strip=True):
            continue
        if _is_bold_only(fragment):
            yield Heading(fragment.get_text(" ", strip=True), weak=True)
        else:
            yield Paragraph(chunk.strip())


def events(node):
    """Document events of an HTML element, in reading order."""
    inline = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:
                inline.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        if child.name not in BLOCKS and child.name != "br":
            inline.append(str(child))
            continue
        if child.name == "br":
            inline.append("\n\n")
            continue
        yield from _paragraph_events("".join(inline))
        inline = []
        if child.name == "h1":
            yield Separator(child.get_text(" ", strip=True))
        elif child.name in HEADINGS:
            yield Heading(child.get_text(" ", strip=True))
        elif child.name in LISTS:
            yield BulletList(_list_items(child))
        elif child.name == "p":
            yield from _paragraph_events(_inner_html(child))
        elif child.name in {"table", "pre", "dl"}:
            yield Paragraph(child.get_text(" ", strip=True))
        elif child.name != "hr":
            yield from events(child)
    yield from _paragraph_events("".join(inline))


def strip_furniture(soup):
    """Drop navigation, share buttons, scripts; keep an article's own title."""
    for header in soup.find_all("header"):
        if header.find("h1") and header.find_parent("article"):
            header.replace_with(header.find("h1"))
        else:
            header.decompose()
    for element in soup.find_all(FURNITURE):
        element.decompose()
    for element in soup.find_all(class_=_FURNITURE_CLASS):
        if element.name not in {"body", "html", "article", "main"}:
            element.decompose()
    return soup


def parse_fragment(html, split_editions=False):
    """Editions (usually one) of an HTML fragment such as a post's content."""
    soup = strip_furniture(BeautifulSoup(html, "html.parser"))
    builder = EditionBuilder(split_editions=split_editions)
    for event in events(soup):
        builder.feed(event)
    return builder.finish(), builder.warnings


def decode(data):
    """Text of an HTML file: UTF-8, or the charset the page declares."""
    if b"\x00" in data[:8192]:
        raise SourceError(_("binary file, not a text, HTML or WordPress export"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        declared = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", data[:4096])
        if declared:
            try:
                return data.decode(declared.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
        raise SourceError(
            _("unreadable encoding (expected UTF-8): byte %(position)s")
            % {"position": error.start}
        ) from error


def _meta(soup, *names):
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find(
            "meta", attrs={"name": name}
        )
        if tag and tag.get("content"):
            return tag["content"].strip()
    return ""


def _date(soup, scope):
    candidates = [_meta(soup, "article:published_time")] if scope is soup else []
    time = scope.find("time", attrs={"datetime": True})
    if time:
        candidates.append(time["datetime"])
    for value in candidates:
        try:
            return datetime.date.fromisoformat(value.strip()[:10])
        except ValueError:
            continue
    return None


def _themes(soup, scope):
    names = [a.get_text(" ", strip=True) for a in scope.find_all("a", rel="tag")]
    names += [
        tag["content"]
        for tag in soup.find_all("meta", attrs={"property": "article:tag"})
        if tag.get("content")
    ]
    return list(dict.fromkeys(n for n in names if n))


def parse_html(data, name=""):
    """Editions of a saved HTML page, in chronological order."""
    text = decode(data)
    soup = BeautifulSoup(text, "html.parser")
    if soup.find(True) is None:
        raise SourceError(_("no HTML element found"))
    url = _meta(soup, "og:url")
    canonical = soup.find("link", rel="canonical")
    if canonical and canonical.get("href"):
        url = canonical["href"].strip()
    page_title = _meta(soup, "og:title") or (
        soup.title.get_text(" ", strip=True) if soup.title else ""
    )
    date = _date(soup, soup)
    themes = _themes(soup, soup)
    # Dates and tag links often sit in an article's header or footer: read them
    # before the furniture goes.
    metadata = {}
    for index, article in enumerate(soup.find_all("article")):
        article["data-import-index"] = str(index)
        metadata[str(index)] = (_date(soup, article), _themes(soup, article))

    strip_furniture(soup)
    articles = soup.find_all("article")
    if len(articles) > 1:
        scopes = [(a, metadata[a["data-import-index"]]) for a in articles]
    else:
        main = (
            (articles[0] if articles else None)
            or soup.find(class_="entry-content")
            or soup.find("main")
            or soup.body
            or soup
        )
        scopes = [(main, (None, []))]
    editions, warnings = [], []
    for scope, (scope_date, scope_themes) in scopes:
        builder = EditionBuilder(split_editions=len(scopes) == 1)
        for event in events(scope):
            builder.feed(event)
        found = [e for e in builder.finish() if e.sections]
        warnings += builder.warnings
        if len(scopes) > 1 and found:
            found[0].date = scope_date
            found[0].themes = scope_themes
        editions += found
    if not editions:
        raise SourceError(_("no recap found (no section heading followed by content)"))
    if len(editions) == 1:
        edition = editions[0]
        edition.title = edition.title or page_title
        edition.date = edition.date or date
        edition.themes = edition.themes or themes
    editions = order_editions(editions)
    key = url or "sha256:" + hashlib.sha256(data).hexdigest()
    for position, edition in enumerate(editions, start=1):
        edition.source_key = key if len(editions) == 1 else f"{key}#{position}"
        edition.label = name if len(editions) == 1 else f"{name} #{position}"
    if warnings:
        editions[0].warnings.extend(warnings)
    return editions
