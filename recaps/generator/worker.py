"""Start of a preparation worker process (:class:`.prepare.Preparer`).

Kept apart from the modules that import models: a new process runs this
before it can import them.
"""

import django
from django.db import connections


def start_worker():
    """Set Django up; the worker never uses the database: it would open another
    one than the writing process's transaction (uncommitted rows, or the site's
    database instead of the test database)."""
    django.setup()

    def refuse():
        raise RuntimeError("a preparation worker does not use the database")

    for connection in connections.all():
        connection.ensure_connection = refuse
