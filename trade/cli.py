"""The `trade` command. Each subcommand is a thin wrapper over a library function.

Errors a user can cause (a bad file, a malformed program) are printed as one
line `trade: error: ...` with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import errno
import dataclasses
import itertools
import json
import math
import sys
from pathlib import Path

from trade.compiled import CompileConfig


def _megabytes(files) -> float:
    return sum(f.stat().st_size for f in files) / 1e6


def _add_workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=1, help="local processes (default: %(default)s)")


class UserError(Exception):
    """A problem with the user's input, reported as one line."""


def parse_vocab(text: str) -> tuple:
    """`0,1,2` -> (0, 1, 2); `a,b,c` -> ('a', 'b', 'c'); a token that reads as an integer is one."""
    tokens = [token.strip() for token in text.split(",")]
    if not text.strip() or any(not token for token in tokens):
        raise UserError(f"--vocab '{text}': give comma-separated tokens, e.g. --vocab 0,1,2 or --vocab a,b,c")
    vocab = tuple(int(token) if token.lstrip("-").isdigit() else token for token in tokens)
    if len(set(vocab)) != len(vocab):
        raise UserError(f"--vocab '{text}' repeats a token")
    return vocab


def _compile_config(args: argparse.Namespace, header: dict | None = None) -> CompileConfig:
    """The flags' compile settings; a program's own `# compile: {...}` settings take precedence."""
    if args.max_seq_len < 1 or args.mlp_exactness < 1:
        raise UserError("--max-seq-len and --mlp-exactness must be at least 1")
    config = CompileConfig(vocab=parse_vocab(args.vocab), max_seq_len=args.max_seq_len, compiler_bos=args.bos,
                           compiler_pad=args.pad, mlp_exactness=args.mlp_exactness,
                           causal=bool(getattr(args, "causal", False)))
    if not header:
        return config
    try:
        return CompileConfig.from_json({**config.to_json(), **header})
    except (TypeError, ValueError) as error:
        raise UserError(f"bad '# compile:' settings ({error})") from None


def _add_compile_options(parser: argparse.ArgumentParser) -> None:
    defaults = CompileConfig()
    parser.add_argument("--vocab", default=",".join(map(str, defaults.vocab)),
                        help="comma-separated input vocabulary (default: %(default)s)")
    parser.add_argument("--max-seq-len", type=int, default=defaults.max_seq_len,
                        help="maximum input length (default: %(default)s)")
    parser.add_argument("--bos", default=defaults.compiler_bos, help="BOS token (default: %(default)s)")
    parser.add_argument("--pad", default=defaults.compiler_pad,
                        help="PAD token (default: %(default)s; Tracr's own default is compiler_pad)")
    parser.add_argument("--mlp-exactness", type=int, default=defaults.mlp_exactness,
                        help="Tracr's MLP approximation parameter (default: %(default)s)")


def _add_causal_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--causal", action="store_const", const=True, default=None,
                        help="Tracr's causal=True: each position attends only to itself and earlier ones (a "
                             "file that records its attention says so itself)")


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


def compile_program_file(path: str, args: argparse.Namespace, timeout: float = 60.0):
    """Parses and compiles a `.rasp` file in its canonical form; failures become UserError.

    Tracr orders the residual stream by variable label, and TraDe labels each
    variable by its line, so the same program written in another line order would
    compile to a permuted residual stream, which no decompiled (canonical) program
    recompiles to exactly. The canonical form computes the same thing; the
    dataset's models are compiled from it too.
    """
    from trade.compiling import CompileError, compile_program
    from trade.program.program import ProgramError, canonicalize
    from trade.program.text import ParseError, compile_header

    try:
        program = canonicalize(read_program_file(path))
        header = compile_header(Path(path).read_text())
    except (ProgramError, ParseError) as error:
        raise UserError(f"{path}: {error}") from None
    try:
        return compile_program(program, _compile_config(args, header), timeout=timeout)
    except CompileError as error:
        raise UserError(f"{path}: Tracr cannot compile this program ({error})") from None


