"""The HTML of a WordPress post as WordPress itself would show it.

A post's ``content:encoded`` is not the HTML readers saw: WordPress renders it
first. Block-editor (Gutenberg) posts are HTML between ``<!-- wp:… -->``
comments, which the HTML reader ignores. Classic-editor posts are text in which
a blank line separates paragraphs and a single newline is a line break
(WordPress's ``wpautop``), with shortcodes such as ``[caption]`` and
``[gallery]``. :func:`render_post` does the same here, then the HTML reader reads
the result like any page.
"""

import re
from dataclasses import dataclass, field

from django.utils.html import escape

#: Elements that wpautop never wraps in a paragraph (WordPress's block list).
AUTOP_BLOCKS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li"
    "|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend"
    "|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details"
    "|menu|summary"
)
_BLOCK_TAG = rf"</?(?:{AUTOP_BLOCKS})(?:[\s/][^>]*)?>"
_OPENING_BLOCK = re.compile(rf"(<(?:{AUTOP_BLOCKS})[\s/>])", re.I)
_CLOSING_BLOCK = re.compile(rf"(</(?:{AUTOP_BLOCKS})>)", re.I)
_PRESERVED = re.compile(r"<(pre|script|style|svg)\b.*?</\1>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>", re.S)
_BR = re.compile(r"<br\s*/?>", re.I)


def has_blocks(content):
    """Whether a post was written with the block editor."""
    return "<!-- wp:" in content


def wpautop(text):
    """Paragraphs and line breaks of classic-editor text, as WordPress shows them.

    A blank line separates paragraphs; a single newline is a ``<br />``; block
    elements (lists, tables, headings…) are never wrapped in a paragraph, and
    ``pre``, ``script`` and ``style`` keep their newlines untouched.
    """
    if not text.strip():
        return ""
    preserved = []

    def keep(match):
        # An empty element of the same name stands in, so that block rules apply.
        preserved.append(match.group(0))
        name = match.group(1).lower()
        return f'<{name} data-autop="{len(preserved) - 1}"></{name}>'

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _PRESERVED.sub(keep, text) + "\n"
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text, flags=re.I)
    text = _OPENING_BLOCK.sub(r"\n\n\1", text)
    text = _CLOSING_BLOCK.sub(r"\1\n\n", text)
    text = re.sub(r"<hr\s*?/?>", "<hr />\n\n", text, flags=re.I)
    # Newlines inside a tag are spaces, not line breaks.
    text = _TAG.sub(lambda match: match.group(0).replace("\n", " "), text)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [part for part in re.split(r"\n\s*\n", text) if part.strip()]
    text = "".join(f"<p>{part.strip()}</p>\n" for part in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    # A paragraph holding only a block element is that element.
    text = re.sub(rf"<p>\s*({_BLOCK_TAG})\s*</p>", r"\1", text, flags=re.I)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.I)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(rf"<p>\s*({_BLOCK_TAG})", r"\1", text, flags=re.I)
    text = re.sub(rf"({_BLOCK_TAG})\s*</p>", r"\1", text, flags=re.I)
    # Remaining single newlines are line breaks.
    text = _BR.sub("<br />", text)
    text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
    text = re.sub(rf"({_BLOCK_TAG})\s*<br />", r"\1", text, flags=re.I)
    text = re.sub(
        r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)",
        r"\1",
        text,
        flags=re.I,
    )
    text = re.sub(r"<br />\n(</p>|$)", r"\1", text)
    text = re.sub(r"\n</p>$", "</p>", text.strip())
    return re.sub(
        r'<(\w+) data-autop="(\d+)"></\1>',
        lambda match: preserved[int(match.group(2))],
        text,
    )


#: Shortcodes WordPress core and common plugins register: removed when unknown
#: here even without attributes (other bracketed words such as “[sic]” stay).
KNOWN_SHORTCODES = {
    "audio",
    "video",
    "playlist",
    "wp_caption",
    "caption",
    "gallery",
    "embed",
    "contact-form-7",
    "contact-form",
    "googlemaps",
    "youtube",
    "vimeo",
    "soundcloud",
    "slideshow",
    "instagram",
    "tweet",
    "fusion_builder_container",
    "vc_row",
    "et_pb_section",
}
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_ENCLOSED = re.compile(
    r"\[(caption|wp_caption|embed|audio|video)\b([^\]]*)\](.*?)\[/\1\]", re.S | re.I
)
_SELF_CLOSED = re.compile(r"\[(gallery|audio|video|playlist)\b([^\]]*?)/?\]", re.I)
_ANY = re.compile(r"\[(/?)([a-zA-Z][\w-]*)((?:\s[^\]]*)?)/?\]")


