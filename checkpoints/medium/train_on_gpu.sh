#!/usr/bin/env bash
# How checkpoints/medium was made: `trade train --preset medium` on one GPU within a fixed
# wall-clock budget, then `trade export --half`.
#
# The number of steps is chosen from measured throughput: a 60-step probe with the same
# settings gives samples/s, and the run gets the steps that fit the budget (capped at
# MAX_STEPS), so the cosine schedule ends inside the budget. The run itself is an ordinary
# `trade train`, deterministic given its config.json, which is committed beside the
# checkpoint. Everything that comes back lands in $OUT (at most 8 files):
#   medium/{model.safetensors,checkpoint.json,config.json,metrics.jsonl,curves.png},
#   train_log.txt, throughput.txt, and with GENERATE_SECONDS generated_manifest.json
#
# usage (repository root; DATA must hold a `trade generate` dataset):
#   DATA=data/gen100k OUT=out BUDGET=540 checkpoints/medium/train_on_gpu.sh
# Datasets packed by `trade pack` (PACKS, space-separated directories) are unpacked first
# into /tmp/data/NAME; then DATA and MORE_DATA may name them there.
#
# GENERATE_SECONDS > 0 generates new training programs on the machine's CPU cores (generator
# seed GENERATE_SEED, training split only) during the probe, for that many seconds; the shards
# finished by then join the training data. Tracr and Haiku are not in the GPU image: carry
# their wheels in .whl (tracr-pypi 1.0.0, dm-haiku 0.0.17, jmp 0.0.4). RESIDENT=1 trains with
# --data-on-device: WORKERS processes tokenize the rows once and batches are built on the GPU,
# which leaves the CPU cores to the generator.
set -u
PACKS=${PACKS:-}
DATA=${DATA:-data/gen100k}
MORE_DATA=${MORE_DATA:-}       # comma-separated datasets whose training rows join DATA's
OUT=${OUT:-out}
BUDGET=${BUDGET:-540}          # seconds, for everything this script does
MAX_STEPS=${MAX_STEPS:-10000}  # about 27 epochs of a 100k-program dataset at batch 256
WORKERS=${WORKERS:-12}
PRESET=${PRESET:-medium} BATCH=${BATCH:-256}  # smaller only for a smoke test on a CPU
FILL=${FILL:-0.9}              # fraction of the measured rate the step count assumes
STEPS=${STEPS:-}               # a step count skips the probe
EXTRA=${EXTRA:-}               # more `trade train` options, e.g. a second stage's --init-from, --lr, --seed
GENERATE_SECONDS=${GENERATE_SECONDS:-0} GENERATE_SEED=${GENERATE_SEED:-3}
GENERATE_WORKERS=${GENERATE_WORKERS:-14}
RESIDENT=${RESIDENT:-0}
THROUGHPUT=${THROUGHPUT:-1}    # 0: no throughput table, and 60 s more for training
RESERVE=$(( THROUGHPUT ? 110 : 50 ))  # seconds kept back for start-up, evaluations, export (and the table)
RUN=${RUN:-/tmp/trade-medium}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
start=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - start) )); }
mkdir -p "$OUT/medium"
exec > >(tee "$OUT/train_log.txt") 2>&1

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
for pack in $PACKS; do
  echo "== unpack $pack"
  python3 -m trade.cli unpack "$pack" "/tmp/data/$(basename "$pack")" --workers "${UNPACK_WORKERS:-16}" \
      2>/tmp/unpack.err || { cat /tmp/unpack.err; exit 1; }
