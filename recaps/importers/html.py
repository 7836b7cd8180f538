"""A saved HTML page of a recap (or the HTML body of a WordPress post).

This is the one reader of headings, paragraphs and lists into document events,
shared by every HTML source. Headings are ``h2``–``h6`` and short bold paragraphs
ending with a colon; ``ul``/``ol`` become lists (order type, start and nesting
kept). Images, galleries, tables, code, embeds and files become blocks of their
own, as WordPress's editor writes them (``figure.wp-block-image``…) or as the
classic editor does (``<img>`` in a paragraph). Navigation, share buttons and
other site furniture are dropped. A page with several ``<article>`` elements, or
whose text announces successive editions, gives several editions.
"""

import copy
import datetime
import re
import urllib.parse

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from django.utils.html import escape
from django.utils.translation import gettext as _

from ..blocks import html_to_text
from . import trees
from .document import (
    Block,
    BulletList,
    EditionBuilder,
    Heading,
    ListItem,
    Paragraph,
    Separator,
    SourceError,
    SourceWarning,
    decode,
    finish_editions,
)
from .mapping import clean_heading, is_heading_line, section_kind
from .sanitize import DROPPED_ELEMENTS

HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
LISTS = {"ul", "ol"}
#: Media elements read as blocks (or kept as links), never dropped.
MEDIA = {"img", "figure", "video", "audio", "iframe", "embed", "object", "picture"}
BLOCKS = (
    HEADINGS
    | LISTS
    | MEDIA
    | {
        "h1",
        "p",
        "div",
        "section",
        "article",
        "main",
        "blockquote",
        "table",
        "hr",
        "pre",
        "dl",
        "header",
        "footer",
        "nav",
        "aside",
    }
)
FURNITURE = [
    "nav",
    "footer",
    "aside",
    *(name for name in DROPPED_ELEMENTS if name not in MEDIA),
]
#: Furniture WordPress, Jetpack and default themes add around a post, by the
#: exact class or id they write: share and like buttons, related posts, social
#: icons, comments, widgets. Nothing is guessed from a part of a class name:
#: ``centre-social-infos``, ``menu-semaine`` or ``comment-participer`` are text.
FURNITURE_CLASSES = frozenset(
    {
        "sharedaddy",
        "sd-sharing-enabled",
        "sd-block",
        "sd-like",
        "sd-rating",
        "jp-relatedposts",
        "jp-post-flair",
        "jetpack-likes-widget-wrapper",
        "wpcnt",
        "wp-block-social-links",
        "wp-block-jetpack-sharing-buttons",
        "wp-block-jetpack-related-posts",
        "wp-block-jetpack-like",
        "addtoany_share_save_container",
        "wp-block-file__button",
        "comments-area",
        "comment-respond",
        "widget-area",
        "post-navigation",
        "yoast-breadcrumbs",
    }
)
FURNITURE_IDS = frozenset(
    {"jp-relatedposts", "jp-post-flair", "comments", "respond", "secondary"}
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_ATTACHMENT_CLASS = re.compile(r"\bwp-image-(\d+)\b")
_LANGUAGE_CLASS = re.compile(r"\blang(?:uage)?-([\w+#-]+)")
#: Addresses a reader can follow from paper: kept after the words of a link.
_LINK_SCHEMES = ("http://", "https://", "mailto:")
#: Sites whose players an embed links to; other frames are removed and reported.
EMBED_HOSTS = re.compile(
    r"(^|\.)(youtube\.com|youtu\.be|youtube-nocookie\.com|vimeo\.com"
    r"|dailymotion\.com|soundcloud\.com|wordpress\.tv|videopress\.com"
    r"|peertube\.[\w.]+|spotify\.com|slideshare\.net|flickr\.com"
    r"|instagram\.com|twitter\.com|x\.com|facebook\.com|tiktok\.com"
    r"|google\.com|openstreetmap\.org|framatube\.org|ted\.com)$"
)


def _inner_html(tag, skip=()):
    """The HTML inside ``tag``, without comments (block-editor markers)."""
    return "".join(
        str(child)
        for child in tag.contents
        if child.name not in skip and not isinstance(child, Comment)
    )


def _classes(tag):
    return " ".join(tag.get("class") or [])


def _text(tag):
    return " ".join(tag.get_text(" ", strip=True).split()) if tag else ""


def _linked_text(tag):
    """:func:`_text` for fields of plain text (table cells, captions): each
    link's address follows its words, ``words (https://…)``, unless the words
    already show it, so that no address is lost with the markup."""
    if tag is None:
        return ""
    tag = copy.copy(tag)
    for link in tag.find_all("a", href=True):
        address = link["href"].strip()
        shown = address.removeprefix("mailto:")
        if address.startswith(_LINK_SCHEMES) and shown not in _text(link):
            link.append(f" ({shown})")
    return _text(tag)


def _is_bold_only(tag):
    text = tag.get_text(" ", strip=True)
    bold = " ".join(
        b.get_text(" ", strip=True) for b in trees.tags(tag, ["strong", "b"])
    )
    return bool(text) and " ".join(text.split()) == " ".join(bold.split())


def _start(tag):
    try:
        return int(tag.get("start")) if tag.get("start") else None
    except ValueError:
        return None


def _images_as_links(li):
    """Images inside a list item become links to them (items hold no image).

    The writer reports such links as media kept at their original address.
    """
    for img in trees.tags(li, {"img"}):
        if img.find_parent(LISTS) is not li.parent:
            continue
        src = _source(img)
        if not src:
            img.decompose()
            continue
        name = urllib.parse.unquote(urllib.parse.urlsplit(src).path.rsplit("/", 1)[-1])
        link = img.find_parent("a")
        text = " ".join(str(img.get("alt") or "").split()) or name or src
        if link is not None and not link.get_text(strip=True):
            link["href"] = src
            link.string = text
        else:
            anchor = BeautifulSoup("", "html.parser").new_tag("a", href=src)
            anchor.string = text
            img.replace_with(anchor)


def _list_items(tag):
    """The items of a ``ul``/``ol``, each with the list nested in it."""
    items = []
    for li in trees.children(tag, {"li"}):
        _images_as_links(li)
        item = ListItem(_inner_html(li, skip=LISTS))
        for nested in trees.children(li, LISTS):
            if not item.children:
                item.ordered, item.start = nested.name == "ol", _start(nested)
            item.children += _list_items(nested)
        items.append(item)
    return items


def _loose_list_text(tag):
    """Text standing in a list between its items, as paragraphs."""
    loose = [
        str(child)
        for child in tag.children
        if not (isinstance(child, Tag) and child.name in {"li", *LISTS})
        and not isinstance(child, Comment)
    ]
    yield from _paragraph_events("".join(loose))


def _bullet_list(tag):
    return BulletList(_list_items(tag), tag.name == "ol", _start(tag))


def _definition_list(tag):
    """A ``dl``: one item per term, its definitions nested under it."""
    items = []
    for child in tag.find_all(["dt", "dd"]):
        if child.name == "dt" or not items:
            items.append(ListItem(f"<b>{escape(_text(child))}</b>"))
        if child.name == "dd":
            items[-1].children.append(ListItem(_inner_html(child)))
    return BulletList(items)


def _paragraph_events(html):
    for chunk in _PARAGRAPH_BREAK.split(html):
        if not chunk.strip():
            continue  # blank between blocks
        if "<" not in chunk and "&" not in chunk:
            yield Paragraph(chunk.strip())  # plain words: never a bold heading
            continue
        fragment = BeautifulSoup(chunk, "html.parser")
        if not fragment.get_text(strip=True):
            continue
        text = fragment.get_text(" ", strip=True)
        if _is_bold_only(fragment) and is_heading_line(text):
            yield Heading(text, weak=True)
        else:
            yield Paragraph(chunk.strip())


def _source(tag):
    """The address of a media element (``src``, lazy-loading or ``<source>``)."""
    for attribute in ("src", "data-src", "data-lazy-src", "data", "href"):
        if tag.get(attribute):
            return tag[attribute].strip()
    source = tag.find("source", src=True)
    return source["src"].strip() if source else ""


def image_value(img, caption="", link=""):
    """An ``image`` section for an ``<img>``: address, alt text, caption."""
    attachment = img.get("data-attachment") or _ATTACHMENT_CLASS.search(_classes(img))
    if attachment and not isinstance(attachment, str):
        attachment = attachment.group(1)
    return {
        "type": "image",
        "src": _source(img),
        "alt": " ".join(str(img.get("alt") or "").split()),
        "caption": caption,
        "link": link,
        "attachment_id": attachment or "",
    }


def embed_value(url, caption=""):
    return {"type": "embed", "url": url.strip(), "caption": caption}


def file_value(url, title="", caption=""):
    """A file (PDF, audio, video): a Wagtail document once resolved, else a link."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    return {"type": "file", "url": url.strip(), "title": title or name or url}


def table_value(table, caption=""):
    """A ``table`` section: cell texts by row, whether the first row heads it."""
    rows = []
    for row in table.find_all("tr"):
        rows.append([_linked_text(cell) for cell in row.find_all(["th", "td"])])
    rows = [row for row in rows if row]
    width = max((len(row) for row in rows), default=0)
    rows = [row + [""] * (width - len(row)) for row in rows]
    first = table.find("tr")
    header = bool(
        first
        and (
            first.find_parent("thead")
            or all(cell.name == "th" for cell in first.find_all(["th", "td"]))
        )
    )
    caption = caption or _linked_text(table.find("caption"))
    return {"type": "table", "rows": rows, "header": header, "caption": caption}


def code_value(pre):
    """A ``code`` section; the line breaks of a preformatted block kept
    (the block editor writes them as ``<br>``)."""
    for br in pre.find_all("br"):
        br.replace_with("\n")
    code = pre.find("code")
    language = _LANGUAGE_CLASS.search(_classes(code) if code else _classes(pre))
    return {
        "type": "code",
        "code": pre.get_text().strip("\n"),
        "language": language.group(1) if language else "",
    }


def _frame_events(tag, caption=""):
    """An ``iframe``/``embed``/``object``: an embed if a known player, else reported."""
    url = _source(tag)
    host = urllib.parse.urlsplit(url).hostname or ""
    if url.startswith(("http://", "https://", "//")) and EMBED_HOSTS.search(host):
        yield Block(
            embed_value(url if not url.startswith("//") else "https:" + url, caption)
        )
    elif url:
        yield SourceWarning("frame_removed", host or url[:100])


def _media_events(tag, caption=""):
    """Blocks of one media element (``img``, ``video``, ``figure``…)."""
    name = tag.name
    if name == "img":
        link = tag.parent.get("href", "") if tag.parent.name == "a" else ""
        yield Block(image_value(tag, caption, link))
    elif name == "picture":
        img = tag.find("img")
        if img:
            yield Block(image_value(img, caption))
    elif name in {"video", "audio"}:
        url = _source(tag)
        if url:
            yield Block(file_value(url, caption))
    elif name in {"iframe", "embed", "object"}:
        yield from _frame_events(tag, caption)
    elif name == "figure":
        yield from _figure_events(tag)


def _figure_events(figure):
    """A ``figure``: image, gallery, table, embed, video or audio, with its caption."""
    classes = _classes(figure)
    captions = figure.find_all("figcaption", recursive=False)
    caption = _linked_text(captions[-1]) if captions else ""
    for element in captions:
        element.extract()
    if "wp-block-embed" in classes:
        wrapper = figure.find(class_="wp-block-embed__wrapper")
        url = _text(wrapper) if wrapper else ""
        if url.startswith(("http://", "https://")):
            yield Block(embed_value(url, caption))
            return
    if "wp-block-gallery" in classes or "gallery" in classes.split():
        for img in figure.find_all("img"):
            inner = img.find_parent("figure")
            inner_caption = inner.find("figcaption") if inner is not figure else None
            link = img.parent.get("href", "") if img.parent.name == "a" else ""
            yield Block(image_value(img, _linked_text(inner_caption), link))
        if caption:
            yield Paragraph(f"<p>{escape(caption)}</p>")
        return
    table = figure.find("table")
    if table is not None:
        yield Block(table_value(table, caption))
        return
    media = figure.find(["img", "video", "audio", "iframe", "embed", "object"])
    if media is not None:
        yield from _media_events(media, caption)
        return
    yield from events(figure)


def _has_media(tag):
    return tag.name in MEDIA or trees.contains(tag, MEDIA)


def _mixed_events(tag):
    """A paragraph holding images: its text and its images, in order."""
    inline = []
    for child in tag.children:
        if isinstance(child, Tag) and _has_media(child):
            yield from _paragraph_events("".join(inline))
            inline = []
            if child.name in MEDIA:
                yield from _media_events(child)
            elif child.name == "a" and not child.get_text(strip=True):
                img = child.find("img")
                if img is not None:
                    yield from _media_events(img)
                for other in child.find_all(["video", "audio", "iframe"]):
                    yield from _media_events(other)
            else:
                yield from _mixed_events(child)
        elif type(child) is NavigableString or isinstance(child, Tag):
            inline.append(str(child))
    yield from _paragraph_events("".join(inline))


def _quote(tag):
    """A quotation kept as ``<blockquote>`` paragraphs, its source last; its
    headings are bold paragraphs, its list items paragraphs."""
    parts, taken = [], set()
    for child in tag.find_all(["p", "cite", "li", "h1", *HEADINGS]):
        if any(id(parent) in taken for parent in child.parents):
            continue
        taken.add(id(child))
        inner = _inner_html(child)
        if child.name in HEADINGS or child.name == "h1":
            inner = f"<b>{escape(_text(child))}</b>"
        parts.append(f"<p>{inner}</p>")
    if not parts:
        parts = [f"<p>{_inner_html(tag)}</p>"]
    return Paragraph(f"<blockquote>{''.join(parts)}</blockquote>")


def _buttons(tag):
    """Buttons: their links, or their text when they link nowhere."""
    links = [
        str(a) if a.get("href") else escape(_text(a))
        for a in tag.find_all("a")
        if _text(a)
    ]
    if not links and _text(tag):
        links = [escape(_text(tag))]
    return Paragraph(" – ".join(links)) if links else None


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
            if _has_media(child):
                yield from _paragraph_events("".join(inline))
                inline = []
                yield from _mixed_events(child)
            else:
                inline.append(str(child))
            continue
        if child.name == "br":
            inline.append("\n\n")
            continue
        yield from _paragraph_events("".join(inline))
        inline = []
        yield from _block_events(child)
    yield from _paragraph_events("".join(inline))


def _block_events(child):
    name, classes = child.name, _classes(child)
    if name == "h1":
        yield Separator(child.get_text(" ", strip=True))
    elif name in HEADINGS:
        yield Heading(child.get_text(" ", strip=True))
    elif name in LISTS:
        if not trees.children(child, {"li"}):
            # Text in a list without items: browsers show it, so is it here.
            yield from events(child)
        else:
            yield from _loose_list_text(child)
            yield _bullet_list(child)
    elif name == "dl":
        yield _definition_list(child)
    elif name == "p":
        if _has_media(child):
            yield from _mixed_events(child)
        else:
            yield from _paragraph_events(_inner_html(child))
    elif name in MEDIA:
        yield from _media_events(child)
    elif name == "table":
        yield Block(table_value(child))
    elif name == "pre":
        if "wp-block-verse" in classes:
            for br in child.find_all("br"):
                br.replace_with("\n")
            lines = escape(child.get_text()).strip("\n").split("\n")
            yield Paragraph("<br/>".join(lines))
        else:
            yield Block(code_value(child))
    elif name == "blockquote":
        yield _quote(child)
    elif name == "hr":
        yield Paragraph("<hr/>")
    elif "wp-block-file" in classes:
        link = child.find("a", href=True)
        if link is not None:
            yield Block(file_value(link["href"], _text(link)))
    elif "wp-block-buttons" in classes or "wp-block-button" in classes:
        paragraph = _buttons(child)
        if paragraph:
            yield paragraph
    else:
        yield from events(child)


def _is_furniture(tag):
    if tag.name in {"body", "html", "article", "main"}:
        return False
    return bool(
        FURNITURE_CLASSES.intersection(tag.get("class") or ())
        or tag.get("id") in FURNITURE_IDS
    )


def furniture_elements(soup):
    """The elements WordPress adds around a post's text (:data:`FURNITURE_CLASSES`),
    outermost first."""
    found = [tag for tag in trees.tags(soup) if _is_furniture(tag)]
    ids = {id(tag) for tag in found}
    return [tag for tag in found if not any(id(p) in ids for p in tag.parents)]


def strip_furniture(soup):
    """Drop navigation, share buttons, scripts; keep an article's own title."""
    for header in trees.tags(soup, ["header"]):
        if header.find("h1") and header.find_parent("article"):
            header.replace_with(header.find("h1"))
        else:
            header.decompose()
    for element in trees.tags(soup, FURNITURE):
        element.decompose()
    for element in furniture_elements(soup):
        element.decompose()
    return soup


def _post_headings(stream):
    """In a post, an ``h1`` is a heading: the post has its own title."""
    for event in stream:
        yield Heading(event.title) if isinstance(event, Separator) else event


def _bold(heading):
    return Paragraph(f"<p><b>{escape(heading.text.strip())}</b></p>")


def keep_headings(stream):
    """Headings that would head nothing stay, as bold paragraphs.

    A heading followed directly by another heading, by the end, or only by
    blocks (a table, code, an image) would make a section with nothing in it,
    which no reader sees: “Planning des ateliers” above its table would be
    lost. A heading that names no section kind heads nothing when a block
    follows it (text after a block starts a new section).
    """
    heading, held = None, []

    def release(empty):
        if heading is not None:
            yield _bold(heading) if empty else heading
        yield from held

    for event in stream:
        says_nothing = isinstance(event, (Block, SourceWarning)) or (
            isinstance(event, Paragraph) and not html_to_text(event.html)
        )
        if says_nothing and heading is not None:
            # A separator (``<hr>``) under a heading says nothing either.
            held.append(event)
            continue
        if isinstance(event, (Paragraph, BulletList)) and heading is not None:
            known = section_kind(clean_heading(heading.text)) is not None
            has_block = any(isinstance(e, Block) for e in held)
            yield from release(empty=has_block and not known)
            heading, held = None, []
            yield event
            continue
        if heading is not None:
            yield from release(empty=True)
            heading, held = None, []
        if isinstance(event, Heading):
            heading = event
        else:
            yield event
    yield from release(empty=True)


def parse_fragment(html, split_editions=False):
    """Editions (usually one) of an HTML fragment such as a post's content."""
    soup = strip_furniture(BeautifulSoup(html, "html.parser"))
    builder = EditionBuilder(split_editions=split_editions)
    stream = keep_headings(_post_headings(events(soup)))
    return builder.read(stream), builder.warnings


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


def parse_html(data, name="", key=""):
    """Editions of a saved HTML page, in chronological order.

    ``key`` identifies the source (default: the page's address, else a digest).
    """
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
        found = [e for e in builder.read(keep_headings(events(scope))) if e.sections]
        warnings += builder.warnings
        if len(scopes) > 1 and found:
            found[0].date = scope_date
            found[0].themes = scope_themes
        editions += found
    if len(editions) == 1:
        edition = editions[0]
        edition.title = edition.title or page_title
        edition.date = edition.date or date
        edition.themes = edition.themes or themes
    return finish_editions(editions, data, name, warnings, key=key or url)
