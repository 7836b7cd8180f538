"""The scale benchmark's machinery, run tiny so that it cannot silently rot.

Five editions, three requests per endpoint, the servers on sockets the script
bound (ports chosen by the system): the figures mean nothing and nothing is
timed; what is checked is that every endpoint is served and measured, and that
the table and the JSON are written.
"""

import importlib.util
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "bench_scale.py"
OURS = [
    "list",
    "api search",
    "sections",
    "sections search",
    "detail",
    "reader search",
    "tags",
    "edition page",
    "theme page",
]


def database_url(tmp_path):
    """A URL where another process sees the test database and its content."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test database lives in memory: hand the servers a copy on disk.
        path = tmp_path / "bench.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        return f"sqlite:///{path}"
    auth = settings["USER"] + (
        f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    )
    return f"postgres://{auth}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_tiny_run_prints_the_table_and_writes_every_endpoint(root_page, tmp_path):
    call_command("generate_recaps", "--editions", "5", stdout=io.StringIO())
    output = tmp_path / "bench.json"
    env = {
        **os.environ,
        "EDITIONS": "5",
        "REQUESTS": "3",
        "DURATION": "60",
        "BENCH_PORT": "0",
        "BENCH_COLLECTSTATIC": "0",
        "BENCH_DATABASE": connection.vendor,
        "BENCH_DATABASE_URLS": f"5={database_url(tmp_path)}",
        "BENCH_OUTPUT": str(output),
        "CONCURRENCY_SECONDS": "3",
        "CLIENTS": "2",
        "PUBLISH_EVERY": "1",
        "WEB_CONCURRENCY": "2",
    }
    run = subprocess.run(
        [sys.executable, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr

    report = json.loads(output.read_text())
    results = report["results"]["5"]
    expected = [
        f"{name} [{variant}]"
        for name in OURS
        for variant in ("uncached", "cached", "304")
    ]
    expected += [
        "wagtail v2 list [wagtail]",
        "wagtail v2 detail [wagtail]",
        "floor [floor]",
        "floor [floor (cached)]",
    ]
    assert sorted(results) == sorted(expected)
    for key, row in results.items():
        assert row["requests"] == 3, key
        assert row["queries"] is not None, key
        assert set(row["statuses"]) <= {"200", "304"}, key
        assert key in run.stdout
    # The validator received is sent back: the API answers 304.
    assert results["list [304]"]["statuses"] == {"304": 3}
    assert results["floor [floor]"]["queries"] == 0
    assert results["list [uncached]"]["queries"] > 0
    assert all(item["peak_mb"] > 0 for item in report["memory"])
    targets = {item["target"] for item in report["targets"]}
    assert "list uncached vs wagtail v2 list (req/s, 5)" in targets
    assert "worker memory peak (MB, max of workers)" in targets
    assert "PASS" in run.stdout or "FAIL" in run.stdout
    # Then the concurrency run on the same database (scripts/bench_concurrency.py).
    assert report["concurrency"]["workers"] == 2
    assert report["concurrency"]["publications"] >= 1
    assert report["concurrency"]["errors"] == 0
    assert report["concurrency"]["stale"] == 0


def load_script():
    spec = importlib.util.spec_from_file_location("bench_scale", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_the_servers_ports_are_bound_before_they_are_handed_over():
    """No port is chosen and bound later: the sockets handed to gunicorn are
    already listening, on distinct ports, so nothing else can take them."""
    bench = load_script()
    sockets = bench.listeners(3, 0)
    try:
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(ports) == 3
        for port in ports:
            with socket.create_connection((bench.HOST, port), timeout=5):
                pass
            with pytest.raises(OSError):
                socket.create_server((bench.HOST, port))
    finally:
        for sock in sockets:
            sock.close()


def test_throughput_ignores_a_few_stalled_requests():
    """req/s is one over the 10%-trimmed mean: one stall does not decide it."""
    bench = load_script()
    endpoint = bench.Endpoint(10, "list", "cached", server=None, path="/")
    endpoint.timings = [0.001] * 19 + [1.0]
    summary = endpoint.summary()
    assert summary["req_per_s"] == pytest.approx(1000)
    assert summary["req_per_s_untrimmed"] == pytest.approx(20 / 1.019)


def test_a_generated_database_reports_its_time_and_peak_memory(tmp_path):
    """``Databases`` generates a size it was not given, and records how long
    ``generate_recaps`` took and its peak memory (issue 28's bounds on
    generation: time and memory)."""
    bench = load_script()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.bench",
        "BENCH_COLLECTSTATIC": "0",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    databases = bench.Databases("sqlite", "3", True, tmp_path)
    url = databases.prepare(3, env)
    assert url == f"sqlite:///{tmp_path / 'bench_3.sqlite3'}"
    with sqlite3.connect(tmp_path / "bench_3.sqlite3") as generated:
        (count,) = generated.execute(
            "SELECT COUNT(*) FROM recaps_recapentry"
        ).fetchone()
    assert count == 3
    assert databases.generation_seconds[3] > 0
    # A Django process holds tens of megabytes at least; bytes would be 1,000
    # times more, kilobytes read as megabytes 1,000 times less.
    assert 30 < databases.generation_peak_mb[3] < 2000
