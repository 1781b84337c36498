# Classbridge — every target builds the environment it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed-stamp
PACKAGE_FILES := $(wildcard libs/*/pyproject.toml services/*/pyproject.toml tools/*/pyproject.toml)

.PHONY: help venv lock protos check-protos lint fmt test test-unit test-integration coverage run bench migrate clean

help:
	@echo "make run | test | coverage | bench | lint | protos | check-protos | lock | clean"

venv: $(STAMP)

# One virtual environment for the whole repository, built from the pinned lock file.
$(STAMP): requirements.lock $(PACKAGE_FILES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	@touch $@

# Re-resolve every dependency and rewrite the lock file (versions are pinned there only).
lock: $(BIN)/python
	$(BIN)/uv pip compile --quiet --no-header --python-version 3.11 requirements.in -c constraints.in -o requirements.lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

check-protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py --check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Unit tests always; the integration tier runs against PostgreSQL and RabbitMQ when
# DATABASE_URL and AMQP_URL are set (it is skipped, and says so, when they are not).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

# The scheduler's service layer, measured from its unit tests alone (fake unit of work, no
# database): the handlers' behaviour must be pinned down without the service tier's help.
coverage: $(STAMP)
	$(BIN)/python -m coverage run -m pytest -q tests/unit/scheduler -p no:cacheprovider
	$(BIN)/python -m coverage report

run: $(STAMP)
	$(BIN)/python -m devstack

migrate: $(STAMP)
	$(BIN)/python -m devstack --migrate-only

# Benchmarks drive servers with wrk when it can be installed (Debian's package), else with their
# own Python load generator; each prints its figures beside a baseline measured in the same run.
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null 2>&1)); } \
	  || echo "wrk is not available: benchmarks fall back to their Python load generator"
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
