# Two commands for a fresh machine: `make demo` (run the pipeline on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ROWS ?= 5000
SEED ?= 42
SAMPLE := data/sample_sales.csv
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test test-unit lint venv clean-data deploy-local dashboard dashboard-steward bench bench-steward bench-ledger year

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

venv: $(BIN)/activate

## demo: venv, migrate the SQLite default, generate $(ROWS) records, run the flow, print the summary
demo: venv
	$(BIN)/python -m flows.storage.migrate
	$(BIN)/python -m flows.generate --rows $(ROWS) --seed $(SEED) --out $(SAMPLE)
	$(BIN)/python -m flows.pipeline --source $(SAMPLE)

## deploy-local: Prefect server + process worker + `prefect deploy --all`; Ctrl-C stops both cleanly
deploy-local: venv
	$(BIN)/python -m flows.local_stack up

## bench: the pipeline on 5k/100k/1M rows on PostgreSQL and SQLite vs the seed-style baseline (BENCH_ARGS=--huge for 10M),
## then the ledger's targets (bench-ledger, LEDGER_ARGS)
bench: venv
	$(BIN)/python tests/benchmark.py $(BENCH_ARGS)
	$(BIN)/python tests/bench_ledger.py $(LEDGER_ARGS)

## bench-steward: steward actions one at a time, then ~10,000 corrections in one replay, on SQLite and PostgreSQL
bench-steward: venv
	$(BIN)/python tests/bench_steward.py $(BENCH_ARGS)

## bench-ledger: the pipeline on a 1M-row file against an empty ledger and a 10M-row one seeded by SQL, on PostgreSQL
## (7 to 12 min on 2 cores; quick check: LEDGER_ARGS="--ledger-rows 1000000 --file-rows 100000")
bench-ledger: venv
	$(BIN)/python tests/bench_ledger.py $(LEDGER_ARGS)

## year: a year of nightly sales files (DAYS, about ROWS rows a day) through the incoming flow, a month at a time,
## into data/year/ (must be empty; YEAR_ARGS="--database-url postgresql://..." for PostgreSQL); prints the report
DAYS ?= 365
year: venv
	$(BIN)/python tests/bench_year.py --days $(DAYS) --rows $(ROWS) --out data/year $(YEAR_ARGS)

## dashboard: the Panel dashboard on http://127.0.0.1:5006 (DASHBOARD_DATABASE_URL, else DATABASE_URL); offline
dashboard: venv
	$(BIN)/panel serve panel_app/app.py --address 127.0.0.1 --port 5006 --allow-websocket-origin=127.0.0.1:5006 --static-dirs docs=data/docs

## dashboard-steward: the dashboard with sign-in (STEWARDS_FILE: JSON user -> password; PANEL_COOKIE_SECRET in the
## environment, not on the command line) and steward actions written through STEWARD_DATABASE_URL (environment or .env)
dashboard-steward: venv
	@test -f "$(STEWARDS_FILE)" && test -n "$$PANEL_COOKIE_SECRET" || { echo "STEWARDS_FILE must name the credentials file, and PANEL_COOKIE_SECRET be set" >&2; exit 2; }
	$(BIN)/panel serve panel_app/app.py --address 127.0.0.1 --port 5006 --allow-websocket-origin=127.0.0.1:5006 --static-dirs docs=data/docs --basic-auth $(STEWARDS_FILE)

## lint: ruff (lint + format check), mypy over flows/ and panel_app/, and the import-layer contracts
lint: venv
	$(BIN)/ruff check flows panel_app tests
	$(BIN)/ruff format --check flows panel_app tests
	$(BIN)/mypy
	$(BIN)/lint-imports

## test-unit: the quick tier (no PostgreSQL, no Prefect server, no browser); run it all the time
test-unit: venv
	$(BIN)/python -m pytest tests/unit -q

## test: lint, then the whole test suite on TEST_WORKERS processes, each taking whole modules (PostgreSQL tests
## need a server; CI requires them)
TEST_WORKERS ?= 2
test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

clean-data:
	rm -rf data/pipeline.db data/pipeline.db-* $(SAMPLE) data/sample_sales.answers.json data/work
