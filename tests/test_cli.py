import subprocess
import sys

import numpy as np
import pytest

from trade.cli import main
from trade.weights import load_weights
from tests.conftest import REVERSE


def test_compile_writes_a_weights_file(tmp_path, capsys):
    source = tmp_path / "reverse.rasp"
    source.write_text(REVERSE)
    out = tmp_path / "reverse.npz"
    assert main(["compile", str(source), "-o", str(out)]) == 0
    weights = load_weights(out)
    assert weights.compile_config.max_seq_len == 5
    assert np.isfinite(weights.params["token_embed/embeddings"]).all()


@pytest.mark.parametrize("text, message", [
    ("v1 = Map(x + 99, tokens)\n", "line 1, column 10: unknown lambda"),
    ("v1 = Map(x + 1, indices)\n", "Tracr cannot compile"),
])
def test_bad_programs_get_one_line_errors(tmp_path, capsys, text, message):
    source = tmp_path / "bad.rasp"
    source.write_text(text)
    assert main(["compile", str(source), "-o", str(tmp_path / "x.npz")]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and "Traceback" not in error


def test_help_has_examples():
    for command in ("compile", "generate", "dataset-stats", "pack", "unpack"):
        result = subprocess.run([sys.executable, "-m", "trade.cli", command, "--help"],
                                capture_output=True, text=True, check=True)
        assert "example:" in result.stdout


def test_dataset_commands_give_one_line_errors(tmp_path, capsys):
    for argv, message in [(["unpack", str(tmp_path), str(tmp_path / "out")], "not a packed dataset"),
                          (["pack", str(tmp_path), str(tmp_path / "pack")], "not a TraDe dataset"),
                          (["train", "--data", str(tmp_path), "--out", str(tmp_path / "run")], "not a TraDe dataset")]:
        assert main(argv) == 2
        error = capsys.readouterr().err
        assert message in error and error.count("\n") == 1


def test_compile_lays_out_a_program_as_its_canonical_form(tmp_path):
    # detect_pattern's lines are not in canonical order; compiled as written, its residual
    # stream would be permuted, and no decompiled program would recompile to it exactly.
    from trade.compiling import compile_program
    from trade.program.program import canonicalize
    from trade.program.text import parse_program

    source = tmp_path / "pattern.rasp"
    source.write_text("prev_idx = Map(x - 1, indices)\nprev = Select(indices, prev_idx, EQ)\n"
                      "prev_tok = Aggregate(prev, tokens)\nprev_is_1 = Map(x == 1, prev_tok)\n"
                      "is_2 = Map(x == 2, tokens)\npattern = SequenceMap(x and y, prev_is_1, is_2)\n")
    as_written = compile_program(parse_program(source.read_text()))
    canonical = compile_program(canonicalize(parse_program(source.read_text())))
    assert as_written.residual_labels != canonical.residual_labels  # the test needs a non-canonical order
    assert main(["compile", str(source), "-o", str(tmp_path / "pattern.npz")]) == 0
    written = load_weights(tmp_path / "pattern.npz")
    assert written.params.keys() == canonical.params.keys()
    assert all(np.array_equal(written.params[key], canonical.params[key]) for key in written.params)


def test_every_failure_is_one_line_and_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    import trade.cli as cli

    def broken(args):
        raise KeyError("a bug")

    parser_of = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda *command: _with_pack(parser_of(*command), broken))
    assert main(["pack", str(tmp_path), str(tmp_path / "p")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "internal error: KeyError" in error and "--debug" in error
    with pytest.raises(KeyError):
        main(["pack", str(tmp_path), str(tmp_path / "p"), "--debug"])
    (tmp_path / "prog.rasp").write_text(REVERSE)
    assert main(["compile", str(tmp_path / "prog.rasp"), "-o", str(tmp_path / "no" / "o.npz")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "the directory to write into does not exist" in error


def _with_pack(parser, run):
    for action in parser._subparsers._group_actions:
        action.choices["pack"].set_defaults(run=run)
    return parser


def test_explain_on_a_read_model_says_why_there_is_none(tmp_path, capsys):
    source = tmp_path / "reverse.rasp"
    source.write_text(REVERSE)
    out = tmp_path / "reverse.npz"
    assert main(["compile", str(source), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["decompile", str(out), "--explain"]) == 0
    printed = capsys.readouterr().out
    assert "# explanation: none" in printed and "read stage" in printed


@pytest.mark.parametrize("command, module, function", [("decompile", "trade.decompile", "decompile"),
                                                        ("report", "trade.report", "write_report")])
def test_decompile_and_report_run_compressed_models_on_every_input_up_to_the_limit_given(
        tmp_path, capsys, monkeypatch, command, module, function):
    """`--full-run-inputs N` is the limit while decompiling (`trade.transform.full_run_limit`), and
    only then; a negative one is a one-line error."""
    import importlib

    from trade import transform
    from trade.weights import WeightsError

    source = tmp_path / "reverse.rasp"
    source.write_text(REVERSE)
    seen = []

    def recorded(*args, **kwargs):
        seen.append(transform.FULL_RUN_INPUTS)
        raise WeightsError("stopped here")

    monkeypatch.setattr(importlib.import_module(module), function, recorded)
    out = ["-o", str(tmp_path / "page.html")] if command == "report" else []
    default = transform.FULL_RUN_INPUTS
    for extra in ([], ["--full-run-inputs", "12000000"], ["--full-run-inputs", "0"]):
        assert main([command, "--program", str(source), *out, *extra]) == 2
    assert seen == [default, 12_000_000, 0] and transform.FULL_RUN_INPUTS == default
    assert "stopped here" in capsys.readouterr().err
    assert main([command, "--program", str(source), *out, "--full-run-inputs", "-1"]) == 2
    error = capsys.readouterr().err
    assert "--full-run-inputs must be 0 or more" in error and "Traceback" not in error
