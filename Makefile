# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/ebullitions
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-sqlite test-postgres test-browser lint format bench bench-pages bench-api bench-import messages setup services

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

## Set up and serve the site with the demo content on http://127.0.0.1:$(PORT)/
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py create_demo_accounts
	bash scripts/with-scheduler.sh $(PY) $(PY) manage.py runserver 127.0.0.1:$(PORT)

services:
	bash scripts/ensure-services.sh

## Set up and run every check and test: lint, migrations, SQLite, PostgreSQL, browser
test: setup services lint
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) test-sqlite test-postgres test-browser

test-sqlite: setup
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest

test-postgres: setup services
	DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest

test-browser: setup
	bash scripts/ensure-chromium.sh
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -m browser

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## Print performance figures (no asserts): reader pages, API, import, on SQLite
bench: bench-pages bench-api bench-import

bench-pages: setup
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/bench_pages.py

format: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

messages: setup
	cd recaps && ../$(PY) ../manage.py makemessages -l fr --no-obsolete
	cd home && ../$(PY) ../manage.py makemessages -l fr --no-obsolete
	cd search && ../$(PY) ../manage.py makemessages -l fr --no-obsolete
	cd cms && ../$(PY) ../manage.py makemessages -l fr --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

## Rough API figures on a throwaway SQLite database (EDITIONS=200 REQUESTS=20)
bench-api: setup
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/bench_api.py --editions $${EDITIONS:-200} --requests $${REQUESTS:-20}

bench-import: setup
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/bench_import.py $${POSTS:-1000} --memory-mb $${MEMORY_MB:-50}
