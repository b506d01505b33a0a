"""Program-level metrics on hand-made cases whose answers are known, and the written report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trade.compiling import CompileConfig, compile_program
from trade.evaluate import (AUTOREGRESSIVE, PAPER_NUMBERS, TEACHER_FORCED, EvaluateOptions, Outputs,
                            aggregate, evaluate_predictions, same_function, sequence_equal, token_accuracy,
                            wrong_tokens_keep_the_weights, write_report)
from trade.program.text import parse_program
from trade.program.tokens import BOS_ID, EOS_ID, PAD_ID, TOKEN_ID, program_to_ids
from trade.weights import weights_of
from tests.conftest import FRACTION_OF_POSITIVE

TRUTH = parse_program("a = Map(x + 1, tokens)\nb = Map(x == 0, indices)\nc = SequenceMap(x + y, a, b)\n")
SWAPPED = parse_program("b = Map(x == 0, indices)\na = Map(x + 1, tokens)\nc = SequenceMap(x + y, a, b)\n")
WRONG = parse_program("a = Map(x + 2, tokens)\nb = Map(x == 0, indices)\nc = SequenceMap(x + y, a, b)\n")
# Well-typed but rejected by Tracr: the program never reads tokens.
NO_TOKENS = parse_program("a = Map(x + 1, indices)\nb = Map(x == 0, indices)\nc = SequenceMap(x + y, a, b)\n")


def ill_typed_ids() -> list[int]:
    """TRUTH with its last line made SelectorWidth of a sequence: ill-typed, so it decodes to nothing."""
    ids = program_to_ids(TRUTH)
    ids[9] = TOKEN_ID["SelectorWidth"]
    return ids


def test_token_accuracy_counts_positions_after_bos_through_eos():
    truth = program_to_ids(TRUTH)  # 1 + 12 + 1 tokens: 13 scored
    assert token_accuracy(truth, truth) == 1.0
    one_wrong = list(truth)
    one_wrong[2] = TOKEN_ID["indices"]
    assert token_accuracy(truth, one_wrong) == pytest.approx(12 / 13)
    assert token_accuracy(truth, truth[:7]) == pytest.approx(6 / 13)  # missing tokens are wrong
    assert token_accuracy(truth, truth[1:]) == 1.0  # a leading <bos> is optional
    assert token_accuracy(truth, truth + [PAD_ID, PAD_ID]) == 1.0  # after <eos> nothing counts
    assert token_accuracy(truth, [BOS_ID, EOS_ID]) == pytest.approx(0 / 13)


def test_sequence_equality_cuts_after_eos():
    truth = program_to_ids(TRUTH)
    assert sequence_equal(truth, truth + [PAD_ID, 7])
    assert not sequence_equal(truth, truth[:-1])
    assert not sequence_equal(truth, program_to_ids(SWAPPED))


def test_metrics_of_known_predictions():
    predictions = {TEACHER_FORCED: [program_to_ids(p) for p in (TRUTH, SWAPPED, WRONG, NO_TOKENS)]
                   + [ill_typed_ids()]}
    truths = [TRUTH] * 5
    results = evaluate_predictions(truths, predictions)
    exact, swapped, wrong, no_tokens, ill_typed = results
    assert (exact.sequence_equal, exact.compilable, exact.equivalent) == (True, True, True)
    # Equivalent but not equal: the paper's functional equivalence beyond sequence equality.
    assert (swapped.sequence_equal, swapped.canonical_equal, swapped.equivalent) == (False, True, True)
    assert swapped.compilable and swapped.token_accuracy < 1
    assert (wrong.sequence_equal, wrong.compilable, wrong.equivalent) == (False, True, False)
    assert no_tokens.decodes and not no_tokens.compilable and "compile" in no_tokens.error
    assert not ill_typed.decodes and not ill_typed.compilable and not ill_typed.equivalent
    assert ill_typed.token_accuracy == pytest.approx(12 / 13)
    assert all(r.equivalence_inputs == "exhaustive" for r in results)
    summary = aggregate(results)["overall"][TEACHER_FORCED]
    assert summary["programs"] == 5
    assert summary["sequence_equality"] == pytest.approx(1 / 5)
    assert summary["compilable"] == pytest.approx(3 / 5)
    assert summary["equivalent"] == pytest.approx(2 / 5)


def test_none_is_equal_only_to_none():
    nan = float("nan")
    truth = Outputs(np.array([[1.0, nan], [2.0, 3.0]]), np.zeros(2, dtype=bool))
    assert same_function(truth, Outputs(truth.values.copy(), np.zeros(2, dtype=bool)))
    assert not same_function(truth, Outputs(np.array([[1.0, 0.0], [2.0, 3.0]]), np.zeros(2, dtype=bool)))
    assert not same_function(truth, Outputs(np.array([[1.0, nan], [nan, 3.0]]), np.zeros(2, dtype=bool)))
    # A prediction that makes RASP raise is not equivalent; inputs where the truth raises are skipped.
    assert not same_function(truth, Outputs(truth.values, np.array([False, True])))
    raising_truth = Outputs(truth.values, np.array([False, True]))
    assert same_function(raising_truth, Outputs(np.array([[1.0, nan], [0.0, 0.0]]), np.zeros(2, dtype=bool)))


def test_large_input_spaces_are_sampled():
    options = EvaluateOptions(compile_config=CompileConfig(vocab=tuple(range(8)), max_seq_len=5),
                              max_exhaustive_inputs=1000, random_inputs=300)
    results = evaluate_predictions([TRUTH], {TEACHER_FORCED: [program_to_ids(SWAPPED)]}, options=options)
    assert results[0].equivalence_inputs == "random-300" and results[0].equivalent


def test_verdicts_and_report(tmp_path):
    model = compile_program(TRUTH)
    predictions = {TEACHER_FORCED: [program_to_ids(WRONG)], AUTOREGRESSIVE: [program_to_ids(SWAPPED)]}
    results = evaluate_predictions([TRUTH], predictions, [weights_of(model)], EvaluateOptions(verify=True))
    assert [r.verdict for r in results] == ["unverified", "equivalent"]
    paths = write_report(results, tmp_path, PAPER_NUMBERS, extra={"evaluation_seconds": 0.1})
    report = json.loads(paths["json"].read_text())
    assert report["metrics"]["overall"][AUTOREGRESSIVE]["verdict_equivalent"] == 1.0
    assert len(report["programs"]) == 2
    markdown = paths["markdown"].read_text()
    assert "30.0%" in markdown and "91.0%" in markdown and "By program length" in markdown
    assert paths["histogram"].stat().st_size > 0 and paths["bars"].stat().st_size > 0


FRACTION = parse_program(FRACTION_OF_POSITIVE)


def _replaced(program, old: str, new: str) -> list[int]:
    ids = program_to_ids(program)
    ids[ids.index(TOKEN_ID[old])] = TOKEN_ID[new]
    return ids


def test_errors_the_weights_cannot_decide():
    twin = _replaced(FRACTION, "x > 0|nn", "x > 0.5|nn")  # the same function of a 0/1 input
    wrong = _replaced(FRACTION, "LEQ", "LT")
    assert wrong_tokens_keep_the_weights(FRACTION, program_to_ids(FRACTION))
    assert wrong_tokens_keep_the_weights(FRACTION, twin)
    assert not wrong_tokens_keep_the_weights(FRACTION, wrong)
    assert not wrong_tokens_keep_the_weights(FRACTION, twin[:5])  # cut short
    predictions = {TEACHER_FORCED: [twin, wrong], AUTOREGRESSIVE: [twin, twin]}
    results = evaluate_predictions([FRACTION, FRACTION], predictions)
    assert [r.twin_errors_only for r in results] == [True, False, None, None]
    summary = aggregate(results)["overall"]
    assert summary[TEACHER_FORCED]["sequence_equality"] == 0.0
    assert summary[TEACHER_FORCED]["equal_up_to_twins"] == 0.5
    assert "equal_up_to_twins" not in summary[AUTOREGRESSIVE]
