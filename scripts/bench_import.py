"""Measure ``import_recaps`` on generated WordPress exports (SQLite by default).

Usage: ``.venv/bin/python scripts/bench_import.py [POSTS] [--memory-mb MB]
[--postgres URL]``.

1. Speed: imports ``POSTS`` recaps (default 1000) into a throwaway SQLite
   database three times: create, then the same file again (unchanged), then a
   changed file (update). Prints wall and CPU time, queries and queries per post.
   ``--postgres postgres://user@host:5432/name`` measures on PostgreSQL
   instead: a throwaway database is created beside ``name`` (which is not
   touched) and dropped at the end.
2. Memory (``--memory-mb``, default 50; 0 skips it): writes an export of that
   size, made like a real site's (recaps among longer posts that are not recaps,
   pages and attachments), imports it in a child process and prints the child's
   peak resident memory.

Figures only, no asserts: targets are in the issue, tests never assert timings.
"""

import argparse
import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.importers.helpers import (  # noqa: E402
    FOOTER,
    HEADER,
    recap_html,
    wxr_item,
)

START = datetime.date(2015, 1, 2)


def recap_item(n, changed=False):
    return wxr_item(
        f"Petite ébullition n°{n}",
        recap_html(n, "<p>Modifié.</p>" if changed else ""),
        f"https://site.example/?p={n}",
        date=START + datetime.timedelta(weeks=n),
        tags=["numérique", f"thème {n % 25}"],
    )


def write_export(path, items):
    """Write a WXR file item by item (the generator never holds it whole)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER.format(title="Bench"))
        for item in items:
            handle.write(item)
        handle.write(FOOTER)
    return path.stat().st_size / 1e6


@contextmanager
def throwaway_postgres(url):
    """A new, empty database on the server of ``url``; dropped afterwards."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = f"bench_import_{os.getpid()}"
    server = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**config, "NAME": name}
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(**server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def speed(posts, workdir, database):
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    import django
    from django.conf import settings

    settings.DATABASES["default"] = database or {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(workdir / "speed.sqlite3"),
    }
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    source = workdir / "export.xml"
    changed = workdir / "changed.xml"
    size = write_export(source, (recap_item(n) for n in range(1, posts + 1)))
    write_export(changed, (recap_item(n, True) for n in range(1, posts + 1)))
    where = connection.vendor if database else f"SQLite at {workdir}"
    print(f"Speed: {posts} recaps, {size:.1f} MB, {where}")  # noqa: T201
    for label, path in [("create", source), ("unchanged", source), ("update", changed)]:
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        began, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            call_command("import_recaps", str(path), "--series", "bench", verbosity=0)
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu
        print(  # noqa: T201
            f"  {label}: {elapsed:.1f} s ({cpu:.1f} s CPU), {len(queries)} queries, "
            f"{len(queries) / posts:.1f} queries per post, "
            f"{elapsed / posts * 1000:.1f} ms per post"
        )


def realistic_items(target_bytes):
    """Recaps among long ordinary posts, pages and attachments, up to a size."""
    filler = "<p>" + "Un long article qui n’est pas un compte rendu. " * 40 + "</p>"
    written, n = 0, 0
    while written < target_bytes:
        n += 1
        if n % 5 == 0:
            item = recap_item(n)
        elif n % 5 == 4:
            item = wxr_item(f"Page {n}", filler * 4, f"page-{n}", post_type="page")
        elif n % 5 == 3:
            item = wxr_item(f"Image {n}", "", f"media-{n}", post_type="attachment")
        else:
            item = wxr_item(f"Actualité {n}", filler * 8, f"news-{n}")
        written += len(item.encode())
        yield item


def memory(megabytes, workdir):
    source = workdir / "large.xml"
    size = write_export(source, realistic_items(megabytes * 1_000_000))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": f"sqlite:///{workdir / 'memory.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)  # noqa: S603
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [*manage, "import_recaps", str(source), "--series", "bench", "-v0"],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(  # noqa: T201
        f"Memory: {size:.1f} MB export imported in {elapsed:.0f} s, exit "
        f"{result.returncode}, peak resident memory {peak / 1024:.0f} MB"
        + (" (or less: the migration's peak)" if peak == before else "")
    )
    if result.returncode:
        print(result.stderr[-2000:])  # noqa: T201


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", nargs="?", type=int, default=1000)
    parser.add_argument("--memory-mb", type=int, default=50)
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    if args.memory_mb:
        memory(args.memory_mb, workdir)
    if args.posts and args.postgres:
        with throwaway_postgres(args.postgres) as database:
            speed(args.posts, workdir, database)
    elif args.posts:
        speed(args.posts, workdir, None)


if __name__ == "__main__":
    main()
