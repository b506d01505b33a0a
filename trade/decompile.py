"""The main job: from a compiled transformer's weights to a verified RASP program.

Where the weights carry their residual labels (every Tracr model does, and so do
files from `trade compile`), the program is read from them line by line
(`trade.weights_to_program`) and verified: that is the `read` stage, and it
needs no decoder. Otherwise, or if reading fails or cannot be verified, the
neural pipeline runs.

The neural pipeline's stages, in order: load and validate the weights; tokenize them; read the
program's skeleton (each line's function and arguments) from the weights'
dataflow (`trade.skeleton`); decode candidates with grammar-constrained beam
search, freely and under the skeleton (only Tracr-compilable programs
survive); verify each candidate against the given weights alone (recompile and
compare: `exact`; run both on the whole input space: `equivalent`); if none is
`exact`, fill in the skeleton line by line, each line checked against its own
weights (`trade.fill`), then search from the candidates towards the weights
(`trade.repair`) and verify what it finds; among programs with the given
weights, prefer the one the decoder finds most likely; return the best verified
candidate, or the most likely one marked `unverified`.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

# The neural pipeline (`trade.checkpoint`, `trade.decoding`, `trade.fill`, `trade.repair`) imports torch,
# which costs seconds and a model read from its labelled weights never needs: those modules are imported
# inside the functions that run the decoder. Their options live in the torch-free `trade.search_options`.
from trade.basis import decompile_transformed
from trade.compiling import CompileConfig, CompileError, compile_program
from trade.layout import LayoutError, is_trade_layout, trade_layouts
from trade.program.program import Op, Program, ProgramError, VarType, canonicalize, variable_name
from trade.program.interpret import encode_value
from trade.program.text import program_to_text
from trade.program.tracr_bridge import to_rasp
from trade.program.tokens import TOKENS_PER_LINE, ids_to_program, program_to_ids
from trade.search_options import Candidate, DecodingOptions, FillOptions, RepairOptions, TooLargeError
from trade.skeleton import Skeleton, fits, skeletons
from trade.verify import (EXACT, UNVERIFIED, ReferenceModel, Undetermined, Verification, VerifyOptions,
                          confirmed_by, confirming_run, reference_model, run_needed, same_parameters,
                          undetermined_tokens, verify)
from trade.weights import OUTPUT_VALUES_UNKNOWN, ROLES, ModelWeights, WeightTokens
from trade.model_inputs import ModelFacts, ModelInput, read_model
from trade.weights_to_program import ReadError, ReadProgram, read_program

if TYPE_CHECKING:
    from trade.checkpoint import Checkpoint

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "checkpoints" / "medium"


@dataclasses.dataclass(frozen=True)
class DecompileOptions:
    """How hard to search and whether to check."""

    beam_size: int = 8
    grammar: bool = True
    verify: bool = True
    repair: bool = True  # weight-guided search when no beam candidate is `exact` (needs verify)
    repair_options: RepairOptions = RepairOptions()
    skeleton: bool = True  # read the program's skeleton from the weights, decode under it and fill it in
    read: bool = True  # read labelled weights line by line (`trade.weights_to_program`) before decoding
    fill_options: FillOptions = FillOptions()
    explain: bool = False
    undetermined: bool = False  # list the tokens of an `exact` result that the weights do not decide


@dataclasses.dataclass
class TriedCandidate:
    """One beam candidate: its program (None if it was not a program), score and verdict."""

    text: str | None
    ids: list[int]
    log_prob: float
    verdict: str
    reason: str


@dataclasses.dataclass
class Decompilation:
    """What `decompile` returns: the program, how sure we are, and how we know."""

    program: Program
    text: str
    ids: list[int]
    verdict: str
    reason: str
    line_confidence: list[float]
    candidates: list[TriedCandidate]
    timings: dict[str, float]
    explanation: list[list[tuple[str, float]]] | None = None
    undetermined: list[Undetermined] | None = None
    skeleton: list[str] | None = None  # what the weights show of each line (`trade.skeleton`), if read
    attention: np.ndarray | None = None
    weight_token_names: list[str] | None = None
    # Which stage produced the result: `read` (the weights read line by line), `beam` (the decoder's
    # beam search), `fill` (the skeleton filled in line by line) or `repair` (weight-guided search).
    stage: str = "beam"
    labels: list[str] | None = None  # per line, the label of its variable in the given model (`read`)
    notes: list[str] = dataclasses.field(default_factory=list)  # what the weights leave open
    config: CompileConfig | None = None  # the compile settings of the given model

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data.pop("program")
        data.pop("attention")
        return data

    def _repr_html_(self) -> str:
        """In a notebook, the page `trade report` writes (`trade.report`), with the program recompiled."""
        from trade.report import report_html

        return report_html(self, None, "Decompiled program", full_page=False)


def load_decompiler(checkpoint: str | Path | None = None) -> Checkpoint:
    """The shipped checkpoint by default (`checkpoints/medium`)."""
    from trade.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(checkpoint or DEFAULT_CHECKPOINT)
    checkpoint.model.eval()
    return checkpoint


def weights_from(model, facts: ModelFacts = ModelFacts()) -> ModelWeights:
    """ModelWeights from any input `trade.model_inputs.read_model` takes: a path (TraDe, plain .npz or
    .safetensors, TransformerLens .safetensors + .json), ModelWeights, a CompiledModel, a Tracr
    AssembledTransformerModel or a TransformerLens HookedTransformer."""
    return read_model(model, facts).weights


def compilable_filter(config: CompileConfig):
    """A beam filter: does this token sequence decode to a program Tracr compiles? (memoised)"""
    cache: dict[tuple[int, ...], bool] = {}

    def accept(ids: Sequence[int]) -> bool:
        key = tuple(ids)
        if key not in cache:
            try:
                compile_program(canonicalize(ids_to_program(list(ids))), config, timeout=5.0)
                cache[key] = True
            except (ProgramError, CompileError):
                cache[key] = False
        return cache[key]

    return accept


def weight_skeletons(weights: ModelWeights) -> list[Skeleton]:
    """The program skeletons the weights show (`trade.skeleton`); none for a model not in TraDe's layout."""
    if weights.residual_labels is not None and not is_trade_layout(weights.residual_labels):
        return []
    try:
        return skeletons(weights)
    except LayoutError:
        return []