def cmd_compile(args: argparse.Namespace) -> None:
    from trade.atomic import atomic_path, check_output_path
    from trade.weights import save_weights, weights_of

    check_output_path(args.output)  # before compiling: a bad -o costs no compile
    model = compile_program_file(args.program, args, args.timeout)
    with atomic_path(args.output) as temporary:
        save_weights(weights_of(model), temporary)
    print(f"wrote {args.output}: {model.num_layers} layers, d_model {len(model.residual_labels)}, "
          f"{len(model.params)} arrays")


def _noise_scale(text: str) -> float | str:
    """`--noise`: a number, or 'max'."""
    if text == "max":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is neither a number nor 'max'") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value


def cmd_transform(args: argparse.Namespace) -> None:
    from trade import transform
    from trade.atomic import atomic_path
    from trade.weights import WeightsError, load_weights, save_weights

    chosen = [kind for kind, on in (("rotate", args.rotate), ("mix", args.mix), ("noise", args.noise is not None),
                                    ("compress", args.compress is not None)) if on]
    if len(chosen) != 1:
        raise UserError("choose one of --rotate, --mix, --noise S or --compress K")
    if args.noise is not None and args.noise != "max" and args.noise < 0:
        raise UserError("--noise must be non-negative")
    if args.compress is not None and args.compress <= 0:
        raise UserError("--compress must be positive (a size, or a fraction of d_model below 1)")
    try:
        weights = load_weights(args.model)
        if args.noise == "max":  # the largest S keeping every output, searched (`transform.largest_noise`)
            args.noise = transform.largest_noise(weights, args.seed)
            print(f"largest noise keeping every output: S = {args.noise:.3g}")
        out = transform.transformed(weights, chosen[0], args.seed, args.noise if args.noise is not None
                                    else args.compress)
    except (WeightsError, ValueError) as error:
        raise UserError(str(error)) from None
    agreement = transform.output_agreement(weights, out)  # before writing: a failure here writes nothing
    if str(args.output).endswith(".safetensors"):  # a TransformerLens state_dict, its config beside it
        from trade.model_inputs import lens_state_of, write_safetensors

        state, config = lens_state_of(out)
        config_path = Path(args.output).with_suffix(".json")
        with atomic_path(args.output) as temporary, atomic_path(config_path) as json_path:
            write_safetensors(state, temporary)
            json_path.write_text(json.dumps(config))
    else:
        with atomic_path(args.output) as temporary:
            save_weights(out, temporary)
    every = transform.checks_every_input(weights)
    record = {key: value for key, value in out.transform[-1].items() if key != "matrix"}  # K x d_model numbers
    print(f"wrote {args.output}: {record}, d_model {out.d_model}; outputs unchanged on "
          f"{agreement:.2%} of (input, position) pairs{'' if every else ' (of a seeded sample of inputs)'}")


def cmd_generate(args: argparse.Namespace) -> None:
    from trade.dataset.build import DatasetConfig, build_dataset
    from trade.sampling import SamplerConfig

    sampler = SamplerConfig(compile=_compile_config(args), compile_timeout=args.compile_timeout)
    if not all(isinstance(token, int) for token in sampler.compile.vocab):
        raise UserError(f"--vocab '{args.vocab}': `trade generate` needs integer tokens (e.g. --vocab 0,1,2,3) "
                        f"because the generator's lambdas are numeric (x + 1, x > 2, ...); string "
                        f"vocabularies are decompiled, not generated")
    if args.only_split not in (None, "train", "validation", "test"):
        raise UserError(f"--only-split must be train, validation or test, not '{args.only_split}'")
    if args.n < 1 or (args.shard_size is not None and args.shard_size < 1) or args.workers < 1:
        raise UserError("--n, --shard-size and --workers must be positive")
    shard_size = args.shard_size or DatasetConfig.default_shard_size(args.n)
    kinds = tuple(kind for kind in (args.transform or "").split(",") if kind)
    unknown = [k for k in kinds if k.partition(":")[0] not in ("rotate", "mix", "noise", "compress", "none")]
    if unknown:
        raise UserError(f"--transform: unknown '{unknown[0]}'; choose rotate, mix, noise:S, compress:K or none")
    config = DatasetConfig(n=args.n, seed=args.seed, shard_size=shard_size, sampler=sampler,
                           only_split=args.only_split, transform=kinds)
    try:
        manifest = build_dataset(args.out, config, workers=args.workers, ray_address=args.ray)
    except ValueError as error:
        raise UserError(str(error)) from None
    print(f"{manifest['rows']:,} programs in {args.out} "
          f"({'complete' if manifest['complete'] else 'incomplete'})")


