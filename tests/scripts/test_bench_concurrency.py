"""The concurrency run (``scripts/bench_concurrency.py``): its checks catch
stale answers, and a small run against gunicorn (the project's configuration,
several workers, its own Redis) while an editor publishes has none."""

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "bench_concurrency", ROOT / "scripts" / "bench_concurrency.py"
)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


class Published:
    """An editor whose publications were committed at the given instants."""

    def __init__(self, *commits):
        self.commits = list(commits)

    committed_before = bench.Editor.committed_before


def _client(editor):
    return bench.Client(0, 0, {}, set(), editor, 0)


def _detail(number, version):
    title = f"Édition{bench.MARK}{number}" if number else "Édition"
    return f'{{"title": "{title}", "version": {version}}}'.encode()


def test_an_answer_older_than_a_commit_seen_before_the_request_is_stale():
    client = _client(Published((1, 10.0), (2, 20.0)))
    client.check("edited detail", 25.0, _detail(2, 7))  # up to date
    client.check("edited detail", 15.0, _detail(2, 7))  # newer than needed
    assert client.stale == []
    client.check("edited detail", 25.0, _detail(1, 7))
    client.check("edited page", 21.0, b"<h1>\xc3\x89dition publication-1</h1>")
    assert [entry[:2] for entry in client.stale] == [
        ("edited detail", "after a commit"),
        ("edited page", "after a commit"),
    ]


def test_a_version_going_back_is_stale():
    client = _client(Published())
    client.check("edited detail", 1.0, _detail(0, 8))
    client.check("edited detail", 2.0, _detail(0, 8))
    assert client.stale == []
    client.check("edited detail", 3.0, _detail(0, 7))
    assert client.stale == [("edited detail", "going back", 7, 8)]


def test_publication_numbers_are_read_from_titles_and_pages():
    assert bench.published_number("Édition") == 0
    assert bench.published_number(f"<title>É{bench.MARK}12 | site</title>") == 12
    page = f"<h1>É{bench.MARK}3</h1><nav>É{bench.MARK}4</nav>"
    assert bench.published_number(page) == 4


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the script makes its own SQLite database: run once, in the SQLite leg",
)
def test_concurrent_readers_while_publishing_get_no_error_and_nothing_stale(
    monkeypatch,
):
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    report = bench.run(clients=6, seconds=8, publish_every=1, editions=12)
    assert report["workers"] == 3
    assert report["publications"] >= 2
    assert report["requests"] > 0
    assert set(report["by_kind"]) >= {"edited detail", "edited page"}
    assert report["errors"] == 0
    assert report["stale"] == 0
