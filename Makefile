# briefpers for an office: `make pdf` sets everything up (once) and builds
# input/*.xml into output/*.pdf; `make help` lists every target and variable.
# Works as root or not, with or without Java: only validation needs Java.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Beside the bytecode it stands for, so that `make clean` removes both.
COMPILED := src/briefpers/__pycache__/.compiled
# The veraPDF version is written once, in tools/verapdf.version (read by
# briefpers.check.verapdf and its fetcher too); its SHA-256 in verapdf.sha256.
VERAPDF_VERSION := $(shell cat tools/verapdf.version)
JAR    := tools/verapdf/greenfield-apps-$(VERAPDF_VERSION).jar
JSA    := $(JAR:.jar=.jsa)

# What to build and how. Empty: the office settings file (briefpers.toml),
# else briefpers's defaults. STRICT=1 stops at any lint finding; VALIDATE=1
# always validates, 0 never, auto when Java and veraPDF are here.
INPUT    ?= input
OUTPUT   ?=
THEME    ?=
PROFILE  ?=
JOBS     ?=
STRICT   ?=
VALIDATE ?= auto

yes = $(filter 1 yes true,$(1))
no  = $(filter 0 no false,$(1))
HAVE_JAVA = $(shell command -v java >/dev/null 2>&1 && echo yes)
HAVE_JAR = $(shell test -f $(JAR) && echo yes)
STRICT_FLAG = $(if $(call yes,$(STRICT)),--strict,$(if $(call no,$(STRICT)),--no-strict))
# auto: validate when veraPDF can run; otherwise `make pdf` says so in one line.
VERAPDF_READY = $(and $(HAVE_JAVA),$(HAVE_JAR))
VALIDATE_FLAG = $(if $(call yes,$(VALIDATE)),--validate,$(if $(call no,$(VALIDATE)),,$(if \
	$(VERAPDF_READY),--validate)))
