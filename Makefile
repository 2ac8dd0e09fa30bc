# Two commands do everything on a fresh Debian machine:
#   make demo   set up, then check, build, dry-run send and preview the example issue
#   make test   set up, then lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ISSUE  ?= 2026-12

.PHONY: setup demo test lint bench clean lock

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock system-packages.txt scripts/setup package.json package-lock.json
	PYTHON=$(PYTHON) VENV=$(VENV) scripts/setup
	touch $@

DEMO_DB := NEWSLETTER_SUBSCRIBERS__DATABASE=.cache/demo/subscribers.sqlite3

# The example issue from start to end: check, build, a dry-run send to five example
# subscribers (a demo store under .cache/, never the real one); the network's side: the
# register of organisations, who is missing, a dry run of reminders and feedback (written to
# .cache/private/); then the preview page.
demo: setup
	$(BIN)/newsletter check $(ISSUE)
	$(BIN)/newsletter build $(ISSUE)
	rm -f .cache/demo/subscribers.sqlite3*
	$(DEMO_DB) $(BIN)/newsletter subscribers import examples/subscribers.csv --active --note "Beispieldaten der Demo"
	$(DEMO_DB) $(BIN)/newsletter send $(ISSUE) --dry-run
	$(DEMO_DB) $(BIN)/newsletter organisations import examples/organisations.csv
	$(DEMO_DB) $(BIN)/newsletter organisations list
	$(DEMO_DB) $(BIN)/newsletter status $(ISSUE)
	$(DEMO_DB) $(BIN)/newsletter remind $(ISSUE) --dry-run
	$(DEMO_DB) $(BIN)/newsletter feedback $(ISSUE) --dry-run
	@echo "Vorschau / preview: the address below; stop with Ctrl-C"
	$(DEMO_DB) $(BIN)/newsletter preview $(ISSUE)

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
