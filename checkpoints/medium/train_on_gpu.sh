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
#   train_log.txt, throughput.txt
#
# usage (repository root; DATA must hold a `trade generate` dataset):
#   DATA=data/gen100k OUT=out BUDGET=540 checkpoints/medium/train_on_gpu.sh
set -u
DATA=${DATA:-data/gen100k}
OUT=${OUT:-out}
BUDGET=${BUDGET:-540}          # seconds, for everything this script does
MAX_STEPS=${MAX_STEPS:-10000}  # about 27 epochs of a 100k-program dataset at batch 256
WORKERS=${WORKERS:-12}
PRESET=${PRESET:-medium} BATCH=${BATCH:-256}  # smaller only for a smoke test on a CPU
RUN=${RUN:-/tmp/trade-medium}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
start=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - start) )); }
mkdir -p "$OUT/medium"
exec > >(tee "$OUT/train_log.txt") 2>&1

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
COMMON=(--data "$DATA" --preset "$PRESET" --batch-size "$BATCH" --lr 1e-3 --warmup-steps 300
        --min-lr-ratio 0.05 --grammar-mask --num-workers "$WORKERS" --val-examples 1024
        --seed 0 --no-progress --log-every 20)

echo "== probe: 60 steps"
rm -rf "$RUN-probe" "$RUN"
python3 -m trade.cli train "${COMMON[@]}" --steps 60 --eval-every 1000 --out "$RUN-probe" > /dev/null || exit 1
rate=$(python3 -c "
import json, statistics
records = [json.loads(l) for l in open('$RUN-probe/metrics.jsonl') if '\"loss\"' in l]
print(statistics.median(r['samples_per_s'] for r in records[1:]))")
train_seconds=$(( $(left) - 110 ))  # kept back: start-up and evaluations, export, throughput table
steps=$(python3 -c "print(max(500, min($MAX_STEPS, int($rate * $train_seconds / $BATCH * 0.9))))")
echo "probe: $rate samples/s; $train_seconds s for training -> $steps steps"

echo "== train"
timeout $(( $(left) - 70 )) python3 -m trade.cli train "${COMMON[@]}" --steps "$steps" --eval-every 500 \
    --out "$RUN" | tail -n 20
tail -n 3 "$RUN/metrics.jsonl"

echo "== export best"
python3 -m trade.cli export "$RUN/best" "$OUT/medium" --half
cp "$RUN/config.json" "$RUN/metrics.jsonl" "$OUT/medium/"
cp "$RUN/curves.png" "$OUT/medium/" 2>/dev/null || true

echo "== throughput"
timeout $(( $(left) - 5 )) python3 benchmarks/train_throughput.py --data "$DATA" --batch-size 256 --steps 20 \
    --presets small,medium,paper > "$OUT/throughput.txt" 2>&1
cat "$OUT/throughput.txt"
echo "done in $(( $(date +%s) - start )) s"
