"""Printable letters: an edition, or a theme digest, as an A4 PDF.

Both are laid out as the federation's neighbourhood letter (letterhead, title,
sections, the series' “Comment participer ?” block, a QR code to the online
page) from the section index (:class:`~recaps.models.RecapSection`), never from
the StreamField JSON: a published edition gives its indexed rows, a draft the
unsaved rows of :func:`recaps.sections.section_rows`. WeasyPrint writes a
tagged PDF (PDF/UA-1) in French; the QR code is drawn by segno.
"""

import logging
from collections import defaultdict

import segno
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.text import slugify

from .blocks import SECTION_TYPES, section_labels
from .filters import EditionFilter
from .models import RecapSection
from .sections import section_rows

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
DATE_PARAMETERS = ("date_after", "date_before")


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


def render_letter(request, template, context, filename):
    """Render ``template`` as an A4 PDF answer named ``filename``.

    WeasyPrint is imported here, not with the module (an optional heavy
    library, the one documented function-level import of the app): it loads Pango and
    HarfBuzz, system libraries that ``make test`` installs but a bare
    ``make run`` machine may lack. Without them readers get a French 503 page
    pointing to the online edition, not a server error.
    """
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:
        logger.warning("PDF unavailable: WeasyPrint cannot load (%s)", error)
        return TemplateResponse(
            request,
            "recaps/pdf/unavailable.html",
            {"online_url": context.get("online_url")},
            status=503,
        )

    html = render_to_string(template, context, request=request)
    css = CSS(string=render_to_string("recaps/pdf/letter.css"))
    document = HTML(
        string=html,
        base_url=request.build_absolute_uri("/"),
        # Letters embed everything: nothing is fetched but ``data:`` URIs.
        url_fetcher=URLFetcher(allowed_protocols={"data"}),
    )
    pdf = document.write_pdf(stylesheets=[css], pdf_variant=PDF_VARIANT)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _letter_sections(sections, request):
    """Indexed sections as the letter shows them (the API form, URLs absolute);
    the index holds no empty section (:func:`recaps.sections.section_rows`)."""
    return [section.as_public_dict(request) for section in sections]


def edition_letter(request, page, sections, series=None):
    """PDF of the edition ``page`` made of ``sections`` (indexed rows, in order)."""
    series = series or page.get_parent().specific
    online_url = page.get_full_url(request)
    context = {
        "page": page,
        "series": series,
        "letterhead": letterhead(series),
        "themes": list(page.tags.all()),
        "sections": _letter_sections(sections, request),
        "online_url": online_url,
        "qr_code": qr_code(online_url),
    }
    filename = f"{slugify(series.title)}-{page.edition_number}.pdf"
    return render_letter(request, "recaps/pdf/edition.html", context, filename)


def published_edition_pdf(request, page):
    """The PDF of a published edition: its rows of the section index."""
    return edition_letter(request, page, page.public_sections())


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
    """PDF of the sections of ``series``' published editions carrying ``theme``.

    ``data`` may hold ``date_after``/``date_before`` (YYYY-MM-DD); invalid
    dates answer a French error page with status 400.
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
    editions = list(filterset.qs.defer("body"))
    groups = digest_groups(editions)
    for group in groups:
        group["entries"] = [
            {"edition": edition, "url": edition.get_full_url(request), **data}
            for edition, data in (
                (edition, section.as_public_dict(request))
                for edition, section in group["entries"]
            )
        ]
    online_url = series.get_full_url(request) + series.reverse_subpage(
        "theme", kwargs={"slug": theme.slug}
    )
    context = {
        "series": series,
        "theme": theme,
        "letterhead": letterhead(series),
        "editions": editions,
        "groups": groups,
        "date_after": filterset.form.cleaned_data.get("date_after"),
        "date_before": filterset.form.cleaned_data.get("date_before"),
        "online_url": online_url,
        "qr_code": qr_code(online_url),
    }
    filename = f"{slugify(series.title)}-{theme.slug}.pdf"
    return render_letter(request, "recaps/pdf/theme.html", context, filename)
