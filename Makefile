# ringback: `make run` serves the demo, `make test` runs every check. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test lint types imports pytest-sqlite pytest-postgres pytest-quick bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ringback serve --demo --database-url sqlite:///./ringback-demo.db --port 9000

test: lint types imports pytest-sqlite pytest-postgres

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# Both cores through pytest-xdist; worksteal hands a worker that runs dry the other's tests.
# Each worker migrates its own template once and, on PostgreSQL, drops its databases at the end.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist worksteal

# Exit code 5 (no test collected) is a failure here, like any other.
# Every test runs, the slow chaos runs (-m slow) too, at their CI size.
pytest-sqlite: $(STAMP)
	RINGBACK_TEST_DATABASE=sqlite $(PYTEST)

pytest-postgres: $(STAMP)
	RINGBACK_TEST_DATABASE=postgres RINGBACK_TEST_DATABASE_URL=$(PG_URL) \
		$(PYTEST) tests/integration tests/api tests/dispatch tests/chaos tests/dialects tests/events

# Not part of `make test`: the SQLite run without the slow chaos runs, for a quick check.
pytest-quick: $(STAMP)
	RINGBACK_TEST_DATABASE=sqlite $(PYTEST) -m "not slow"

# Not part of `make test`: drains 10,000 callbacks on SQLite and PostgreSQL, prints figures.
bench: $(STAMP)
	$(BIN)/python bench/drain.py --callbacks 10000 --postgres $(PG_URL)

clean:
	rm -rf $(VENV) ringback-demo.db*
