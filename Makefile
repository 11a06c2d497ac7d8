# briefpers: `make pdf` sets everything up and builds input/ into output/;
# `make test` runs the tests. Both work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JAR    := tools/verapdf/greenfield-apps-1.28.2.jar

.PHONY: pdf setup system tools test lint validate clean

pdf: setup
	$(BIN)/briefpers build input -o output

setup: system $(STAMP) tools

system:
	@bash tools/install-system-packages.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dask]'
	@touch $@

tools: $(JAR)

$(JAR):
	bash tools/fetch-verapdf.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests

test: setup lint
	$(BIN)/python -m pytest

validate: pdf
	$(BIN)/briefpers validate output/*.pdf

clean:
	rm -rf output .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
