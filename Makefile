# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DESIGN ?= examples/webhook-ingestion/design.yaml
OUT    ?= out

.PHONY: install run test lab check notebooks schema rules-doc diff-doc bench lint clean

# Re-install when the dependency list changes; the project itself is installed editable.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)        ## every step notebook on the bundled example, into out/
	$(BIN)/designkit run $(DESIGN) -o $(OUT)

test: $(STAMP)       ## every test: unit, rules, notebooks (nbval), end to end, browser, PostgreSQL
	$(BIN)/python -m pytest

lab: $(STAMP)        ## JupyterLab on the step notebooks
	$(BIN)/jupyter lab notebooks/

check: $(STAMP)      ## the rules alone, without notebooks
	$(BIN)/designkit check $(DESIGN)

notebooks: $(STAMP)  ## rewrite the step notebooks and refresh the outputs nbval compares
	$(BIN)/python tools/build_notebooks.py

schema: $(STAMP)     ## regenerate the shipped JSON Schema of the design file
	$(BIN)/python -m designkit.core.schema

rules-doc: $(STAMP)  ## regenerate docs/rules.md from the rule registry
	$(BIN)/python -m designkit.rules --markdown -o docs/rules.md

diff-doc: $(STAMP)   ## regenerate docs/diff.md from the diff check registry
	$(BIN)/python -m designkit.diff --markdown -o docs/diff.md

bench: $(STAMP)      ## benchmarks (on demand; figures go in bench/README.md)
	$(BIN)/python bench/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check designkit tests bench tools

clean:
	rm -rf $(OUT) .pytest_cache
