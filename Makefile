# Support Desk. The two promises: `make run` and `make test` (see README.md).
SHELL := /bin/bash
# Django 6 needs Python 3.12+; .python-version selects 3.13 where pyenv is used.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell md5sum requirements/lock.txt | cut -c1-12)

.PHONY: setup run test lint format migrations-check browser-deps oidc-deps bench clean

$(STAMP): requirements/lock.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12+ is needed (found " + sys.version.split()[0] + "); install 3.13 or set PYTHON=")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# Serves the app on 127.0.0.1:$(PORT). DEBUG is on here: this is the trial and development
# server. Production runs gunicorn with DEBUG off (README, "Running in production").
run: export DEBUG ?= true
run: setup
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py prepare_demo --port $(PORT)
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: setup browser-deps oidc-deps lint migrations-check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: setup
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run

# The browser tests drive Debian's Chromium; Playwright cannot download its own here.
browser-deps:
	@bash .ci/ensure-chromium

# The OpenID Connect tests run a real provider (panva's oidc-provider) with node, installed
# here from its lock file. Without node those tests are skipped and say why.
OIDC_PROVIDER := tests/oidc/provider
oidc-deps:
	@if ! command -v node >/dev/null; then echo "node not found: the OpenID Connect tests will be skipped"; \
	elif [ ! -d $(OIDC_PROVIDER)/node_modules/oidc-provider ]; then \
		cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund; fi

bench: setup
	bash tests/bench/run.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_artifacts $(OIDC_PROVIDER)/node_modules
