# The two commands of the README, plus the checks CI runs. Needs only Python 3.10+ on PATH.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck docs bench check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[demo]"
	touch $@

$(STAMP_TEST): pyproject.toml examples/kiosk-channel/pyproject.toml examples/feedback-webapp/pyproject.toml examples/survey-backend-example/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]" -e examples/kiosk-channel -e examples/feedback-webapp -e examples/survey-backend-example
	touch $@

$(STAMP_DEV): pyproject.toml examples/kiosk-channel/pyproject.toml examples/feedback-webapp/pyproject.toml examples/survey-backend-example/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]" -e examples/kiosk-channel -e examples/feedback-webapp -e examples/survey-backend-example
	touch $@ $(STAMP_TEST)

## demo: run the whole listening loop on a fresh SQLite file and print a summary
demo: $(STAMP_RUN)
	$(BIN)/clientvoice demo --out demo-output

## test: run the whole test suite
test: $(STAMP_TEST)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP_DEV)
	$(BIN)/mypy --strict src

docs: $(STAMP_DEV)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

bench: $(STAMP_RUN)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

check: lint typecheck test docs

clean:
	rm -rf $(VENV) docs/_build demo-output .pytest_cache .mypy_cache .ruff_cache
