# The two commands of the README: `make run` and `make test`. Everything they need is set up here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := $(SUDO) apt-get -o DPkg::Lock::Timeout=600
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install dev vendor run test lint audit test-sqlite test-pg chromium nginx messages icons screenshots bench wrk clean

## install: the virtualenv with the `pwa` command and its pinned dependencies
install: $(VENV)/.installed vendor

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

## dev: the test and lint tools as well
dev: $(VENV)/.dev-installed vendor

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

## vendor: htmx from the npm registry, at the version in package-lock.json
vendor: static/vendor/htmx.min.js

static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

## run: set up, migrate, load demo data, serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/pwa demo
	$(BIN)/pwa serve --host $(HOST) --port $(PORT)

## chromium: Debian's Chromium for the browser tests (never Playwright's download)
chromium:
	@command -v chromium >/dev/null || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends chromium; }

## nginx: Debian's nginx for the proxy test (tests/test_deploy_nginx.py runs its own copy on loopback)
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends nginx; }

## test: lint, type-check, audit the dependencies, then every test on SQLite and on PostgreSQL
test: dev chromium nginx lint audit test-sqlite test-pg

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## audit: known vulnerabilities in the pinned Python and npm packages (pip-audit, npm audit)
audit: dev
	$(BIN)/python scripts/audit.py

test-sqlite: dev chromium
	$(BIN)/python -m pytest

# Off CI an unreachable PostgreSQL skips this run with a message; on CI it fails.
test-pg: dev chromium
	@if $(BIN)/python scripts/pg_check.py "$(PG_TEST_URL)"; then \
		PWA_TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL was asked for (CI) and is not reachable at $(PG_TEST_URL)"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL not reachable at $(PG_TEST_URL); the PostgreSQL run is skipped (CI would fail)."; \
	fi

## messages: add new translatable strings, untranslated, to locales/en/LC_MESSAGES/messages.po
messages: dev
	$(BIN)/python scripts/messages.py

icons: dev
	$(BIN)/python scripts/make_icons.py

screenshots: dev chromium
	$(BIN)/python scripts/make_screenshots.py

## bench: every benchmark in bench/ (wrk, Lighthouse), figures into bench/RESULTS.md (~25 min)
bench: dev chromium wrk bench/lighthouse/node_modules/.package-lock.json
	$(BIN)/python bench/run.py

wrk:
	@command -v wrk >/dev/null || $(APT) install -y wrk || { $(APT) update -qq && $(APT) install -y wrk; }

# Lighthouse has its own package.json: the app's `npm ci` never fetches it.
bench/lighthouse/node_modules/.package-lock.json: bench/lighthouse/package.json bench/lighthouse/package-lock.json
	cd bench/lighthouse && npm ci --no-audit --no-fund --loglevel=error

clean:
	rm -rf $(VENV) node_modules static/vendor .mypy_cache .ruff_cache .pytest_cache
