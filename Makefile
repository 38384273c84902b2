# Signoff: `make dev` runs the product, `make test` runs the tests. Both install first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install browser dev test lint format test-postgres bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

# The browser tests drive Debian's Chromium (Playwright's own download needs the network).
# Without it they are skipped, unless SIGNOFF_REQUIRE_BROWSER=1 (CI) makes them fail.
CHROMIUM := $(or $(SIGNOFF_CHROMIUM),/usr/bin/chromium)
SKIPPED_BROWSER := browser tests will be skipped: Chromium is not installed (as root: apt-get install chromium)
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		export DEBIAN_FRONTEND=noninteractive; \
		get="apt-get install -y -qq --no-install-recommends chromium"; \
		$$get >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && $$get >/dev/null 2>&1; } \
		|| echo "$(SKIPPED_BROWSER)"; \
	else echo "$(SKIPPED_BROWSER)"; fi

dev: install
	$(BIN)/signoff dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite runs in parallel (pytest-xdist): a worker process per core, at most 4, each with
# a Temporal dev server, a database and an SMTP catcher of its own. TEST_WORKERS=0: one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n > 4 ? 4 : n )))
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS)

test: lint browser
	$(PYTEST)

# The suite against PostgreSQL: a throwaway database (and one per worker), dropped afterwards.
PG_URL ?= postgresql://postgres@127.0.0.1:5432
test-postgres: install browser
	$(BIN)/python -m tests.throwaway_database $(PG_URL) -- $(PYTEST)

# Throughput against the Temporal floor, latencies, open requests at scale, history length.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
