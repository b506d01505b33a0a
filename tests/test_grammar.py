"""The grammar mask admits every dataset program and only well-typed programs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from trade.grammar import GrammarState, allowed_tokens, grammar_masks
from trade.program.program import MAX_LINES, MAX_SEQUENCE_MAPS, Op, count_sequence_maps
from trade.program.tokens import (BOS_ID, EOS_ID, MAX_PROGRAM_TOKENS, PAD_ID, TOKEN_ID, VOCABULARY,
                                  ids_to_program)

torch.set_num_threads(1)  # the test machine is shared; one thread is faster than contention


def random_walks(seed: int, batch: int, avoid_eos: bool = False) -> list[list[int]]:
    """Pick uniformly among the allowed tokens, a batch of walks at once, until all hit <eos>."""
    generator = torch.Generator().manual_seed(seed)
    state = GrammarState.initial(batch)
    ids = []
    for _ in range(MAX_PROGRAM_TOKENS):
        allowed = state.allowed()
        assert allowed.any(-1).all()
        assert not state.broken.any()
        if avoid_eos:
            allowed[:, EOS_ID] &= allowed.sum(-1) == 1
        token = torch.multinomial(allowed.float(), 1, generator=generator)[:, 0]
        ids.append(token)
        state = state.advance(token)
    assert state.finished.all()
    rows = torch.stack(ids, dim=1).tolist()
    return [row[:row.index(EOS_ID) + 1] for row in rows]


def test_allowed_tokens_random_walk():
    rng = np.random.default_rng(0)
    ids: list[int] = []
    while not ids or ids[-1] != EOS_ID:
        ids.append(int(rng.choice(np.flatnonzero(allowed_tokens(ids)))))
    ids_to_program(ids)


@pytest.fixture(scope="module")
def dataset_programs(tmp_path_factory) -> list[np.ndarray]:
    from trade.dataset.build import DatasetConfig, build_dataset
    from trade.dataset.read import iter_examples

    data = tmp_path_factory.mktemp("grammar_data")
    build_dataset(data, DatasetConfig(n=20, shard_size=20), workers=1, progress=False)
    return [example.program_ids for example in iter_examples(data)]


def test_every_token_of_dataset_programs_is_allowed(dataset_programs):
    for ids in dataset_programs:
        ids = torch.as_tensor(ids)[None]
        masks = grammar_masks(ids[:, :-1])
        assert masks.gather(2, ids[:, 1:, None]).all()
        assert allowed_tokens([])[BOS_ID] and allowed_tokens([]).sum() == 1


def test_batched_masks_match_single_prefixes(dataset_programs):
    ids = [torch.as_tensor(p) for p in dataset_programs[:3]]
    batch = torch.nn.utils.rnn.pad_sequence(ids, batch_first=True, padding_value=PAD_ID)
    masks = grammar_masks(batch)
    for row, program in enumerate(ids):
        for t in range(len(program)):
            np.testing.assert_array_equal(masks[row, t].numpy(), allowed_tokens(program[:t + 1].numpy()))
        if len(program) < batch.shape[1]:
            assert masks[row, len(program) - 1:, PAD_ID].all()
            assert masks[row, len(program) - 1:].sum(-1).eq(1).all()


@settings(max_examples=3, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_walks_are_well_typed_programs(seed):
    for ids in random_walks(seed, batch=64):
        program = ids_to_program(ids)
        assert 1 <= len(program) <= MAX_LINES
        assert count_sequence_maps(program) <= MAX_SEQUENCE_MAPS
        assert len(ids) == 2 + 4 * len(program)


def test_walks_that_avoid_eos_stop_at_fifteen_lines():
    """Never choosing <eos> while anything else is allowed still ends in a valid program."""
    for ids in random_walks(0, batch=64, avoid_eos=True):
        assert len(ids_to_program(ids)) == MAX_LINES


def test_specific_rules():
    after_bos = allowed_tokens([BOS_ID])
    assert not after_bos[EOS_ID]
    assert not after_bos[TOKEN_ID[Op.AGGREGATE.value]]        # no selector yet
    assert after_bos[TOKEN_ID[Op.SELECT.value]]
    select = [BOS_ID, TOKEN_ID["Select"], TOKEN_ID["tokens"], TOKEN_ID["indices"], TOKEN_ID["EQ"]]
    after_select = allowed_tokens(select)
    assert not after_select[EOS_ID]                           # the output would be a selector
    assert after_select[TOKEN_ID["Aggregate"]]
    no_numerical = allowed_tokens([BOS_ID, TOKEN_ID["Map"]])
    numerical_lambdas = [i for i, t in enumerate(VOCABULARY) if t.endswith("|nn") or t.endswith("|nc")]
    assert not no_numerical[numerical_lambdas].any()


def test_forbidden_token_never_yields_an_empty_mask():
    ids = torch.tensor([[BOS_ID, EOS_ID, TOKEN_ID["v9"], PAD_ID]])
    assert grammar_masks(ids).any(-1).all()
