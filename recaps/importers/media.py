"""Media of imported posts: files of a ``wp-content/uploads`` copy become Wagtail
images and documents; anything else stays a link to its original address.

A file is found by the path after ``/uploads/`` in its address, or after the
host of a WordPress.com-hosted site (:func:`upload_path`), or by the
attachment's own ``_wp_attached_file``, then without WordPress's size suffix
(``photo-300x200.jpg`` → ``photo.jpg``). Files are deduplicated by content: the
same bytes imported twice, or already in the library, give the same image or
document.
"""

import re
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils.html import escape
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.utils.file import hash_filelike

from .document import SourceWarning

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".svg"}
_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.\w+$)")
_UPLOADS_PATH = re.compile(r"/(?:wp-content/uploads|files)/(.+)$")
#: WordPress.com's image CDN: ``i0.wp.com/<origin host>/<path>``.
_WPCOM_CDN = re.compile(r"^i\d\.wp\.com$")
_LINK = re.compile(r'<a href="([^"]+)"')


def _hash(path):
    """The digest Wagtail stores as ``file_hash`` for the same file."""
    with path.open("rb") as handle:
        return hash_filelike(handle)


def upload_path(url):
    """The path of a media address inside ``wp-content/uploads``, or ``None``.

    ``https://site/wp-content/uploads/2020/05/x.jpg`` and the same file hosted
    by WordPress.com (``https://site.files.wordpress.com/2020/05/x.jpg``), or
    served through its image CDN (``https://i0.wp.com/site/wp-content/uploads/
    2020/05/x.jpg?w=300``), are all ``2020/05/x.jpg``.
    """
    parts = urllib.parse.urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    path = urllib.parse.unquote(parts.path)
    if _WPCOM_CDN.match(host):
        origin, _slash, rest = path.lstrip("/").partition("/")
        return upload_path(f"https://{origin}/{rest}") if rest else None
    if host.endswith(".files.wordpress.com"):
        return path.lstrip("/") or None
    match = _UPLOADS_PATH.search(path)
    return match.group(1) if match else None


def is_upload(url):
    """Whether an address points into a WordPress media library."""
    return upload_path(url) is not None


class MediaLibrary:
    """Turn media addresses into Wagtail images and documents (see module doc).

    ``uploads`` is the folder of the ``wp-content/uploads`` copy, or ``None``.
    ``counts`` tallies images, documents and links for the report.
    """

    def __init__(self, uploads=None):
        self.uploads = Path(uploads) if uploads else None
        self.by_hash = {}
        self.by_path = {}
        self.counts = {"images": 0, "documents": 0, "links": 0}
        #: Images and documents this import saved, with their files.
        self.created = []
        #: Addresses of files that became documents (their links point to them).
        self.documented = set()

    @contextmanager
    def files_follow_the_transaction(self):
        """Within an atomic block: the files of the images and documents saved
        inside are deleted again if the block rolls back (an error, or
        ``transaction.set_rollback(True)`` as a dry run does), so a media
        folder never keeps files the database forgot."""
        try:
            yield
        except BaseException:
            self.discard_files()
            raise
        if transaction.get_rollback():
            self.discard_files()

    def discard_files(self):
        """Delete the stored files of the objects this library created."""
        for found in self.created:
            found.file.storage.delete(found.file.name)
        self.created = []

    def find(self, url, relative=""):
        """The local file of a media address, or ``None``."""
        if self.uploads is None:
            return None
        candidates = [relative] if relative else []
        path = upload_path(url)
        if path:
            candidates.append(path)
        candidates += [_SIZE_SUFFIX.sub("", candidate) for candidate in candidates]
        root = self.uploads.resolve()
        for candidate in candidates:
            path = (root / candidate).resolve()
            if path.is_relative_to(root) and path.is_file():
                return path
        return None

    def stored(self, model, digest, title, file, size):
        """The ``model`` object (image or document) holding the file of hash
        ``digest``: one met earlier in this import, one in the library, else a
        new one made from ``file`` (a Django ``File``) of ``size`` bytes."""
        found = self.by_hash.get((model, digest))
        if found is None:
            found = model.objects.filter(file_hash=digest).first()
        if found is None:
            found = model(title=title[:255] or file.name, file_hash=digest)
            found.file = file
            found.file_size = size
            found.save()
            self.created.append(found)
        self.by_hash[(model, digest)] = found
        return found

    def image_section(self, image, section):
        """The stream ``image`` section showing ``image`` (counted)."""
        self.counts["images"] += 1
        return {
            "type": "image",
            "image": image.pk,
            "alt": section.get("alt", "")[:255],
            "caption": section.get("caption", "")[:255],
        }

    def _object(self, path, model, title):
        if path not in self.by_path:
            with path.open("rb") as handle:
                self.by_path[path] = self.stored(
                    model,
                    _hash(path),
                    title,
                    File(handle, name=path.name),
                    path.stat().st_size,
                )
        return self.by_path[path]

    def image(self, section):
        """A stream ``image`` section, or ``(None, warning)`` if it stays a link."""
        path = self.find(section["src"], section.get("file", ""))
        if path is None or path.suffix.lower() not in IMAGE_EXTENSIONS:
            return None
        image = self._object(path, get_image_model(), section.get("alt") or path.stem)
        return self.image_section(image, section)

    def document(self, url, title=""):
        """The Wagtail document of a file address, or ``None``."""
        path = self.find(url)
        if path is None:
            return None
        self.counts["documents"] += 1
        self.documented.add(url)
        return self._object(path, get_document_model(), title or path.stem)

    def link(self, url, text):
        """A paragraph linking to media kept at its original address."""
        self.counts["links"] += 1
        return f'<p><a href="{escape(url)}">{escape(text or url)}</a></p>'

    def rewrite_links(self, html, warnings):
        """Rich text whose links to uploaded files point to Wagtail documents."""
        if "<a " not in html:
            return html

        def replace(match):
            url = match.group(1).replace("&amp;", "&")
            if not is_upload(url):
                return match.group(0)
            suffix = Path(urllib.parse.urlsplit(url).path).suffix.lower()
            document = None if suffix in IMAGE_EXTENSIONS else self.document(url)
            if document is None:
                self.counts["links"] += 1
                warnings.append(SourceWarning("media_link", url))
                return match.group(0)
            return f'<a linktype="document" id="{document.pk}"'

        return _LINK.sub(replace, html)
