"""Every way a Tracr model arrives (trade.model_inputs): plain parameter files, TransformerLens models."""

from __future__ import annotations

import numpy as np
import pytest

from trade.cli import build_parser, compile_program_file
from trade.compiled import CompileConfig
from trade.model_inputs import (ModelFacts, infer_heads, parse_output_values, parse_tokens, plain_arrays,
                                read_model, save_lens, tracr_to_lens_state, write_safetensors)
from trade.weights import WeightsError, weights_of

EXAMPLES = ("reverse", "hist", "pair_balance", "frac_prevs")


def compiled(name: str):
    args = build_parser("compile").parse_args(["compile", f"examples/{name}.rasp", "-o", "unused.npz"])
    return weights_of(compile_program_file(f"examples/{name}.rasp", args))


def tracr_model(causal: bool = False):
    from tracr.compiler import compiling, lib
    from tracr.rasp import rasp

    return compiling.compile_rasp_to_model(lib.make_sort_unique(rasp.tokens, rasp.tokens), vocab={0, 1, 2, 3},
                                           max_seq_len=4, compiler_bos="BOS", causal=causal)


def test_tokens_parse_as_ints_or_strings():
    assert parse_tokens("0,1,2", "--vocab") == (0, 1, 2)
    assert parse_tokens("a, b,3", "--vocab") == ("a", "b", 3)
    assert parse_output_values("numerical") == "numerical"
    with pytest.raises(WeightsError, match="--vocab"):
        parse_tokens("0,,1", "--vocab")


@pytest.mark.parametrize("name", EXAMPLES)
def test_heads_and_key_size_are_read_from_the_attention_blocks(name):
    weights = compiled(name)
    assert infer_heads(weights.params) == (weights.num_heads, weights.key_size)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_plain_files_read_back_the_same_arrays(tmp_path, suffix):
    weights = compiled("pair_balance")  # two heads in one layer
    path = tmp_path / f"model{suffix}"
    if suffix == ".npz":
        np.savez(path, **plain_arrays(weights))
    else:
        write_safetensors(plain_arrays(weights), path)
    given = read_model(path)
    assert given.kind == f"plain {suffix}"
    assert (given.weights.num_heads, given.weights.key_size) == (weights.num_heads, weights.key_size)
    assert given.weights.compile_config == weights.compile_config
    assert all(np.array_equal(given.weights.params[k], v) for k, v in weights.params.items())
    assert any(fact.startswith("vocab 0,1,2,3,4") for fact in given.defaults)
    assert given.weights.residual_labels is None and "names" in " ".join(given.unpromised())


def test_a_flag_that_does_not_fit_the_shapes_is_named(tmp_path):
    path = tmp_path / "model.npz"
    np.savez(path, **plain_arrays(compiled("reverse")))
    with pytest.raises(WeightsError, match="--vocab gives 3 tokens"):
        read_model(path, ModelFacts(vocab=(0, 1, 2)))
    with pytest.raises(WeightsError, match="--max-seq-len"):
        read_model(path, ModelFacts(max_seq_len=7))
    assert read_model(path, ModelFacts(vocab=("a", "b", "c", "d", "e"))).weights.compile_config.vocab == \
        ("a", "b", "c", "d", "e")


def test_plain_files_decompile_to_the_trade_file_s_verdict_and_program(tmp_path):
    from trade.decompile import DecompileOptions, decompile

    options = DecompileOptions(repair=False)
    for name in ("reverse", "hist"):
        weights = compiled(name)
        np.savez(tmp_path / "plain.npz", **plain_arrays(weights))
        write_safetensors(plain_arrays(weights), tmp_path / "plain.safetensors")
        expected = decompile(weights, options=options)
        for path in (tmp_path / "plain.npz", tmp_path / "plain.safetensors"):
            result = decompile(path, options=options)
            assert result.verdict == expected.verdict, (name, path, result.reason)
            assert "not promised for this input" in result.reason