done
if [ "$GENERATE_SECONDS" -gt 0 ]; then
  if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        .whl/*.whl && export PYTHONPATH=$PYTHONPATH:/tmp/site
  fi
  GENERATED=/tmp/data/gen-seed$GENERATE_SEED
  echo "== generate for $GENERATE_SECONDS s in the background: $GENERATED"
  # its own process group, so that the deadline stops the workers too; JAX kept off the GPU
  JAX_PLATFORMS=cpu OMP_NUM_THREADS=1 setsid python3 -m trade.cli generate --n 1000000 --seed "$GENERATE_SEED" --only-split train \
      --workers "$GENERATE_WORKERS" --out "$GENERATED" > /tmp/generate.log 2>&1 &
  GENERATOR=$!
  GENERATE_END=$(( $(date +%s) + GENERATE_SECONDS ))
fi
# One CPU thread: the GPU computes, and torch's CPU threads stall behind busy generator cores
# (a smoke test on 2 cores ran 150 times slower with its default 2 threads).
[ "$RESIDENT" = 1 ] && EXTRA="--data-on-device --threads 1 $EXTRA"
[ "${LOADER_BENCHMARK:-0}" = 1 ] && python3 benchmarks/loader_throughput.py --data "$DATA" --workers "$WORKERS" \
    --batches 40 $([ "$RESIDENT" = 1 ] && echo --device cuda) > "$OUT/loader.txt" 2>&1 && cat "$OUT/loader.txt"
set_common() {  # the `trade train` options; again once generated data joins MORE_DATA
  COMMON=(--data "$DATA" --preset "$PRESET" --batch-size "$BATCH" --lr 1e-3 --warmup-steps 300
          --min-lr-ratio 0.05 --grammar-mask --num-workers "$WORKERS" --val-examples 1024
          --seed 0 --no-progress --log-every 20 ${MORE_DATA:+--more-data $MORE_DATA} $EXTRA)
}
set_common

rm -rf "$RUN-probe" "$RUN"
if [ -z "$STEPS" ]; then
  echo "== probe: 60 steps"
  python3 -m trade.cli train "${COMMON[@]}" --steps 60 --eval-every 1000 --out "$RUN-probe" > /dev/null || exit 1
  rate=$(python3 -c "
import json, statistics
records = [json.loads(l) for l in open('$RUN-probe/metrics.jsonl') if '\"loss\"' in l]
print(statistics.median(r['samples_per_s'] for r in records[1:]))")
  # less the generator's remaining time, and half a minute to tokenize the rows for the GPU
  generating=$(( ${GENERATE_END:-0} > $(date +%s) ? ${GENERATE_END:-0} - $(date +%s) : 0 ))
  train_seconds=$(( $(left) - RESERVE - generating - (RESIDENT == 1 ? 30 : 0) ))
  STEPS=$(python3 -c "print(max(500, min($MAX_STEPS, int($rate * $train_seconds / $BATCH * $FILL))))")
  echo "probe: $rate samples/s; $train_seconds s for training -> $STEPS steps"
fi

if [ -n "${GENERATOR:-}" ]; then
  sleep $(( GENERATE_END > $(date +%s) ? GENERATE_END - $(date +%s) : 0 ))
  kill -TERM -- "-$GENERATOR" 2>/dev/null; wait "$GENERATOR" 2>/dev/null
  tr '\r' '\n' < /tmp/generate.log | grep -v WARNING | tail -n 2
  rows=$(python3 -c "import json; print(json.load(open('$GENERATED/manifest.json'))['rows'])" 2>/dev/null || echo 0)
  echo "generated: $rows training programs in $GENERATE_SECONDS s"
  if [ "$rows" -gt 0 ]; then  # the shards finished in time (the manifest lists only those)
    MORE_DATA=${MORE_DATA:+$MORE_DATA,}$GENERATED
    cp "$GENERATED/manifest.json" "$OUT/generated_manifest.json"
    set_common
  fi
fi

echo "== train"
timeout $(( $(left) - RESERVE + 40 )) python3 -m trade.cli train "${COMMON[@]}" --steps "$STEPS" --eval-every 500 \
    --out "$RUN" | tail -n 20
tail -n 3 "$RUN/metrics.jsonl"

echo "== export best"
python3 -m trade.cli export "$RUN/best" "$OUT/medium" --half
cp "$RUN/config.json" "$RUN/metrics.jsonl" "$OUT/medium/"
cp "$RUN/curves.png" "$OUT/medium/" 2>/dev/null || true

[ "$THROUGHPUT" = 1 ] || { echo "done in $(( $(date +%s) - start )) s"; exit 0; }
echo "== throughput"
timeout $(( $(left) - 5 )) python3 benchmarks/train_throughput.py --data "$DATA" --batch-size 256 --steps 20 \
    --presets small,medium,paper > "$OUT/throughput.txt" 2>&1
cat "$OUT/throughput.txt"
echo "done in $(( $(date +%s) - start )) s"
