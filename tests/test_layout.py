"""Residual layouts: models compiled with other labels are put back into TraDe's layout, exactly."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from tracr.compiler import lib
from tracr.rasp import rasp

from trade.compiling import compile_program
from trade.decompile import DecompileOptions, decompile, layouts_of, load_decompiler
from trade.layout import LayoutError, is_trade_layout, trade_layouts
from trade.program.program import Program, canonicalize
from trade.program.text import parse_program
from trade.program.tracr_bridge import to_rasp
from trade.weights import ModelWeights, weights_of
from tests.conftest import REVERSE

WORDS = ("alpha", "count", "zeta", "opp", "mask", "width", "frac", "keys", "b", "q", "acc", "tmp", "x", "sel",
         "pos")


def same_weights(a: ModelWeights, b: ModelWeights) -> bool:
    return a.params.keys() == b.params.keys() and all(
        a.params[k].shape == b.params[k].shape and np.array_equal(a.params[k], b.params[k]) for k in a.params)


def relabelled(program: Program, rng: random.Random) -> rasp.SOp:
    """The program's Tracr expression with every variable named otherwise (as a user would)."""
    return to_rasp(program, names=rng.sample(WORDS, len(program.lines)))


def test_relabelled_programs_go_back_to_the_weights_trade_compiles(accepted_programs):
    rng = random.Random(0)
    for accepted in accepted_programs:
        program = canonicalize(accepted.program)
        ours = weights_of(compile_program(program))
        other = compile_program(relabelled(program, rng))
        assert not is_trade_layout(other.residual_labels)
        assert not same_weights(weights_of(other), ours) or len(program) == 1
        layouts = trade_layouts(weights_of(other), other.residual_labels)
        assert any(same_weights(layout, ours) for layout in layouts), str(program)


LIBRARY = [  # Tracr's own programs, and the same in TraDe's language
    (lambda: lib.make_length(), "v1 = Select(tokens, tokens, TRUE)\nv2 = SelectorWidth(v1)\n"),
    (lambda: lib.make_reverse(rasp.tokens), REVERSE),
    (lambda: lib.make_hist(), "v1 = Select(tokens, tokens, EQ)\nv2 = SelectorWidth(v1)\n"),
    (lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens),
     "v1 = Select(tokens, tokens, LT)\nv2 = SelectorWidth(v1)\nv3 = Select(v2, indices, EQ)\n"
     "v4 = Aggregate(v3, tokens)\n"),
    (lambda: lib.make_frac_prevs(rasp.numerical(rasp.Map(lambda x: x == 1, rasp.tokens))),
     "v1 = numerical(Map(x == 1, tokens))\nv2 = Select(indices, indices, LEQ)\n"
     "v3 = numerical(Aggregate(v2, v1))\n"),
]


@pytest.mark.parametrize("make, text", LIBRARY)
def test_tracr_library_programs_take_trade_layout(make, text):
    stock = compile_program(make())
    ours = weights_of(compile_program(canonicalize(parse_program(text))))
    assert not same_weights(weights_of(stock), ours)
    layouts = trade_layouts(weights_of(stock), stock.residual_labels)
    assert any(same_weights(layout, ours) for layout in layouts)


def test_a_tracr_library_model_decompiles_exactly():
    from trade.compiling import compile_stock

    model = compile_stock(lib.make_sort_unique(rasp.tokens, rasp.tokens))  # Tracr's own compiler and labels
    layouts, note = layouts_of(model)
    assert len(layouts) == 1 and "TraDe's layout" in note
    result = decompile(model, load_decompiler(), DecompileOptions(read=False))  # the decoder's path
    assert result.verdict == "exact" and "TraDe's layout" in result.reason
    assert "Select(v2, indices, EQ)" in result.text
    read = decompile(model, load_decompiler())  # the default: read line by line from the labels
    assert read.verdict == "exact" and read.stage == "read"


def test_weights_outside_the_language_are_refused():
    labels = ["indices:0", "one", "tokens:0", "a:0", "b:0"]
    weights = weights_of(compile_program(canonicalize(parse_program("v1 = Map(x + 1, tokens)\n"))))
    with pytest.raises(LayoutError, match="labels"):
        trade_layouts(weights, labels)


def test_a_weights_file_with_residual_names_is_put_into_trade_layout(tmp_path):
    from trade.weights import save_weights

    model = compile_program(lib.make_hist())
    save_weights(weights_of(model), tmp_path / "hist.npz")
    layouts, note = layouts_of(tmp_path / "hist.npz")
    ours = weights_of(compile_program(canonicalize(parse_program(LIBRARY[2][1]))))
    assert "TraDe's layout" in note and any(same_weights(layout, ours) for layout in layouts)
    unnamed, note = layouts_of(dataclasses.replace(weights_of(model), residual_labels=None))
    assert note == "" and len(unnamed) == 1  # without names, read as given
