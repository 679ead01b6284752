# bayes_keta control panel. `make help` lists every target.
# Every target runs inside the project's virtual environment (.venv), built from pyproject.toml
# (and requirements/lock.txt for reproducible versions) by `make install`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
# A Python >= 3.12 (PyMC 6 needs it): $(PYTHON) if given, else what scripts/find-python finds
# (python3.12 / python3.13 on PATH or under pyenv).
PYTHON ?= $(shell scripts/find-python)
LOCK := requirements/lock.txt
STAMP := $(VENV)/.installed

# User-facing knobs: make report DATA=path MODEL=models/x.toml PRIORS=models/priors/y.toml
DATA ?=
MODEL ?=
PRIORS ?=
OUT ?=
FIT ?= reports/latest/daily
DRAWS ?= 1000
TUNE ?= 1000
CHAINS ?= 4
SEED ?= 20200701
JOBS ?= 2

.PHONY: help install test test-fast lint format report fit sweep published export meta notebooks bench sbc clean lock

help: ## List every target with what it does
	@echo "bayes_keta: Bayesian reanalysis workbench for crossover pain trials"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-11s %s\n", $$1, $$2}'
	@echo
	@echo "Knobs: DATA=path MODEL=models/x.toml PRIORS=models/priors/y.toml OUT=dir DRAWS TUNE CHAINS SEED PYTHON=/path/to/python3.12"

$(STAMP): pyproject.toml $(LOCK)
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: no Python >= 3.12 found (PyMC 6 needs it). Install one (e.g. 'pyenv install 3.12') or pass PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@"$(PYTHON)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "error: $(PYTHON) is older than 3.12; PyMC 6 needs Python >= 3.12. Pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	@echo "Building $(VENV) with $(PYTHON)"
	test -x $(BIN)/python || "$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## Build the virtual environment .venv from the project's own files

lock: ## Regenerate requirements/lock.txt from the current .venv (after changing dependencies)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > $(LOCK)

test: $(STAMP) ## Run the test suite (real but small NUTS runs; notebooks with BAYES_KETA_FAST=1)
	BAYES_KETA_FAST=1 MPLBACKEND=Agg $(BIN)/python -m pytest -n $(JOBS) --durations=15 tests

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bayes_keta tests

format: $(STAMP) ## ruff fix and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format bayes_keta tests

clean: ## Remove caches (keeps .venv and reports/)
	rm -rf .pytest_cache .ruff_cache build dist
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
