"""Printable letters: an edition, or a theme digest, as an A4 PDF.

Both are laid out as the federation's neighbourhood letter (letterhead, title,
sections, the series' “Comment participer ?” block, a QR code to the online
page) from the section index (:class:`~recaps.models.RecapSection`), never from
the StreamField JSON: a published edition gives its indexed rows, a draft the
unsaved rows of :func:`recaps.sections.section_rows`. WeasyPrint writes a
tagged PDF (PDF/UA-1) in French; the QR code is drawn by segno.

A public letter costs the same whatever the archive (README, "Print and PDF
letters"): a digest holds the ``RECAPS_DIGEST_MAX_EDITIONS`` newest editions
of its selection and says how many there are in all; a letter is made once
per normalised request (:func:`pdf_identity`: unknown query parameters are
ignored, dates are read) and content version, by one request at a time, at
most ``RECAPS_PDF_CONCURRENCY`` at once on the site, and for each client at
most ``RECAPS_PDF_THROTTLE_RATE`` (:func:`deliver`). Others get a French page
with status 503 or 429 and ``Retry-After``.

Readers reach the letters through two routes of the pages, which this module
adds to them (:func:`register_routes`, at start-up): ``<edition>/pdf/`` (route
``pdf`` of :class:`~recaps.models.RecapPage`) and
``<series>/themes/<slug>/pdf/`` (route ``theme_pdf`` of
:class:`~recaps.models.RecapSeriesPage`). The dependency points one way: this
module reads the models, the section index and the edition filters; the
models never import it.
"""

import ctypes
import gc
import hashlib
import logging
import math
from collections import defaultdict

import segno
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.text import slugify
from wagtail.contrib.routable_page.models import path

from .blocks import SECTION_TYPES, section_labels
from .caching import Busy, cache_lock, current_version, remembered_once
from .filters import EditionFilter
from .models import RecapPage, RecapSection, RecapSeriesPage
from .sections import section_rows
from .throttling import PdfThrottle

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
DATE_PARAMETERS = ("date_after", "date_before")
DEFAULT_DIGEST_MAX_EDITIONS = 10
DEFAULT_PDF_CONCURRENCY = 1
DEFAULT_PDF_WAIT = 2
DEFAULT_PDF_LOCK_TIMEOUT = 35
#: Seconds a reader refused while letters are being made is told to wait.
BUSY_RETRY_AFTER = 10


def digest_max_editions():
    """Editions a theme digest holds at most: ``RECAPS_DIGEST_MAX_EDITIONS``."""
    value = getattr(settings, "RECAPS_DIGEST_MAX_EDITIONS", DEFAULT_DIGEST_MAX_EDITIONS)
    return max(int(value), 1)


def pdf_concurrency():
    """Letters made at once on the site: ``RECAPS_PDF_CONCURRENCY`` (shared
    through the response cache, so per process without Redis)."""
    value = getattr(settings, "RECAPS_PDF_CONCURRENCY", DEFAULT_PDF_CONCURRENCY)
    return max(int(value), 1)


def pdf_wait():
    """Seconds a request waits for the same letter made by another one:
    ``RECAPS_PDF_WAIT`` (0: answer 503 at once)."""
    return max(float(getattr(settings, "RECAPS_PDF_WAIT", DEFAULT_PDF_WAIT)), 0)


def pdf_lock_timeout():
    """Seconds a lock on a letter outlives a worker that died while making it:
    ``RECAPS_PDF_LOCK_TIMEOUT`` (more than the longest rendering)."""
    value = getattr(settings, "RECAPS_PDF_LOCK_TIMEOUT", DEFAULT_PDF_LOCK_TIMEOUT)
    return max(int(value), 1)


class PdfUnavailable(Exception):  # noqa: N818 (a state, as Django's ``Http404``)
    """WeasyPrint's system libraries cannot be loaded on this server."""


def letterhead(series):
    """Name and tagline of the federation publishing ``series``.

    The name is the series' organiser, else the title of the page above it;
    the tagline is that page's ``tagline`` when it has one (the site's home
    page does), so that this app needs nothing from the site.
    """
    parent = series.get_parent().specific
    return {
        "name": series.organiser or parent.title,
        "tagline": getattr(parent, "tagline", "") or "",
    }


def qr_code(url):
    """The QR code of ``url`` as an SVG ``data:`` URI (drawn as vector)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def release_memory():
    """Give the memory of a rendering back: WeasyPrint's boxes form reference
    cycles (collected now, not at some later allocation), and glibc keeps
    freed blocks in its arenas unless asked to return them to the system."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator decides
        pass


