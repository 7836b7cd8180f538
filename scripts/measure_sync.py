"""Requests and seconds a sister site needs to mirror the editions, then to
re-sync incrementally (README, "Mirroring").

Generates N editions (``manage.py generate_recaps``) in a throwaway SQLite
database (test settings), then runs :class:`Mirror` with Django's test client
(no network, no server, no throttle): a full mirror (change-feed cursor, the
edition list and the sections list, 100 a page), then changes on the site
(editions republished with new content, unpublished, deleted, republished
unchanged) and an incremental re-sync (change feed, one detail per changed
edition), then a re-sync with nothing new. Prints figures; asserts nothing.

    .venv/bin/python scripts/measure_sync.py --editions 1000
"""

import argparse
import datetime
import math
import sys
import tempfile
import time
from pathlib import Path

API = "/api/v1/"
PAGE = 100


class Mirror:
    """A sister site's copy of the published editions.

    ``get(url, **headers)`` answers like Django's test client (``status_code``,
    ``json()``); only ``200`` answers are counted (``304`` do not count against
    the API rate either).
    """

    def __init__(self, get):
        self._get = get
        self.editions = {}
        self.requests = 0
        self.cursor = None

    def get(self, url, **headers):
        response = self._get(url, **headers)
        if response.status_code not in (200, 304):
            raise AssertionError((url, response.status_code))
        if response.status_code == 200:
            self.requests += 1
        return response

    def pages(self, url):
        while url:
            data = self.get(url).json()
            yield from data["results"]
            url = data["next"]

    def full(self):
        """Copy everything. The cursor is taken first, so that nothing changed
        during the copy is missed (it comes again in the next re-sync)."""
        now = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
        self.cursor = self.get(API + f"changes/?since={now}").json()["next"]
        self.editions = {
            item["id"]: {**item, "body": []}
            for item in self.pages(API + f"recaps/?page_size={PAGE}")
        }
        sections = sorted(
            self.pages(API + f"sections/?page_size={PAGE}"),
            key=lambda found: (found["recap"]["id"], found["position"]),
        )
        for found in sections:
            self.editions[found["recap"]["id"]]["body"].append(
                {
                    key: value
                    for key, value in found.items()
                    if key not in ("id", "position", "recap")
                }
            )

    def sync(self):
        """Apply the change feed since the last cursor; returns the entries."""
        entries = 0
        while True:
            data = self.get(API + f"changes/?since={self.cursor}").json()
            for entry in data["results"]:
                if entry["action"] == "removed":
                    self.editions.pop(entry["id"], None)
                else:
                    detail = self.get(API + f"recaps/{entry['id']}/").json()
                    self.editions[entry["id"]] = without_neighbours(detail)
                entries += 1
            self.cursor = data["next"]
            if not data["has_more"]:
                return entries


#: Fields of the detail that the lists do not give (a mirror derives them or
#: reads the detail when it needs them).
DETAIL_ONLY = ("previous", "next", "pdf_url")


def without_neighbours(detail):
    """An edition's detail as the lists give it: without previous / next, nor
    the detail-only link to its PDF."""
    return {key: value for key, value in detail.items() if key not in DETAIL_ONLY}


def out(text=""):
    sys.stdout.write(text + "\n")


def change_the_site(count):
    """Republish ``count`` editions with new content, unpublish and delete
    ``count // 2`` each, republish ``count`` unchanged (not in the feed)."""
    from recaps.models import RecapPage

    pks = list(RecapPage.objects.live().order_by("pk").values_list("pk", flat=True))
    half = count // 2
    for pk in pks[:count]:
        page = RecapPage.objects.get(pk=pk)
        page.intro = f"<p>Introduction revue {pk}.</p>"
        page.save_revision().publish()
    for pk in pks[count : count + half]:
        RecapPage.objects.get(pk=pk).unpublish()
    for pk in pks[count + half : count + 2 * half]:
        RecapPage.objects.get(pk=pk).delete()
    for pk in pks[count + 2 * half : 2 * count + 2 * half]:
        RecapPage.objects.get(pk=pk).save_revision().publish()
    return count + 2 * half


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_api import setup_django  # throwaway SQLite, test settings, no throttle

    with tempfile.TemporaryDirectory(prefix="measure-sync-") as folder:
        setup_django(Path(folder) / "db.sqlite3")
        from django.conf import settings

        settings.RECAPS_CHANGES_SETTLE_SECONDS = 0
        from django.core.management import call_command
        from django.test import Client

        _, seconds = timed(
            lambda: call_command(
                "generate_recaps", editions=args.editions, seed="1", verbosity=0
            )
        )
        out(f"{args.editions} editions generated in {seconds:.1f} s")
        client = Client()
        mirror = Mirror(client.get)
        _, seconds = timed(mirror.full)
        full_requests = mirror.requests
        sections = sum(len(edition["body"]) for edition in mirror.editions.values())
        out(
            f"full mirror: {mirror.requests} requests, {seconds:.1f} s "
            f"({len(mirror.editions)} editions, {sections} sections)"
        )
        changed = change_the_site(args.changes)
        before = mirror.requests
        entries, seconds = timed(mirror.sync)
        out(
            f"incremental re-sync after {changed} changes (+{args.changes} unchanged "
            f"republications): {mirror.requests - before} requests, {seconds:.2f} s, "
            f"{entries} entries"
        )
        before = mirror.requests
        entries, seconds = timed(mirror.sync)
        out(
            f"re-sync with nothing new: {mirror.requests - before} request, "
            f"{seconds:.3f} s, {entries} entries"
        )
        rate = 120
        out(
            f"at the default rate ({rate}/minute) the full mirror's requests fit "
            f"in {math.ceil(full_requests / rate)} minute(s)"
        )


if __name__ == "__main__":
    main()
