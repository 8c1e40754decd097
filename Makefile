# The front door. `make run` and `make test` work on a fresh machine with Python 3.11-3.13 and make.
SHELL := /bin/bash
# Python: PYTHON=..., else the newest of python3.13/3.12/3.11 that runs (a pyenv shim of a version that is
# not active does not); looked up only when a venv is (re)made. Other versions are refused.
PYTHON ?=
SUPPORTED_PYTHON := (3, 11) <= sys.version_info[:2] <= (3, 13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_RUNTIME := $(VENV)/.installed-runtime
export CXEX_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CXEX_DATA_DIR)/dagster_home
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1
# Dagster's own settings for its event log (pipelines/instance.py says why), for make run and make ui alike
export DAGSTER_EVENT_BATCH_SIZE ?= 1000
export DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS ?= 1
export PYTHONPATH := $(CURDIR)
TEST_WORKERS ?= 2

.PHONY: setup setup-prod run test ui lock check-lock docs clean download-fevs fetch bench report report-screenshots sql help

setup: $(STAMP) ## the development environment: runtime + dev tools (requirements-dev.lock; tests need it)

setup-prod: $(STAMP_RUNTIME) ## the runtime only (requirements.lock: no pytest, moto, playwright), e.g. VENV=/opt/cxex

# A venv on the chosen Python; one made by another Python version is replaced.
define make_venv
	@py="$(PYTHON)"; \
	if [ -z "$$py" ]; then for p in python3.13 python3.12 python3.11; do \
	  if $$p -c 'import sys; sys.exit(not ($(SUPPORTED_PYTHON)))' >/dev/null 2>&1; then py=$$p; break; fi; done; fi; \
	[ -n "$$py" ] || { echo "cxex needs Python 3.11, 3.12 or 3.13 and found none of python3.13, python3.12, python3.11 (set PYTHON=/path/to/python)" >&2; exit 1; }; \
	$$py -c 'import sys; sys.exit(0 if $(SUPPORTED_PYTHON) else f"cxex needs Python 3.11, 3.12 or 3.13; {sys.executable} is {sys.version.split()[0]} (set PYTHON=/path/to/python3.1x)")' || exit 1; \
	want=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	have=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	if [ -n "$$have" ] && [ "$$have" != "$$want" ]; then echo "$(VENV) is Python $$have; recreating it on $$want"; rm -rf $(VENV); fi; \
	if [ ! -x $(BIN)/python ]; then echo "$$py -m venv $(VENV)  # Python $$want"; $$py -m venv $(VENV) || exit 1; fi
endef

$(STAMP): requirements-dev.lock
	$(make_venv)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements-dev.lock
	@touch $@ $(STAMP_RUNTIME)

$(STAMP_RUNTIME): requirements.lock
	$(make_venv)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.lock
	@touch $@

run: $(STAMP_RUNTIME) ## validate, compute and publish every source (SOURCE=fevs,workforce,a11,css and PARTITIONS=2022-2023 narrow it)
	$(BIN)/python -m pipelines.run $(if $(SOURCE),--source $(SOURCE)) $(if $(PARTITIONS),--partitions $(PARTITIONS))

test: setup ## run the test suite (on TEST_WORKERS=2 parallel workers, a test file per worker at a time)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: setup ## national-scale benchmark (BENCH_SCALE=0.05 for a quick one); writes bench_out/results.json
	$(BIN)/python -m bench.run

ui: $(STAMP_RUNTIME) ## Dagster UI on http://127.0.0.1:3000 over the same data directory
	@$(BIN)/python -c 'import os, pathlib; from pipelines.instance import ensure_instance_config; ensure_instance_config(pathlib.Path(os.environ["DAGSTER_HOME"]))'
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $${CXEX_UI_PORT:-3000}

download-fevs: $(STAMP_RUNTIME) ## fetch OPM's PRDF for YEAR into the landing folder (needs internet; URL=... to override)
	$(BIN)/python -m assets.sources.fetch fevs --year $(YEAR) $(if $(URL),--url $(URL)) $(if $(SHA256),--sha256 $(SHA256))

fetch: $(STAMP_RUNTIME) ## fetch SOURCE (a kind of remote_sources.csv: fevs, workforce, a11_v1, a11_v2, gsa_css) partitions FROM..TO listed in warehouse/reference/remote_sources.csv (needs internet)
	$(BIN)/python -m assets.sources.fetch fetch --source $(SOURCE) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

docs: $(STAMP_RUNTIME) ## regenerate docs/data_dictionary.md from the schema contracts
	$(BIN)/python -m warehouse.dictionary --write docs/data_dictionary.md

# Both locks hold every platform (markers) for Python 3.11-3.13; existing pins are kept unless UPGRADE=1.
# The dev lock is resolved first and constrains the runtime lock, so the two never disagree.
LOCK_FLAGS = --universal --python-version 3.11 --no-annotate --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)

lock: setup ## re-resolve pyproject.toml into requirements-dev.lock and requirements.lock (needs the package index)
	$(BIN)/uv pip compile pyproject.toml --group dev $(LOCK_FLAGS) -o requirements-dev.lock
	$(BIN)/uv pip compile pyproject.toml -c requirements-dev.lock $(LOCK_FLAGS) -o requirements.lock

check-lock: setup ## resolve the locks against the package index for Python 3.11-3.13 on Linux, macOS and Windows
	CXEX_LOCK_ONLINE=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_lock.py

report: $(STAMP_RUNTIME) ## rebuild the report site from what is published (make run first) and print its path
	$(BIN)/python -m pipelines.report

# the screenshots' one extra: playwright (driving Debian's chromium), at the dev lock's pin, not the test tools
STAMP_SCREENSHOTS := $(VENV)/.installed-screenshots
$(STAMP_SCREENSHOTS): $(STAMP_RUNTIME) requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-input -c requirements-dev.lock playwright
	@touch $@

report-screenshots: $(STAMP_SCREENSHOTS) ## rebuild the report site and write PNG screenshots (1280 and 375 px) to $(CXEX_DATA_DIR)/report_screenshots
	$(BIN)/python -m pipelines.report --screenshots "$(CXEX_DATA_DIR)/report_screenshots" $(if $(AGENCY),--agency $(AGENCY))

clean: ## remove the environment and the local data directory
	rm -rf $(VENV) data

sql: $(STAMP_RUNTIME) ## the catalog read-only: Q="select ..." (or SQL on stdin) prints every row; FORMAT=csv|parquet, OUT=file; no query: Harlequin
	@test -f "$(CXEX_DATA_DIR)/warehouse.duckdb" || { echo "cxex: no catalog at $(CXEX_DATA_DIR)/warehouse.duckdb; run make run first" >&2; exit 2; }
	@if [ -z "$$Q" ] && [ -t 0 ]; then "$(BIN)/harlequin" --read-only "$(CXEX_DATA_DIR)/warehouse.duckdb"; \
	else $(BIN)/python -m warehouse.sql_shell $${Q:+--query "$$Q"} --format "$(or $(FORMAT),table)" $(if $(OUT),--out "$(OUT)"); fi

help: ## list the targets and what they do
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-13s %s\n", $$1, $$2 }'
