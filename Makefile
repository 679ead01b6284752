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

# User-facing knobs: make report DATA=path DESIGN=design.toml MODEL=models/x.toml PRIORS=models/priors/y.toml
DATA ?=
# Design file (treatments, reference, [outcome] table) of a trial with other labels or outcome.
DESIGN ?=
MODEL ?=
PRIORS ?=
OUT ?=
# Fit to export: the latest report's daily fit when there is one, else a standalone fit.
FIT ?= $(if $(wildcard reports/latest/fits/daily/posterior.nc),reports/latest/fits/daily,reports/fits/daily)
DRAWS ?= 1000
TUNE ?= 1000
CHAINS ?= 4
# Empty: the commands' default, bayes_keta.constants.DEFAULT_SEED (the one place it is set).
SEED ?=
JOBS ?= 2
# Prior grid swept (main spec) inside `make report`; SWEEP= (empty) skips the sweep.
SWEEP ?= default

.PHONY: help install test test-fast doctest lint format report fit sweep published export meta notebooks bench sbc clean lock

help: ## List every target with what it does
	@echo "bayes_keta: Bayesian reanalysis workbench for crossover pain trials"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-11s %s\n", $$1, $$2}'
	@echo
	@echo "Knobs: DATA=path DESIGN=design.toml MODEL=models/x.toml PRIORS=models/priors/y.toml OUT=dir FORCE=1 DRAWS TUNE CHAINS SEED PYTHON=/path/to/python3.12"

$(STAMP): pyproject.toml $(LOCK)
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: no Python >= 3.12 found (PyMC 6 needs it). Install one (e.g. 'pyenv install 3.12') or pass PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@"$(PYTHON)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "error: $(PYTHON) is older than 3.12; PyMC 6 needs Python >= 3.12. Pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	@"$(PYTHON)" scripts/check_lock.py $(LOCK)
	@echo "Building $(VENV) with $(PYTHON)"
	test -x $(BIN)/python || "$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## Build the virtual environment .venv from the project's own files

lock: ## Regenerate requirements/lock.txt from the current .venv (refuses any line that is not name==version)
	$(BIN)/python -m pip list --format=freeze --exclude-editable | $(BIN)/python scripts/check_lock.py --write $(LOCK)

test: $(STAMP) ## The whole suite (real but small NUTS runs; notebooks with BAYES_KETA_FAST=1; about 6 min on 2 cores) and make doctest
	BAYES_KETA_FAST=1 MPLBACKEND=Agg $(BIN)/python -m pytest -n $(JOBS) --durations=15 tests
	@$(MAKE) --no-print-directory doctest

test-fast: $(STAMP) ## Every test that does not sample (no NUTS, nutpie compile, notebooks or subprocess fits; 80-125 s on 2 busy cores) and make doctest
	MPLBACKEND=Agg $(BIN)/python -m pytest -n $(JOBS) -m "not slow" tests
	@$(MAKE) --no-print-directory doctest

doctest: $(STAMP) ## Run every docstring example in bayes_keta/ (~5 s; examples that would sample are marked +SKIP)
	MPLBACKEND=Agg $(BIN)/python -m pytest --doctest-modules bayes_keta

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bayes_keta tests

format: $(STAMP) ## ruff fix and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format bayes_keta tests

report: $(STAMP) ## Fit the models and write a self-contained HTML report (DATA=, DESIGN=, MODEL= fits only that spec, PRIORS=, OUT=)
	MPLBACKEND=Agg $(BIN)/bayes-keta report $(DATA) $(if $(DESIGN),--design $(DESIGN)) $(if $(MODEL),--model $(MODEL)) \
	  $(if $(PRIORS),--priors $(PRIORS)) $(if $(OUT),--out $(OUT)) \
	  --draws $(DRAWS) --tune $(TUNE) --chains $(CHAINS) $(if $(SEED),--seed $(SEED)) \
	  $(if $(SWEEP),--with-sweep $(SWEEP))

fit: $(STAMP) ## Fit one spec (MODEL=, default daily) to DATA= (default: the embedded trial) into reports/fits/<spec> (OUT=, DESIGN=, PRIORS=, FORCE=1)
	MPLBACKEND=Agg $(BIN)/bayes-keta fit $(DATA) $(if $(DESIGN),--design $(DESIGN)) --model $(or $(MODEL),daily) \
	  $(if $(PRIORS),--priors $(PRIORS)) --out $(or $(OUT),reports/fits/$(basename $(notdir $(or $(MODEL),daily)))) \
	  --draws $(DRAWS) --tune $(TUNE) --chains $(CHAINS) $(if $(SEED),--seed $(SEED)) $(if $(FORCE),--force)

