# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/ebullitions
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
# pytest-xdist processes per leg ("auto": one per CPU core; 0 runs in-process).
TEST_WORKERS ?= auto

.PHONY: run production test test-sqlite test-postgres test-browser lint format bench bench-pages bench-api bench-import bench-scale bench-concurrency bench-mirror messages setup services

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@bash scripts/quietly.sh "Installation des dépendances Python (.venv)…" \
		$(PYTHON) -m venv $(VENV)
	@bash scripts/quietly.sh "" $(PY) -m pip install --disable-pip-version-check \
		-r requirements-dev.txt
	@touch $@

setup: $(VENV)/.installed

## Set up and serve the site with the demo content on http://127.0.0.1:$(PORT)/
## Quiet on success: each step's output is shown only if it fails.
run: setup
	@bash scripts/quietly.sh "Base de données…" $(PY) manage.py migrate --noinput
	@bash scripts/quietly.sh "Contenu de démonstration…" $(PY) manage.py load_demo
	@bash scripts/quietly.sh "Comptes de démonstration…" \
		$(PY) manage.py create_demo_accounts
	@bash scripts/quietly.sh "Vérifications…" $(PY) manage.py check
	@WAGTAILADMIN_BASE_URL=http://127.0.0.1:$(PORT) bash scripts/with-scheduler.sh $(PY) \
		$(PY) manage.py serve_demo --skip-checks 127.0.0.1:$(PORT)

## Production: collectstatic, migrate, update_index, then gunicorn (README, "Production"),
## with the worker (run_worker: scheduled pages and webhooks) beside it
production: setup
	bash scripts/with-scheduler.sh $(PY) bash scripts/start-production.sh

services:
	bash scripts/ensure-services.sh

## Set up and run every check and test: lint, migrations, SQLite, PostgreSQL, browser.
## Without PostgreSQL the suite runs on SQLite and in the browser and says so
## loudly at the end; in CI (CI set, as .ci/run does) that fails the run.
test: setup lint
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py makemigrations --check --dry-run
	@status=0; bash scripts/ensure-services.sh 2>$(VENV)/services.err || status=$$?; \
	cat $(VENV)/services.err >&2; \
	reason="$$(grep -m 1 '^ensure-services : ' $(VENV)/services.err | cut -d ' ' -f 3-)"; \
	if [ "$$status" = 0 ]; then \
		$(MAKE) test-sqlite test-postgres test-browser; \
	elif [ -n "$${CI:-}" ]; then \
		echo "ÉCHEC (CI) : PostgreSQL est obligatoire en CI : $$reason" >&2; \
		exit 1; \
	else \
		$(MAKE) test-sqlite test-browser || exit 1; \
		echo; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!! LES TESTS SUR POSTGRESQL N'ONT PAS TOURNÉ : $$reason"; \
		echo "!!! Seuls SQLite et le navigateur ont été testés. Voir plus haut, puis make test."; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

test-sqlite: setup
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -n $(TEST_WORKERS) -m "not browser and not services"

test-postgres: setup services
	DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

test-browser: setup
	bash scripts/ensure-chromium.sh
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -m browser --ds=cms.settings.test_browser

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

## Side by side under gunicorn on PostgreSQL, 1,000, 10,000 and 100,000 editions; see README
bench-scale: setup services
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/bench_scale.py

## Concurrent readers while an editor publishes, gunicorn as gunicorn.conf.py sets it,
## directly then behind the production nginx (cms/deploy/nginx/; PROXY=both|direct|nginx;
## without nginx installed, direct only)
## (CLIENTS=16 SECONDS=60 PUBLISH_EVERY=3 EDITIONS=300, throwaway SQLite database)
bench-concurrency: setup
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/bench_concurrency.py

bench-import: setup
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/bench_import.py $${POSTS:-1000} --memory-mb $${MEMORY_MB:-50}

## The independent mirror test over many more seeds (tests/api/test_independent_mirror.py):
## MIRROR_SEEDS seeds of MIRROR_CHANGES random changes, on SQLite.
bench-mirror: setup
	env -u DATABASE_URL -u REDIS_URL MIRROR_SEEDS=$${MIRROR_SEEDS:-200} \
		MIRROR_CHANGES=$${MIRROR_CHANGES:-100} $(PY) -m pytest -n $(TEST_WORKERS) -q \
		tests/api/test_independent_mirror.py
