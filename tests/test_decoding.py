import numpy as np
import pytest
import torch

from trade.compiling import compile_program
from trade.decoding import (DecodingOptions, TooLargeError, beam_search, function_vote, greedy,
                            teacher_forced, weight_tokens)
from trade.decompile import compilable_filter
from trade.model import Decompiler, preset
from trade.program.interpret import all_inputs
from trade.program.program import canonicalize
from trade.program.text import parse_program
from trade.program.tokens import BOS_ID, EOS_ID, ids_to_program, program_to_ids
from trade.search_options import Candidate
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


def _candidate(text: str, probability: float) -> Candidate:
    ids = program_to_ids(canonicalize(parse_program(text)))
    return Candidate(ids, float(np.log(probability)), [], True)


def test_function_vote_puts_the_most_probable_function_first():
    # `abs(x)` and `x if x > 0 else 0` agree on a SelectorWidth's values (>= 0): one function, two sequences,
    # 0.25 + 0.2 of the probability against 0.3 for the single most likely sequence.
    head = "s = Select(tokens, tokens, EQ)\nw = SelectorWidth(s)\n"
    alone = _candidate(head + "m = Map(x + 1, w)\n", 0.3)
    twins = [_candidate(head + "m = Map(abs(x), w)\n", 0.25),
             _candidate(head + "m = Map(x if x > 0 else 0, w)\n", 0.2)]
    broken = Candidate([BOS_ID, EOS_ID], 0.0, [], True)  # decodes to no program: last, however likely
    inputs = all_inputs((0, 1, 2, 3, 4), 5)
    order = function_vote([alone, *twins, broken], inputs)
    assert order == [twins[0], twins[1], alone, broken]
    # without the twin, the most likely sequence is the most likely function
    assert function_vote([alone, twins[1]], inputs)[0] == alone


def test_function_vote_sums_over_candidates_not_over_distinct_programs():
    # two candidates of one program (a free beam and a skeleton's beam both find it) outweigh a likelier one
    a = _candidate("m = Map(x - 1, tokens)\n", 0.3)
    b = _candidate("m = Map(x + 1, tokens)\n", 0.2)
    c = _candidate("m = Map(x + 1, tokens)\n", 0.15)
    assert function_vote([a, b, c], all_inputs((0, 1, 2), 3)) == [b, c, a]
