"""What each path imports: reading a model from its labelled weights, and writing its report, load no torch;
a bad model file is refused before Tracr, JAX or torch load.

Torch costs seconds at start-up (benchmarks/report_speed.py times it) and only the neural decoder needs it,
so `trade.decompile`, `trade.report` and the search options must not import it at module level. Each check
runs in a fresh interpreter and looks at `sys.modules`, not at the clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("jax", "matplotlib", "numpy", "torch", "tracr", "transformer_lens")
REPORT_LOADED = "\nimport json, sys\nprint(json.dumps(sorted(m for m in %r if m in sys.modules)))" % (HEAVY,)


def fresh_python(code: str) -> tuple[str, list[str]]:
    """Runs `code` in a new interpreter: what it printed, and which of HEAVY it had loaded at the end."""
    result = subprocess.run([sys.executable, "-c", code + REPORT_LOADED], capture_output=True, text=True,
                            cwd=ROOT, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, json.loads(result.stdout.strip().splitlines()[-1])


def test_the_job_modules_import_without_torch():
    modules = ("trade.decompile", "trade.report", "trade.idioms", "trade.search_options", "trade.skeleton",
               "trade.model_inputs", "trade.cli")
    _, loaded = fresh_python("\n".join(f"import {module}" for module in modules))
    assert not {"torch", "transformer_lens", "matplotlib"} & set(loaded)


@pytest.fixture(scope="module")
def reverse_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("imports") / "reverse.npz"
    subprocess.run([sys.executable, "-m", "trade.cli", "compile", "examples/reverse.rasp", "-o", str(path)],
                   check=True, capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return path


def test_decompiling_and_reporting_a_labelled_model_load_no_torch(reverse_file, tmp_path):
    page = tmp_path / "reverse.html"
    code = (f"from trade.cli import main\n"
            f"assert main(['decompile', {str(reverse_file)!r}]) == 0\n"
            f"assert main(['report', {str(reverse_file)!r}, '-o', {str(page)!r}]) == 0\n")
    printed, loaded = fresh_python(code)
    assert "# verdict: exact" in printed and "# stage: read" in printed
    assert page.stat().st_size > 0
    assert "torch" not in loaded and "jax" in loaded  # JAX: Tracr recompiles the reading to verify it


def test_the_decoder_path_still_loads_torch(reverse_file):
    """The lazy imports are reached: `read=False` runs the decoder, which needs torch and the checkpoint."""
    code = ("from trade.decompile import DecompileOptions, decompile\n"
            f"result = decompile({str(reverse_file)!r}, None, DecompileOptions(read=False, beam_size=1))\n"
            "print(result.stage)\n")
    printed, loaded = fresh_python(code)
    assert printed.splitlines()[0] in ("greedy", "repair", "fill")
    assert "torch" in loaded


@pytest.mark.parametrize("command", ["decompile", "report"])
def test_a_bad_file_is_refused_before_tracr_jax_or_torch_load(command, tmp_path):
    """A missing file before NumPy too; a zip that opens and is not a Tracr model with NumPy alone."""
    arrays = {"token_embed/embeddings": np.eye(4), "transformer/extra": np.zeros(1)}
    np.savez(tmp_path / "extra.npz", **arrays)
    page = tmp_path / "page.html"
    out = ["-o", str(page)] if command == "report" else []
    for name, allowed in (("missing.npz", []), ("extra.npz", ["numpy"])):
        argv = [command, str(tmp_path / name), *out]
        _, loaded = fresh_python(f"from trade.cli import main\nassert main({argv!r}) == 2\n")
        assert loaded == allowed, name
    assert not page.exists()


def test_the_options_are_one_class_wherever_imported():
    from trade import decoding, fill, repair, search_options

    assert decoding.DecodingOptions is search_options.DecodingOptions
    assert decoding.Candidate is search_options.Candidate
    assert decoding.TooLargeError is search_options.TooLargeError
    assert decoding.Template is search_options.Template
    assert fill.FillOptions is search_options.FillOptions
    assert repair.RepairOptions is search_options.RepairOptions
