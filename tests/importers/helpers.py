"""Build WordPress export (WXR) files for tests and the import benchmark."""

import datetime
from xml.sax.saxutils import escape

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
    xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    xmlns:wfw="http://wellformedweb.org/CommentAPI/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>{title}</title>
<link>https://www.centres-sociaux-44.fr</link>
<wp:wxr_version>1.2</wp:wxr_version>
"""
FOOTER = "</channel>\n</rss>\n"


def wxr_item(
    title,
    content,
    guid,
    date=datetime.date(2020, 11, 13),
    status="publish",
    post_type="post",
    tags=(),
    categories=(),
    slug="",
    post_id=None,
    password="",
    link=None,
    excerpt="",
    meta=None,
    attachment_url="",
):
    """One ``<item>`` of a WXR file (``post_id`` and ``password`` optional).

    ``link``: the permalink (default: ``guid``); ``meta``: postmeta by key.
    """
    terms = "".join(
        f'<category domain="post_tag" nicename="{escape(t.lower())}">'
        f"<![CDATA[{t}]]></category>\n"
        for t in tags
    ) + "".join(
        f'<category domain="category" nicename="{escape(nicename)}">'
        f"<![CDATA[{name}]]></category>\n"
        for nicename, name in categories
    )
    postmeta = "".join(
        f"<wp:postmeta><wp:meta_key>{escape(key)}</wp:meta_key>"
        f"<wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:postmeta>\n"
        for key, value in (meta or {}).items()
    )
    if attachment_url:
        postmeta += f"<wp:attachment_url>{escape(attachment_url)}</wp:attachment_url>\n"
    return f"""<item>
<title>{escape(title)}</title>
<link>{escape(guid if link is None else link)}</link>
<pubDate>{date:%a, %d %b %Y} 10:00:00 +0000</pubDate>
<guid isPermaLink="false">{escape(guid)}</guid>
<content:encoded><![CDATA[{content}]]></content:encoded>
<excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
<wp:post_date><![CDATA[{date:%Y-%m-%d} 10:00:00]]></wp:post_date>
<wp:post_name><![CDATA[{slug}]]></wp:post_name>
<wp:status><![CDATA[{status}]]></wp:status>
<wp:post_type><![CDATA[{post_type}]]></wp:post_type>
{"" if post_id is None else f"<wp:post_id>{post_id}</wp:post_id>"}
<wp:post_password><![CDATA[{password}]]></wp:post_password>
{postmeta}{terms}</item>
"""


def build_wxr(items, title="Fédération des Centres Sociaux 44"):
    """A whole WXR document (str) from ``wxr_item`` strings."""
    return HEADER.format(title=escape(title)) + "".join(items) + FOOTER


def recap_html(n, extra=""):
    """The HTML body of a typical recap post, with ``n`` in its items."""
    return f"""<p>Beau moment pour cette édition {n}.</p>
<h3>Ce qui a été partagé :</h3>
<ul>
<li>Une initiative {n} <a href="https://example.org/{n}">en ligne</a></li>
<li>Des interrogations partagées :
<ul><li>Comment repérer les personnes {n} ?</li><li>Comment aller vers ?</li></ul>
</li>
</ul>
<p><strong>Les réflexions de fonds :</strong></p>
<ul><li>Le numérique doit rester un choix.</li></ul>
{extra}"""
