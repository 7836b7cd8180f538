#!/usr/bin/env bash
# Production start: collect static files, migrate, set the public base URL, refresh the search and section indexes,
# then run gunicorn (gunicorn.conf.py) in the foreground.
# Needs SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS (see README, "Production").
# Run it again after an upgrade (git pull; pip install -r requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-cms.settings.production}"

"$PY" manage.py collectstatic --noinput --verbosity 0
"$PY" manage.py check --deploy
"$PY" manage.py migrate --noinput
"$PY" manage.py set_site_url   # public base URL: WAGTAILADMIN_BASE_URL
"$PY" manage.py update_index
"$PY" manage.py rebuild_sections
exec "$PY" -m gunicorn --config gunicorn.conf.py
