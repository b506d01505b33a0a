"""Faster, numerically identical versions of Tracr's hottest linear-algebra helpers.

Profiling compilation shows most time in `vectorspace_fns.Linear.from_action`
called by `project` and `Linear.combine_in_parallel`, which build matrices one
basis direction at a time through `VectorInBasis` objects (and `np.eye(n)[i]`
per direction). The replacements below build the same float64 matrices directly
by index. `install()` patches Tracr in place; `original_tracr()` restores the
originals temporarily (the stock-compiler baseline and the tests use it).
Basis inference also walks a reversed copy of the program graph, and copying
deep-copies every node's expression and value set; `reverse_as_view` makes it
walk a view instead. Finally, the repair search compiles thousands of programs
that differ from each other in a line or two, and building each line's MLP or
attention head is half of a compile: `add_craft_components` reuses the blocks
of lines already built with the same function and the same input and output
spaces.
"""

from __future__ import annotations

import collections
import contextlib
from typing import Iterator

import networkx as nx
import numpy as np
from tracr.compiler import expr_to_craft_graph, nodes
from tracr.craft import bases, vectorspace_fns
from tracr.rasp import rasp

from trade.program.tracr_bridge import library_token

_ORIGINALS = {
    "project": vectorspace_fns.project,
    "combine_in_parallel": vectorspace_fns.Linear.combine_in_parallel,
    "vector_from_basis_direction": bases.VectorSpaceWithBasis.vector_from_basis_direction,
}


def project(from_space: bases.VectorSpaceWithBasis,
            to_space: bases.VectorSpaceWithBasis) -> vectorspace_fns.Linear:
    """Like `vectorspace_fns.project`: 1 where a direction is in both spaces."""
    matrix = np.zeros((from_space.num_dims, to_space.num_dims))
    index = to_space.index_by_direction
    for row, direction in enumerate(from_space.basis):
        column = index.get(direction)
        if column is not None:
            matrix[row, column] = 1.0
    return vectorspace_fns.Linear(from_space, to_space, matrix)


def combine_in_parallel(cls, fns) -> vectorspace_fns.Linear:
    """Like `Linear.combine_in_parallel`: the sum of the functions on the joint spaces.

    Contributions are added in the same order as Tracr's loop, so the floating
    point sums are identical.
    """
    joint_input = bases.join_vector_spaces(*[fn.input_space for fn in fns])
    joint_output = bases.join_vector_spaces(*[fn.output_space for fn in fns])
    matrix = np.zeros((joint_input.num_dims, joint_output.num_dims))
    input_index, output_index = joint_input.index_by_direction, joint_output.index_by_direction
    for fn in fns:
        rows = [input_index[d] for d in fn.input_space.basis]
        columns = [output_index[d] for d in fn.output_space.basis]
        matrix[np.ix_(rows, columns)] += fn.matrix
    return cls(joint_input, joint_output, matrix)


def vector_from_basis_direction(self, basis_direction: bases.BasisDirection) -> bases.VectorInBasis:
    """Like Tracr's, without building an identity matrix per call."""
    magnitudes = np.zeros(self.num_dims)
    magnitudes[self.index_by_direction[basis_direction]] = 1.0
    return self.make_vector(magnitudes)


class _ReversedAsView(nx.DiGraph):
    """A graph whose `reverse()` is a read-only view unless a copy is asked for."""

    def reverse(self, copy: bool = False) -> nx.DiGraph:
        return super().reverse(copy=copy)


def reverse_as_view(graph: nx.DiGraph) -> None:
    """Makes `graph.reverse()` a view (same nodes, edges and walk; no copies of node data)."""
    graph.__class__ = _ReversedAsView


_BLOCKS: collections.OrderedDict = collections.OrderedDict()
_BLOCKS_SIZE = 4096
BLOCK_CACHE = collections.Counter()  # "hits" and "misses" of `add_craft_components`, for tests and benchmarks


def _values(values) -> tuple:
    """A value set as a hashable key that tells `1`, `1.0` and `True` apart (Python sets do not)."""
    return tuple(sorted((type(value).__name__, repr(value)) for value in values))


def _space(node: dict) -> tuple:
    return tuple((str(d.name), type(d.value).__name__, repr(d.value)) for d in node[nodes.OUTPUT_BASIS])


