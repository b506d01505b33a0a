"""The decompiler: an encoder over weight tokens and a decoder over program tokens.

Shaped after Whisper's model.py (the paper's Section 3.2 adapts Whisper): a
`ModelDimensions` dataclass that every checkpoint carries, pre-LayerNorm
residual blocks with GELU MLPs, an encoder whose input is a set of weight-token
vectors instead of a spectrogram, and a decoder with causal self-attention and
cross-attention to the encoder output.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from trade.program.tokens import MAX_PROGRAM_TOKENS, VOCABULARY
from trade.weights import META_DIM, ROLES


@dataclasses.dataclass(frozen=True)
class ModelDimensions:
    """Everything needed to rebuild the network; saved inside every checkpoint."""

    input_width: int = 2000
    meta_dim: int = META_DIM
    n_roles: int = len(ROLES)
    n_layer_ids: int = 32
    n_weight_ctx: int = 64
    n_vocab: int = len(VOCABULARY)
    n_program_ctx: int = MAX_PROGRAM_TOKENS
    d_model: int = 512
    n_heads: int = 16
    n_encoder_layers: int = 4
    n_decoder_layers: int = 4
    d_ff: int = 2048
    dropout: float = 0.2
    tie_embeddings: bool = True

    @property
    def n_input(self) -> int:
        return self.input_width + self.meta_dim

    def __post_init__(self) -> None:
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model {self.d_model} is not divisible by n_heads {self.n_heads}")


# Table 1 of the paper; `small`, chosen by measured throughput for a 2-core CPU
# (benchmarks/train_throughput.py, batch 32, one thread, shared machine): paper
# 7 samples/s, 256/8/3+3 30/s, 192/6/3+3 60/s, 128/4/2+2 155/s. At 60/s, 90
# minutes (10k steps of 32) is ~3 epochs of a 100k-program dataset, the least
# we expect the model to need to plateau; `tiny` is for tests.
PRESETS: dict[str, ModelDimensions] = {
    "paper": ModelDimensions(d_model=512, n_heads=16, n_encoder_layers=4, n_decoder_layers=4,
                             d_ff=2048, dropout=0.2),
    "small": ModelDimensions(d_model=192, n_heads=6, n_encoder_layers=3, n_decoder_layers=3,
                             d_ff=768, dropout=0.1),
    # For one GPU and minutes, not hours: 8M parameters, 16 MB in fp16 (`trade export --half`).
    "medium": ModelDimensions(d_model=256, n_heads=8, n_encoder_layers=4, n_decoder_layers=4,
                              d_ff=1024, dropout=0.1),
    "tiny": ModelDimensions(d_model=64, n_heads=4, n_encoder_layers=1, n_decoder_layers=1,
                            d_ff=128, dropout=0.0),
}


def preset(name: str, **overrides) -> ModelDimensions:
    """A preset's dimensions with some fields replaced (None values are ignored)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset '{name}'; choose from {', '.join(PRESETS)}")
    return dataclasses.replace(PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})


