"""Every way a model arrives gives the same verdict and program (issue 17's first bars).

Each program of `examples/*.rasp` (compiled by `trade compile`) and of the suites `examples/tracr_lib` and
`examples/handwritten` (compiled by Tracr's own `compile_rasp_to_model`, string vocabularies among them) is
decompiled from its labelled model, the reference, and from four inputs that carry no residual labels:
a plain `.npz` and a plain `.safetensors` of its `module/name` arrays, and the Tracr model converted to
TransformerLens as TransformerLens's Tracr demo builds it: saved as a state_dict + config
(`TransformerLens`), and as a live `HookedTransformer` (`HookedTransformer`). The unlabelled inputs get
the flags a user would pass: `--vocab`, `--max-seq-len`, `--bos` and `--output-values` (as the keyword
options of `trade.decompile`). The reference is the `trade compile` file for `examples/*.rasp` (its
TransformerLens round trip is checked against Tracr's own model of the same program) and the Tracr model
for the suites.

Same program means: the same program up to renaming variables and the values of intermediate categorical
variables, which no unlabelled input carries (the reading numbers them 0, 1, ...). Checked on the
reference's compile settings' inputs (all of them up to 2,000, else 500 seeded ones, as `trade.suites`
does): the lines of the two programs correspond one to one, each pair with the same operation, the same
type and corresponding arguments (a SequenceMap's two in either order), and every line's values are in
one-to-one correspondence on every input and position: equal for numerical variables and selectors,
related by one bijection for a categorical variable, and equal for the output (its values are given by
`--output-values`; with `--without-output-values` they are left out, and the output too is compared up to
renaming). "Same text" counts identical program text as well. "Wrong verdicts" counts `exact` or
`equivalent` results whose outputs differ from the reference program's on those inputs. The seconds of
`HookedTransformer` include building it (and, once, importing torch and TransformerLens).

    python benchmarks/model_inputs_bar.py [--only NAME ...] [--sources examples tracr_lib handwritten]
                                          [--without-output-values]
    python benchmarks/model_inputs_bar.py --generated 400   # labels rebuilt on generated programs
    python benchmarks/model_inputs_bar.py --sources handwritten moraine --tracr-names --without-names
    python benchmarks/model_inputs_bar.py --sources caldera --tracr-names --without-names --transform rotate
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trade.decompile import DecompileOptions, decompile, load_decompiler
from trade.model_inputs import (hooked_transformer, lens_state_of, plain_arrays, save_lens, tracr_to_lens,
                                tracr_to_lens_state, write_safetensors)
from trade.program.program import Op, Program, VarType, canonicalize
from trade.transform import transformed
from trade.weights import ModelWeights, WeightsError, save_weights, weights_of, weights_of_tracr

UNLABELLED = ("plain .npz", "plain .safetensors", "TransformerLens", "HookedTransformer")
LENS_KINDS = ("TransformerLens", "HookedTransformer")
SOURCES = {"examples": "examples", "tracr_lib": "examples/tracr_lib", "handwritten": "examples/handwritten"}
SUITES = {path.parent.name: str(path.parent.relative_to(ROOT))
          for path in sorted(ROOT.glob("examples/*/suite.py"))}
TRACR_NAMES = ("compiler_bos", "compiler_pad")  # Tracr's own defaults for BOS and PAD


@dataclasses.dataclass
class Case:
    """One model: its labelled reference, the Tracr model TransformerLens is built from, and the flags."""

    source: str
    name: str
    reference: ModelWeights
    tracr: object
    lens_reference: ModelWeights | None = None  # examples/*.rasp: the Tracr model of the same program


@dataclasses.dataclass
class Outcome:
    verdict: str
    same_verdict: bool
    same_program: bool
    same_text: bool
    seconds: float
    why: str = ""
    wrong_verdict: bool = False  # exact or equivalent, yet the outputs differ from the reference's


def example_cases(folder: str, only: list[str]) -> list[Case]:
    from trade.cli import build_parser, compile_program_file, read_program_file
    from trade.compiling import compile_stock

    cases = []
    for rasp in sorted(Path(folder).glob("*.rasp")):
        if only and not any(part in rasp.stem for part in only):
            continue
        compile_args = build_parser("compile").parse_args(["compile", str(rasp), "-o", "unused.npz"])
        weights = weights_of(compile_program_file(str(rasp), compile_args))
        tracr = compile_stock(canonicalize(read_program_file(str(rasp))), weights.compile_config)
        cases.append(Case("examples", rasp.stem, weights, tracr, weights_of_tracr(tracr, weights.compile_config)))
    return cases


def suite_cases(source: str, folder: str, only: list[str], tracr_names: bool = False
                ) -> tuple[list[Case], list[str]]:
    """`tracr_names`: compiled with Tracr's default BOS and PAD names, not the suite's."""
    from tracr.compiler import compiling

    from trade.suites import load_suite

    cases, skipped = [], []
    for entry in load_suite(folder):
        if only and not any(part in entry.name for part in only):
            continue
        config = entry.config
        if tracr_names:
            config = dataclasses.replace(config, compiler_bos=TRACR_NAMES[0], compiler_pad=TRACR_NAMES[1])
        try:
            tracr = compiling.compile_rasp_to_model(entry.build(), vocab=set(config.vocab),
                                                    max_seq_len=config.max_seq_len,
                                                    compiler_bos=config.compiler_bos,
                                                    compiler_pad=config.compiler_pad)
        except Exception as error:  # the suite records what Tracr cannot compile; so does this table
            skipped.append(f"{source}/{entry.name}: Tracr cannot compile it ({type(error).__name__})")
            continue
        cases.append(Case(source, entry.name, weights_of_tracr(tracr, config), tracr))
    return cases, skipped


def user_flags(weights: ModelWeights, output_values: bool = True, names: bool = True) -> dict:
    """What a user who knows how the model was compiled passes: --vocab, --max-seq-len, --bos, --output-values
    (`names` False: no --bos, as from a user who does not know BOS's and PAD's names)."""
    config = weights.compile_config
    output = weights.output_values
    flags = {"vocab": config.vocab, "max_seq_len": config.max_seq_len}
    if names:
        flags["bos"] = config.compiler_bos
    if output_values:
        flags["output_values"] = "numerical" if output is None else list(output)
    return flags


def run_case(case: Case, folder: Path, decompiler, options: DecompileOptions, output_values: bool = True,
             names: bool = True, change: str | None = None) -> dict[str, Outcome]:
    """`change`: the unlabelled inputs are of the model with its residual basis changed (`rotate`, `mix`;
    seed 0), TransformerLens models only (a plain file keeps no read-out, which a changed basis needs)."""
    stem = folder / f"{case.source}-{case.name}"
    reference_file = stem.with_suffix(".trade.npz")
    save_weights(case.reference, reference_file)
    given = case.reference if change is None else transformed(case.reference, change, 0)
    np.savez(stem.with_suffix(".plain.npz"), **plain_arrays(given))
    write_safetensors(plain_arrays(given), stem.with_suffix(".plain.safetensors"))
    state, lens_config = tracr_to_lens_state(case.tracr) if change is None else lens_state_of(given)
    save_lens(state, lens_config, stem.with_suffix(".lens.safetensors"))
    flags = user_flags(case.reference, output_values, names)
    began = time.perf_counter()
    reference = decompile(reference_file, decompiler, options)
    outcomes = {"labelled": Outcome(reference.verdict, True, True, True, time.perf_counter() - began)}
    lens_reference = reference
    if case.lens_reference is not None:
        lens_reference = decompile(case.lens_reference, decompiler, options)
    config = case.reference.compile_config
    sources = {"plain .npz": stem.with_suffix(".plain.npz"), "plain .safetensors": stem.with_suffix(
        ".plain.safetensors"), "TransformerLens": stem.with_suffix(".lens.safetensors")}
    for kind in UNLABELLED if change is None else LENS_KINDS:
        began = time.perf_counter()
        try:
            source = sources[kind] if kind in sources else tracr_to_lens(case.tracr) if change is None \
                else hooked_transformer(state, lens_config)  # a live model
            result = decompile(source, decompiler, options, **flags)
        except Exception as error:  # a crash is a failure to report, not to hide
            outcomes[kind] = Outcome("error", False, False, False, time.perf_counter() - began,
                                     f"{type(error).__name__}: {str(error)[:160]}")
            continue
        seconds = time.perf_counter() - began
        against = lens_reference if kind in LENS_KINDS and change is None else reference
        difference = program_difference(against.program, result.program, config, output_values)
        why = []
        if result.verdict != against.verdict:
            why.append(f"verdict {result.verdict} (reference {against.verdict}): {result.reason[:220]}")
        if difference:
            why.append(difference)
        wrong = result.verdict in ("exact", "equivalent") and not same_outputs(against.program, result.program,
                                                                               config, output_values)
        outcomes[kind] = Outcome(result.verdict, result.verdict == against.verdict, difference is None,
                                 result.program == against.program, seconds, "; ".join(why), wrong)
    return outcomes


# ------------------------------------------------------------------------------- same up to renaming


def program_difference(reference: Program, other: Program, config, output_values: bool = True) -> str | None:
    """None if `other` is `reference` up to renaming variables and intermediate categorical values (see
    the module docstring), else what differs."""
    if not other.lines:
        return "no program"
    if not reference.lines:
        return "the reference has no program"
    if len(other.lines) != len(reference.lines):
        return f"{len(other.lines)} lines, the reference {len(reference.lines)}"
    try:
        traces = [_traces(program, config) for program in (reference, other)]
    except Exception as error:  # a program that cannot run on the inputs differs
        return f"cannot be run ({type(error).__name__}: {str(error)[:80]})"
    (ref_values, ref_types), (values, types) = traces
    mapping = {"tokens": "tokens", "indices": "indices"}
    used: set[str] = set()
    for index, line in enumerate(reference.lines):
        name = f"v{index + 1}"
        args = [mapping.get(arg) for arg in line.variable_args]
        match = None
        for other_index, candidate in enumerate(other.lines):
            other_name = f"v{other_index + 1}"
            if other_name in used or candidate.op is not line.op or types[other_name] is not ref_types[name]:
                continue
            given = list(candidate.variable_args)
            if given != args and not (line.op is Op.SEQUENCE_MAP and given == args[::-1]):
                continue
            if not _corresponds(ref_values[name], values[other_name], ref_types[name]):
                continue
            match = other_name
            break
        if match is None:
            return f"line {name} = {line.op.value}({', '.join(line.args)[:60]}) has no counterpart"
        mapping[name] = match
        used.add(match)
    if mapping[reference.output] != other.output:
        return "the output is another line"
    if output_values and not _equal(ref_values[reference.output], values[other.output]):
        return "the output's values differ"
    return None


def same_outputs(reference: Program, other: Program, config, output_values: bool = True) -> bool:
    """Whether the two programs give the same outputs on the checked inputs (False if either cannot run);
    without `output_values`, up to renaming the output's values."""
    if not reference.lines or not other.lines:
        return False
    try:
        (ref_values, _), (values, _) = (_traces(program, config) for program in (reference, other))
    except Exception:  # a program that cannot run on the inputs is not the same
        return False
    kind = reference.types()[reference.output]
    if not output_values and kind is VarType.CATEGORICAL:
        return _corresponds(ref_values[reference.output], values[other.output], kind)
    return _equal(ref_values[reference.output], values[other.output])