def test_a_lens_state_dict_reads_back_to_tracr_s_layout(tmp_path):
    model = tracr_model()
    state, config = tracr_to_lens_state(model)
    save_lens(state, config, tmp_path / "lens.safetensors")
    given = read_model(tmp_path / "lens.safetensors", ModelFacts(vocab=(0, 1, 2, 3)))
    assert given.kind.startswith("TransformerLens")
    for module, group in model.params.items():
        for name, value in group.items():
            assert np.allclose(given.weights.params[f"{module}/{name}"], np.asarray(value)), (module, name)
    assert (given.weights.num_heads, given.weights.key_size) == (model.model_config.num_heads,
                                                                 model.model_config.key_size)


def test_folded_value_biases_and_another_attention_scale_are_undone(tmp_path):
    model = tracr_model()
    state, config = tracr_to_lens_state(model)
    state = dict(state)
    state["blocks.0.attn.W_Q"] = state["blocks.0.attn.W_Q"] * 2.0  # scores divided by twice the scale
    config = {**config, "attn_scale": 2.0 * np.sqrt(config["d_head"])}
    save_lens(state, config, tmp_path / "lens.safetensors")
    given = read_model(tmp_path / "lens.safetensors", ModelFacts(vocab=(0, 1, 2, 3)))
    assert np.allclose(given.weights.params["transformer/layer_0/attn/query/w"],
                       np.asarray(model.params["transformer/layer_0/attn/query"]["w"]))
    assert any("scale" in note for note in given.notes)


def test_a_live_hooked_transformer_decompiles_like_the_tracr_model():
    pytest.importorskip("transformer_lens",
                        reason="the `lens` extra (pip install -e '.[lens]') is not installed")
    from trade.decompile import DecompileOptions, decompile
    from trade.model_inputs import tracr_to_lens

    model = tracr_model()
    lens = tracr_to_lens(model)
    given = read_model(lens, ModelFacts(vocab=(0, 1, 2, 3)))
    for module, group in model.params.items():
        for name, value in group.items():
            assert np.allclose(given.weights.params[f"{module}/{name}"], np.asarray(value)), (module, name)
    options = DecompileOptions(repair=False)
    expected = decompile(model, options=options).verdict
    assert decompile(lens, options=options, vocab=(0, 1, 2, 3)).verdict == expected


def test_a_string_vocabulary_plain_file_decompiles_with_the_flag(tmp_path):
    from trade.decompile import DecompileOptions, decompile

    args = build_parser("compile").parse_args(["compile", "examples/reverse.rasp", "-o", "unused.npz",
                                                "--vocab", "a,b,c"])
    weights = weights_of(compile_program_file("examples/reverse.rasp", args))
    np.savez(tmp_path / "plain.npz", **plain_arrays(weights))
    with pytest.raises(WeightsError, match="pass --vocab with 3 tokens"):
        read_model(tmp_path / "plain.npz")
    options = DecompileOptions(repair=False)
    result = decompile(tmp_path / "plain.npz", options=options, vocab=("a", "b", "c"))
    assert result.verdict == decompile(weights, options=options).verdict
    assert result.config.vocab == ("a", "b", "c")


def test_a_causal_model_says_so_wherever_it_can(tmp_path):
    """Tracr's causal=True leaves the weights as they are: only the model, a TransformerLens config, a TraDe
    file or the --causal flag tell; a plain file says nothing, so the result says what was assumed."""
    from trade.weights import load_weights, save_weights

    model = tracr_model(causal=True)
    assert read_model(model).weights.compile_config.causal
    assert not read_model(tracr_model()).weights.compile_config.causal
    state, config = tracr_to_lens_state(model)
    assert config["attention_dir"] == "causal"
    save_lens(state, config, tmp_path / "lens.safetensors")
    lens = read_model(tmp_path / "lens.safetensors", ModelFacts(vocab=(0, 1, 2, 3)))
    assert lens.weights.compile_config.causal
    with pytest.raises(WeightsError, match="contradicts"):
        read_model(tmp_path / "lens.safetensors", ModelFacts(vocab=(0, 1, 2, 3), causal=False))
    weights = read_model(model).weights
    save_weights(weights, tmp_path / "trade.npz")
    assert load_weights(tmp_path / "trade.npz").compile_config.causal
    np.savez(tmp_path / "plain.npz", **plain_arrays(weights))
    plain = read_model(tmp_path / "plain.npz", ModelFacts(vocab=(0, 1, 2, 3)))
    assert not plain.weights.compile_config.causal
    assert any("bidirectional" in fact for fact in plain.unpromised())
    flagged = read_model(tmp_path / "plain.npz", ModelFacts(vocab=(0, 1, 2, 3), causal=True))
    assert flagged.weights.compile_config.causal
    assert not any("bidirectional" in fact for fact in flagged.unpromised())


