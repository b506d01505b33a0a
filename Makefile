# TraDe: `make demo` sets everything up and runs the main job; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup test demo benchmarks clean

$(BIN)/trade: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev,ray]"
	touch $(BIN)/trade

setup: $(BIN)/trade

test: setup
	$(BIN)/pytest -q

demo: setup
	$(BIN)/trade generate --n 200 --out demo-data --workers 2 --seed 0
	$(BIN)/trade dataset-stats demo-data --functional-sample 200 --token-sample 200

benchmarks: setup
	$(BIN)/python benchmarks/generation_throughput.py

clean:
	rm -rf $(VENV) demo-data
