# TraDe: `make demo` sets everything up and runs the main job; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup test fuzz demo benchmarks clean

$(BIN)/trade: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev,ray,lens]"
	touch $(BIN)/trade

setup: $(BIN)/trade

test: setup
	# two processes (pytest-xdist): a 2-core CI machine runs it in half the time; one BLAS/OpenMP
	# thread each, or the workers' threads spin against each other on two cores (3x slower)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/pytest -q -n 2 --dist worksteal

# Every bad input of the fuzz corpus (CI runs a sample), 20 kills of each writer, more random corruptions.
fuzz: setup
	$(BIN)/python tests/fuzz_corpus.py
	TRADE_KILLS=20 TRADE_CORRUPTIONS=500 $(BIN)/pytest -q -s --hypothesis-show-statistics \
		tests/test_kills.py tests/test_fuzz.py -k "kill or corrupt"

DEMO_PROGRAMS ?= length reverse hist frac_prevs sort_unique shift_by_one is_unique same_as_prev

# Compile bundled example programs to weights files, then decompile each weights file with
# the shipped checkpoint (checkpoints/medium): the program, its layers, and the verdict.
demo: setup
	@mkdir -p demo-models
	@for name in $(DEMO_PROGRAMS); do \
	  echo "=== examples/$$name.rasp -> demo-models/$$name.npz -> trade decompile"; \
	  $(BIN)/trade compile examples/$$name.rasp -o demo-models/$$name.npz > /dev/null || exit 1; \
	  $(BIN)/trade decompile demo-models/$$name.npz || exit 1; \
	  echo; \
	done

benchmarks: setup
	$(BIN)/python benchmarks/generation_throughput.py
	$(BIN)/python benchmarks/train_throughput.py
	$(BIN)/python benchmarks/evaluation_speed.py
	$(BIN)/python benchmarks/decompile_latency.py
	$(BIN)/python benchmarks/grammar_mask_ablation.py
	if [ -f data/gen100k/manifest.json ]; then $(BIN)/python benchmarks/loader_throughput.py \
	    --data data/gen100k --workers 2; else echo "loader_throughput: skipped, needs data/gen100k"; fi
	if [ -f data/gen100k/manifest.json ]; then OMP_NUM_THREADS=1 $(BIN)/python benchmarks/search_speed.py \
	    --data data/gen100k; else echo "search_speed: skipped, needs data/gen100k"; fi

clean:
	rm -rf $(VENV) demo-models
