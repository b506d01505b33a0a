import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from tracr.craft import bases, vectorspace_fns

from trade import tracr_speedups
from trade.compiling import _RECENT, CompileError, compile_program, compile_stock, params_of_assembled
from trade.program.program import ProgramError
from trade.program.tokens import program_to_ids
from trade.program.tokens import argument_substitutions
from trade.repair import _substituted
from trade.sampling import SamplerConfig, sample_accepted


def _space(names):
    return bases.VectorSpaceWithBasis([bases.BasisDirection(n, v) for n, v in names])


def test_fast_helpers_equal_tracr_originals():
    a = _space([("a", 0), ("a", 1), ("b", None)])
    b = _space([("a", 1), ("c", 2), ("b", None)])
    original_project = tracr_speedups._ORIGINALS["project"]
    np.testing.assert_array_equal(tracr_speedups.project(a, b).matrix, original_project(a, b).matrix)
    rng = np.random.default_rng(0)
    fns = [vectorspace_fns.Linear(a, b, rng.normal(size=(3, 3))),
           vectorspace_fns.Linear(b, a, rng.normal(size=(3, 3)))]
    ours = tracr_speedups.combine_in_parallel(vectorspace_fns.Linear, fns)
    theirs = tracr_speedups._ORIGINALS["combine_in_parallel"](fns)
    assert ours.input_space == theirs.input_space and ours.output_space == theirs.output_space
    np.testing.assert_array_equal(ours.matrix, theirs.matrix)
    vector = tracr_speedups.vector_from_basis_direction(a, bases.BasisDirection("a", 1))
    np.testing.assert_array_equal(vector.magnitudes, [0.0, 1.0, 0.0])


def test_stock_compile_runs_unpatched_and_matches(accepted_programs):
    for accepted in accepted_programs[6:9]:
        stock = params_of_assembled(compile_stock(accepted.program))
        fast = compile_program(accepted.program).params
        assert vectorspace_fns.project is tracr_speedups.project
        for name in stock:
            np.testing.assert_array_equal(stock[name], fast[name], err_msg=name)


def test_cached_line_blocks_give_the_same_weights_as_building_them_afresh(accepted_programs):
    """Programs one token apart share most line blocks; reusing them must not change a single weight."""
    programs = []
    for accepted in accepted_programs[:4]:
        ids = program_to_ids(accepted.program)
        variants = [_substituted(ids, changes) for changes in argument_substitutions(accepted.program)]
        programs += [accepted.program] + [v for v in variants[::7] if v is not None]
    hits = tracr_speedups.BLOCK_CACHE["hits"]
    for program in programs:
        _RECENT.clear()
        try:
            cached = compile_program(program)  # with the blocks of the program before
        except (CompileError, ProgramError):
            continue
        tracr_speedups._BLOCKS.clear()
        _RECENT.clear()
        fresh = compile_program(program)
        assert cached.residual_labels == fresh.residual_labels and cached.output_values == fresh.output_values
        for name in fresh.params:
            np.testing.assert_array_equal(cached.params[name], fresh.params[name], err_msg=name)
    assert tracr_speedups.BLOCK_CACHE["hits"] - hits > 50


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), index=st.integers(0, 10**6), stride=st.integers(3, 11))
def test_block_cache_is_invisible_for_generated_programs(seed, index, stride):
    """Whatever program and whichever of its neighbours came before, cached and fresh compiles agree."""
    program = sample_accepted(seed, index, SamplerConfig()).program
    ids = program_to_ids(program)
    neighbours = [_substituted(ids, changes) for changes in argument_substitutions(program)][::stride]
    for candidate in [program] + [n for n in neighbours if n is not None][:6]:
        _RECENT.clear()
        try:
            cached = compile_program(candidate)
        except (CompileError, ProgramError):
            continue
        tracr_speedups._BLOCKS.clear()
        _RECENT.clear()
        fresh = compile_program(candidate)
        assert cached.residual_labels == fresh.residual_labels
        for name in fresh.params:
            np.testing.assert_array_equal(cached.params[name], fresh.params[name], err_msg=name)
