# arrowmig — run `make help` for the list of targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Test processes at once (the tests marked serial run alone afterwards). Part of the time a
# test waits on a database or a child process, so a third keeps two cores busy; on more cores,
# `make test TEST_WORKERS=8`.
TEST_WORKERS ?= 3

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install arrowmig with its test tools

demo: $(STAMP) ## build a sample SQLite database, migrate it into DuckDB, verify it, print the summary
	$(PY) -m arrowmig.demo

# Many tests start arrowmig in a child process. Where PYTHONDONTWRITEBYTECODE is
# set (as on our CI machine) each would compile the package again: 0.2 CPU-seconds apiece.
test: $(STAMP) ## run the whole test suite (PostgreSQL tests where a server is reachable)
	$(PY) -m compileall -q arrowmig
	$(PY) -m pytest -q -n $(TEST_WORKERS) -m "not serial"
	$(PY) -m pytest -q -m serial

lint: $(STAMP) ## ruff and mypy --strict
	$(VENV)/bin/ruff check arrowmig tests bench
	$(VENV)/bin/ruff format --check arrowmig tests bench
	$(VENV)/bin/mypy

bench: $(STAMP) ## the default benchmark suite (minutes; writes bench/out/)
	$(PY) -m arrowmig.cli bench --out bench/out

.PHONY: help install demo test lint bench
