# briefpers: `make pdf` sets everything up and builds input/ into output/;
# `make test` runs the tests. Both work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The veraPDF version is written once, in tools/verapdf.version (read by the
# fetch script and by briefpers.check.verapdf too).
VERAPDF_VERSION := $(shell cat tools/verapdf.version)
JAR    := tools/verapdf/greenfield-apps-$(VERAPDF_VERSION).jar
JSA    := $(JAR:.jar=.jsa)

.PHONY: pdf setup system tools web-tools test lint validate corpus approve readme-images bench bench-quick clean

pdf: setup
	$(BIN)/briefpers build input -o output

setup: system $(STAMP) tools

system:
	@bash tools/install-system-packages.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dask,sign]'
	@touch $@

tools: $(JAR) $(JSA)

$(JAR):
	bash tools/fetch-verapdf.sh

# A class-data-sharing archive next to the jar halves veraPDF's start-up
# (briefpers uses it when present). Optional: a failure only costs speed.
$(JSA): $(JAR) | $(STAMP)
	-$(BIN)/python -m briefpers.check.verapdf --make-archive

lint: $(STAMP)
	$(BIN)/ruff check src tests

# axe-core, pinned in tools/web/package.json (and its lock file), for the web
# edition's browser tests; Chromium comes from Debian (make system). Without
# npm the browser tests are skipped, saying why.
AXE := tools/web/node_modules/axe-core/axe.min.js

web-tools: $(AXE)

$(AXE): tools/web/package.json tools/web/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tools/web --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "note: npm is missing: the web edition's browser tests will be skipped" >&2; fi

test: setup lint web-tools
	$(BIN)/python -m pytest

# veraPDF over the examples and the conformance corpus in every profile, one
# veraPDF run (one JVM) per profile: every flavour a file declares must report
# zero failed rules (3a or 2a + ua1; 4f + ua2 + wt1a + wt1r for PDF 2.0).
PROFILES := pdfa-3a-ua1 pdfa-2a-ua1 pdfa-4f-ua2

validate: setup
	@set -e; for profile in $(PROFILES); do \
	  $(BIN)/briefpers build input tests/corpus -o output/validate/$$profile --profile $$profile; \
	  $(BIN)/briefpers validate output/validate/$$profile/*.pdf; \
	done

# Regenerate the corpus sources from their generator (deterministic: the
# committed files change only when the script does).
corpus: $(STAMP)
	$(BIN)/python tests/corpus/make_corpus.py

# Approve the current layout: regenerate the visual-regression references
# (60 dpi, 16 greys) of every example in both built-in themes, and the
# screenshots of the examples' web editions (tests/reference/web), without the
# user's configuration (licensed assets never reach the repository). Review
# the changed images (git status tests/reference) before committing them.
approve: $(STAMP) web-tools
	rm -f tests/reference/rijk/*.png tests/reference/plain/*.png tests/reference/kamerstuk/*.png
	for theme in rijk plain; do \
	  BRIEFPERS_CONFIG= $(BIN)/briefpers preview input/*.xml --theme $$theme \
	    --gray --dpi 60 -o tests/reference/$$theme || exit 1; \
	done
	BRIEFPERS_CONFIG= $(BIN)/briefpers preview input/kamerstuk-*.xml --theme kamerstuk \
	  --gray --dpi 60 -o tests/reference/kamerstuk
	BRIEFPERS_CONFIG= $(BIN)/python -m tests.browser approve

# The README's pictures: the seed letter's first and second page at 72 dpi.
readme-images: $(STAMP)
	BRIEFPERS_CONFIG= $(BIN)/briefpers preview input/navo-ministeriele-2022.xml \
	  --dpi 72 -o output/readme
	cp output/readme/navo-ministeriele-2022-1.png docs/img/seed-page-1.png
	cp output/readme/navo-ministeriele-2022-2.png docs/img/seed-page-2.png

# Performance ratios on a generated corpus (a script, not a test).
bench: $(STAMP)
	$(BIN)/python bench/bench.py

bench-quick: $(STAMP)
	$(BIN)/python bench/bench.py --letters 100 --compare 20 --throughput 40 --rounds 1

clean:
	rm -rf output .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
