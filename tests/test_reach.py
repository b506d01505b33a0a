import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trade.program.interpret import all_inputs, encode_value, evaluate_batch
from trade.program.reach import reachable_arguments, unreached_outputs_zeroed
from trade.program.text import parse_program
from trade.sampling import generate_program

LENGTH_AND_INDEX = ("v1 = Select(tokens, tokens, TRUE)\nv2 = SelectorWidth(v1)\n"
                    "v3 = SequenceMap({}, v2, indices)\n")
SETTINGS = [((0, 1, 2, 3, 4), 4, False), ((0, 1, 2), 5, True), ((1, 2, 3, 4, 5, 6), 3, False)]


def _combinations(rows: np.ndarray) -> set[tuple]:
    return {tuple(np.where(np.isnan(row), np.inf, row)) for row in rows}


def _reached_on_every_input(program, vocab, max_seq_len, causal) -> dict[str, set[tuple]]:
    types, reached = program.types(), {}
    for batch in all_inputs(vocab, max_seq_len):
        values = evaluate_batch(program, batch, types, causal=causal).values
        for index, line in enumerate(program.lines):
            if line.op.value in ("Map", "SequenceMap"):
                columns = np.stack([values[a].reshape(-1) for a in line.variable_args], axis=1)
                reached.setdefault(f"v{index + 1}", set()).update(_combinations(columns))
    return reached


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(seed=st.integers(0, 2 ** 32 - 1), length=st.integers(3, 12),
       setting=st.sampled_from(SETTINGS))
def test_every_combination_an_input_gives_is_among_the_reachable_ones(seed, length, setting):
    """The superset is what makes a compressed reading's unreachable table gaps safe to pass: an
    argument combination that some position of some input gives is never missing from it."""
    try:
        program = generate_program(np.random.default_rng(seed), length)
    except Exception:  # noqa: BLE001 - the generator restarts: no program from this seed
        assume(False)
    vocab, max_seq_len, causal = setting
    reachable = reachable_arguments(program, vocab, max_seq_len, causal=causal)
    for name, combinations in _reached_on_every_input(program, vocab, max_seq_len, causal).items():
        if reachable[name] is not None:
            assert combinations <= _combinations(reachable[name]), (name, program)


COMPARISONS = ("EQ", "LT", "LEQ", "GT", "GEQ", "NEQ", "TRUE", "FALSE")


@settings(max_examples=40, deadline=None)
@given(first=st.sampled_from(COMPARISONS), second=st.sampled_from(COMPARISONS),
       keys=st.sampled_from(["tokens", "v1"]), setting=st.sampled_from(SETTINGS),
       relation=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=8))
def test_two_widths_over_the_same_keys_meet_only_counts_one_choice_of_keys_gives(first, second, keys, setting,
                                                                                   relation):
    """Widths of two selectors over the same keys and queries are counted together (`_widths_beside`):
    still a superset of what every input gives, for any two predicates (a relation among them), keys
    that are a Map of the tokens, causal or not."""
    vocab, max_seq_len, causal = setting
    second = second if not relation else "{" + ", ".join(map(str, sorted(relation))) + "}"
    program = parse_program(
        "v1 = Map({" + ", ".join(f"{v}: {v % 4}" for v in vocab) + "}, tokens)\n"
        f"v2 = Select({keys}, {keys}, {first})\nv3 = SelectorWidth(v2)\n"
        f"v4 = Select({keys}, {keys}, {second})\nv5 = SelectorWidth(v4)\nv6 = SequenceMap({{}}, v3, v5)\n")
    reachable = reachable_arguments(program, vocab, max_seq_len, causal=causal)
    real = _reached_on_every_input(program, vocab, max_seq_len, causal)["v6"]
    assert reachable["v6"] is not None and real <= _combinations(reachable["v6"]), program


def test_two_counts_of_different_tokens_never_pass_the_length_together():
    """lagoon `compass_turns`, kestrel `emoticon_mood`: how many positions hold `a` and how many `b`
    never sum past the length, which counting each alone (any number of the others either) allowed."""
    program = parse_program("v1 = Select(tokens, tokens, {('a', 'a'), ('a', 'b'), ('a', 'c')})\n"
                            "v2 = SelectorWidth(v1)\n"
                            "v3 = Select(tokens, tokens, {('b', 'a'), ('b', 'b'), ('b', 'c')})\n"
                            "v4 = SelectorWidth(v3)\nv5 = SequenceMap({}, v2, v4)\n")
    pairs = _combinations(reachable_arguments(program, ("a", "b", "c"), 6)["v5"])
    together = {(float(a), float(b)) for a in range(7) for b in range(7) if 0 < a + b <= 6}
    assert pairs == together | {(0.0, 0.0)}


def test_a_width_of_every_position_meets_only_indices_below_it():
    table = {(n, i): n - i for n in range(9) for i in range(8)}
    program = parse_program(LENGTH_AND_INDEX.format(table))
    pairs = _combinations(reachable_arguments(program, "abcdefghij", 8)["v3"])
    assert pairs == {(float(n), float(i)) for n in range(1, 9) for i in range(n)}  # of 10^8 inputs
    causal = _combinations(reachable_arguments(program, "abcdefghij", 8, causal=True)["v3"])
    assert causal == {(float(i + 1), float(i)) for i in range(8)}  # a causal query counts itself and before