def cmd_dataset_stats(args: argparse.Namespace) -> None:
    from trade.atomic import write_json
    from trade.dataset.stats import dataset_stats, format_stats, plot_stats

    try:
        stats = dataset_stats(args.data, functional_sample=args.functional_sample,
                              token_sample=args.token_sample, twin_sample=args.twin_sample,
                              workers=args.workers)
    except (FileNotFoundError, ValueError) as error:
        raise UserError(str(error)) from None
    print(format_stats(stats))
    plot = Path(args.plot or Path(args.data) / "stats.png")
    plot_stats(stats, plot)
    write_json(plot.with_suffix(".json"), stats, default=str)
    print(f"plot: {plot}; numbers: {plot.with_suffix('.json')}")


def cmd_train(args: argparse.Namespace) -> None:
    from trade.dataset.read import ShardRows
    from trade.train import config_from_args, run_train

    datasets = config_from_args(args).train_data()
    for data in datasets:
        if not (Path(data) / "manifest.json").exists():
            raise UserError(f"{data}: not a TraDe dataset (no manifest.json); run `trade generate`")
    try:
        ShardRows(datasets)
    except ValueError as error:
        raise UserError(str(error)) from None
    run_train(args)


def cmd_pack(args: argparse.Namespace) -> None:
    from trade.dataset.pack import PackError, pack_dataset

    try:
        pack_dataset(args.data, args.out, workers=args.workers)
    except (FileNotFoundError, PackError) as error:
        raise UserError(str(error)) from None
    size, before = _megabytes(Path(args.out).iterdir()), _megabytes(Path(args.data).glob("*.parquet"))
    print(f"{args.out}: {size:.1f} MB packed ({before:.1f} MB of shards)")


def cmd_unpack(args: argparse.Namespace) -> None:
    from trade.dataset.pack import PackError, unpack_dataset

    try:
        unpack_dataset(args.pack, args.out, workers=args.workers)
    except PackError as error:
        raise UserError(str(error)) from None
    print(f"{args.out}: unpacked")


def cmd_export(args: argparse.Namespace) -> None:
    from trade.checkpoint import CheckpointError, export_checkpoint

    try:
        path = export_checkpoint(args.source, args.destination, half=args.half)
    except CheckpointError as error:
        raise UserError(str(error)) from None
    size = _megabytes(path.iterdir())
    print(f"{path}: model only, {'fp16' if args.half else 'fp32'}, {size:.1f} MB")


def _load_checkpoint(path: str | None):
    from trade.checkpoint import CheckpointError
    from trade.decompile import load_decompiler

    try:
        return load_decompiler(path)
    except CheckpointError as error:
        raise UserError(str(error)) from None


def _set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


def cmd_evaluate(args: argparse.Namespace) -> None:
    from trade.dataset.read import check_dataset, iter_examples

    data_examples = []
    if args.data and not args.programs:  # a bad manifest, shard or row fails here, before the model loads
        check_dataset(args.data)
        data_examples = list(itertools.islice(iter_examples(args.data, split=args.split), args.n))
        if not data_examples:
            raise UserError(f"{args.data}: no programs of split '{args.split}' (the dataset is empty "
                            f"or has none of that split; try --split train)")
    if args.programs and Path(args.programs).is_dir():  # a bad program fails here, before the model loads
        for path in sorted(Path(args.programs).glob("*.rasp")):
            if path.is_file():
                read_program_file(str(path))
    from trade.evaluate import load_programs_dir
    from trade.decompile import DEFAULT_CHECKPOINT
    from trade.evaluate_model import ALL_MODES, EvaluationJob, evaluate_checkpoint
    from trade.suites import is_suite

    _set_threads(args.threads)
    checkpoint = _load_checkpoint(args.checkpoint)
    modes = tuple(args.modes.split(",")) if args.modes else ALL_MODES
    unknown = set(modes) - set(ALL_MODES)
    if unknown:
        raise UserError(f"unknown mode(s) {sorted(unknown)}; choose from {', '.join(ALL_MODES)}")
    if args.workers < 1:
        raise UserError("--workers must be at least 1")
    job = EvaluationJob(modes=modes, beam_size=args.beam, workers=args.workers,
                        checkpoint_dir=str(args.checkpoint or DEFAULT_CHECKPOINT))
    if args.programs and is_suite(args.programs):
        _evaluate_suite(args)
        return
    if args.programs:
        try:
            examples = load_programs_dir(args.programs)
        except (FileNotFoundError, ValueError) as error:
            raise UserError(str(error)) from None
        description = {"programs_dir": args.programs}
    elif args.data:
        examples = data_examples
        description = {"data": args.data, "split": args.split}
    else:
        raise UserError("give --data DIR or --programs DIR")
    description["checkpoint"] = str(args.checkpoint or "checkpoints/medium")
    report = evaluate_checkpoint(checkpoint, examples, args.out, job, description)
    if args.programs:
        from trade.report import PageEntry, write_pages

        index = write_pages([PageEntry(p.name, p.description, p.model) for p in examples], args.out, checkpoint)
        print(f"pages: {index} links one page per program")
    print((Path(args.out) / "report.md").read_text())
    print(f"report: {args.out}/report.md, report.json and figures ({report['extra']['programs']} programs)")