def write_pdf(request, template, context):
    """``template`` rendered with ``context`` as the bytes of an A4 PDF.

    WeasyPrint is imported here, not with the module (an optional heavy
    library, the one documented function-level import of the app): it loads Pango and
    HarfBuzz, system libraries that ``make test`` installs but a bare
    ``make run`` machine may lack: then :class:`PdfUnavailable` is raised.
    The document is not kept: its memory is released before returning.
    """
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:
        logger.warning("PDF unavailable: WeasyPrint cannot load (%s)", error)
        raise PdfUnavailable from error

    try:
        return HTML(
            string=render_to_string(template, context, request=request),
            base_url=request.build_absolute_uri("/"),
            # Letters embed everything: nothing is fetched but ``data:`` URIs.
            url_fetcher=URLFetcher(allowed_protocols={"data"}),
        ).write_pdf(
            stylesheets=[CSS(string=render_to_string("recaps/pdf/letter.css"))],
            pdf_variant=PDF_VARIANT,
        )
    finally:
        release_memory()


def pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def unavailable(request, online_url):
    """The French 503 page of a server without WeasyPrint's libraries."""
    return TemplateResponse(
        request, "recaps/pdf/unavailable.html", {"online_url": online_url}, status=503
    )


def render_letter(request, template, context, filename):
    """Render ``template`` as an A4 PDF answer named ``filename``, every time
    (editors' letters of drafts); readers' letters go through :func:`deliver`.
    Without WeasyPrint's libraries readers get a French 503 page pointing to
    the online edition, not a server error."""
    try:
        pdf = write_pdf(request, template, context)
    except PdfUnavailable:
        return unavailable(request, context.get("online_url"))
    return pdf_response(pdf, filename)


