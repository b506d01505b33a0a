"""Program-level metrics of decompiled programs, their aggregation, and the report with figures.

The metrics follow the paper's Section 4, per program and decoding mode:

- token accuracy: the fraction of ground-truth tokens after `<bos>`, up to and
  including `<eos>`, that the prediction has at the same position (a shorter
  prediction is wrong where it is missing);
- sequence equality: the prediction, cut after its first `<eos>`, is the truth;
- compilable: it decodes to a well-typed program (`ids_to_program`) and Tracr
  compiles it (`compile_program`);
- functionally equivalent: it decodes, and its RASP output equals the truth's on
  the whole input space (3,905 inputs at vocabulary 5, length 5), or on 1,000
  fixed random inputs where the space is larger (`equivalence_inputs` says which).
  Every position counts, None included: None equals only None, because a
  program that is undefined where the truth is defined (or the reverse) does not
  compute the same function. A prediction that makes RASP raise on an input is
  not equivalent; inputs on which the truth itself raises are left out.
  Equivalence does not require compilability (`equivalent_and_compilable` does).
- equal up to weight-identical tokens (teacher-forced only): every token the
  prediction gets wrong, put alone into the truth, gives a program whose compiled
  weights and output labels are the truth's (the verifier's `exact`). Such a token
  is one the weights cannot decide (`x > 0` for `x > 0.5` on a 0/1 input, the
  ignored arguments of a `FALSE` selector): no decompiler reading the weights can
  tell it from the truth's, so this rate bounds what sequence equality leaves
  to chance.

Everything here is model-agnostic: predictions come in as token ids per mode,
so teacher-forced and autoregressive outputs of any decompiler plug in through
`evaluate_predictions`, and `evaluate_programs_dir` takes a `Predictor` callable.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from trade.atomic import save_figure, write_json, write_text  # noqa: E402
from trade.compiling import CompileConfig, CompiledModel, CompileError, compile_program  # noqa: E402
from trade.program.interpret import all_inputs, evaluate_batch, input_space_size, random_inputs  # noqa: E402
from trade.program.program import Op, Program, ProgramError, canonicalize  # noqa: E402
from trade.program.text import parse_program  # noqa: E402
from trade.program.tokens import BOS_ID, EOS_ID, ids_to_program, program_to_ids  # noqa: E402
from trade.verify import VerifyOptions, keeps_weights, reference_model, verify  # noqa: E402
from trade.weights import ModelWeights, weights_of  # noqa: E402

TEACHER_FORCED, AUTOREGRESSIVE = "teacher_forced", "autoregressive"
MODES = (TEACHER_FORCED, AUTOREGRESSIVE)
PROGRAM_METRICS = ("sequence_equality", "compilable", "equivalent")
# The paper's Section 4 (Fig. 8): fractions of the 1,000 test programs.
PAPER_NUMBERS: dict[str, dict[str, float]] = {
    TEACHER_FORCED: {"sequence_equality": 0.30, "compilable": 0.60, "equivalent": 0.41},
    AUTOREGRESSIVE: {"sequence_equality": 0.26, "compilable": 0.91, "equivalent": 0.73},
}
METRIC_TITLES = {"sequence_equality": "Sequence equality", "compilable": "Compilable",
                 "equivalent": "Functionally equivalent"}

# Decoded ids to predicted token ids for some modes: (weights, truth ids) -> {mode: ids per program}.
Predictor = Callable[[list[ModelWeights], list[list[int]]], dict[str, list[list[int]]]]


@dataclasses.dataclass(frozen=True)
class EvaluateOptions:
    """How predictions are checked."""

    compile_config: CompileConfig = CompileConfig()
    max_exhaustive_inputs: int = 10_000  # larger input spaces are sampled
    random_inputs: int = 1_000
    seed: int = 0
    compile_timeout: float | None = 5.0
    verify: bool = False  # also run the verifier against the weights (needs `weights`)


@dataclasses.dataclass
class ProgramResult:
    """The metrics of one prediction of one program in one mode (a row of report.json)."""

    index: int
    mode: str
    n_lines: int
    ops: tuple[str, ...]
    token_accuracy: float
    sequence_equal: bool
    canonical_equal: bool
    decodes: bool
    compilable: bool
    equivalent: bool
    equivalence_inputs: str
    error: str = ""
    twin_errors_only: bool | None = None  # teacher-forced: every wrong token keeps the weights
    verdict: str | None = None
    verify_seconds: float | None = None

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def strip_bos(ids: Sequence[int]) -> list[int]:
    ids = [int(i) for i in ids]
    return ids[1:] if ids and ids[0] == BOS_ID else ids


def token_accuracy(truth_ids: Sequence[int], predicted_ids: Sequence[int]) -> float:
    """Fraction of the truth's tokens after `<bos>` (through `<eos>`) the prediction matches in place."""
    targets, predicted = strip_bos(truth_ids), strip_bos(predicted_ids)
    hits = sum(1 for position, target in enumerate(targets)
               if position < len(predicted) and predicted[position] == target)
    return hits / len(targets)


