"""Seconds, pages, size and memory of a theme digest PDF on a large archive.

Generates N editions (``manage.py generate_recaps``, seeded) in a throwaway
SQLite database (test settings), then renders ``/<series>/themes/<slug>/pdf/``
with Django's test client (no server, response cache off, no rate limit) and
prints the time, the PDF's pages and bytes, and the process's resident memory
(``/proc/self/statm``) before and after, and its peak (``VmHWM``). Prints
figures only; nothing is asserted. Each run is a fresh process, so the peak
is the digest's.

    .venv/bin/python scripts/measure_pdf.py --editions 500
"""

import argparse
import gc
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = resource.getpagesize()


def out(text):
    """Write one line of the report."""
    sys.stdout.write(text + "\n")


def rss_mb():
    """Resident memory of this process now, in MB."""
    resident = int(Path("/proc/self/statm").read_text().split()[1])
    return resident * PAGE_SIZE / 2**20


def peak_mb():
    """Highest resident memory of this process so far (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def setup_django(db_path):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.RECAPS_RESPONSE_CACHE = False
    settings.RECAPS_PDF_THROTTLE_RATE = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=500)
    parser.add_argument("--theme", default="numerique")
    parser.add_argument("--query", default="", help="e.g. date_after=2020-01-01")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "db.sqlite3")
        from django.core.management import call_command
        from django.test import Client
        from pypdf import PdfReader

        from recaps.models import RecapPage, RecapSeriesPage, Theme

        call_command("migrate", verbosity=0, interactive=False)
        call_command(
            "generate_recaps", "--editions", str(args.editions), stdout=io.StringIO()
        )
        series = RecapSeriesPage.objects.get()
        theme = Theme.objects.get(slug=args.theme)
        carrying = RecapPage.objects.filter(tagged_items__tag=theme).count()
        url = f"{series.url}themes/{args.theme}/pdf/"
        if args.query:
            url += f"?{args.query}"
        client = Client()
        client.get(series.url)  # warm Wagtail's site cache and the templates
        gc.collect()
        before = rss_mb()
        started, cpu = time.monotonic(), time.process_time()
        response = client.get(url)
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
        content, status = response.content, response.status_code
        del response
        gc.collect()
        after = rss_mb()
        is_pdf = content.startswith(b"%PDF-")
        pages = len(PdfReader(io.BytesIO(content)).pages) if is_pdf else 0
        out(f"{args.editions} editions, {carrying} carrying “{args.theme}”: GET {url}")
        out(f"  status {status}")
        out(
            f"  {seconds:.1f} s ({cpu:.1f} s of CPU), {pages} pages, "
            f"{len(content) / 2**20:.1f} MB of PDF"
        )
        out(
            f"  RSS {before:.0f} MB before, {after:.0f} MB after, "
            f"peak {peak_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()
