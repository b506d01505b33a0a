import numpy as np
import pytest
import torch

from trade.compiling import compile_program
from trade.decoding import DecodingOptions, TooLargeError, beam_search, greedy, teacher_forced, weight_tokens
from trade.decompile import compilable_filter
from trade.model import Decompiler, preset
from trade.program.program import canonicalize
from trade.program.text import parse_program
from trade.program.tokens import BOS_ID, EOS_ID, ids_to_program, program_to_ids
from trade.weights import TokenizerConfig, weights_of
from tests.conftest import REVERSE


@pytest.fixture(scope="module")
def untrained():
    torch.manual_seed(0)
    return Decompiler(preset("tiny", input_width=2000))


@pytest.fixture(scope="module")
def reverse_tokens(untrained):
    weights = weights_of(compile_program(parse_program(REVERSE)))
    return weights, weight_tokens(untrained, [weights], TokenizerConfig())[0]


def test_greedy_with_grammar_always_gives_programs(untrained, reverse_tokens):
    _, tokens = reverse_tokens
    for seed in range(3):
        torch.manual_seed(seed)
        net = Decompiler(preset("tiny", input_width=2000))
        candidate = greedy(net, [tokens, tokens])[0]
        assert candidate.ids[0] == BOS_ID and candidate.ids[-1] == EOS_ID
        ids_to_program(candidate.ids)  # well-typed by construction
        assert len(candidate.token_log_probs) == len(candidate.ids) - 1


def test_beam_with_compile_filter_returns_only_compilable_programs(untrained, reverse_tokens):
    weights, tokens = reverse_tokens
    accept = compilable_filter(weights.compile_config)
    beam = beam_search(untrained, tokens, DecodingOptions(beam_size=4), accept)
    finished = [c for c in beam if c.finished]
    assert finished, "an untrained model still finds compilable programs within the beam"
    scores = [c.log_prob for c in beam]
    assert scores == sorted(scores, reverse=True)
    for candidate in finished:
        compile_program(canonicalize(ids_to_program(candidate.ids)))


def test_teacher_forced_predicts_one_token_per_position(untrained, reverse_tokens):
    _, tokens = reverse_tokens
    truth = np.array(program_to_ids(canonicalize(parse_program(REVERSE))))
    predicted = teacher_forced(untrained, [tokens], [truth])[0]
    assert len(predicted) == len(truth) and predicted[0] == BOS_ID


def test_models_too_large_for_the_encoder_are_refused(reverse_tokens):
    weights, _ = reverse_tokens
    net = Decompiler(preset("tiny", input_width=2000, n_weight_ctx=4))
    with pytest.raises(TooLargeError, match="weight tokens"):
        weight_tokens(net, [weights], TokenizerConfig())
