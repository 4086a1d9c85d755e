# Quick start: `make run` (the app) and `make test` (lint, type check and the suite). Each creates
# .venv when missing and installs everything (the workstation, the training extra and the dev tools)
# with constraints.txt; a re-run with pyproject.toml and constraints.txt unchanged skips it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stopframe-installed

.PHONY: run test lint typecheck benchmark screenshot guide system-deps clean-venv

run: $(STAMP)
	scripts/system_deps.sh x11
	$(BIN)/python main.py

# The suite in two worker processes (pytest-xdist; tests are independent): about 9 minutes on 2 cores.
test: lint typecheck system-deps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2

# The system libraries Qt needs (offscreen); installed with apt-get when missing and possible.
system-deps:
	scripts/system_deps.sh

# A screenshot of the window `make run` opens, from a real X server (Xvfb).
screenshot: $(STAMP)
	scripts/system_deps.sh x11
	xvfb-run -a -s "-screen 0 1440x900x24" $(BIN)/python scripts/screenshot.py docs/screenshot.png

# Every picture of docs/GUIDE.md, into docs/guide/: the app driven through its menus and widgets,
# on the demo project, under Xvfb. A panel the app does not have yet is skipped with a note.
guide: $(STAMP)
	scripts/system_deps.sh x11
	xvfb-run -a -s "-screen 0 1440x900x24" $(BIN)/python scripts/guide_screenshots.py docs/guide

lint: $(STAMP)
	$(BIN)/ruff check .

# mypy over every package (workstation, training) and main.py; configured in pyproject.toml.
typecheck: $(STAMP)
	$(BIN)/mypy

benchmark: $(STAMP)
	$(BIN)/python benchmarks/train_throughput.py

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and pinned, so no other package can pull a CUDA build in.
	$(BIN)/pip install --disable-pip-version-check -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -c constraints.txt -e '.[train,dev]'
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
