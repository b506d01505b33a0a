"""The neural search's options and results, without PyTorch: decoding, fill and repair settings.

`trade.decompile` builds its `DecompileOptions` from these, and a model read from its labelled
weights never runs the decoder, so they live apart from the modules that import torch
(`trade.decoding`, `trade.fill`, `trade.repair`, which re-export them): reading a model, or
refusing a bad file, then costs no torch import.
"""

from __future__ import annotations

import dataclasses

from trade.program.tokens import MAX_PROGRAM_TOKENS

Template = tuple[frozenset[int] | None, ...]  # allowed tokens per position after `<bos>`; None: any


@dataclasses.dataclass(frozen=True)
class DecodingOptions:
    """How to decode: beam size 1 is greedy; `grammar` applies the grammar mask."""

    beam_size: int = 1
    grammar: bool = True
    max_tokens: int = MAX_PROGRAM_TOKENS
    length_penalty: float = 0.0  # score = log p / len**penalty (0: plain log-probability)
    min_lines: int = 0  # `<eos>` is not allowed before this many lines (beam search)
    # Allowed tokens per position after `<bos>` (None: any), e.g. a program skeleton the weights
    # show (`trade.skeleton`); beam search only. Positions past its end allow nothing.
    template: Template | None = None


@dataclasses.dataclass
class Candidate:
    """One decoded token sequence (`<bos>` ... `<eos>`) and its log-probabilities."""

    ids: list[int]
    log_prob: float
    token_log_probs: list[float]
    finished: bool

    def score(self, length_penalty: float) -> float:
        return self.log_prob / max(len(self.ids) - 1, 1) ** length_penalty


class TooLargeError(ValueError):
    """A model with more weight tokens than the decompiler's encoder reads."""


@dataclasses.dataclass(frozen=True)
class FillOptions:
    """How wide and how long to search (`trade.fill`)."""

    choices: int = 160  # completions of a line tried, most likely first
    max_seconds: float = 3.0


@dataclasses.dataclass(frozen=True)
class RepairOptions:
    """How long to search (`trade.repair`)."""

    max_compiles: int = 1500
    max_seconds: float = 6.0
    max_steps: int = 12
    starts: int = 3  # beam candidates to climb from, best score first
    alternatives: int = 12  # single-token substitutions tried per position, most likely first
    line_beam: int = 8  # whole-line alternatives from the decoder per suspect line
    pairs: int = 40  # two-token substitutions tried per suspect line
    ancestors: int = 3  # upstream Map/SequenceMap lines whose lambdas the lookahead varies
    insert_beam: int = 3  # decoder lines tried per place when inserting a missing line
    first_round_share: float = 0.5  # of the time, for climbing from the first beam
    restart_beam: int = 32  # if the budget allows, climb again from a beam this wide
    sideways: int = 8  # moves to an equally scored neighbour when nothing improves (0: stop there)
