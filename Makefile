# chromecut: set-up and every job in one place. A fresh machine needs only `make train` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROCESSED ?= data/processed
JOBS ?= 2

.PHONY: venv install prepare report train test lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	# pip 23.2's resolver is buggy: upgrade pip inside the venv before anything else.
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(BIN)/python
install: $(STAMP)

prepare: $(STAMP)
	$(BIN)/chromecut data prepare --out $(PROCESSED) -j $(JOBS)

report: $(STAMP)
	$(BIN)/chromecut data report --out $(PROCESSED) --json

# The main job: prepare the labelled line table from all datasets (training joins it with the training issue).
train: prepare

lint: $(STAMP)
	$(BIN)/ruff check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q -n $(JOBS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
