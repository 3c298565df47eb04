# chromecut: set-up and every job in one place. A fresh machine needs only `make train` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROCESSED ?= data/processed
JOBS ?= 2

.PHONY: venv install prepare report train evaluate serve ui test lint typecheck pytest rust clean params repro smoke screenshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	# pip 23.2's resolver is buggy: upgrade pip inside the venv before anything else.
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip install -e . compiles the Rust core (core/, chromecut._core) through maturin: again when core/ changes.
RUST_SOURCES := core/Cargo.toml core/Cargo.lock core/build.rs $(wildcard core/src/*.rs core/src/*/*.rs)

$(STAMP): $(BIN)/python pyproject.toml $(RUST_SOURCES)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(BIN)/python
install: $(STAMP)

$(PROCESSED)/lines.parquet: $(STAMP)
	$(BIN)/chromecut data prepare --out $(PROCESSED) -j $(JOBS)

prepare: $(PROCESSED)/lines.parquet

report: $(STAMP)
	$(BIN)/chromecut data report --out $(PROCESSED) --json --save reports/data.json

# The main job: label every dataset, then train the shipped html, text and Markdown bundles (permissive datasets),
# each run tracked in ./mlflow.db and registered as chromecut-html / chromecut-text / chromecut-markdown.
train: prepare
	$(BIN)/chromecut-train experiment=ship_html
	$(BIN)/chromecut-train experiment=ship_text
	$(BIN)/chromecut-train experiment=ship_markdown

# Leave-one-dataset-out evaluation with the peers on the same pages (slow: ten trainings per mode; the text folds
# trained as the shipped text model take hours: a stopped run is taken up again by the same command with --resume).
evaluate: prepare
	$(BIN)/chromecut evaluate --mode html --out reports/lodo-html.json
	$(BIN)/chromecut evaluate --mode html --out reports/lodo-html-ship.json experiment=ship_html
	$(BIN)/chromecut evaluate --mode text --out reports/lodo-text.json
	$(BIN)/chromecut evaluate --mode text --out reports/lodo-text-ship.json experiment=ship_text
	$(BIN)/chromecut evaluate --mode text --no-peers --out reports/lodo-markdown.json experiment=ship_markdown

# The DVC pipeline (dvc.yaml). params.yaml is conf/ composed as `dvc exp run` composes it; commit it after
# changing conf/. `make smoke` runs the whole pipeline on a few dozen pages per dataset as a DVC experiment;
# more: $(BIN)/dvc exp run -S experiment=smoke -S model.num_leaves=15, then $(BIN)/dvc exp show.
params: $(STAMP)
	env -u MLFLOW_TRACKING_URI $(BIN)/chromecut pipeline compose

repro: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dvc repro

smoke: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dvc exp run -S experiment=smoke

# Serve the champion HTML model on /invocations (MODEL=models:/chromecut-text@champion for text).
MODEL ?= models:/chromecut-html@champion
serve: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH MLFLOW_TRACKING_URI=sqlite:///$(CURDIR)/mlflow.db \
		mlflow models serve -m $(MODEL) --env-manager local -h 127.0.0.1 -p 5001

# docs/mlflow-compare.png: the two latest dvc-*-html runs compared in the MLflow UI (headless Debian chromium):
# the parameters that differ against test_page_f1 and test_page_f1/<dataset>, assistant panel closed.
# Two such runs: make smoke, then PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/dvc exp run -S experiment=smoke -S model.num_leaves=15
screenshot: $(STAMP)
	docs/ui_screenshot.sh sqlite:///$(CURDIR)/mlflow.db docs/mlflow-compare.png

ui: $(STAMP)
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlflow.db --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadgroup

# The Rust core on its own: format, lints (with and without the PyO3 boundary), unit and property tests.
rust:
	cd core && cargo fmt --check
	cd core && cargo clippy --all-targets -- -D warnings
	cd core && cargo clippy --all-targets --features python -- -D warnings
	cd core && cargo test --release

test: rust lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache core/target