def decode_candidates(net, tokens: WeightTokens, options: DecodingOptions, accept,
                      found: Sequence[Skeleton] = ()) -> list[Candidate]:
    """`search_beam`, and a beam under each skeleton's template, most likely first.

    The skeleton fixes every line's function and arguments, where the decoder
    alone loses track on long programs; only lambdas and comparisons are left
    to it.
    """
    from trade.decoding import beam_search

    beam = search_beam(net, tokens, options, accept)
    for skeleton in found:
        beam += [candidate for candidate in beam_search(net, tokens, dataclasses.replace(
            options, template=skeleton.template()), accept) if candidate.finished]
    unique = {tuple(candidate.ids): candidate for candidate in beam}
    return sorted(unique.values(), key=lambda candidate: -candidate.log_prob)


def search_beam(net, tokens: WeightTokens, options: DecodingOptions, accept, widen: int = 4) -> list[Candidate]:
    """Beam search keeping only compilable programs; if none compiles, once more `widen` times wider."""
    from trade.decoding import beam_search

    beam = beam_search(net, tokens, options, accept)
    if not any(candidate.finished for candidate in beam):  # nothing accepted
        wider = beam_search(net, tokens, dataclasses.replace(options, beam_size=options.beam_size * widen), accept)
        if any(candidate.finished for candidate in wider):
            beam = wider[:options.beam_size]
    return beam


def line_confidence(candidate: Candidate, lines: int) -> list[float]:
    """Per line, the probability of its four tokens together."""
    log_probs = candidate.token_log_probs
    return [float(np.exp(sum(log_probs[i * TOKENS_PER_LINE:(i + 1) * TOKENS_PER_LINE])))
            for i in range(lines)]


def layer_comments(program: Program, config: CompileConfig) -> dict[str, str]:
    """`categorical, layer 1 mlp` per variable: its type and the sublayer that computes it."""
    types = program.types()
    comments = {name: t.value for name, t in types.items() if name.startswith("v")}
    try:
        model = compile_program(program, config, timeout=5.0)
    except CompileError:
        return comments
    written: dict[str, str] = {}  # residual label -> first sublayer writing it
    for layer in range(model.num_layers):
        for kind, key in (("attn", f"transformer/layer_{layer}/attn/linear/w"),
                          ("mlp", f"transformer/layer_{layer}/mlp/linear_2/w")):
            for column in np.flatnonzero(np.abs(model.params[key]).sum(axis=0)):
                written.setdefault(model.residual_labels[column].split(":")[0], f"layer {layer} {kind}")
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        label = f"{name}_{index + 1}"  # see tracr_bridge: labels are pinned to line numbers
        where = written.get(label)
        if types[name] is VarType.SELECTOR:
            # A selector lives in the attention of the line that reads it (SelectorWidth's
            # attention writes a scratch dimension of its own).
            readers = [f"{variable_name(i)}_{i + 1}" for i, other in enumerate(program.lines)
                       if name in other.variable_args]
            heads = [written.get(r) if (written.get(r) or "").endswith("attn")
                     else written.get(f"{r}_selector_width_attn_output") for r in readers]
            where = next((f"used in {h}" for h in heads if h), None)
        if where:
            comments[name] = f"{comments[name]}, {where}"
    return comments


_RANK = {EXACT: 0, "equivalent": 1, UNVERIFIED: 2}


def choose_candidate(beam: Sequence[Candidate], check: Callable[[Program], Verification] | None, accept
                     ) -> tuple[tuple[Candidate, Program, str, str] | None, list[TriedCandidate]]:
    """Verifies a beam's programs with `check`, compilable ones first, and picks the best verdict.

    Returns the chosen (candidate, canonical program, verdict, reason) — the first
    `exact`, else the first `equivalent`, else the first program — and every
    candidate tried. Verification stops at the first `exact`; `check` None
    switches it off. The chosen one is None only if no candidate is a program.
    """
    ranked = sorted(beam, key=lambda c: not accept(c.ids))  # compilable first, stable
    tried: list[TriedCandidate] = []
    chosen: tuple[Candidate, Program, str, str] | None = None
    seen: set[Program] = set()
    for candidate in ranked:
        try:
            program = canonicalize(ids_to_program(candidate.ids))
        except ProgramError as error:
            tried.append(TriedCandidate(None, candidate.ids, candidate.log_prob, UNVERIFIED, str(error)))
            continue
        if program in seen:
            continue
        seen.add(program)
        if not accept(candidate.ids):
            verdict, reason = UNVERIFIED, "Tracr cannot compile it"
        elif check is not None:
            result = check(program)
            verdict, reason = result.verdict, result.reason
        else:
            verdict, reason = UNVERIFIED, "verification was switched off"
        tried.append(TriedCandidate(program_to_text(program), candidate.ids, candidate.log_prob, verdict, reason))
        if chosen is None or _RANK[verdict] < _RANK[chosen[2]]:
            chosen = (candidate, program, verdict, reason)
        if verdict == EXACT:
            break
    return chosen, tried


