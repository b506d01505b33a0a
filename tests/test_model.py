"""The decompiler network and its checkpoints."""

from __future__ import annotations

import json

import pytest
import torch

from trade.checkpoint import CheckpointError, export_checkpoint, load_checkpoint, save_checkpoint
from trade.model import PRESETS, Decompiler, ModelDimensions, preset
from trade.program.tokens import BOS_ID, EOS_ID
from trade.weights import TokenizerConfig

torch.set_num_threads(1)  # the test machine is shared; one thread is faster than contention

DIMS = preset("tiny", input_width=40, dropout=0.1)


def inputs(batch: int = 3, n_weights: int = 5, n_program: int = 7, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    vectors = torch.randn(batch, n_weights, DIMS.n_input, generator=generator)
    roles = torch.randint(0, DIMS.n_roles, (batch, n_weights), generator=generator)
    layers = torch.randint(0, 5, (batch, n_weights), generator=generator)
    mask = torch.ones(batch, n_weights, dtype=torch.bool)
    mask[0, -2:] = False
    program = torch.randint(3, DIMS.n_vocab, (batch, n_program), generator=generator)
    program[:, 0] = BOS_ID
    return vectors, roles, layers, mask, program


def model(seed: int = 0) -> Decompiler:
    torch.manual_seed(seed)
    return Decompiler(DIMS).eval()


def test_shapes_and_decode_step_agree():
    net = model()
    vectors, roles, layers, mask, program = inputs()
    logits = net(vectors, roles, layers, mask, program)
    assert logits.shape == (3, 7, DIMS.n_vocab)
    memory = net.encode(vectors, roles, layers, mask)
    step = net.decode_step(program[:, :4], memory, mask)
    torch.testing.assert_close(step, logits[:, 3], atol=1e-5, rtol=1e-5)


def test_cached_decoding_agrees_with_the_whole_prefix():
    net = model()
    vectors, roles, layers, mask, program = inputs()
    logits = net(vectors, roles, layers, mask, program)
    memory = net.encode(vectors, roles, layers, mask)
    step, cache = net.decode_next(program[:, :3], net.start_decoding(memory, mask))  # a prefix at once
    torch.testing.assert_close(step, logits[:, 2], atol=1e-5, rtol=1e-5)
    for position in range(3, program.shape[1]):  # then one token at a time
        step, cache = net.decode_next(program[:, position:position + 1], cache)
        torch.testing.assert_close(step, logits[:, position], atol=1e-5, rtol=1e-5)
    # Rows reordered as a beam does, with one model's encoder states shared by every row.
    rows = torch.tensor([1, 1, 0])
    shared = net.start_decoding(memory[:1], mask[:1])
    _, cache = net.decode_next(program[:1, :2].expand(2, -1), shared)
    step, _ = net.decode_next(program[:1, 2:3].expand(3, -1), cache.select(rows))
    torch.testing.assert_close(step, logits[:1, 2].expand(3, -1), atol=1e-5, rtol=1e-5)


def test_decoder_is_causal_and_padding_is_ignored():
    net = model()
    vectors, roles, layers, mask, program = inputs()
    logits = net(vectors, roles, layers, mask, program)
    changed_future = program.clone()
    changed_future[:, 5:] = EOS_ID
    torch.testing.assert_close(net(vectors, roles, layers, mask, changed_future)[:, :5], logits[:, :5])
    changed_padding = vectors.clone()
    changed_padding[0, -2:] = 100.0
    torch.testing.assert_close(net(changed_padding, roles, layers, mask, program), logits)


def test_grammar_mask_sets_forbidden_logits_to_minus_infinity():
    net = model()
    vectors, roles, layers, mask, program = inputs()
    grammar = torch.zeros(3, 7, DIMS.n_vocab, dtype=torch.bool)
    grammar[..., EOS_ID] = True
    logits = net(vectors, roles, layers, mask, program, grammar_mask=grammar)
    assert torch.isinf(logits[..., BOS_ID]).all() and logits.argmax(-1).eq(EOS_ID).all()


def test_presets():
    assert PRESETS["paper"].d_model == 512 and PRESETS["paper"].n_heads == 16
    assert PRESETS["paper"].n_encoder_layers == PRESETS["paper"].n_decoder_layers == 4
    assert PRESETS["paper"].d_ff == 2048 and PRESETS["paper"].dropout == 0.2
    assert PRESETS["paper"].input_width == 2000
    assert preset("small", d_model=96, dropout=None).d_model == 96
    assert Decompiler(PRESETS["medium"]).num_parameters() * 2 < 16e6  # fp16 export under 16 MB
    with pytest.raises(ValueError):
        ModelDimensions(d_model=100, n_heads=16)


def save(directory, net: Decompiler) -> None:
    save_checkpoint(directory, net, tokenizer=TokenizerConfig(width=40), train_config={"lr": 1.0},
                    step=7, metrics={"val_token_accuracy": 0.5})


def test_checkpoint_round_trip(tmp_path):
    net = model()
    save(tmp_path / "ckpt", net)
    loaded = load_checkpoint(tmp_path / "ckpt")
    assert loaded.dims == DIMS and loaded.step == 7 and loaded.tokenizer.width == 40
    assert loaded.metrics == {"val_token_accuracy": 0.5} and loaded.train_config == {"lr": 1.0}
    loaded.model.eval()
    torch.testing.assert_close(loaded.model(*inputs()), net(*inputs()), rtol=0, atol=0)
    save(tmp_path / "ckpt", net)  # overwriting an existing checkpoint works
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.old"))


def test_half_export_is_half_the_size_and_loads_into_a_float32_model(tmp_path):
    net = model()
    save(tmp_path / "ckpt", net)
    export_checkpoint(tmp_path / "ckpt", tmp_path / "half", half=True)
    full = (tmp_path / "ckpt" / "model.safetensors").stat().st_size
    half = (tmp_path / "half" / "model.safetensors").stat().st_size
    assert half < 0.55 * full
    loaded = load_checkpoint(tmp_path / "half")
    assert next(loaded.model.parameters()).dtype == torch.float32 and loaded.step == 7
    loaded.model.eval()
    torch.testing.assert_close(loaded.model(*inputs()), net(*inputs()), rtol=0, atol=2e-2)
    assert not (tmp_path / "half" / "training.safetensors").exists()


def test_corrupt_or_mismatched_checkpoints_raise_one_line_errors(tmp_path):
    net = model()
    directory = tmp_path / "ckpt"
    save(directory, net)
    with pytest.raises(CheckpointError, match="dimensions"):
        load_checkpoint(directory, model=Decompiler(preset("tiny", input_width=40, d_model=32)))

    info = json.loads((directory / "checkpoint.json").read_text())
    info["dims"]["d_model"] = 128
    (directory / "checkpoint.json").write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match="shape"):
        load_checkpoint(directory)

    info["dims"]["d_model"] = 64
    info["vocabulary"] = "0000"
    (directory / "checkpoint.json").write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match="vocabulary"):
        load_checkpoint(directory)

    save(directory, net)
    data = (directory / "model.safetensors").read_bytes()
    (directory / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt") as error:
        load_checkpoint(directory)
    assert "\n" not in str(error.value)

    (directory / "checkpoint.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="corrupt JSON"):
        load_checkpoint(directory)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing")