def shortcode_attributes(text):
    return {
        match.group(1).lower(): next(g for g in match.groups()[1:] if g is not None)
        for match in _ATTRIBUTE.finditer(text)
    }


@dataclass
class RenderedPost:
    """A post's HTML and what rendering it removed (shortcode names)."""

    html: str
    removed: list[str] = field(default_factory=list)


def _caption(attributes, inner):
    """``[caption]<img …> Text[/caption]`` → a figure with its caption."""
    match = re.search(r"(<a [^>]*>\s*)?<img [^>]*>(\s*</a>)?", inner, re.S | re.I)
    if not match:
        return inner
    caption = attributes.get("caption") or inner[match.end() :].strip()
    return (
        f"<figure>{match.group(0)}<figcaption>{caption}</figcaption></figure>"
        if caption
        else f"<figure>{match.group(0)}</figure>"
    )


def _media(name, attributes, inner=""):
    """``[audio]``/``[video]``/``[embed]``: an embed or a file, kept as a link."""
    url = (
        inner.strip()
        or attributes.get("src")
        or next(
            (
                value
                for key, value in attributes.items()
                if key in {"mp3", "m4a", "ogg", "wav", "mp4", "webm", "ogv", "url"}
            ),
            "",
        )
    )
    if not url:
        return ""
    url = escape(url)
    if name == "embed":
        return (
            '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
            f"{url}</div></figure>"
        )
    return f'<figure><{name} src="{url}"></{name}></figure>'


def _gallery(attributes, gallery_images):
    ids = [part.strip() for part in attributes.get("ids", "").split(",")]
    images = gallery_images(
        [part for part in ids if part.isdigit()], attributes.get("include", "")
    )
    figures = "".join(
        f'<figure><img src="{escape(image["src"])}" alt="{escape(image["alt"])}" '
        f'data-attachment="{escape(image["id"])}"/>'
        + (
            f"<figcaption>{escape(image['caption'])}</figcaption>"
            if image["caption"]
            else ""
        )
        + "</figure>"
        for image in images
    )
    return f'<figure class="wp-block-gallery">{figures}</figure>'


def render_shortcodes(html, gallery_images):
    """Replace the shortcodes readers saw as media; remove the others.

    ``gallery_images(ids, include)`` returns the images of a ``[gallery]`` as
    dicts (``id``, ``src``, ``alt``, ``caption``); it knows the export's
    attachments. Returns a :class:`RenderedPost`.
    """
    removed = []

    def enclosed(match):
        name, attributes = match.group(1).lower(), shortcode_attributes(match.group(2))
        if name in {"caption", "wp_caption"}:
            return _caption(attributes, match.group(3))
        return _media(name, attributes, match.group(3))

    def self_closed(match):
        name, attributes = match.group(1).lower(), shortcode_attributes(match.group(2))
        if name == "gallery":
            return _gallery(attributes, gallery_images)
        if name == "playlist":
            removed.append(name)
            return ""
        return _media(name, attributes)

    def other(match):
        closing, name, rest = match.groups()
        known = name.lower() in KNOWN_SHORTCODES or name in enclosing
        if not (known or "=" in rest):
            return match.group(0)
        if not closing:
            removed.append(name.lower())
        return ""

    if "[" not in html:
        return RenderedPost(html)
    html = _ENCLOSED.sub(enclosed, html)
    html = _SELF_CLOSED.sub(self_closed, html)
    enclosing = {m.group(2) for m in _ANY.finditer(html) if m.group(1)}
    html = _ANY.sub(other, html)
    return RenderedPost(html, removed)


def render_post(content, gallery_images=lambda ids, include: []):
    """The HTML of a post's content as WordPress shows it (see module doc)."""
    if not has_blocks(content):
        content = wpautop(content)
    return render_shortcodes(content, gallery_images)