def compilable_parts(program: Program, accept) -> list[Program]:
    """The program cut after each line, longest first, where Tracr compiles the cut.

    When no candidate compiles, the search starts from the largest parts of the
    most likely one that do (its missing lines can then be appended back).
    """
    parts = []
    for lines in range(len(program) - 1, 0, -1):
        try:
            part = canonicalize(Program(program.lines[:lines]))
        except ProgramError:
            continue
        if accept(program_to_ids(part)):
            parts.append(part)
    return parts


def search_and_verify(weights: ModelWeights, net, tokens: WeightTokens, beam: Sequence[Candidate],
                      reference: ReferenceModel | None, accept, options: DecompileOptions,
                      found: Sequence[Skeleton] = ()
                      ) -> tuple[tuple[Candidate, Program, str, str] | None, list[TriedCandidate]]:
    """`choose_candidate`, then, while nothing is `exact` (if `options.repair`), the skeletons `found`
    filled in line by line (`trade.fill`), then weight-guided repair.

    Shared by `decompile` and the `beam_repaired` evaluation mode. Repaired
    programs are verified like beam candidates; only verdicts decide.
    """
    from trade.decoding import beam_search
    from trade.fill import fill
    from trade.repair import Searcher, min_lines, most_likely_twin, repair, token_log_probs

    if reference is None:
        return choose_candidate(beam, None, accept)
    verified: dict[Program, Verification] = {}

    def checked(program: Program) -> Verification:  # the beam, the search and the choice share verdicts
        if program not in verified:
            verified[program] = verify(program, reference, options=VerifyOptions())
        return verified[program]

    chosen, tried = choose_candidate(beam, checked, accept)
    if not options.repair:
        return chosen, tried

    def is_exact(program: Program) -> bool:
        return checked(program).verdict == EXACT

    searcher = Searcher(weights, net, tokens, options.repair_options, is_exact)
    fill_ends = time.perf_counter() + options.fill_options.max_seconds  # for all skeletons together
    for skeleton in found:
        left = fill_ends - time.perf_counter()
        if (chosen is not None and chosen[2] == EXACT) or left <= 0:
            break
        within = dataclasses.replace(options.fill_options, max_seconds=left)
        program = fill(searcher, skeleton, is_exact, within)
        if program is not None:
            log_probs = token_log_probs(searcher, program)
            candidate = Candidate(program_to_ids(program), sum(log_probs), log_probs, True)
            reason = f"the skeleton the weights show, filled in: {checked(program).reason}"
            chosen = (candidate, program, EXACT, reason)
            tried.append(TriedCandidate(program_to_text(program), candidate.ids, candidate.log_prob, EXACT,
                                        reason))
    closest = searcher.scored(chosen[1]) if chosen is not None and accept(chosen[0].ids) else None
    climbed: set[Program] = set()
    rounds: list = [lambda: beam]  # candidate lists to climb from, made when needed, last first
    extra = False
    while rounds and (chosen is None or chosen[2] != EXACT):
        searcher.pause_after(None)
        if searcher.out_of_budget():
            break
        starts = []
        for candidate in rounds.pop()():
            try:
                starts.append(canonicalize(ids_to_program(candidate.ids)))
            except ProgramError:
                continue
        if not extra and not any(accept(candidate.ids) for candidate in beam):
            starts += [part for program in starts[:1] for part in compilable_parts(program, accept)]
        starts = [start for start in starts if start not in climbed]
        climbed.update(starts)
        searcher.pause_after(None if extra else options.repair_options.first_round_share)
        for program in repair(searcher, starts):
            text = program_to_text(program)
            if any(t.text == text for t in tried):
                continue
            result = checked(program)
            log_probs = token_log_probs(searcher, program)
            candidate = Candidate(program_to_ids(program), sum(log_probs), log_probs, True)
            tried.append(TriedCandidate(text, candidate.ids, candidate.log_prob,
                                        result.verdict, f"repaired: {result.reason}"))
            scored = searcher.scored(program)
            # Better verdicts win; among unverified ones, the one closest to the weights.
            closer = (chosen is not None and result.verdict == chosen[2] == UNVERIFIED and scored is not None
                      and (closest is None or scored.score > closest.score))
            if chosen is None or _RANK[result.verdict] < _RANK[chosen[2]] or closer:
                chosen = (candidate, program, result.verdict, f"repaired: {result.reason}")
                closest = scored
            if result.verdict == EXACT:
                break
        if not extra:  # still nothing exact: climb again from other decodings
            extra = True
            repair_options = options.repair_options
            if repair_options.restart_beam > len(beam):
                rounds.append(lambda: beam_search(
                    net, tokens, DecodingOptions(beam_size=repair_options.restart_beam), accept))
            if closest is not None and closest.size < sum(searcher.given.values()):
                # The weights have more units than the closest candidate: lines are missing.
                lines = max(len(closest.program) + 1, min_lines(weights))
                longer = DecodingOptions(beam_size=len(beam), min_lines=lines)
                rounds.append(lambda: beam_search(net, tokens, longer, accept))
    if chosen is not None and chosen[2] == EXACT:
        twin = most_likely_twin(searcher, chosen[1], is_exact)
        if twin != chosen[1]:
            log_probs = token_log_probs(searcher, twin)
            candidate = Candidate(program_to_ids(twin), sum(log_probs), log_probs, True)
            chosen = (candidate, twin, EXACT, f"{chosen[3]}; the decoder's most likely program with "
                      "these weights")
            tried.append(TriedCandidate(program_to_text(twin), candidate.ids, candidate.log_prob, EXACT,
                                        "same weights, more likely"))
    return chosen, tried