def sequence_equal(truth_ids: Sequence[int], predicted_ids: Sequence[int]) -> bool:
    """Whether the prediction, cut after its first `<eos>`, is the truth."""
    predicted = strip_bos(predicted_ids)
    if EOS_ID in predicted:
        predicted = predicted[:predicted.index(EOS_ID) + 1]
    return predicted == strip_bos(truth_ids)


@dataclasses.dataclass(frozen=True)
class InputSpace:
    """The inputs functional equivalence is checked on, grouped by length."""

    inputs: list[np.ndarray]
    kind: str  # "exhaustive" or "random-<count>"


def equivalence_inputs(options: EvaluateOptions) -> InputSpace:
    config = options.compile_config
    if input_space_size(len(config.vocab), config.max_seq_len) <= options.max_exhaustive_inputs:
        return InputSpace(all_inputs(config.vocab, config.max_seq_len), "exhaustive")
    rng = np.random.default_rng(options.seed)
    inputs = random_inputs(config.vocab, config.max_seq_len, options.random_inputs, rng)
    return InputSpace(inputs, f"random-{options.random_inputs}")


@dataclasses.dataclass(frozen=True)
class Outputs:
    """A program's outputs on an input space: [inputs, max length] with NaN padding, and errors."""

    values: np.ndarray
    errors: np.ndarray


def program_outputs(program: Program, space: InputSpace) -> Outputs:
    width = max(batch.shape[1] for batch in space.inputs)
    values, errors = [], []
    for batch in space.inputs:
        evaluation = evaluate_batch(program, batch)
        padded = np.full((batch.shape[0], width), np.nan)
        padded[:, :batch.shape[1]] = evaluation.output(program)
        values.append(padded)
        errors.append(evaluation.errors)
    return Outputs(np.concatenate(values), np.concatenate(errors))


def same_function(truth: Outputs, predicted: Outputs) -> bool:
    """Equal outputs, None equal only to None, on every input where the truth does not raise."""
    keep = ~truth.errors
    if predicted.errors[keep].any():
        return False
    a, b = truth.values[keep], predicted.values[keep]
    return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@dataclasses.dataclass
class _Decoded:
    """What a predicted id sequence turns into; cached, since modes and programs repeat predictions."""

    program: Program | None
    compilable: bool
    error: str
    outputs: Outputs | None


class _Checker:
    """Decodes, compiles and runs predictions once each, and truths once each."""

    def __init__(self, options: EvaluateOptions):
        self.options = options
        self.space = equivalence_inputs(options)
        self._decoded: dict[tuple[int, ...], _Decoded] = {}
        self._truth_outputs: dict[Program, Outputs] = {}

    def truth_outputs(self, program: Program) -> Outputs:
        if program not in self._truth_outputs:
            self._truth_outputs[program] = program_outputs(program, self.space)
        return self._truth_outputs[program]

    def decode(self, ids: Sequence[int]) -> _Decoded:
        key = _cut_at_eos(strip_bos(ids))
        if key not in self._decoded:
            self._decoded[key] = self._decode(key)
        return self._decoded[key]

    def _decode(self, ids: tuple[int, ...]) -> _Decoded:
        try:
            program = ids_to_program(list(ids))
        except (ProgramError, KeyError, IndexError) as error:
            return _Decoded(None, False, f"does not decode: {error}", None)
        try:
            compile_program(program, self.options.compile_config, timeout=self.options.compile_timeout)
            compilable, error_text = True, ""
        except CompileError as error:
            compilable, error_text = False, f"does not compile: {error}"
        return _Decoded(program, compilable, error_text, program_outputs(program, self.space))


