# kitclinic task runner: README and CI call these targets the same way.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
OPENTIVA_STAMP := $(VENV)/.opentiva-installed

# Development values for `make run`; production sets its own environment (README, "Configuration").
RUN_ENV := KITCLINIC_DEBUG=1 KITCLINIC_SECRET_KEY=$${KITCLINIC_SECRET_KEY:-development-only-not-secret} \
	KITCLINIC_TIME_ZONE=$${KITCLINIC_TIME_ZONE:-America/New_York}

.PHONY: install run test test-fast lint format bench clean

install: $(STAMP) $(NPM_STAMP) $(OPENTIVA_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# opentiva is a test-only cross-check of the PK engine; on Python 3.11 it must be built without
# build isolation against the venv's own Cython/NumPy (its sdist ships a stale generated C file).
$(OPENTIVA_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet cython numpy scipy setuptools wheel
	$(BIN)/python -m pip install --quiet --no-build-isolation opentiva==1.1.2
	touch $@

$(NPM_STAMP): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

run: install
	mkdir -p var
	$(RUN_ENV) $(BIN)/kitclinic migrate --noinput
	$(RUN_ENV) $(BIN)/kitclinic seed_demo --if-empty
	$(RUN_ENV) $(BIN)/kitclinic runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/kitclinic/pharmacology src/kitclinic/instruments src/kitclinic/dosing src/kitclinic/outcome_stats src/kitclinic/intake

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .hypothesis