MAX_LAYOUTS = 8  # orders of tied Maps tried, each with the whole search (up to its 6 s when not exact)


def layouts_of(model) -> tuple[list[ModelWeights], str]:
    """The weights to decode, and a note on their layout.

    A model whose residual directions are named otherwise than TraDe names
    them is reordered into TraDe's layout (`trade.layout`), once per order of
    the Maps whose canonical order depends on their lambdas. Weights without
    names (a `.npz` saved without them) are read as they are.
    """
    weights = weights_from(model)
    labels = weights.residual_labels
    if labels is None or is_trade_layout(labels):
        return [weights], ""
    try:
        layouts = trade_layouts(weights, labels, limit=MAX_LAYOUTS)
    except LayoutError as error:
        return [weights], f"read in its own layout ({error})"
    return layouts, "its residual directions, neurons and head dimensions reordered into TraDe's layout"


CAUSAL_NOTE = ("a causal model (Tracr's causal=True): the program is what it computes when every selector "
               "sees only keys at or before its query")


def decompile(model, decompiler: Checkpoint | None = None, options: DecompileOptions = DecompileOptions(), *,
              vocab: Sequence | None = None, max_seq_len: int | None = None, bos: str | None = None,
              pad: str | None = None, output_values: Sequence | str | None = None,
              causal: bool | None = None) -> Decompilation:
    """Decompiles a compiled Tracr model: any input `trade.model_inputs.read_model` takes.

    `vocab`, `max_seq_len`, `bos`, `pad`, `output_values` (a list, or "numerical") and `causal` say what a
    plain parameter file or a TransformerLens model cannot (`trade decompile`'s flags); where they are left
    out, the training data's defaults are assumed, and the result's notes and reason say so.
    """
    began = time.perf_counter()
    facts = ModelFacts(vocab=None if vocab is None else tuple(vocab), max_seq_len=max_seq_len, bos=bos,
                       pad=pad,
                       output_values=None if output_values is None else
                       output_values if isinstance(output_values, str) else list(output_values),
                       causal=causal)
    given = model if isinstance(model, ModelInput) else read_model(model, facts)
    result = _decompile_model(given.weights, decompiler, options, time.perf_counter() - began)
    for bos_name, pad_name in given.name_options if result.verdict != EXACT else ():
        renamed = given.named(bos_name, pad_name)  # BOS's and PAD's rows in doubt: another layout
        again = _decompile_model(renamed.weights, decompiler, options, time.perf_counter() - began)
        if again.verdict == EXACT:
            given, result = renamed, again
            result.notes.append(f"BOS and PAD named {bos_name!r} and {pad_name!r}: under the names first "
                                "read from the recovered basis the reading was not `exact`")
            break
    result.notes = [f"input: {given.kind}"] + [f"assumed: {fact}" for fact in given.defaults] + given.notes + \
        result.notes
    if given.weights.compile_config.causal:
        result.reason = f"{result.reason}; {CAUSAL_NOTE}"
    unpromised = given.unpromised()
    if unpromised:
        result.reason = f"{result.reason}; not promised for this input: {'; '.join(unpromised)}"
    return result