def _cut_at_eos(ids: list[int]) -> tuple[int, ...]:
    return tuple(ids[:ids.index(EOS_ID) + 1]) if EOS_ID in ids else tuple(ids)


Predictions = dict[str, Sequence[Sequence[int]]]  # mode -> token ids per program


def evaluate_predictions(truth_programs: Sequence[Program], predictions_by_mode: Predictions,
                         weights: Sequence[ModelWeights] | None = None,
                         options: EvaluateOptions = EvaluateOptions()) -> list[ProgramResult]:
    """Per-program metrics of every mode's predictions (ids laid out as `program_to_ids`).

    With `options.verify` and `weights` (aligned with the truths), each decoded
    prediction also gets the verifier's verdict. The verifier sees the weights
    and the output labels of the truth's compiled model (its unembedding, which
    a weights file would carry), never the truth program itself.
    """
    checker = _Checker(options)
    references = _References(weights, options) if options.verify else None
    results = []
    for mode, predictions in predictions_by_mode.items():
        if len(predictions) != len(truth_programs):
            raise ValueError(f"mode '{mode}' has {len(predictions)} predictions "
                             f"for {len(truth_programs)} programs")
        for index, (truth, predicted_ids) in enumerate(zip(truth_programs, predictions)):
            result = _evaluate_one(index, mode, truth, predicted_ids, checker)
            if mode == TEACHER_FORCED:
                result.twin_errors_only = wrong_tokens_keep_the_weights(truth, predicted_ids, options)
            if references is not None:
                _add_verdict(result, references, index, truth, checker.decode(predicted_ids).program)
            results.append(result)
    return results


def _evaluate_one(index: int, mode: str, truth: Program, predicted_ids: Sequence[int],
                  checker: _Checker) -> ProgramResult:
    truth_ids = program_to_ids(truth)
    decoded = checker.decode(predicted_ids)
    equivalent = decoded.outputs is not None and same_function(checker.truth_outputs(truth), decoded.outputs)
    canonical_equal = False
    if decoded.program is not None:
        canonical_equal = _canonical(decoded.program) == _canonical(truth)
    return ProgramResult(
        index=index, mode=mode, n_lines=len(truth), ops=tuple(op.value for op in Op if _uses(truth, op)),
        token_accuracy=token_accuracy(truth_ids, predicted_ids),
        sequence_equal=sequence_equal(truth_ids, predicted_ids), canonical_equal=canonical_equal,
        decodes=decoded.program is not None, compilable=decoded.compilable, equivalent=equivalent,
        equivalence_inputs=checker.space.kind, error=decoded.error)


def wrong_tokens_keep_the_weights(truth: Program, predicted_ids: Sequence[int],
                                  options: EvaluateOptions = EvaluateOptions()) -> bool:
    """Whether each token a teacher-forced prediction gets wrong, put alone into the truth,
    compiles to the truth's weights (and output labels): an error the weights cannot decide."""
    truth_ids = program_to_ids(truth)
    predicted = strip_bos(predicted_ids)
    if len(predicted) < len(truth_ids) - 1:
        return False
    wrong = [position for position, token in enumerate(predicted, start=1)
             if position < len(truth_ids) and token != truth_ids[position]]
    if not wrong:
        return True
    model = compile_program(truth, options.compile_config)
    reference = reference_model(weights_of(model), model.output_values)
    check = VerifyOptions(compile_timeout=options.compile_timeout)
    return all(keeps_weights(truth_ids, position, predicted[position - 1], reference, check)
               for position in wrong)


def _canonical(program: Program) -> Program | None:
    try:
        return canonicalize(program)
    except ProgramError:
        return None