def _evaluate_suite(args: argparse.Namespace) -> None:
    """`trade evaluate --programs SUITE`: programs with their own compile settings, grouped by them."""
    from trade.atomic import write_text
    from trade.decompile import DecompileOptions
    from trade.suites import SuiteResult, evaluate_suite, format_suite_report, load_suite, suite_summary

    try:
        programs = load_suite(args.programs)
    except (FileNotFoundError, ValueError, SyntaxError, ImportError, TypeError, KeyError) as error:
        raise UserError(f"{args.programs}: {error}") from None
    checkpoint = _load_checkpoint(args.checkpoint) if args.checkpoint else None
    results = evaluate_suite(programs, checkpoint, DecompileOptions(beam_size=args.beam))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = format_suite_report(results, f"Suite {args.programs}")
    write_text(out / "report.md", report + "\n")
    write_text(out / "report.json", json.dumps({
        "summary": suite_summary(results), "programs": [
            {field.name: getattr(r, field.name) for field in dataclasses.fields(SuiteResult)} for r in results]},
        indent=1, default=str) + "\n")
    print(report)
    print(f"report: {out}/report.md and report.json")
    from trade.report import write_suite_pages

    print(f"pages: {write_suite_pages(programs, out, checkpoint)} links one page per program")


def read_model_argument(args: argparse.Namespace):
    """The model to decompile (`trade.model_inputs.ModelInput`), read and checked before torch, JAX or Tracr
    load, so that a bad file costs a fraction of a second; flags the file contradicts are refused."""
    if args.model and not args.program:
        from trade.input_files import file_problem

        problem = file_problem(args.model)
        if problem:
            raise UserError(problem)
    from trade.model_inputs import ModelFacts, ModelInput, parse_output_values, read_model
    from trade.weights import WeightsError

    vocab = parse_vocab(args.vocab) if args.vocab is not None else None
    if args.max_seq_len is not None and args.max_seq_len < 1:
        raise UserError("--max-seq-len must be at least 1")
    try:
        output_values = parse_output_values(args.output_values) if args.output_values is not None else None
        facts = ModelFacts(vocab=vocab, max_seq_len=args.max_seq_len, bos=args.bos, pad=args.pad,
                           output_values=output_values, causal=args.causal)
        if args.program:
            from trade.weights import weights_of

            defaults = CompileConfig()
            settings = argparse.Namespace(**{**vars(args), "vocab": args.vocab or ",".join(map(str, defaults.vocab)),
                                             "max_seq_len": args.max_seq_len or defaults.max_seq_len,
                                             "bos": args.bos or defaults.compiler_bos,
                                             "pad": args.pad or defaults.compiler_pad})
            return ModelInput(weights_of(compile_program_file(args.program, settings)), "a .rasp program")
        if args.model:
            return read_model(args.model, facts)
    except WeightsError as error:
        raise UserError(str(error)) from None
    raise UserError("give a weights file (MODEL.npz, MODEL.safetensors) or --program FILE.rasp")


