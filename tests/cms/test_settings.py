"""Settings read from the environment: production refusals and options."""

import runpy
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

import cms.settings
from cms.settings import base as base_settings
from recaps.clients import client_address

GOOD_KEY = "f7Kq9-Zr2mXw8Lp4Tn6Vb1Yc3Hd5Jg0Se7Ua9Oi2Qk4Wl6Ep8Rt1Ym3Nb5Vc7Xz9"


def production(monkeypatch, **env):
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    for name in (
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_PRELOAD",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("cms.settings.production")


def base(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(base_settings.__file__)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "must be set"),
        ("x", "too short"),
        ("a" * 60, "too simple"),
        ("0123456789" * 4, "too short"),
        # Django's security.W009 accepts these: 50 characters or more, 5 or
        # more different ones.
        ("abcde" * 12, r"too simple \(5 different characters"),
        ("abcdefghij" * 6, r"too simple \(a block of 10 characters repeated"),
        ("0123456789abcdef" * 3 + "01234", "too simple"),
        ("django-insecure-" + GOOD_KEY, "development key"),
        ("dev-only-insecure-key-not-for-production" + GOOD_KEY, "development key"),
    ],
)
def test_production_refuses_a_missing_short_or_development_key(
    monkeypatch, key, problem
):
    with pytest.raises(ImproperlyConfigured, match=problem):
        production(monkeypatch, SECRET_KEY=key)


@pytest.mark.parametrize(
    "key",
    [
        GOOD_KEY,
        # secrets.token_hex(32): 16 different characters only.
        "3f9c0a7d51e28b4c96a0f17d2e5b8c43a9d06e1f72b5c8d94e0a3b6c1f7d2e85",
        # Django's get_random_secret_key() draws 50 from 50 characters.
        "l7x!q0z#m2v@r9w$k4t%b8n^c1y&d6p*f3s(g5h)j-u_e=a+oi",
    ],
)
def test_production_accepts_random_keys(monkeypatch, key):
    assert production(monkeypatch, SECRET_KEY=key)["SECRET_KEY"] == key


def test_production_defaults_are_https_only_without_trusting_proxy_headers(
    monkeypatch,
):
    settings = production(monkeypatch, ALLOWED_HOSTS="ebullitions.example.org")
    assert settings["SECRET_KEY"] == GOOD_KEY
    assert settings["DEBUG"] is False
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 31536000
    assert "SECURE_PROXY_SSL_HEADER" not in settings
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://ebullitions.example.org"]
    assert settings["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    assert settings["SILENCED_SYSTEM_CHECKS"] == []


def test_production_behind_a_tls_proxy(monkeypatch):
    settings = production(
        monkeypatch,
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_SSL_REDIRECT="0",
        CSRF_TRUSTED_ORIGINS="https://a.example.org,https://b.example.org",
    )
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SILENCED_SYSTEM_CHECKS"] == ["security.W008"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == [
        "https://a.example.org",
        "https://b.example.org",
    ]


def test_redis_url_selects_django_redis_degrading_to_no_cache(monkeypatch):
    settings = base(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/3")
    cache = settings["CACHES"]["default"]
    # django-redis behind a circuit breaker (cms.cache).
    assert cache["BACKEND"] == "cms.cache.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert cache["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert cache["OPTIONS"]["RETRY_INTERVAL"] == 30
    assert settings["DJANGO_REDIS_LOGGER"] == "cms.cache"


def test_cache_retry_interval_and_database_log_interval_from_the_environment(
    monkeypatch,
):
    settings = base(
        monkeypatch,
        REDIS_URL="redis://127.0.0.1:6379/3",
        CACHE_RETRY_INTERVAL="5",
        DATABASE_ERROR_LOG_INTERVAL="60",
    )
    assert settings["CACHES"]["default"]["OPTIONS"]["RETRY_INTERVAL"] == 5
    assert settings["LOGGING"]["filters"]["database_outage"]["interval"] == 60


def test_bucket_name_puts_media_on_s3(monkeypatch):
    settings = base(
        monkeypatch,
        AWS_STORAGE_BUCKET_NAME="ebullitions-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.org",
    )
    assert settings["STORAGES"]["default"]["BACKEND"] == (
        "storages.backends.s3.S3Storage"
    )
    assert settings["AWS_S3_ENDPOINT_URL"] == "https://s3.example.org"
    assert settings["AWS_DEFAULT_ACL"] is None


def test_without_bucket_media_stay_on_disk(monkeypatch):
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    settings = base(monkeypatch)
    assert settings["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")


def test_search_url_selects_elasticsearch(monkeypatch):
    settings = base(monkeypatch, SEARCH_URL="http://127.0.0.1:9200")
    backend = settings["WAGTAILSEARCH_BACKENDS"]["default"]
    assert backend["BACKEND"] == "wagtail.search.backends.elasticsearch8"
    assert backend["URLS"] == ["http://127.0.0.1:9200"]
    settings = base(monkeypatch, SEARCH_BACKEND="opensearch2")
    assert settings["WAGTAILSEARCH_BACKENDS"]["default"]["BACKEND"] == (
        "wagtail.search.backends.opensearch2"
    )


@pytest.mark.parametrize(
    ("worker", "redis_url", "location", "media_suffix"),
    [
        ("gw0", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15", "-gw0"),
        ("gw1", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/14", "-gw1"),
        ("gw2", "redis://127.0.0.1:6379", "redis://127.0.0.1:6379/14", "-gw2"),
        ("", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15", ""),
    ],
)
def test_parallel_test_workers_share_no_media_or_cache(
    monkeypatch, worker, redis_url, location, media_suffix
):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    monkeypatch.setenv("TEST_MEDIA_ROOT", "/tmp/media")  # noqa: S108
    monkeypatch.setenv("REDIS_URL", redis_url)
    # The test settings import the base settings: read them afresh.
    monkeypatch.delitem(sys.modules, "cms.settings.base")
    monkeypatch.setattr(cms.settings, "base", base_settings)  # restored after
    settings = runpy.run_module("cms.settings.test")
    assert settings["CACHES"]["default"]["LOCATION"] == location
    assert settings["MEDIA_ROOT"] == "/tmp/media" + media_suffix  # noqa: S108


def test_one_number_of_proxies_for_the_api_and_the_login_throttles(monkeypatch):
    settings = base(monkeypatch, API_NUM_PROXIES="2")
    assert settings["REST_FRAMEWORK"]["NUM_PROXIES"] == 2
    # django-axes asks the same function as the API throttle (which reads
    # NUM_PROXIES); no django-ipware setting is left to drift apart.
    assert import_string(settings["AXES_CLIENT_IP_CALLABLE"]) is client_address
    assert not [name for name in settings if name.startswith("AXES_IPWARE")]
