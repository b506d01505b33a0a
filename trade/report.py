"""One self-contained HTML page per decompiled model: what the program does and where it lives in the weights.

`trade report MODEL -o report.html` (and `Decompilation._repr_html_` in a notebook) shows, with no server
and no network (CSS, JavaScript and pictures are inline):

- the program with its idioms named (`trade.idioms`), the verdict and its reason, and a description;
- the dataflow drawn as an SVG, each line in the column of its layer's attention or MLP sublayer;
- per line, the block of weights that computes it: a head's QK and OV circuits (rows and columns named
  by residual direction), an MLP's input and output weights and the function table it computes;
- each head's attention on example inputs, switched among presets by buttons (or `#example=N` in the URL);
- the inputs with their outputs, and what the weights leave open.

Weights are the given model's where its residual directions carry names and the program was read from
them; otherwise the program is recompiled and its blocks are shown (said on the page).
"""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from trade.atomic import write_text
from trade.compiled import CompileConfig
from trade.layout import HELPER as HELPER_SUFFIX
from trade.idioms import ProgramReading, read_program
from trade.program.lambdas import LambdaKind
from trade.program.program import Op, Program, variable_name
from trade.weights import ModelWeights

MAX_CELLS = 96  # rows or columns of a heatmap; larger blocks are cut (said under the block)


@dataclasses.dataclass
class Placement:
    """Where one line lives: its layer and sublayer, and the head (attention lines)."""

    layer: int | None
    sublayer: str  # "attn", "mlp" or "attn+mlp" (SelectorWidth), "" when unknown
    head: int | None = None

    @property
    def text(self) -> str:
        if self.layer is None:
            return "not placed"
        parts = []
        if "attn" in self.sublayer:
            parts.append(f"layer {self.layer} head {self.head}")
        if "mlp" in self.sublayer:
            parts.append(f"layer {self.layer} MLP")
        return " + ".join(parts)


@dataclasses.dataclass
class ShownWeights:
    """The weights the page shows, the label of each line's variable in them, and where they come from."""

    weights: ModelWeights | None
    labels: list[str | None]
    source: str


# --- which weights, and where each line is ---------------------------------------------------------


def shown_weights(result, weights: ModelWeights | None) -> ShownWeights:
    """The given weights where the program was read from their labels; else the program recompiled."""
    program = result.program
    if (weights is not None and weights.residual_labels is not None and result.labels is not None
            and weights.transform is None and len(result.labels) == len(program.lines)):
        return ShownWeights(weights, list(result.labels), "the given model's weights")
    from trade.compiling import CompileError, compile_program
    from trade.weights import weights_of

    config = result.config or (weights.compile_config if weights is not None else CompileConfig())
    try:
        compiled = weights_of(compile_program(program, config, timeout=20.0))
    except (CompileError, ValueError) as error:
        return ShownWeights(None, [None] * len(program.lines),
                            f"none: the program does not compile ({error})")
    labels = [f"{variable_name(i)}_{i + 1}" for i in range(len(program.lines))]
    why = "the given weights are transformed" if weights is not None and weights.transform else \
        "the given weights carry no residual names for its lines"
    return ShownWeights(compiled, labels,
                        f"the program recompiled by Tracr ({why}; verdict {result.verdict})")


def _label_name(label: str) -> str:
    return label.split(":", 1)[0]


def writers(weights: ModelWeights) -> dict[str, list[tuple[int, str, int | None]]]:
    """Per residual variable name, the sublayers that write it: (layer, "attn" or "mlp", head)."""
    names = [_label_name(label) for label in weights.residual_labels]
    found: dict[str, list[tuple[int, str, int | None]]] = {}
    size = weights.key_size
    for layer in range(weights.num_layers):
        out = weights.params[f"transformer/layer_{layer}/attn/linear/w"]
        for head in range(weights.num_heads):
            block = out[head * size:(head + 1) * size]
            for column in np.flatnonzero(np.abs(block).sum(axis=0) > 0):
                found.setdefault(names[column], [])
                if (layer, "attn", head) not in found[names[column]]:
                    found[names[column]].append((layer, "attn", head))
        second = weights.params[f"transformer/layer_{layer}/mlp/linear_2/w"]
        for column in np.flatnonzero(np.abs(second).sum(axis=0) > 0):
            found.setdefault(names[column], [])
            if (layer, "mlp", None) not in found[names[column]]:
                found[names[column]].append((layer, "mlp", None))
    return found


def placements(program: Program, shown: ShownWeights) -> list[Placement]:
    """Each line's layer and sublayer; a Select sits in the head of the line that reads it."""
    placed = [Placement(None, "") for _ in program.lines]
    if shown.weights is None or shown.weights.residual_labels is None:
        return placed
    written = writers(shown.weights)
    for index, (line, label) in enumerate(zip(program.lines, shown.labels)):
        if line.op is Op.SELECT or label is None:
            continue
        own = written.get(label, [])
        if line.op is Op.SELECTOR_WIDTH:
            heads = [w for w in written.get(label + HELPER_SUFFIX, []) if w[1] == "attn"]
            mlps = [w for w in own if w[1] == "mlp"]
            if heads:
                placed[index] = Placement(heads[0][0], "attn+mlp" if mlps else "attn", heads[0][2])
        elif line.op is Op.AGGREGATE:
            heads = [w for w in own if w[1] == "attn"]
            if heads:
                placed[index] = Placement(heads[0][0], "attn", heads[0][2])
        else:
            mlps = [w for w in own if w[1] == "mlp"]
            if mlps:
                placed[index] = Placement(mlps[0][0], "mlp")
    for index, line in enumerate(program.lines):
        if line.op is not Op.SELECT:
            continue
        name = variable_name(index)
        for reader, other in enumerate(program.lines):
            if other.op in (Op.AGGREGATE, Op.SELECTOR_WIDTH) and other.args[0] == name \
                    and placed[reader].layer is not None:
                placed[index] = Placement(placed[reader].layer, "attn", placed[reader].head)
                break
    return placed


# --- weight blocks -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Block:
    """A matrix to draw, with named rows and columns."""

    title: str
    matrix: np.ndarray
    rows: list[str]
    columns: list[str]
    note: str = ""


def _nonzero(matrix: np.ndarray, axis: int) -> np.ndarray:
    return np.flatnonzero(np.abs(matrix).sum(axis=axis) > 1e-9)


def _cut(block: Block) -> Block:
    rows, columns = block.matrix.shape
    if rows <= MAX_CELLS and columns <= MAX_CELLS:
        return block
    note = f"first {min(rows, MAX_CELLS)} of {rows} rows, {min(columns, MAX_CELLS)} of {columns} columns"
    return Block(block.title, block.matrix[:MAX_CELLS, :MAX_CELLS], block.rows[:MAX_CELLS],
                 block.columns[:MAX_CELLS], note)


def head_blocks(weights: ModelWeights, layer: int, head: int) -> list[Block]:
    """A head's QK circuit (query directions x key directions) and OV circuit (value x output)."""
    size, params, labels = weights.key_size, weights.params, weights.residual_labels
    columns = slice(head * size, (head + 1) * size)
    prefix = f"transformer/layer_{layer}/attn"
    query, key = params[f"{prefix}/query/w"][:, columns], params[f"{prefix}/key/w"][:, columns]
    value, out = params[f"{prefix}/value/w"][:, columns], params[f"{prefix}/linear/w"][columns]
    qk = query.astype(np.float64) @ key.astype(np.float64).T
    ov = value.astype(np.float64) @ out.astype(np.float64)
    blocks = []
    for title, matrix in (("QK: query (rows) x key (columns)", qk),
                          ("OV: value read (rows) x written (columns)", ov)):
        rows, cols = _nonzero(matrix, 1), _nonzero(matrix, 0)
        blocks.append(_cut(Block(title, matrix[np.ix_(rows, cols)], [labels[r] for r in rows],
                                 [labels[c] for c in cols])))
    return blocks


def mlp_blocks(weights: ModelWeights, layer: int, label: str) -> list[Block]:
    """The neurons of an MLP layer that write `label`: their input and output weights."""
    params, labels = weights.params, weights.residual_labels
    first = params[f"transformer/layer_{layer}/mlp/linear_1/w"]
    second = params[f"transformer/layer_{layer}/mlp/linear_2/w"]
    outputs = [i for i, name in enumerate(labels) if _label_name(name) == label]
    neurons = _nonzero(second[:, outputs], 1)
    inputs = _nonzero(first[:, neurons], 1)
    names = [f"n{n}" for n in neurons]
    return [_cut(Block("MLP in: read (rows) x neurons", first[np.ix_(inputs, neurons)],
                       [labels[i] for i in inputs], names)),
            _cut(Block("MLP out: neurons x written", second[np.ix_(neurons, outputs)], names,
                       [labels[o] for o in outputs]))]


def _color(value: float, scale: float) -> str:
    if scale <= 0 or value == 0:
        return "#fff"
    alpha = min(1.0, abs(value) / scale)
    red, green, blue = (200, 40, 40) if value > 0 else (40, 90, 200)
    mix = lambda c: round(255 - (255 - c) * alpha)  # noqa: E731
    return f"#{mix(red):02x}{mix(green):02x}{mix(blue):02x}"


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != 0 else ""


