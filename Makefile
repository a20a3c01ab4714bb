# The two commands a newcomer runs (see README):
#   make demo   - set up .venv, screen the bundled demo corpus, print the summary
#   make test   - set up .venv with dev tools, run the linters and the whole test suite
# PYTHON picks the interpreter (3.11 or 3.12); VENV the environment folder.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/sle-abstract demo --out demo-output

lint: $(STAMP)
	$(BIN)/ruff check nlp tests

test: lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache
