"""The report page: self-contained, complete, written by `trade report`, and rendered by a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from trade.cli import main
from trade.compiling import compile_program
from trade.decompile import decompile
from trade.program.text import parse_program
from trade.report import PageEntry, report_html, write_pages, write_report
from trade.weights import weights_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# pair_balance and one more line: a 12-line program (1 where opens and closes are balanced so far).
TWELVE_LINES = (EXAMPLES / "pair_balance.rasp").read_text() + "balanced = Map(x == 0, balance)\n"


def _weights(source: str):
    return weights_of(compile_program(parse_program(source)))


@pytest.fixture(scope="module")
def reverse_page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "reverse.html"
    write_report(_weights((EXAMPLES / "reverse.rasp").read_text()), path, "reverse")
    return path


def _data(page: str) -> dict:
    match = re.search(r"<script type='application/json' id='report-data'>(.*?)</script>", page, re.S)
    return json.loads(match.group(1))


def test_page_is_self_contained_and_complete(reverse_page):
    page = reverse_page.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # nothing fetched
    assert "url(http" not in page and "@import" not in page
    assert "reverse = Aggregate(flip, tokens)" in page
    assert "<svg id=\"dataflow\"" in page and page.count("class=\"node\"") == 2 + 6
    assert page.count("QK: query (rows) x key (columns)") == 2  # the length head and the reverse head
    assert page.count("MLP in:") == 3  # length's MLP, the SequenceMap, the Map
    assert "layer 3 head 0" in page and "the tokens in reverse order" in page
    data = _data(page)
    assert len(data["presets"]) >= 3 and {h["key"] for h in data["heads"]} == {"0.0", "3.0"}
    flips = [p["attention"]["3.0"] for p in data["presets"]]
    assert flips[0] != flips[-1]  # the last example is shorter: reverse attends elsewhere
    first = data["presets"][0]
    assert first["input"] == [4, 3, 2, 1, 0] and first["output"] == [0, 1, 2, 3, 4]


def test_twelve_line_page_is_small(tmp_path):
    path = write_report(_weights(TWELVE_LINES), tmp_path / "twelve.html")
    page = path.read_text()
    assert path.stat().st_size < 2_000_000
    assert page.count("class='line'") == 12
    assert "v12 = Map(x == 0, balance)" in page and "= count_1_so_far == count_2_so_far" in page


def test_unverified_and_empty_results_still_give_a_page():
    result = decompile(_weights((EXAMPLES / "hist.rasp").read_text()))
    result.verdict, result.reason = "unverified", "pretend the weights were not reproduced"
    page = report_html(result, None, "hist")
    assert "lines may differ from the model" in page and "Weights shown: the program recompiled" in page


def test_cli_writes_the_page_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "sub" / "r.html"
    assert main(["report", "--program", str(EXAMPLES / "sort_unique.rasp"), "-o", str(out)]) == 0
    assert "sort_unique = Aggregate(sel_new, tokens)" in out.read_text()
    assert main(["report", str(tmp_path / "missing.npz"), "-o", str(tmp_path / "x.html")]) == 2
    error = capsys.readouterr().err
    assert "missing.npz" in error and "Traceback" not in error


def test_notebook_html_and_index(tmp_path):
    result = decompile(_weights((EXAMPLES / "length.rasp").read_text()))
    fragment = result._repr_html_()
    assert fragment.startswith("<div class='trade-report'>")
    assert "length = SelectorWidth(all_pairs)" in fragment
    entries = [PageEntry(name, f"the {name} program", _weights((EXAMPLES / f"{name}.rasp").read_text()))
               for name in ("length", "hist")]
    index = write_pages(entries, tmp_path).read_text()
    assert "href='pages/length.html'" in index and "href='pages/hist.html'" in index
    assert (tmp_path / "pages" / "hist.html").is_file()


# --- in a browser ---------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium; .ci/run does)")


def _chromium(*args: str) -> subprocess.CompletedProcess:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@needs_chromium
def test_page_renders_in_headless_chromium(reverse_page):
    doms = {}
    for example in (0, 3):  # `#example=3` makes the page press the button of preset 3 (its click handler)
        run = _chromium("--dump-dom", f"{reverse_page.as_uri()}#example={example}")
        assert run.returncode == 0, run.stderr[-2000:]
        assert _console(run.stderr) == []  # no errors, no messages at all
        doms[example] = run.stdout
    for example, dom in doms.items():
        assert 'data-rendered="ok"' in dom
        visible = re.search(r'data-visible="([^"]*)"', dom).group(1).split()
        assert set(visible) == {"program", "dataflow", "attention", "io"}
        assert f'data-example="{example}"' in dom

    def attention(dom: str) -> str:
        return re.search(r'<div id="attention".*?</div>\s*<h2>', dom, re.S).group(0)

    assert attention(doms[0]) != attention(doms[3])  # the example switch changes the attention picture
    assert 'class="on"' in doms[3]


@needs_chromium
def test_screenshot_is_not_blank(reverse_page, tmp_path):
    image = pytest.importorskip("PIL.Image")
    shot = tmp_path / "shot.png"
    run = _chromium("--window-size=1200,900", f"--screenshot={shot}", reverse_page.as_uri())
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    pixels = image.open(shot).convert("L").tobytes()
    drawn = sum(1 for value in pixels if value < 245) / len(pixels)
    dark = sum(1 for value in pixels if value < 100) / len(pixels)
    assert drawn > 0.05 and dark > 0.005  # boxes and shading, and text, are drawn (a blank page has neither)


@pytest.mark.parametrize("index", [0, 3, 7, 11])
def test_generated_programs_get_pages(accepted_programs, index):
    """Programs from the generator (any shape, no idioms promised) still give a complete page."""
    program = accepted_programs[index].program
    weights = weights_of(compile_program(program))
    page = report_html(decompile(weights), weights, "generated")
    assert page.count("class='line'") == len(program) and "<svg id=\"dataflow\"" in page
    assert len(page.encode()) < 2_000_000


def test_string_vocabulary_page():
    from trade.compiled import CompileConfig

    config = CompileConfig(vocab=("a", "b", "c"), max_seq_len=4)
    weights = weights_of(compile_program(parse_program((EXAMPLES / "sort_unique.rasp").read_text()), config))
    page = report_html(decompile(weights), weights, "strings")
    data = _data(page)
    assert all(isinstance(v, str) for preset in data["presets"] for v in preset["input"])
    assert "sort_unique = Aggregate(sel_new, tokens)" in page


@needs_chromium
def test_two_notebook_reports_on_one_page_both_work(tmp_path):
    """As Jupyter shows them: two `_repr_html_` fragments in one document, each switching on its own."""
    fragments = [decompile(_weights((EXAMPLES / f"{name}.rasp").read_text()))._repr_html_()
                 for name in ("reverse", "shift_by_one")]
    page = tmp_path / "notebook.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><h1>notebook</h1>"
                    + "".join(f"<div class='cell'>{f}</div>" for f in fragments) + "</body></html>")
    run = _chromium("--dump-dom", page.as_uri())
    assert run.returncode == 0 and _console(run.stderr) == []
    assert run.stdout.count('data-rendered="ok"') == 2
    assert run.stdout.count('data-example="0"') == 2


def test_a_refused_suite_program_gets_an_error_page_and_the_others_their_pages(tmp_path):
    # Before: one program's WeightsError (then a bool vocabulary's) ended `write_suite_pages`, so no
    # program got a page
    from tracr.rasp import rasp

    from trade.report import write_suite_pages
    from trade.suites import SuiteProgram

    def broken():
        raise ValueError("no such program")

    programs = [SuiteProgram("float_tokens", "a vocabulary with NaN, which TraDe refuses",
                             lambda: rasp.Map(lambda x: x * 2, rasp.tokens), (float("nan"), 1.5), 3),
                SuiteProgram("not_compiled", "a builder that fails", broken, ("a", "b"), 3),
                SuiteProgram("shout", "each token upper-cased", lambda: rasp.Map(str.upper, rasp.tokens),
                             ("a", "b"), 3)]
    index = write_suite_pages(programs, tmp_path).read_text()
    pages = {p.stem: p.read_text() for p in (tmp_path / "pages").glob("*.html")}
    assert set(pages) == {"float_tokens", "not_compiled", "shout"}
    assert "not finite" in pages["float_tokens"] and "verdict error" in pages["float_tokens"]
    assert "Tracr cannot compile it: ValueError: no such program" in pages["not_compiled"]
    assert "verdict exact" in pages["shout"]
    rows = re.findall(r"<tr><td><a href='pages/([^']+)\.html'>.*?<span class='verdict (\w+)'>", index)
    assert rows == [("float_tokens", "error"), ("not_compiled", "error"), ("shout", "exact")]
    assert "not finite" in index