published: $(STAMP) ## Reanalyse the published KETAPAIN effect sizes under vague/skeptical/enthusiastic priors into reports/published (OUT=, FORCE=1)
	MPLBACKEND=Agg $(BIN)/bayes-keta published --out $(or $(OUT),reports/published) \
	  $(if $(SEED),--seed $(SEED)) $(if $(FORCE),--force)

meta: $(STAMP) ## Random-effects meta-analysis of the shipped ILLUSTRATIVE (fabricated) example into reports/meta-example (OUT=, FORCE=1)
	MPLBACKEND=Agg $(BIN)/bayes-keta meta --example --out $(or $(OUT),reports/meta-example) \
	  $(if $(SEED),--seed $(SEED)) $(if $(FORCE),--force)

sweep: $(STAMP) ## Prior-sensitivity sweep over models/grids/default.toml: one fit reweighted (PSIS), refits where needed (DATA=, DESIGN=, MODEL=, GRID=, OUT=, SEED=, SCHEDULER=, REFIT_ALL=1)
	MPLBACKEND=Agg $(BIN)/bayes-keta sweep $(DATA) $(if $(DESIGN),--design $(DESIGN)) --model $(or $(MODEL),models/daily.toml) \
	  $(if $(GRID),--grid $(GRID)) $(if $(PRIORS),--priors $(PRIORS)) \
	  --out $(or $(OUT),reports/sweep-$(basename $(notdir $(or $(MODEL),daily)))) --draws $(DRAWS) --tune $(TUNE) --chains $(CHAINS) \
	  $(if $(SEED),--seed $(SEED)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(FORCE),--force) \
	  $(if $(REFIT_ALL),--refit-all)

export: $(STAMP) ## Export a fit (FIT=dir, fitted first if missing; OUT= default exports/<fit>; FORCE=1 ZARR=1): netCDF, tidy draws, meta_summary.csv
	@if [ ! -f "$(FIT)/posterior.nc" ]; then \
	  echo "No fit in $(FIT): fitting $(or $(MODEL),daily) into it first"; \
	  $(BIN)/bayes-keta fit $(DATA) $(if $(DESIGN),--design $(DESIGN)) --model $(or $(MODEL),daily) $(if $(PRIORS),--priors $(PRIORS)) \
	    --out $(FIT) --draws $(DRAWS) --tune $(TUNE) --chains $(CHAINS) $(if $(SEED),--seed $(SEED)) || exit $$?; \
	fi
	$(BIN)/bayes-keta export $(FIT) --out $(or $(OUT),exports/$(notdir $(patsubst %/,%,$(FIT)))) \
	  $(if $(FORCE),--force) $(if $(ZARR),--zarr)

NB_OUT := reports/notebooks
notebooks: $(STAMP) ## Execute every notebook with full draws into reports/notebooks/ (.ipynb + .html; sources untouched; FAST=1: tiny draws)
	@mkdir -p $(NB_OUT)
	@for nb in notebooks/[0-9][0-9]_*.ipynb; do \
	  echo "Executing $$nb"; \
	  env -u MPLBACKEND BAYES_KETA_FAST=$(if $(FAST),1,0) $(BIN)/python -m jupyter nbconvert \
	    --to notebook --execute --ExecutePreprocessor.kernel_name=python3 \
	    --ExecutePreprocessor.timeout=3600 --output-dir $(NB_OUT) "$$nb" || exit $$?; \
	  $(BIN)/python -m jupyter nbconvert --to html --log-level ERROR --output-dir $(NB_OUT) \
	    "$(NB_OUT)/$$(basename $$nb)" || exit $$?; \
	done
	@echo "Executed notebooks and HTML copies: $(NB_OUT)/"

sbc: $(STAMP) ## Simulation-based calibration of every spec (about 5 min on 2 cores): calibration/sbc_results.json, plots, README (MODEL=daily reruns one)
	MPLBACKEND=Agg $(BIN)/python calibration/run_sbc.py $(if $(MODEL),--specs $(basename $(notdir $(MODEL))))

bench: $(STAMP) ## Benchmarks (nutpie vs PyMC NUTS, bambi and brms (R, when installed), sweep cost, scaling, CLI start-up): benchmarks/results.csv and README.md
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[bench]'
	MPLBACKEND=Agg $(BIN)/python benchmarks/run.py

clean: ## Remove caches (keeps .venv and reports/)
	rm -rf .pytest_cache .ruff_cache build dist
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