def heatmap_html(block: Block) -> str:
    """A block as an HTML table: cells coloured by sign and size, numbers shown where the table is small."""
    matrix = block.matrix
    if matrix.size == 0:
        return f'<div class="block"><div class="btitle">{html.escape(block.title)}</div><p>(empty)</p></div>'
    scale = float(np.abs(matrix).max())
    small = matrix.shape[0] <= 14 and matrix.shape[1] <= 14
    cls = "heat" if small else "heat dense"
    head = "".join(f'<th title="{html.escape(c)}">{html.escape(_short(c)) if small else ""}</th>'
                   for c in block.columns)
    rows = []
    for r, row_label in enumerate(block.rows):
        cells = "".join(
            f'<td style="background:{_color(v, scale)}" title="{html.escape(row_label)} / '
            f'{html.escape(block.columns[c])}: {v:.3g}">{_number(v) if small else ""}</td>'
            for c, v in enumerate(matrix[r]))
        rows.append(f'<tr><th title="{html.escape(row_label)}">{html.escape(_short(row_label))}</th>'
                    f'{cells}</tr>')
    note = f'<div class="bnote">{html.escape(block.note)}</div>' if block.note else ""
    return (f'<div class="block"><div class="btitle">{html.escape(block.title)}</div>'
            f'<table class="{cls}"><tr><th></th>{head}</tr>{"".join(rows)}</table>{note}</div>')


def _short(label: str) -> str:
    return label if len(label) <= 18 else label[:8] + "…" + label[-8:]


def function_table_html(reading: ProgramReading, index: int) -> str:
    """A Map's or SequenceMap's function on the values its inputs take (what the MLP computes)."""
    program = reading.program
    line = program.lines[index]
    lam = line.lam
    sets = [reading.value_sets.get(a, []) for a in line.variable_args]
    if any(len(s) > 40 for s in sets) or not all(sets):
        return ""

    def value(*args):
        try:
            out = lam.fn(*args)
        except Exception:  # noqa: BLE001 - undefined there: shown empty, as Tracr's table has no entry
            return ""
        return "" if out is None else _value(out)

    names = [reading.names.get(a, a) for a in line.variable_args]
    if lam.kind.arity == 1 or lam.kind is LambdaKind.LINEAR_SEQUENCE_MAP and len(sets) == 1:
        head = "".join(f"<th>{html.escape(_value(x))}</th>" for x in sets[0])
        cells = "".join(f"<td>{html.escape(value(x))}</td>" for x in sets[0])
        body = f"<tr><th>{html.escape(names[0])}</th>{head}</tr><tr><th>out</th>{cells}</tr>"
    else:
        head = "".join(f"<th>{html.escape(_value(y))}</th>" for y in sets[1])
        body = f"<tr><th>{html.escape(names[0])} \\ {html.escape(names[1])}</th>{head}</tr>" + "".join(
            f"<tr><th>{html.escape(_value(x))}</th>"
            + "".join(f"<td>{html.escape(value(x, y))}</td>" for y in sets[1])
            + "</tr>" for x in sets[0])
    return (f'<div class="block"><div class="btitle">function on the values its inputs take</div>'
            f'<table class="ftable">{body}</table></div>')


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


# --- attention on examples -----------------------------------------------------------------------------


def attention_patterns(weights: ModelWeights, inputs: Sequence[tuple], heads: Sequence[tuple[int, int]]
                       ) -> list[dict[str, list]]:
    """Per input, each listed head's attention [query][key] over BOS and the input, by the weights."""
    from trade.compiling import forward
    from trade.verify import token_ids_for

    config = weights.compile_config
    token_ids = token_ids_for(config)
    patterns = []
    for tokens in inputs:
        ids = np.array([[token_ids[config.compiler_bos]] + [token_ids[t] for t in tokens]])
        captured: dict[int, np.ndarray] = {}
        forward(weights.params, ids, weights.num_heads,
                on_attention=lambda layer, a: captured.__setitem__(layer, a), causal=config.causal)
        patterns.append({f"{layer}.{head}": np.round(captured[layer][0, head], 3).tolist()
                         for layer, head in heads})
    return patterns


# --- the dataflow picture ---------------------------------------------------------------------------


