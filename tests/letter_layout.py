"""What a printed letter looks like, read back from its PDF (pypdf).

Used by the letter tests and by ``scripts/measure_letters.py``: the size of
every text span as printed (font size times the scale of the text and current
transformation matrices), the page on which the contact block's heading lands
and how far down the last page the text goes.
"""

import io
import math
from dataclasses import dataclass, field

from pypdf import PdfReader

CONTACT_HEADING = "Comment participer ?"
# The running footer (series, page numbers) sits in the bottom margin (pt).
FOOTER_MARGIN = 40


@dataclass
class Span:
    page: int
    text: str
    size: float
    font: str
    y: float


@dataclass
class LetterLayout:
    pages: int
    spans: list[Span] = field(default_factory=list)
    page_height: float = 842.0

    @property
    def smallest_size(self):
        return min(span.size for span in self.spans)

    def sizes_of(self, fragment):
        """The printed sizes of the spans holding ``fragment``."""
        return [span.size for span in self.spans if fragment in span.text]

    def fonts_of(self, fragment):
        return [span.font for span in self.spans if fragment in span.text]

    def page_of(self, fragment):
        pages = [span.page for span in self.spans if fragment in span.text]
        return pages[0] if pages else None

    @property
    def contact_page(self):
        return self.page_of(CONTACT_HEADING)

    def text_on(self, page):
        return " ".join(span.text for span in self.spans if span.page == page)

    @property
    def last_page_fill(self):
        """Share of the last page's height that its text reaches (0 to 1),
        not counting the running footer in the bottom margin."""
        lowest = min(
            (
                span.y
                for span in self.spans
                if span.page == self.pages and span.y > FOOTER_MARGIN
            ),
            default=self.page_height,
        )
        return 1 - lowest / self.page_height


def _scale(matrix):
    return math.hypot(matrix[0], matrix[1]) if matrix else 1.0


def letter_layout(content):
    """The :class:`LetterLayout` of the PDF bytes ``content``."""
    reader = PdfReader(io.BytesIO(content))
    layout = LetterLayout(pages=len(reader.pages))
    layout.page_height = float(reader.pages[0].mediabox.height)
    for number, page in enumerate(reader.pages, start=1):

        def visit(text, cm, tm, font, size, number=number):
            if not text.strip():
                return
            name = str(font.get("/BaseFont", "")) if font else ""
            layout.spans.append(
                Span(
                    page=number,
                    text=text.strip(),
                    size=round(size * _scale(tm) * _scale(cm), 2),
                    font=name,
                    y=cm[3] * tm[5] + cm[5],
                )
            )

        page.extract_text(visitor_text=visit)
    return layout
