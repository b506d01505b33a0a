"""What each path imports: reading a model from its labelled weights, and writing its report, load no torch.

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

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformer_lens", "matplotlib")


def fresh_python(code: str) -> dict:
    """Runs `code` in a new interpreter; returns the JSON it prints last, plus which HEAVY modules it loaded."""
    tail = f"\nimport json, sys\nprint(json.dumps({{'loaded': sorted(m for m in {HEAVY!r} if m in sys.modules)}}))"
    result = subprocess.run([sys.executable, "-c", code + tail], capture_output=True, text=True, cwd=ROOT,
                            timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    return {"stdout": result.stdout, **json.loads(result.stdout.strip().splitlines()[-1])}


def test_the_job_modules_import_without_torch():
    modules = ("trade.decompile", "trade.report", "trade.idioms", "trade.search_options", "trade.skeleton",
               "trade.model_inputs", "trade.cli")
    assert fresh_python("\n".join(f"import {m}" for m in modules))["loaded"] == []


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
    run = fresh_python(code)
    assert "# verdict: exact" in run["stdout"] and "# stage: read" in run["stdout"]
    assert page.stat().st_size > 0
    assert run["loaded"] == []


def test_the_decoder_path_still_loads_torch(reverse_file):
    """The lazy imports are reached: `--no-read` runs the decoder, which needs torch and the checkpoint."""
    code = ("from trade.decompile import DecompileOptions, decompile\n"
            f"result = decompile({str(reverse_file)!r}, None, DecompileOptions(read=False, beam_size=1))\n"
            "print(result.stage)\n")
    run = fresh_python(code)
    assert run["stdout"].splitlines()[0] in ("greedy", "repair", "fill")
    assert "torch" in run["loaded"]


def test_the_options_are_one_class_wherever_imported():
    from trade import decoding, fill, repair, search_options

    assert decoding.DecodingOptions is search_options.DecodingOptions
    assert decoding.Candidate is search_options.Candidate
    assert decoding.TooLargeError is search_options.TooLargeError
    assert decoding.Template is search_options.Template
    assert fill.FillOptions is search_options.FillOptions
    assert repair.RepairOptions is search_options.RepairOptions
