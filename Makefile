# zcp developer commands. Quick start: `make run` and `make test` (see README).
# Works with only python3 (3.11+) and make; uses uv when it is on PATH, else venv + pip.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UV     := $(shell command -v uv 2>/dev/null)

# Test workers (pytest-xdist); 2 matches the CI machine. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
# make eval / e2e: SCENARIO=id[,id…] runs only those; EVAL_JOBS scenarios run at a time.
SCENARIO ?=
EVAL_JOBS ?= 2
EVAL_ARGS = --jobs $(EVAL_JOBS) $(if $(SCENARIO),--scenario $(SCENARIO))

.PHONY: run test lint bench eval e2e snapshots index serve sandbox sync clean help release release-patch

help:
	@echo "make run        start a demo MCP client session against 'zcp serve' (builds the index if needed)"
	@echo "make test       run the whole test suite"
	@echo "make lint       ruff + mypy --strict"
	@echo "make bench      retrieval quality and speed figures (fails on a quality regression)"
	@echo "make eval       a plan-following agent runs every user story against the sandbox (SCENARIO=id for one)"
	@echo "make e2e        the e2e stories against the real Zerops project of ZCP_API_KEY (skipped without it)"
	@echo "make snapshots  re-record snapshots and show the diff for review"
	@echo "make index      (re)build the knowledge index"
	@echo "make sandbox    run the local Zerops API emulator"
	@echo "make sync       pull zeropsio/docs into the corpus"
	@echo "make release    cut a minor release (lint, tests, bump, build, check the wheel, tag)"
	@echo "make release-patch  the same for a patch release"

$(STAMP): pyproject.toml
ifdef UV
	UV_PYTHON_DOWNLOADS=never $(UV) venv --allow-existing --python $(PYTHON) $(VENV)
	UV_PYTHON_DOWNLOADS=never $(UV) pip install --python $(BIN)/python -e '.[dev]'
else
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
endif
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/zcp index build --if-stale
	$(BIN)/python -m zcp.demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check zcp tests eval
	$(BIN)/ruff format --check zcp tests eval
	$(BIN)/mypy

eval: $(STAMP)
	$(BIN)/zcp index build --if-stale
	$(BIN)/python -m eval $(EVAL_ARGS)

e2e: $(STAMP)
	$(BIN)/zcp index build --if-stale
	$(BIN)/python -m eval --live $(EVAL_ARGS)

bench: $(STAMP)
	$(BIN)/python -m tests.bench

snapshots: $(STAMP)
	$(BIN)/python -m pytest -q -n 0 --snapshot-update tests
	@git --no-pager diff --stat -- snapshots/ || true
	@git --no-pager diff -- snapshots/ || true
	@echo "Review every change above as a reader would before committing it."

index: $(STAMP)
	$(BIN)/zcp index build

serve: $(STAMP)
	$(BIN)/zcp serve

sandbox: $(STAMP)
	$(BIN)/zcp sandbox serve

sync: $(STAMP)
	$(BIN)/zcp sync pull

release: $(STAMP)
	$(BIN)/python -m zcp.release minor

release-patch: $(STAMP)
	$(BIN)/python -m zcp.release patch

clean:
	rm -rf $(VENV) index build dist .mypy_cache .ruff_cache .hypothesis .eval
