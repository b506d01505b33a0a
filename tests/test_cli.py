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
