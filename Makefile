# Every target creates and reuses the virtualenv in .venv by itself: on a machine with Python >= 3.11,
# `make demo` and `make test` are all the set-up there is.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINTED := src tests examples benchmarks docs

.PHONY: run demo test lint typecheck pytest bench bench-smoke docs clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "applinks needs Python >= 3.11 (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstalled whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

## run: one reference instance on http://127.0.0.1:8080 (data in ./applinks-data; RUN_ARGS="--port 9000 ...")
run: $(STAMP)
	$(BIN)/applinks serve $(RUN_ARGS)

## demo: two linked-to-be instances, Tracker and Wiki, until Ctrl-C (data in ./demo-data)
demo: $(STAMP)
	$(BIN)/python -m applinks.refapp.demo $(DEMO_ARGS)

## lint: ruff (lint and format check), mypy --strict and the import-linter layer contracts (pyproject.toml)
lint: $(STAMP)
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/mypy examples benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy examples benchmarks docs

## pytest: the test suite on one worker per core (PYTEST_WORKERS=0 runs it in this process;
## PYTEST_ARGS="-k cli -x ..."); exit code 5 (no tests collected) fails too
PYTEST_WORKERS ?= auto
pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## test: lint, then the whole suite
test: lint pytest

## bench: every benchmark (a few minutes), one row each: both rates, the ratio, the target, met or not;
## also written to benchmarks/results.json (BENCH_ARGS="--only oauth1 http" or "--strict")
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

## bench-smoke: every benchmark for a moment (seconds), only to check they still run (the suite runs it too)
bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --quick

## docs: regenerate the module index of docs/architecture.md from the modules' docstrings
docs: $(STAMP)
	$(BIN)/python docs/modules.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
