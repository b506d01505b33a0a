"""Several trained decompilers decoding as one: each step, the mean of their log-probabilities.

Still the decoder alone (nothing is read from the weights but the encoders' input): decompilers
trained apart make different mistakes, and a product of their distributions keeps the tokens
they agree on. It plugs into `trade.decoding` (greedy, beam search) wherever a `Decompiler` does:
`encode`, `start_decoding`, `decode_next` and a cache with `select`.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import torch
from torch import nn

from trade.checkpoint import Checkpoint
from trade.model import DecoderCache, Decompiler


class EnsembleMemory(list):
    """Each member's encoder states; `shape` is the first's, for the batch size decoders read."""

    @property
    def shape(self) -> torch.Size:
        return self[0].shape


@dataclasses.dataclass
class EnsembleCache:
    """Each member's decoder cache, kept in step."""

    members: list[DecoderCache]

    def select(self, rows: torch.Tensor) -> "EnsembleCache":
        return EnsembleCache([cache.select(rows) for cache in self.members])


class Ensemble(nn.Module):
    """Decompilers over the same program vocabulary and weight tokens, decoding together."""

    def __init__(self, members: Sequence[Decompiler]):
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one decompiler")
        vocabularies = {m.dims.n_vocab for m in members}
        if len(vocabularies) > 1:
            raise ValueError(f"the decompilers write different vocabularies ({sorted(vocabularies)} tokens)")
        self.members = nn.ModuleList(members)
        # A model goes to every member: it must fit the smallest encoder.
        self.dims = dataclasses.replace(members[0].dims, n_weight_ctx=min(m.dims.n_weight_ctx for m in members),
                                        n_layer_ids=min(m.dims.n_layer_ids for m in members))

    def encode(self, vectors: torch.Tensor, roles: torch.Tensor, layers: torch.Tensor,
               weight_mask: torch.Tensor) -> EnsembleMemory:
        return EnsembleMemory(m.encode(vectors, roles, layers, weight_mask) for m in self.members)

    def start_decoding(self, memory: EnsembleMemory, weight_mask: torch.Tensor) -> EnsembleCache:
        return EnsembleCache([m.start_decoding(states, weight_mask) for m, states in zip(self.members, memory)])

    def forward(self, vectors: torch.Tensor, roles: torch.Tensor, layers: torch.Tensor,
                weight_mask: torch.Tensor, program_ids: torch.Tensor,
                grammar_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced: the members' mean log-probabilities [B, T, V] after each prefix position."""
        return torch.stack([torch.log_softmax(m(vectors, roles, layers, weight_mask, program_ids, grammar_mask)
                                              .float(), dim=-1) for m in self.members]).mean(dim=0)

    def decode_next(self, program_ids: torch.Tensor, cache: EnsembleCache,
                    grammar_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, EnsembleCache]:
        """The members' mean log-probabilities [B, V] (a product of experts, unnormalised) and the caches."""
        steps, caches = [], []
        for member, member_cache in zip(self.members, cache.members):
            logits, member_cache = member.decode_next(program_ids, member_cache, grammar_mask)
            steps.append(torch.log_softmax(logits.float(), dim=-1))
            caches.append(member_cache)
        return torch.stack(steps).mean(dim=0), EnsembleCache(caches)


def ensemble_checkpoint(checkpoints: Sequence[Checkpoint]) -> Checkpoint:
    """A checkpoint whose model is the ensemble of these (which must share one weight tokenizer)."""
    tokenizers = {c.tokenizer for c in checkpoints}
    if len(tokenizers) > 1:
        raise ValueError("the decompilers tokenize weights differently; an ensemble needs one tokenizer")
    model = Ensemble([c.model for c in checkpoints]).eval()
    first = checkpoints[0]
    return dataclasses.replace(first, model=model, dims=model.dims,
                               train_config={"ensemble": [c.train_config for c in checkpoints]})
