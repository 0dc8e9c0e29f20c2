# Developer entry points. `make demo` serves the site on 127.0.0.1:8000; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Prerequisites are steps in order (packages, then venv, then the command): never run them in parallel.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK_FILE ?= requirements.lock
DJANGO_SETTINGS_MODULE ?= config.settings.local
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: help install system-packages system-packages-demo demo test lock lint

help:
	@echo "make demo                  Debian packages, venv, migrate, demo data, runserver on $(DEMO_ADDR)"
	@echo "make test                  Debian packages, venv, then scripts/test.sh (ruff, Django checks, pytest)"
	@echo "make install               venv in $(VENV) from $(LOCK_FILE), and compiled translations"
	@echo "make system-packages       Debian packages for the tests (and the demo); system-packages-demo: the demo's only"
	@echo "make lint                  ruff check ."
	@echo "make lock                  re-resolve pyproject.toml into $(LOCK_FILE)"

# Debian packages, only the missing ones (scripts/system-packages.sh lists them).
system-packages:
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh test

system-packages-demo:
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh demo

# The venv itself; Debian's own python3 needs python3-venv for it.
$(VENV_PY):
	@PYTHON=$(PYTHON) bash scripts/system-packages.sh venv
	$(PYTHON) -m venv $(VENV)

# Dependencies, reinstalled only when pyproject.toml or the lock file changed since the last install.
$(STAMP): pyproject.toml $(LOCK_FILE) | $(VENV_PY)
	$(VENV)/bin/pip install --upgrade pip
	$(VENV)/bin/pip install -c $(LOCK_FILE) ".[dev]"
	@touch $@

# Translations: compilemessages skips .mo files newer than their .po; local settings need no environment.
install: $(STAMP)
	@if find . -path ./$(VENV) -prune -o -name '*.po' -print -quit | grep -q .; then \
		echo "DJANGO_SETTINGS_MODULE=config.settings.local $(VENV_PY) manage.py compilemessages --ignore=$(VENV)"; \
		DJANGO_SETTINGS_MODULE=config.settings.local $(VENV_PY) manage.py compilemessages --ignore=$(VENV); \
	else \
		echo "install: no .po files yet, nothing to compile"; \
	fi

# The demo: SQLite in var/, tasks inline, e-mail on the console; load_demo prints the logins.
demo: system-packages-demo install
	DJANGO_SETTINGS_MODULE=$(DJANGO_SETTINGS_MODULE) $(VENV_PY) manage.py migrate
	DJANGO_SETTINGS_MODULE=$(DJANGO_SETTINGS_MODULE) $(VENV_PY) manage.py load_demo
	DJANGO_SETTINGS_MODULE=$(DJANGO_SETTINGS_MODULE) $(VENV_PY) manage.py runserver $(DEMO_ADDR)

# Every check; scripts/test.sh finds or starts PostgreSQL and Redis. Extra pytest arguments: PYTEST_ARGS="...".
test: system-packages install
	bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .

# A fresh resolve in a throwaway venv, without the old pins.
lock:
	@set -euo pipefail; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/pip" install --quiet --upgrade pip; \
	"$$tmp/venv/bin/pip" install --quiet ".[dev]"; \
	"$$tmp/venv/bin/pip" freeze --exclude voucher-platform > "$$tmp/lock"; \
	cp "$$tmp/lock" $(LOCK_FILE); \
	echo "lock: wrote $(LOCK_FILE) ($$(wc -l < $(LOCK_FILE)) packages)"