NOT_VALIDATED = $(if $(HAVE_JAVA),it could not be fetched (\`make tools\` tries again),it \
	needs Java: install a Java runtime (as root, \`make tools\` does) and \`make pdf\` \
	validates them)
BUILD_FLAGS = $(if $(OUTPUT),-o $(OUTPUT)) $(if $(THEME),--theme $(THEME)) \
	$(if $(PROFILE),--profile $(PROFILE)) $(if $(JOBS),-j $(JOBS)) $(STRICT_FLAG)

.DEFAULT_GOAL := pdf
.PHONY: help pdf lint lint-code setup system tools web-tools verapdf-if-java test test-fast validate \
	corpus approve readme-images bench bench-quick clean distclean

help: ## This list
	@echo "make [target] [VARIABLE=value ...]"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16
	@echo
	@echo "Variables (empty: briefpers.toml, else the defaults):"
	@echo "  INPUT=$(INPUT)  letter files, folders or @lists to build and lint"
	@echo "  OUTPUT=DIR  THEME=NAME|DIR  PROFILE=pdfa-3a-ua1|pdfa-2a-ua1|pdfa-4f-ua2  JOBS=N"
	@echo "  STRICT=1    any lint finding stops the build"
	@echo "  VALIDATE=auto|1|0  veraPDF after building (auto: when Java is installed)"
	@echo
	@echo "After setting up: . .venv/bin/activate   (then \`briefpers --help\`)"

pdf: setup verapdf-if-java ## Set up, lint and build INPUT into OUTPUT (default output/)
	@$(if $(call yes,$(STRICT)),,$(BIN)/briefpers lint $(INPUT) || true)
	$(strip $(BIN)/briefpers build $(INPUT) $(BUILD_FLAGS) $(VALIDATE_FLAG))
	@$(if $(VALIDATE_FLAG)$(call no,$(VALIDATE)),,echo "note: PDFs not checked with \
	veraPDF, as $(NOT_VALIDATED); VALIDATE=0 silences this" >&2)

lint: setup ## Lint the letters in INPUT (placeholders, dates, importers' remarks)
	$(BIN)/briefpers lint $(STRICT_FLAG) $(INPUT)

lint-code: $(STAMP) ## Lint briefpers's own Python code (ruff)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

setup: system $(STAMP) $(COMPILED) ## The Python environment (.venv) and the system packages it can install

system:
	@bash tools/install-system-packages.sh

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo \
	  "error: briefpers needs Python 3.11 or newer; $(PYTHON) is older: make PYTHON=python3.12" \
	  >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dask,sign]'
	@touch $@

# Our own modules byte-compiled, as pip does for an installed package but not
# for an editable one: where Python may not write bytecode on import
# (PYTHONDONTWRITEBYTECODE, common in containers, or a read-only checkout)
# every command would otherwise compile briefpers again (about 0.1 s a start;
# a no-op build of 1,000 letters 0.53 against 0.35 s, medians of nine).
$(COMPILED): $(STAMP) $(shell find src -name '*.py')
	@$(BIN)/python -m compileall -q src >/dev/null && touch $@

tools: setup ## Java (as root, if missing) and the pinned veraPDF, for validation and tests
	@bash tools/install-system-packages.sh --java
	@$(MAKE) --no-print-directory $(JAR) $(JSA)

# Quietly part of `make pdf`: veraPDF when Java is here (a failure only costs
# validation, which `make pdf` then says it skipped).
verapdf-if-java: $(STAMP)
	@$(if $(call no,$(VALIDATE)),,$(if $(HAVE_JAVA),$(if $(HAVE_JAR),,$(BIN)/briefpers \
	  fetch-verapdf --to tools/verapdf || true)))

$(JAR): | $(STAMP)
	$(BIN)/briefpers fetch-verapdf --no-archive --to tools/verapdf

# A class-data-sharing archive next to the jar halves veraPDF's start-up
# (briefpers uses it when present). Optional: a failure only costs speed.
$(JSA): $(JAR) | $(STAMP)
	-$(if $(HAVE_JAVA),$(BIN)/python -m briefpers.check.verapdf --make-archive)

# axe-core, pinned in tools/web/package.json (and its lock file), for the web
# edition's browser tests; Chromium comes from Debian (make system). Without
# npm the browser tests are skipped, saying why.
AXE := tools/web/node_modules/axe-core/axe.min.js

web-tools: $(AXE)

$(AXE): tools/web/package.json tools/web/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tools/web --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "note: npm is missing: the web edition's browser tests will be skipped" >&2; fi

test: setup tools lint-code web-tools ## All tests (CI runs this; about 6 minutes)
	$(BIN)/python -m pytest

test-fast: setup lint-code ## The tests not marked slow
	$(BIN)/python -m pytest -m 'not slow'

# veraPDF over the examples and the conformance corpus in every profile, one
# veraPDF run (one JVM) per profile: every flavour a file declares must report
# zero failed rules (3a or 2a + ua1; 4f + ua2 + wt1a + wt1r for PDF 2.0).
PROFILES := pdfa-3a-ua1 pdfa-2a-ua1 pdfa-4f-ua2

validate: tools ## veraPDF over the examples and the corpus in every profile (needs Java)
	@set -e; for profile in $(PROFILES); do \
	  $(BIN)/briefpers build input tests/corpus -o output/validate/$$profile --profile $$profile; \
	  $(BIN)/briefpers validate output/validate/$$profile/*.pdf; \
	done

corpus: $(STAMP) ## Regenerate the conformance corpus sources (deterministic)
	$(BIN)/python tests/corpus/make_corpus.py

# Approve the current layout: regenerate the visual-regression references
# (60 dpi, 16 greys) of every example in both built-in themes, and the
# screenshots of the examples' web editions (tests/reference/web), without the
# user's configuration (licensed assets never reach the repository). Review
# the changed images (git status tests/reference) before committing them.
approve: $(STAMP) web-tools ## Accept the current layout as the visual-regression reference
	rm -f tests/reference/rijk/*.png tests/reference/plain/*.png tests/reference/kamerstuk/*.png
	for theme in rijk plain; do \
	  BRIEFPERS_CONFIG= $(BIN)/briefpers preview input/*.xml --theme $$theme \
	    --gray --dpi 60 -o tests/reference/$$theme || exit 1; \
	done
	BRIEFPERS_CONFIG= $(BIN)/briefpers preview input/kamerstuk-*.xml --theme kamerstuk \
	  --gray --dpi 60 -o tests/reference/kamerstuk
	BRIEFPERS_CONFIG= $(BIN)/python -m tests.browser approve

readme-images: $(STAMP) ## The README's pictures: the seed letter's first two pages
	BRIEFPERS_CONFIG= $(BIN)/briefpers preview input/navo-ministeriele-2022.xml \
	  --dpi 72 -o output/readme
	cp output/readme/navo-ministeriele-2022-1.png docs/img/seed-page-1.png
	cp output/readme/navo-ministeriele-2022-2.png docs/img/seed-page-2.png

bench: $(STAMP) ## Performance ratios on a generated corpus (minutes)
	$(BIN)/python bench/bench.py

bench-quick: $(STAMP) ## A short benchmark run
	$(BIN)/python bench/bench.py --letters 100 --compare 20 --throughput 40 --rounds 1

# Never into .venv (its bytecode belongs to the installed packages) or tools/.
clean: ## Remove build products and caches (keeps .venv and veraPDF)
	rm -rf output build dist .pytest_cache .ruff_cache
	find src tests bench -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv and the fetched veraPDF
	rm -rf $(VENV) tools/verapdf
