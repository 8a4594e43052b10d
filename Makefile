# pga developer entry points. Only Python 3.11 (python3) is needed; everything else comes from PyPI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Benchmarks make bench runs, in order (e.g. make bench BENCH=projections runs one of them).
BENCH ?= core projections api export

.PHONY: run test lint openapi bench format clean

# Seed the demo data on first run, bring the read models up to date, then serve the API on
# http://127.0.0.1:8000 (docs on /api/v1/docs) with a development token per role. Ctrl-C stops.
run: $(VENV)/.installed
	$(BIN)/pga demo --if-empty
	$(BIN)/pga project --until-caught-up
	$(BIN)/pga serve

test: $(VENV)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Regenerate docs/openapi.json, fail on a difference, and lint it with the NLGov ADR ruleset.
openapi: $(VENV)/.installed
	tools/openapi-check

bench: $(VENV)/.installed
	for benchmark in $(BENCH); do $(BIN)/python -m benchmarks.$$benchmark || exit 1; done

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf src/*.egg-info *.egg-info

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@
