"""Training samples/s of the model presets on this device, with the ratio to `paper`.

Times full training steps (forward, backward, clip, AdamW) on batches of real
dataset rows when `--data` has them, else on synthetic batches of typical size
(17 weight tokens, 42 program tokens). Run:

    python benchmarks/train_throughput.py --data /tmp/ds1 --steps 5 --threads 1
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from trade.model import PRESETS, Decompiler, ModelDimensions, preset
from trade.program.tokens import BOS_ID, EOS_ID
from trade.train import Batch, TrainConfig, collate, make_optimizer, sequence_loss
from trade.weights import META_DIM, tokenize


def real_batch(data: str, batch_size: int) -> Batch:
    from trade.dataset.read import iter_examples

    examples = itertools.islice(iter_examples(data, split="train"), batch_size)
    tokenizer = TrainConfig(data=data, out="").tokenizer()  # what `trade train` uses by default
    return collate([(tokenize(e.weights, tokenizer), e.program_ids) for e in examples])


def synthetic_batch(batch_size: int, n_weights: int = 17, n_program: int = 42) -> Batch:
    vectors = torch.randn(batch_size, n_weights, 2000 + META_DIM)
    program = torch.randint(4, 81, (batch_size, n_program))
    program[:, 0], program[:, -1] = BOS_ID, EOS_ID
    roles = torch.randint(0, 8, (batch_size, n_weights))
    layers = torch.randint(0, 8, (batch_size, n_weights))
    return Batch(vectors, roles, layers, torch.ones(batch_size, n_weights, dtype=torch.bool), program)


def samples_per_second(dims: ModelDimensions, batch: Batch, steps: int,
                       device: torch.device) -> tuple[float, float]:
    """Samples/s (mean over `steps` timed training steps, after one untimed warm-up step) and
    the FLOPs of one step, counted by PyTorch's FlopCounterMode on the warm-up step."""
    torch.manual_seed(0)
    model = Decompiler(dims).to(device).train()
    optimizer = make_optimizer(model, TrainConfig(data="", out=""))
    batch = batch.to(device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")

    def step() -> None:
        with autocast:
            loss = sequence_loss(model(*batch.model_inputs()), batch.program_ids[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    with FlopCounterMode(display=False) as counter:
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * batch.program_ids.shape[0] / (time.perf_counter() - start), counter.get_total_flops()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/tmp/ds1", help="dataset directory (synthetic batches if absent)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--presets", default="small,paper")
    parser.add_argument("--candidates", default="",
                        help="extra candidates d_model/heads/encoder/decoder/d_ff, ';'-separated")
    parser.add_argument("--peak-tflops", type=float, default=989.0,
                        help="the device's dense bf16 peak, for the fraction reached (default: H100/H200 SXM "
                             "datasheet, %(default)s; only printed on a GPU)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    have_data = (Path(args.data) / "manifest.json").exists()
    batch = real_batch(args.data, args.batch_size) if have_data else synthetic_batch(args.batch_size)
    models = {name: PRESETS[name] for name in args.presets.split(",")}
    for candidate in filter(None, args.candidates.split(";")):
        d_model, heads, encoder, decoder, d_ff = map(int, candidate.split("/"))
        models[candidate] = preset("small", d_model=d_model, n_heads=heads, n_encoder_layers=encoder,
                                   n_decoder_layers=decoder, d_ff=d_ff)
    print(f"device {device}, threads {args.threads}, batch {args.batch_size}, "
          f"{'rows of ' + args.data if have_data else 'synthetic batches'}, "
          f"weight tokens {batch.vectors.shape[1]}, program tokens {batch.program_ids.shape[1]}")
    if device.type == "cuda":
        print(f"GPU: {torch.cuda.get_device_name()}, bf16 autocast, peak {args.peak_tflops:.0f} TFLOP/s")
    results = {name: (Decompiler(dims).num_parameters(), *samples_per_second(dims, batch, args.steps, device))
               for name, dims in models.items()}
    baseline = results.get("paper", next(iter(results.values())))[1]
    print("| model | parameters | samples/s | ratio to paper | TFLOP/s | fraction of peak |\n"
          "|---|---|---|---|---|---|")
    for name, (parameters, rate, flops) in results.items():
        achieved = rate / batch.program_ids.shape[0] * flops / 1e12
        fraction = f"{achieved / args.peak_tflops:.1%}" if device.type == "cuda" else "-"
        print(f"| {name} | {parameters / 1e6:.1f}M | {rate:.1f} | {rate / baseline:.2f} | {achieved:.2f} "
              f"| {fraction} |")


if __name__ == "__main__":
    main()