def _traces(program: Program, config) -> tuple[dict[str, np.ndarray], dict[str, VarType]]:
    """Every variable's values on every checked input, flattened and joined over the input lengths."""
    from trade.program.interpret import encode_value, evaluate_batch
    from trade.suites import check_inputs

    types = program.types()
    by_length: dict[int, list] = {}
    for sequence in check_inputs(config):
        by_length.setdefault(len(sequence), []).append([encode_value(v) for v in sequence])
    parts: dict[str, list[np.ndarray]] = {}
    for length in sorted(by_length):
        evaluation = evaluate_batch(program, np.array(by_length[length], dtype=np.float64), types)
        for name in types:
            parts.setdefault(name, []).append(np.asarray(evaluation.values[name], dtype=np.float64).ravel())
    return {name: np.concatenate(chunks) for name, chunks in parts.items()}, types


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.all(np.isclose(a, b, rtol=1e-6, atol=1e-4) | (np.isnan(a) & np.isnan(b))))


def _corresponds(a: np.ndarray, b: np.ndarray, kind: VarType) -> bool:
    """Equal values (numerical, selector), or one bijection between the two value sets (categorical)."""
    if kind is not VarType.CATEGORICAL:
        return _equal(a, b)
    if a.shape != b.shape:
        return False
    a, b = np.nan_to_num(a, nan=-1e300), np.nan_to_num(b, nan=-1e300)
    pairs = np.unique(np.stack([a, b], axis=1), axis=0)
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


