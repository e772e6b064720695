# The two set-up commands of the README are `make demo` and `make test`; each builds .venv
# by itself, once (the stamp is refreshed when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench workbook vba pictures clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pixie-xl demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite on TEST_WORKERS pytest-xdist workers (much of its time is spent waiting on
# servers, PostgreSQL and LibreOffice, so more workers than the two cores pay); each worker
# has its own PostgreSQL cluster, live service and temporary folders. TEST_WORKERS=0: one process.
# worksteal: each worker starts on its own run of consecutive tests (a module's tests stay on
# one worker, and its module fixtures are made once) and a worker that runs out takes half of
# another's queue, so no worker is left alone at the end with a long test.
TEST_WORKERS ?= 4

# Python writes bytecode for the suite even where the environment says not to
# (PYTHONDONTWRITEBYTECODE, set on this project's machines): the suite starts hundreds of
# Python processes (workers, services, commands), and each compiled the sources and rewrote
# the test modules again (about 95 of its 466 CPU-seconds). The bytecode goes where Python
# puts it by default, in __pycache__ folders (ignored by git); a separate PYTHONPYCACHEPREFIX
# would not see the bytecode pip compiled into .venv, and a first run compiled all of pandas,
# SQLAlchemy, Flask … again.
TEST_ENV := PYTHONDONTWRITEBYTECODE=

test: lint
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

bench: $(STAMP)
	$(BIN)/python -m bench

# Rebuild the committed workbook from code (reproducible: building twice gives the same sheets).
workbook: $(STAMP)
	$(BIN)/pixie-xl workbook new workbook/PixieBudget.xlsm --force

# Rebuild the VBA project that ships as package data (after PixieMacros.bas or the PIXIE_*
# signatures in udfs.py change, or when xlwings' pin moves); needs pyOpenVBA (in .[dev]).
vba: $(STAMP)
	$(BIN)/python -m pixie_xl.excel.vbaproject workbook/vba

# The README's pictures of the Variance and Months sheets, as LibreOffice prints them (runs the
# demo; needs soffice and pdftoppm from poppler-utils).
pictures: $(STAMP)
	$(BIN)/python scripts/pictures.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