def test_positionwise_maps_keep_what_each_position_holds_together():
    program = parse_program("v1 = SequenceMap({('a', 0): 1, ('a', 1): 2, ('b', 0): 3, ('b', 1): 4}, tokens, "
                            "indices)\nv2 = Map({1: 0, 2: 0, 3: 1, 4: 1}, v1)\n"
                            "v3 = SequenceMap({}, v1, v2)\n")
    pairs = _combinations(reachable_arguments(program, ("a", "b"), 2)["v3"])
    assert pairs == {(1.0, 0.0), (2.0, 0.0), (3.0, 1.0), (4.0, 1.0)}


def test_the_previous_tokens_value_and_a_count_may_meet_in_any_combination():
    """handwritten `upper_previous_26`: the previous letter beside how often my own letter occurs."""
    program = parse_program("v1 = Select(indices, indices, {(0, 1), (1, 2)})\nv2 = Aggregate(v1, tokens)\n"
                            "v3 = Select(tokens, tokens, EQ)\nv4 = SelectorWidth(v3)\n"
                            "v5 = SequenceMap({}, v2, v4)\n")
    pairs = _combinations(reachable_arguments(program, ("a", "b"), 3)["v5"])
    a, b = encode_value("a"), encode_value("b")
    assert (np.inf, 1.0) in pairs and (a, 3.0) in pairs and (b, 1.0) in pairs and (a, 2.0) in pairs


def test_a_mean_of_whole_values_gives_each_share_and_other_means_leave_what_reads_them_unknown():
    """kestrel `last_vowel_broadcast_len11`: a Map of a suffix mean of 0s and 1s (is there a vowel after
    me) reads 0 or a share; at the last position nothing is selected, and the mean is 0."""
    mean = ("v1 = numerical(Map({0: 0, 1: 1}, tokens))\nv2 = Select(indices, indices, GT)\n"
            "v3 = numerical(Aggregate(v2, v1))\nv4 = Map(x == 0, v3)\n")
    shares = _combinations(reachable_arguments(parse_program(mean), (0, 1), 3)["v4"])
    assert shares == {(0.0,), (0.5,), (1.0,)}
    assert _combinations(reachable_arguments(parse_program(mean), (0, 1), 4)["v4"]) == {
        (0.0,), (1 / 3,), (0.5,), (2 / 3,), (1.0,)}
    halves = mean.replace("{0: 0, 1: 1}", "{0: 0, 1: 0.5}")
    averaging = "v1 = Select(tokens, tokens, TRUE)\nv2 = Aggregate(v1, tokens)\nv3 = Map({}, v2)\n"
    assert reachable_arguments(parse_program(halves), (0, 1), 3)["v4"] is None
    # three selected 0.1s average to 0.10000000000000002 in the interpreter: not 0.1, so not known
    tenths = ("v1 = Map({0: 0.1, 1: 0.1}, tokens)\nv2 = Select(tokens, tokens, TRUE)\n"
              "v3 = Aggregate(v2, v1)\nv4 = Map({}, v3)\n")
    assert reachable_arguments(parse_program(tenths), (0, 1), 3)["v4"] is None
    twos = reachable_arguments(parse_program(tenths.replace("0.1", "2")), (0, 1), 3)["v4"]
    assert _combinations(twos) == {(2.0,)}
    assert reachable_arguments(parse_program(averaging), (0, 1), 3) == {"v3": None}


def test_a_lambda_that_raises_leaves_what_it_gives_unknown():
    """`x + 1` of a string raises (RASP raises too): no values are known past it, and no exception leaves."""
    reached = reachable_arguments(parse_program("v1 = Map(x + 1, tokens)\nv2 = Map({}, v1)\n"), ("a", "b"), 2)
    assert reached["v2"] is None
    assert _combinations(reached["v1"]) == {(encode_value("a"),), (encode_value("b"),)}


def test_too_many_rows_leave_the_rest_unknown():
    program = parse_program("v1 = Select(tokens, tokens, LT)\nv2 = SelectorWidth(v1)\n"
                            "v3 = SequenceMap({}, tokens, v2)\n")
    assert reachable_arguments(program, (0, 1, 2), 4)["v3"] is not None
    assert reachable_arguments(program, (0, 1, 2), 4, row_limit=2)["v3"] is None


def test_a_numerical_maps_outputs_for_widths_no_input_reaches_are_zeroed_and_nothing_else_changes():
    """kestrel `causal_cache_hit_rate` compressed: a width over a window of earlier positions never
    passes 2 here, and the lifted reading's 6 for width 3 (whatever the compression left) would break
    Tracr's means of 0s and 1s."""
    text = ("v1 = Select(indices, indices, {(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)})\n"
            "v2 = SelectorWidth(v1)\n"
            "v3 = numerical(Map({0: 0, 1: 1, 2: 1, 3: 6}, v2))\nv4 = Select(tokens, tokens, TRUE)\n"
            "v5 = numerical(Aggregate(v4, v3))\n")
    program = parse_program(text)
    zeroed = unreached_outputs_zeroed(program, (0, 1), 4, causal=True)
    assert zeroed == parse_program(text.replace("3: 6", "3: 0"))
    for batch in all_inputs((0, 1), 4):
        np.testing.assert_array_equal(evaluate_batch(program, batch, causal=True).output(program),
                                      evaluate_batch(zeroed, batch, causal=True).output(zeroed))
    assert unreached_outputs_zeroed(zeroed, (0, 1), 4, causal=True) is None
