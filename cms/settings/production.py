"""Production: every secret comes from the environment; HTTPS only.

Passes ``manage.py check --deploy --fail-level WARNING`` (tested). The README's
"Production" section lists every variable read here and in ``base.py``.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_list

DEBUG = False

# Keys that must never sign a production session (development and test ones).
KNOWN_DEVELOPMENT_KEYS = {
    "dev-only-insecure-key-not-for-production",
    "test-only-insecure-key",
}
SECRET_KEY_MIN_LENGTH = 50
# Stricter than Django's check (security.W009: 5), which "abcde" * 12 passes;
# a hexadecimal key has 16.
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 10
GENERATE_A_KEY = (
    'generate one with python3 -c "import secrets; print(secrets.token_urlsafe(64))"'
)


def repeated_pattern(key):
    """The shortest block ``key`` repeats (``"abcabcab"``: ``"abc"``), else ``""``."""
    for period in range(1, len(key) // 2 + 1):
        if key[period:] == key[:-period]:
            return key[:period]
    return ""


def secret_key_problem(key):
    """Why ``key`` may not sign production sessions, or ``""`` when it may.

    Django's own rules (``check --deploy``, security.W009: at least 50
    characters, not a ``django-insecure`` key) plus: no development key, at
    least 10 different characters, not a short block repeated.
    """
    if not key:
        return "SECRET_KEY must be set in the environment: " + GENERATE_A_KEY + "."
    if (
        key in KNOWN_DEVELOPMENT_KEYS
        or key.startswith("django-insecure")
        or "insecure" in key.lower()
    ):
        return "SECRET_KEY is a development key: " + GENERATE_A_KEY + " for production."
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return (
            f"SECRET_KEY is too short ({len(key)} characters, at least "
            f"{SECRET_KEY_MIN_LENGTH} needed): " + GENERATE_A_KEY + "."
        )
    unique = len(set(key))
    if unique < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"SECRET_KEY is too simple ({unique} different characters, at least "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} needed): " + GENERATE_A_KEY + "."
        )
    pattern = repeated_pattern(key)
    if pattern:
        return (
            f"SECRET_KEY is too simple (a block of {len(pattern)} characters "
            "repeated): " + GENERATE_A_KEY + "."
        )
    return ""


def secret_key_from_environment():
    """``SECRET_KEY``, refused at start when :func:`secret_key_problem` finds one."""
    key = os.environ.get("SECRET_KEY", "")
    problem = secret_key_problem(key)
    if problem:
        raise ImproperlyConfigured(problem)
    return key


def env_flag(name, default):
    """A boolean environment variable: 1/true/yes/on or 0/false/no/off."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


SECRET_KEY = secret_key_from_environment()
# The public host names, e.g. "ebullitions.example.org,www.ebullitions.example.org".
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# Persistent connections, checked before each request reuses them (base.py).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))

# HTTPS. Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER to the
# header it sets (e.g. "X-Forwarded-Proto"), and only then: a client could
# otherwise claim HTTPS itself. SECURE_SSL_REDIRECT=0 when the proxy redirects.
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    header = os.environ["SECURE_PROXY_SSL_HEADER"].upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{header.removeprefix('HTTP_')}", "https")
# Exempt the health check from the redirect: load balancers probe it in HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail marks its preview views SAMEORIGIN itself.
X_FRAME_OPTIONS = "DENY"

# Forms posted from these origins are accepted (scheme included); by default
# the HTTPS origin of every allowed host.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS") or [
    f"https://{host.lstrip('.')}"
    for host in ALLOWED_HOSTS
    if host not in ("*", "") and not host.startswith("[")
]

# An operator who turns an HSTS option off has chosen to: no warning for it.
SILENCED_SYSTEM_CHECKS = [
    check
    for check, enabled in (
        ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
        ("security.W021", SECURE_HSTS_PRELOAD),
        ("security.W008", SECURE_SSL_REDIRECT),
    )
    if not enabled
]

# The public base URL: links in admin e-mails, and (``manage.py set_site_url``,
# run by scripts/start-production.sh) the default Wagtail site's hostname and
# port, from which every absolute URL of pages, feeds, sitemap and API is built.
# Default: HTTPS on the first allowed host that is a real name (not a wildcard).
_PUBLIC_HOSTS = [
    host for host in ALLOWED_HOSTS if host not in ("*", "") and host[0] != "."
]
WAGTAILADMIN_BASE_URL = os.environ.get(
    "WAGTAILADMIN_BASE_URL",
    f"https://{_PUBLIC_HOSTS[0]}" if _PUBLIC_HOSTS else "",
)

# Errors go to the console (gunicorn's error log), one line per request error.
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING["handlers"]["console"]["level"] = LOGGING["root"]["level"]
