# provenance: run `make help` for the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO := demo-out

.DEFAULT_GOAL := help

.PHONY: help install demo test test-all lint reformat bench bench-accuracy fixtures clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(BIN)/provenance: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

install: $(BIN)/provenance ## Create .venv and install provenance with its dev tools

demo: install ## Index the bundled fixture archives, scan the fixture training set, verify the evidence
	rm -rf $(DEMO)
	$(BIN)/provenance index build fixtures/licensed/x_archive --index $(DEMO)/tweets.idx \
		--corpus "Demo X archive" --license LicenseRef-X-Developer-Agreement --owner "Demo Owner"
	$(BIN)/provenance index add fixtures/licensed/api_v2.jsonl fixtures/licensed/api_v1.jsonl \
		--index $(DEMO)/tweets.idx --corpus "Demo API pull" --license LicenseRef-X-Developer-Agreement
	$(BIN)/provenance index add fixtures/licensed/grailbird fixtures/licensed/generic.csv \
		--index $(DEMO)/tweets.idx --corpus "Demo older exports" --license CC-BY-NC-4.0
	$(BIN)/provenance index info $(DEMO)/tweets.idx
	$(BIN)/provenance scan fixtures/training/web.jsonl --index $(DEMO)/tweets.idx --out $(DEMO)/audit
	$(BIN)/provenance verify $(DEMO)/audit
	@echo
	@echo "Done: open $(DEMO)/audit/report.html for the readable report."
	@echo "The command is $(BIN)/provenance; or run 'source $(BIN)/activate' and then just 'provenance'."

test: install ## Run the default (fast) test suite
	$(BIN)/pytest -q

test-all: install ## Run every test, the slow ones too
	$(BIN)/pytest -q -m ''

lint: install ## ruff check and format check
	$(BIN)/ruff check provenance tests bench fixtures
	$(BIN)/ruff format --check provenance tests bench fixtures

reformat: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix provenance tests bench fixtures
	$(BIN)/ruff format provenance tests bench fixtures

bench: install ## Benchmarks: accuracy, shingle-size choice, speed against datasketch (~7 min)
	$(BIN)/python bench/accuracy.py --check
	$(BIN)/python bench/shingle_choice.py
	$(BIN)/python bench/speed.py

bench-accuracy: install ## Precision and recall on the planted test built from ../shared/data/real
	$(BIN)/python bench/accuracy.py --check

fixtures: install ## Regenerate fixtures/ (deterministic)
	$(BIN)/python fixtures/make_fixtures.py

clean: ## Remove the virtual environment and generated outputs
	rm -rf $(VENV) $(DEMO) bench/work .pytest_cache .ruff_cache