def _uses(program: Program, op: Op) -> bool:
    return any(line.op is op for line in program.lines)


class _References:
    """The verifier's view of each given model, built once and shared by the modes."""

    def __init__(self, weights: Sequence[ModelWeights] | None, options: EvaluateOptions):
        if weights is None:
            raise ValueError("verification needs the weights of every program")
        self.weights = weights
        self.options = options
        self._cache: dict[int, object] = {}

    def get(self, index: int, truth: Program):
        if index not in self._cache:
            labels = compile_program(truth, self.options.compile_config).output_values
            self._cache[index] = reference_model(self.weights[index], labels)
        return self._cache[index]


def _add_verdict(result: ProgramResult, references: _References, index: int, truth: Program,
                 program: Program | None) -> None:
    if program is None:
        result.verdict, result.verify_seconds = "unverified", 0.0
        return
    verification = verify(program, references.get(index, truth),
                          options=VerifyOptions(compile_timeout=references.options.compile_timeout))
    result.verdict, result.verify_seconds = verification.verdict, verification.seconds


# Aggregation ---------------------------------------------------------------------------------------


def summarize(results: Sequence[ProgramResult]) -> dict:
    """Rates and token-accuracy statistics of a group of results (one mode)."""
    if not results:
        return {"programs": 0}
    accuracies = [r.token_accuracy for r in results]
    summary = {
        "programs": len(results),
        "token_accuracy_mean": statistics.fmean(accuracies),
        "token_accuracy_median": statistics.median(accuracies),
        "token_accuracy_min": min(accuracies),
        "token_accuracy_at_least_90": _rate(a >= 0.9 for a in accuracies),
        "sequence_equality": _rate(r.sequence_equal for r in results),
        "canonical_equality": _rate(r.canonical_equal for r in results),
        "decodes": _rate(r.decodes for r in results),
        "compilable": _rate(r.compilable for r in results),
        "equivalent": _rate(r.equivalent for r in results),
        "equivalent_and_compilable": _rate(r.equivalent and r.compilable for r in results),
    }
    twins = [r.twin_errors_only for r in results if r.twin_errors_only is not None]
    if twins:
        summary["equal_up_to_twins"] = _rate(twins)
    verdicts = [r.verdict for r in results if r.verdict is not None]
    if verdicts:
        for verdict in ("exact", "equivalent", "unverified"):
            summary[f"verdict_{verdict}"] = verdicts.count(verdict) / len(verdicts)
        summary["verified"] = summary["verdict_exact"] + summary["verdict_equivalent"]
    return summary


def _rate(flags: Iterable[bool]) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 0.0


def aggregate(results: Sequence[ProgramResult]) -> dict:
    """Overall, by program length (lines) and by function used, for every mode."""
    modes = list(dict.fromkeys(r.mode for r in results))
    out: dict = {"overall": {}, "by_lines": {}, "by_function": {}}
    for mode in modes:
        rows = [r for r in results if r.mode == mode]
        out["overall"][mode] = summarize(rows)
        out["by_lines"][mode] = {str(n): summarize([r for r in rows if r.n_lines == n])
                                 for n in sorted({r.n_lines for r in rows})}
        out["by_function"][mode] = {op.value: summarize([r for r in rows if op.value in r.ops])
                                    for op in Op if any(op.value in r.ops for r in rows)}
    return out


# Report --------------------------------------------------------------------------------------------


