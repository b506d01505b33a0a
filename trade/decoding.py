"""Decoding programs from a trained decompiler: teacher-forced, greedy and beam search.

Shaped after Whisper's decoding.py: a frozen `DecodingOptions`, decoders that
share one step function, and the grammar as a logit filter applied before every
step (`GrammarState.allowed()`), so that with `grammar=True` every finished
sequence is a well-typed program of at most 15 lines and 2 SequenceMaps.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from trade.grammar import GrammarState
from trade.model import Decompiler
from trade.program.tokens import BOS_ID, EOS_ID, PAD_ID, TOKENS_PER_LINE
from trade.search_options import Candidate, DecodingOptions, Template, TooLargeError  # torch-free
from trade.train import collate
from trade.weights import ModelWeights, TokenizerConfig, WeightTokens, tokenize


def weight_tokens(model: Decompiler, weights: Sequence[ModelWeights],
                  tokenizer: TokenizerConfig) -> list[WeightTokens]:
    """Tokenizes models, refusing ones the encoder cannot take."""
    out = []
    for item in weights:
        tokens = tokenize(item, tokenizer)
        if len(tokens) > model.dims.n_weight_ctx:
            raise TooLargeError(f"the model has {len(tokens)} weight tokens; this decompiler reads at most "
                                f"{model.dims.n_weight_ctx}")
        if int(tokens.layers.max()) >= model.dims.n_layer_ids:
            raise TooLargeError(f"the model has {int(tokens.layers.max())} layers; this decompiler reads "
                                f"at most {model.dims.n_layer_ids - 1}")
        out.append(tokens)
    return out


def encode_weight_tokens(model: Decompiler,
                         tokens: Sequence[WeightTokens]) -> tuple[torch.Tensor, torch.Tensor]:
    """Encoder states and the weight mask of a batch of tokenized models."""
    dummy = np.array([BOS_ID], dtype=np.int64)
    batch = collate([(t, dummy) for t in tokens])
    memory = model.encode(batch.vectors, batch.roles, batch.layers, batch.weight_mask)
    return memory, batch.weight_mask


@torch.no_grad()
def teacher_forced(model: Decompiler, tokens: Sequence[WeightTokens], truth_ids: Sequence[np.ndarray],
                   grammar: bool = True) -> list[list[int]]:
    """Each token predicted from the ground-truth prefix (the paper's non-autoregressive mode).

    Returns, per program, `<bos>` followed by the prediction at every truth position.
    """
    model.eval()
    batch = collate(list(zip(tokens, truth_ids)), with_grammar=grammar)
    logits = model(*batch.model_inputs(), grammar_mask=batch.grammar_mask)
    predicted = logits.argmax(dim=-1)
    return [[BOS_ID] + predicted[row, :len(ids) - 1].tolist() for row, ids in enumerate(truth_ids)]


@torch.no_grad()
def greedy(model: Decompiler, tokens: Sequence[WeightTokens],
           options: DecodingOptions = DecodingOptions()) -> list[Candidate]:
    """Greedy autoregressive decoding of a batch of models at once."""
    model.eval()
    memory, weight_mask = encode_weight_tokens(model, tokens)
    batch = memory.shape[0]
    ids = torch.full((batch, 1), BOS_ID, dtype=torch.long)
    state = GrammarState.initial(batch).advance(ids[:, 0])
    log_probs = torch.zeros(batch)
    token_log_probs: list[list[float]] = [[] for _ in range(batch)]
    finished = torch.zeros(batch, dtype=torch.bool)
    cache = model.start_decoding(memory, weight_mask)
    for _ in range(options.max_tokens - 1):
        mask = state.allowed() if options.grammar else None
        logits, cache = model.decode_next(ids[:, -1:], cache, mask)
        step = torch.log_softmax(logits.float(), dim=-1)
        choice = step.argmax(dim=-1)
        choice = torch.where(finished, torch.full_like(choice, PAD_ID), choice)
        chosen = step.gather(1, choice[:, None])[:, 0]
        for row in torch.nonzero(~finished)[:, 0].tolist():
            token_log_probs[row].append(float(chosen[row]))
        log_probs += torch.where(finished, torch.zeros_like(chosen), chosen)
        ids = torch.cat([ids, choice[:, None]], dim=1)
        state = state.advance(choice)
        finished |= choice == EOS_ID
        if bool(finished.all()):
            break
    out = []
    for row in range(batch):
        row_ids = ids[row].tolist()
        if EOS_ID in row_ids:
            row_ids = row_ids[:row_ids.index(EOS_ID) + 1]
        out.append(Candidate(row_ids, float(log_probs[row]), token_log_probs[row], bool(finished[row])))
    return out


@torch.no_grad()
def beam_search(model: Decompiler, tokens: WeightTokens,
                options: DecodingOptions = DecodingOptions(beam_size=8),
                accept: Callable[[list[int]], bool] | None = None) -> list[Candidate]:
    """Beam search over (grammar-constrained) decoding for one model; candidates best first.

    `accept` filters finished sequences (e.g. "Tracr compiles it"): rejected ones
    never enter the result, and the search goes on until `beam_size` accepted
    sequences are found or the beam dies out. Only if nothing was accepted are
    the rejected sequences returned, marked `finished=False`.
    """
    model.eval()
    beam = options.beam_size
    memory, weight_mask = encode_weight_tokens(model, [tokens])
    ids = torch.full((1, 1), BOS_ID, dtype=torch.long)
    scores = torch.zeros(1)
    per_token: list[list[float]] = [[]]
    state = GrammarState.initial(1).advance(ids[:, 0])
    done: list[Candidate] = []
    rejected: list[Candidate] = []
    cache = model.start_decoding(memory, weight_mask)
    for _ in range(options.max_tokens - 1):
        live = ids.shape[0]
        mask = state.allowed() if options.grammar else None
        if options.min_lines and ids.shape[1] - 1 < TOKENS_PER_LINE * options.min_lines:
            mask = (mask.clone() if mask is not None
                    else torch.ones(live, model.dims.n_vocab, dtype=torch.bool))
            mask[:, EOS_ID] = False
        if options.template is not None:
            mask = template_mask(options.template, ids.shape[1] - 1, mask, live, model.dims.n_vocab)
            mask = template_lookahead(options.template, ids.shape[1] - 1, mask, state)
            if not bool(mask.any()):
                break
        logits, cache = model.decode_next(ids[:, -1:], cache, mask)
        step = torch.log_softmax(logits.float(), dim=-1)
        total = (scores[:, None] + step).reshape(-1)
        top = torch.topk(total, k=min(2 * beam, int(torch.isfinite(total).sum())))
        keep_rows, keep_tokens, keep_scores = [], [], []
        for flat, score in zip(top.indices.tolist(), top.values.tolist()):
            row, token = divmod(flat, step.shape[1])
            new_ids = ids[row].tolist() + [token]
            new_per_token = per_token[row] + [float(step[row, token])]
            if token == EOS_ID:
                if accept is None or accept(new_ids):
                    done.append(Candidate(new_ids, score, new_per_token, True))
                else:
                    rejected.append(Candidate(new_ids, score, new_per_token, False))
            else:
                keep_rows.append(row)
                keep_tokens.append(token)
                keep_scores.append(score)
            if len(keep_rows) == beam:
                break
        if len(done) >= beam and (not keep_scores or _best_possible(done, options) >= max(keep_scores)):
            break
        if not keep_rows:
            break
        rows = torch.tensor(keep_rows)
        tokens_tensor = torch.tensor(keep_tokens)
        ids = torch.cat([ids[rows], tokens_tensor[:, None]], dim=1)
        per_token = [per_token[r] + [float(step[r, t])] for r, t in zip(keep_rows, keep_tokens)]
        scores = torch.tensor(keep_scores)
        state = state.select(rows).advance(tokens_tensor)
        cache = cache.select(rows)
    if not done:  # nothing accepted, or ran out of length
        done = rejected or [Candidate(ids[i].tolist(), float(scores[i]), per_token[i], False)
                            for i in range(ids.shape[0])]
    done.sort(key=lambda c: c.score(options.length_penalty), reverse=True)
    return done[:beam]


def template_mask(template: Template, position: int, mask: torch.Tensor | None,
                  rows: int, vocabulary: int) -> torch.Tensor:
    """`mask` narrowed to the template's tokens at `position` (counted after `<bos>`)."""
    mask = mask.clone() if mask is not None else torch.ones(rows, vocabulary, dtype=torch.bool)
    allowed = template[position] if position < len(template) else frozenset()
    if allowed is not None:
        keep = torch.zeros(vocabulary, dtype=torch.bool)
        keep[list(allowed)] = True
        mask &= keep
    return mask


def template_lookahead(template: Template, position: int, mask: torch.Tensor,
                       state: GrammarState) -> torch.Tensor:
    """Before a fixed position, only tokens after which the grammar allows what the template fixes.

    A Map names its lambda before its variable: a lambda for the wrong type of
    variable would leave the template's variable impossible one step later.
    """
    if position + 1 >= len(template) or template[position + 1] is None or int(mask.sum()) <= mask.shape[0]:
        return mask
    rows, tokens = mask.nonzero(as_tuple=True)
    after = state.select(rows).advance(tokens).allowed()
    dead = ~after[:, sorted(template[position + 1])].any(dim=1)
    mask = mask.clone()
    mask[rows[dead], tokens[dead]] = False
    return mask


def _best_possible(done: list[Candidate], options: DecodingOptions) -> float:
    """Scores only fall as sequences grow (log-probabilities are negative)."""
    return sorted((c.log_prob for c in done), reverse=True)[min(len(done), options.beam_size) - 1]
