# OrderHub task runner. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Create .venv and install OrderHub with its pinned dependencies

.PHONY: demo
demo: $(STAMP) ## Run the demo: sandbox Cart.com store + hub with all flows on (ARGS="--for 60 --port 9017"); Ctrl-C stops it
	$(BIN)/orderhub demo $(ARGS)

# The suite runs split over processes (pytest-xdist): two per core, at most 4. Two, because a
# third of a test's time is spent waiting (on real processes, servers, a store's call window),
# and a second process per core fills those waits: on 2 cores the suite took 11:20 with one
# process per core and 8:12 with two, the same CPU time. Each worker is a session of its own
# (databases, ports and tmp dirs apart; tests/README.md has the rules).
# `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(min(4, 2 * len(os.sched_getaffinity(0))))")
XDIST := -n $(PYTEST_WORKERS) --maxprocesses 4 --dist worksteal
# Bytecode caches on for the test targets (set but empty is off), even where the environment
# turns them off (PYTHONDONTWRITEBYTECODE=1): without them every worker compiles src/ and
# redoes pytest's assertion rewriting of every test module at each run (~10 s CPU a worker).
test test-fast coverage: export PYTHONDONTWRITEBYTECODE :=

.PHONY: test
test: $(STAMP) ## Run the whole test suite (in parallel, one process per core)
	$(BIN)/pytest -q $(XDIST)

.PHONY: test-fast
test-fast: $(STAMP) ## Run the tests not marked slow (in parallel)
	$(BIN)/pytest -q $(XDIST) -m "not slow"

.PHONY: coverage
coverage: $(STAMP) ## Run the whole suite with line coverage of src/orderhub (terminal table + htmlcov/)
	$(BIN)/pytest -q $(XDIST) --cov=orderhub --cov-report=term --cov-report=html

.PHONY: bench
bench: $(STAMP) ## Run the benchmarks (~10 min, 2 cores): prints a table, writes bench/results/latest.json
	$(BIN)/python bench/run.py

.PHONY: bench-api
bench-api: $(STAMP) ## API under load: 5,000 orders, serve with 1 and 2 workers, open loop at 50-300 req/s (~5 min)
	$(BIN)/python bench/api_load.py

.PHONY: bench-scale
bench-scale: $(STAMP) ## Scale-out benchmark: 20 stores, 3 workers on PostgreSQL (~2 min); prints per-run costs
	$(BIN)/python bench/scale_out.py

.PHONY: bench-priority
bench-priority: $(STAMP) ## Priority benchmark: steel store, every flow busy; fulfillment latency with and without call priorities (~5 min)
	$(BIN)/python bench/priority.py

.PHONY: bench-latency
bench-latency: $(STAMP) ## Latency benchmark: new order -> hub API (webhooks, polling), fulfillment -> Cart.com shipment; real processes (~10 min)
	$(BIN)/python bench/latency.py

.PHONY: bench-capacity
bench-capacity: $(STAMP) ## Capacity benchmark: steel stores one worker process holds on PostgreSQL, ramps of 100-750 stores (~13 min)
	$(BIN)/python bench/capacity.py

.PHONY: bench-run-cost
bench-run-cost: $(STAMP) ## What a quiet run of each flow costs the database: statements, transactions, round trips (SQLite and PostgreSQL; ~10 s)
	$(BIN)/python bench/run_cost.py

.PHONY: lint
lint: $(STAMP) ## ruff (lint + format check) and mypy --strict on src/
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

.PHONY: format
format: $(STAMP) ## Apply ruff formatting and safe fixes
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

.PHONY: lock
lock: $(STAMP) ## Refresh constraints.txt from the installed environment
	$(BIN)/pip freeze --exclude-editable | grep -vi '^orderhub' > constraints.txt

.PHONY: clean
clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: help
help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-15s %s\n", $$1, $$2}'
