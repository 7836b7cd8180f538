"""Settings shared by every environment.

Everything that differs between machines comes from the environment:
``DATABASE_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``REDIS_URL``,
``WAGTAILADMIN_BASE_URL``, ``SEARCH_URL``, ``AWS_STORAGE_BUCKET_NAME``, and for
the API ``API_CACHE_MAX_AGE``, ``API_THROTTLE_RATE`` and
``CORS_ALLOWED_ORIGINS``. The README's "Production" section lists them all.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_list(name, default=""):
    """Read a comma-separated environment variable as a list of strings."""
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cms",
    "home",
    "search",
    "recaps",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers repeated anonymous reads (304s, cache hits) before the rest.
    "recaps.caching.ResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Its 404s go through Wagtail's redirects first (listed after it).
    "cms.ascii_paths.AsciiPathRedirectMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "cms.csp.SiteCSPMiddleware",
    # Last, as django-axes asks: answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# SQLite file in the project folder unless DATABASE_URL says otherwise
# (postgres://user@host:port/name uses psycopg 3).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A persistent connection is checked before each request reuses it, so
        # a database restart costs no request an error.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast (then answer 503) rather than hang when the server is gone.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # django-redis: when Redis is unreachable, reads miss and writes are
    # dropped, so the site keeps serving without cache (and the API without
    # throttle, whose counters live there); one warning is logged per interval.
    # After a failure (refused, or a Redis that hangs until REDIS_TIMEOUT), a
    # process skips Redis for CACHE_RETRY_INTERVAL seconds (cms.cache).
    CACHES = {
        "default": {
            "BACKEND": "cms.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ebullitions"),
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
                "SOCKET_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
                "RETRY_INTERVAL": float(os.environ.get("CACHE_RETRY_INTERVAL", "30")),
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "cms.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# django-axes first: it refuses logins while a client is locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttle (django-axes, state in the database so every instance shares
# it): after AXES_FAILURE_LIMIT wrong passwords for one account from one
# address, that pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cms.views.login_locked_out"
# The address is the client's, as the API throttle sees it: behind
# API_NUM_PROXIES trusted proxies (REST_FRAMEWORK["NUM_PROXIES"]), the one the
# outermost proxy appended to X-Forwarded-For; without, the connection's.
AXES_CLIENT_IP_CALLABLE = "recaps.clients.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French"))]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PROJECT_DIR / "locale"]

WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français")]

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
# Files served at the site root by WhiteNoise, before any view or database access
# (``/favicon.ico``).
WHITENOISE_ROOT = PROJECT_DIR / "public"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or STATIC_ROOT)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or MEDIA_ROOT)

# Media (documents, images) on S3-compatible storage through django-storages
# when a bucket is named; django-storages reads the other AWS_* settings.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    AWS_LOCATION = os.environ.get("AWS_LOCATION", "")
    # Files are private; links are signed and expire (documents may be private).
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Wagtail
WAGTAIL_SITE_NAME = "Les petites ébullitions"
# ASCII page slugs (“décembre” gives ``decembre``): addresses printed on paper
# can be typed. Old accented addresses redirect (cms.ascii_paths).
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# The password field labelled in French (Wagtail's own has no label).
WAGTAILADMIN_USER_LOGIN_FORM = "cms.admin_forms.LoginForm"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# No request to third parties from the admin: no avatars service, no update check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Dates shown and entered the French way in the admin (27/11/2020).
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"

# Search: Wagtail's database backend (SQLite FTS5 or PostgreSQL full text).
# Editions are indexed with the French stems of their words and queries are
# stemmed the same way (recaps.search.stem), whatever the backend.
# SQLite's FTS5 tokenizer (unicode61) already folds case and accents. On
# PostgreSQL, ``french_unaccent`` (created by recaps' migration 0002) removes
# accents then applies French stemming (isolement / isolés); the index and the
# queries must use the same configuration, so run ``update_index`` after a change.
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        "SEARCH_CONFIG": os.environ.get("SEARCH_CONFIG", "french_unaccent"),
    }
}
# Elasticsearch or OpenSearch when SEARCH_URL is set (several servers behind a
# proxy then share one index); SEARCH_BACKEND names Wagtail's backend module:
# elasticsearch8 (default), elasticsearch9, opensearch2, opensearch3. The
# matching client package (e.g. ``elasticsearch>=8,<9``) must be installed.
SEARCH_URL = os.environ.get("SEARCH_URL", "")
if SEARCH_URL:
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": "wagtail.search.backends."
        + os.environ.get("SEARCH_BACKEND", "elasticsearch8"),
        "URLS": env_list("SEARCH_URL"),
        "INDEX": os.environ.get("SEARCH_INDEX", "ebullitions"),
        "TIMEOUT": 5,
        "OPTIONS": {},
        "INDEX_SETTINGS": {
            "settings": {
                "analysis": {
                    "analyzer": {
                        "default": {"type": "french"},
                    }
                }
            }
        },
    }

# Themes are a custom taggit tag model with ASCII slugs.
TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "once_per_interval": {
            "()": "cms.logging.OncePerInterval",
            "interval": int(os.environ.get("CACHE_ERROR_LOG_INTERVAL", "300")),
        },
        "database_outage": {
            "()": "cms.logging.DatabaseOutage",
            "interval": int(os.environ.get("DATABASE_ERROR_LOG_INTERVAL", "300")),
        },
    },
    # WARNING: Django's own loggers print their INFO lines once, not again here.
    "handlers": {"console": {"class": "logging.StreamHandler", "level": "WARNING"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Cache errors that django-redis ignores: one warning per interval.
        "cms.cache": {"level": "WARNING", "filters": ["once_per_interval"]},
        # Requests failed for an unreachable database (answered 503): one line
        # each, the full traceback once per interval.
        "django.request": {"filters": ["database_outage"]},
    },
}

# OpenAPI: ``check --deploy`` generates the site's schema with these settings;
# like the API's own schema view, it documents the public API only (Wagtail's
# admin API views are not drf-spectacular views).
# The API docs are served from the site's own static files (no CDN).
SPECTACULAR_SETTINGS = {
    "PREPROCESSING_HOOKS": ["recaps.api.views.only_this_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "recaps.api.schema.polish",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SectionTypeEnum": "recaps.blocks.SECTION_TYPES",
        "MeetingFormatEnum": "recaps.models.edition.MeetingFormat",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content-Security-Policy (django-csp): only the site's own scripts, styles,
# fonts and frames (previews); images also as data: and blob: URIs (admin
# previews, Swagger UI). Inline style attributes are needed by the Wagtail
# admin and Swagger UI; no inline script is allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:", *env_list("CSP_IMG_SRC")],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Public API (recaps.api, mounted at /api/v1/): read-only, anonymous, cacheable.
RECAPS_API_CACHE_MAX_AGE = int(os.environ.get("API_CACHE_MAX_AGE", "60"))
RECAPS_API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "120/minute") or None
RECAPS_CHANGES_SETTLE_SECONDS = int(os.environ.get("CHANGES_SETTLE_SECONDS", "30"))
RECAPS_WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "5"))
# manage.py run_worker: seconds between two rounds (scheduled pages, webhooks).
RECAPS_WORKER_INTERVAL = float(os.environ.get("WORKER_INTERVAL", "10"))
# Webhooks go to public https addresses only (recaps.webhook_targets); these
# comma-separated host names (as written in the URL) may also use http://, or
# resolve to private, loopback or link-local addresses (a receiver on the LAN).
RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS = env_list("WEBHOOK_ALLOWED_HTTP_HOSTS")
RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS = env_list("WEBHOOK_ALLOWED_PRIVATE_HOSTS")
# Responses cached by content version (recaps.caching); off with RESPONSE_CACHE=0.
RECAPS_RESPONSE_CACHE = os.environ.get("RESPONSE_CACHE", "1") != "0"
# PDF letters (recaps.pdf): a theme digest holds the newest N editions of its
# selection; letters are made one at a time per URL, PDF_CONCURRENCY at once on
# the site (locks in the cache: Redis shares them between workers), and at most
# PDF_THROTTLE_RATE per client (same client address as the API throttle).
RECAPS_DIGEST_MAX_EDITIONS = int(os.environ.get("PDF_DIGEST_MAX_EDITIONS", "10"))
RECAPS_PDF_THROTTLE_RATE = os.environ.get("PDF_THROTTLE_RATE", "10/minute") or None
RECAPS_PDF_CONCURRENCY = int(os.environ.get("PDF_CONCURRENCY", "1"))
RECAPS_PDF_WAIT = float(os.environ.get("PDF_WAIT_SECONDS", "2"))
# A worker killed by gunicorn's timeout while making a letter leaves its locks
# for at most 5 s more.
_GUNICORN_TIMEOUT = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
RECAPS_PDF_LOCK_TIMEOUT = int(os.environ.get("PDF_LOCK_TIMEOUT", _GUNICORN_TIMEOUT + 5))

REST_FRAMEWORK = {
    # Reverse proxies in front of the site, so the rate applies per real client.
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES", "0")),
}

# CORS for the API only, read-only methods; origins such as
# "https://ressources.example.org,https://autre.example.org".
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "if-modified-since", "if-none-match", "user-agent")
CORS_EXPOSE_HEADERS = (
    "ETag",
    "Last-Modified",
    "Retry-After",
    "RateLimit-Policy",
    "RateLimit",
)
CORS_ALLOW_CREDENTIALS = False
# Image shown when an edition is shared (Open Graph, JSON-LD): a URL or a path on
# the site (e.g. /static/img/partage.png); none by default.
RECAPS_SHARE_IMAGE = os.environ.get("SHARE_IMAGE_URL", "") or None
