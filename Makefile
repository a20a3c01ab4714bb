# The two commands a newcomer runs (see README):
#   make demo   - set up .venv, screen the bundled demo corpus, print the summary
#   make test   - set up .venv with dev tools, run the linters and the whole test suite
# PYTHON picks the interpreter (3.11 or 3.12); VENV the environment folder.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)

.PHONY: demo test lint install clean eval eval-dev screenshots bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# After the demo run, the review UI (issue #5) opens on its results, on 127.0.0.1
# only; in CI or without a terminal it is not started (it would never return).
UI_PORT ?= 8501
$(VENV)/.installed-ui: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[ui]"
	touch $@

demo: $(VENV)/.installed-ui
	$(BIN)/sle-abstract demo --out demo-output
	@if [ -n "$$CI" ] || [ ! -t 0 ] || [ ! -t 1 ]; then \
		echo "Review UI: $(BIN)/sle-abstract review --results demo-output  (not started here: CI or no terminal)"; \
	else \
		echo "Review UI on http://127.0.0.1:$(UI_PORT) - Ctrl-C stops it"; \
		$(BIN)/sle-abstract review --results demo-output --port $(UI_PORT); \
	fi

# Screenshots of the review UI for docs/ and the README, taken by the browser test.
screenshots: $(STAMP)
	SLE_ABSTRACT_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/e2e

# Held-out accuracy (issue #3): run the tool on a gold half, then score it.
# make eval [SET=test|fresh|...|fresh5|dev|dev2|...|dev26]: screen a gold set and score it (any folder under annotations/).
SET ?= test
eval: $(STAMP)
	$(BIN)/sle-abstract run annotations/$(SET)/notes.jsonl --out eval-output/$(SET) --quiet
	$(BIN)/sle-abstract evaluate --gold annotations/$(SET)/gold.jsonl --pred eval-output/$(SET) \
		--report eval-output/$(SET)/report.md --json eval-output/$(SET)/metrics.json

eval-dev:
	$(MAKE) eval SET=dev

# Throughput and memory against a bare tokenizer and medspaCy (issue #4; README "Speed").
bench: $(STAMP)
	$(BIN)/sle-abstract bench --notes 4000 --workers 2

lint: $(STAMP)
	$(BIN)/ruff check nlp tests app.py
	$(BIN)/ruff format --check nlp tests app.py

test: lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) demo-output eval-output .pytest_cache .ruff_cache