def _decompile_model(weights: ModelWeights, decompiler: Checkpoint | None, options: DecompileOptions,
                     read_seconds: float = 0.0) -> Decompilation:
    """`decompile` on weights already read.

    Labelled weights are read line by line first (`read_weights`); a verified
    reading is the result. Where no labelling reads as a confirmed program, the
    model is read in a recovered basis (`_read_in_any_basis`). Otherwise the
    neural pipeline decodes: with several layouts (`layouts_of`), each is
    decoded in turn until one comes back `exact`; the best verdict wins, the
    first on a tie (the reading on a tie).
    """
    began = time.perf_counter() - read_seconds
    transformed = decompile_transformed(weights, decompiler, options)  # not one-hot: trade.basis
    if transformed is not None:
        return transformed
    load_seconds = time.perf_counter() - began
    read = None
    if options.read:
        labelled, note = labelled_weights(weights)
        if labelled is not None:
            read = read_weights(labelled, options)
            if note:
                read.reason = f"{read.reason}; {note}"
                read.notes.append(note)
            if note and read.verdict != EXACT:
                read = _read_unpeeled(weights, labelled, options, read)
    if read is not None and read.verdict == UNVERIFIED and weights.residual_labels is not None:
        read = _read_without_labels(weights, options, read)
    if options.read and (read is None or read.verdict == UNVERIFIED):
        read = _read_in_any_basis(weights, options, read)
    if read is not None:
        read.timings["load"] = load_seconds
        read.config = weights.compile_config
        if read.verdict == EXACT or (read.verdict != UNVERIFIED and not decoder_applies(weights)):
            return read  # an `equivalent` reading, where the decoder was trained, may still become exact
    if not decoder_applies(weights):
        if read is None:
            read = no_program("no residual labels, and none could be inferred from the weights", "none",
                              weights.compile_config)
        read.reason = f"{read.reason}; the neural decoder was not tried (it reads TraDe's training distribution only)"
        return read
    try:
        best = _decode(weights, decompiler, options)
    except (TooLargeError, LayoutError, ValueError) as error:
        if not options.read:  # the decoder alone was asked for: its failure is the answer
            raise
        if read is None:
            read = no_program("the weights could not be read", "none", weights.compile_config)
        read.reason = f"{read.reason}; the decoder could not run either ({error})"
        return read
    best.timings["load"] = load_seconds + best.timings.get("load", 0.0)
    best.config = weights.compile_config
    if read is not None and _RANK[read.verdict] <= _RANK[best.verdict]:
        return read
    return best


def _read_in_any_basis(weights: ModelWeights, options: DecompileOptions, read: Decompilation | None
                       ) -> Decompilation | None:
    """Where no labelling reads as a confirmed program, the reading through a recovered basis
    (`trade.basis.reading_in_any_basis`), judged on the given model; else `read` as it was."""
    from trade.basis import BasisError, reading_in_any_basis

    try:
        again = reading_in_any_basis(dataclasses.replace(weights, residual_labels=None), options)
    except (BasisError, LayoutError, ValueError):
        return read
    if again is None:
        return read
    note = "no residual labels read as a confirmed program; read in a recovered basis instead"
    again.reason = f"{again.reason.replace('the given (transformed) model', 'the given model')}; {note}"
    again.notes.append(note)
    return again


def _read_without_labels(weights: ModelWeights, options: DecompileOptions, read: Decompilation) -> Decompilation:
    """The reading with labels inferred from the arrays, where the model's own labels gave no confirmed one
    (the reading in hand otherwise). Labels are `name:value` text, which a name with a colon splits in
    the wrong place; the arrays have no names to split."""
    relabelled, note = labelled_weights(dataclasses.replace(weights, residual_labels=None))
    if relabelled is None:
        return read
    again = read_weights(relabelled, options)
    if again.verdict == UNVERIFIED:
        return read
    note = f"the model's own residual labels did not read as a program ({read.reason}): {note}"
    again.reason = f"{again.reason}; {note}"
    again.notes.append(note)
    return again


def _read_unpeeled(weights: ModelWeights, labelled: ModelWeights, options: DecompileOptions,
                   read: Decompilation) -> Decompilation:
    """The reading with labels inferred the other way at a lookup's unread ends (`unpeeled_weights`), where
    it gets a better verdict than `read` (labelled by `labelled_weights`); else `read`."""
    unpeeled = unpeeled_weights(weights, labelled)
    if unpeeled is None:
        return read
    again = read_weights(unpeeled, options)
    if _RANK[again.verdict] >= _RANK[read.verdict]:
        return read
    note = ("residual labels inferred from the weights, a lookup's unread end values kept in it (not "
            "numerical Maps that are always 0)")
    again.reason = f"{again.reason}; {note}"
    again.notes.append(note)
    return again


def unpeeled_weights(weights: ModelWeights, labelled: ModelWeights) -> ModelWeights | None:
    """`weights` labelled by `trade.residual_labels.infer_labels` without peeling (a neuron at a lookup's
    end that reads nothing, and whose direction nothing reads, kept as a value of the lookup), where that
    differs from `labelled`'s labels; else None."""
    from trade.residual_labels import LabelError, infer_labels

    try:
        labels, _ = infer_labels(dataclasses.replace(weights, residual_labels=None), peel=False)
    except (LabelError, KeyError, IndexError, ValueError):
        return None
    if labels == labelled.residual_labels:
        return None
    return dataclasses.replace(weights, residual_labels=labels)


def _decode(weights: ModelWeights, decompiler: Checkpoint | None, options: DecompileOptions) -> Decompilation:
    """The neural pipeline on each layout of the weights; the best verdict wins."""
    began = time.perf_counter()
    layouts, note = layouts_of(weights)
    decompiler = decompiler or load_decompiler()
    load_seconds = time.perf_counter() - began
    best: Decompilation | None = None
    for layout in layouts:
        result = _decompile_weights(layout, decompiler, options)
        if best is None or _RANK[result.verdict] < _RANK[best.verdict]:
            best = result
        if best.verdict == EXACT:
            break
    assert best is not None
    best.timings["load"] = load_seconds
    if note:
        tried = f" (tried {len(layouts)} orders)" if len(layouts) > 1 else ""
        best.reason = f"{best.reason}; {note}{tried}"
    return best