def _block_key(graph: nx.DiGraph, node_id, settings: tuple) -> tuple | None:
    """What a node's craft block depends on, or None if it is not worth or not safe to cache.

    Only library lambdas are keyed (by their token; any other function could
    compute anything); everything Tracr's builder reads is in the key: the
    function, the encodings, the node's and its inputs' value sets and bases,
    the label (hidden neurons are named after it) and the compiler settings.
    """
    expr = graph.nodes[node_id][nodes.EXPR]
    if isinstance(expr, (rasp.Map, rasp.SequenceMap)):
        function = library_token(expr.f)
        if function is None:
            return None
        inputs = [expr.inner] if isinstance(expr, rasp.Map) else [expr.fst, expr.snd]
    elif isinstance(expr, (rasp.Aggregate, rasp.SelectorWidth)) and isinstance(expr.selector, rasp.Select):
        selector = expr.selector
        if not isinstance(selector.predicate, rasp.Comparison):
            return None  # a function's str is its address, which a later function may reuse
        function = (str(selector.predicate), repr(getattr(expr, "default", None)))
        inputs = [selector.keys, selector.queries] + ([expr.sop] if isinstance(expr, rasp.Aggregate) else [])
    else:
        return None
    parts = [node_id, type(expr).__name__, function, settings]
    for item in [expr] + inputs:
        node = graph.nodes[item.label]
        parts.append((item.label, str(rasp.get_encoding(item)), _values(node[nodes.VALUE_SET]), _space(node)))
    return tuple(parts)


def _parts(block) -> list:
    """A block and, for a SelectorWidth (an attention head then an MLP), its two halves."""
    return [block] + list(getattr(block, "blocks", []))


def add_craft_components(graph: nx.DiGraph, bos_dir: bases.BasisDirection, mlp_exactness: float) -> None:
    """Tracr's `add_craft_components_to_rasp_graph`, reusing the blocks of lines built before.

    Nodes with a cached block are hidden from Tracr's builder (their
    expression is swapped out for the call) and get the cached block; the
    others are built by Tracr and cached. Tracr's layer allocation later sets
    every block's `residual_space` to the whole model's, so the cache keeps
    each block's own and puts it back before reuse.
    """
    settings = (str(bos_dir), float(mlp_exactness))
    keys = {node_id: _block_key(graph, node_id, settings) for node_id in graph.nodes}
    hidden = {node_id: graph.nodes[node_id][nodes.EXPR] for node_id, key in keys.items() if key in _BLOCKS}
    for node_id in hidden:
        graph.nodes[node_id][nodes.EXPR] = None
    try:
        expr_to_craft_graph.add_craft_components_to_rasp_graph(graph, bos_dir=bos_dir, mlp_exactness=mlp_exactness)
    finally:
        for node_id, expr in hidden.items():
            graph.nodes[node_id][nodes.EXPR] = expr
    for node_id, key in keys.items():
        if key is None:
            continue
        if node_id in hidden:
            block, spaces = _BLOCKS[key]
            for part, space in zip(_parts(block), spaces):
                part.residual_space = space
            graph.nodes[node_id][nodes.MODEL_BLOCK] = block
            _BLOCKS.move_to_end(key)
        else:
            block = graph.nodes[node_id][nodes.MODEL_BLOCK]
            _BLOCKS[key] = (block, [part.residual_space for part in _parts(block)])
        BLOCK_CACHE["hits" if node_id in hidden else "misses"] += 1
    while len(_BLOCKS) > _BLOCKS_SIZE:
        _BLOCKS.popitem(last=False)


def _set(project_fn, combine_fn, vector_fn) -> None:
    vectorspace_fns.project = project_fn
    vectorspace_fns.Linear.combine_in_parallel = combine_fn
    bases.VectorSpaceWithBasis.vector_from_basis_direction = vector_fn
    # Modules that imported `project` by name keep their own reference.
    from tracr.compiler import assemble
    from tracr.craft import transformers
    from tracr.craft.chamber import categorical_attn, categorical_mlp, numerical_mlp, selector_width

    for module in (assemble, transformers, categorical_attn, categorical_mlp, numerical_mlp, selector_width):
        if hasattr(module, "project"):
            module.project = project_fn


def install() -> None:
    """Patches Tracr with the fast versions (idempotent)."""
    _set(project, classmethod(combine_in_parallel), vector_from_basis_direction)


@contextlib.contextmanager
def original_tracr() -> Iterator[None]:
    """Runs a block with Tracr's own implementations."""
    _set(_ORIGINALS["project"], classmethod(_ORIGINALS["combine_in_parallel"].__func__),
         _ORIGINALS["vector_from_basis_direction"])
    try:
        yield
    finally:
        install()
