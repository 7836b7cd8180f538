"""Measure ``import_recaps`` on a generated WordPress export (SQLite by default).

Usage: ``.venv/bin/python scripts/bench_import.py [POSTS]`` (default 1000). It
creates a throwaway SQLite database, imports the export twice (create, then
update) and prints the timings and query counts.
"""

import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(posts):
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    import django
    from django.conf import settings

    settings.DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(workdir / "bench.sqlite3"),
    }
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tests.importers.helpers import build_wxr, recap_html, wxr_item

    call_command("migrate", verbosity=0)
    start = datetime.date(2015, 1, 2)
    items = [
        wxr_item(
            f"Petite ébullition n°{n}",
            recap_html(n),
            f"https://site.example/?p={n}",
            date=start + datetime.timedelta(weeks=n),
            tags=["numérique", f"thème {n % 25}"],
        )
        for n in range(1, posts + 1)
    ]
    source = workdir / "export.xml"
    source.write_text(build_wxr(items), encoding="utf-8")
    size = source.stat().st_size / 1e6
    print(f"{posts} posts, {size:.1f} MB, SQLite at {workdir}")  # noqa: T201
    for label in ["create", "update"]:
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        began, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            call_command("import_recaps", str(source), "--series", "bench", verbosity=0)
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu
        print(  # noqa: T201
            f"{label}: {elapsed:.1f} s ({cpu:.1f} s CPU), {len(queries)} queries "
            f"({len(queries) / posts:.0f} per post, {elapsed / posts * 1000:.0f} ms "
            "per post)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