def write_report(results: Sequence[ProgramResult], out_dir: str | Path,
                 paper_numbers: dict[str, dict[str, float]] | None = PAPER_NUMBERS,
                 extra: dict | None = None) -> dict[str, Path]:
    """Writes report.json, report.md, token_accuracy_hist.png and metrics_by_mode.png.

    `extra` (timings, checkpoint, dataset) is recorded in report.json and listed in report.md.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    numbers = aggregate(results)
    paths = {"json": out_dir / "report.json", "markdown": out_dir / "report.md",
             "histogram": out_dir / "token_accuracy_hist.png", "bars": out_dir / "metrics_by_mode.png"}
    report = {"metrics": numbers, "paper": paper_numbers or {}, "extra": extra or {},
              "programs": [r.to_json() for r in results]}
    write_json(paths["json"], report)
    write_text(paths["markdown"], report_markdown(numbers, paper_numbers or {}, extra or {}, results))
    plot_token_accuracy(results, paths["histogram"])
    plot_metrics_by_mode(numbers["overall"], paper_numbers or {}, paths["bars"])
    return paths


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def report_markdown(numbers: dict, paper_numbers: dict, extra: dict, results: Sequence[ProgramResult]) -> str:
    overall = numbers["overall"]
    modes = list(overall)
    header = "| metric | " + " | ".join(f"{mode} (ours) | {mode} (paper)" for mode in modes) + " |"
    lines = ["# Evaluation report", "", header, "|---" * (1 + 2 * len(modes)) + "|"]
    rows = [("Token accuracy (mean)", "token_accuracy_mean"),
            ("Token accuracy ≥ 90%", "token_accuracy_at_least_90"),
            *((METRIC_TITLES[m], m) for m in PROGRAM_METRICS),
            ("Canonical form equal", "canonical_equality"),
            ("Equivalent and compilable", "equivalent_and_compilable")]
    if any("equal_up_to_twins" in overall[m] for m in modes):
        rows.append(("Equal up to weight-identical tokens", "equal_up_to_twins"))
    if any("verified" in overall[m] for m in modes):
        rows += [("Verifier: exact", "verdict_exact"), ("Verifier: equivalent", "verdict_equivalent")]
    for title, key in rows:
        cells = [f"{_percent(overall[m].get(key))} | {_percent(paper_numbers.get(m, {}).get(key))}"
                 for m in modes]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    kinds = sorted({r.equivalence_inputs for r in results})
    programs = {m: overall[m]["programs"] for m in modes}
    lines += ["", f"Programs per mode: {programs}. Equivalence checked on: {', '.join(kinds)} inputs "
              "(None equals only None).", ""]
    for title, key in (("program length (lines)", "by_lines"), ("function used", "by_function")):
        lines += [f"## By {title}", "", "| mode | group | programs | " +
                  " | ".join(METRIC_TITLES[m] for m in PROGRAM_METRICS) + " | token accuracy |",
                  "|---" * (4 + len(PROGRAM_METRICS)) + "|"]
        for mode, groups in numbers[key].items():
            for group, summary in groups.items():
                cells = " | ".join(_percent(summary[m]) for m in PROGRAM_METRICS)
                lines.append(f"| {mode} | {group} | {summary['programs']} | {cells} | "
                             f"{_percent(summary['token_accuracy_mean'])} |")
        lines.append("")
    if extra:
        lines += ["## Run", ""] + [f"- {key}: {value}" for key, value in extra.items()] + [""]
    lines += ["Figures: `token_accuracy_hist.png` (paper Fig. 6), `metrics_by_mode.png` (paper Fig. 8).", ""]
    return "\n".join(lines)


def plot_token_accuracy(results: Sequence[ProgramResult], path: Path) -> None:
    """Paper Fig. 6: the share of programs at each token accuracy, per mode."""
    modes = list(dict.fromkeys(r.mode for r in results))
    figure, axes = plt.subplots(1, max(len(modes), 1), figsize=(5 * max(len(modes), 1), 3.5), squeeze=False)
    bins = np.linspace(0.0, 1.0, 26)
    for axis, mode in zip(axes[0], modes):
        accuracies = np.array([r.token_accuracy for r in results if r.mode == mode])
        share = 1 / len(accuracies)
        partial = accuracies[accuracies < 1.0]
        axis.hist(partial, bins=bins, weights=np.full(len(partial), share), color="tab:blue",
                  edgecolor="white", label="< 100%")
        axis.bar(1.02, share * (accuracies >= 1.0).sum(), width=0.04, color="tab:green",
                 label=f"100% ({_percent(share * (accuracies >= 1.0).sum())})")
        axis.set_title(f"{mode} ({len(accuracies)} programs)")
        axis.set_xlabel("token accuracy")
        axis.set_ylabel("share of programs")
        axis.set_xlim(0, 1.05)
        axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    save_figure(figure, path, dpi=120)
    plt.close(figure)


def plot_metrics_by_mode(overall: dict, paper_numbers: dict, path: Path) -> None:
    """Paper Fig. 8: sequence equality, compilability and equivalence per mode, ours beside the paper's."""
    modes = list(overall)
    figure, axis = plt.subplots(figsize=(7, 3.8))
    width = 0.8 / max(2 * len(modes), 1)
    positions = np.arange(len(PROGRAM_METRICS))
    colors = ("tab:blue", "tab:orange", "tab:green", "tab:red")
    for slot, mode in enumerate(modes):
        ours = [overall[mode][m] for m in PROGRAM_METRICS]
        offset = (2 * slot - len(modes) + 0.5) * width
        axis.bar(positions + offset, ours, width, label=f"{mode} (ours)", color=colors[slot % len(colors)])
        if mode in paper_numbers:
            paper = [paper_numbers[mode].get(m, 0.0) for m in PROGRAM_METRICS]
            axis.bar(positions + offset + width, paper, width, label=f"{mode} (paper)",
                     color=colors[slot % len(colors)], alpha=0.35, hatch="//")
    axis.set_xticks(positions, [METRIC_TITLES[m] for m in PROGRAM_METRICS])
    axis.set_ylim(0, 1)
    axis.set_ylabel("share of programs")
    axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    save_figure(figure, path, dpi=120)
    plt.close(figure)