def read_weights(weights: ModelWeights, options: DecompileOptions = DecompileOptions(),
                 check: bool = True) -> Decompilation:
    """The `read` stage: the program read from labelled weights, with its verdict.

    `exact`: recompiled with the model's own labels, it gives the given arrays
    and output values; else `equivalent` if the given model computes it (on
    every input, or a seeded sample where there are too many), else `unverified`.
    A model that does not read as a Tracr program comes back `unverified` with
    the reason (the caller then tries the decoder). `check=False` skips the
    verdict (`unverified`), for a caller that judges the reading itself.
    """
    began = time.perf_counter()
    weights = with_label_tokens(weights)
    try:
        read = read_program(weights)
    except (ReadError, ValueError, IndexError, KeyError, TypeError, ArithmeticError) as error:
        result = no_program(f"the weights do not read as a Tracr program: {error}", "read", weights.compile_config)
        result.timings["read"] = time.perf_counter() - began
        return result
    timings = {"read": time.perf_counter() - began}
    began = time.perf_counter()
    verdict, reason = verify_reading(read, weights, options) if check else (UNVERIFIED, "not checked")
    timings["verify"] = time.perf_counter() - began
    comments = {variable_name(i): source if line.op is Op.SELECT else f"{label}, {source}"
                for i, (line, label, source) in enumerate(zip(read.program.lines, read.names, read.sources))}
    try:
        ids = program_to_ids(read.program)
    except KeyError:  # tables and lines past the decoder's vocabulary have no token ids
        ids = []
    result = Decompilation(program=read.program, text=program_to_text(read.program, comments), ids=ids,
                           verdict=verdict, reason=reason, line_confidence=[], candidates=[], timings=timings,
                           stage="read", labels=list(read.names), notes=list(read.notes))
    if options.undetermined and (verdict == EXACT or not check):  # unchecked: the caller keeps it if exact
        result.undetermined = [
            Undetermined(variable_name(i), _token_text(line), alternatives)
            for i, (line, alternatives) in enumerate(zip(read.program.lines, read.alternatives)) if alternatives]
    return result


def _token_text(line) -> str:
    from trade.program.tables import predicate_text

    return predicate_text(line.args[2]) if line.op is Op.SELECT else line.lam.text


def no_program(reason: str, stage: str, config: CompileConfig | None) -> Decompilation:
    """An `unverified` result with no program: what neither reading nor decoding produced, and why."""
    return Decompilation(program=Program(()), text="", ids=[], verdict=UNVERIFIED, reason=reason,
                         line_confidence=[], candidates=[], timings={}, stage=stage, config=config)


def decoder_applies(weights: ModelWeights) -> bool:
    """Whether the neural decoder can add anything: it was trained on integer vocabularies of 5
    tokens and inputs of up to 5, and reads at most 64 weight tokens; elsewhere it only costs time."""
    config = weights.compile_config
    return (all(isinstance(v, int) for v in config.vocab) and len(config.vocab) <= 8
            and config.max_seq_len <= 8 and weights.d_model <= 160)


def labelled_weights(weights: ModelWeights) -> tuple[ModelWeights | None, str]:
    """The weights with residual labels: their own, else inferred from the arrays
    (`trade.residual_labels`), with a note on what is made up; None if they cannot be."""
    if weights.residual_labels is not None:
        return weights, ""
    from trade.residual_labels import LabelError, infer_labels

    try:
        labels, unknown = infer_labels(weights)
    except (LabelError, KeyError, IndexError, ValueError):
        return None, ""
    note = "residual labels inferred from the weights"
    if unknown:
        note += f" (the values of {', '.join(sorted(unknown))} are not in the weights: numbered 0, 1, ...)"
    return dataclasses.replace(weights, residual_labels=labels), note


def with_label_tokens(weights: ModelWeights) -> ModelWeights:
    """The weights with the PAD token their labels name, where the compile settings name another.

    Tracr's default pad token is `compiler_pad`, TraDe's `PAD`: only the labels tell which one a
    model was compiled with, and a wrong one lays the token directions out differently.
    """
    config = weights.compile_config
    tokens = [label.partition(":")[2] for label in weights.residual_labels or () if label.startswith("tokens:")]
    known = {str(v) for v in config.vocab} | {str(config.compiler_bos)}
    extra = [text for text in tokens if text not in known]
    if len(extra) != 1 or extra[0] == str(config.compiler_pad):
        return weights
    return dataclasses.replace(weights, compile_config=dataclasses.replace(config, compiler_pad=extra[0]))


