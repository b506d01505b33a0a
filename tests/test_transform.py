"""Function-preserving variants of compiled models (trade.transform) and their weight files."""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trade import transform
from trade.cli import main
from trade.compiling import compile_program
from trade.program.text import parse_program
from trade.weights import WeightsError, load_weights, save_weights, weights_of
from tests.conftest import FRAC_ONES, REVERSE


# Few, fixed examples: each one compiles, transforms and decompiles a model.
_QUICK = settings(deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])

@pytest.fixture(scope="module")
def reverse():
    return dataclasses.replace(weights_of(compile_program(parse_program(REVERSE))), residual_labels=None)


@pytest.fixture(scope="module")
def fraction():
    return weights_of(compile_program(parse_program(FRAC_ONES)))


@settings(_QUICK, max_examples=3)
@given(kind=st.sampled_from(["rotate", "mix"]), seed=st.integers(0, 2 ** 31 - 1))
def test_a_change_of_basis_keeps_every_output(reverse, kind, seed):
    changed = transform.transformed(reverse, kind, seed)
    assert changed.transform[-1] == {**changed.transform[-1], "kind": kind, "seed": seed}
    assert not np.allclose(changed.params["token_embed/embeddings"], reverse.params["token_embed/embeddings"])
    for original, moved in zip(transform.model_outputs(reverse), transform.model_outputs(changed)):
        assert np.allclose(original, moved, atol=1e-3)
    assert transform.same_outputs(reverse, changed)


def test_mixing_is_well_conditioned_and_not_orthogonal(reverse):
    changed = transform.mix(reverse, 3)
    assert 1.0 < changed.transform[-1]["condition"] <= 4.0
    # The read-out is no longer a slice: an orthogonal change would keep its columns unit vectors.
    assert not np.allclose(np.linalg.norm(changed.unembedding, axis=0), 1.0, atol=1e-3)


def test_noise_is_relative_to_each_matrix_and_zero_noise_changes_nothing(fraction):
    assert transform.same_outputs(fraction, transform.add_noise(fraction, 0.0, 1))
    noisy = transform.add_noise(fraction, 1e-3, 1)
    for name, value in fraction.params.items():
        difference = np.abs(noisy.params[name] - value).max()
        scale = np.abs(value).max()
        assert difference <= 6e-3 * scale + 1e-7  # six standard deviations
    assert not transform.same_outputs(fraction, transform.add_noise(fraction, 0.3, 1))
    with pytest.raises(ValueError):
        transform.add_noise(fraction, -1.0, 1)


def test_folding_a_square_orthogonal_compression_is_a_rotation(fraction):
    rng = np.random.default_rng(0)
    folded = transform.fold_compression(fraction, transform.random_orthogonal(fraction.d_model, rng))
    assert transform.same_outputs(fraction, folded)
    with pytest.raises(ValueError):
        transform.compress(fraction, fraction.d_model + 1, 0)


