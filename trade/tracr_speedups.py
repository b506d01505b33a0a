"""Faster, numerically identical versions of Tracr's hottest linear-algebra helpers.

Profiling compilation shows most time in `vectorspace_fns.Linear.from_action`
called by `project` and `Linear.combine_in_parallel`, which build matrices one
basis direction at a time through `VectorInBasis` objects (and `np.eye(n)[i]`
per direction). The replacements below build the same float64 matrices directly
by index. `install()` patches Tracr in place; `original_tracr()` restores the
originals temporarily (the stock-compiler baseline and the tests use it).
Basis inference also walks a reversed copy of the program graph, and copying
deep-copies every node's expression and value set; `reverse_as_view` makes it
walk a view instead.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import networkx as nx
import numpy as np
from tracr.craft import bases, vectorspace_fns

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