def verify_reading(read: ReadProgram, weights: ModelWeights,
                   options: DecompileOptions = DecompileOptions()) -> tuple[str, str]:
    """The verdict on a reading: recompiled with the model's labels, then run against the model."""
    try:
        model = compile_program(to_rasp(read.program, labels=read.names), weights.compile_config, timeout=60.0)
    except (CompileError, ProgramError) as error:
        if isinstance(error, ProgramError) or not options.verify:
            return UNVERIFIED, f"read from the weights, but Tracr cannot compile the reading ({error})"
        result = verify(read.program, reference_model(weights, weights.output_values))
        return result.verdict, f"read from the weights; {result.reason}"
    difference = same_parameters(model, weights, VerifyOptions().parameter_tolerance)
    order = ""
    if difference is not None and _same_up_to_order(model, weights):
        difference, order = None, " up to the order of heads, MLP units and residual directions"
    labels_known = weights.output_values != OUTPUT_VALUES_UNKNOWN
    same = difference is None and (not labels_known or
                                   _same_outputs(model.output_values, weights.output_values))
    caveat = "" if labels_known else " (up to renaming output values: the weights carry no labels)"
    why = run_needed(read.program, weights.compile_config)
    if same and not why:
        return EXACT, f"read from the weights; recompiles to the given weights{order}" + caveat
    if same:  # the same weights may compute otherwise than the program (`run_needed`)
        problem = confirming_run(read.program, weights,
                                 lambda: reference_model(weights, weights.output_values))
        if problem is None:
            return EXACT, (f"read from the weights; recompiles to the given weights{order}, and "
                           f"{confirmed_by(read.program)} on the inputs run ({why})" + caveat)
        return UNVERIFIED, (f"read from the weights; recompiles to the given weights{order}, but {problem} "
                            f"({why})")
    if not options.verify:
        return UNVERIFIED, f"read from the weights; not the same weights ({difference}); verification was off"
    result = verify(read.program, reference_model(weights, weights.output_values))
    note = f"read from the weights; recompiled, {difference or 'the output values differ'}"
    return result.verdict, f"{note}; {result.reason}"


def _same_up_to_order(model, weights: ModelWeights) -> bool:
    """Whether the recompiled model is the given one with its heads, MLP units or residual directions in
    another order, within float rounding (`trade.basis.basis_fit`, as for a rotated model): a reading's
    made-up names, or a symmetric SequenceMap's arguments, can order them otherwise than Tracr did, which
    changes nothing the model computes."""
    from trade.basis import ROUNDING_TOLERANCE, basis_fit
    from trade.weights import weights_of

    try:  # other shapes or parameters: `basis_fit` says so (`_unlike`)
        difference, worst = basis_fit(weights_of(model), weights, ROUNDING_TOLERANCE)
    except (ValueError, np.linalg.LinAlgError):
        return False
    return difference is None and worst <= ROUNDING_TOLERANCE


def _same_outputs(compiled: list | None, given: list | None) -> bool:
    if compiled is None or given is None:
        return compiled is None and given is None
    return [encode_value(v) for v in compiled] == [encode_value(v) for v in given]


def _decompile_weights(weights: ModelWeights, decompiler: Checkpoint, options: DecompileOptions
                       ) -> Decompilation:
    from trade.decoding import greedy, weight_tokens

    timings: dict[str, float] = {}
    net, tokenizer = decompiler.model, decompiler.tokenizer
    tokens = weight_tokens(net, [weights], tokenizer)[0]

    began = time.perf_counter()
    decoding = DecodingOptions(beam_size=options.beam_size, grammar=options.grammar)
    accept = compilable_filter(weights.compile_config)
    found = []
    if options.beam_size <= 1:
        beam = greedy(net, [tokens], decoding)
        if not accept(beam[0].ids):  # greedy's program does not compile: search for one that does
            beam = search_beam(net, tokens, dataclasses.replace(decoding, beam_size=4), accept)[:1]
    else:
        found = weight_skeletons(weights) if options.skeleton else []
        beam = decode_candidates(net, tokens, decoding, accept, found)
    timings["decode"] = time.perf_counter() - began

    began = time.perf_counter()
    reference = reference_model(weights, weights.output_values) if options.verify else None
    chosen, tried = search_and_verify(weights, net, tokens, beam, reference, accept, options, found)
    timings["verify"] = time.perf_counter() - began
    if chosen is None:
        raise ValueError("the decompiler produced no program (every candidate was malformed)")
    candidate, program, verdict, reason = chosen
    comments = layer_comments(program, weights.compile_config)
    stage = ("fill" if reason.startswith("the skeleton") else "repair" if reason.startswith("repaired")
             else "greedy" if options.beam_size <= 1 else "beam")
    decompilation = Decompilation(
        program=program, text=program_to_text(program, comments), ids=candidate.ids, verdict=verdict,
        reason=reason, line_confidence=line_confidence(candidate, len(program)), candidates=tried,
        timings=timings, stage=stage)
    if found:  # the skeleton the result fits, else the first one read
        decompilation.skeleton = next((k for k in found if fits(program, k)), found[0]).text()
    if options.explain:
        explain(decompilation, net, tokens, tokenizer.roles)
    if options.undetermined and verdict == EXACT and reference is not None:
        began = time.perf_counter()
        decompilation.undetermined = undetermined_tokens(program, reference)
        timings["undetermined"] = time.perf_counter() - began
    return decompilation


def weight_token_names(tokens: WeightTokens, roles: tuple[str, ...] = ROLES) -> list[str]:
    """Readable names of weight tokens: `L1 query`, `token_embed`, ... (`roles`: the tokenizer's)."""
    names = []
    for role, layer in zip(tokens.roles.tolist(), tokens.layers.tolist()):
        names.append(roles[role] if layer == 0 else f"L{layer - 1} {roles[role]}")
    return names


