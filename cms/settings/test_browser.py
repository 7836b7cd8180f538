"""Browser-test settings: the live server and the test share a file database.

pytest-django's default SQLite test database lives in memory with a shared
cache; the live server's request threads and the test thread then lock each
other out (``database table is locked``). A file database in WAL mode lets
readers run beside a writer, the busy timeout makes a writer wait for the other
instead of failing, and ``IMMEDIATE`` transactions take the write lock when they
begin, so a reader never has to upgrade into a conflict.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from .test import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A fresh folder per run: never reuse a database beside a stale -wal file.
    _folder = Path(tempfile.mkdtemp(prefix="ebullitions-browser-"))
    atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    DATABASES["default"]["TEST"] = {"NAME": str(_folder / "test.sqlite3")}  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }

# Wagtail 8 autosaves the edit form in the background (every 500 ms after a
# change): a test clicking "save" could race an autosave of older content. Off
# here; the autosave test turns it on for itself (the view reads it per request)
# and waits for the autosave's own response.
WAGTAIL_AUTOSAVE_INTERVAL = 0