def cmd_decompile(args: argparse.Namespace) -> None:
    model = read_model_argument(args)
    from trade.decompile import DecompileOptions, decompile, plot_explanation, tracr_module
    from trade.search_options import RepairOptions, TooLargeError
    from trade.weights import WeightsError

    # The decoder (and torch) load only when the weights cannot be read: decompile() loads the default.
    checkpoint = _load_checkpoint(args.checkpoint) if args.checkpoint else None
    if args.repair_seconds <= 0:
        raise UserError("--repair-seconds must be positive")
    options = DecompileOptions(beam_size=args.beam, verify=not args.no_verify, repair=not args.no_repair,
                               repair_options=RepairOptions(max_seconds=args.repair_seconds),
                               explain=args.explain, undetermined=args.undetermined,
                               skeleton=not args.no_skeleton, read=not args.no_read)
    try:
        with _full_run_limit(args):
            result = decompile(model, checkpoint, options)
    except (WeightsError, TooLargeError) as error:
        raise UserError(str(error)) from None
    if args.json:
        print(json.dumps(result.to_json(), indent=1))
        return
    if args.format == "tracr":
        print(tracr_module(result.program, result.config), end="")
        return
    reading = None
    if args.named and result.program.lines:
        from trade.idioms import read_program

        reading = read_program(result.program, result.config) if result.config else read_program(result.program)
    print(reading.text() if reading else result.text, end="")
    print(f"# verdict: {result.verdict} ({result.reason})")
    if reading:
        print(f"# what it computes: {reading.description}")
        for example in reading.examples:
            shown = lambda values: " ".join("None" if v is None else str(v) for v in values)  # noqa: E731
            print(f"# example: {shown(example.tokens)} -> {shown(example.output)}")
    seconds = f" ({result.timings.get('read', 0.0):.2f} s)" if result.stage == "read" else ""
    print(f"# stage: {result.stage}{seconds}")
    for note in result.notes:
        print(f"# note: {note}")
    if args.undetermined:
        if result.undetermined is None:
            print("# undetermined tokens: only listed for an exact result")
        elif not result.undetermined:
            print("# the weights decide every token: no one-token change keeps them")
        else:
            print("# not decided by the weights (each alternative, alone, compiles to the same weights):")
            for item in result.undetermined:
                print(f"#   {item.variable}: {item.token}, or " + ", ".join(item.alternatives))
    if args.explain and result.explanation is None:
        print(f"# explanation: none (attention attributions come from the neural decoder; this result "
              f"comes from the {result.stage} stage)")
    elif args.explain:
        print("# explanation: weight matrices attended to most while writing each line")
        for index, top in enumerate(result.explanation):
            print(f"#   v{index + 1}: " + ", ".join(f"{name} {share:.0%}" for name, share in top))
        png = Path(args.explain_png)
        plot_explanation(result, png)
        print(f"# heatmap: {png}")


def _full_run_limit(args: argparse.Namespace):
    """`--full-run-inputs` as a context manager: the largest input space a compressed model runs on whole."""
    from trade import transform

    limit = transform.FULL_RUN_INPUTS if args.full_run_inputs is None else args.full_run_inputs
    if limit < 0:
        raise UserError("--full-run-inputs must be 0 or more")
    return transform.full_run_limit(limit)


def cmd_report(args: argparse.Namespace) -> None:
    from trade.input_files import file_problem
    from trade.search_options import TooLargeError

    if args.model and not args.program and file_problem(args.model):  # refused before any heavy import
        raise UserError(file_problem(args.model))
    from trade.model_inputs import read_model
    from trade.weights import WeightsError, weights_of

    if args.program:
        model, title = weights_of(compile_program_file(args.program, args)), Path(args.program).stem
    elif args.model:
        try:  # read and checked before the page's modules (and Tracr, JAX) load
            model, title = read_model(args.model).weights, Path(args.model).stem
        except WeightsError as error:
            raise UserError(str(error)) from None
    else:
        raise UserError("give a weights file (MODEL.npz) or --program FILE.rasp")
    from trade.report import write_report

    checkpoint = _load_checkpoint(args.checkpoint) if args.checkpoint else None
    try:
        with _full_run_limit(args):
            path = write_report(model, args.out, args.title or title, checkpoint)
    except (WeightsError, TooLargeError) as error:
        raise UserError(str(error)) from None
    print(f"report: {path} ({path.stat().st_size / 1024:.0f} KiB)")