@pytest.mark.parametrize("exactness", [7, 1000])
def test_mlp_exactness_is_read_from_the_weights(tmp_path, exactness):
    """Tracr's `mlp_exactness` (100 unless set) is the slope of every discretising MLP (a numerical Map's, a
    SelectorWidth's), which no file or Tracr model records: read from the weights, a model compiled with
    another reads `exact`, also from a plain file and rotated. Assumed 100, neither did (recompiled with 100,
    the weights differ; compiled with 7, Tracr's model gives None at other positions too)."""
    import dataclasses

    from tracr.compiler import compiling, lib
    from tracr.rasp import rasp

    from trade import transform
    from trade.decompile import decompile
    from trade.model_inputs import read_mlp_exactness

    model = compiling.compile_rasp_to_model(lib.make_hist(), vocab={"a", "b", "c"}, max_seq_len=4,
                                            compiler_bos="BOS", compiler_pad="PAD", mlp_exactness=exactness)
    weights = read_model(model).weights
    assert weights.compile_config.mlp_exactness == exactness
    np.savez(tmp_path / "plain.npz", **plain_arrays(weights))
    plain = read_model(tmp_path / "plain.npz", ModelFacts(vocab=("a", "b", "c"))).weights
    assert plain.compile_config.mlp_exactness == exactness
    rotated = transform.rotate(dataclasses.replace(weights, residual_labels=None), 0)
    assert read_mlp_exactness(rotated.params) is None  # after a change of basis only L times x's scale shows
    for given in (weights, plain, rotated):
        result = decompile(given)
        assert result.verdict == "exact" and result.config.mlp_exactness == exactness, result.reason
    assert read_mlp_exactness(compiled("reverse").params) == 100  # its length's SelectorWidth, as compiled
    sort = read_model(compiling.compile_rasp_to_model(lib.make_sort_unique(rasp.tokens, rasp.tokens),
                                                      vocab={1, 2, 3}, max_seq_len=3, compiler_bos="BOS"))
    assert read_mlp_exactness(sort.weights.params) == 100


def _rows(config) -> dict:
    """Each embedding row's token, BOS and PAD by role: the layout the names give."""
    from trade.verify import token_ids_for

    ids = token_ids_for(config)
    roles = {config.compiler_bos: "BOS", config.compiler_pad: "PAD"}
    return {row: roles.get(value, value) for value, row in ids.items()}


@pytest.mark.parametrize("vocab,bos,pad", [({"apple", "fig", "kiwi"}, "compiler_bos", "compiler_pad"),
                                           ({"apple", "fig", "kiwi"}, "<s>", "<pad>"),
                                           ({0, 1, 2}, "<s>", "<pad>")])