def test_compression_runs_its_inputs_in_chunks_and_learns_the_same_matrix(fraction):
    """A run holds every sublayer's states, so large models are run a chunk of inputs at a time (the suite's
    long_modular_chain, d_model 174: a peak of 7.6 GB resident at once, 4.2 GB in chunks, and over a
    worker's 12 GB address-space limit before); the distinct states, and so W, are the same for any
    chunk size."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: the same float rounding in every run
    try:
        matrices = [transform.compress(fraction, fraction.d_model - 2, 0,
                                       transform.CompressOptions(steps=30, chunk=chunk)).transform[-1]["matrix"]
                    for chunk in (7, 10 ** 6)]
    finally:
        torch.set_num_threads(threads)
    assert np.array_equal(np.array(matrices[0]), np.array(matrices[1]))


def test_compression_is_learned_and_recorded(fraction):
    small = transform.compress(fraction, fraction.d_model - 2, 0, transform.CompressOptions(steps=30))
    record = small.transform[-1]
    assert small.d_model == fraction.d_model - 2 and small.unembedding.shape == (fraction.d_model - 2, 1)
    assert record["kind"] == "compress" and np.isfinite(record["loss"])
    assert 0 <= record["output_agreement"] <= 1


def test_a_compression_wider_than_the_states_it_learns_from_is_completed():
    # W started from the principal directions of the states alone: where they span fewer directions than
    # K (few inputs, or value sets no input fills, as in lib.make_nary_sequencemap of four inputs at
    # K = 0.75 d_model), it had fewer rows than K and the fold failed with a shape error. Any further
    # directions complete it.
    from trade.compiled import CompileConfig

    program = parse_program("v1 = Map(x + 1, tokens)\n")
    weights = weights_of(compile_program(program, CompileConfig(max_seq_len=2)))
    options = transform.CompressOptions(steps=5, max_inputs=1)  # three sublayers, 3 states each at most
    kept = transform.compress(weights, weights.d_model - 1, 0, options)
    assert kept.d_model == weights.d_model - 1 and len(kept.transform[-1]["matrix"]) == weights.d_model - 1


def test_a_cached_compression_is_made_once_and_read_back(fraction, tmp_path):
    made = transform.compress_cached(fraction, 0.75, 3, str(tmp_path))
    path = tmp_path / "3-0.75.npz"
    assert path.is_file() and made.transform[-1]["kind"] == "compress"
    again = transform.compress_cached(fraction, 0.75, 3, str(tmp_path))
    assert again.transform[-1]["seconds"] == made.transform[-1]["seconds"]  # read back, not learned again
    for name, value in made.params.items():
        np.testing.assert_array_equal(np.asarray(again.params[name]), np.asarray(value))
    with pytest.raises(WeightsError):  # a damaged cache file is an error, not a silent recompression
        path.write_bytes(b"not a weights file")
        transform.compress_cached(fraction, 0.75, 3, str(tmp_path))


def test_transformed_files_keep_the_record_and_the_unembedding(reverse, tmp_path):
    changed = transform.rotate(reverse, 5)
    save_weights(changed, tmp_path / "r.npz")
    loaded = load_weights(tmp_path / "r.npz")
    assert loaded.transform == [{"kind": "rotate", "seed": 5}]
    assert np.array_equal(loaded.unembedding, changed.unembedding)
    assert transform.same_outputs(reverse, loaded)
    bad = dataclasses.replace(changed, unembedding=np.zeros((3, 2), dtype=np.float32))
    save_weights(bad, tmp_path / "bad.npz")
    with pytest.raises(WeightsError, match="unembedding"):
        load_weights(tmp_path / "bad.npz")


def test_a_model_that_shows_no_output_is_refused_with_why(reverse, tmp_path, capsys):
    """A numerical output that is 0 on every input has no weights: the model shows no output. Rotated,
    its read-out had no columns, and decompiling it raised an IndexError (helper's `meridian` suite)."""
    from tracr.compiler import compiling
    from tracr.rasp import rasp

    from trade.decompile import decompile, weights_from

    is_a = rasp.numerical(rasp.Map(lambda c: 1 if c == "a" else 0, rasp.tokens, simplify=False))
    mean = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ), is_a,
                                         default=0))
    zero = rasp.numerical(rasp.Map(lambda x: 0, mean, simplify=False))
    model = compiling.compile_rasp_to_model(zero, vocab={"a", "b"}, max_seq_len=4, compiler_bos="BOS")
    silent = dataclasses.replace(weights_from(model), residual_labels=None)
    for kind in ("rotate", "mix", "noise", "compress"):
        with pytest.raises(ValueError, match="shows no output"):
            transform.transformed(silent, kind, 0)
    with pytest.raises(ValueError, match="shows no output"):
        transform.largest_noise(silent, 0)
    save_weights(silent, tmp_path / "silent.npz")
    assert main(["transform", str(tmp_path / "silent.npz"), "-o", str(tmp_path / "o.npz"), "--rotate"]) != 0
    assert "shows no output" in capsys.readouterr().err and not (tmp_path / "o.npz").exists()
    # a transformed model that arrives with an empty read-out: refused on loading, unverified in memory
    empty = dataclasses.replace(transform.rotate(reverse, 0), unembedding=np.zeros((reverse.d_model, 0),
                                                                                  dtype=np.float32))
    result = decompile(empty)
    assert result.verdict == "unverified" and "no columns" in result.reason and not len(result.program.lines)
    save_weights(empty, tmp_path / "empty.npz")
    with pytest.raises(WeightsError, match="at least one output"):
        load_weights(tmp_path / "empty.npz")


