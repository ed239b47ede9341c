# tinykube: `make up` starts a cluster, `make test` runs the whole suite.
# Both install what they need first; `make install` only installs, and is quick when
# nothing changed (stamp files in .venv).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
ARGS ?=
PYTEST_ARGS ?=

.PHONY: install install-test up down test check lint typecheck imports unit e2e bench clean

install: $(STAMP)

$(STAMP): pyproject.toml setup.py src/tinykube/proxy/_forwarding.c scripts/system-deps.sh
	@bash scripts/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e .
	@touch $@

install-test: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP)
	@bash scripts/system-deps.sh test
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

up: install
	$(BIN)/tinykube up $(ARGS)

down: install
	$(BIN)/tinykube down $(ARGS)

lint: install-test
	$(BIN)/ruff check src tests bench

typecheck: install-test
	$(BIN)/mypy

imports: install-test
	$(BIN)/lint-imports

check: lint typecheck imports

unit: install-test
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

e2e: install-test
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

test: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-test
	@bash scripts/system-deps.sh bench
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
