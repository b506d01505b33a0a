"""The `trade` command. Each subcommand is a thin wrapper over a library function.

Errors a user can cause (a bad file, a malformed program) are printed as one
line `trade: error: ...` with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from trade.compiling import CompileConfig, CompileError


class UserError(Exception):
    """A problem with the user's input, reported as one line."""


def _compile_config(args: argparse.Namespace) -> CompileConfig:
    vocab = tuple(int(v) for v in args.vocab.split(","))
    return CompileConfig(vocab=vocab, max_seq_len=args.max_seq_len, compiler_bos=args.bos,
                         mlp_exactness=args.mlp_exactness)


def _add_compile_options(parser: argparse.ArgumentParser) -> None:
    defaults = CompileConfig()
    parser.add_argument("--vocab", default=",".join(map(str, defaults.vocab)),
                        help="comma-separated input vocabulary (default: %(default)s)")
    parser.add_argument("--max-seq-len", type=int, default=defaults.max_seq_len,
                        help="maximum input length (default: %(default)s)")
    parser.add_argument("--bos", default=defaults.compiler_bos, help="BOS token (default: %(default)s)")
    parser.add_argument("--mlp-exactness", type=int, default=defaults.mlp_exactness,
                        help="Tracr's MLP approximation parameter (default: %(default)s)")


def read_program_file(path: str):
    """Parses a `.rasp` file; bad files become UserError."""
    from trade.program.text import ParseError, parse_program

    try:
        source = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read ({error})") from None
    try:
        return parse_program(source)
    except ParseError as error:
        raise UserError(f"{path}: {error}") from None


def cmd_compile(args: argparse.Namespace) -> None:
    from trade.compiling import compile_program
    from trade.weights import save_weights, weights_of

    program = read_program_file(args.program)
    try:
        model = compile_program(program, _compile_config(args), timeout=args.timeout)
    except CompileError as error:
        raise UserError(f"{args.program}: Tracr cannot compile this program ({error})") from None
    save_weights(weights_of(model), args.output)
    print(f"wrote {args.output}: {model.num_layers} layers, d_model {len(model.residual_labels)}, "
          f"{len(model.params)} arrays")


def cmd_generate(args: argparse.Namespace) -> None:
    from trade.dataset.build import DatasetConfig, build_dataset
    from trade.sampling import SamplerConfig

    sampler = SamplerConfig(compile=_compile_config(args), compile_timeout=args.compile_timeout)
    config = DatasetConfig(n=args.n, seed=args.seed, shard_size=args.shard_size, sampler=sampler)
    try:
        manifest = build_dataset(args.out, config, workers=args.workers, ray_address=args.ray)
    except ValueError as error:
        raise UserError(str(error)) from None
    print(f"{manifest['rows']:,} programs in {args.out} "
          f"({'complete' if manifest['complete'] else 'incomplete'})")


def cmd_dataset_stats(args: argparse.Namespace) -> None:
    from trade.dataset.stats import dataset_stats, format_stats, plot_stats

    try:
        stats = dataset_stats(args.data, functional_sample=args.functional_sample,
                              token_sample=args.token_sample)
    except (FileNotFoundError, ValueError) as error:
        raise UserError(str(error)) from None
    print(format_stats(stats))
    plot = Path(args.plot or Path(args.data) / "stats.png")
    plot_stats(stats, plot)
    (plot.with_suffix(".json")).write_text(json.dumps(stats, indent=1, default=str))
    print(f"plot: {plot}; numbers: {plot.with_suffix('.json')}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trade", description="TraDe: decompile Tracr-compiled transformers into RASP programs.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    formatter = argparse.RawDescriptionHelpFormatter

    compile_parser = commands.add_parser(
        "compile", help="compile a .rasp program into a weights file", formatter_class=formatter,
        description="Compile a RASP program (project syntax) with Tracr and write its weights as .npz.\n\n"
                    "example:\n  trade compile examples/reverse.rasp -o reverse.npz")
    compile_parser.add_argument("program", help="a .rasp source file")
    compile_parser.add_argument("-o", "--output", required=True, help="the .npz weights file to write")
    compile_parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default: %(default)s)")
    _add_compile_options(compile_parser)
    compile_parser.set_defaults(run=cmd_compile)

    generate = commands.add_parser(
        "generate", help="generate a dataset of (program, weights) pairs", formatter_class=formatter,
        description="Sample programs with Algorithm 1, compile them, and write Parquet shards.\n"
                    "Rerunning the same command resumes an interrupted build.\n\n"
                    "example:\n  trade generate --n 100000 --out data/train --workers 2 --seed 0")
    generate.add_argument("--n", type=int, required=True, help="number of programs")
    generate.add_argument("--out", required=True, help="output directory")
    generate.add_argument("--workers", type=int, default=1, help="local processes (default: %(default)s)")
    generate.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    generate.add_argument("--shard-size", type=int, default=500, help="programs per shard (default: %(default)s)")
    generate.add_argument("--compile-timeout", type=float, default=5.0,
                          help="reject programs compiling longer than this, seconds (default: %(default)s)")
    generate.add_argument("--ray", metavar="ADDRESS", default=None,
                          help="run shards on a Ray cluster ('local' starts one here)")
    _add_compile_options(generate)
    generate.set_defaults(run=cmd_generate)

    stats = commands.add_parser(
        "dataset-stats", help="print statistics of a dataset and plot them", formatter_class=formatter,
        description="Sizes, duplicates, functional classes, ambiguity, bytes per sample, rejections.\n\n"
                    "example:\n  trade dataset-stats data/train")
    stats.add_argument("data", help="dataset directory")
    stats.add_argument("--functional-sample", type=int, default=10_000,
                       help="programs sampled for functional classes (default: %(default)s)")
    stats.add_argument("--token-sample", type=int, default=2_000,
                       help="programs sampled for weight-token counts (default: %(default)s)")
    stats.add_argument("--plot", default=None, help="PNG path (default: DATA/stats.png)")
    stats.set_defaults(run=cmd_dataset_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except UserError as error:
        print(f"trade: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("trade: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
