import dataclasses
import json
import pickle

import numpy as np
import pytest

from trade.compiling import compile_program
from trade.program.text import parse_program
from trade.weights import (CONFIG_KEY, META_DIM, TokenizerConfig, WeightsError, load_weights, save_weights,
                           tokenize, weights_of)
from tests.conftest import REVERSE


@pytest.fixture(scope="module")
def reverse_weights():
    return weights_of(compile_program(parse_program(REVERSE)))


def test_save_and_load_round_trip(tmp_path, reverse_weights):
    path = tmp_path / "model.npz"
    save_weights(reverse_weights, path)
    loaded = load_weights(path)
    assert loaded.compile_config == reverse_weights.compile_config
    assert (loaded.num_heads, loaded.key_size) == (reverse_weights.num_heads, reverse_weights.key_size)
    for name, value in reverse_weights.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)


def _rewrite(tmp_path, weights, edit) -> str:
    path = tmp_path / "model.npz"
    save_weights(weights, path)
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    edit(arrays)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return str(path)


@pytest.mark.parametrize("edit, message", [
    (lambda a: a.pop("transformer/layer_0/attn/query/w"), "missing 'transformer/layer_0/attn/query/w'"),
    (lambda a: a.update({"extra/w": np.zeros(3, np.float32)}), "unexpected key 'extra/w'"),
    (lambda a: a.update({"transformer/layer_0/mlp/linear_2/w": np.zeros((2, 2), np.float32)}), "has shape"),
    (lambda a: a["token_embed/embeddings"].__setitem__((0, 0), np.nan), "NaN or infinite"),
    (lambda a: a["pos_embed/embeddings"].__setitem__((0, 0), np.inf), "NaN or infinite"),
    (lambda a: a.pop(CONFIG_KEY), "missing 'trade/config'"),
    (lambda a: a.update({CONFIG_KEY: np.array("{not json")}), "malformed 'trade/config'"),
])
def test_bad_weights_files_get_one_line_errors(tmp_path, reverse_weights, edit, message):
    path = _rewrite(tmp_path, reverse_weights, edit)
    with pytest.raises(WeightsError, match=message) as caught:
        load_weights(path)
    assert "\n" not in str(caught.value)


def test_truncated_and_pickled_files_are_refused(tmp_path, reverse_weights):
    path = tmp_path / "model.npz"
    save_weights(reverse_weights, path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match="truncated"):
        load_weights(truncated)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{"token_embed/embeddings": np.array([{"evil": 1}], dtype=object)})
    with pytest.raises(WeightsError, match="pickled"):
        load_weights(pickled)
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(WeightsError, match="not a .npz"):
        load_weights(raw)


def test_wrong_sequence_length_is_named(tmp_path, reverse_weights):
    def edit(arrays):
        info = json.loads(str(arrays[CONFIG_KEY]))
        info["compile"]["max_seq_len"] = 8
        arrays[CONFIG_KEY] = np.array(json.dumps(info))
    with pytest.raises(WeightsError, match="max_seq_len is 8"):
        load_weights(_rewrite(tmp_path, reverse_weights, edit))


@pytest.mark.parametrize("scheme", ["matrix", "layer", "chunk", "circuit"])
def test_tokenization_schemes(reverse_weights, scheme):
    config = TokenizerConfig(scheme=scheme, width=256)
    tokens = tokenize(reverse_weights, config)
    assert tokens.vectors.shape[1] == 256 + config.meta_dim
    assert config.meta_dim == META_DIM or scheme == "circuit"
    assert len(tokens) == len(tokens.roles) == len(tokens.layers) > 0
    assert np.isfinite(tokens.vectors).all()


def test_matrix_tokens_keep_residual_alignment(reverse_weights):
    """Column-major flattening: residual dimension r sits at offset r in every token."""
    d_model = reverse_weights.d_model
    tokens = tokenize(reverse_weights, TokenizerConfig(width=2000))
    embed = reverse_weights.params["token_embed/embeddings"]
    first = tokens.vectors[0, :d_model]
    np.testing.assert_allclose(first, np.sign(embed[0]) * np.log1p(np.abs(embed[0])))
    small = tokenize(reverse_weights, TokenizerConfig(width=d_model * 2))
    assert len(small) > len(tokens)  # wide matrices are split into several tokens


def test_a_fixed_stride_puts_each_residual_dimension_at_the_same_offsets(reverse_weights):
    from trade.weights import residual_major_matrices, symlog

    wider = weights_of(compile_program(parse_program("v1 = Map(x + 1, tokens)\nv2 = Map(x - 1, v1)\n"
                                                     "v3 = SequenceMap(x + y, v1, v2)\n")))
    assert wider.d_model != reverse_weights.d_model
    for weights in (reverse_weights, wider):
        d = weights.d_model
        tokens = tokenize(weights, TokenizerConfig(stride=64, width=640))
        blocks = [item.matrix[:, start:start + 10] for item in residual_major_matrices(weights)
                  for start in range(0, item.matrix.shape[1], 10)]  # 10 columns of 64 per token
        assert len(blocks) == len(tokens)
        for vector, block in zip(tokens.vectors, blocks):
            grid = vector[:640].reshape(64, 10, order="F")
            np.testing.assert_allclose(grid[:d, :block.shape[1]], symlog(block), rtol=1e-6)
            assert not grid[d:].any() and not grid[:, block.shape[1]:].any()
    narrow = tokenize(reverse_weights, TokenizerConfig(stride=8, width=640))  # narrower than d_model
    plain = tokenize(reverse_weights, TokenizerConfig(width=640))
    np.testing.assert_array_equal(narrow.vectors, plain.vectors)


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown tokenization scheme 'rows'; choose from"):
        TokenizerConfig(scheme="rows")
    with pytest.raises(ValueError, match="stride must be positive"):
        TokenizerConfig(stride=0)