def test_cli_transform(reverse, tmp_path, capsys):
    save_weights(reverse, tmp_path / "m.npz")
    arguments = ["transform", str(tmp_path / "m.npz"), "-o", str(tmp_path / "o.npz")]
    assert main(arguments + ["--mix", "--seed", "2"]) == 0
    assert "outputs unchanged on 100.00%" in capsys.readouterr().out
    assert load_weights(tmp_path / "o.npz").transform[0]["kind"] == "mix"
    assert main(["transform", str(tmp_path / "m.npz"), "-o", str(tmp_path / "o.npz")]) != 0
    assert "choose one of" in capsys.readouterr().err


def test_cli_noise_max_searches_reports_and_uses_the_largest_noise(reverse, tmp_path, capsys):
    save_weights(reverse, tmp_path / "m.npz")
    arguments = ["transform", str(tmp_path / "m.npz"), "-o", str(tmp_path / "o.npz"), "--seed", "3"]
    assert main(arguments + ["--noise", "max"]) == 0
    out = capsys.readouterr().out
    scale = transform.largest_noise(reverse, 3)
    assert f"S = {scale:.3g}" in out and "outputs unchanged on 100.00%" in out
    assert load_weights(tmp_path / "o.npz").transform[-1] == {"kind": "noise", "seed": 3, "scale": scale}
    for bad in ("lots", "nan"):
        with pytest.raises(SystemExit):
            main(arguments + ["--noise", bad])
        assert "--noise" in capsys.readouterr().err


def test_a_model_with_too_many_inputs_is_compared_on_a_seeded_sample():
    from trade.compiling import CompileConfig

    config = CompileConfig(vocab=tuple(range(10)), max_seq_len=6)  # 1,111,110 inputs
    weights = dataclasses.replace(weights_of(compile_program(parse_program("v1 = Map(x + 1, tokens)\n"),
                                                             config)), residual_labels=None)
    inputs, every = transform.checked_inputs(weights)
    assert not every and sum(len(batch) for batch in inputs) == 5_000
    mixed = transform.mix(weights, 0)
    assert transform.same_outputs(weights, mixed)
    assert transform.output_agreement(weights, transform.add_noise(weights, 0.5, 0)) < 1.0


def test_a_compressed_stream_narrower_than_its_outputs_is_saved_and_loaded(tmp_path):
    """K may be below the number of output values (64 values in K = 60 for a suite program at 0.5): the
    read-out, not the stream, says how many outputs there are."""
    weights = weights_of(compile_program(parse_program("v1 = Map(x + 1, tokens)\n")))
    matrix = np.random.default_rng(0).normal(size=(3, weights.d_model))
    narrow = transform.fold_compression(weights, matrix)
    assert len(narrow.output_values) > narrow.d_model == 3
    save_weights(narrow, tmp_path / "narrow.npz")
    assert load_weights(tmp_path / "narrow.npz").output_values == narrow.output_values


def test_a_compression_learned_on_too_few_states_is_refined_on_the_inputs_it_misreads():
    """W learned from a sample of inputs reads every sampled state back, yet may misread states the
    sample lacks (examples/hist.rasp from 10 inputs: 2.4% of outputs changed). Refining on the inputs
    whose outputs it changes gives every output back."""
    from pathlib import Path

    weights = weights_of(compile_program(parse_program(Path("examples/hist.rasp").read_text())))
    size = round(0.75 * weights.d_model)
    sampled = transform.compress(weights, size, 0, transform.CompressOptions(max_inputs=10, refine_rounds=0))
    assert sampled.transform[-1]["output_agreement"] < 0.99
    assert sampled.transform[-1]["refine"]["misread"] > 0
    refined = transform.compress(weights, size, 0, transform.CompressOptions(max_inputs=10))
    record = refined.transform[-1]
    assert record["output_agreement"] == 1.0 and transform.checks_every_input(weights)
    assert record["refine"]["rounds"] >= 1 and record["refine"]["misread"] == 0
    assert record["refine"]["checked"] == 3905  # every input: vocab {0..4}, lengths 1 to 5