def dataflow_svg(reading: ProgramReading, placed: list[Placement], layers: int) -> str:
    """The program's dataflow: one column per sublayer (inputs, then each layer's attention and MLP)."""
    program = reading.program
    depth: dict[str, int] = {"tokens": 0, "indices": 0}
    for index, line in enumerate(program.lines):
        depth[variable_name(index)] = 1 + max(depth[a] for a in line.variable_args)
    columns: dict[str, int] = {"tokens": 0, "indices": 0}
    for index, line in enumerate(program.lines):
        where = placed[index]
        name = variable_name(index)
        if where.layer is not None:
            columns[name] = 1 + 2 * where.layer + (0 if where.sublayer == "attn" else 1)
        else:  # not placed: by depth
            columns[name] = depth[name]
    count = max(columns.values()) + 1
    if any(p.layer is not None for p in placed):
        count = max(count, 1 + 2 * layers)
    height_step, box_w, box_h, col_w, empty_w, top = 58, 144, 42, 166, 70, 52
    used = set(columns.values())
    left = [12]  # x of each column: sublayers with no line are drawn narrow
    for column in range(count):
        left.append(left[-1] + (col_w if column in used else empty_w))
    rows: dict[int, int] = {}
    position: dict[str, tuple[float, float]] = {}
    for name in ["tokens", "indices", *(variable_name(i) for i in range(len(program.lines)))]:
        column = columns[name]
        row = rows.get(column, 0)
        rows[column] = row + 1
        position[name] = (left[column], top + row * height_step)
    svg_w = left[-1] + 12
    svg_h = top + max(rows.values()) * height_step + 12
    # scaled down to fit the page, but never below 60% (then the picture scrolls)
    parts = [f'<svg id="dataflow" xmlns="http://www.w3.org/2000/svg" width="{svg_w}" height="{svg_h}" '
             f'style="min-width:{round(svg_w * 0.6)}px" '
             f'viewBox="0 0 {svg_w} {svg_h}" role="img" aria-label="dataflow graph">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/>'
             '</marker></defs>']
    for column in range(count):
        x, wide = left[column], column in used
        layer, kind = (column - 1) // 2, ("attention" if column % 2 else "MLP")
        short = f"L{layer} {'attn' if column % 2 else 'MLP'}"
        title = "inputs" if column == 0 else f"layer {layer} {kind}" if wide else short
        shade = "#f4f6fb" if column % 2 else "#f8f8f4"
        span = (col_w if wide else empty_w) - 12
        parts.append(f'<rect x="{x - 6}" y="6" width="{span}" height="{svg_h - 12}" rx="6" fill="{shade}"/>')
        parts.append(f'<text x="{x - 6 + span / 2}" y="28" class="colhead" text-anchor="middle">'
                     f'{title}</text>')
    for index, line in enumerate(program.lines):
        target = variable_name(index)
        tx, ty = position[target]
        for arg in line.variable_args:
            sx, sy = position[arg]
            if sx == tx:  # same column: from the bottom of one box to the top of the other
                x1, y1, x2, y2 = sx + box_w / 2, sy + box_h, tx + box_w / 2, ty
                path = f"M {x1} {y1} C {x1} {y1 + 14}, {x2} {y2 - 14}, {x2} {y2}"
            else:
                x1, y1, x2, y2 = sx + box_w, sy + box_h / 2, tx, ty + box_h / 2
                bend = max(30.0, (x2 - x1) / 2)
                path = f"M {x1} {y1} C {x1 + bend} {y1}, {x2 - bend} {y2}, {x2} {y2}"
            parts.append(f'<path d="{path}" fill="none" stroke="#999" stroke-width="1.3" '
                         'marker-end="url(#arrow)"/>')
    colours = {Op.SELECT: "#e8eefc", Op.AGGREGATE: "#dbe7ff", Op.SELECTOR_WIDTH: "#e3dcff", Op.MAP: "#fff1d6",
               Op.SEQUENCE_MAP: "#ffe3c7"}
    idiom_of = {idiom.variable: idiom.kind for idiom in reading.idioms}
    for name, (x, y) in position.items():
        if name in ("tokens", "indices"):
            fill, sub = "#e6f4ea", "input"
        else:
            index = int(name[1:]) - 1
            line = program.lines[index]
            fill = colours[line.op]
            where = placed[index]
            sub = line.op.value + (f" · h{where.head}" if where.head is not None else "")
        label = reading.names.get(name, name)
        stroke = "#6b4fd8" if name in idiom_of else "#8a94a6"
        parts.append(f'<g class="node" data-var="{name}"><title>{html.escape(name)}: '
                     f'{html.escape(reading.phrases.get(name, ""))}</title>'
                     f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="7" fill="{fill}" '
                     f'stroke="{stroke}" '
                     f'stroke-width="{2 if name in idiom_of else 1}"/>'
                     f'<text x="{x + 8}" y="{y + 17}" class="nname">{html.escape(_short(label))}</text>'
                     f'<text x="{x + 8}" y="{y + 33}" class="nsub">{html.escape(sub)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


# --- the page ----------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2230;background:#fff}
main{max-width:1180px;margin:0 auto;padding:18px 22px 60px}
h1{font-size:22px;margin:4px 0 6px}
 h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e6ee;padding-bottom:4px}