def test_bos_and_pad_are_found_where_the_weights_put_them(tmp_path, vocab, bos, pad):
    """Tracr sorts the token names to lay out the embedding's rows, and a plain file keeps no names: BOS's row
    (every head's query `one` scores it) and PAD's (nothing reads it) are read from the weights and given
    names that sort there. Assuming TraDe's BOS and PAD, Tracr's defaults (compiler_bos, compiler_pad) over
    strings, or <s> and <pad> even over ints (PAD sorts first), read the wrong rows as BOS: `unverified`."""
    from tracr.compiler import compiling
    from tracr.rasp import rasp

    from trade.decompile import DecompileOptions, decompile

    width = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT))
    upper = rasp.Map(lambda x: str(x).upper(), rasp.tokens)
    program = rasp.SequenceMap(lambda a, b: f"{a}:{b}", upper, width)
    model = compiling.compile_rasp_to_model(program, vocab=vocab, max_seq_len=4, compiler_bos=bos,
                                            compiler_pad=pad)
    weights = read_model(model).weights
    np.savez(tmp_path / "plain.npz", **plain_arrays(weights))
    facts = ModelFacts(vocab=tuple(sorted(vocab)))
    plain = read_model(tmp_path / "plain.npz", facts)
    assert _rows(plain.weights.compile_config) == _rows(weights.compile_config)
    assert any("PAD" in fact for fact in plain.defaults)
    result = decompile(tmp_path / "plain.npz", options=DecompileOptions(repair=False), vocab=facts.vocab)
    assert result.verdict == "exact", result.reason
    named = read_model(tmp_path / "plain.npz", ModelFacts(vocab=facts.vocab, bos=bos, pad=pad))
    config = named.weights.compile_config
    assert (config.compiler_bos, config.compiler_pad) == (bos, pad)
    with pytest.raises(WeightsError, match="sort elsewhere"):
        read_model(tmp_path / "plain.npz", ModelFacts(vocab=facts.vocab, bos="~~~", pad="~~~~"))


def test_names_are_made_to_sort_where_no_usual_name_does():
    from trade.model_inputs import special_token_names

    assert special_token_names(("a", "b"), 0, 3) == ("BOS", "compiler_pad")
    bos, pad = special_token_names(("a", "b"), 1, 2)  # between a and b, then between BOS and b
    assert _rows(CompileConfig(vocab=("a", "b"), compiler_bos=bos, compiler_pad=pad)) == \
        {0: "a", 1: "BOS", 2: "PAD", 3: "b"}
    bos, pad = special_token_names((0, 1), 0, 3)  # Tracr compares ints with strings as text: no usual BOS
    assert _rows(CompileConfig(vocab=(0, 1), compiler_bos=bos, compiler_pad=pad)) == {0: "BOS", 1: 0, 2: 1,
                                                                                      3: "PAD"}
    assert special_token_names(("a", "b"), 0, 3, bos="zzz") is None  # a given name keeps its place


def test_output_values_holding_a_colon_find_their_directions():
    """A residual label is `name:value`, and a value may hold ':' too (e.g. 'flat:0'): splitting at the last
    one found no output variable, and the TransformerLens export failed."""
    from tracr.compiler import compiling
    from tracr.rasp import rasp

    program = rasp.categorical(rasp.Map(lambda x: f"v:{x}", rasp.tokens)).named("out")
    model = compiling.compile_rasp_to_model(program, vocab={0, 1, 2}, max_seq_len=3, compiler_bos="BOS")
    state, _ = tracr_to_lens_state(model)
    labels = [str(label) for label in model.residual_labels]
    found = {labels[int(np.argmax(state["unembed.W_U"][:, column]))]: value
             for value, column in model.output_encoder.encoding_map.items()}
    assert len({label.split(":")[0] for label in found}) == 1 and len(found) == 3
    assert all(label.endswith(f":{value}") for label, value in found.items())


@pytest.mark.parametrize("with_one", [True, False])
def test_without_attention_bos_and_pad_are_the_rows_nothing_reads(tmp_path, with_one):
    """A model of Maps alone has no head to show BOS; BOS and PAD are then the two rows nothing reads, which
    rules out TraDe's default names over lowercase strings (they would sort first and read 'a' as BOS). A
    categorical Map alone has no `one` direction either (Tracr adds it only where a block reads it)."""
    from tracr.compiler import compiling
    from tracr.rasp import rasp

    from trade.decompile import DecompileOptions, decompile
    from trade.model_inputs import special_token_rows

    program = rasp.SequenceMap(lambda t, i: f"{t}{i % 2}", rasp.tokens, rasp.indices) if with_one else \
        rasp.categorical(rasp.Map(lambda t: t.upper(), rasp.tokens))
    model = compiling.compile_rasp_to_model(program, vocab={"a", "b", "c"}, max_seq_len=4)
    weights = read_model(model).weights
    arrays = plain_arrays(weights)
    assert special_token_rows(arrays) == (frozenset({3, 4}), frozenset({3, 4}))
    np.savez(tmp_path / "plain.npz", **arrays)
    plain = read_model(tmp_path / "plain.npz", ModelFacts(vocab=("a", "b", "c"))).weights
    assert _rows(plain.compile_config) == _rows(weights.compile_config)
    result = decompile(tmp_path / "plain.npz", options=DecompileOptions(repair=False), vocab=("a", "b", "c"))
    assert result.verdict == "exact", result.reason