class MultiHeadAttention(nn.Module):
    """Self- or cross-attention through `scaled_dot_product_attention`."""

    def __init__(self, d_model: int, n_heads: int, dropout: float):
        super().__init__()
        self.n_heads = n_heads
        self.dropout = dropout
        self.query = nn.Linear(d_model, d_model)
        self.key_value = nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def _heads(self, t: torch.Tensor) -> torch.Tensor:
        return t.view(t.shape[0], t.shape[1], self.n_heads, -1).transpose(1, 2)

    def keys_values(self, source: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values [B, heads, S, head width] of `source`: what a decoding cache keeps."""
        k, v = self.key_value(source).chunk(2, dim=-1)
        return self._heads(k), self._heads(v)

    def attend(self, x: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
               mask: torch.Tensor | None = None) -> torch.Tensor:
        """`x` [B, T, d] attends to keys and values with batch B or 1 (shared by every row)."""
        batch, length, width = x.shape
        if k.shape[0] != batch:
            k, v = k.expand(batch, -1, -1, -1), v.expand(batch, -1, -1, -1)
        y = F.scaled_dot_product_attention(self._heads(self.query(x)), k, v, attn_mask=mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(batch, length, width))

    def forward(self, x: torch.Tensor, source: torch.Tensor | None = None,
                mask: torch.Tensor | None = None, causal: bool = False) -> torch.Tensor:
        """`mask` is bool, broadcastable to [B, heads, T, S], True where attention is allowed."""
        k, v = self.keys_values(x if source is None else source)
        if causal:
            causal_mask = torch.ones(x.shape[1], k.shape[2], dtype=torch.bool, device=x.device).tril()
            mask = causal_mask if mask is None else mask & causal_mask
        return self.attend(x, k, v, mask)


class ResidualAttentionBlock(nn.Module):
    """Pre-LayerNorm block: self-attention, optional cross-attention, GELU MLP."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float, cross_attention: bool):
        super().__init__()
        self.attn_ln = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.cross_attn_ln = nn.LayerNorm(d_model) if cross_attention else None
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout) if cross_attention else None
        self.mlp_ln = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, self_mask: torch.Tensor | None = None, causal: bool = False,
                memory: torch.Tensor | None = None, memory_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.drop(self.attn(self.attn_ln(x), mask=self_mask, causal=causal))
        if self.cross_attn is not None:
            x = x + self.drop(self.cross_attn(self.cross_attn_ln(x), memory, mask=memory_mask))
        return x + self.drop(self.mlp(self.mlp_ln(x)))

    def extend(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None,
               memory_keys_values: tuple[torch.Tensor, torch.Tensor], memory_mask: torch.Tensor
               ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """`forward` for new decoder positions `x` [B, n] after cached ones; returns their keys and values too."""
        h = self.attn_ln(x)
        k, v = self.attn.keys_values(h)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        new, total = x.shape[1], k.shape[2]
        causal = None if new == 1 else torch.ones(new, total, dtype=torch.bool, device=x.device).tril(total - new)
        x = x + self.drop(self.attn.attend(h, k, v, causal))
        x = x + self.drop(self.cross_attn.attend(self.cross_attn_ln(x), *memory_keys_values, memory_mask))
        return x + self.drop(self.mlp(self.mlp_ln(x))), (k, v)


@dataclasses.dataclass
class DecoderCache:
    """What decoding one token at a time keeps: per decoder layer, the keys and values of the
    tokens so far and of the encoder states (batch 1 when every row decodes the same model).

    With it a step costs one position instead of the whole prefix; beam search
    and the repair's line search decode thousands of steps per model.
    """

    past: list[tuple[torch.Tensor, torch.Tensor] | None]
    memory_keys_values: list[tuple[torch.Tensor, torch.Tensor]]
    memory_mask: torch.Tensor
    length: int = 0

    def select(self, rows: torch.Tensor) -> "DecoderCache":
        """The cache of rows `rows` (a beam's survivors, in their new order)."""
        past = [None if kv is None else (kv[0][rows], kv[1][rows]) for kv in self.past]
        if self.memory_mask.shape[0] == 1:
            return DecoderCache(past, self.memory_keys_values, self.memory_mask, self.length)
        memory = [(k[rows], v[rows]) for k, v in self.memory_keys_values]
        return DecoderCache(past, memory, self.memory_mask[rows], self.length)


def key_mask(weight_mask: torch.Tensor) -> torch.Tensor:
    """[B, S] True-for-real-tokens -> [B, 1, 1, S], the shape attention broadcasts."""
    return weight_mask[:, None, None, :]


class WeightEncoder(nn.Module):
    """Weight tokens -> contextual states: projection + role, layer and position embeddings."""

    def __init__(self, dims: ModelDimensions):
        super().__init__()
        self.projection = nn.Linear(dims.n_input, dims.d_model)
        self.role_embedding = nn.Embedding(dims.n_roles, dims.d_model)
        self.layer_embedding = nn.Embedding(dims.n_layer_ids, dims.d_model)
        for embedding in (self.role_embedding, self.layer_embedding):
            nn.init.normal_(embedding.weight, std=0.02)
        self.positional_embedding = nn.Parameter(torch.empty(dims.n_weight_ctx, dims.d_model))
        nn.init.normal_(self.positional_embedding, std=0.02)
        self.drop = nn.Dropout(dims.dropout)
        self.blocks = nn.ModuleList(
            ResidualAttentionBlock(dims.d_model, dims.n_heads, dims.d_ff, dims.dropout, cross_attention=False)
            for _ in range(dims.n_encoder_layers))
        self.ln_post = nn.LayerNorm(dims.d_model)

    def forward(self, vectors: torch.Tensor, roles: torch.Tensor, layers: torch.Tensor,
                weight_mask: torch.Tensor) -> torch.Tensor:
        length = vectors.shape[1]
        x = (self.projection(vectors) + self.role_embedding(roles) + self.layer_embedding(layers)
             + self.positional_embedding[:length])
        x = self.drop(x)
        mask = key_mask(weight_mask)
        for block in self.blocks:
            x = block(x, self_mask=mask)
        return self.ln_post(x)


class ProgramDecoder(nn.Module):
    """Program-token prefix + encoder states -> next-token logits."""

    def __init__(self, dims: ModelDimensions):
        super().__init__()
        self.token_embedding = nn.Embedding(dims.n_vocab, dims.d_model)
        nn.init.normal_(self.token_embedding.weight, std=0.02)  # N(0, 1) would make tied logits huge
        self.positional_embedding = nn.Parameter(torch.empty(dims.n_program_ctx, dims.d_model))
        nn.init.normal_(self.positional_embedding, std=0.02)
        self.drop = nn.Dropout(dims.dropout)
        self.blocks = nn.ModuleList(
            ResidualAttentionBlock(dims.d_model, dims.n_heads, dims.d_ff, dims.dropout, cross_attention=True)
            for _ in range(dims.n_decoder_layers))
        self.ln = nn.LayerNorm(dims.d_model)
        self.head = None if dims.tie_embeddings else nn.Linear(dims.d_model, dims.n_vocab, bias=False)

    def forward(self, program_ids: torch.Tensor, memory: torch.Tensor,
                weight_mask: torch.Tensor) -> torch.Tensor:
        length = program_ids.shape[1]
        x = self.drop(self.token_embedding(program_ids) + self.positional_embedding[:length])
        memory_mask = key_mask(weight_mask)
        for block in self.blocks:
            x = block(x, causal=True, memory=memory, memory_mask=memory_mask)
        return self._logits(self.ln(x))

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.token_embedding.weight if self.head is None else self.head.weight
        return x @ weight.to(x.dtype).T

    def start(self, memory: torch.Tensor, weight_mask: torch.Tensor) -> DecoderCache:
        """An empty cache over encoder states `memory` [B, S, d] (B = 1 for a beam over one model)."""
        return DecoderCache([None] * len(self.blocks), [block.cross_attn.keys_values(memory) for block in self.blocks],
                            key_mask(weight_mask))

    def extend(self, program_ids: torch.Tensor, cache: DecoderCache) -> tuple[torch.Tensor, DecoderCache]:
        """Logits [B, V] after appending `program_ids` [B, n] to the cached prefix, and the new cache."""
        start, new = cache.length, program_ids.shape[1]
        x = self.drop(self.token_embedding(program_ids) + self.positional_embedding[start:start + new])
        past = []
        for block, before, memory in zip(self.blocks, cache.past, cache.memory_keys_values):
            x, keys_values = block.extend(x, before, memory, cache.memory_mask)
            past.append(keys_values)
        logits = self._logits(self.ln(x[:, -1]))
        return logits, DecoderCache(past, cache.memory_keys_values, cache.memory_mask, start + new)


def apply_grammar_mask(logits: torch.Tensor, grammar_mask: torch.Tensor | None) -> torch.Tensor:
    """Forbidden tokens get -inf, so they are never predicted nor given probability."""
    if grammar_mask is None:
        return logits
    return logits.masked_fill(~grammar_mask, float("-inf"))


class Decompiler(nn.Module):
    """The TraDe encoder-decoder.

    Inputs: weight-token `vectors` [B, S, n_input], `roles` and `layers` [B, S]
    (long), `weight_mask` [B, S] (True for real tokens, False for padding), and
    the decoder input `program_ids` [B, T] starting with `<bos>`.
    """

    def __init__(self, dims: ModelDimensions):
        super().__init__()
        self.dims = dims
        self.encoder = WeightEncoder(dims)
        self.decoder = ProgramDecoder(dims)

    def encode(self, vectors: torch.Tensor, roles: torch.Tensor, layers: torch.Tensor,
               weight_mask: torch.Tensor) -> torch.Tensor:
        """Encoder states [B, S, d_model]; compute once per model, reuse for every decoding step."""
        return self.encoder(vectors, roles, layers, weight_mask)

    def decode(self, program_ids: torch.Tensor, memory: torch.Tensor, weight_mask: torch.Tensor,
               grammar_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Logits [B, T, V] for the token after each prefix position."""
        return apply_grammar_mask(self.decoder(program_ids, memory, weight_mask), grammar_mask)

    def decode_step(self, program_ids: torch.Tensor, memory: torch.Tensor, weight_mask: torch.Tensor,
                    grammar_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Logits [B, V] for the token after the whole prefix `program_ids` [B, T], recomputed from scratch.

        `grammar_mask` here is [B, V] (e.g. `GrammarState.allowed()`). Decoding
        loops use `start_decoding` and `decode_next` instead, which cache.
        """
        logits = self.decoder(program_ids, memory, weight_mask)[:, -1]
        return apply_grammar_mask(logits, grammar_mask)

    def start_decoding(self, memory: torch.Tensor, weight_mask: torch.Tensor) -> DecoderCache:
        """A cache to decode from: encoder states [B, S, d], or [1, S, d] shared by every beam row."""
        return self.decoder.start(memory, weight_mask)

    def decode_next(self, program_ids: torch.Tensor, cache: DecoderCache,
                    grammar_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, DecoderCache]:
        """`decode_step` for the prefix in `cache` followed by `program_ids` [B, n]; also the extended cache."""
        logits, cache = self.decoder.extend(program_ids, cache)
        return apply_grammar_mask(logits, grammar_mask), cache

    def forward(self, vectors: torch.Tensor, roles: torch.Tensor, layers: torch.Tensor,
                weight_mask: torch.Tensor, program_ids: torch.Tensor,
                grammar_mask: torch.Tensor | None = None) -> torch.Tensor:
        memory = self.encode(vectors, roles, layers, weight_mask)
        return self.decode(program_ids, memory, weight_mask, grammar_mask)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