.verdict{display:inline-block;padding:2px 9px;border-radius:10px;font-weight:600;color:#fff}
.exact{background:#1f8a4c}.equivalent{background:#2f6fb6}.unverified{background:#b5462f}
.error{background:#7a1f1f}
.muted{color:#667}
 .desc{font-size:15px;background:#f6f7fb;border-left:4px solid #6b4fd8;padding:8px 12px;margin:10px 0}
pre{background:#f7f7f9;border:1px solid #e3e6ee;border-radius:6px;padding:10px 12px;overflow-x:auto;
 font-size:13px}
.graph{overflow-x:auto;border:1px solid #e3e6ee;border-radius:6px}
 #dataflow{max-width:100%;height:auto;display:block}
.colhead{font:600 12px system-ui,sans-serif;fill:#556}
 .nname{font:600 13px ui-monospace,monospace;fill:#1d2230}
.nsub{font:11px system-ui,sans-serif;fill:#556}
.line{border:1px solid #e3e6ee;border-radius:6px;margin:10px 0;padding:8px 10px}
.line code{font-size:13.5px;font-weight:600}.where{float:right;color:#556;font-size:12px}
.phrase{color:#4b3aa0;font-size:13px;margin:2px 0 6px}
.blocks{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
.block{max-width:100%;overflow-x:auto}.btitle{font-size:12px;color:#556;margin-bottom:3px}
 .bnote{font-size:11px;color:#889}
table.heat,table.ftable,table.io,table.attn{border-collapse:collapse;font:11px ui-monospace,monospace}
table.heat td{width:26px;height:20px;text-align:center;border:1px solid #eee}
table.heat.dense td{width:7px;height:7px;padding:0;border:0}
table.heat th{font-weight:normal;color:#556;max-width:90px;white-space:nowrap;overflow:hidden;padding:0 3px;
 text-align:right}
table.heat tr:first-child th{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;height:auto}
table.ftable td,table.ftable th,table.io td,table.io th{border:1px solid #e3e6ee;padding:2px 6px;
 text-align:center}
table.ftable th,table.io th{background:#f6f7fb;font-weight:600}
#presets button{font:13px ui-monospace,monospace;margin:0 6px 6px 0;padding:4px 10px;border:1px solid #b8bfd0;
 border-radius:6px;background:#fff;cursor:pointer}
#presets button.on{background:#6b4fd8;color:#fff;border-color:#6b4fd8}
.heads{display:flex;flex-wrap:wrap;gap:18px}.headbox .btitle{font-weight:600}
table.attn td{width:26px;height:22px;text-align:center;border:1px solid #eee}
 table.attn th{padding:0 4px;color:#556}
ul.open li{margin:3px 0}table.index td{text-align:left;vertical-align:top}
"""

_JS = """
(function(){
  // scoped to the report's own element, so that several reports in one notebook each work
  const root = (document.currentScript && document.currentScript.parentElement) || document.body;
  const data = JSON.parse(root.querySelector('#report-data').textContent);
  const box = root.querySelector('#attention');
  const buttons = root.querySelector('#presets');
  if(!box || !buttons) return;
  function colour(v){const a=Math.max(0,Math.min(1,v));const c=Math.round(255-(255-107)*a),
    g=Math.round(255-(255-79)*a),b=Math.round(255-(255-216)*a);return 'rgb('+c+','+g+','+b+')';}
  function show(n){
    if(!(n>=0 && n<data.presets.length)) n=0;
    const preset=data.presets[n];
    const labels=['BOS'].concat(preset.input.map(String));
    box.dataset.example=String(n);
    Array.from(buttons.children).forEach((b,i)=>b.classList.toggle('on',i===n));
    box.innerHTML='';
    data.heads.forEach(function(h){
      const m=preset.attention[h.key]; if(!m) return;
      const div=document.createElement('div'); div.className='headbox';
      const t=document.createElement('div'); t.className='btitle'; t.textContent=h.title;
 div.appendChild(t);
      const table=document.createElement('table'); table.className='attn';
      const head=document.createElement('tr'); head.appendChild(document.createElement('th'));
      labels.forEach(l=>{const th=document.createElement('th'); th.textContent=l; head.appendChild(th);});
      table.appendChild(head);
      m.forEach(function(row,q){
        const tr=document.createElement('tr'); const th=document.createElement('th');
 th.textContent=labels[q];
        tr.appendChild(th);
        row.forEach(function(v,k){const td=document.createElement('td'); td.style.background=colour(v);
          td.title='query '+labels[q]+' -> key '+labels[k]+': '+v;
 td.textContent=v>=0.005?v.toFixed(2).replace(/0+$/,'').replace(/\\.$/,''):'';
          if(v>0.6) td.style.color='#fff'; tr.appendChild(td);});
        table.appendChild(tr);
      });
      div.appendChild(table);
      const out=document.createElement('div'); out.className='bnote';
      out.textContent='output: '+preset.output.map(v=>v===null?'None':String(v)).join(' ');
      div.appendChild(out); box.appendChild(div);
    });
    if(!data.heads.length) box.textContent='This program has no attention heads.';
  }
  data.presets.forEach(function(p,i){const b=document.createElement('button'); b.type='button';
    b.textContent=p.input.map(String).join(' '); b.addEventListener('click',()=>{show(i);});
 buttons.appendChild(b);});
  // `#example=N` in the address presses preset N's button, as a reader would (and as the browser test does)
  function press(){const m=/example=(\\d+)/.exec(location.hash);
    const b=m&&buttons.children[parseInt(m[1],10)]; if(b) b.click();}
  window.addEventListener('hashchange',press);
  show(0);
  press();
  // which parts a reader can see (laid out with a size): read by tests/test_report.py in headless Chromium
  root.dataset.visible=['program','dataflow','attention','io'].filter(function(id){
    const e=root.querySelector('#'+id); return e && e.getBoundingClientRect().width>0 &&
      e.getBoundingClientRect().height>0;}).join(' ');
  root.dataset.rendered='ok';
})();
"""


def _json_script(data: Any) -> str:
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


def report_html(result, weights: ModelWeights | None = None, title: str = "Decompiled program",
                reading: ProgramReading | None = None, full_page: bool = True) -> str:
    """The page for a `Decompilation` (and, where known, the weights it came from)."""
    program = result.program
    if not program.lines:
        body = (f"<h1>{html.escape(title)}</h1><p><span class='verdict unverified'>"
                f"{html.escape(result.verdict)}</span> "
                f"{html.escape(result.reason)}</p><p>No program was found.</p>")
        return _page(title, body, {"presets": [], "heads": []}, full_page)
    config = result.config or (weights.compile_config if weights is not None else CompileConfig())
    reading = reading or read_program(program, config)
    shown = shown_weights(result, weights)
    placed = placements(program, shown)
    layers = shown.weights.num_layers if shown.weights is not None else 0
    types = program.types()

    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p><span class='verdict {html.escape(result.verdict)}'>{html.escape(result.verdict)}</span> "
             f"<span class='muted'>{html.escape(result.reason)} · stage: {html.escape(result.stage)}"
             "</span></p>",
             "<div class='desc' id='description'><b>What it computes.</b> "
             f"{html.escape(reading.description)}</div>",
             f"<p class='muted'>Vocabulary {html.escape(', '.join(map(str, config.vocab)))}; sequences up to "
             f"{config.max_seq_len} tokens. Idioms found: "
             f"{html.escape(', '.join(i.kind for i in reading.idioms) or 'none')} (matched on "
             f"{reading.inputs_checked:,} "
             f"{'inputs: all of them' if reading.exhaustive else 'sampled inputs'}).</p>",
             "<h2>Program</h2>",
             f"<pre id='program'>{html.escape(reading.text())}</pre>",
             "<details><summary class='muted'>as decompiled (v-names)</summary>"
             f"<pre>{html.escape(result.text)}"
             "</pre></details>",
             "<h2>Dataflow</h2>",
             "<p class='muted'>Each line in the column of the sublayer that computes it; idioms outlined in "
             "violet. "
             "A Select has no weights of its own: it sits in the head that uses it.</p>",
             f"<div class='graph'>{dataflow_svg(reading, placed, layers)}</div>",
             "<h2>Lines and their weights</h2>",
             f"<p class='muted'>Weights shown: {html.escape(shown.source)}. Red positive, blue negative; "
             "hover a "
             "cell for its value.</p>"]
    head_cache: dict[tuple[int, int], list[Block]] = {}
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        where = placed[index]
        blocks = []
        if shown.weights is not None and where.layer is not None:
            if "attn" in where.sublayer and line.op is not Op.SELECT:
                key = (where.layer, where.head)
                if key not in head_cache:
                    head_cache[key] = head_blocks(shown.weights, *key)
                blocks += [heatmap_html(b) for b in head_cache[key]]
            if "mlp" in where.sublayer and shown.labels[index] is not None:
                mlp = mlp_blocks(shown.weights, where.layer, shown.labels[index])
                blocks += [heatmap_html(b) for b in mlp]
        if line.op in (Op.MAP, Op.SEQUENCE_MAP):
            blocks.append(function_table_html(reading, index))
        if line.op is Op.SELECT:
            blocks.append("<div class='bnote'>computed by the QK circuit of the head that reads it "
                          "(below)</div>")
        phrase = reading.phrases.get(name, "")
        parts.append(f"<div class='line' id='line-{index + 1}'><span class='where'>"
                     f"{html.escape(where.text)} · "
                     f"{html.escape(types[name].value)} · {html.escape(name)}</span>"
                     f"<code>{html.escape(reading.line_text(index))}</code>"
                     + (f"<div class='phrase'>{html.escape(phrase)}</div>" if phrase else "")
                     + f"<div class='blocks'>{''.join(blocks)}</div></div>")

    heads = sorted({(p.layer, p.head) for p, line in zip(placed, program.lines)
                    if p.layer is not None and "attn" in p.sublayer and line.op is not Op.SELECT})
    inputs = [example.tokens for example in reading.examples]
    attention = attention_patterns(shown.weights, inputs, heads) if shown.weights is not None and heads else \
        [{} for _ in inputs]
    head_titles = []
    for layer, head in heads:
        lines = [reading.names[variable_name(i)] for i, p in enumerate(placed)
                 if (p.layer, p.head) == (layer, head) and "attn" in p.sublayer]
        head_titles.append({"key": f"{layer}.{head}",
                            "title": f"layer {layer} head {head}: {', '.join(lines)}"})
    data = {"presets": [{"input": [_plain(v) for v in e.tokens], "output": [_plain(v) for v in e.output],
                         "attention": a} for e, a in zip(reading.examples, attention)],
            "heads": head_titles}
    parts += ["<h2>Attention on an example</h2>",
              "<p class='muted'>Each head's attention weights computed from the weights shown (rows: query "
              "position, "
              "columns: key position; BOS first). Pick an input:</p>",
              "<div id='presets'></div><div id='attention' class='heads'></div>",
              "<h2>Inputs and outputs</h2>", _io_table(reading)]
    parts += ["<h2>What the weights leave open</h2>", _open_html(result, reading)]
    return _page(title, "".join(parts), data, full_page)


def _io_table(reading: ProgramReading) -> str:
    rows = []
    for example in reading.examples:
        cells = "".join(f"<td>{html.escape(_value(v))}</td>" for v in example.tokens)
        outs = "".join(f"<td>{html.escape('None' if v is None else _value(v))}</td>" for v in example.output)
        rows.append(f"<tr><th>input</th>{cells}</tr>"
                    f"<tr><th>{html.escape(reading.output_name)}</th>{outs}</tr>")
    return (f"<table class='io' id='io'>{''.join(rows)}</table><p class='muted'>Outputs by the interpreter "
            "(trade/program/interpret.py) on the program above.</p>")


def _open_html(result, reading: ProgramReading) -> str:
    items = [html.escape(note) for note in result.notes]
    for item in result.undetermined or []:
        name = reading.names.get(item.variable, item.variable)
        items.append(f"<code>{html.escape(name)}</code>: <code>{html.escape(item.token)}</code> "
                     "could also be "
                     + ", ".join(f"<code>{html.escape(a)}</code>" for a in item.alternatives)
                     + " (same weights)")
    if result.undetermined is None and result.verdict == "exact" and not items:
        items.append("Not listed (decompile with undetermined=True to list the tokens the weights do not "
                     "decide).")
    if result.verdict == "equivalent":
        items.append("The verdict is equivalent: the given model computes this program's outputs, but its "
                     "weights are not exactly the program's compiled weights, so a line may be computed "
                     "differently inside the model.")
    elif result.verdict != "exact":
        items.append(f"The verdict is {html.escape(result.verdict)}: neither the weights nor the outputs "
                     "were reproduced, so lines may differ from the model's.")
    if not items:
        items.append("Nothing found: no line has another library lambda or comparison with the same weights.")
    return "<ul class='open'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _scoped_css(css: str, scope: str) -> str:
    """The style sheet with every selector inside `scope` (`body` becomes the scope itself), so that a
    report inside a notebook does not restyle the notebook."""
    rules = []
    for rule in css.replace("\n", "").split("}"):
        if "{" not in rule:
            continue
        selectors, declarations = rule.split("{", 1)
        scoped = [scope if s.strip() == "body" else f"{scope} {s.strip()}" for s in selectors.split(",")]
        rules.append(f"{','.join(scoped)}{{{declarations}}}")
    return "".join(rules)


def _page(title: str, body: str, data: dict, full_page: bool) -> str:
    script = (f"<script type='application/json' id='report-data'>{_json_script(data)}</script>"
              f"<script>{_JS}</script>")
    if not full_page:
        style = _scoped_css(_CSS, ".trade-report")
        return f"<div class='trade-report'><style>{style}</style><main>{body}</main>{script}</div>"
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body><main>{body}</main>{script}</body></html>")


def write_report(model, path: str | Path, title: str | None = None, decompiler=None, options=None) -> Path:
    """Decompiles `model` (anything `trade.decompile.decompile` takes) and writes its page to `path`."""
    from trade.model_inputs import read_model

    weights = read_model(model).weights  # a bad file is refused here, before Tracr and JAX load
    from trade.decompile import DecompileOptions, decompile

    options = options or DecompileOptions(undetermined=True)
    result = decompile(weights, decompiler, options)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, report_html(result, weights, path.stem if title is None else title))
    return path


# --- an index of pages (trade evaluate --programs) -----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PageEntry:
    """One program to give a page: its name, its file's description, and its compiled model."""

    name: str
    description: str
    model: Any  # anything `trade.decompile.decompile` takes (None where it could not be built)
    error: str = ""  # why the model could not be built (e.g. Tracr cannot compile the program)


def write_pages(entries: Sequence[PageEntry], out_dir: str | Path, decompiler=None) -> Path:
    """A page per program under `out_dir/pages/` and `out_dir/index.html` linking them; returns the index."""
    from trade.decompile import DecompileOptions, decompile, weights_from

    out_dir = Path(out_dir)
    (out_dir / "pages").mkdir(parents=True, exist_ok=True)
    rows = []
    for entry in entries:
        page = out_dir / "pages" / f"{_file_stem(entry.name)}.html"
        error = entry.error
        if not error:
            try:
                weights = weights_from(entry.model)
                result = decompile(weights, decompiler, DecompileOptions(undetermined=True))
                config = result.config or weights.compile_config
                reading = read_program(result.program, config) if result.program.lines else None
                text = report_html(result, weights, entry.name, reading)
            except Exception as caught:  # one refused program (a bool vocabulary) must not cost the others
                error = f"{type(caught).__name__}: {caught}"
        if error:  # as `trade.suites.evaluate_suite` records it: the page and the index say why
            verdict, idioms, computes = "error", "", error
            text = _error_page(entry, error)
        else:
            verdict = result.verdict
            idioms = ", ".join(i.kind for i in reading.idioms) if reading else ""
            computes = reading.description if reading else result.reason
        write_text(page, text)
        rows.append(f"<tr><td><a href='pages/{html.escape(page.name)}'>{html.escape(entry.name)}</a></td>"
                    f"<td>{html.escape(entry.description)}</td>"
                    f"<td><span class='verdict {html.escape(verdict)}'>"
                    f"{html.escape(verdict)}</span></td><td>{html.escape(idioms)}</td>"
                    f"<td>{html.escape(computes)}</td></tr>")
    body = ("<h1>Decompiled programs</h1><p class='muted'>One page per program: the program with its idioms "
            "named, where each line lives in the weights, and attention on example inputs.</p>"
            "<table class='io index'><tr><th>program</th><th>file's description</th><th>verdict</th>"
            f"<th>idioms found</th><th>what the decompiled program computes</th></tr>{''.join(rows)}</table>")
    index = out_dir / "index.html"
    write_text(index, _page("Decompiled programs", body, {"presets": [], "heads": []}, True)
               .replace(f"<script>{_JS}</script>", ""))
    return index


def _error_page(entry: PageEntry, error: str) -> str:
    """The page of a program TraDe could not decompile (or the suite could not compile): why."""
    body = (f"<h1>{html.escape(entry.name)}</h1><p class='desc'>{html.escape(entry.description)}</p>"
            f"<p><span class='verdict error'>error</span> {html.escape(error)}</p>"
            "<p>No program was found.</p>")
    return _page(entry.name, body, {"presets": [], "heads": []}, True).replace(f"<script>{_JS}</script>", "")


def _file_stem(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "program"


def write_suite_pages(programs: Sequence, out_dir: str | Path, decompiler=None) -> Path:
    """`write_pages` for a suite (`trade.suites.SuiteProgram`s), each compiled by Tracr as the suite says."""
    from tracr.compiler import compiling

    entries = []
    for entry in programs:
        config = entry.config
        try:
            model = compiling.compile_rasp_to_model(entry.build(), vocab=set(config.vocab),
                                                    max_seq_len=config.max_seq_len,
                                                    compiler_bos=config.compiler_bos,
                                                    compiler_pad=config.compiler_pad, causal=config.causal)
        except Exception as caught:  # the suite's program is at fault, as `evaluate_suite` records it
            entries.append(PageEntry(entry.name, entry.description, None,
                                     f"Tracr cannot compile it: {type(caught).__name__}: {caught}"))
            continue
        entries.append(PageEntry(entry.name, entry.description, model))
    return write_pages(entries, out_dir, decompiler)
