# kitclinic task runner: README and CI call these targets the same way.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Python packages: every one (direct and transitive, runtime, dev and build) pinned with hashes.
LOCK := requirements/lock.txt
OPENTIVA_LOCK := requirements/opentiva.txt
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
OPENTIVA_STAMP := $(VENV)/.opentiva-installed
# Debian's Chromium for the browser tests (never a browser download).
CHROMIUM ?= $(or $(KITCLINIC_CHROMIUM),/usr/bin/chromium)
# The pure cores (no Django): the tests CI runs under a second BLAS kernel (and strict mypy).
PURE_CORES := pharmacology instruments dosing outcome_stats intake billing_codes
# pytest-xdist workers: one per core unless told (PYTEST_WORKERS=0 runs in one process).
PYTEST_WORKERS ?= auto

# Development values for `make run`; production sets its own environment (README, "Configuration").
# The demo escalates an unacknowledged safety alert after 5 minutes (production default 60), so
# the escalation e-mail (printed by the console mail backend) is seen while trying it.
RUN_ENV := KITCLINIC_DEBUG=1 KITCLINIC_SECRET_KEY=$${KITCLINIC_SECRET_KEY:-development-only-not-secret} \
	KITCLINIC_TIME_ZONE=$${KITCLINIC_TIME_ZONE:-America/New_York} \
	KITCLINIC_ALERT_ESCALATION_MINUTES=$${KITCLINIC_ALERT_ESCALATION_MINUTES:-5}

.PHONY: install chromium run test test-pure lint format bench lock clean

install: chromium $(STAMP) $(NPM_STAMP) $(OPENTIVA_STAMP)

# First, so a machine without Chromium stops at once rather than after the Python install.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's Chromium for the browser tests (apt-get install chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing at $(CHROMIUM): the browser tests need Debian's Chromium." >&2; \
		echo "Run:  sudo apt-get install -y chromium   then run make again." >&2; \
		exit 1; \
	fi

# Hash-checked install of the lock, then the project itself (no dependencies of its own to
# resolve: they are all in the lock) built against the locked setuptools.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# opentiva is a test-only cross-check of the PK engine; on Python 3.11 it must be built without
# build isolation against the venv's own locked Cython/NumPy (its sdist ships a stale C file).
$(OPENTIVA_STAMP): $(STAMP) $(OPENTIVA_LOCK)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps --no-build-isolation -r $(OPENTIVA_LOCK)
	touch $@

# `npm ci`: exactly package-lock.json, integrity-checked.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Regenerate the locks after changing a dependency in pyproject.toml or requirements/*.in.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml requirements/build.in --extra dev --universal \
		--python-version 3.11 --generate-hashes --quiet -o $(LOCK)
	$(BIN)/uv pip compile requirements/opentiva.in --no-deps --universal \
		--python-version 3.11 --generate-hashes --quiet -o $(OPENTIVA_LOCK)

run: install
	mkdir -p var
	$(RUN_ENV) $(BIN)/kitclinic migrate --noinput
	$(RUN_ENV) $(BIN)/kitclinic seed_demo --if-empty
	$(RUN_ENV) $(BIN)/kitclinic devserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The pure cores alone (no database, no browser): CI runs them under two BLAS kernels.
test-pure: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(addprefix tests/,$(PURE_CORES)) $(PYTEST_ARGS)

# Style, the import layers (import-linter contracts) and types over all of src/ (strict on the
# pure cores; pyproject.toml [tool.importlinter] and [tool.mypy]).
lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	PYTHONPATH=src $(BIN)/lint-imports
	PYTHONPATH=src KITCLINIC_SECRET_KEY=type-checking-only $(BIN)/mypy src/kitclinic

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .hypothesis