def _add_full_run_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--full-run-inputs", type=int, default=None, metavar="N",
                        help="a compressed model that a sample cannot confirm runs on every input up to N "
                             "(default: 3,000,000, a few minutes; larger spaces take longer)")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `trade` parser; with `command`, only that subcommand's arguments import what they need."""
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
    _add_causal_option(compile_parser)
    compile_parser.set_defaults(run=cmd_compile)

    transform = commands.add_parser(
        "transform", help="write a function-preserving variant of a model (rotated, mixed, noisy, compressed)",
        formatter_class=formatter,
        description="Change a model's residual basis (random orthogonal or invertible), add noise relative\n"
                    "to each matrix's scale, or compress the residual stream with a learned K x d_model\n"
                    "matrix (Tracr's CompressedTransformer); the file records what was done and carries its\n"
                    "unembedding. `trade decompile` recovers the one-hot basis where it can.\n\n"
                    "examples:\n  trade transform reverse.npz -o reverse-rotated.npz --rotate --seed 1\n"
                    "  trade transform reverse.npz -o reverse-noisy.npz --noise max --seed 1")
    transform.add_argument("model", help="a .npz weights file")
    transform.add_argument("-o", "--output", required=True,
                           help="the file to write: .npz (TraDe's), or .safetensors (a TransformerLens "
                                "state_dict, with its config as .json beside it)")
    transform.add_argument("--rotate", action="store_true", help="random orthogonal change of basis")
    transform.add_argument("--mix", action="store_true", help="random invertible change (condition <= 4)")
    transform.add_argument("--noise", type=_noise_scale, default=None, metavar="S",
                           help="Gaussian noise, S times each matrix's largest entry; 'max': the largest S "
                                "that keeps every output, searched and reported")
    transform.add_argument("--compress", type=float, default=None, metavar="K",
                           help="compressed residual size (or a fraction of d_model if below 1)")
    transform.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    transform.set_defaults(run=cmd_transform)

    generate = commands.add_parser(
        "generate", help="generate a dataset of (program, weights) pairs", formatter_class=formatter,
        description="Sample programs with Algorithm 1, compile them, and write Parquet shards.\n"
                    "Rerunning the same command resumes an interrupted build.\n\n"
                    "example:\n  trade generate --n 100000 --out data/train --workers 2 --seed 0")
    generate.add_argument("--n", type=int, required=True, help="number of programs")
    generate.add_argument("--out", required=True, help="output directory")
    _add_workers_option(generate)
    generate.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    generate.add_argument("--shard-size", type=int, default=None,
                          help="programs per shard, the unit of resuming (default: n/20, from 1 to 500)")
    generate.add_argument("--compile-timeout", type=float, default=5.0,
                          help="reject programs compiling longer than this, seconds (default: %(default)s)")
    generate.add_argument("--only-split", default=None, metavar="SPLIT",
                          help="keep only programs of this split, e.g. an independent test set: "
                               "--seed 1 --only-split test")
    generate.add_argument("--ray", metavar="ADDRESS", default=None,
                          help="run shards on a Ray cluster ('local' starts one here)")
    _add_compile_options(generate)
    generate.add_argument("--transform", default=None, metavar="KINDS",
                          help="write function-preserving variants instead, in turn: e.g. rotate,mix,none "
                               "(also noise:S, compress:K; see `trade transform`)")
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
    stats.add_argument("--twin-sample", type=int, default=0,
                       help="programs checked for tokens their weights do not decide, about 1 s each "
                            "(default: %(default)s, none)")
    _add_workers_option(stats)
    stats.add_argument("--plot", default=None, help="PNG path (default: DATA/stats.png)")
    stats.set_defaults(run=cmd_dataset_stats)

    pack = commands.add_parser(
        "pack", help="pack a dataset about 5x smaller, to copy it to another machine",
        formatter_class=formatter,
        description="Pack a complete dataset for transfer; `trade unpack` restores it bit for bit.\n\n"
                    "example:\n  trade pack data/train /tmp/train.pack --workers 2")
    pack.add_argument("data", help="dataset directory")
    pack.add_argument("out", help="pack directory (rerunning resumes)")
    _add_workers_option(pack)
    pack.set_defaults(run=cmd_pack)

    unpack = commands.add_parser(
        "unpack", help="restore a packed dataset", formatter_class=formatter,
        description="Restore a dataset packed by `trade pack`.\n\n"
                    "example:\n  trade unpack /tmp/train.pack data/train --workers 8")
    unpack.add_argument("pack", help="pack directory")
    unpack.add_argument("out", help="dataset directory to write")
    _add_workers_option(unpack)
    unpack.set_defaults(run=cmd_unpack)


    train = commands.add_parser(
        "train", help="train a decompiler on a dataset", formatter_class=formatter,
        description="Train the encoder-decoder on a dataset; resumes from RUN_DIR/last after a kill.\n\n"
                    "example:\n  trade train --data data/train --preset small --out runs/small --grammar-mask")
    if command in (None, "train"):  # imports torch: only when `train` runs (or a caller wants every command)
        from trade.train import add_train_arguments

        add_train_arguments(train)
    train.set_defaults(run=cmd_train)

    export = commands.add_parser(
        "export", help="copy a checkpoint's model only (optionally fp16) for shipping",
        formatter_class=formatter,
        description="Write a model-only checkpoint (no optimizer state), in fp16 with --half.\n\n"
                    "example:\n  trade export runs/medium/best checkpoints/medium --half")
    export.add_argument("source", help="checkpoint directory (e.g. RUN_DIR/best)")
    export.add_argument("destination", help="new checkpoint directory")
    export.add_argument("--half", action="store_true", help="store weights in fp16 (half the size)")
    export.set_defaults(run=cmd_export)

    evaluate = commands.add_parser(
        "evaluate", help="evaluate a decompiler and write a report with figures", formatter_class=formatter,
        description="Decode held-out programs in every mode (teacher-forced, greedy with and without the\n"
                    "grammar mask, beam search with verification) and write report.md/json and figures.\n\n"
                    "examples:\n  trade evaluate --data data/test --split test --n 1000 --out reports/test\n"
                    "  trade evaluate --programs examples --out reports/examples")
    evaluate.add_argument("--checkpoint", default=None, help="checkpoint directory (default: checkpoints/medium)")
    evaluate.add_argument("--data", default=None, help="dataset directory")
    evaluate.add_argument("--split", default="test", help="split to evaluate (default: %(default)s)")
    evaluate.add_argument("--n", type=int, default=1000, help="programs to evaluate (default: %(default)s)")
    evaluate.add_argument("--programs", default=None, help="a directory of .rasp programs instead of --data")
    evaluate.add_argument("--modes", default=None, help="comma-separated subset of modes (default: all)")
    evaluate.add_argument("--beam", type=int, default=8, help="beam size of beam_verified (default: %(default)s)")
    evaluate.add_argument("--out", required=True, help="report directory")
    evaluate.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    evaluate.add_argument("--workers", type=int, default=1,
                          help="processes for the beam modes, one thread each (default: %(default)s)")
    evaluate.set_defaults(run=cmd_evaluate)

    decompile = commands.add_parser(
        "decompile", help="decompile a compiled model into RASP", formatter_class=formatter,
        description="Read a Tracr model's weights (.npz), decode RASP with grammar-constrained beam search,\n"
                    "and verify the result against the weights (verdict: exact, equivalent or unverified).\n\n"
                    "examples:\n  trade decompile reverse.npz\n  trade decompile --program examples/reverse.rasp"
                    " --explain\n  trade decompile reverse.npz --format tracr > reverse_program.py")
    decompile.add_argument("model", nargs="?", help="a .npz weights file (from `trade compile`)")
    decompile.add_argument("--program", default=None, help="compile this .rasp file first, then decompile it")
    decompile.add_argument("--checkpoint", default=None, help="checkpoint directory (default: checkpoints/medium)")
    decompile.add_argument("--beam", type=int, default=8, help="beam size; 1 is greedy (default: %(default)s)")
    decompile.add_argument("--no-verify", action="store_true", help="skip verification (and repair)")
    decompile.add_argument("--no-repair", action="store_true",
                           help="no weight-guided search when no candidate is exact")
    decompile.add_argument("--repair-seconds", type=float, default=6.0,
                           help="time limit of the weight-guided search (default: %(default)s)")
    decompile.add_argument("--no-read", action="store_true",
                           help="do not read labelled weights line by line; use the neural decoder alone")
    decompile.add_argument("--no-skeleton", action="store_true",
                           help="do not read the program's skeleton from the weights: the decoder alone "
                                "writes every token")
    decompile.add_argument("--format", choices=("rasp", "tracr"), default="rasp",
                           help="rasp source (default) or a runnable Python module using tracr's rasp API")
    decompile.add_argument("--json", action="store_true", help="print everything as JSON")
    decompile.add_argument("--explain", action="store_true",
                           help="show which weight matrices the decoder read for each line (and a PNG)")
    decompile.add_argument("--explain-png", default="explain.png", help="heatmap path (default: %(default)s)")
    decompile.add_argument("--named", action="store_true",
                           help="name variables after the idioms they compute (length, hist, reverse, ...), "
                                "print tables as formulas, and say what the output computes, with examples")
    decompile.add_argument("--undetermined", action="store_true",
                           help="list the tokens of an exact result that the weights do not decide "
                                "(about 1 s)")
    _add_full_run_option(decompile)
    _add_compile_options(decompile)
    _add_causal_option(decompile)
    decompile.add_argument("--output-values", default=None, metavar="VALUES",
                           help="the output's values in Tracr's order (e.g. 0,1,2 or a,b), or 'numerical', for a "
                                "file that does not carry them")
    # A file that carries its settings is read with them; the flags fill in what a plain file lacks.
    decompile.set_defaults(run=cmd_decompile, vocab=None, max_seq_len=None, bos=None, pad=None)

    report = commands.add_parser(
        "report", help="decompile a model and write one self-contained HTML page about it",
        formatter_class=formatter,
        description="Decompile a model and write an HTML page (no server, no network): the program with its\n"
                    "idioms named, the verdict, the dataflow per layer, each line's weights, attention on\n"
                    "example inputs, inputs and outputs, and what the weights leave open.\n\n"
                    "examples:\n  trade report reverse.npz -o reverse.html\n"
                    "  trade report --program examples/pair_balance.rasp -o pair_balance.html")
    report.add_argument("model", nargs="?", help="a .npz weights file (from `trade compile`)")
    report.add_argument("-o", "--out", required=True, help="the HTML file to write")
    report.add_argument("--program", default=None, help="compile this .rasp file first, then report on it")
    report.add_argument("--title", default=None, help="the page's title (default: the model's file name)")
    report.add_argument("--checkpoint", default=None, help="checkpoint directory, if the decoder is needed "
                                                           "(default: checkpoints/medium)")
    _add_full_run_option(report)
    _add_compile_options(report)
    _add_causal_option(report)
    report.set_defaults(run=cmd_report)
    return parser


