# Two commands do everything on a fresh Debian machine:
#   make demo   set up, then check (and later build, preview, dry-run send) the example issue
#   make test   set up, then lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ISSUE  ?= 2026-12

.PHONY: setup demo test lint bench clean lock

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock system-packages.txt scripts/setup
	PYTHON=$(PYTHON) VENV=$(VENV) scripts/setup
	touch $@

demo: setup
	$(BIN)/newsletter check $(ISSUE)

test: setup
	scripts/check

lint: setup
	scripts/check --lint-only

bench: setup
	$(BIN)/python bench/check.py

# Refresh the lock file after changing dependencies in pyproject.toml.
lock: setup
	$(BIN)/pip install -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf $(VENV) .cache .mypy_cache .pytest_cache .ruff_cache *.egg-info
