# The two commands: `make serve` and `make test`. Everything else is set up by them.
# `make soak`, not part of `make test`: the reliability promises at full size (~6 min).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

CHROMIUM := /usr/bin/chromium
# Korean glyphs for Chromium (without a CJK font Hangul renders as empty boxes): a file
# Debian's fonts-noto-cjk ships, so the package is installed once
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

.PHONY: serve test soak lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's metadata changes; editable, so code edits need nothing.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install: $(VENV)/.installed

serve: $(VENV)/.installed
	$(BIN)/testbed serve $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check testbed samples tests
	$(BIN)/ruff format --check testbed samples tests
	$(BIN)/mypy testbed samples
	$(BIN)/lint-imports  # the layers and the loops they forbid: [tool.importlinter] in pyproject.toml

# The browser tests drive Debian's Chromium (Playwright's own download does not work here).
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(CJK_FONT):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk

test: lint $(CHROMIUM) $(CJK_FONT)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# 20,000 fuzz cases, 10+ SIGKILLs under load, 27 simulated hours of traffic through two
# cutovers (docs/reliability.md); fails if a promise breaks. SOAK_ARGS: e.g. --seed N, --write
soak: $(VENV)/.installed-test
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache build dist