def test_circuit_tokens_read_a_lookup_and_ignore_the_head_basis():
    """An MLP's circuit token maps each input value to its output value, and a head's tokens depend
    on its query/key and value/output matrices only through their products."""
    model = compile_program(parse_program("v1 = Map(x + 1, tokens)\nv2 = Select(tokens, indices, LT)\n"
                                          "v3 = Aggregate(v2, v1)\n"))
    weights, config = weights_of(model), TokenizerConfig(scheme="circuit")
    tokens = tokenize(weights, config)
    labels, d = model.residual_labels, weights.d_model
    lookup = tokens.vectors[list(tokens.roles).index(config.roles.index("mlp_circuit")), :d * d]
    lookup = lookup.reshape(d, d, order="F")
    for value in range(4):
        row = labels.index(f"tokens:{value}")
        name, output = labels[int(np.argmax(lookup[row]))].split(":")
        assert name.startswith("v1") and output == str(value + 1)
    rng = np.random.default_rng(0)
    params = dict(weights.params)
    for layer in range(weights.num_layers):
        attn = f"transformer/layer_{layer}/attn"
        basis = rng.normal(size=(weights.key_size, weights.key_size)) + 3 * np.eye(weights.key_size)
        params[f"{attn}/query/w"] = params[f"{attn}/query/w"] @ basis
        params[f"{attn}/key/w"] = params[f"{attn}/key/w"] @ np.linalg.inv(basis).T
        params[f"{attn}/value/w"] = params[f"{attn}/value/w"] @ basis
        params[f"{attn}/linear/w"] = np.linalg.inv(basis) @ params[f"{attn}/linear/w"]
    turned = tokenize(dataclasses.replace(weights, params=params), config)
    np.testing.assert_allclose(turned.vectors, tokens.vectors, atol=1e-4)
    assert not np.allclose(tokenize(dataclasses.replace(weights, params=params)).vectors[2:],
                           tokenize(weights).vectors[2:], atol=1e-4)  # the matrix scheme does see it


def test_residual_names_travel_in_weights_files(tmp_path):
    from trade.program.program import canonicalize

    model = compile_program(canonicalize(parse_program("v1 = Map(x + 1, tokens)\n")))
    save_weights(weights_of(model), tmp_path / "named.npz")
    assert load_weights(tmp_path / "named.npz").residual_labels == list(model.residual_labels)
    bad = dataclasses.replace(weights_of(model), residual_labels=["one"])
    save_weights(bad, tmp_path / "bad.npz")
    with pytest.raises(WeightsError, match="residual labels"):
        load_weights(tmp_path / "bad.npz")


def test_an_empty_padding_token_is_taken_as_tracr_takes_it(tmp_path):
    """Tracr compiles with `compiler_pad=''` (it needs a BOS token, not a PAD one), and such a model was
    refused on loading ("compiler_pad must be a non-empty string"), saved or in memory (zenith)."""
    from tracr.compiler import compiling, lib
    from tracr.rasp import rasp

    from trade import transform
    from trade.decompile import decompile, weights_from

    out = rasp.SequenceMap(lambda t, h: f"{t}{h}", rasp.tokens, lib.make_hist())
    model = compiling.compile_rasp_to_model(out, vocab={"a", "b", "c"}, max_seq_len=5, compiler_bos=" ",
                                            compiler_pad="")
    plain = dataclasses.replace(weights_from(model), residual_labels=None)
    save_weights(plain, tmp_path / "model.npz")
    loaded = load_weights(tmp_path / "model.npz")
    assert loaded.compile_config.compiler_pad == ""
    for given in (loaded, transform.transformed(loaded, "mix", 0)):
        result = decompile(given)
        assert result.verdict == "exact", result.reason
    with pytest.raises(WeightsError, match="compiler_bos must be a non-empty string"):
        save_weights(dataclasses.replace(plain, compile_config=dataclasses.replace(plain.compile_config,
                                                                                   compiler_bos="")),
                     tmp_path / "bad.npz")
        load_weights(tmp_path / "bad.npz")


def test_the_empty_tuple_is_a_token_as_tracr_takes_it(tmp_path):
    """Tracr compiles a vocabulary of tuples with the empty tuple among them (summit `tuple_lengths_width`),
    and such a model was refused on loading ("vocabulary token '()' is a tuple, expected ... a tuple of
    those"), saved or in memory."""
    from tracr.compiler import compiling
    from tracr.rasp import rasp

    from trade.decompile import decompile, weights_from

    width = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: len(k) < len(q)))
    model = compiling.compile_rasp_to_model(width, vocab={(), ("a",), ("a", "b")}, max_seq_len=3,
                                            compiler_bos="BOS")
    plain = dataclasses.replace(weights_from(model), residual_labels=None)
    save_weights(plain, tmp_path / "model.npz")
    loaded = load_weights(tmp_path / "model.npz")
    assert () in loaded.compile_config.vocab
    assert decompile(loaded).verdict == "exact"
