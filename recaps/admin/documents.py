"""“Create an edition from a document”: a Word, OpenDocument, HTML or text file,
or a pasted e-mail, becomes a draft edition of a series.

The document is read by the importer (:mod:`recaps.importers.sources`): the
same reader and heading mapping as ``import_recaps``. The draft is numbered and
dated as a new edition of the admin is, its themes are suggested from the
existing themes its text names, and the editor lands in the normal edit view
with a summary of what was recognised.
"""

import re
from collections import Counter
from pathlib import PurePosixPath

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.defaults import permission_denied
from django.views.generic import FormView
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log
from wagtail.models import Page, Revision

from ..blocks import html_to_text, section_labels
from ..importers.document import SourceError, decode, themes_in_text
from ..importers.letter import set_aside_letter
from ..importers.meeting import read_meeting
from ..importers.office import EmbeddedMedia, read_office
from ..importers.sources import (
    SNIFF_BYTES,
    detect_format,
    max_import_mb,
    parse_document,
)
from ..importers.writer import EditionWriter, Report, deferred_indexing
from ..models import RecapPage, RecapSeriesPage, Theme
from ..models.edition import MeetingFormat
from ..models.series import next_friday
from ..search import fold

URL_NAME = "recaps_edition_from_document"
ACCEPTED = ".docx,.odt,.html,.htm,.txt"


def can_add_edition(user, page):
    """Whether ``user`` may add an edition under the series ``page``."""
    return (
        issubclass(page.specific_class or Page, RecapSeriesPage)
        and RecapPage.can_create_at(page)
        and page.permissions_for_user(user).can_add_subpage()
    )


