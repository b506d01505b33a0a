"""The program grammar as a logit mask: which token may come next after a prefix.

A decoder that only ever picks allowed tokens produces a well-typed program by
construction, so the mask is used as a logit filter while decoding and,
optionally, while training. The grammar is a small state machine run on whole
batches at once (`GrammarState`), one token per step:

- position 0 of a line: a function whose arguments can be satisfied by the
  variables defined so far (Aggregate and SelectorWidth need a selector,
  SequenceMap at most `MAX_SEQUENCE_MAPS` times, no Select on the last allowed
  line because the output must be a sequence), or `<eos>` once the last line
  defined a sequence;
- positions 1-3: an existing variable of the type the slot needs, a lambda of
  the right kind, a comparison, or `<empty>` in unused slots. Map names its
  lambda before its variable, so only lambdas whose input encoding has a
  defined variable are allowed, and the variable is then restricted to it;
- after `<eos>` only `<pad>`.

A sequence that leaves the grammar (a token the mask forbade) marks its row
`broken`, after which every token is allowed: masks never become all-false,
so masked logits never turn a softmax into NaNs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from trade.program.lambdas import LAMBDAS, Encoding, LambdaKind
from trade.program.program import MAX_LINES, MAX_SEQUENCE_MAPS, Op
from trade.program.tokens import (BOS_ID, COMPARISONS, EMPTY_ID, EOS_ID, PAD_ID, TOKEN_ID,
                                  TOKENS_PER_LINE, VARIABLES, VOCABULARY)

VOCAB_SIZE = len(VOCABULARY)

# Variable types as small integers, so that a batch of states is a few tensors.
UNDEFINED, CATEGORICAL, NUMERICAL, SELECTOR = 0, 1, 2, 3
OPS = tuple(Op)
OP_ID = torch.tensor([TOKEN_ID[op.value] for op in OPS])
SELECT, AGGREGATE, SELECTOR_WIDTH, MAP, SEQUENCE_MAP = range(len(OPS))
VARIABLE_ID = torch.tensor([TOKEN_ID[name] for name in VARIABLES])
COMPARISON_ID = torch.tensor([TOKEN_ID[name] for name in COMPARISONS])
LAMBDA_ID = torch.tensor([TOKEN_ID[lam.token] for lam in LAMBDAS])
N_INPUTS = len(VARIABLES) - MAX_LINES


def _encoding_code(encoding: Encoding) -> int:
    return CATEGORICAL if encoding is Encoding.CATEGORICAL else NUMERICAL


def _lookup(pairs: dict[int, int], default: int = -1) -> torch.Tensor:
    """A vocabulary-sized table: token id -> value (for gathers by token)."""
    table = torch.full((VOCAB_SIZE,), default, dtype=torch.long)
    for token, value in pairs.items():
        table[token] = value
    return table


TOKEN_TO_OP = _lookup({int(t): i for i, t in enumerate(OP_ID)})
TOKEN_TO_VARIABLE = _lookup({int(t): i for i, t in enumerate(VARIABLE_ID)})
LAMBDA_IS_MAP = torch.tensor([lam.kind is not LambdaKind.SEQUENCE_MAP for lam in LAMBDAS])
LAMBDA_INPUT = torch.tensor([_encoding_code(lam.kind.input_encoding) for lam in LAMBDAS])
TOKEN_TO_LAMBDA_INPUT = _lookup({int(t): int(c) for t, c in zip(LAMBDA_ID, LAMBDA_INPUT)})
TOKEN_TO_LAMBDA_OUTPUT = _lookup({int(t): _encoding_code(lam.kind.output_encoding)
                                  for t, lam in zip(LAMBDA_ID, LAMBDAS)})


@dataclasses.dataclass
class GrammarState:
    """The grammar state of a batch of prefixes; every field has the batch as dim 0.

    `slot` is the position within the line of the next token (0 = function or
    `<eos>`), `var_types` the type of each variable (inputs, then v1..v15),
    `line_type` the type the current line will define once complete.
    """

    started: torch.Tensor
    finished: torch.Tensor
    broken: torch.Tensor
    slot: torch.Tensor
    n_lines: torch.Tensor
    n_sequence_maps: torch.Tensor
    op: torch.Tensor
    map_input: torch.Tensor
    line_type: torch.Tensor
    var_types: torch.Tensor

    @classmethod
    def initial(cls, batch: int, device: torch.device | str = "cpu") -> "GrammarState":
        def zeros() -> torch.Tensor:
            return torch.zeros(batch, dtype=torch.long, device=device)

        var_types = torch.zeros(batch, len(VARIABLES), dtype=torch.long, device=device)
        var_types[:, :N_INPUTS] = CATEGORICAL
        false = torch.zeros(batch, dtype=torch.bool, device=device)
        return cls(started=false, finished=false.clone(), broken=false.clone(), slot=zeros(),
                   n_lines=zeros(), n_sequence_maps=zeros(), op=zeros() - 1, map_input=zeros(),
                   line_type=zeros(), var_types=var_types)

    def select(self, rows: torch.Tensor) -> "GrammarState":
        """The states of `rows` (for beam search reordering)."""
        return GrammarState(**{f.name: getattr(self, f.name)[rows] for f in dataclasses.fields(self)})

    def allowed(self) -> torch.Tensor:
        """Bool [B, V]: the tokens allowed next."""
        return _allowed(self)

    def advance(self, tokens: torch.Tensor) -> "GrammarState":
        """The state after appending `tokens` [B]; a forbidden token marks its row broken."""
        return _advance(self, tokens, self.allowed())


def _tables(device: torch.device) -> dict[str, torch.Tensor]:
    names = ("OP_ID", "VARIABLE_ID", "COMPARISON_ID", "LAMBDA_ID", "LAMBDA_IS_MAP", "LAMBDA_INPUT",
             "TOKEN_TO_OP", "TOKEN_TO_VARIABLE", "TOKEN_TO_LAMBDA_INPUT", "TOKEN_TO_LAMBDA_OUTPUT")
    return {name: globals()[name].to(device) for name in names}


def _allowed(state: GrammarState) -> torch.Tensor:
    t = _tables(state.slot.device)
    batch = state.slot.shape[0]
    mask = torch.zeros(batch, VOCAB_SIZE, dtype=torch.bool, device=state.slot.device)
    types = state.var_types
    has = {code: (types == code).any(dim=1) for code in (CATEGORICAL, NUMERICAL, SELECTOR)}
    active = state.started & ~state.finished
    slot = [active & (state.slot == k) for k in range(TOKENS_PER_LINE)]
    op = [state.op == k for k in range(len(OPS))]

    # Slot 0: a function or <eos>.
    last_type = types.gather(1, (state.n_lines + N_INPUTS - 1).clamp(min=0)[:, None])[:, 0]
    room = state.n_lines < MAX_LINES
    mask[:, EOS_ID] = slot[0] & (state.n_lines > 0) & (last_type != SELECTOR)
    function_ok = torch.stack([
        state.n_lines < MAX_LINES - 1,                      # Select: a later line must consume it
        has[SELECTOR], has[SELECTOR],                       # Aggregate, SelectorWidth
        torch.ones_like(room),                              # Map: categorical inputs always exist
        state.n_sequence_maps < MAX_SEQUENCE_MAPS,          # SequenceMap
    ], dim=1)
    mask[:, t["OP_ID"]] = (slot[0] & room)[:, None] & function_ok

    # Variable slots: which type each (slot, op) needs; -1 for "any sequence".
    def allow_variables(where: torch.Tensor, needed: torch.Tensor | int) -> None:
        if isinstance(needed, int):
            needed = torch.full_like(state.slot, needed)
        needed = needed[:, None]
        ok = torch.where(needed == -1, (types == CATEGORICAL) | (types == NUMERICAL), types == needed)
        mask[:, t["VARIABLE_ID"]] |= where[:, None] & ok

    allow_variables(slot[1] & op[SELECT], CATEGORICAL)
    allow_variables(slot[1] & (op[AGGREGATE] | op[SELECTOR_WIDTH]), SELECTOR)
    allow_variables(slot[2] & op[SELECT], CATEGORICAL)
    allow_variables(slot[2] & op[AGGREGATE], -1)
    allow_variables(slot[2] & op[MAP], state.map_input)
    allow_variables((slot[2] | slot[3]) & op[SEQUENCE_MAP], CATEGORICAL)

    lambda_input_exists = torch.where(t["LAMBDA_INPUT"][None] == CATEGORICAL,
                                      has[CATEGORICAL][:, None], has[NUMERICAL][:, None])
    map_lambdas = (slot[1] & op[MAP])[:, None] & t["LAMBDA_IS_MAP"][None] & lambda_input_exists
    sequence_map_lambdas = (slot[1] & op[SEQUENCE_MAP])[:, None] & ~t["LAMBDA_IS_MAP"][None]
    mask[:, t["LAMBDA_ID"]] = map_lambdas | sequence_map_lambdas
    mask[:, t["COMPARISON_ID"]] = (slot[3] & op[SELECT])[:, None]
    mask[:, EMPTY_ID] = ((slot[2] & op[SELECTOR_WIDTH])
                         | (slot[3] & (op[AGGREGATE] | op[SELECTOR_WIDTH] | op[MAP])))

    mask[:, BOS_ID] = ~state.started
    mask[:, PAD_ID] = state.finished
    mask[state.broken] = True
    return mask


def _advance(state: GrammarState, tokens: torch.Tensor, allowed: torch.Tensor) -> GrammarState:
    t = _tables(tokens.device)
    ok = allowed.gather(1, tokens[:, None])[:, 0]
    active = state.started & ~state.finished & ok
    slot = state.slot
    ending = active & (slot == 0) & (tokens == EOS_ID)
    at = [active & ~ending & (slot == k) for k in range(TOKENS_PER_LINE)]

    op = torch.where(at[0], t["TOKEN_TO_OP"][tokens], state.op)
    is_map, is_sequence_map = op == MAP, op == SEQUENCE_MAP
    map_input = torch.where(at[1] & is_map, t["TOKEN_TO_LAMBDA_INPUT"][tokens], state.map_input)
    line_type = torch.where(at[0], torch.where(op == SELECT, SELECTOR, CATEGORICAL), state.line_type)
    line_type = torch.where(at[1] & is_map, t["TOKEN_TO_LAMBDA_OUTPUT"][tokens], line_type)
    argument_type = state.var_types.gather(1, t["TOKEN_TO_VARIABLE"][tokens].clamp(min=0)[:, None])[:, 0]
    line_type = torch.where(at[2] & (op == AGGREGATE), argument_type, line_type)

    var_types = state.var_types.clone()
    rows = at[3].nonzero()[:, 0]
    var_types[rows, state.n_lines[rows] + N_INPUTS] = line_type[rows]
    return GrammarState(
        started=state.started | (tokens == BOS_ID),
        finished=state.finished | ending,
        broken=state.broken | ~ok,
        slot=torch.where(active & ~ending, (slot + 1) % TOKENS_PER_LINE, slot),
        n_lines=state.n_lines + at[3].long(),
        n_sequence_maps=state.n_sequence_maps + (at[1] & is_sequence_map).long(),
        op=op, map_input=map_input, line_type=line_type, var_types=var_types)


def grammar_masks(ids: torch.Tensor) -> torch.Tensor:
    """Bool [B, T, V]: at [b, t], the tokens allowed at position t + 1 after ids[b, :t + 1].

    This is the mask for teacher-forced logits: the decoder input `ids[:, :-1]`
    predicts `ids[:, 1:]`, so `grammar_masks(ids[:, :-1])` lines up with them.
    """
    state = GrammarState.initial(ids.shape[0], ids.device)
    allowed = state.allowed()
    masks = []
    for position in range(ids.shape[1]):
        state = _advance(state, ids[:, position], allowed)
        allowed = state.allowed()  # the mask after this token, and what the next advance checks
        masks.append(allowed)
    return torch.stack(masks, dim=1)


def allowed_tokens(prefix_ids: list[int] | np.ndarray) -> np.ndarray:
    """Bool [V]: the tokens allowed after `prefix_ids` (an empty prefix allows only `<bos>`)."""
    prefix = torch.as_tensor(np.asarray(prefix_ids, dtype=np.int64)).reshape(1, -1)
    if prefix.shape[1] == 0:
        return GrammarState.initial(1).allowed()[0].numpy()
    return grammar_masks(prefix)[0, -1].numpy()