def pdf_identity(request, *parts):
    """The name of a public letter in the cache: scheme and host (its links
    are absolute) and ``parts``, the letter and its normalised parameters,
    never the raw query string: ``?x=1`` names the same letter."""
    text = "\n".join([request.scheme, request.get_host(), *map(str, parts)])
    return "pdf:" + hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def refused(request, status, retry_after, online_url):
    """French page for a letter not made now: ``429`` (this client asked for
    too many) or ``503`` (being made, or every slot busy), ``Retry-After``."""
    response = TemplateResponse(
        request,
        "recaps/pdf/busy.html",
        {"online_url": online_url, "retry_after": retry_after, "status": status},
        status=status,
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def deliver(request, name, template, make_context, filename, online_url):
    """A public letter, at bounded cost whatever the traffic.

    Per client at most :class:`~recaps.throttling.PdfThrottle`'s rate (else
    429); the PDF named ``name`` (:func:`pdf_identity`) is kept for the
    content version and made by one request at a time
    (:func:`~recaps.caching.remembered_once`: others wait up to
    :func:`pdf_wait` s for it), in one of :func:`pdf_concurrency` slots of the
    site (else 503). ``make_context()`` runs only when the letter is made.
    """
    throttle = PdfThrottle()
    if not throttle.allow_request(request, None):
        wait = max(math.ceil(throttle.wait() or 1), 1)
        return refused(request, 429, wait, online_url)

    def make():
        slots = [f"pdf-slot:{number}" for number in range(pdf_concurrency())]
        with cache_lock(slots, pdf_lock_timeout()) as held:
            if not held:
                raise Busy
            return write_pdf(request, template, make_context())

    try:
        pdf = remembered_once(
            current_version(request),
            name,
            make,
            wait=pdf_wait(),
            lock_timeout=pdf_lock_timeout(),
        )
    except Busy:
        return refused(request, 503, BUSY_RETRY_AFTER, online_url)
    except PdfUnavailable:
        return unavailable(request, online_url)
    return pdf_response(pdf, filename)


def _letter_sections(sections, request):
    """Indexed sections as the letter shows them (the API form, URLs absolute);
    the index holds no empty section (:func:`recaps.sections.section_rows`)."""
    return [section.as_public_dict(request) for section in sections]


def edition_letter(request, page, sections, series=None):
    """PDF of the edition ``page`` made of ``sections`` (indexed rows, in
    order), made at each request (editors' drafts)."""
    series = series or page.get_parent().specific
    context = edition_context(request, page, sections, series)
    return render_letter(
        request, "recaps/pdf/edition.html", context, edition_filename(series, page)
    )


def edition_context(request, page, sections, series=None):
    """What the letter of the edition ``page`` shows: ``sections`` (indexed
    rows, in order)."""
    series = series or page.get_parent().specific
    online_url = page.get_full_url(request)
    return {
        "page": page,
        "series": series,
        "letterhead": letterhead(series),
        "themes": list(page.tags.all()),
        "sections": _letter_sections(sections, request),
        "online_url": online_url,
        "qr_code": qr_code(online_url),
    }


def edition_filename(series, page):
    return f"{slugify(series.title)}-{page.edition_number}.pdf"


def published_edition_pdf(request, page):
    """The PDF of a published edition: its rows of the section index, made
    through :func:`deliver` (it takes no parameter: any query is ignored)."""
    series = page.get_parent().specific
    return deliver(
        request,
        pdf_identity(request, "edition", page.pk),
        "recaps/pdf/edition.html",
        lambda: edition_context(request, page, page.public_sections(), series),
        edition_filename(series, page),
        page.get_full_url(request),
    )


def draft_edition_pdf(request, page):
    """The PDF of an edition's latest revision, for its editors."""
    draft = page.get_latest_revision_as_object()
    return edition_letter(
        request, draft, section_rows(draft), series=page.get_parent().specific
    )


def date_filter(data, editions):
    """``date_after``/``date_before`` of ``data`` applied to ``editions`` through
    the one edition FilterSet; returns the filterset (check ``is_valid()``)."""
    kept = {name: data[name].strip() for name in DATE_PARAMETERS if data.get(name)}
    kept = {name: value for name, value in kept.items() if value}
    return EditionFilter(data=kept, queryset=editions)


def digest_groups(editions):
    """The sections of ``editions`` grouped by kind, in the editor's menu order.

    ``[{"type", "label", "entries": [(edition, section), …]}, …]``, editions in
    the given order, sections in page order; one query whatever their number.
    """
    by_edition = RecapSection.objects.by_edition(edition.pk for edition in editions)
    entries = defaultdict(list)
    for edition in editions:
        for section in by_edition.get(edition.pk, []):
            entries[section.type].append((edition, section))
    labels = section_labels()  # readers' words, never “Texte libre”
    return [
        {"type": kind, "label": labels[kind], "entries": entries[kind]}
        for kind in SECTION_TYPES
        if entries[kind]
    ]


def theme_digest(request, series, theme, data):
    """PDF of the sections of the newest :func:`digest_max_editions` published
    editions of ``series`` carrying ``theme``, made through :func:`deliver`.

    ``data`` may hold ``date_after``/``date_before`` (YYYY-MM-DD): the
    selection is then the newest editions in that period; invalid dates
    answer a French error page with status 400. Other parameters are ignored.
    The letter states how many editions the selection holds in all.
    """
    filterset = date_filter(data, series.theme_editions(theme))
    if not filterset.is_valid():
        return TemplateResponse(
            request,
            "recaps/pdf/invalid_dates.html",
            {
                "page": series,
                "series": series,
                "theme": theme,
                "errors": filterset.errors,
            },
            status=400,
        )
    dates = {name: filterset.form.cleaned_data.get(name) for name in DATE_PARAMETERS}
    online_url = series.get_full_url(request) + series.reverse_subpage(
        "theme", kwargs={"slug": theme.slug}
    )

    def make_context():
        selection = filterset.qs
        limit = digest_max_editions()
        editions = list(selection.defer("body")[:limit])
        total = len(editions) if len(editions) < limit else selection.count()
        return {
            "series": series,
            "theme": theme,
            "letterhead": letterhead(series),
            "editions": editions,
            "total": total,
            "groups": digest_entries(request, editions),
            **dates,
            "online_url": online_url,
            "qr_code": qr_code(online_url),
        }

    return deliver(
        request,
        pdf_identity(
            request,
            "theme",
            series.pk,
            theme.pk,
            *(dates[name] and dates[name].isoformat() for name in DATE_PARAMETERS),
        ),
        "recaps/pdf/theme.html",
        make_context,
        f"{slugify(series.title)}-{theme.slug}.pdf",
        online_url,
    )


def digest_entries(request, editions):
    """:func:`digest_groups` of ``editions``, each entry the public form of its
    section with its edition and the edition's URL."""
    groups = digest_groups(editions)
    for group in groups:
        group["entries"] = [
            {"edition": edition, "url": edition.get_full_url(request), **data}
            for edition, data in (
                (edition, section.as_public_dict(request))
                for edition, section in group["entries"]
            )
        ]
    return groups


@path("pdf/", name="pdf")
def edition_pdf_route(page, request):
    """``<edition url>pdf/``: the published edition ``page`` as an A4 letter."""
    return published_edition_pdf(request, page)


@path("themes/<slug:slug>/pdf/", name="theme_pdf")
def theme_pdf_route(series, request, slug):
    """``<series url>themes/<slug>/pdf/``: the sections of one theme's published
    editions of ``series`` as an A4 letter, optionally between ``date_after``
    and ``date_before``."""
    return theme_digest(request, series, series.get_theme_or_404(slug), request.GET)


def register_routes():
    """Give the page types the routes of their letters, as methods.

    ``RoutablePageMixin`` finds a page type's routes among its attributes and
    builds its resolver at the first URL resolved or reversed, so this runs
    from :meth:`recaps.apps.RecapsConfig.ready`, before any: the route names
    ``pdf`` and ``theme_pdf`` then reverse and resolve like the pages' own.
    """
    RecapPage.pdf_route = edition_pdf_route
    RecapSeriesPage.theme_pdf_route = theme_pdf_route
