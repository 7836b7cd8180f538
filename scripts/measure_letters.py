"""Print the layout figures of the demo letters: pages, fill of the last page,
smallest font size and where the contact block lands.

Usage (on a database with the demo content, e.g. after ``make run``)::

    .venv/bin/python scripts/measure_letters.py

Each edition's PDF and each theme digest is rendered through the Django test
client, then read with pypdf: the size of every text span (font size times the
text matrix' scale), the page of the "Comment participer ?" heading, and how
far down its page the last text of the letter goes.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")


def main():
    import logging

    import django

    django.setup()
    # WeasyPrint's font subsetting notices are not figures.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from django.test import Client

    from recaps.models import RecapPage, RecapSeriesPage
    from tests.letter_layout import letter_layout

    client = Client()
    series = RecapSeriesPage.objects.live().first()
    urls = [page.url + "pdf/" for page in RecapPage.objects.live().order_by("date")]
    urls += [
        series.url + series.reverse_subpage("theme_pdf", kwargs={"slug": slug})
        for slug in ("numerique", "aller-vers")
    ]
    print(f"{'letter':60} pages  min pt  contact page  last page fill")  # noqa: T201
    for url in urls:
        response = client.get(url, HTTP_HOST="127.0.0.1")
        layout = letter_layout(response.content)
        print(  # noqa: T201
            f"{url:60} {layout.pages:5}  {layout.smallest_size:6.1f}  "
            f"{layout.contact_page!s:>12}  {layout.last_page_fill:>13.0%}"
        )


if __name__ == "__main__":
    main()