# Hand-written programs -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class NamedProgram:
    """A program from a `.rasp` file: its name, first-line description, canonical form and model."""

    name: str
    description: str
    program: Program
    model: CompiledModel


def load_programs_dir(programs_dir: str | Path,
                      config: CompileConfig = CompileConfig()) -> list[NamedProgram]:
    """Every `*.rasp` in a directory, sorted by name, canonicalised (as the dataset is) and compiled."""
    from trade.program.text import ParseError

    if not Path(programs_dir).is_dir():
        raise FileNotFoundError(f"{programs_dir}: no such directory of .rasp programs")
    out = []
    for path in sorted(Path(programs_dir).glob("*.rasp")):
        if not path.is_file():
            raise ValueError(f"{path}: not a file (a directory named like a program); rename or remove it")
        try:
            source = path.read_text()
            first = source.lstrip().splitlines()[0] if source.strip() else ""
            description = first.lstrip("#").strip() if first.startswith("#") else ""
            program = canonicalize(parse_program(source))
            model = compile_program(program, config)
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"{path}: cannot read ({error})") from None
        except (ParseError, ProgramError) as error:
            raise ValueError(f"{path}: {error}") from None
        except CompileError as error:
            raise ValueError(f"{path}: Tracr cannot compile this program ({error})") from None
        out.append(NamedProgram(path.stem, description, program, model))
    if not out:
        raise FileNotFoundError(f"{programs_dir}: no .rasp programs")
    return out


def evaluate_programs_dir(programs_dir: str | Path, predict: Predictor,
                          options: EvaluateOptions = EvaluateOptions(),
                          ) -> tuple[list[NamedProgram], list[ProgramResult]]:
    """Decompiles every hand-written program with `predict` and evaluates its predictions."""
    programs = load_programs_dir(programs_dir, options.compile_config)
    weights = [weights_of(p.model) for p in programs]
    predictions = predict(weights, [program_to_ids(p.program) for p in programs])
    results = evaluate_predictions([p.program for p in programs], predictions, weights, options)
    return programs, results


def timed_evaluation(truth_programs: Sequence[Program], predictions_by_mode: Predictions,
                     weights: Sequence[ModelWeights] | None = None,
                     options: EvaluateOptions = EvaluateOptions()) -> tuple[list[ProgramResult], dict]:
    """`evaluate_predictions` plus the timing figures a report should carry."""
    start = time.perf_counter()
    results = evaluate_predictions(truth_programs, predictions_by_mode, weights, options)
    seconds = time.perf_counter() - start
    count = len(truth_programs) * len(predictions_by_mode)
    return results, {"evaluation_seconds": round(seconds, 2),
                     "seconds_per_1000_predictions": round(1000 * seconds / max(count, 1), 2)}