@pytest.mark.parametrize("kind", ["rotate", "mix"])
def test_a_transformed_lens_model_is_read_out_by_its_own_unembedding(tmp_path, kind):
    """A TransformerLens model whose residual basis was changed reads out through its changed unembedding,
    which is kept (it used to be dropped, and the basis recovery failed with a traceback); BOS's and PAD's
    rows, hidden by the change, are read in the recovered basis, so Tracr's default names over strings need
    no --bos. A plain file of such a model keeps no read-out: a clear error says so."""
    from tracr.compiler import compiling
    from tracr.rasp import rasp

    from trade.decompile import DecompileOptions, decompile
    from trade.model_inputs import lens_state_of
    from trade.transform import transformed

    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    program = rasp.SequenceMap(lambda t, f: f"{t}{f}", rasp.tokens, first)
    model = compiling.compile_rasp_to_model(program, vocab={"ant", "bee", "cat"}, max_seq_len=3)
    weights = read_model(model).weights
    changed = transformed(weights, kind, seed=2)
    save_lens(*lens_state_of(changed), tmp_path / "changed.safetensors")
    vocab = ("ant", "bee", "cat")
    lens = read_model(tmp_path / "changed.safetensors", ModelFacts(vocab=vocab))
    assert lens.weights.unembedding is not None
    assert _rows(lens.weights.compile_config) == _rows(weights.compile_config)  # not BOS and PAD first
    result = decompile(tmp_path / "changed.safetensors", options=DecompileOptions(repair=False), vocab=vocab,
                       output_values=list(weights.output_values))
    assert result.verdict == "exact", result.reason
    np.savez(tmp_path / "plain.npz", **plain_arrays(changed))
    with pytest.raises(WeightsError, match="no unembedding came with the model"):
        read_model(tmp_path / "plain.npz", ModelFacts(vocab=vocab))


def test_transform_writes_a_lens_model(tmp_path):
    from trade.cli import main

    main(["compile", "examples/hist.rasp", "-o", str(tmp_path / "hist.npz")])
    main(["transform", str(tmp_path / "hist.npz"), "-o", str(tmp_path / "hist.safetensors"), "--rotate"])
    assert (tmp_path / "hist.json").is_file()
    lens = read_model(tmp_path / "hist.safetensors", ModelFacts(vocab=(0, 1, 2, 3, 4)))
    assert lens.kind.startswith("TransformerLens") and lens.weights.unembedding is not None


def test_a_rotated_model_without_attention_finds_its_bos_and_pad_by_a_verdict(tmp_path):
    """Without attention BOS and PAD are only rows nothing reads, and a basis recovered under wrong names can
    show other rows unread (it computes the same): the reading under TraDe's names is not `exact`, and the
    usual names' other layouts are tried until one is."""
    from tracr.compiler import compiling
    from tracr.rasp import rasp

    from trade.decompile import DecompileOptions, decompile
    from trade.model_inputs import lens_state_of
    from trade.transform import transformed

    program = rasp.SequenceMap(lambda t, i: f"{t}{i % 2}", rasp.tokens, rasp.indices)
    model = compiling.compile_rasp_to_model(program, vocab={"a", "b", "c"}, max_seq_len=3)
    weights = read_model(model).weights
    save_lens(*lens_state_of(transformed(weights, "rotate", seed=0)), tmp_path / "rotated.safetensors")
    result = decompile(tmp_path / "rotated.safetensors", options=DecompileOptions(repair=False),
                       vocab=("a", "b", "c"), output_values=list(weights.output_values))
    assert result.verdict == "exact", result.reason
    assert any("'compiler_bos' and PAD 'compiler_pad'" in note for note in result.notes)
