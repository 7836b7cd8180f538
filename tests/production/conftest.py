"""The production configuration on PostgreSQL and Redis of its own, under gunicorn.

The cluster, the Redis server, the static files and the demo content are made
once per session; each test that breaks a service repairs it before it ends.
"""

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from tests.production.services import (
    Gunicorn,
    PostgresCluster,
    RedisServer,
    manage,
    production_environment,
)

SERIES = "/petites-ebullitions-du-vendredi/"
ADMIN_PASSWORD = "mot-de-passe-de-test-9"  # noqa: S105


def pytest_collection_modifyitems(config, items):
    """Real services, started and stopped: slow, so run in one leg only, and
    on one pytest-xdist worker (``--dist loadgroup``) so that the session's
    cluster, Redis and collected static files are made once, not per worker."""
    for item in items:
        if "tests/production/" in str(item.fspath):
            item.add_marker(pytest.mark.services)
            item.add_marker(pytest.mark.xdist_group("services"))


@pytest.fixture(scope="session")
def static_root():
    """Static files collected once, as the start script does."""
    folder = Path(tempfile.mkdtemp(prefix="ebullitions-static-"))
    env = production_environment("sqlite:///:memory:", "", folder)
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    if not shutil.which("redis-server") or sys.platform != "linux":
        pytest.skip("needs PostgreSQL 15 binaries and redis-server")
    cluster = PostgresCluster().init().start()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def production_env(postgres, redis_server, static_root):
    """Migrated database with the demo content and an administrator."""
    env = production_environment(postgres.url, redis_server.url, static_root)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_demo")
    manage(env, "update_index")
    admin_env = {
        **env,
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_EMAIL": "admin@example.org",
    }
    manage(admin_env, "createsuperuser", "--noinput")
    return env


@pytest.fixture(scope="session")
def site(production_env):
    """gunicorn (two workers) serving the production configuration."""
    server = Gunicorn(production_env).start()
    yield server
    server.stop()
