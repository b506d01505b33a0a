import numpy as np
import pytest

from trade.compiling import (CompileConfig, CompileError, CompileTimeout, compile_program, compile_stock,
                             params_of_assembled, run_compiled)
from trade.program.interpret import random_inputs
from trade.program.text import parse_program
from tests.conftest import FRAC_ONES, REVERSE


def test_fast_compile_gives_identical_weights_to_tracr(accepted_programs):
    for accepted in accepted_programs[:3]:
        stock = params_of_assembled(compile_stock(accepted.program))
        fast = compile_program(accepted.program).params
        assert sorted(stock) == sorted(fast)
        for name in stock:
            assert stock[name].dtype == fast[name].dtype
            np.testing.assert_array_equal(stock[name], fast[name], err_msg=name)


def test_weights_are_a_function_of_the_canonical_program(accepted_programs):
    program = accepted_programs[0].program
    first, second = compile_program(program).params, compile_program(program).params
    assert all(np.array_equal(first[k], second[k]) for k in first)


@pytest.mark.parametrize("source", [REVERSE, FRAC_ONES])
def test_numpy_forward_matches_tracr_apply(source):
    program = parse_program(source)
    config = CompileConfig()
    stock, fast = compile_stock(program, config), compile_program(program, config)
    rng = np.random.default_rng(1)
    for batch in random_inputs(config.vocab, config.max_seq_len, 15, rng):
        ours = run_compiled(fast, batch)
        for row, sequence in enumerate(batch):
            decoded = stock.apply([config.compiler_bos] + [int(v) for v in sequence]).decoded[1:]
            np.testing.assert_allclose(ours[row], np.array(decoded, dtype=float), atol=1e-4)


def test_compile_errors_and_timeouts_are_reported():
    with pytest.raises(CompileError, match="tokens"):
        compile_program(parse_program("v1 = Map(x + 1, indices)\n"))
    with pytest.raises(CompileTimeout):
        compile_program(parse_program(REVERSE + "again = Map(x + 2, reverse)\n"), timeout=1e-5)


@pytest.mark.parametrize("chunk_floats", [1, 37, 500])
def test_forward_in_chunks_is_identical_to_the_bit(chunk_floats):
    """Chunking the batch must change no result (verdicts depend on exact numerics): dense, rotated
    weights, every input of one length, and the attention that `on_attention` sees."""
    from trade.compiling import forward
    from trade.program.interpret import all_inputs
    from trade.transform import rotate
    from trade.verify import _token_ids
    from trade.weights import weights_of

    weights = rotate(weights_of(compile_program(parse_program(FRAC_ONES))), seed=3)
    ids = _token_ids(weights, all_inputs(weights.compile_config.vocab, 4)[-1])
    seen: dict[str, dict] = {"whole": {}, "chunks": {}}
    whole = forward(weights.params, ids, weights.num_heads, chunk_floats=10**9,
                    on_attention=lambda layer, a: seen["whole"].__setitem__(layer, a.copy()))
    chunked = forward(weights.params, ids, weights.num_heads, chunk_floats=chunk_floats,
                      on_attention=lambda layer, a: seen["chunks"].__setitem__(layer, a.copy()))
    assert whole.dtype == np.float64 and np.array_equal(whole, chunked)
    assert sorted(seen["whole"]) == sorted(seen["chunks"]) == list(range(weights.num_layers))
    for layer, attention in seen["whole"].items():
        assert attention.shape == (len(ids), weights.num_heads, ids.shape[1], ids.shape[1])
        assert np.array_equal(attention, seen["chunks"][layer])
