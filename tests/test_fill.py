"""Filling a skeleton: per-line digests of the given weights and of Tracr's blocks agree, and decide."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from trade.compiling import compile_program
from trade.decompile import decompile, load_decompiler
from trade.decoding import weight_tokens
from trade.fill import NOTHING, fill, fill_order, line_block, model_line_digests
from trade.layout import LayoutError
from trade.program.program import Op, Program, canonicalize
from trade.program.text import parse_program
from trade.repair import Searcher
from trade.sampling import SamplerConfig, sample_accepted
from trade.skeleton import fits, skeletons
from trade.verify import EXACT, reference_model, verify
from trade.weights import weights_of

# A test program the beam and the repair search both missed: three lambdas in a row whose values only
# show where the last line reads them.
CHAIN = """\
v1 = Select(tokens, tokens, LT)
v2 = Select(indices, tokens, EQ)
v3 = Select(indices, indices, GT)
v4 = SelectorWidth(v1)
v5 = SelectorWidth(v2)
v6 = SelectorWidth(v3)
v7 = SequenceMap(x == y, v4, v6)
v8 = Map(x == 0, v7)
v9 = Map(x * 2, v8)
v10 = SequenceMap(max(x, y), v9, v5)
"""


def digests_agree(program: Program) -> None:
    weights = weights_of(compile_program(program))
    try:
        skeleton = next(s for s in skeletons(weights) if fits(program, s))
    except LayoutError:  # the few models whose skeleton TraDe cannot read (tests/test_skeleton.py)
        return
    given = model_line_digests(weights, skeleton.labels)
    for index, line in enumerate(program.lines):
        if line.op is not Op.SELECT:
            block = line_block(Program(program.lines[:index + 1]), weights.compile_config)
            assert block is not None and block[0] == given.get(skeleton.blocks[index], NOTHING), line


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), index=st.integers(0, 10**6))
def test_every_line_of_a_generated_program_has_the_digest_of_its_weights(seed, index):
    digests_agree(canonicalize(sample_accepted(seed, index, SamplerConfig()).program))


def test_digests_tell_which_value_a_lookup_reads():
    """`x == 0` and `x == 1` on a 0/1 variable read one value each with weight 1."""
    base = "v1 = Map(x > 2, tokens)\nv2 = numerical(Map({}, v1))\n"
    config = compile_program(canonicalize(parse_program(base.format("x == 0")))).config
    blocks = {lam: line_block(canonicalize(parse_program(base.format(lam))), config)
              for lam in ("x == 0", "x == 1", "x > 0")}
    assert blocks["x == 0"][0] != blocks["x == 1"][0]
    assert blocks["x == 1"] == blocks["x > 0"]  # the same function on {0, 1}: twins


def test_fill_finds_a_chain_of_lambdas_the_search_missed():
    checkpoint = load_decompiler()
    program = canonicalize(parse_program(CHAIN))
    model = compile_program(program)
    weights = weights_of(model)
    reference = reference_model(weights, model.output_values)

    def is_exact(candidate: Program) -> bool:
        return verify(candidate, reference).verdict == EXACT

    tokens = weight_tokens(checkpoint.model, [weights], checkpoint.tokenizer)[0]
    searcher = Searcher(weights, checkpoint.model, tokens, is_exact=is_exact)
    (skeleton,) = skeletons(weights)
    found = fill(searcher, skeleton, is_exact)
    assert found is not None and is_exact(found)
    assert decompile(weights, checkpoint).verdict == EXACT


def test_fill_order_puts_each_line_after_what_it_reads_and_before_its_readers():
    program = canonicalize(parse_program(CHAIN))
    (skeleton,) = skeletons(weights_of(compile_program(program)))
    order = fill_order(skeleton)
    assert sorted(order) == list(range(len(program))) and order[-1] == len(program) - 1
    for position, line in enumerate(order):
        assert all(order.index(int(name[1:]) - 1) < position for name in program.lines[line].variable_args
                   if name.startswith("v"))
    # v5 is read only by the last line, so it is chosen last but one, after the chain v7, v8, v9
    assert order[-2] == 4 and order.index(8) < order.index(4)
