# Signoff: `make dev` runs the product, `make test` runs the tests. Both install first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install dev test lint format test-postgres bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

dev: install
	$(BIN)/signoff dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/pytest

# The suite against PostgreSQL: a throwaway database, dropped afterwards.
PG_URL ?= postgresql://postgres@127.0.0.1:5432
test-postgres: install
	$(BIN)/python -m tests.throwaway_database $(PG_URL) -- $(BIN)/pytest

# Throughput against the Temporal floor, latencies, open requests at scale, history length.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
