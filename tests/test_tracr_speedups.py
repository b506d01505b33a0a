import numpy as np
from tracr.craft import bases, vectorspace_fns

from trade import tracr_speedups
from trade.compiling import compile_program, compile_stock, params_of_assembled


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
