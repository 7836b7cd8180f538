"""The concurrency run (``scripts/bench_concurrency.py``): its checks catch
stale answers, and a small run against gunicorn (the project's configuration,
several workers, its own Redis) while an editor publishes has none, directly
and behind nginx (the production site file)."""

import importlib.util
import os
from pathlib import Path

import pytest

from cms.deploy import proxy as deploy_proxy

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


def _client(editor, allowance=0.0):
    return bench.Client(0, None, {}, set(), editor, 0, allowance)


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


def test_behind_nginx_an_older_answer_is_stale_only_past_the_allowance():
    client = _client(Published((1, 10.0), (2, 20.0)), allowance=2.0)
    client.check("edited detail", 21.5, _detail(1, 7))  # within 2 s of commit 2
    client.check("edited detail", 21.9, _detail(2, 8))
    client.check("edited detail", 21.95, _detail(1, 7))  # an older kept answer
    assert client.stale == []
    assert client.late == [("edited detail", 1), ("edited detail", 1)]
    assert client.back == [("edited detail", "going back", 7, 8)]
    client.check("edited detail", 22.5, _detail(1, 7))
    assert client.stale == [("edited detail", "after a commit", 1, 2)]


def test_nginx_times_are_read_in_seconds():
    assert bench.seconds_of("1s") == 1
    assert bench.seconds_of("500ms") == 0.5
    assert bench.seconds_of("2m") == 120
    assert bench.seconds_of("3") == 3


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
    report = bench.run(
        clients=6, seconds=8, publish_every=1, editions=12, proxy="direct"
    )
    assert report["workers"] == 3
    assert report["publications"] >= 2
    assert report["requests"] > 0
    assert set(report["by_kind"]) >= {"edited detail", "edited page"}
    assert report["errors"] == 0
    assert report["stale"] == 0
    assert list(report["phases"]) == ["direct"]


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the script makes its own SQLite database: run once, in the SQLite leg",
)
def test_behind_nginx_repeated_reads_are_answered_by_nginx_and_none_is_stale(
    monkeypatch,
):
    if deploy_proxy.nginx_binary() is None and not os.environ.get("CI"):
        pytest.skip("needs nginx (scripts/ensure-services.sh installs it)")
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    report = bench.run(
        clients=4, seconds=8, publish_every=1, editions=12, proxy="nginx"
    )
    nginx = report["phases"]["nginx"]
    assert nginx["errors"] == 0
    assert nginx["stale"] == 0
    assert set(nginx["by_kind"]) >= {"edited detail", "edited page"}
    # gunicorn's access log and nginx's X-Cache-Status agree.
    assert nginx["reached_django"] == nginx["reached_django_log"]
    assert nginx["repeated_spared"] > 0
    assert nginx["cache_status"].get("HIT", 0) > 0