# ------------------------------------------------------------------------------- generated programs


def label_sweep(count: int, seed: int = 7) -> None:
    """Rebuilt residual labels against Tracr's on `count` generated programs (`trade.sampling`): how many
    group the directions into the same variables of the same types, how many are refused, how many wrong."""
    import dataclasses

    from trade.compiling import compile_program
    from trade.residual_labels import LabelError, infer_labels
    from trade.residual_labels import variable_groups as groups
    from trade.sampling import SamplerConfig, sample_accepted

    same, refused, wrong = 0, [], []
    began = time.perf_counter()
    for index in range(count):
        program = canonicalize(sample_accepted(seed, index, SamplerConfig()).program)
        weights = weights_of(compile_program(program))
        try:
            labels, _ = infer_labels(dataclasses.replace(weights, residual_labels=None))
        except LabelError as error:
            refused.append(f"{index}: {error}")
            continue
        if groups(labels) == groups(weights.residual_labels):
            same += 1
        else:
            wrong.append(str(index))
    print(f"{count} generated programs (seed {seed}), {time.perf_counter() - began:.0f} s: {same} grouped as "
          f"Tracr's labels, {len(refused)} refused, {len(wrong)} wrong"
          + (f" ({', '.join(wrong)})" if wrong else ""))
    for line in refused:
        print(f"- refused {line}")


