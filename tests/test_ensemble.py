"""Decompilers decoding together: each step is the mean of the members' log-probabilities."""

import dataclasses

import pytest
import torch

from trade.cli import main
from trade.compiling import compile_program
from trade.decoding import DecodingOptions, beam_search, encode_weight_tokens, greedy, weight_tokens
from trade.decompile import load_decompiler
from trade.ensemble import Ensemble, ensemble_checkpoint
from trade.program.program import canonicalize
from trade.program.text import parse_program
from trade.program.tokens import BOS_ID
from trade.weights import TokenizerConfig, weights_of
from tests.conftest import FRAC_ONES, REVERSE


@pytest.fixture(scope="module")
def models():
    medium, small = load_decompiler("checkpoints/medium"), load_decompiler("checkpoints/small")
    weights = [weights_of(compile_program(canonicalize(parse_program(s)))) for s in (REVERSE, FRAC_ONES)]
    return medium, small, weight_tokens(medium.model, weights, medium.tokenizer)


def test_an_ensemble_of_one_or_of_copies_decodes_as_the_model_does(models):
    medium, _, tokens = models
    alone = [c.ids for c in greedy(medium.model, tokens)]
    for members in ([medium.model], [medium.model, medium.model]):
        assert [c.ids for c in greedy(Ensemble(members), tokens)] == alone
    one = beam_search(medium.model, tokens[0], DecodingOptions(beam_size=4))
    two = beam_search(Ensemble([medium.model, medium.model]), tokens[0], DecodingOptions(beam_size=4))
    assert [c.ids for c in two] == [c.ids for c in one]


def test_each_step_is_the_mean_of_the_members_log_probabilities(models):
    medium, small, tokens = models
    ensemble = Ensemble([medium.model, small.model]).eval()
    prefix = torch.tensor([[BOS_ID]] * len(tokens))
    with torch.no_grad():
        memory, mask = encode_weight_tokens(ensemble, tokens)
        mixed, _ = ensemble.decode_next(prefix, ensemble.start_decoding(memory, mask))
        expected = []
        for member in (medium.model, small.model):
            member_memory, _ = encode_weight_tokens(member, tokens)
            logits, _ = member.decode_next(prefix, member.start_decoding(member_memory, mask))
            expected.append(torch.log_softmax(logits.float(), dim=-1))
    assert torch.allclose(mixed, (expected[0] + expected[1]) / 2, atol=1e-5)
    assert not torch.allclose(expected[0], expected[1], atol=1e-3)  # the members do differ


def test_members_must_share_the_weight_tokenizer(models):
    medium, small, _ = models
    other = dataclasses.replace(small, tokenizer=TokenizerConfig(scheme="layer"))
    with pytest.raises(ValueError, match="tokenize weights differently"):
        ensemble_checkpoint([medium, other])


def test_evaluate_refuses_an_ensemble_with_the_search_modes(tmp_path, capsys):
    assert main(["evaluate", "--programs", "examples", "--ensemble", "checkpoints/small",
                 "--modes", "beam_verified", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "decoder-alone modes only" in error and "Traceback" not in error
