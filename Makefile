# The front door. `make run` and `make test` work on a fresh machine with Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CXEX_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CXEX_DATA_DIR)/dagster_home
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1
export PYTHONPATH := $(CURDIR)

.PHONY: setup run test ui lock docs clean download-fevs fetch bench sql help

setup: $(STAMP) ## create .venv from requirements.lock (make does this before any target that needs it)

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"cxex needs Python 3.11, found {sys.version.split()[0]}"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.lock
	@touch $@

run: setup ## validate, compute and publish every source (SOURCE=fevs,workforce,a11,css and PARTITIONS=2022-2023 narrow it)
	$(BIN)/python -m pipelines.run $(if $(SOURCE),--source $(SOURCE)) $(if $(PARTITIONS),--partitions $(PARTITIONS))

test: setup ## run the test suite
	$(BIN)/python -m pytest -q

bench: setup ## national-scale benchmark (BENCH_SCALE=0.05 for a quick one); writes bench_out/results.json
	$(BIN)/python -m bench.run

ui: setup ## Dagster UI on http://127.0.0.1:3000 over the same data directory
	@mkdir -p "$(DAGSTER_HOME)"
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $${CXEX_UI_PORT:-3000}

download-fevs: setup ## fetch OPM's PRDF for YEAR into the landing folder (needs internet; URL=... to override)
	$(BIN)/python -m assets.sources.download fevs --year $(YEAR) $(if $(URL),--url $(URL)) $(if $(SHA256),--sha256 $(SHA256))

fetch: setup ## fetch SOURCE (fevs|workforce) partitions FROM..TO listed in warehouse/reference/remote_sources.csv (needs internet)
	$(BIN)/python -m assets.sources.download fetch --source $(SOURCE) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

docs: setup ## regenerate docs/data_dictionary.md from the schema contracts
	$(BIN)/python -m warehouse.contracts --write docs/data_dictionary.md

lock: ## re-resolve pyproject.toml's requirements into requirements.lock
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > .lock-venv/requirements.in
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -r .lock-venv/requirements.in
	{ head -2 requirements.lock; .lock-venv/bin/python -m pip freeze | sort -f; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

clean: ## remove the environment and the local data directory
	rm -rf $(VENV) data

sql: setup ## analysts' shell: the catalog read-only in Harlequin (a terminal SQL IDE); piped SQL prints its result: echo "select * from dim_agency" | make sql
	@test -f "$(CXEX_DATA_DIR)/warehouse.duckdb" || { echo "cxex: no catalog at $(CXEX_DATA_DIR)/warehouse.duckdb; run make run first" >&2; exit 2; }
	@if [ -t 0 ]; then $(BIN)/harlequin --read-only "$(CXEX_DATA_DIR)/warehouse.duckdb"; \
	else $(BIN)/hsql --read-only "$(CXEX_DATA_DIR)/warehouse.duckdb" --file -; fi

help: ## list the targets and what they do
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-13s %s\n", $$1, $$2 }'