# ------------------------------------------------------------------------------------------- the table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", nargs="+", default=list(SOURCES), choices=sorted({*SOURCES, *SUITES}))
    parser.add_argument("--tracr-names", action="store_true",
                        help="compile the suites with Tracr's default BOS and PAD names "
                             "(compiler_bos, compiler_pad)")
    parser.add_argument("--without-names", action="store_true",
                        help="leave out --bos: BOS's and PAD's names follow from where the weights put them")
    parser.add_argument("--transform", choices=("rotate", "mix"), default=None,
                        help="change the residual basis of the unlabelled inputs (TransformerLens ones only)")
    parser.add_argument("--only", nargs="*", default=[], help="only programs whose name contains one of these")
    parser.add_argument("--no-repair", action="store_true")
    parser.add_argument("--without-output-values", action="store_true",
                        help="leave out --output-values (outputs then compared up to renaming)")
    parser.add_argument("--generated", type=int, default=0, metavar="N",
                        help="instead: rebuilt labels against Tracr's on N generated programs")
    args = parser.parse_args()
    if args.generated:
        label_sweep(args.generated)
        return
    options = DecompileOptions(repair=not args.no_repair)
    kinds = UNLABELLED if args.transform is None else LENS_KINDS
    decompiler = load_decompiler()
    cases, skipped = [], []
    for source in args.sources:
        if source == "examples":
            cases += example_cases(SOURCES[source], args.only)
        else:
            found, missed = suite_cases(source, {**SUITES, **SOURCES}[source], args.only, args.tracr_names)
            cases += found
            skipped += missed
    results: list[tuple[Case, dict[str, Outcome]]] = []
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        for case in cases:
            try:
                results.append((case, run_case(case, Path(folder), decompiler, options,
                                               not args.without_output_values, not args.without_names,
                                               args.transform)))
            except WeightsError as error:  # e.g. no TransformerLens model of it: said in the table's notes
                skipped.append(f"{case.source}/{case.name}: {error}")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; 1-minute load average {load_before:.2f} before the "
          f"decompilations, {os.getloadavg()[0]:.2f} after; {time.perf_counter() - began:.0f} s in all; "
          f"output values {'left out' if args.without_output_values else 'given'}; BOS and PAD "
          f"{'named by Tracr' + chr(39) + 's defaults' if args.tracr_names else 'as each suite names them'}, "
          f"{'not given (read from the weights)' if args.without_names else '--bos given'}"
          + (f"; unlabelled inputs with their residual basis changed ({args.transform}, seed 0)"
             if args.transform else ""))
    print()
    print("| source | program | reference | " + " | ".join(kinds) + " |")
    print("|---" * (len(kinds) + 3) + "|")
    for case, outcomes in results:
        cells = [f"{o.verdict}{'' if o.same_program else ' (other program)'}" for o in
                 (outcomes[kind] for kind in kinds)]
        print(f"| {case.source} | {case.name} | {outcomes['labelled'].verdict} | " + " | ".join(cells) + " |")
    print()
    print("| source | input | models | same verdict | same program | same text | seconds per model |")
    print("|---|---|---|---|---|---|---|")
    for source in args.sources:
        group = [outcomes for case, outcomes in results if case.source == source]
        if not group:
            continue
        for kind in ("labelled",) + kinds:
            chosen = [outcomes[kind] for outcomes in group]
            print(f"| {source} | {'reference (labelled)' if kind == 'labelled' else kind} | {len(chosen)} "
                  f"| {sum(o.same_verdict for o in chosen)} | {sum(o.same_program for o in chosen)} "
                  f"| {sum(o.same_text for o in chosen)} | {np.mean([o.seconds for o in chosen]):.2f} |")
    print()
    failures = [(case, kind, outcome) for case, outcomes in results for kind in kinds
                if (outcome := outcomes[kind]).why]
    print(f"Failures ({len(failures)}):" if failures else "Failures: none")
    for case, kind, outcome in failures:
        print(f"- {case.source}/{case.name}, {kind}: {outcome.why}")
    for line in skipped:
        print(f"- skipped {line}")
    wrong = [f"{case.source}/{case.name} ({kind})" for case, outcomes in results for kind in kinds
             if outcomes[kind].wrong_verdict]
    print(f"Wrong verdicts (exact or equivalent, but outputs unlike the reference's): {len(wrong)}"
          + (f": {', '.join(wrong)}" if wrong else ""))


if __name__ == "__main__":
    main()
