# Token Discovery: make demo | make run | make test (each works on a fresh machine).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo run test test-fast lint format system-deps simulator bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

demo: $(VENV)/.runtime-installed ## the whole app on the built-in simulated market
	AUTO_START_DISCOVERY=$${AUTO_START_DISCOVERY:-true} $(PY) app.py --demo --host $(HOST) --port $(PORT)

run: $(VENV)/.runtime-installed ## the app against the live upstream APIs
	$(PY) app.py --host $(HOST) --port $(PORT)

simulator: $(VENV)/.runtime-installed ## the simulated upstream alone on port 8900
	$(PY) -m token_discovery.simulator --port 8900

system-deps: ## Debian and npm packages and services the tests use
	./scripts/ensure_system_deps.sh

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-cache

test-fast: $(VENV)/.dev-installed ## the unit layer only: pure code on fakes, no server, under 15 s
	$(PY) -m pytest -q tests/unit

format: $(VENV)/.dev-installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: $(VENV)/.dev-installed system-deps lint ## the whole suite
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-installed
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
