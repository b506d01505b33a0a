"""The benchmark's "same program": up to renaming variables and intermediate categorical values."""

from __future__ import annotations

import sys
from pathlib import Path

from trade.compiled import CompileConfig
from trade.program.program import canonicalize
from trade.program.text import parse_program

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from model_inputs_bar import program_difference  # noqa: E402

CONFIG = CompileConfig(vocab=(0, 1, 2, 3, 4), max_seq_len=4)
ORIGINAL = "v1 = Map(x - 1, indices)\nv2 = Select(indices, v1, EQ)\nv3 = Aggregate(v2, tokens)\n"


def program(text: str):
    return canonicalize(parse_program(text))


def test_renamed_intermediate_values_are_the_same_program():
    renamed = ("v1 = Map({0: 0, 1: 1, 2: 2, 3: 3}, indices)\n"
               "v2 = Select(indices, v1, {(0, 1), (1, 2), (2, 3)})\nv3 = Aggregate(v2, tokens)\n")
    assert program_difference(program(ORIGINAL), program(renamed), CONFIG) is None


def test_another_selection_or_output_is_not():
    shifted = ORIGINAL.replace("x - 1", "x + 1")
    assert program_difference(program(ORIGINAL), program(shifted), CONFIG) is not None
    doubled = ORIGINAL + "v4 = Map(x * 2, v3)\n"
    assert program_difference(program(ORIGINAL), program(doubled), CONFIG) is not None
    assert program_difference(program(ORIGINAL + "v4 = Map(x + 1, v3)\n"),
                              program(ORIGINAL + "v4 = Map(x - 1, v3)\n"), CONFIG) is not None
