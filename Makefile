# Two commands do all set-up: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# One pytest worker per core (pytest-xdist); PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= auto

.PHONY: run test lint typecheck pytest bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/tracker db upgrade
ifdef DEMO
	$(BIN)/tracker demo load
endif
	@# serve checks the port, then makes the first admin and ends its start-up with a box
	@# showing the address, the admin's email and the password (or how to set one).
	TRACKER_SCHEDULER__EMBEDDED=true $(BIN)/tracker serve --host $(HOST) --port $(PORT) --ensure-admin

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy .

# Runs the suite on SQLite, and on PostgreSQL too when a server answers on 127.0.0.1:5432
# (or TRACKER_TEST_POSTGRES_URL is set). With CI=true the PostgreSQL run is required.
pytest: $(VENV)/.installed-test
	@if [ -z "$$TRACKER_TEST_POSTGRES_URL" ] && $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 1).close()' 2>/dev/null; then \
	  export TRACKER_TEST_POSTGRES_URL='$(PG_URL)'; \
	fi; \
	echo "PostgreSQL tests: $${TRACKER_TEST_POSTGRES_URL:-off (no server on 127.0.0.1:5432)}"; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Lint and type checks run beside the suite (it leaves a core idle part of the time); each
# target's output is printed whole when it ends.
test: $(VENV)/.installed-test
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint typecheck pytest

bench: $(VENV)/.installed-test
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
