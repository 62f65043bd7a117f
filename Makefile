# Build, serve and test the workbench; see README.md, "Quick start".
#   make serve   install into .venv, then serve the main app at http://127.0.0.1:8866 (PORT=...)
#   make test    install everything (incl. Debian's Chromium and PostgreSQL), then ruff and pytest
#   make lint    ruff only;  make clean   remove .venv and caches;  make constraints   re-pin
# Installs are skipped while .venv/.installed-*-<hash of pyproject.toml + constraints.txt> exists.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PORT ?= 8866
# torch goes in first, pinned, on its own: an unpinned resolve can pull a multi-GB CUDA build.
# TORCH_PIP_ARGS can add pip options for it, e.g. --index-url of a CPU-only wheel index.
TORCH := torch==2.13.0
TORCH_PIP_ARGS ?=

VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HASH := $(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)
RUN_STAMP := $(VENV)/.installed-run-$(HASH)
TEST_STAMP := $(VENV)/.installed-test-$(HASH)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help serve test lint chromium postgresql clean constraints

help:
	@sed -n '2,4s/^# //p' Makefile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# $(call install,EXTRAS,STAMPS): pip, then torch, then the project (editable) with EXTRAS.
define install
	$(PIP) install --upgrade -c constraints.txt pip
	$(PIP) install -c constraints.txt $(TORCH_PIP_ARGS) '$(TORCH)'
	$(PIP) install -c constraints.txt -e '.$(1)'
	rm -f $(VENV)/.installed-*
	touch $(2)
endef

$(RUN_STAMP): | $(BIN)/python
	$(call install,,$(RUN_STAMP))

# The test install is a superset of the run install, so it stamps both.
$(TEST_STAMP): | $(BIN)/python
	$(call install,[test],$(RUN_STAMP) $(TEST_STAMP))

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium (needed by the browser tests)"; \
		$(SUDO) apt-get update; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# PostgreSQL's server binaries for the review-store tests; Debian keeps them under
# /usr/lib/postgresql/<version>/bin (the tests look there and on PATH).
postgresql:
	@if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing Debian's postgresql (needed by the review-store tests)"; \
		$(SUDO) apt-get update; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
	fi

serve: $(RUN_STAMP)
	'$(BIN)/workbench' serve --port '$(PORT)'

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

# WORKBENCH_NO_SKIPS=1 turns any skip (but a GPU test's without a GPU) into a failure.
test: $(TEST_STAMP) chromium postgresql
	$(BIN)/ruff check .
	WORKBENCH_NO_SKIPS=1 $(BIN)/python -m pytest

# Rewrite constraints.txt from what .venv holds now (after a deliberate upgrade), keeping its
# header comments; local version labels such as torch's +cpu are dropped.
constraints: | $(BIN)/python
	{ grep '^#' constraints.txt; \
	  $(PIP) freeze --all --exclude-editable | grep -v '^mh-workbench' | sed 's/+[a-z0-9.]*$$//'; \
	} > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts build *.egg-info
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