def cross_attention(net, tokens: WeightTokens, ids: list[int]) -> np.ndarray:
    """Decoder cross-attention [program position, weight token], averaged over layers and heads."""
    import torch

    from trade.decoding import encode_weight_tokens

    captured: list[torch.Tensor] = []

    def hook(module, args, kwargs, output):
        x, source = args[0], args[1]
        q = module.query(x)
        k, _ = module.key_value(source).chunk(2, dim=-1)
        batch, length, width = q.shape
        q = q.view(batch, length, module.n_heads, -1).transpose(1, 2)
        k = k.view(batch, k.shape[1], module.n_heads, -1).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
        mask = kwargs.get("mask")
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        captured.append(scores.softmax(dim=-1).mean(dim=1)[0])

    handles = [block.cross_attn.register_forward_hook(hook, with_kwargs=True) for block in net.decoder.blocks]
    try:
        with torch.no_grad():
            memory, weight_mask = encode_weight_tokens(net, [tokens])
            net.decoder(torch.tensor([ids]), memory, weight_mask)
    finally:
        for handle in handles:
            handle.remove()
    return torch.stack(captured).mean(dim=0).numpy()


def explain(decompilation: Decompilation, net, tokens: WeightTokens, roles: tuple[str, ...] = ROLES,
            top: int = 3) -> None:
    """For each output line, the weight matrices the decoder attended to most while writing it."""
    attention = cross_attention(net, tokens, decompilation.ids)
    names = weight_token_names(tokens, roles)
    lines = []
    per_line = []
    for index in range(len(decompilation.program)):
        # Positions whose output is this line's tokens: inputs 4i .. 4i+3.
        rows = attention[index * TOKENS_PER_LINE:(index + 1) * TOKENS_PER_LINE].mean(axis=0)
        per_line.append(rows)
        order = np.argsort(-rows)[:top]
        lines.append([(names[j], float(rows[j])) for j in order])
    decompilation.explanation = lines
    decompilation.attention = np.stack(per_line)
    decompilation.weight_token_names = names


def plot_explanation(decompilation: Decompilation, path: str | Path) -> None:
    """A heatmap: program lines (rows) by weight matrices (columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    attention = decompilation.attention
    figure, axis = plt.subplots(figsize=(max(6, 0.35 * attention.shape[1]), 1 + 0.45 * attention.shape[0]))
    axis.imshow(attention, aspect="auto", cmap="viridis")
    axis.set_xticks(range(attention.shape[1]), decompilation.weight_token_names, rotation=90, fontsize=7)
    axis.set_yticks(range(attention.shape[0]), [line.split("#")[0].strip()
                                                  for line in decompilation.text.splitlines()], fontsize=7)
    axis.set_title("decoder cross-attention: which weight matrices each line was read from")
    figure.tight_layout()
    from trade.atomic import save_figure

    save_figure(figure, path, dpi=120)
    plt.close(figure)


def tracr_module(program: Program, compile_config: CompileConfig | None = None) -> str:
    """A runnable Python module that builds the program with Tracr's rasp API as `program`.

    Tables become dict lookups and predicate tables set lookups; with `compile_config`,
    the module also says how to compile it (`vocab`, `max_seq_len`, `compiler_bos`).
    """
    from trade.program.lambdas import COMPARISONS, LambdaKind
    from trade.program.tables import format_value, predicate_pairs

    types = program.types()
    out = ["from tracr.rasp import rasp", "", "tokens = rasp.tokens", "indices = rasp.indices", ""]
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        args = line.args
        if line.op is Op.SELECT and args[2] in COMPARISONS:
            expr = f"rasp.Select({args[0]}, {args[1]}, rasp.Comparison.{args[2]})"
        elif line.op is Op.SELECT:
            pairs = "{" + ", ".join(f"({format_value(k)}, {format_value(q)})"
                                    for k, q in predicate_pairs(args[2])) + "}"
            expr = f"rasp.Select({args[0]}, {args[1]}, lambda k, q: (k, q) in {pairs})"
        elif line.op is Op.AGGREGATE:
            default = ", default=0" if types[name] is VarType.NUMERICAL else ""
            expr = f"rasp.Aggregate({args[0]}, {args[1]}{default})"
        elif line.op is Op.SELECTOR_WIDTH:
            expr = f"rasp.SelectorWidth({args[0]})"
        elif line.op is Op.MAP:
            expr = f"rasp.Map({line.lam.python}, {args[1]}, simplify=False)"
        elif line.lam.kind is LambdaKind.LINEAR_SEQUENCE_MAP:
            factors = f"{format_value(line.lam.fn(1, 0))}, {format_value(line.lam.fn(0, 1))}"
            expr = f"rasp.LinearSequenceMap({args[1]}, {args[2]}, {factors})"
        else:
            expr = f"rasp.SequenceMap({line.lam.python}, {args[1]}, {args[2]})"
        if types[name] is VarType.NUMERICAL:
            expr = f"rasp.numerical({expr})"
        elif types[name] is VarType.CATEGORICAL:
            expr = f"rasp.categorical({expr})"
        out.append(f'{name} = {expr}.named("{name}")')
    out += ["", f"program = {program.output}"]
    if compile_config is not None:
        vocab = "{" + ", ".join(format_value(v) for v in compile_config.vocab) + "}"
        out += ["", "# from tracr.compiler import compiling",
                f"# model = compiling.compile_rasp_to_model(program, vocab={vocab}, "
                f"max_seq_len={compile_config.max_seq_len}, compiler_bos={compile_config.compiler_bos!r}, "
                f"compiler_pad={compile_config.compiler_pad!r}"
                f"{', causal=True' if compile_config.causal else ''})"]
    return "\n".join(out) + "\n"
