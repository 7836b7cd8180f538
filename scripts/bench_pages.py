"""Benchmark of the reader pages: prints figures, asserts nothing.

Usage: .venv/bin/python scripts/bench_pages.py [--editions N] [--requests R]

Builds a throw-away SQLite database (test settings) with N editions of 12
sections each, then times the home, series, edition and search pages with the
Django test client and prints milliseconds and SQL queries per request.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
os.environ.pop("DATABASE_URL", None)
warnings.filterwarnings("ignore", "No directory at")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=200)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.runner import DiscoverRunner
    from django.test.utils import CaptureQueriesContext

    runner = DiscoverRunner(verbosity=0)
    old_config = runner.setup_databases()
    try:
        from django.core.management import call_command
        from django.test import Client

        from recaps.models import RecapPage, RecapSeriesPage
        from tests.factories import RecapPageFactory, section

        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        series = RecapSeriesPage.objects.get()
        kinds = ["highlights", "observations", "reflections", "nuggets"] * 3
        started = time.perf_counter()
        for number in range(4, args.editions + 4):
            RecapPageFactory(
                parent=series,
                edition_number=number,
                tags=[f"thème {number % 15}", "numérique"],
                body=[
                    section(
                        kind,
                        items=[(f"point {n} numérique", ["détail"]) for n in range(5)],
                    )
                    for kind in kinds
                ],
            )
        print(  # noqa: T201
            f"created {args.editions} editions in {time.perf_counter() - started:.1f} s"
        )
        call_command("update_index", verbosity=0)
        edition = RecapPage.objects.order_by("-edition_number").first()
        client = Client()
        urls = {
            "home": "/",
            "series": series.url,
            "edition": edition.url,
            "search": "/search/?query=numerique",
        }
        print(f"{'page':<10}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")  # noqa: T201
        for name, url in urls.items():
            client.get(url)
            timings = []
            for _ in range(args.requests):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)  # noqa: S101
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(  # noqa: T201
                f"{name:<10}{statistics.median(timings):>10.1f}{p95:>10.1f}"
                f"{len(queries):>9}"
            )
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
