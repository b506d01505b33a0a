"""Every hand-written example parses, compiles, and its compiled model agrees with the interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

from trade.compiling import compile_program
from trade.evaluate import load_programs_dir
from trade.program.interpret import all_inputs, evaluate_batch
from trade.program.program import check_types
from trade.program.text import parse_program
from trade.sampling import model_agrees
from trade.verify import verify
from trade.weights import weights_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = sorted(EXAMPLES.glob("*.rasp"))


def test_the_suite_is_there():
    assert len(FILES) >= 10
    readme = (EXAMPLES / "README.md").read_text()
    assert all(f"`{path.name}`" in readme for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_example_compiles_and_agrees_with_the_interpreter(path):
    source = path.read_text()
    assert source.startswith("# "), "each example starts with a one-line description"
    program = parse_program(source)
    check_types(program)
    model = compile_program(program)
    for inputs in all_inputs(model.config.vocab, model.config.max_seq_len):
        evaluation = evaluate_batch(program, inputs)
        assert not evaluation.errors.any() and not evaluation.unsupported.any()
        assert model_agrees(model, inputs, evaluation.output(program))


def test_load_programs_dir_canonicalises_and_keeps_descriptions():
    programs = load_programs_dir(EXAMPLES)
    assert [p.name for p in programs] == [p.stem for p in FILES]
    assert all(p.description and p.model.params for p in programs)
    reverse = next(p for p in programs if p.name == "reverse")
    assert reverse.description.startswith("reverse")


def test_every_example_verifies_exactly_against_its_own_weights():
    for named in load_programs_dir(EXAMPLES):
        result = verify(named.program, weights_of(named.model), named.model.output_values)
        assert result.verdict == "exact", (named.name, result.reason)
