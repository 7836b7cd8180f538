"""Rough figures for the read-only API: requests/s, ms and queries per request.

Creates N editions in a throwaway SQLite database (test settings), then times
the main endpoints with Django's test client (no network, no server). Prints
figures only; nothing is asserted.

    .venv/bin/python scripts/bench_api.py --editions 200 --requests 20
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def out(text):
    """Write one line of the report."""
    sys.stdout.write(text + "\n")


def setup_django(db_path):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.RECAPS_API_THROTTLE_RATE = None
    call_command("migrate", verbosity=0, interactive=False)


def create_content(editions):
    from wagtail.models import Page, Site

    from tests.factories import RecapPageFactory, RecapSeriesPageFactory, section

    root = Page.get_first_root_node()
    home = root.add_child(instance=Page(title="Accueil", slug="accueil-bench"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"root_page": home, "hostname": "testserver", "port": 80},
    )
    series = RecapSeriesPageFactory(parent=home, title="Série", slug="ebullitions")
    themes = ["numérique", "isolement", "aller-vers", "parentalité", "jeunesse"]
    kinds = ["highlights", "nuggets", "questions", "takeaways", "observations"]
    first = None
    for number in range(1, editions + 1):
        body = [
            section(
                kinds[n % len(kinds)],
                f"Section {n}",
                [(f"Point numérique {number}.{i}", ["Détail"]) for i in range(6)],
                intro="<p>Introduction</p>",
            )
            for n in range(8)
        ]
        page = RecapPageFactory(
            parent=series,
            edition_number=number,
            date=datetime.date(2020, 1, 3) + datetime.timedelta(weeks=number),
            tags=[themes[number % 5], themes[(number + 2) % 5]],
            body=body,
        )
        first = first or page
    return first


def measure(client, url, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up
    timings, queries = [], []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        queries.append(len(captured))
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return timings, queries, len(response.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        start = time.perf_counter()
        first = create_content(args.editions)
        created = time.perf_counter() - start
        out(
            f"{args.editions} editions (8 sections × 6 items each) created in "
            f"{created:.1f} s; {args.requests} requests per URL, SQLite."
        )
        from django.test import Client

        client = Client()
        urls = [
            "/api/v1/",
            "/api/v1/recaps/",
            "/api/v1/recaps/?page_size=100",
            "/api/v1/recaps/?tag=numerique&search=numérique",
            f"/api/v1/recaps/{first.pk}/",
            "/api/v1/sections/",
            "/api/v1/sections/?page_size=100&type=nuggets",
            "/api/v1/sections/?search=numerique&tag=numerique",
            "/api/v1/tags/?ordering=-recap_count",
        ]
        out(f"{'URL':52} {'req/s':>7} {'ms/req':>7} {'median':>7} {'queries':>7} KB")
        for url in urls:
            timings, queries, size = measure(client, url, args.requests)
            mean = statistics.mean(timings)
            median = statistics.median(timings)
            out(
                f"{url[:52]:52} {1 / mean:7.1f} {mean * 1000:7.1f} "
                f"{median * 1000:7.1f} {max(queries):7d} {size / 1024:.0f}"
            )


if __name__ == "__main__":
    main()
