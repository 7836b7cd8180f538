"""A theme digest on a 500-edition archive stays under the memory target
(README, "Reading": PDFs), measured by ``scripts/measure_pdf.py`` in a process
of its own, so that its peak is the letter's."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: A worker making a letter stays under this resident memory, and the letter
#: itself adds at most LETTER_MB to what the worker held before; afterwards the
#: worker holds no more than before (README, "Reading": PDFs).
PEAK_MB = 400
LETTER_MB = 100

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the script makes its own SQLite database: run once, in the SQLite leg",
)

FIGURES = re.compile(r"RSS (\d+) MB before, (\d+) MB after, peak (\d+) MB")


def test_a_500_edition_digest_stays_under_the_memory_target():
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "REDIS_URL")
    }
    result = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "scripts/measure_pdf.py", "--editions", "500"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = result.stdout
    assert "status 200" in report, report
    pages = int(re.search(r"(\d+) pages", report)[1])
    assert 0 < pages <= 40, report  # the newest 10 editions, not 261
    before, after, peak = (int(value) for value in FIGURES.search(report).groups())
    assert peak < PEAK_MB, report
    assert peak - before < LETTER_MB, report
    assert after <= before + 10, report