MAX_ERROR_CHARACTERS = 2000


def _one_line(error: BaseException) -> tuple[str, int]:
    """The message and exit status for an error that ends a command (see `main`)."""
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        fix = {errno.ENOSPC: " (free some disk space and rerun)", errno.EACCES: " (check the permissions)",
               errno.EFBIG: " (the file grew past the allowed size)"}.get(error.errno, "")
        return f"{where}{error.strerror.rstrip('.')}{fix}", 2
    if isinstance(error, MemoryError):
        return "out of memory (a file or setting asks for more than this machine has)", 2
    if isinstance(error, RecursionError):
        return "input nested too deeply to read", 2
    if isinstance(error, UserError) or type(error).__module__.startswith("trade."):
        return str(error), 2  # the project's own errors: a problem with an input, already described
    return (f"internal error: {type(error).__name__}: {str(error)[:300]} "
            f"(rerun with --debug for the traceback, and please report it)"), 1


def main(argv: list[str] | None = None) -> int:
    """Runs a command; any failure is one line `trade: error: ...` and a non-zero status (--debug: traceback)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [argument for argument in argv if argument != "--debug"]
    parser = build_parser(next((a for a in argv if not a.startswith("-")), ""))
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except KeyboardInterrupt:
        print("trade: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the one place where every failure becomes one line
        if debug:
            raise
        message, status = _one_line(error)
        message = " ".join(message.split())
        if len(message) > MAX_ERROR_CHARACTERS:  # an error quoting a 5 MB input line is no help
            message = message[:MAX_ERROR_CHARACTERS] + " [...]"
        print("trade: error: " + message, file=sys.stderr)
        return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