class EditionDocumentForm(forms.Form):
    """A document to upload, or text to paste: exactly one of the two."""

    document = forms.FileField(
        label=gettext_lazy("Document"),
        required=False,
        help_text=gettext_lazy(
            "A Word (.docx), LibreOffice (.odt), web page (.html) or text (.txt) "
            "file. Its headings become the sections, its bullets the points."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
    )
    text = forms.CharField(
        label=gettext_lazy("Or paste the text"),
        required=False,
        strip=False,
        help_text=gettext_lazy(
            "For example an e-mail: one heading per line (“Ce qui a été partagé :”), "
            "then one point per line starting with a dash."
        ),
        widget=forms.Textarea(attrs={"rows": 12}),
    )

    def clean(self):
        """Each problem is attached to the field it is about (the document or the
        pasted text), and names the file and what is wrong with it."""
        data = super().clean()
        upload, text = data.get("document"), (data.get("text") or "").strip()
        if self.errors:
            return data
        if upload and text:
            self.add_error(
                "document",
                ValidationError(
                    _("Upload a document or paste a text, not both."), code="both"
                ),
            )
            return data
        if not upload and not text:
            self.add_error(
                "document",
                ValidationError(
                    _("Upload a document or paste a text."), code="required"
                ),
            )
            return data
        field = "document" if upload else "text"
        limit = max_import_mb()
        if upload and upload.size > limit * 1_000_000:
            self.add_error(
                field,
                ValidationError(
                    _(
                        "%(file)s: file too large (%(size)s MB, the limit is "
                        "%(limit)s MB)"
                    )
                    % {
                        "file": upload.name,
                        "size": round(upload.size / 1_000_000, 1),
                        "limit": limit,
                    },
                    code="too_large",
                ),
            )
            return data
        if upload:
            name, content = upload.name, upload.read()
        else:
            name, content = _("pasted text"), text.encode("utf-8")
        self.letter, self.document_text = None, ""
        try:
            self.document_text = document_text(content)
            if detect_format(content[:SNIFF_BYTES]) == "text":
                # An e-mail: its greeting, sign-off and signature are set aside.
                self.letter = set_aside_letter(self.document_text)
                content = self.letter.body.encode("utf-8")
            editions, images, _kind = parse_document(content, name, page=False)
        except SourceError as error:
            self.add_error(
                field,
                ValidationError(
                    _("%(file)s: %(problem)s")
                    % {"file": name, "problem": problem(error, name, content)},
                    code="unreadable",
                ),
            )
            return data
        self.source_name, self.editions, self.images = name, editions, images
        return data


#: What an office file's name promises, to word the error when it is not one.
OFFICE_SUFFIXES = {
    ".docx": gettext_lazy("Word document (.docx)"),
    ".odt": gettext_lazy("LibreOffice document (.odt)"),
}


def problem(error, name, content):
    """Why a document was refused, in words its sender understands.

    The format is told by the content (:func:`detect_format`); when the name
    promises a Word or LibreOffice document the content is not, say so rather
    than how its bytes failed to read as a text.
    """
    suffix = PurePosixPath(str(name)).suffix.lower()
    if (
        suffix in OFFICE_SUFFIXES
        and content.strip()
        and detect_format(content[:SNIFF_BYTES]) != "office"
    ):
        return _(
            "not a real %(kind)s despite its name (%(problem)s): open it in Word "
            "or LibreOffice and save it again as .docx or .odt"
        ) % {"kind": OFFICE_SUFFIXES[suffix], "problem": error}
    if str(error) == _("no recap found (no section heading followed by content)"):
        return _(
            "%(problem)s: put each section's heading on a line of its own, such "
            "as “Ce qui a été partagé :”, followed by its points"
        ) % {"problem": error}
    return str(error)


_BLOCK_START = re.compile(
    r"<(?:/?(?:p|li|ul|ol|h[1-6]|div|td|th|tr|table|blockquote)\b|br)", re.I
)


def document_text(content):
    """The words of a document as its sender wrote them: the text of an office
    document or HTML page, or the text itself; ``SourceError`` if unreadable."""
    kind = detect_format(content[:SNIFF_BYTES])
    if kind == "office":
        text, kind = read_office(content).html, "html"
    else:
        text = decode(content) if content.strip() else ""
    if kind != "html":
        return text
    # Block boundaries separate words (“partagées<ul><li>Comment”).
    return html_to_text(_BLOCK_START.sub(r" \g<0>", text))


def word_balance(document, draft, set_aside):
    """Every word of ``document`` accounted for: ``(in the document, in the
    draft, set aside, [words found in neither])``, words folded.

    A small stand-in for the conservation check of the WordPress import
    (``recaps.importers.conservation``), which this can be swapped for.
    """
    words = [Counter(fold(text).split()) for text in (document, draft, set_aside)]
    missing = words[0] - words[1] - words[2]
    return (*(sum(counter.values()) for counter in words), sorted(missing.elements()))


def create_draft(series, edition, images, user):
    """The draft page of one parsed edition, the import's report and the
    :class:`~recaps.importers.meeting.Meeting` its text states."""
    edition.source_key = ""  # never matched again: each document, a new draft
    edition.edition_number = series.next_edition_number()
    meeting = read_meeting(edition.full_text())
    edition.date = meeting.date or next_friday()
    edition.themes = themes_in_text(
        edition.full_text(), Theme.objects.values_list("name", flat=True)
    )
    report = Report()
    media = EmbeddedMedia(images)
    writer = EditionWriter(series, report, publish=False, media=media)
    with (
        transaction.atomic(),
        media.files_follow_the_transaction(),
        deferred_indexing() as written,
    ):
        page = writer.write(edition)
        if meeting.format:
            page.format = meeting.format  # written with its batch, by finish()
        written.update(writer.finish())
        Revision.objects.filter(pk=page.latest_revision_id).update(user=user)
        log(instance=page, action="wagtail.create", user=user)
    report.media.update(writer.media.counts)
    return page, report, meeting


#: What each part of a letter set aside is called on the summary.
SET_ASIDE_LABELS = {
    "greeting": gettext_lazy("the greeting"),
    "sign_off": gettext_lazy("the sign-off"),
    "signature": gettext_lazy("the signature"),
}


def set_aside_line(letter):
    """“Set aside, not published: the greeting “Bonjour,”; …”, or ``""``."""
    if letter is None or not letter.set_aside():
        return ""
    parts = [
        _("%(part)s “%(text)s”")
        % {"part": SET_ASIDE_LABELS[kind], "text": " / ".join(lines)}
        for kind, lines in letter.set_aside()
    ]
    return _("Set aside, not published: %(parts)s.") % {"parts": "; ".join(parts)}


def meeting_lines(meeting, page):
    """The line saying what was read of the meeting, and warnings for the rest."""
    read, warnings = [], []
    when = date_format(page.date, "l j F Y")
    how = MeetingFormat(page.format).label
    if meeting.date:
        read.append(_("date %(date)s") % {"date": when})
    else:
        warnings.append(
            _("No date in the document: dated %(date)s (next Friday), check it.")
            % {"date": when}
        )
    if meeting.format:
        read.append(_("format %(format)s") % {"format": how.lower()})
    else:
        warnings.append(
            _("No place or format in the document: %(format)s by default, check it.")
            % {"format": how.lower()}
        )
    if meeting.venue:
        read.append(_("venue “%(venue)s”") % {"venue": meeting.venue})
    line = (
        _("Read in the document: %(facts)s.") % {"facts": ", ".join(read)}
        if read
        else ""
    )
    return line, warnings


def balance_lines(balance):
    """The conservation line (every word accounted for) and its warning."""
    document, draft, aside, missing = balance
    line = _(
        "Words: %(document)s in the document, %(draft)s in the draft, "
        "%(aside)s set aside."
    ) % {"document": document, "draft": draft, "aside": aside}
    if not missing:
        return line, []
    shown = ", ".join(missing[:12]) + ("…" if len(missing) > 12 else "")
    return line, [
        ngettext(
            "%(count)s word of the document is neither in the draft nor set "
            "aside: %(words)s.",
            "%(count)s words of the document are neither in the draft nor set "
            "aside: %(words)s.",
            len(missing),
        )
        % {"count": len(missing), "words": shown}
    ]


def summary_messages(edition, report, source_name, others=0):
    """What was recognised (sections by kind, counts) and kept as free text."""
    labels = section_labels()
    recognised, free = [], 0
    for section in edition.sections:
        if section["type"] == "text":
            free += 1
            continue
        if "items" not in section:
            continue
        items = section["items"]
        children = sum(len(item.get("children") or []) for item in items)
        links = len(section.get("links") or [])
        parts = []
        if items or not links:
            parts.append(
                ngettext("%(count)s point", "%(count)s points", len(items))
                % {"count": len(items)}
            )
        if children:
            parts.append(
                ngettext("%(count)s sub-point", "%(count)s sub-points", children)
                % {"count": children}
            )
        if links:
            parts.append(
                ngettext("%(count)s link", "%(count)s links", links) % {"count": links}
            )
        recognised.append(
            _("%(kind)s “%(heading)s” (%(counts)s)")
            % {
                "kind": labels.get(section["type"], section["type"]),
                "heading": section["heading"],
                "counts": ", ".join(parts),
            }
        )
    lines = [
        _("Draft edition created from %(file)s, not published.")
        % {"file": source_name},
        _("Recognised: %(sections)s.")
        % {"sections": "; ".join(recognised) or _("no section")},
    ]
    if free:
        lines.append(
            ngettext(
                "%(count)s part kept as free text: check it.",
                "%(count)s parts kept as free text: check them.",
                free,
            )
            % {"count": free}
        )
    if report.media["images"]:
        lines.append(
            ngettext(
                "%(count)s image added.",
                "%(count)s images added.",
                report.media["images"],
            )
            % {"count": report.media["images"]}
        )
    if edition.themes:
        lines.append(
            _("Suggested themes: %(themes)s.") % {"themes": ", ".join(edition.themes)}
        )
    warnings = [row["message"] for row in report.grouped_warnings()]
    if others:
        warnings.append(
            ngettext(
                "The document holds %(count)s more edition: only the first one was "
                "created (import_recaps imports them all).",
                "The document holds %(count)s more editions: only the first one was "
                "created (import_recaps imports them all).",
                others,
            )
            % {"count": others}
        )
    return " ".join(lines), warnings


class EditionFromDocumentView(WagtailAdminTemplateMixin, FormView):
    """The form, then a draft edition and a redirect to its edit view."""

    form_class = EditionDocumentForm
    template_name = "recaps/admin/edition_from_document.html"
    page_title = gettext_lazy("Create an edition from a document")
    header_icon = "doc-full-inverse"

    def dispatch(self, request, page_id):
        self.series = get_object_or_404(Page, pk=page_id)
        if not can_add_edition(request.user, self.series):
            # A plain 403, not Wagtail's redirect to the dashboard: an upload
            # refused must not look like it went somewhere.
            return permission_denied(request, PermissionDenied())
        self.series = self.series.specific
        return super().dispatch(request, page_id)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {
                "url": reverse("wagtailadmin_explore", args=[self.series.pk]),
                "label": self.series.title,
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action_url=reverse(URL_NAME, args=[self.series.pk]),
            submit_button_label=_("Create the draft"),
            submit_button_active_label=_("Reading the document…"),
            series=self.series,
            max_mb=max_import_mb(),
            **kwargs,
        )

    def form_invalid(self, form):
        messages.error(
            self.request,
            _("The draft was not created: see the problem below the field."),
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        edition, *others = form.editions
        page, report, meeting = create_draft(
            self.series, edition, form.images, self.request.user
        )
        summary, warnings = summary_messages(
            edition, report, form.source_name, len(others)
        )
        letter = form.letter
        set_aside = letter.set_aside_text() if letter else ""
        draft = edition.full_text()
        read, unread = meeting_lines(meeting, page)
        balance, lost = balance_lines(
            word_balance(form.document_text, draft, set_aside)
        )
        summary = " ".join(
            line for line in (summary, set_aside_line(letter), read, balance) if line
        )
        warnings = [*unread, *warnings, *lost]
        messages.success(self.request, summary)
        for warning in warnings:
            messages.warning(self.request, warning)
        return redirect("wagtailadmin_pages:edit", page.pk)


edition_from_document_view = EditionFromDocumentView.as_view()


class EditionFromDocumentMenuItem(PageMenuItem):
    """“Create an edition from a document” in a series' header and listing menus."""

    label = gettext_lazy("Create an edition from a document")
    icon_name = "doc-full-inverse"
    url_name = URL_NAME
    priority = 15

    def is_shown(self, user):
        return can_add_edition(user, self.page)


def from_document_buttons(user):
    """Header buttons of the editions listing: one per series the user may add to."""
    series = [
        page
        for page in RecapSeriesPage.objects.order_by("path")
        if can_add_edition(user, page)
    ]
    label = gettext_lazy("Create an edition from a document")
    return [
        HeaderButton(
            label if len(series) == 1 else f"{label} ({page.title})",
            url=reverse(URL_NAME, args=[page.pk]),
            icon_name="doc-full-inverse",
        )
        for page in series
    ]
