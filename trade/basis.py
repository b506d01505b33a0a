"""Recovering the one-hot residual basis of a rotated, mixed or noisy model, and verdicts on such models.

Compiled weights are one-hot: every residual direction is one value of one
variable. After a change of basis (`trade.transform`) the directions are
spread over the whole stream, and TraDe's readers of the dataflow see nothing.
The one-hot basis is still written in the weights: the embeddings, each head's
output rows and each MLP's output rows write residual vectors, and the query,
key, value and first MLP matrices (and the unembedding) read them; in the
one-hot basis each of these vectors is a few basis directions.

- Rotations (`orthonormal_atoms`): the basis is orthonormal in the given
  coordinates, and reads and writes live in the same space. The directions are
  recovered by peeling: the vector whose direction touches the fewest others is
  a basis direction (a sum of two touches what both touch); once found, it is
  projected out of every vector, and what remains of `v2:4 - v2:5` after `v2:5`
  is `v2:4`.
- Any invertible change of basis (`oblique_atoms`): writes move by M and reads
  by M^-1, so no inner product of the given coordinates means anything; only the
  pairing of a write with a read does. The written vectors that the fewest reads
  see are single directions; a SelectorWidth's counts, and the values of a
  numerical-to-categorical Map (`_discretised_values`), follow from the order of
  its MLP's units; the inputs follow Tracr's layout (position rows, token rows
  `tokens:v + one`, with `one` fixed by its reads up to what no read sees, chosen
  to keep the directions well conditioned, `_one`); directions written only in
  combinations are sheared apart where that makes the residual states sparser
  and parts them fully, and only within one writer (a discretising MLP writes
  `v:0` and steps `v:k - v:0`, `_writers`); which shears the reads allow has
  three rules (`SHEAR_RULES`), tried in turn. A numerical direction's scale is
  fixed by the slope of a discretising MLP that reads it (Tracr's
  `mlp_exactness`, `_discretised_slopes`), by a LinearSequenceMap that reads
  it (`_linear_reads`), by the read-out, or by a head that copies it with
  weight 1 into a direction so fixed (`_copied_scales`); else by its largest
  write.
- Noise on a compiled model (`_near_one_hot`): its own basis, in Tracr's
  order, each matrix snapped by its own noise.
- A compressed stream (`trade.compressed.lift`): lifted back to one-hot from
  the compression matrix its transform record holds.

The recovered directions are then signed (reads positive; where only lookups,
whose weights are a Map's values, read a direction against its writes, by a
run), ordered (the inputs as Tracr lays them out, matched by their embedding
rows; a variable's values by
the order of the hidden units or head dimensions that read them, which a
change of residual basis leaves alone, or that write them where nothing reads
a value; the output by its unembedding), grouped into variables
(`trade.skeleton.infer_labels`), and the weights are snapped: entries below
the noise are set to 0, the others to the nearest fraction of small
denominator (Tracr's constants are such fractions). The existing pipeline
decompiles the result.

Verdicts on a transformed model (`verdict_on_given`): `exact` means that a
change of basis, found by least squares between the candidate's recompiled
weights and the given ones, maps one onto the other (the read-out included;
heads and MLP units matched in whatever order Tracr's names gave them, as
`trade.layout` does for a compiled model) with every entry within float
rounding (`ROUNDING_TOLERANCE`) of its matrix's largest entry, as
`trade.verify` asks of a compiled model; or within
`EXACT_TOLERANCE`, where a run of the given model shows the candidate's
outputs. `equivalent` runs the GIVEN model on every input (through its
unembedding) against the candidate.

A model may have several bases (`readings`): each is read, with the labels
`recover` gives and those `trade.residual_labels` rebuilds, until the given
model confirms a reading. Noise that keeps every output of the recompiled
model, also where Tracr shows a value for RASP's None, makes a reading
`equivalent` when the given weights are the recompiled ones within the noise.

Not handled: compressed streams without their recorded compression matrix
are reported as unrecovered, and the decoder alone reads them.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from trade.transform import EMBEDDINGS
from trade.weights import ModelWeights

EXACT_TOLERANCE = 1e-3  # of each matrix's largest entry, for `exact` after a change of basis, run confirmed
ROUNDING_TOLERANCE = 1e-6  # of each matrix's largest entry: float rounding, `exact` without a run
SNAP_DENOMINATOR = 64
ORTHONORMAL_LEVEL = 0.05  # embeddings' Gram matrices this far from integers: a rotation, maybe noisy
CLEAN_LEVEL = 1e-4  # and this close: a rotation without noise (float32 rounding leaves about 1e-7)
OBLIQUE_TOLERANCE = 1e-3  # relative size below which a pairing of a mixed model's write and read is 0
WELL_CONDITIONED = 100.0  # condition number of unit directions that `_one` leaves as they are
RECOVERED_CONDITION = 1e3  # recovered unit directions conditioned worse than this: not independent
NULL_LEVEL = 1e-5  # singular values below this (of the largest) are float32 rounding of a 0
SHEAR_RULES = ("strict", "lenient", "free")  # `_single_directions`' rules, in the order they are tried
OWN_READING = "own"  # `readings`: the model's own basis, for embeddings that only round to 0s and 1s
OWN_WHOLE = "own, whole"  # `readings`: a noisy compiled model's own basis, integers snapped in every matrix
OWN_MAX_NOISE = 0.5  # a noisy compiled model's own basis: snapping may move entries this far (5 spreads)
LIVE_SIGMAS = 3.0  # `_live_units`: a unit's one read kept where it is this many noise spreads from 0
POOLED_ENTRIES = 100  # `_pooled_spreads`: a noisy matrix of fewer entries takes at least the pooled spread
NOISE_SIGMAS = 5.0  # entries within this many noise spreads (`_noise_sigma`) of 0 or a fraction snap to it
STRAY_CHANCE = 0.01  # `_zero_sigmas`: the chance that one entry of pure noise in a matrix survives snapping
ROUNDING_SPREADS = 200.0  # `snap`: a clean model's entries snap within this many of its rounding spreads
SNAP_FLOOR = 1e-6  # `snap`: and at least this far (relative to their matrix's largest entry)
SNAP_CHUNK = 4096  # `_snapped_values`: entries compared with every denominator at once
_WRITES = ("attn/linear/w", "mlp/linear_2/w")
_READS = ("attn/query/w", "attn/key/w", "attn/value/w", "mlp/linear_1/w")


class BasisError(ValueError):
    """The weights cannot be brought back to a one-hot basis (too noisy, mixed or compressed)."""


def is_one_hot(weights: ModelWeights) -> bool:
    """Compiled weights: embeddings of 0s and 1s, and the output a plain slice of the stream."""
    if weights.unembedding is not None:
        unembedding = np.asarray(weights.unembedding)
        plain = np.isin(unembedding, (0.0, 1.0)).all() and (unembedding.sum(axis=0) == 1).all()
        if not plain:
            return False
    return one_hot_embeddings(weights.params)


def one_hot_embeddings(params: dict) -> bool:
    """Embeddings of 0s and 1s, as Tracr compiles them: no change of residual basis, no noise."""
    return all(np.isin(np.asarray(params[name]), (0.0, 1.0)).all() for name in EMBEDDINGS)


NEAR_ONE_HOT_SLACK = 0.35  # a noisy compiled model's embeddings are this close to 0s and 1s (S up to ~0.08)


def _near_one_hot(weights: ModelWeights, slack: float = NEAR_ONE_HOT_SLACK) -> bool:
    """Embeddings within `slack` of 0s and 1s: a compiled model with noise added, in its own basis. Tracr's
    embeddings are 0s and 1s, and noise of S times their largest entry moves them by a few S; a change of
    basis spreads each row over many entries, far from 0 and 1 (rotated entries of a d_model of 16 have a
    spread of 0.25). Every row of Tracr's token embedding holds a 1 (its token's direction): a rotation
    of a wide stream spreads a row so thin (0.09 at a d_model of 224) that it rounds to 0s alone, within
    any slack."""
    for name in ("token_embed/embeddings", "pos_embed/embeddings"):
        value = np.asarray(weights.params[name], dtype=np.float64)
        rounded = np.round(value)
        if np.abs(value - rounded).max() >= slack or not set(np.unique(rounded)) <= {0.0, 1.0}:
            return False
        if name == "token_embed/embeddings" and not (rounded == 1.0).any(axis=1).all():
            return False
    return True


@dataclasses.dataclass
class Recovery:
    """A model brought back to a one-hot basis.

    `weights`: snapped, ordered, with residual labels (variables as `b{k}:{i}`);
    `unsnapped`: the same basis before snapping; `matrix`: the change of basis
    (given stream x becomes x @ matrix); `noise`: the largest snapping change,
    relative to its matrix's largest entry.
    """

    weights: ModelWeights
    unsnapped: ModelWeights
    matrix: np.ndarray
    noise: float

    @property
    def readout(self) -> ModelWeights:
        """The recovered weights with the given model's output read-out, snapped to 0s and 1s."""
        unembedding = np.round(self.unsnapped.unembedding).astype(np.float32)
        return dataclasses.replace(self.weights, unembedding=unembedding)


def _vectors(weights: ModelWeights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every residual vector the weights write or read, as rows, with a flag for reads and the scale
    (largest entry) of the matrix each came from."""
    rows, is_read, scales = [], [], []
    params = weights.params
    for name, value in params.items():
        value = np.asarray(value, dtype=np.float64)
        if value.ndim != 2:
            continue
        if name.endswith("embeddings") or name.endswith(_WRITES):
            vectors, read = value, False
        elif name.endswith(_READS):
            vectors, read = value.T, True
        else:
            continue
        scale = np.abs(value).max()
        for vector in vectors:
            rows.append(vector)
            is_read.append(read)
            scales.append(scale)
    if weights.unembedding is not None:
        for vector in np.asarray(weights.unembedding, dtype=np.float64).T:
            rows.append(vector)
            is_read.append(True)
            scales.append(np.abs(vector).max())
    return np.array(rows), np.array(is_read), np.array(scales)


def noise_level(weights: ModelWeights) -> float:
    """How far the embeddings' Gram matrices are from integers (0 for a rotated compiled model)."""
    worst = 0.0
    for name in ("token_embed/embeddings", "pos_embed/embeddings"):
        value = np.asarray(weights.params[name], dtype=np.float64)
        gram = value @ value.T
        worst = max(worst, float(np.abs(gram - np.round(gram)).max()))
    return worst


def orthonormal_atoms(weights: ModelWeights, tolerance: float) -> np.ndarray:
    """The basis directions (rows, orthonormal) of a rotated compiled model, by peeling (module docstring)."""
    raw, _, _ = _vectors(weights)
    norms = np.linalg.norm(raw, axis=1)
    raw = raw[norms > tolerance * max(norms.max(), 1e-12)]
    vectors = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    _, distinct = np.unique(np.round(vectors, 6), axis=0, return_index=True)  # many units write one atom
    vectors = vectors[np.sort(distinct)]
    d = weights.d_model
    atoms: list[np.ndarray] = []
    left = vectors @ vectors.T  # inner products of the vectors' residuals outside the atoms, kept up to date
    while len(atoms) < d:
        lengths = np.sqrt(np.maximum(np.diag(left), 0.0))
        keep = np.flatnonzero(lengths > tolerance)
        if not len(keep):
            break
        cosines = left[np.ix_(keep, keep)] / np.outer(lengths[keep], lengths[keep])
        support = (np.abs(cosines) > tolerance ** 0.5).sum(axis=1)
        parallel = (np.abs(cosines) > 1 - tolerance).sum(axis=1)
        ranked = np.lexsort((-parallel, support))
        # The vectors that no other one sees but those pointing the same way are atoms already, all at
        # once (the others' residuals do not move); else the one the fewest others see.
        isolated = ranked[support[ranked] == parallel[ranked]].tolist() or [int(ranked[0])]
        taken = np.zeros(len(keep), dtype=bool)
        for best in isolated:
            if taken[best] or len(atoms) == d:
                continue
            # Average the vectors that point the same way, to spread the noise.
            same = np.abs(cosines[best]) > 1 - tolerance
            taken |= same
            basis = np.array(atoms).reshape(-1, d)
            rows = vectors[keep[same]]
            directions = (rows - (rows @ basis.T) @ basis) / lengths[keep[same], None]
            atom = (directions * np.sign(cosines[best, same])[:, None]).mean(axis=0)
            atom -= (atom @ basis.T) @ basis
            atom /= np.linalg.norm(atom)
            atoms.append(atom)
            along = vectors @ atom
            left -= np.outer(along, along)
    if len(atoms) < d:  # directions nothing writes or reads: any completion will do
        basis = np.array(atoms).reshape(-1, d)
        _, _, vt = np.linalg.svd(basis, full_matrices=True)
        atoms += list(vt[len(atoms):])
    _, distinct = np.unique(np.round(raw, 4), axis=0, return_index=True)
    raw = raw[np.sort(distinct)]
    atoms = sparsest_rotation(raw, np.array(atoms), tolerance)
    atoms = _token_atoms(np.asarray(weights.params["token_embed/embeddings"], dtype=np.float64), raw, atoms,
                         tolerance)
    return polish(raw, atoms, tolerance)


def _snapped_array(values: np.ndarray, slack: np.ndarray) -> np.ndarray:
    """Each entry as the nearest fraction of small denominator within `slack`, else as it is."""
    out = values.copy()
    done = np.zeros(values.shape, dtype=bool)
    for denominator in (1, 2, 3, 4, 6, 8, 12):
        nearest = np.round(values * denominator) / denominator
        fits = ~done & (np.abs(values - nearest) <= slack)
        out[fits] = nearest[fits]
        done |= fits
    return out


def polish(vectors: np.ndarray, atoms: np.ndarray, tolerance: float, rounds: int = 3) -> np.ndarray:
    """Refits orthonormal atoms to all vectors at once (orthogonal Procrustes on the snapped
    coordinates), so that the noise of single vectors averages out."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    for _ in range(rounds):
        coordinates = vectors @ atoms.T
        clean = np.where(np.abs(coordinates) > tolerance * norms, coordinates, 0.0)
        clean = _snapped_array(clean, 10 * tolerance * np.maximum(np.abs(clean), 1.0))
        u, _, vt = np.linalg.svd(clean.T @ vectors)
        atoms = u @ vt
    return atoms


def _token_atoms(tokens: np.ndarray, vectors: np.ndarray, atoms: np.ndarray, tolerance: float) -> np.ndarray:
    """The input directions set as Tracr writes them: every token row is `tokens:v + one`.

    Sparsity alone cannot tell `one, tokens:0, tokens:1, tokens:2` from a Hadamard mix of them when
    a Map reads those tokens together, so within the directions the token rows touch, `one` is the
    unit vector with `one . row = 1` for every row (the least-norm solution plus the one direction the
    rows do not span, of either sign: the sparser wins) and `tokens:v = row - one`.
    """
    rows = tokens[np.linalg.norm(tokens, axis=1) > 0.5]
    touched = np.flatnonzero((np.abs(rows @ atoms.T) > 10 * tolerance).any(axis=0))
    if len(touched) != len(rows) + 1:
        return atoms
    span = atoms[touched]
    _, _, vt = np.linalg.svd(rows @ span.T)
    outside = vt[-1] @ span  # in the touched directions, orthogonal to every row
    inside = np.linalg.pinv(rows) @ np.ones(len(rows))
    rest = 1.0 - inside @ inside
    if rest < 0:
        return atoms
    best, best_cost = atoms, None
    for sign in (1.0, -1.0):
        one = inside + sign * np.sqrt(rest) * outside
        candidate = atoms.copy()
        candidate[touched] = np.vstack([one, rows - one])
        if np.abs(candidate @ candidate.T - np.eye(len(atoms))).max() > 1e3 * tolerance:
            continue
        cost = _cost(vectors @ candidate.T, np.linalg.norm(vectors, axis=1), tolerance).sum()
        if best_cost is None or cost < best_cost:
            best, best_cost = candidate, cost
    return best


def _unclean(coordinates: np.ndarray, norms: np.ndarray, tolerance: float) -> np.ndarray:
    """Per column: whether some coordinate is neither clearly 0 nor a fraction of small denominator
    (`_cost`'s terms)."""
    size = np.abs(coordinates) / (tolerance * norms[:, None])
    return (((size >= 1) & ~_nice(coordinates, tolerance)) | ((size > 0.1) & (size < 1))).any(axis=0)


def _nice(coordinates: np.ndarray, tolerance: float) -> np.ndarray:
    """Per entry: whether it is a fraction of small denominator (Tracr's weights are such fractions)."""
    slack = tolerance / 100 * np.maximum(np.abs(coordinates), 1.0)
    nice = np.zeros(coordinates.shape, dtype=bool)
    for denominator in (1, 2, 3, 4, 6, 8, 12):
        nice |= np.abs(coordinates * denominator - np.round(coordinates * denominator)) <= slack * denominator
    return nice


def _cost(coordinates: np.ndarray, norms: np.ndarray, tolerance: float) -> np.ndarray:
    """Per column: the non-zero coordinates (linear below `tolerance` of the vector's norm), plus half a
    point for each that is no fraction of small denominator (Tracr's weights are such fractions)."""
    size = np.abs(coordinates) / (tolerance * norms[:, None])
    nonzero = np.minimum(size, 1.0)
    return (nonzero + 0.5 * (size >= 1) * ~_nice(coordinates, tolerance)).sum(axis=0)


def sparsest_rotation(vectors: np.ndarray, atoms: np.ndarray, tolerance: float, sweeps: int = 6
                      ) -> np.ndarray:
    """Jacobi sweeps: turns each pair of atoms within their plane to the angle that makes the most
    coordinates zero (and, on a tie, small fractions).

    Greedy peeling can take a sum of two directions for a direction (`tokens:0 + tokens:1`, read
    together by a Map, before either is seen alone); in the plane of the two wrong atoms one angle
    zeroes more coordinates. The angles tried are those that put one vector on an axis.
    """
    atoms = atoms.copy()
    norms = np.linalg.norm(vectors, axis=1)
    for _ in range(sweeps):
        changed = False
        coordinates = vectors @ atoms.T
        touched = np.abs(coordinates) > tolerance * norms[:, None]
        # A turn of two atoms on which every vector has a small fraction (or 0) would give some vector an
        # irrational coordinate: only pairs with an atom that is not yet clean are tried.
        unclean = _unclean(coordinates, norms, tolerance)
        together = touched.T.astype(np.int64) @ touched.astype(np.int64) > 0  # some vector on both
        pairs = np.argwhere(np.triu(together, 1) & (unclean[:, None] | unclean[None, :]))
        for i, j in pairs.tolist():
            a, b = vectors @ atoms[i], vectors @ atoms[j]
            both = (np.abs(a) > tolerance * norms) & (np.abs(b) > tolerance * norms)
            if not both.any():
                continue
            angles = np.unique(np.round(np.mod(np.arctan2(b[both], a[both]), np.pi / 2), 12))
            angles = np.concatenate([[0.0], angles, np.mod(angles + np.pi / 4, np.pi / 2)])
            cos, sin = np.cos(angles), np.sin(angles)
            # Vectors (almost) off the plane cost the same at every angle: only the others are weighed.
            seen = (np.abs(a) > 1e-3 * tolerance * norms) | (np.abs(b) > 1e-3 * tolerance * norms)
            a, b, lengths = a[seen], b[seen], norms[seen]
            first = np.outer(a, cos) + np.outer(b, sin)
            second = -np.outer(a, sin) + np.outer(b, cos)
            cost = _cost(first, lengths, tolerance) + _cost(second, lengths, tolerance)
            best = int(np.argmin(cost))
            if best and cost[best] < cost[0] - 0.25:
                atoms[i], atoms[j] = (cos[best] * atoms[i] + sin[best] * atoms[j],
                                      -sin[best] * atoms[i] + cos[best] * atoms[j])
                changed = True
        if not changed:
            break
    return atoms


def _snapped_values(value: np.ndarray, tolerance: float, largest: int = SNAP_DENOMINATOR,
                    spread: float = 0.0, zero: float | None = None) -> np.ndarray:
    """Each entry within `zero` (else `tolerance`) of 0 becomes 0, else within `tolerance` of a fraction
    k/q (the smallest q up to `largest`) that fraction; others stay, or, under noise of standard deviation
    `spread`, those that repeat one value take it (`_cluster_snapped`)."""
    zero = tolerance if zero is None else zero
    out = np.where(np.abs(value) > zero, value, 0.0).ravel()  # in C order: reshaped back below
    places = np.flatnonzero(out)  # the entries not yet snapped, and their values
    entries = out[places]
    if largest >= 1:  # most entries of a compiled model are integers: those first, alone
        whole = np.round(entries)
        near = np.abs(entries - whole) <= tolerance
        out[places[near]] = whole[near].astype(np.float32)
        places, entries = places[~near], entries[~near]
    denominators = np.arange(2, largest + 1, dtype=np.float64)
    rest = np.ones(len(places), dtype=bool)  # entries no denominator fits
    for start in range(0, len(places) if len(denominators) else 0, SNAP_CHUNK):  # the rest: every q at once
        part = entries[start:start + SNAP_CHUNK, None]
        fractions = np.round(part * denominators) / denominators
        near = np.abs(part - fractions) <= tolerance
        found = near.any(axis=1)
        smallest = near.argmax(axis=1)  # the smallest denominator that fits
        rows = np.flatnonzero(found)
        out[places[start + rows]] = fractions[rows, smallest[rows]].astype(np.float32)
        rest[start + rows] = False
    places, entries = places[rest], entries[rest]
    if spread > 0 and len(places) > 1:
        out[places] = _cluster_snapped(entries, spread)
    return out.reshape(np.shape(value))


def _zero_sigmas(size: int) -> float:
    """How many noise spreads from 0 a matrix's entries of pure noise all stay within (but for a chance of
    `STRAY_CHANCE`), at least `NOISE_SIGMAS`: the largest of n Gaussian draws grows as sqrt(2 ln n), and
    in a 486 x 392 MLP matrix some draw passes 5 spreads about one time in ten. One that stays is read as
    a read or write of its direction."""
    from statistics import NormalDist

    return max(NOISE_SIGMAS, -NormalDist().inv_cdf(STRAY_CHANCE / (2 * max(size, 1))))


def _cluster_snapped(entries: np.ndarray, spread: float) -> np.ndarray:
    """Noisy entries (noise of standard deviation `spread` each) that no grid snapped: where several lie
    together (sorted, no gap above four spreads, no wider than Gaussian noise of that many draws), they are
    one value plus noise, and their mean, known to within spread / sqrt(n), is snapped to the nearest
    small fraction within three of that, on a grid at least eight of those coarse (else every mean is
    near some fraction); the others stay as they are. Noise too large for a fraction grid
    of single entries (a compiled MLP's 1s at noise of 3%) is then removed from values that repeat."""
    out = entries.copy()
    order = np.argsort(entries)
    ordered = entries[order]
    breaks = np.flatnonzero(np.diff(ordered) > 4 * spread) + 1
    for members in np.split(order, breaks):
        if len(members) < 2:
            continue
        values = entries[members]
        if values.max() - values.min() > 2 * spread * np.sqrt(2 * np.log(len(members))) + 2 * spread:
            continue  # wider than noise: more than one value
        mean, error = float(values.mean()), 3 * spread / np.sqrt(len(members))
        for denominator in range(1, min(SNAP_DENOMINATOR, int(1 / (8 * error))) + 1):  # grids, as `snap`'s
            fraction = round(mean * denominator) / denominator
            if abs(mean - fraction) <= error:
                out[members] = fraction
                break
    return out


def _noise_sigma(value: np.ndarray) -> float:
    """The spread of a sparse matrix's near-zero entries (most of a compiled matrix is 0): 1.4826 times
    their median size, a robust estimate of added noise; 0 for a clean matrix.

    Near zero means within 5% of the largest entry, or four spreads where that is more: a fixed cut below
    the noise cuts into the noise itself and the median comes out low (at noise of 4% of the largest
    entry, by a fifth). The cut starts at 15% (a matrix with fewer than half its entries there is
    dense) and moves to the larger of the two until the estimate settles. A dense matrix (a TRUE
    selector's queries over a large vocabulary: half its entries are its largest) takes the spread of its
    entries near 0 and near its largest size together (`_dense_sigma`)."""
    if value.size < 8:
        return 0.0
    size = np.abs(value).ravel()
    largest = size.max()
    cut, sigma = 0.15 * largest, 0.0
    for _ in range(8):
        small = size[size <= cut]
        if len(small) < size.size / 2:
            return sigma or _dense_sigma(size, largest)
        sigma = 1.4826 * _median(small)
        following = max(0.05 * largest, 4 * sigma)
        if abs(following - cut) <= 0.01 * cut:
            break
        cut = following
    return sigma


def _median(values: np.ndarray) -> float:
    """The median by one partial sort (np.median's, without its overhead)."""
    half = len(values) // 2
    middle = np.partition(values, [half - 1, half] if len(values) % 2 == 0 else [half])
    return float((middle[half - 1] + middle[half]) / 2 if len(values) % 2 == 0 else middle[half])


def _dense_sigma(size: np.ndarray, largest: float) -> float:
    """`_noise_sigma` of a dense matrix (entry sizes `size`): 1.4826 times the median distance of its
    entries from 0 or from the median of those near its largest size (within 15% of either; the largest
    itself is a noisy entry), where those are at least half of them; else 0 (dense with many values)."""
    top = size[size >= 0.85 * largest]
    near = np.concatenate([size[size <= 0.15 * largest], np.abs(top - _median(top))])
    return 1.4826 * _median(near) if len(near) >= size.size / 2 else 0.0


def _integer_spread(value: np.ndarray, scale: float, relative: float) -> float:
    """The spread (1.4826 x median, relative to `scale`) of how far the entries within `relative` of a
    non-zero integer stand from it; 0 where fewer than eight are. A matrix whose 0s are exact (a lifted
    compressed model's) shows its rounding only there."""
    whole = np.round(value)
    deviation = np.abs(value - whole)
    near = deviation[(whole != 0) & (deviation <= relative * scale)]
    return 1.4826 * float(np.median(near)) / scale if len(near) >= 8 else 0.0


def _clean_tolerance(matrices: dict[str, tuple[np.ndarray, float, float]], relative: float) -> float:
    """`snap`'s tolerance (relative) for a model whose every matrix is clean: `ROUNDING_SPREADS` times the
    largest spread of its rounding (of near-zero entries, `_noise_sigma`, and of near-integer ones,
    `_integer_spread`; float32 rounding through a change of basis leaves about 1e-8), at least
    `SNAP_FLOOR`, at most `relative`. `relative` alone is far above rounding, and a table value (a
    numerical Map's sin(x) + 1) that happens to lie that close to a fraction k/q (q up to 64: about one in
    forty at 1e-5) would snap to it and be read as another program."""
    level = max((max(sigma / scale, _integer_spread(value, scale, relative))
                 for value, scale, sigma in matrices.values() if scale), default=0.0)
    return min(relative, max(ROUNDING_SPREADS * level, SNAP_FLOOR))


def snap(weights: ModelWeights, relative: float, whole: bool = False) -> tuple[ModelWeights, float]:
    """Entries within a tolerance of 0 become 0, the others the nearest small fraction within it; returns
    the weights and the largest change made (relative). The tolerance, relative to each matrix's
    largest entry, is `relative` or, where the model is clean, its rounding (`_clean_tolerance`); noise
    sets it in a noisy matrix. `whole`: integers snap in a matrix too noisy for any grid (a second
    guess: see `readings`)."""
    params, worst = {}, 0.0
    matrices = {}
    for name, value in weights.params.items():
        value = np.asarray(value, dtype=np.float64)
        scale = float(np.abs(value).max()) if value.size else 0.0
        matrices[name] = (value, scale, _noise_sigma(value) if scale else 0.0)
    matrices = _pooled_spreads(matrices)
    clean = _clean_tolerance(matrices, relative)
    for name, (value, scale, sigma) in matrices.items():
        if not scale:  # all 0s (a layer without heads or MLP): nothing to snap
            params[name] = value.astype(np.float32)
            continue
        noise = NOISE_SIGMAS * sigma
        # Within a tolerance set by noise, only fractions on a grid far coarser than it are told apart (a
        # quarter of the entries off the grid, or fewer, would fall near it): on a finer grid every entry
        # is near some fraction (a bias -5.28 would become -5.5, not -5.25). Else only 0s snap.
        noisy = noise > relative * scale
        coarse = min(SNAP_DENOMINATOR, int(1 / (8 * noise))) if noisy else SNAP_DENOMINATOR
        coarse = max(coarse, 1) if whole else coarse
        tolerance = min(max((relative if noisy else clean) * scale, noise), 0.5 * scale)
        if noisy and name in EMBEDDINGS:  # Tracr's embeddings are 0s and 1s: noisy ones are rounded
            coarse, tolerance = 1, 0.5
        zero = min(max(tolerance, _zero_sigmas(value.size) * sigma), 0.5 * scale) if noisy else tolerance
        snapped = _snapped_values(value, tolerance, coarse, noise / NOISE_SIGMAS if noisy else 0.0, zero)
        worst = max(worst, float(np.abs(snapped - value).max()) / scale)
        params[name] = snapped.astype(np.float32)
    for name in params:
        if name.endswith("mlp/linear_1/w"):
            params[name] = _live_units(weights.params[name], params[name],
                                       params[name.replace("linear_1", "linear_2")])
    unembedding = weights.unembedding
    if unembedding is not None:
        unembedding = np.round(np.asarray(unembedding, dtype=np.float64)).astype(np.float32)
    return dataclasses.replace(weights, params=params, unembedding=unembedding), worst


def _pooled_spreads(matrices: dict[str, tuple[np.ndarray, float, float]]
                    ) -> dict[str, tuple[np.ndarray, float, float]]:
    """`snap`'s (matrix, scale, noise spread) with the spread of a noisy matrix of few entries at least the
    pooled one: noise on a compiled model is relative to each matrix's largest entry (`trade.transform.
    add_noise`), and from a few dozen entries a median misses the spread by a third (a query of 32
    entries read 0.53 for 0.77, and a 3.8-spread entry stayed a read of `indices`). The pooled spread
    is the median of the noisy matrices' relative spreads, weighted by their entries, where together
    they hold `POOLED_ENTRIES` or more."""
    noisy = [(sigma / scale, value.size) for value, scale, sigma in matrices.values() if scale and sigma]
    if sum(size for _, size in noisy) < POOLED_ENTRIES:
        return matrices
    spreads, sizes = np.array(sorted(noisy)).T
    pooled = float(spreads[np.searchsorted(np.cumsum(sizes), sizes.sum() / 2)])
    return {name: (value, scale, max(sigma, pooled * scale) if sigma and value.size < POOLED_ENTRIES
                   else sigma) for name, (value, scale, sigma) in matrices.items()}


def _live_units(given: np.ndarray, snapped: np.ndarray, written: np.ndarray) -> np.ndarray:
    """An MLP's first layer, snapped, with each hidden unit that writes something (its snapped row of the
    second layer) reading something: Tracr has no unit that reads nothing and writes. A unit's small
    entries (the bias of 1 of a discretising layer's constant unit, beside slopes of hundreds) fall
    below a noisy matrix's snapping tolerance; its largest given entry, rounded to an integer, is kept
    where it stands out of the noise (`LIVE_SIGMAS` spreads) in the direction most units read (the bias
    of `one`). Some units do read nothing: a SequenceMap of one SOp with itself has units for pairs no
    input gives, which write; a column of noise alone has its largest entry there and that large in
    about one of a thousand."""
    if np.shape(snapped)[1] != np.shape(written)[0]:  # not an MLP's pair of layers: nothing to pair up
        return snapped
    dead = ~np.abs(snapped).any(axis=0) & np.abs(written).any(axis=1)
    if not dead.any():
        return snapped
    out = np.array(snapped, dtype=np.float32)
    given = np.asarray(given, dtype=np.float64)
    sigma = _noise_sigma(given)
    bias = int(np.count_nonzero(snapped, axis=1).argmax())
    for unit in np.flatnonzero(dead):
        row = int(np.abs(given[:, unit]).argmax())
        value = given[row, unit]
        if row == bias and abs(value) >= max(LIVE_SIGMAS * sigma, 0.5):
            out[row, unit] = np.sign(value) * max(1.0, float(np.round(abs(value))))
    return out


def _in_basis(weights: ModelWeights, atoms: np.ndarray) -> ModelWeights:
    """The weights with the stream expressed on `atoms` (rows): x becomes x @ inv(atoms)."""
    from trade.transform import change_basis

    moved = change_basis(weights, np.linalg.inv(atoms), {})
    params = {name: np.asarray(value, dtype=np.float64) for name, value in moved.params.items()}
    return dataclasses.replace(moved, params=params, transform=weights.transform,
                               unembedding=np.asarray(moved.unembedding, dtype=np.float64))


def _sign_and_order(weights: ModelWeights, atoms: np.ndarray) -> tuple[np.ndarray, int, ModelWeights]:
    """Atoms signed so that reads are positive (else writes, else the values a run shows), ordered as Tracr
    orders the residual stream; with the number of input directions (first) and the weights in that basis."""
    from trade.verify import token_ids_for

    moved = _in_basis(weights, atoms)
    params = moved.params
    reads = sum(np.asarray(params[name]).sum(axis=1) for name in params if name.endswith(_READS))
    if moved.unembedding is not None:
        reads = reads + moved.unembedding.sum(axis=1)
    writes = sum(np.asarray(params[name]).sum(axis=0) for name in params if name.endswith(_WRITES))
    embedded = params["token_embed/embeddings"].sum(axis=0) + params["pos_embed/embeddings"].sum(axis=0)
    # Embeddings write +1 (`one` is read negatively, by MLP biases); other directions are read positively.
    # Else by what is written, and where that is no guide either, by a run of the model.
    unsigned = (np.abs(embedded) <= 0.5) & (np.abs(reads) <= 0.5) & (np.abs(writes) <= 0.5)
    # Reads and writes that disagree where only lookups read: a categorical direction read only by a lookup
    # into a numerical Map with a negative value there (its weight is the value) is still written +1. A
    # run shows which: a categorical direction holds 0 or 1. (Elsewhere reads decide: a SelectorWidth's
    # count 0, read positively, is written +1 by one unit and -1 by the others.)
    disagree = (np.abs(embedded) <= 0.5) & (np.abs(reads) > 0.5) & (np.abs(writes) > 0.5) & \
        (np.sign(reads) != np.sign(writes))
    if disagree.any():
        disagree &= np.abs(reads - _lookup_reads(params, moved.num_layers)) <= 0.5
    shown, zero_or_one = _largest_activation(weights, atoms, unsigned | disagree)
    reads = np.where(disagree & zero_or_one, shown, reads)
    signs = np.where(np.abs(embedded) > 0.5, np.sign(embedded),
                     np.where(np.abs(reads) > 0.5, np.sign(reads),
                              np.where(np.abs(writes) > 0.5, np.sign(writes),
                                       np.where(np.abs(shown) > 0.5, np.sign(shown),
                                                np.where(writes < 0, -1.0, 1.0)))))
    # The inputs by the signed embeddings; the groups and keys below ask only which entries are significant,
    # which signs do not change, so the weights are signed and ordered by one move at the end.
    index_dims, one, token_dims = _input_dims({name: params[name] * signs for name in EMBEDDINGS})
    fixed = index_dims + one[:1] + token_dims
    rest = [j for j in range(atoms.shape[0]) if j not in fixed]
    bos_row = token_ids_for(moved.compile_config)[moved.compile_config.compiler_bos]
    bookkeeping = set(one[:1]) | ({token_dims[bos_row]} if bos_row < len(token_dims) else set())
    group = _mlp_groups(params, moved.num_layers, bookkeeping)
    keys = _writer_keys(params, moved.num_layers, moved.key_size, group)
    rest.sort(key=lambda j: keys[j])
    order = fixed + rest
    return (atoms * signs[:, None])[order], len(fixed), _permuted(moved, order, signs[order])


def _lookup_reads(params: dict, layers: int, slack: float = 1e-3) -> np.ndarray:
    """Per direction, the sum of its reads by MLP units of Tracr's categorical-to-numerical lookup: a unit
    that reads several directions (a variable's values, weighted by the Map's value of each) and not
    `one` (the direction every token's embedding writes), which a sign says nothing about."""
    tokens = np.asarray(params["token_embed/embeddings"], dtype=np.float64)
    rows = tokens[np.abs(tokens).max(axis=1) > 0]
    every = np.flatnonzero((np.abs(rows) > 0.5).all(axis=0)) if len(rows) > 1 else []
    one = int(every[0]) if len(every) == 1 else None
    found = np.zeros(tokens.shape[1])
    for layer in range(layers):
        first = np.asarray(params[f"transformer/layer_{layer}/mlp/linear_1/w"], dtype=np.float64)
        read = np.abs(first) > slack * np.maximum(np.abs(first).max(axis=0, keepdims=True), 1e-12)
        lookups = (read.sum(axis=0) >= 2) & ~_reads_one(first, one)
        found += first[:, lookups].sum(axis=1)
    return found


def _input_dims(params: dict) -> tuple[list[int], list[int], list[int]]:
    """The input directions of a one-hot stream, as its embeddings write them: `indices` (position rows
    1..), `one` (every token row), `tokens` (one token row each)."""
    tokens, positions = params["token_embed/embeddings"], params["pos_embed/embeddings"]
    one = np.flatnonzero(np.all(np.abs(tokens - 1) < 0.1, axis=0)).tolist()
    index_dims, token_dims = [], []
    for row in np.abs(positions - 1) < 0.1:
        index_dims += [j for j in np.flatnonzero(row).tolist() if j not in index_dims]
    for row in np.abs(tokens - 1) < 0.1:
        token_dims += [j for j in np.flatnonzero(row).tolist() if j not in one + token_dims]
    return index_dims, one, token_dims


def _largest_activation(weights: ModelWeights, atoms: np.ndarray, wanted: np.ndarray, max_length: int = 3,
                        max_inputs: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Per direction (0 where not `wanted`), its value of largest size in the final residual stream, on
    every input up to `max_length` tokens (a categorical direction is 0 or 1); where those are more than
    `max_inputs` (a vocabulary of 40 has 65,640), on every single token and a seeded sample of the rest.
    With, per direction, whether every value shown is 0 or that largest one, of size 1 (as a categorical
    direction's). Run in float32: only whether it is above 1/2 in size, and its sign, are asked."""
    from trade.program.interpret import all_inputs, input_space_size, random_inputs
    from trade.verify import run_weights_rows

    largest, zero_or_one = np.zeros(atoms.shape[0]), np.zeros(atoms.shape[0], dtype=bool)
    if not wanted.any():
        return largest, zero_or_one
    inverse = np.linalg.inv(atoms)[:, wanted]
    config = weights.compile_config
    length = min(max_length, config.max_seq_len)
    if input_space_size(len(config.vocab), length) > max_inputs:  # single tokens (all made only where few)
        batches = all_inputs(config.vocab, 1) + random_inputs(config.vocab, length, max_inputs,
                                                              np.random.default_rng(0))
    else:
        batches = all_inputs(config.vocab, length)
    values = run_weights_rows(weights, batches, np.float32) @ inverse
    largest[wanted] = values[np.abs(values).argmax(axis=0), np.arange(inverse.shape[1])]
    size, both_signs = np.abs(values), (values > 0.5).any(axis=0) & (values < -0.5).any(axis=0)
    zero_or_one[wanted] = ((size < 0.05) | (np.abs(size - 1) < 0.05)).all(axis=0) & \
        (np.abs(np.abs(largest[wanted]) - 1) < 0.05) & ~both_signs
    return largest, zero_or_one


def _mlp_groups(params: dict, layers: int, bookkeeping: set[int]) -> dict[int, int]:
    """Per direction an MLP writes: the first neuron of the group of directions its neurons write
    together (a SelectorWidth's or a discretising MLP's steps write two values of one variable), leaving
    out neurons that read only `one` or BOS (a BOS cleaner two SelectorWidths share)."""
    group: dict[int, int] = {}
    for layer in range(layers):
        first = params[f"transformer/layer_{layer}/mlp/linear_1/w"]
        second = params[f"transformer/layer_{layer}/mlp/linear_2/w"]
        parent: dict[int, int] = {}

        def find(dim: int) -> int:
            while parent.setdefault(dim, dim) != dim:
                dim = parent[dim]
            return dim

        writes, read_by = _significant_entries(second), _significant_entries(first).T
        writes[:, list(group)] = False  # directions an earlier layer writes are grouped there
        outside = np.ones(read_by.shape[1], dtype=bool)
        outside[list(bookkeeping)] = False
        live = writes.any(axis=1) & ~(read_by.any(axis=1) & ~read_by[:, outside].any(axis=1))
        writes &= live[:, None]
        written_by = writes.any(axis=0)
        start = dict(zip(np.flatnonzero(written_by).tolist(), writes.argmax(axis=0)[written_by].tolist()))
        for unit in np.flatnonzero(writes.sum(axis=1) > 1).tolist():
            written = np.flatnonzero(writes[unit]).tolist()
            for dim in written[1:]:
                parent[find(dim)] = find(written[0])
        roots: dict[int, int] = {}
        for dim, unit in start.items():
            root = find(dim)
            roots[root] = min(roots.get(root, unit), unit)
        for dim in start:
            group[dim] = roots[find(dim)]
    return group


def _significant(vector: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.abs(vector) > 1e-3 * max(float(np.abs(matrix).max()), 1e-12))


def _significant_entries(matrix: np.ndarray) -> np.ndarray:
    """`_significant` for every entry of `matrix` at once (its largest entry found once)."""
    size = np.abs(np.asarray(matrix))
    return size > 1e-3 * max(float(size.max(initial=0.0)), 1e-12)


def _first_significant(matrices: list[np.ndarray], rows: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per residual direction (a row of each matrix, or a column where not `rows`): the index of the first
    matrix with a significant entry for it (`_significant`; len(matrices) where none) and that entry's
    first unit."""
    d = matrices[0].shape[0 if rows else 1] if matrices else 0
    which, unit = np.full(d, len(matrices)), np.zeros(d, dtype=int)
    for k, matrix in enumerate(matrices):
        significant = _significant_entries(matrix if rows else np.asarray(matrix).T)
        new = significant.any(axis=1) & (which == len(matrices))
        unit[new] = significant[new].argmax(axis=1)
        which[new] = k
    return which, unit


def _first_writes(params: dict, layers: int) -> list[tuple[int, int, int] | None]:
    """Per direction, (layer, attention 0 / MLP 1, unit) of the first row that writes it; None where
    nothing does."""
    matrices = [params[f"transformer/layer_{layer}/{part}"] for layer in range(layers)
                for part in ("attn/linear/w", "mlp/linear_2/w")]
    which, units = _first_significant(matrices, rows=False)
    return [None if k == len(matrices) else (*divmod(k, 2), unit)
            for k, unit in zip(which.tolist(), units.tolist())]


def _writer_keys(params: dict, layers: int, key_size: int, group: dict[int, int]) -> list[tuple]:
    """Per direction, where it is first written: (layer, attention 0 / MLP 1, head, first unit of its
    group). Tracr concatenates a layer's MLPs, so one variable's neurons are contiguous."""
    return [(layers, 2, 0, dim) if first is None else
            (first[0], 1, group.get(dim, first[2]), first[2]) if first[1] else
            (first[0], 0, first[2] // key_size, first[2])
            for dim, first in enumerate(_first_writes(params, layers))]


def _value_keys(weights: ModelWeights) -> list[tuple]:
    """Per direction, its place within its variable: by the output read-out, else by the first hidden unit
    or head dimension that reads it (a change of residual basis keeps those in Tracr's value order)."""
    parts = ("mlp/linear_1/w", "attn/value/w", "attn/key/w", "attn/query/w")
    matrices = [weights.params[f"transformer/layer_{layer}/{part}"] for layer in range(weights.num_layers)
                for part in parts]
    which, units = _first_significant(matrices, rows=True)
    out = None if weights.unembedding is None else np.abs(np.asarray(weights.unembedding, dtype=np.float64))
    keys = []
    for dim, (k, unit) in enumerate(zip(which.tolist(), units.tolist())):
        if out is not None and out[dim].max(initial=0.0) > 0.5:
            keys.append((0, int(np.argmax(out[dim])), 0))
        else:
            keys.append((2, dim, 0) if k == len(matrices) else (1, *divmod(k, len(parts)), unit))
    return keys


def _first_writers(weights: ModelWeights) -> list[tuple]:
    """Per direction, (layer, head dimension or MLP unit) of the first row that writes it."""
    layers = weights.num_layers
    return [(layers, 0, dim) if first is None else first
            for dim, first in enumerate(_first_writes(weights.params, layers))]


def _lookup_units(weights: ModelWeights, one: int | None = None) -> dict[int, tuple[int, int]]:
    """The directions that one MLP unit alone writes, and that unit nothing else: (layer, unit) of each.

    Tracr's categorical Map has the output space as its hidden layer, in the order of the output's
    values (`map_categorical_mlp`: a lookup into the output directions, then their projection), so its
    units give its values' order. What reads the values may not: a Map of them groups them by its own
    outputs, which is not their order. A categorical SequenceMap's units are its input pairs (in their
    order, not its values'), each reading `one` (index `one`) for its bias of -1: an injective one writes
    each value from one unit too, and is left out."""
    writers = np.zeros(weights.d_model, dtype=int)
    for layer in range(weights.num_layers):
        heads = weights.params[f"transformer/layer_{layer}/attn/linear/w"]
        writers += _significant_entries(heads).sum(axis=0)
    single: dict[int, tuple[int, int]] = {}
    for layer in range(weights.num_layers):
        written = _significant_entries(weights.params[f"transformer/layer_{layer}/mlp/linear_2/w"])
        writers += written.sum(axis=0)
        pairs = _reads_one(weights.params[f"transformer/layer_{layer}/mlp/linear_1/w"], one)
        for unit in np.flatnonzero((written.sum(axis=1) == 1) & ~pairs).tolist():
            single[int(np.argmax(written[unit]))] = (layer, unit)
    return {dim: unit for dim, unit in single.items() if writers[dim] == 1}


def _reads_one(first: np.ndarray, one: int | None) -> np.ndarray:
    """Per unit of an MLP's first layer, whether it reads `one` (row `one`), each unit by its own scale:
    a categorical SequenceMap's units do (their bias of -1), a categorical Map's do not."""
    first = np.abs(np.asarray(first))
    if one is None:
        return np.zeros(first.shape[1], dtype=bool)
    return first[one] > 1e-3 * first.max(axis=0, initial=0.0)


def _reader_order(weights: ModelWeights, dims: list[int], one: int | None) -> list[int] | None:
    """One variable's directions in the order of the first matrix that reads every one of them, each first
    at its own unit: a head's value or key dimensions (Tracr keeps a space's value order there), or the
    units of categorical SequenceMaps (input pairs in value order, each reading `one`, index `one`, for
    its bias). Taking each value's first reader alone mixes readers: a numerical Map that reads one value
    of three put it first. None where no matrix reads them so: a Map's units are its own values in their
    order, not its input's, and a query's dimensions are the keys each value selects."""
    for layer in range(weights.num_layers):
        for part in ("mlp/linear_1/w", "attn/value/w", "attn/key/w"):
            matrix = np.abs(np.asarray(weights.params[f"transformer/layer_{layer}/{part}"], dtype=np.float64))
            if part.startswith("mlp"):
                matrix = matrix[:, _reads_one(matrix, one)]  # the SequenceMaps' units
            if not matrix.size:
                continue
            read = matrix[dims] > 1e-3 * max(float(matrix.max()), 1e-12)
            if not read.any(axis=1).all():
                continue
            first = read.argmax(axis=1)
            if len(set(first.tolist())) == len(dims):
                return [dims[i] for i in np.argsort(first, kind="stable")]
    return None


def _value_order(dims: list[int], value_keys: list[tuple], first_writers: list[tuple]) -> list[int]:
    """One variable's directions in Tracr's value order: by what reads them (`_value_keys`). A value that
    nothing reads (`x - 1` of index 0, where no key is -1) has no place there; where the rows that write
    the values order the read ones as their readers do, that order places the unread ones too (a Map's
    units follow its sorted inputs, so an increasing Map writes its values in order)."""
    by_reader = sorted(dims, key=lambda j: value_keys[j])
    unread = [j for j in dims if value_keys[j][0] == 2]
    if not unread or len(unread) == len(dims):
        return by_reader
    by_writer = sorted(dims, key=lambda j: first_writers[j])
    if [j for j in by_writer if j not in unread] == [j for j in by_reader if j not in unread]:
        return by_writer
    return by_reader


def readings(weights: ModelWeights) -> list[str | None]:
    """The bases `recover` can find for a model, in the order `decompile_transformed` tries them (None: the
    default one): noise on a compiled model has its own basis only, snapped twice: as the noise allows
    (`snap`), then with integers taken in every matrix (`OWN_WHOLE`). At noise of 8%, single entries
    take no grid and only values that repeat are snapped: three 1s of a small lookup, read as 0.82, 1.03
    and 0.99, stayed so and the reading failed. The given model judges either reading. A rotation has
    its orthonormal basis and the bases of any invertible change (`oblique_atoms`, one per rule of
    `SHEAR_RULES`); any other change has the latter. A rotation without noise is read first as any
    invertible change: that basis is found in less time, and the orthonormal one is tried next where its
    reading is not `exact`.
    Embeddings that round to a compiled model's but are further from it than `_near_one_hot` allows (noise
    of 15%, which categorical MLPs survive) are read in their own basis last (`OWN_READING`)."""
    if _near_one_hot(weights):  # then its integers snapped where the noise allows no grid
        return [None, OWN_WHOLE]
    level = noise_level(weights)
    if level > ORTHONORMAL_LEVEL:
        found: list[str | None] = list(SHEAR_RULES)
    else:
        found = [SHEAR_RULES[0], None, *SHEAR_RULES[1:]] if level <= CLEAN_LEVEL else [None, *SHEAR_RULES]
    if _near_one_hot(weights, slack=0.5):  # noise of ~15%: some entries round wrong, but most may not
        found.append(OWN_READING)
    return found


def recover(weights: ModelWeights, max_noise: float = 0.05, shears: str | None = None,
            states: Callable[[], np.ndarray] | None = None) -> Recovery:
    """The model in a recovered one-hot basis (module docstring); raises BasisError where it cannot be.
    `shears`: the basis of any invertible change of basis, with this rule for shears (one of
    `SHEAR_RULES`; `oblique_atoms`), even for a rotation, or `OWN_READING` (the model's own basis); None:
    the basis for the kind of model. `states`: gives the model's `_states` (the bases of one model share
    that run of its inputs)."""

    if _compressed(weights):
        raise BasisError("a compressed residual stream has fewer directions than the one-hot basis")
    level, own = noise_level(weights), shears in (OWN_READING, OWN_WHOLE) or \
        (shears is None and _near_one_hot(weights))
    if own:  # noise on a compiled model: its own basis, snapped by each matrix's noise (`snap`)
        tolerance, atoms = 1e-4, np.eye(weights.d_model)
    elif level <= ORTHONORMAL_LEVEL and shears is None:
        tolerance = float(np.clip(10 * level, 1e-4, 0.2))
        atoms = orthonormal_atoms(weights, tolerance)
    else:  # the embeddings' inner products are not integers: not a rotation
        atoms = oblique_atoms(weights, OBLIQUE_TOLERANCE, shears or SHEAR_RULES[0], states)
        tolerance = 1e-4  # snapping: float32 rounding is far below, a bias of 1 beside slopes of 1e3 above
    if np.linalg.cond(atoms / np.linalg.norm(atoms, axis=1, keepdims=True)) > RECOVERED_CONDITION:
        raise BasisError("the recovered directions are not independent")
    if own:  # already in Tracr's order and signs, which noisy weights would only blur
        try:
            atoms, (unsnapped, snapped, labels, change) = _own_order(weights, tolerance, shears == OWN_WHOLE)
        except BasisError:
            own = False
    if not own:
        atoms, (unsnapped, snapped, labels, change) = _signed_and_ordered(weights, atoms, tolerance)
    named, order = value_labels(snapped, labels, unsnapped.unembedding, weights.output_values)
    atoms, snapped, unsnapped = atoms[order], _permuted(snapped, order), _permuted(unsnapped, order)
    labels = [named[dim] for dim in order]
    limit = OWN_MAX_NOISE if own else max_noise
    if change > limit:
        raise BasisError(f"the weights are {change:.2g} (of their matrix's scale) from any one-hot model: "
                         f"beyond the noise TraDe can remove ({limit:g})")
    snapped = dataclasses.replace(snapped, residual_labels=labels, unembedding=None, transform=None)
    return Recovery(weights=snapped, unsnapped=unsnapped, matrix=np.linalg.inv(atoms),
                    noise=change)


class _InBasis(NamedTuple):
    """A model in a recovered basis: as it is, snapped (`snap`), the labels of its directions
    (`_labelled`) and the largest change snapping made."""

    unsnapped: ModelWeights
    snapped: ModelWeights
    labels: list[str]
    change: float


def _own_order(weights: ModelWeights, tolerance: float, whole: bool = False) -> tuple[np.ndarray, _InBasis]:
    """A noisy compiled model's own basis, snapped and labelled: in its own order or, where names that
    sort before `one` and `tokens` put variables among the inputs, with the inputs moved first and the
    other directions left in their order (the labeller expects the inputs first)."""
    atoms = np.eye(weights.d_model)
    try:
        return atoms, _snapped_with_labels(weights, atoms, tolerance, whole)
    except BasisError:  # the embeddings are near 0s and 1s here (`_near_one_hot`): rounded, they are exact
        rounded = {name: np.round(weights.params[name]) for name in EMBEDDINGS}
        index_dims, one, token_dims = _input_dims(rounded)
        fixed = index_dims + one[:1] + token_dims
        atoms = atoms[fixed + [j for j in range(weights.d_model) if j not in fixed]]
        return atoms, _snapped_with_labels(weights, atoms, tolerance, whole)


def _signed_and_ordered(weights: ModelWeights, atoms: np.ndarray, tolerance: float
                        ) -> tuple[np.ndarray, _InBasis]:
    """Recovered atoms signed and ordered as Tracr lays out the stream (`_sign_and_order`), each variable's
    values in Tracr's order (`_value_keys`; variables stay where they are), and a SelectorWidth's counts
    signed as its MLP writes them (`_width_signs`); with the model snapped in that basis and labelled
    (`_snapped_with_labels`)."""
    atoms, fixed, unsnapped = _sign_and_order(weights, atoms)
    snapped, change = snap(unsnapped, max(tolerance, 1e-4))
    labels = _labelled(snapped)
    order = list(range(weights.d_model))
    blocks: dict[str, list[int]] = {}
    for dim in range(fixed, weights.d_model):
        if ":" in labels[dim]:
            blocks.setdefault(labels[dim].split(":")[0], []).append(dim)
    value_keys, first_writers = _value_keys(unsnapped), _first_writers(unsnapped)
    one = labels.index("one") if "one" in labels else None
    lookups = _lookup_units(unsnapped, one)
    for dims in blocks.values():
        if all(dim in lookups for dim in dims) and len({lookups[dim][0] for dim in dims}) == 1:
            ordered = sorted(dims, key=lambda j: lookups[j])  # a categorical Map: its units' order
        else:  # the output by its read-out's order (`_value_keys`), others by a reader of all values first
            output = any(value_keys[dim][0] == 0 for dim in dims)
            ordered = (None if output else _reader_order(unsnapped, dims, one)) or \
                _value_order(dims, value_keys, first_writers)
        for place, dim in zip(dims, ordered):
            order[place] = dim
    # Snapping works entry by entry, with each matrix's own scale and noise: it commutes with a signed
    # permutation of the stream, so the snapped weights are moved rather than snapped again. The order
    # moves directions only within their variable, which keeps the labels of every place.
    atoms, snapped, unsnapped = atoms[order], _permuted(snapped, order), _permuted(unsnapped, order)
    flips = _width_signs(snapped, labels)
    if len(flips):
        signs = np.ones(weights.d_model)
        signs[flips] = -1
        atoms = atoms * signs[:, None]
        snapped, unsnapped = (_permuted(moved, range(len(signs)), signs) for moved in (snapped, unsnapped))
        labels = _labelled(snapped)
    return atoms, _InBasis(unsnapped, snapped, labels, change)


def _permuted(weights: ModelWeights, order, signs: np.ndarray | None = None) -> ModelWeights:
    """The weights with residual direction `order[i]` (times `signs[i]`) as direction i: `_in_basis` for
    a signed permutation, exactly."""
    from trade.transform import _READ_SUFFIXES, _WRITE_SUFFIXES

    order = np.asarray(list(order))
    signs = None if signs is None or (np.asarray(signs) == 1).all() else np.asarray(signs)
    params = {}
    for name, value in weights.params.items():
        value = np.asarray(value)
        if name in EMBEDDINGS or name.endswith(_WRITE_SUFFIXES):
            value = value[..., order] if signs is None else value[..., order] * signs.astype(value.dtype)
        elif name.endswith(_READ_SUFFIXES):
            value = value[order] if signs is None else value[order] * signs.astype(value.dtype)[:, None]
        params[name] = value
    unembedding = weights.unembedding
    if unembedding is not None:
        unembedding = np.asarray(unembedding)[order]
        unembedding = unembedding if signs is None else unembedding * signs.astype(unembedding.dtype)[:, None]
    return dataclasses.replace(weights, params=params, unembedding=unembedding)


def _snapped_with_labels(weights: ModelWeights, atoms: np.ndarray, tolerance: float, whole: bool = False
                         ) -> _InBasis:
    unsnapped = _in_basis(weights, atoms)
    snapped, change = snap(unsnapped, max(tolerance, 1e-4), whole)
    return _InBasis(unsnapped, snapped, _labelled(snapped), change)


def _labelled(snapped: ModelWeights) -> list[str]:
    """`trade.skeleton.infer_labels` of a recovered model, as a BasisError where it does not fit.

    Where an MLP has dead neurons that write (`_dead_writers`), the variables are those
    `trade.residual_labels` rebuilds instead, where it can: `infer_labels` groups an MLP's directions by
    what their neurons read, and a neuron that reads nothing parts its direction from the lookup it
    belongs to (a self-SequenceMap `SequenceMap(f, x, x)`, which Tracr compiles as a Map of x over the
    output space of every pair f(a, b), has a neuron for each value no f(a, a) gives), so the values of
    one variable would come out as variables of their own, read by no line.
    """
    from trade.layout import LayoutError
    from trade.skeleton import infer_labels

    unlabelled = dataclasses.replace(snapped, residual_labels=None)
    if _dead_writers(unlabelled):
        rebuilt = _rebuilt_blocks(unlabelled)
        if rebuilt is not None:
            return rebuilt
    try:
        return infer_labels(unlabelled)
    except LayoutError as error:
        raise BasisError(f"the recovered basis does not read as a compiled model ({error})") from None


def _dead_writers(weights: ModelWeights) -> bool:
    """Whether some MLP neuron reads no residual direction, has no positive bias (so it is 0 on every
    input) and writes the stream: a Tracr lookup's neuron for an output value no input maps to."""
    for layer in range(weights.num_layers):
        mlp = f"transformer/layer_{layer}/mlp"
        first, second = (np.asarray(weights.params[f"{mlp}/{part}/w"]) for part in ("linear_1", "linear_2"))
        bias = np.asarray(weights.params.get(f"{mlp}/linear_1/b", np.zeros(first.shape[1])))
        dead = ~_significant_entries(first).any(axis=0) & (bias <= 0)
        if (dead & _significant_entries(second).any(axis=1)).any():
            return True
    return False


def _rebuilt_blocks(weights: ModelWeights) -> list[str] | None:
    """The variables `trade.residual_labels` finds in one-hot weights, labelled as `infer_labels` labels
    them (`b{k}:{i}`, a SelectorWidth's helper `b{k}` + HELPER, the inputs as they are); None where it
    finds none or lays out other inputs."""
    from trade.layout import HELPER, block_name
    from trade.residual_labels import LabelError, infer_labels
    from trade.skeleton import fixed_labels

    try:
        labels, _ = infer_labels(weights)
        fixed = list(fixed_labels(weights))
    except (LabelError, KeyError, IndexError, ValueError):
        return None
    if [block_name(label) for label in labels[:len(fixed)]] != [block_name(label) for label in fixed]:
        return None
    blocks = {name: f"b{rank}" for rank, name in enumerate(dict.fromkeys(
        block_name(label) for label in labels[len(fixed):] if not block_name(label).endswith(HELPER)))}
    out, seen = fixed, {}
    for label in labels[len(fixed):]:
        name = block_name(label)
        if name.endswith(HELPER):
            owner = blocks.get(name[:-len(HELPER)])
            if owner is None:
                return None
            out.append(owner + HELPER)
            continue
        out.append(f"{blocks[name]}:{seen.get(name, 0)}")
        seen[name] = seen.get(name, 0) + 1
    return out


def value_labels(weights: ModelWeights, blocks: list[str], unembedding: np.ndarray | None,
                 output_values) -> tuple[list[str], list[int]]:
    """Residual labels `name:value` (categorical) or `name` (numerical) for recovered directions grouped
    into blocks (`b{k}:{i}`, `trade.skeleton.infer_labels`), and the order that sorts each variable's
    values as Tracr does.

    The weights fix values only where their meaning is fixed: the inputs, the output (its
    unembedding and output values), a SelectorWidth's counts (its MLP writes them as a chain of
    steps, from the count 0 that the BOS neuron writes), and an Aggregate's output (its values are its
    source's, through the head's OV circuit). Other categorical variables get the values 0, 1, ...:
    any consistent naming computes the same output. One-direction variables are numerical, except
    an output with values or one a Select compares or a SequenceMap reads.
    """
    from trade.layout import HELPER, block_name

    params, key_size, d = weights.params, weights.key_size, weights.d_model
    dims_of: dict[str, list[int]] = {}
    for dim, label in enumerate(blocks):
        dims_of.setdefault(block_name(label), []).append(dim)
    fixed = {"indices", "one", "tokens"}
    names = {block: f"x{rank:03d}" for rank, block in enumerate(b for b in dims_of if b not in fixed
                                                                   and not b.endswith(HELPER))}
    value: dict[int, object] = {dim: blocks[dim].split(":", 1)[1] for block in fixed & set(dims_of)
                                for dim in dims_of[block] if ":" in blocks[dim]}
    categorical = {block: len(dims) > 1 for block, dims in dims_of.items()}
    output_dims: list[int] = []
    if unembedding is not None:
        output_dims = [int(np.argmax(np.abs(column))) for column in unembedding.T]
    if output_dims and isinstance(output_values, list):
        for dim, out in zip(output_dims, output_values):
            value[dim] = out
        categorical[block_name(blocks[output_dims[0]])] = True
    elif output_dims and output_values is None:
        categorical[block_name(blocks[output_dims[0]])] = False
    # Per block that a SequenceMap's neuron may read (not `one`, nor a SelectorWidth's helper, which its
    # BOS neuron reads), the directions it holds, as rows of 0s and 1s.
    kept = [block for block in dims_of if block != "one" and not block.endswith(HELPER)]
    members = np.zeros((len(kept), d))
    for row, block in enumerate(kept):
        members[row, dims_of[block]] = 1.0
    for layer in range(weights.num_layers):  # a Select's arguments are categorical
        for part in ("query", "key"):
            matrix = params[f"transformer/layer_{layer}/attn/{part}/w"]
            for dim in _significant(np.abs(matrix).sum(axis=1), np.abs(matrix).sum(axis=1)):
                categorical[block_name(blocks[dim])] = True
        # A SequenceMap's arguments are categorical: each of its neurons reads one value of each (a
        # numerical MLP's neurons read one variable), even an argument with a single value.
        read = members @ _significant_entries(params[f"transformer/layer_{layer}/mlp/linear_1/w"])
        for unit in np.flatnonzero((read > 0).sum(axis=0) >= 2).tolist():
            categorical.update(dict.fromkeys((kept[k] for k in np.flatnonzero(read[:, unit]).tolist()), True))
    # A SelectorWidth's counts, in order along the chain of steps its MLP writes.
    for helper in (b for b in dims_of if b.endswith(HELPER)):
        owner = helper[:-len(HELPER)]
        chain = _width_chain(params, weights.num_layers, dims_of[helper][0], dims_of.get(owner, []))
        for count, dim in enumerate(chain):
            value.setdefault(dim, count)
    # Aggregates copy values through their OV circuits, both ways, until nothing changes.
    copies = []
    for layer in range(weights.num_layers):
        attn = f"transformer/layer_{layer}/attn"
        for head in range(weights.num_heads):
            columns = slice(head * key_size, (head + 1) * key_size)
            circuit = params[f"{attn}/value/w"][:, columns] @ params[f"{attn}/linear/w"][columns, :]
            for source, target in np.argwhere(np.abs(circuit) > 0.5):
                copies.append((int(source), int(target)))
    # An input's values are the strings of its labels ("10" before "9" as text): what sorts a copy of
    # them is their place among the input's directions, which Tracr lays out in value order.
    rank = {dim: place for block in fixed & set(dims_of) for place, dim in enumerate(dims_of[block])}
    changed = True
    while changed:
        changed = False
        for source, target in copies:
            for a, b in ((source, target), (target, source)):
                if a in value and b not in value and categorical.get(block_name(blocks[b]), False):
                    value[b] = value[a]
                    if a in rank:
                        rank[b] = rank[a]
                    changed = True
    labels = list(blocks)
    order_key: dict[int, tuple] = {}
    for block, dims in dims_of.items():
        name = block if block in fixed else names.get(block, None)
        if block.endswith(HELPER):
            name = names[block[:-len(HELPER)]] + HELPER
            labels[dims[0]] = name
            continue
        if block in fixed:
            continue
        if not categorical.get(block, False):
            labels[dims[0]] = name
            continue
        fresh = iter(range(10 ** 6))
        for dim in dims:
            if dim not in value:
                taken = {value[other] for other in dims if other in value}
                value[dim] = next(v for v in fresh if v not in taken)
            labels[dim] = f"{name}:{value[dim]}"
            order_key[dim] = (0, rank[dim], "") if dim in rank else _sort_key(value[dim])
    # Tracr's order: by name (a helper right after its variable), then by value.
    inputs = [dim for dim in range(d) if block_name(blocks[dim]) in fixed]
    others = sorted((dim for dim in range(d) if block_name(blocks[dim]) not in fixed),
                    key=lambda j: (block_name(labels[j]), order_key.get(j, (0, 0, ""))))
    return labels, inputs + others


def _sort_key(value) -> tuple:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return (0, value, "") if number else (1, 0, str(value))


def _width_signs(weights: ModelWeights, blocks: list[str]) -> list[int]:
    """The directions of SelectorWidth outputs whose sign is wrong. No sign rule of reads or values
    fixes a count that no input reaches and nothing reads, but Tracr's MLP does: its BOS neuron writes
    count 0 with the same sign as the helper, and each step writes two neighbouring counts with
    opposite signs."""
    from trade.layout import HELPER, block_name

    dims_of: dict[str, list[int]] = {}
    for dim, label in enumerate(blocks):
        dims_of.setdefault(block_name(label), []).append(dim)
    flips = []
    for helper in (b for b in dims_of if b.endswith(HELPER)):
        help_dim = dims_of[helper][0]
        owner = dims_of.get(helper[:-len(HELPER)], [])
        chain = _width_chain(weights.params, weights.num_layers, help_dim, owner)
        writers = [weights.params[f"transformer/layer_{layer}/mlp/linear_2/w"]
                   for layer in range(weights.num_layers)]
        second = next((matrix for matrix in writers if np.abs(matrix[:, help_dim]).max() > 0.5), None)
        if not chain or second is None:
            continue
        sign = {}
        both = (np.abs(second[:, help_dim]) > 0.5) & (np.abs(second[:, chain[0]]) > 0.5)
        unit = int(np.flatnonzero(both)[0])
        sign[chain[0]] = 1.0 if np.sign(second[unit, chain[0]]) == np.sign(second[unit, help_dim]) else -1.0
        for lower, upper in zip(chain, chain[1:]):
            units = np.flatnonzero((np.abs(second[:, lower]) > 0.5) & (np.abs(second[:, upper]) > 0.5))
            same = np.sign(second[units[0], lower]) == np.sign(second[units[0], upper])
            sign[upper] = -sign[lower] if same else sign[lower]
        flips += [dim for dim, value in sign.items() if value < 0]
    return flips


def _width_chain(params: dict, layers: int, helper: int, dims: list[int]) -> list[int]:
    """A SelectorWidth's output directions by count: the MLP reading `helper` writes count 0 together
    with the helper, then each step moves one count to the next."""
    for layer in range(layers):
        second = params[f"transformer/layer_{layer}/mlp/linear_2/w"]
        if not np.abs(second[:, helper]).max() > 0.5:
            continue
        clears = np.abs(second[:, helper]) > 0.5
        start = [dim for dim in dims if np.any(clears & (np.abs(second[:, dim]) > 0.5))]
        neighbours: dict[int, set[int]] = {dim: set() for dim in dims}
        for unit in range(second.shape[0]):
            written = [dim for dim in dims if abs(second[unit, dim]) > 0.5]
            if len(written) == 2:
                neighbours[written[0]].add(written[1])
                neighbours[written[1]].add(written[0])
        if len(start) != 1:
            return []
        chain = [start[0]]
        while True:
            following = neighbours[chain[-1]] - set(chain)
            if len(following) != 1:
                break
            chain.append(following.pop())
        return chain if len(chain) == len(dims) else []
    return []


# ---- verdicts on the given (transformed) model ------------------------------------------------------


def _stacked(weights: ModelWeights, reads: bool, attention: bool = True) -> np.ndarray:
    """Every matrix that reads the stream side by side (`reads`), or every one that writes it stacked;
    without the heads' where not `attention`."""
    params = weights.params
    names = sorted(name for name in params if (attention or "/attn/" not in name) and (
        name.endswith(_READS) if reads else (name.endswith(_WRITES) or name.endswith("embeddings"))))
    if not names:
        return np.zeros((weights.d_model, 0) if reads else (0, weights.d_model))
    if reads:
        return np.concatenate([np.asarray(params[name], dtype=np.float64) for name in names], axis=1)
    return np.concatenate([np.asarray(params[name], dtype=np.float64) for name in names], axis=0)


def basis_difference(compiled: ModelWeights, given: ModelWeights, tolerance: float = EXACT_TOLERANCE
                     ) -> str | None:
    """`basis_fit`'s difference alone."""
    return basis_fit(compiled, given, tolerance)[0]


def basis_fit(compiled: ModelWeights, given: ModelWeights, tolerance: float = EXACT_TOLERANCE,
              plain: tuple | None = None) -> tuple[str | None, float]:
    """(None, the largest difference left) if some change of residual basis maps `compiled` (one-hot) onto
    `given`, every entry within `tolerance` of its matrix's largest entry, the given read-out included;
    else (what differs, inf).

    A layer's heads, a head's own dimensions and a layer's MLP units may come in another order
    (`matched_units`, `_aligned_heads`): Tracr orders them by the names of the variables, which a
    program read back does not have; no order changes what the model computes. A change that rounds to
    a (signed) permutation is taken as that permutation: noise blurs the least squares. `plain`: `_fit`'s
    answer where it is already known (only the matching is left).
    """
    difference, worst, matrix = plain or _fit(compiled, given, tolerance)
    if difference is None or matrix is None:
        return difference, worst
    # Heads and MLP units in another order (Tracr orders them by the original variables' names): matched by
    # what they compute on the same inputs, which no change of residual basis moves.
    activations = _paired_activations(compiled, given)
    matched = matched_units(compiled, given, activations=activations)
    if matched is not None:
        again, worst, estimate = _fit(compiled, matched, tolerance)
        if again is None:
            return None, worst
        # Units no input tried tells apart: by their weights in that change of basis, else in one estimated
        # from the given weights as they stand without the heads (the units' silent rows, which the match
        # may have put in the wrong order, then weigh less in the least squares than the heads' own ones)
        for change in ([] if estimate is None else [estimate]) + [None]:  # None: made only where needed
            change = _change(compiled, given, attention=False) if change is None else change
            rematched = matched_units(compiled, given, change, activations)
            if rematched is not None:
                again, worst, _ = _fit(compiled, rematched, tolerance)
                if again is None:
                    return None, worst
        given = matched
    # Heads' dimensions out of order spoil the least squares through the heads' own rows, which a mixed
    # basis amplifies: the change is also estimated from the embeddings and MLPs alone.
    for estimate in (matrix, _change(compiled, given), _change(compiled, given, attention=False)):
        aligned = _aligned_heads(compiled, given, estimate)
        if aligned is not None:
            again, worst, _ = _fit(compiled, aligned, tolerance)
            if again is None:
                return None, worst
    return difference, np.inf


MATCH_INPUTS = 256  # inputs (all where there are no more) on which heads and MLP units are matched
MATCH_PROBES = 64  # random mixtures of the activations, and of the reads after a layer, that are compared
TIE_LEVEL = 1e-9  # sketched activations that round alike at this step are a tie (`_tie_groups`)


def _activations(weights: ModelWeights, batches: list[np.ndarray]) -> list[tuple[np.ndarray, ...]]:
    """Per layer, on `batches`, one row each: every head's attention weights; every head dimension's
    queries, keys and values; every MLP unit's input (`trade.compiling.layer_activations`). Each row is
    mixed into `MATCH_PROBES` random columns (`_sketched`, the same for any model on the same inputs)."""
    from trade.compiling import layer_activations
    from trade.verify import _token_ids

    runs = [layer_activations(weights.params, _token_ids(weights, batch), weights.num_heads,
                              weights.compile_config.causal)
            for batch in batches if len(batch)]
    found = []
    for layer in range(weights.num_layers):
        patterns = np.hstack([run[layer][0].transpose(1, 0, 2, 3).reshape(weights.num_heads, -1)
                              for run in runs])
        rest = [np.hstack([run[layer][part].reshape(-1, run[layer][part].shape[-1]).T for run in runs])
                for part in range(1, 5)]
        found.append(tuple(_sketched(rows) for rows in (patterns, *rest)))
    return found


@functools.lru_cache(maxsize=16)
def _sketch(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sparse random map of `count` columns onto `MATCH_PROBES`, seeded by `count`: each column goes to
    one of them (all are used) with a Gaussian weight. As (column order, weights in that order, starts)."""
    rng = np.random.default_rng(count)
    buckets = rng.permutation(np.arange(count) % MATCH_PROBES)
    order = np.argsort(buckets, kind="stable")
    return order, rng.standard_normal(count), np.searchsorted(buckets[order], np.arange(MATCH_PROBES))


def _sketched(rows: np.ndarray) -> np.ndarray:
    """`rows` mixed into `MATCH_PROBES` columns (`_sketch`), in one pass over them: equal rows stay equal,
    and unequal ones stay apart unless weights drawn from a continuous law cancel; rows that are already
    this narrow are kept."""
    if rows.shape[1] <= 2 * MATCH_PROBES:
        return rows
    order, weights, starts = _sketch(rows.shape[1])
    return np.add.reduceat(rows[:, order] * weights, starts, axis=1)


def _mean_distance(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Root mean square difference between every row of `mine` and every row of `theirs` (by products:
    scipy's `cdist` costs a third of a second to import, more than the matching)."""
    squared = (mine * mine).sum(axis=1)[:, None] + (theirs * theirs).sum(axis=1)[None] - 2 * mine @ theirs.T
    return np.sqrt(np.maximum(squared, 0.0) / max(mine.shape[1], 1))


def _matched_rows(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """For each row of `mine`, the row of `theirs` it matches: itself where the two agree (within float
    rounding of the largest entry), the others by the cheapest assignment (`_mean_distance` of rows)."""
    scale = max(float(np.abs(mine).max(initial=0.0)), float(np.abs(theirs).max(initial=0.0)), 1e-12)
    order = np.arange(len(mine))
    loose = np.flatnonzero(np.abs(mine - theirs).max(axis=1, initial=0.0) > 1e-5 * scale)
    if len(loose):
        order[loose] = loose[_assigned(_mean_distance(mine[loose], theirs[loose]))]
    return order


def _assigned(cost: np.ndarray) -> np.ndarray:
    """For each row (a compiled head or unit), the column (the given one) of the cheapest matching. No
    matching costs less than the rows' minima: where taking each row's cheapest free column in turn
    reaches them (rows that are copies of one another share their minima), that matching is taken
    without solving the assignment (and importing scipy's solver, a third of a second)."""
    if not cost.size:
        return np.zeros(len(cost), dtype=int)
    minima = cost.min(axis=1)
    order, free = np.empty(len(cost), dtype=int), np.ones(cost.shape[1], dtype=bool)
    for row in np.argsort(minima, kind="stable"):
        order[row] = int(np.argmin(np.where(free, cost[row], np.inf)))
        free[order[row]] = False
    if cost[np.arange(len(cost)), order].sum() <= minima.sum() + 1e-9 * max(float(np.abs(cost).max()), 1.0):
        return order
    from scipy.optimize import linear_sum_assignment

    rows, columns = linear_sum_assignment(cost)
    order = np.empty(cost.shape[0], dtype=int)
    order[rows] = columns
    return order


def _units_unlike(compiled: ModelWeights, given: ModelWeights) -> bool:
    """Whether the two models' heads, head dimensions and MLP units cannot be paired one to one (their
    residual streams may differ in size: a compressed model's is K wide)."""
    if (compiled.num_heads, compiled.key_size) != (given.num_heads, given.key_size) \
            or set(compiled.params) != set(given.params):
        return True
    for name, value in compiled.params.items():
        mine, theirs = np.shape(value), np.shape(given.params[name])
        if name.endswith(_READS):
            mine, theirs = mine[1:], theirs[1:]
        elif name.endswith(_WRITES) or name in EMBEDDINGS:
            mine, theirs = mine[:-1], theirs[:-1]
        elif name.endswith(("attn/linear/b", "mlp/linear_2/b")):
            continue  # one entry per residual direction
        if mine != theirs:
            return True
    return False


def _paired_activations(compiled: ModelWeights, given: ModelWeights) -> list[tuple[tuple, tuple]]:
    """Per layer, `_activations` of both models on the same inputs (`MATCH_INPUTS`)."""
    from trade.transform import sampled_inputs

    batches, _ = sampled_inputs(given, MATCH_INPUTS, MATCH_INPUTS, 0)
    return list(zip(_activations(compiled, batches), _activations(given, batches)))


def _tie_groups(signature: np.ndarray) -> list[np.ndarray]:
    """The groups (two or more) of equal rows of `signature`: heads or units that compute the same on
    every input tried."""
    if len(signature) < 2:
        return []
    _, group = np.unique(np.round(signature / TIE_LEVEL), axis=0, return_inverse=True)
    group = group.ravel()
    return [members for label in np.unique(group) if len(members := np.flatnonzero(group == label)) > 1]


def _settled_ties(order: np.ndarray, groups: list[np.ndarray], mine: np.ndarray, theirs: np.ndarray
                  ) -> np.ndarray:
    """`order` with each group of compiled heads or units that compute the same (`_tie_groups`) matched
    again among their given partners by what they write (rows of `mine`, and of `theirs` for the given
    ones, as later layers read it)."""
    order = order.copy()
    for members in groups:
        partners = order[members]
        order[members] = partners[_assigned(_mean_distance(mine[members], theirs[partners]))]
    return order


def _later_reads(params: dict, layer: int, layers: int, unembedding: np.ndarray, mlp: bool) -> np.ndarray:
    """What reads the stream after layer `layer`'s heads (with its MLP, `mlp`) or after its MLP: every
    later matrix that reads it and the read-out, side by side, mixed into `MATCH_PROBES` columns
    (`_sketched`: the same for two models whose later layers are matched)."""
    names = [f"transformer/layer_{layer}/mlp/linear_1/w"] if mlp else []
    names += [f"transformer/layer_{later}/{part}" for later in range(layer + 1, layers) for part in _READS]
    reads = np.hstack([np.asarray(params[name], dtype=np.float64) for name in names] + [unembedding])
    return _sketched(reads)


def matched_units(compiled: ModelWeights, given: ModelWeights, matrix: np.ndarray | None = None,
                   activations: list | None = None) -> ModelWeights | None:
    """`given` with each layer's heads, each head's own dimensions, and each layer's MLP units reordered
    to match `compiled`'s. They are matched by what they compute on the same inputs (`MATCH_INPUTS`):
    attention weights, queries with keys, values, a unit's input; none of these depends on the residual
    basis. Heads or units that compute the same on all of them (a SelectorWidth's unit that reads only
    `one`) are matched by what they write as the later layers read it (also free of the basis, once
    those layers are matched: the layers are matched last first), and with a change of basis `matrix`
    also by their weights in it (a SequenceMap's units for pairs no input tried reaches). None where
    nothing moves. Reordering heads or units changes nothing the model computes, and the fit that
    follows checks every entry. `activations`: `_paired_activations` of the two, where already run.
    The streams may differ in size (a compressed model against a recompiled one: `trade.compressed`)."""
    from trade.transform import readout

    if _units_unlike(compiled, given):
        return None
    heads, size, layers = given.num_heads, given.key_size, given.num_layers
    out_c, out_g = readout(compiled), readout(given)
    mine = {name: np.asarray(value, dtype=np.float64) for name, value in compiled.params.items()}
    params = {name: np.asarray(value, dtype=np.float64) for name, value in given.params.items()}
    moved, inverse = False, None if matrix is None else np.linalg.inv(matrix)
    activations = activations or _paired_activations(compiled, given)

    for layer in reversed(range(layers)):
        (pattern_c, query_c, key_c, value_c, hidden_c), (pattern_g, query_g, key_g, value_g, hidden_g) = \
            activations[layer]
        prefix = f"transformer/layer_{layer}"
        # The MLP's units: by their inputs, ties by their writes as the (matched) later layers read them.
        units = _matched_rows(hidden_c, hidden_g)
        groups = _tie_groups(hidden_c)
        if groups:
            first_c, second_c = mine[f"{prefix}/mlp/linear_1/w"], mine[f"{prefix}/mlp/linear_2/w"]
            first_g, second_g = params[f"{prefix}/mlp/linear_1/w"], params[f"{prefix}/mlp/linear_2/w"]
            ours = second_c @ _later_reads(mine, layer, layers, out_c, mlp=False)
            theirs = second_g @ _later_reads(params, layer, layers, out_g, mlp=False)
            if inverse is not None:  # and the weights themselves, in that change of basis
                ours = np.hstack([ours, (inverse @ first_c).T, second_c @ matrix])
                theirs = np.hstack([theirs, first_g.T, second_g])
            units = _settled_ties(units, groups, ours, theirs)
        moved |= _reorder_units(params, prefix, units)
        # The heads: by their attention weights, ties by their outputs as the layers after them read them.
        order = _matched_rows(pattern_c, pattern_g)
        groups = _tie_groups(pattern_c)
        if groups:
            def written(values: np.ndarray, output: np.ndarray, reads: np.ndarray) -> np.ndarray:
                """Per head, its values through its output rows as `reads` see them, on the inputs tried."""
                return np.stack([(values[h * size:(h + 1) * size].T @ output[h * size:(h + 1) * size]
                                  @ reads).ravel() for h in range(heads)])

            order = _settled_ties(order, groups, written(value_c, mine[f"{prefix}/attn/linear/w"],
                                                         _later_reads(mine, layer, layers, out_c, mlp=True)),
                                  written(value_g, params[f"{prefix}/attn/linear/w"],
                                          _later_reads(params, layer, layers, out_g, mlp=True)))
        # Within each matched head, its own dimensions: queries with keys, values (with the output rows).
        moved |= _reorder_heads(params, prefix, _head_dims(order, size, np.hstack([query_c, key_c]),
                                                           np.hstack([query_g, key_g]), value_c, value_g))
    return _reordered(given, params) if moved else None


def _head_dims(order: np.ndarray, size: int, pairs_c: np.ndarray, pairs_g: np.ndarray,
               values_c: np.ndarray, values_g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The given head dimensions, for queries with keys and for values, that each compiled one takes: its
    head's partner in `order`, and within it the dimension `_matched_rows` matches (a row per dimension)."""
    query_key, value = np.zeros(len(order) * size, dtype=int), np.zeros(len(order) * size, dtype=int)
    for head, partner in enumerate(order.tolist()):
        span, theirs = slice(head * size, (head + 1) * size), np.arange(partner * size, (partner + 1) * size)
        query_key[span] = theirs[_matched_rows(pairs_c[span], pairs_g[theirs])]
        value[span] = theirs[_matched_rows(values_c[span], values_g[theirs])]
    return query_key, value


def _reorder_units(params: dict, prefix: str, units: np.ndarray) -> bool:
    """A layer's MLP units (`params`, float64, changed in place) taken in the order `units`; whether any
    moved."""
    if not (units != np.arange(len(units))).any():
        return False
    for name, axis in (("linear_1/w", 1), ("linear_1/b", 0), ("linear_2/w", 0)):
        params[f"{prefix}/mlp/{name}"] = np.take(params[f"{prefix}/mlp/{name}"], units, axis=axis)
    return True


def _reorder_heads(params: dict, prefix: str, dims: tuple[np.ndarray, np.ndarray]) -> bool:
    """A layer's head dimensions (`params`, changed in place) taken in the order `dims`: (queries with
    keys, values with the output rows); whether any moved."""
    moved = False
    for order, parts in zip(dims, (("query", "key"), ("value",))):
        if (order != np.arange(len(order))).any():
            moved = True
            for part in parts:
                for name, axis in ((f"{part}/w", 1), (f"{part}/b", 0)):
                    key = f"{prefix}/attn/{name}"
                    params[key] = np.take(params[key], order, axis=axis)
            if parts == ("value",):
                params[f"{prefix}/attn/linear/w"] = params[f"{prefix}/attn/linear/w"][order]
    return moved


def _reordered(given: ModelWeights, params: dict) -> ModelWeights:
    """`given` with `params` (float64) back in its own dtypes."""
    return dataclasses.replace(given, params={name: value.astype(np.asarray(given.params[name]).dtype)
                                              for name, value in params.items()})


def _matched_by_weights(compiled: ModelWeights, given: ModelWeights, matrix: np.ndarray
                        ) -> ModelWeights | None:
    """`given` with each layer's heads, head dimensions and MLP units reordered to match `compiled`'s in the
    change of basis `matrix` (the recovered one): a unit by what it reads and writes, a head by its QK
    and OV circuits (which do not depend on the order of its own dimensions, here seen through random
    directions), a head dimension by its columns. No run: `matched_units` is the way without a change
    of basis. None where nothing moves."""
    inverse = np.linalg.inv(matrix)
    heads, size = given.num_heads, given.key_size
    mine = {name: np.asarray(value, dtype=np.float64) for name, value in compiled.params.items()}
    params = {name: np.asarray(value, dtype=np.float64) for name, value in given.params.items()}
    probes = np.random.default_rng(0).standard_normal((given.d_model, 8))

    def head_circuits(reads: dict, writes: np.ndarray) -> np.ndarray:
        rows = []
        for head in range(heads):
            span = slice(head * size, (head + 1) * size)
            query, key, value = (reads[part][:, span] for part in ("query", "key", "value"))
            rows.append(np.concatenate([(query @ (key.T @ probes)).ravel(),
                                        (value @ (writes[span] @ probes)).ravel()]))
        return np.array(rows)

    moved = False
    for layer in range(given.num_layers):
        prefix = f"transformer/layer_{layer}"
        c, g = (lambda name: mine[f"{prefix}/{name}"]), (lambda name: params[f"{prefix}/{name}"])
        units = _matched_rows(np.hstack([(inverse @ c("mlp/linear_1/w")).T, c("mlp/linear_1/b")[:, None],
                                         c("mlp/linear_2/w") @ matrix]),
                              np.hstack([g("mlp/linear_1/w").T, g("mlp/linear_1/b")[:, None],
                                         g("mlp/linear_2/w")]))
        moved |= _reorder_units(params, prefix, units)
        reads_c = {part: inverse @ c(f"attn/{part}/w") for part in ("query", "key", "value")}
        reads_g = {part: g(f"attn/{part}/w") for part in ("query", "key", "value")}
        order = _matched_rows(head_circuits(reads_c, c("attn/linear/w") @ matrix),
                              head_circuits(reads_g, g("attn/linear/w")))
        pairs_c, pairs_g = (np.hstack([reads["query"].T, reads["key"].T, get("attn/query/b")[:, None],
                                       get("attn/key/b")[:, None]])
                            for reads, get in ((reads_c, c), (reads_g, g)))
        values_c = np.hstack([reads_c["value"].T, c("attn/value/b")[:, None], c("attn/linear/w") @ matrix])
        values_g = np.hstack([reads_g["value"].T, g("attn/value/b")[:, None], g("attn/linear/w")])
        dims = _head_dims(order, size, pairs_c, pairs_g, values_c, values_g)
        moved |= _reorder_heads(params, prefix, dims)
    return _reordered(given, params) if moved else None


def _aligned_heads(compiled: ModelWeights, given: ModelWeights, matrix: np.ndarray) -> ModelWeights | None:
    """`given` with each head's query/key dimensions, and its value/output dimensions, reordered to match
    `compiled`'s under the change of basis `matrix` (a head computes the same whatever the order of its
    own dimensions); None where nothing moves."""
    inverse = np.linalg.inv(matrix)
    params, moved = dict(given.params), False
    heads = given.num_heads
    for layer in range(given.num_layers):
        name = f"transformer/layer_{layer}/attn"
        for pair in (("query/w", "key/w"), ("value/w", "linear/w")):
            mats_c = [np.asarray(compiled.params[f"{name}/{part}"], dtype=np.float64) for part in pair]
            mats_g = [np.asarray(given.params[f"{name}/{part}"], dtype=np.float64) for part in pair]
            # In given coordinates, each head dimension as one column: reads by M^-1, writes (rows) by M.
            cols_c = np.vstack([inverse @ mats_c[0]] + [inverse @ mats_c[1] if pair[1] == "key/w"
                                                       else (mats_c[1] @ matrix).T])
            cols_g = np.vstack([mats_g[0]] + [mats_g[1] if pair[1] == "key/w" else mats_g[1].T])
            if not cols_g.size or cols_c.shape != cols_g.shape or cols_g.shape[1] % heads:
                continue
            size = cols_g.shape[1] // heads
            order = np.arange(cols_g.shape[1])
            for head in range(heads):
                span = slice(head * size, (head + 1) * size)
                cost = np.linalg.norm(cols_c[:, span, None] - cols_g[:, None, span], axis=0)
                order[span] = head * size + _assigned(cost)
            if (order != np.arange(len(order))).any():
                moved = True
                params[f"{name}/{pair[0]}"] = mats_g[0][:, order].astype(np.float32)
                second = mats_g[1][:, order] if pair[1] == "key/w" else mats_g[1][order]
                params[f"{name}/{pair[1]}"] = second.astype(np.float32)
    return dataclasses.replace(given, params=params) if moved else None


def _fit(compiled: ModelWeights, given: ModelWeights, tolerance: float
         ) -> tuple[str | None, float, np.ndarray | None]:
    """`basis_fit` as the weights stand, with the change of basis (`_change`; None where there is none to
    try)."""
    unlike = _unlike(compiled, given)
    if unlike is not None:
        return unlike, np.inf, None
    matrix = _change(compiled, given)
    # A permutation blurred by noise (the same model, its stream in another order) is tried as that
    # permutation first. Directions that no write or read touches (an unread `tokens:PAD`) are free, and
    # their least-squares entries can be far from it; every entry is checked below either way.
    nearest = np.round(matrix)
    permutation = (np.abs(nearest).sum(axis=0) == 1).all() and (np.abs(nearest).sum(axis=1) == 1).all()
    failed = None
    for candidate in ([nearest] if permutation else []) + [matrix]:
        failed = _fit_with(compiled, given, candidate, tolerance)
        if failed[0] is None:
            return failed
    return failed


def _change(compiled: ModelWeights, given: ModelWeights, attention: bool = True) -> np.ndarray:
    """The change of basis M by least squares: writes C_w M = G_w, then the part of M the writes leave
    open from the reads M G_r = C_r (the read-out reads too); the heads' matrices left out where not
    `attention`."""
    from trade.transform import readout

    c_w, g_w = _stacked(compiled, False, attention), _stacked(given, False, attention)
    c_r, g_r = _stacked(compiled, True, attention), _stacked(given, True, attention)
    c_r, g_r = np.hstack([c_r, readout(compiled)]), np.hstack([g_r, readout(given)])
    # Least squares through the d x d Gram matrices (the rows number thousands, the columns d).
    _, singular, vt = np.linalg.svd(c_w.T @ c_w)  # the writes' row space, without their count
    rank = int((singular > 1e-12 * singular.max()).sum())
    matrix = vt[:rank].T @ ((vt[:rank] @ (c_w.T @ g_w)) / singular[:rank, None])  # min-norm C_w M = G_w
    null = vt[rank:].T  # d x (d - rank): directions no write touches
    if null.shape[1]:
        correction = np.linalg.pinv(g_r @ g_r.T, rcond=1e-12, hermitian=True) @ (g_r @ (c_r - matrix @ g_r).T)
        matrix = matrix + null @ (null.T @ correction.T)
    return _completed(matrix)


def _completed(matrix: np.ndarray) -> np.ndarray:
    """`matrix` made invertible on the directions it sends to 0: those no write or read touches in either
    model (a value nothing writes or reads), which any change may map anywhere. The weights are compared
    after the change either way (`_fit_with`), so the completion decides nothing."""
    left, singular, right = np.linalg.svd(matrix)
    lost = singular <= 1e-9 * max(float(singular.max(initial=0.0)), 1e-12)
    if not lost.any() or lost.all():
        return matrix
    return matrix + float(np.median(singular[~lost])) * left[:, lost] @ right[lost]


def _unlike(compiled: ModelWeights, given: ModelWeights) -> str | None:
    """What keeps any change of residual basis from mapping one model's arrays onto the other's (the
    attention geometry, parameter names or shapes, the stream's size, the output read-out), or None."""
    from trade.transform import readout

    if (compiled.num_heads, compiled.key_size) != (given.num_heads, given.key_size):
        return "another attention geometry"
    if set(compiled.params) != set(given.params):
        return "other parameter names"
    if compiled.d_model != given.d_model:
        return f"a residual stream of {compiled.d_model}, the weights have {given.d_model}"
    if readout(compiled).shape != readout(given).shape:
        return "another output read-out"
    if any(np.shape(value) != np.shape(given.params[name]) for name, value in compiled.params.items()):
        return "matrices of other shapes"
    return None


def _fit_with(compiled: ModelWeights, given: ModelWeights, matrix: np.ndarray, tolerance: float
              ) -> tuple[str | None, float, np.ndarray | None]:
    """`_fit` for one change of basis `matrix`: every matrix (and the read-out) within `tolerance` of its
    scale, the larger of its two largest entries. The matrices are moved and compared in three stacks
    (writes, reads, the rest), one product each."""
    from trade.transform import readout

    if abs(np.linalg.det(matrix)) < 1e-12:
        return "no invertible change of basis fits", np.inf, None
    inverse = np.linalg.inv(matrix)
    names = [*compiled.params, "read-out"]
    pairs = {name: (np.asarray(compiled.params[name], dtype=np.float64),
                    np.asarray(given.params[name], dtype=np.float64)) for name in names[:-1]}
    pairs["read-out"] = (np.asarray(readout(compiled), dtype=np.float64),
                         np.asarray(readout(given), dtype=np.float64))
    largest: dict[str, tuple[float, float, float]] = {}  # per name: its difference, value and target sizes
    written = ("embeddings", *_WRITES, "linear/b", "linear_2/b")
    writes = [name for name in names[:-1] if name.endswith(written)]
    reads = [name for name in names if name.endswith(_READS) or name == "read-out"]
    for group, moved in ((writes, lambda rows: rows @ matrix), (reads, lambda columns: inverse @ columns)):
        if not group:
            continue
        axis = 0 if group is writes else 1  # writes are rows of the stream, reads its columns
        values = [np.atleast_2d(pairs[name][0]) if axis == 0 else pairs[name][0] for name in group]
        targets = [np.atleast_2d(pairs[name][1]) if axis == 0 else pairs[name][1] for name in group]
        value, target = moved(np.concatenate(values, axis=axis)), np.concatenate(targets, axis=axis)
        other = 1 - axis
        sizes = [np.abs(x).max(axis=other, initial=0.0) for x in (value - target, value, target)]
        cuts = np.cumsum([part.shape[axis] for part in values])[:-1]
        for name, *parts in zip(group, *(np.split(size, cuts) for size in sizes)):
            largest[name] = tuple(float(part.max(initial=0.0)) for part in parts)
    for name in names:
        if name not in largest:  # neither read nor written: compared as it is
            value, target = pairs[name]
            largest[name] = tuple(float(np.abs(x).max(initial=0.0)) for x in (value - target, value, target))
    worst = 0.0
    for name in names:
        difference, value_size, target_size = largest[name]
        scale = max(target_size, value_size, 1e-12)
        worst = max(worst, difference / scale)
        if difference > tolerance * scale:
            if name == "read-out":
                return f"the output read-out differs by {difference / scale:.2g}", np.inf, matrix
            return (f"'{name}' differs by {difference / scale:.2g} of its scale after the best change of "
                    "basis", np.inf, matrix)
    return None, worst, matrix


class GivenRun(NamedTuple):
    """The given model run on `trade.transform.checked_inputs`: per batch what its read-out shows
    (`trade.verify.Shown`: the block itself, over millions of inputs, does not fit), and where each
    head attends to BOS and to which positions each position attends (`trade.verify.FallbackWatch`)."""

    inputs: list
    exhaustive: bool
    shown: list
    watches: list  # per batch, its `trade.verify.FallbackWatch`


PROGRESS_BATCHES = 50  # `run_given` shows a progress bar (on a terminal) from this many batches on
RUN_CHUNK = 8_192  # inputs per batch of `run_given`: a whole length's stream (262,144 inputs of d_model 486,
# wild `key_and_query_one_map` compressed, run on every input) took 7 GB and ran out of memory


def run_given(given: ModelWeights, every: bool = False,
              on_block: Callable[[np.ndarray], None] | None = None) -> GivenRun:
    """`GivenRun` of the given model: one pass over the inputs (`every`: all of them, not
    `trade.transform.checked_inputs`), whichever heads a reading watches. Its batches hold at most
    `RUN_CHUNK` inputs each (every later run over them, per batch, too). `on_block` sees each batch's
    whole output block before it is reduced (`benchmarks/run_memory.py` keeps them, as before)."""
    from tqdm import tqdm

    from trade.compiling import forward
    from trade.program.interpret import all_inputs
    from trade.transform import checked_inputs, readout
    from trade.verify import FallbackWatch, Shown, _token_ids, moving_heads

    config = given.compile_config
    inputs, exhaustive = (list(all_inputs(config.vocab, config.max_seq_len)), True) if every else \
        checked_inputs(given)
    inputs = [part for batch in inputs for part in
              (np.array_split(batch, -(-len(batch) // RUN_CHUNK)) if len(batch) > RUN_CHUNK else [batch])]
    unembedding, moving = readout(given), moving_heads(given)
    shown, watches = [], []
    # A bar where the run is long (a million inputs take a minute or more), on a terminal only (None)
    for batch in tqdm(inputs, desc=f"running the given model on {sum(map(len, inputs)):,} inputs",
                      unit="batch", leave=False, disable=None if len(inputs) >= PROGRESS_BATCHES else True):
        watch = FallbackWatch(moving)
        residual = forward(given.params, _token_ids(given, batch), given.num_heads, on_attention=watch,
                           causal=given.compile_config.causal)
        block = residual[:, 1:] @ unembedding
        if on_block is not None:
            on_block(block)
        shown.append(Shown.of(block))
        watches.append(watch)
    return GivenRun(inputs, exhaustive, shown, watches)


def given_reference(given: ModelWeights, recovered: ModelWeights | None, run: GivenRun | None = None):
    """A `trade.verify.ReferenceModel` whose outputs come from running the GIVEN model on every input
    through its unembedding (its `weights` are the given ones, so nothing is `exact` by plain equality).

    Where a categorical Aggregate's head (read from the recovered one-hot weights; without them every
    head) attends to BOS, and at the positions such a copy reaches, outputs are not trusted, as in
    `trade.verify`. `run`: the given model's run (`run_given`), where it is already made.
    """
    from trade.transform import readout
    from trade.verify import UNKNOWN, ReferenceModel, categorical_heads

    run = run or run_given(given)
    watched = categorical_heads(recovered) if recovered is not None else {
        layer: list(range(given.num_heads)) for layer in range(given.num_layers)}
    fallbacks = [watch.fallback(watched) for watch in run.watches]
    labels_known = not (isinstance(given.output_values, str) and given.output_values == UNKNOWN)
    output_values = list(given.output_values) if labels_known and given.output_values is not None else None
    return ReferenceModel(weights=given, output_values=output_values, labels_known=labels_known,
                          inputs=run.inputs, block=np.arange(readout(given).shape[1]),
                          shown=run.shown, bos_fallback=fallbacks, exhaustive=run.exhaustive)


RUN_NEEDED = "confirming it needs a run of the given model"  # `verdict_on_given`'s reason, run="none"
QUICK = "quick"  # `verdict_on_given`'s run that tries the recovered change of basis alone
PLAIN = "plain"  # `verdict_on_given`'s run that tries that and a least-squares change, no matching
PINNED_FIT = 2e-6  # weights fit this closely (of each matrix's largest) pin a table's values, noise or not
PIN_CHANCE = 0.02  # `pinning_denominator`: the share of values near some fraction of its grid


def verdict_on_given(program, given: ModelWeights, reference, outputs_kept=False,
                     recovery: Recovery | None = None, run: str = "all", fits: dict | None = None,
                     every: Callable[[], object] | None = None) -> tuple[str, str]:
    """`exact` (a change of basis maps the recompiled weights onto the given ones, `basis_fit`, and the
    given model computes the program, or shows on every input the outputs of the recovered one-hot
    model, `outputs_kept`: a bool or a function that says, run only where needed), `equivalent` (the
    given model computes it on every input; or, for noise on a compiled model read through a
    `recovery`, the given weights are the recompiled ones within the noise, `_noise_bound`, after the
    change of basis `basis_fit` finds (a permutation, where names order the stream otherwise), and show
    their outputs on every input, also where Tracr's model shows a value for RASP's None) or
    `unverified`, with the reason.

    Weights the change of basis maps within float rounding (`ROUNDING_TOLERANCE`) are `exact` without
    a run, as a compiled model's are in `trade.verify`; else the given model runs (`reference`, or a
    function that builds it): past rounding, Tracr's models are fragile (an attention tie broken, a
    BOS fallback moved). Noise on a compiled model (read in its own basis) always runs.

    `run`: "all"; "none" (only `exact` without a run, else `unverified` with RUN_NEEDED); QUICK (as
    "none", through the recovered change of basis alone, `_recovered_fit`: no least squares); PLAIN (as
    "none", through that or `basis_fit`'s least squares, without matching heads and units); "exact" (no
    run where no change of basis fits, as nothing but `equivalent` could come of it). `fits`: the
    changes of basis found for programs judged before on this model and recovery, kept there.
    `every`: a function that gives the given model's reference on every input, or None where there are
    too many (`every_input_run`): a compressed model's reading whose table gaps some input reaches
    is confirmed only by such a run.
    """
    from trade.compiling import CompileError, compile_program
    from trade.verify import (EQUIVALENT, EXACT, UNVERIFIED, VerifyOptions, _checked, _labels_agree,
                              confirmed_by, confirming_run, run_needed, verify)
    from trade.weights import weights_of

    try:
        compiled = compile_program(program, given.compile_config, timeout=5.0)
    except CompileError as error:
        if run != "all":
            return UNVERIFIED, f"does not compile: {error}"
        reference = reference() if callable(reference) else reference
        if _merged_on_a_sample(given, reference):
            return UNVERIFIED, MERGED
        checked = verify(program, reference)
        return checked.verdict, checked.reason.replace("the given model computes",
                                                       "the given (transformed) model computes")
    recompiled = weights_of(compiled)
    fits = {} if fits is None else fits
    if program not in fits:  # the cheaper fits first; one that fails is kept, not redone
        fit = None if (QUICK, program) in fits else _recovered_fit(recompiled, given, recovery)
        if fit is None and run == QUICK:
            fits[(QUICK, program)] = None
            return UNVERIFIED, RUN_NEEDED
        if fit is None:
            plain = fits.get((PLAIN, program)) or _fit(recompiled, given, EXACT_TOLERANCE)
            if plain[0] is None or plain[2] is None:
                fit = plain[:2]
            elif run == PLAIN:
                fits[(PLAIN, program)] = plain
                return UNVERIFIED, RUN_NEEDED
            else:
                fit = basis_fit(recompiled, given, plain=plain)
        fits[program] = fit
    difference, worst = fits[program]
    mean_read = bool(run_needed(program, given.compile_config))  # matching weights leave it open: run it
    if difference is None and worst <= ROUNDING_TOLERANCE and recovery is not None and \
            not _near_one_hot(given) and _output_labels_agree(compiled, given) and \
            (not mean_read or _clear_under_mask(program, given, fits)):
        return EXACT, (f"recompiles to the given weights after a change of residual basis (every entry, and "
                       f"the output read-out, within {max(worst, 1e-9):.1g} of its matrix's largest: float "
                       f"rounding){', and ' + confirmed_by(program) if mean_read else ''}")
    folded = False
    if difference is not None and _compressed(given):
        from trade.compressed import fold_fit  # no change of basis maps d_model onto K: the record's W does

        difference, worst = fold_fit(recompiled, given)
        folded = difference is None
    if run in ("none", QUICK, PLAIN):
        return UNVERIFIED, RUN_NEEDED
    if run == "exact" and difference is not None:
        return UNVERIFIED, difference
    options, (moved_by, _) = VerifyOptions(), _output_tolerance(given)
    if moved_by > options.numerical_tolerance and compiled.output_values is None:
        # Noise or a compression moves numerical outputs: they confirm a program only as far as its values
        # are pinned, by the weights (a fit within PINNED_FIT) or as fractions the noise cannot fake.
        level = worst if difference is None else EXACT_TOLERANCE
        level = max(level, _noise_bound(given)) if _near_one_hot(given) else level
        unpinned = unpinned_values(program, pinning_denominator(level)) if level > PINNED_FIT else []
        if unpinned:
            return UNVERIFIED, (f"a numerical output through values read from noisy or compressed weights "
                                f"({', '.join(f'{v:.6g}' for v in unpinned[:3])}), which are known only to "
                                f"within that noise ({level:.2g} of a matrix's largest entry)")
        options = dataclasses.replace(options, numerical_tolerance=moved_by, numerical_relative=0.0)
    reference = reference() if callable(reference) else reference
    if _merged_on_a_sample(given, reference):
        return UNVERIFIED, MERGED
    if _compressed(given) and _weak_as_in_tracr(recompiled, reference):
        options = dataclasses.replace(options, weak_values=True)
    checked = verify(program, reference, options=options)
    confirmed = checked.verdict in (EXACT, EQUIVALENT) or folded
    if confirmed and _compressed(given) and not reference.exhaustive:
        partial = _partial_tables(program, given.compile_config)
        gap = _gaps_reached_once(program, given.compile_config, tuple(partial)) if partial else None
        full = every() if gap is not None and every is not None else None
        if full is not None:  # the gap's inputs run too: what the given model shows there decides
            return verdict_on_given(program, given, full, outputs_kept, recovery, run, fits)
        if gap is not None:
            return UNVERIFIED, (f"the reading's table of {gap} has no output for values its inputs "
                                f"take, which is how an output value the compression lost shows; the given "
                                f"model ran on a sample of inputs, which cannot show that none reaches them "
                                f"(`trade decompile --full-run-inputs N` runs every input up to N)")
    same = difference is None and _labels_agree(compiled, reference)
    rounded = ""
    if same and checked.verdict not in (EXACT, EQUIVALENT) and worst <= ROUNDING_TOLERANCE \
            and recovery is not None and compiled.output_values is None and not _near_one_hot(given) \
            and not _compressed(given):
        # The weights are the recompiled ones within float rounding; steep MLPs (Maps of means) can move
        # numerical outputs further than verify's tolerance by rounding alone: allow what rounding moves.
        looser = rounding_tolerance(given, reference, worst)
        if looser > options.numerical_tolerance:
            options = dataclasses.replace(options, numerical_tolerance=looser)
            checked = verify(program, reference, options=options)
            rounded = f" (numerical outputs within {looser:.1g}: what float rounding of these weights moves)"
    kept = (lambda: _shows_outputs_of(recompiled, reference)) if folded else \
        (outputs_kept if callable(outputs_kept) else lambda: outputs_kept)
    if same and (checked.verdict in (EXACT, EQUIVALENT) or (kept() and (
            not mean_read or confirming_run(program, given, reference, options) is None))):
        how = "folded by the recorded compression matrix" if folded else "after a change of residual basis"
        return EXACT, (f"recompiles to the given weights {how} (every entry, and the output read-out, "
                       f"within {max(worst, 1e-9):.1g} of its matrix's largest), and the given model shows "
                       f"its outputs on {_checked(reference)}{rounded}")
    if same:  # close weights, but the small differences change what the given model computes
        return UNVERIFIED, (f"recompiles to weights within {EXACT_TOLERANCE:g} of the given ones, but "
                            f"{checked.reason}")
    if checked.verdict in (EXACT, EQUIVALENT) and _compressed(given) and _outputs_none(program, reference):
        return UNVERIFIED, ("the reading outputs None where the compressed model shows no value and no "
                            "categorical Aggregate selected nothing, which is how an output value the "
                            "compression lost shows too: no run tells them apart")
    if checked.verdict in (EXACT, EQUIVALENT):
        return EQUIVALENT, checked.reason.replace("the given model computes", "the given (transformed) model "
                                                                              "computes")
    noise = _noise_bound(given) if recovery is not None and _near_one_hot(given) else 0.0
    if noise > EXACT_TOLERANCE and _labels_agree(compiled, reference) \
            and basis_fit(recompiled, given, noise)[0] is None \
            and _shows_outputs_of(recompiled, reference):
        from trade.verify import _checked

        return EQUIVALENT, (f"the given weights are the recompiled ones plus noise (every entry within "
                            f"{noise:.2g} of its matrix's largest) that changes none of their outputs on "
                            f"{_checked(reference)} ({checked.reason}, as in Tracr's model of it)")
    return UNVERIFIED, checked.reason


def _partial_tables(program, config, limit: int = 100_000) -> list[str]:
    """The variables whose Map or SequenceMap table has no output for some values (or pairs) its
    categorical inputs take, as Tracr's value sets give them (tokens, indices, a width's 0..max_seq_len, an
    Aggregate's input's, a table's image). A compiled model's reading has none (Tracr builds a unit for
    each); in a compressed model's, one is an output value whose direction the compression lost, and
    the inputs that reach it may be rare (one in 488,280: vista `causal_count_of_first`, 'eeeeeeee'), or
    none may (`_gaps_reached`)."""
    import itertools

    from trade.program.program import Op, VarType, variable_name
    from trade.program.tables import map_table

    types = program.types()
    values: dict[str, set] = {"tokens": set(config.vocab), "indices": set(range(config.max_seq_len))}
    partial = []
    for index, line in enumerate(program.lines):
        name = variable_name(index)
        categorical = types[name] is VarType.CATEGORICAL
        if line.op is Op.SELECTOR_WIDTH and categorical:
            values[name] = set(range(config.max_seq_len + 1))
        elif line.op is Op.AGGREGATE and categorical and line.args[1] in values:
            values[name] = values[line.args[1]]
        elif line.op in (Op.MAP, Op.SEQUENCE_MAP) and all(a in values for a in line.variable_args):
            sets = [values[a] for a in line.variable_args]
            if np.prod([len(v) for v in sets], dtype=float) > limit:
                continue
            table, combos = map_table(line.args[0]), list(itertools.product(*sets))
            if table is not None:
                keys = [c[0] if len(c) == 1 else c for c in combos]
                if any(k not in table for k in keys):
                    partial.append(name)
                outputs = {table[k] for k in keys if k in table}
            else:
                try:
                    outputs = {line.lam.fn(*c) for c in combos}
                except Exception:  # noqa: BLE001 - a library lambda outside its domain: values unknown
                    continue
            if categorical:
                values[name] = outputs
    return partial


GAP_INPUTS = 1_000_000  # `_gaps_reached` interprets a reading on every input up to this many


@functools.lru_cache(maxsize=16)
def _gaps_reached_once(program, config, partial: tuple[str, ...]) -> str | None:
    """`_gaps_reached`, once per program: the judges of one compressed model's lifts often read the same
    program (lagoon `sock_pairs`: three times, 15 s each on its 488,280 inputs)."""
    return _gaps_reached(program, config, list(partial))


def _gaps_reached(program, config, partial: list[str], limit: int = GAP_INPUTS) -> str | None:
    """The first variable of `partial` (`_partial_tables`) that some input gives a value, or pair, its
    table has no output for, else None. Tracr's value sets count pairs no input gives (vista
    `mirror_word_output`): a compression may lose their outputs and still compute the program.

    Which pairs some input gives: first a superset, from each position's values with the other positions
    taken independently (`trade.program.reach`), which decides any input space where it misses every gap
    (a length and an index past it: handwritten `reverse_words_9`, 10^9 inputs); then, for the variables
    it leaves open, the reading's own interpretation on every input, up to `limit` inputs. Past that the
    first open variable is named."""
    from trade.program.interpret import all_inputs, evaluate_batch, input_space_size
    from trade.program.program import variable_name
    from trade.program.reach import reachable_arguments
    from trade.program.tables import map_table

    types, lines = program.types(), {variable_name(i): line for i, line in enumerate(program.lines)}
    tables = {name: map_table(lines[name].args[0]) for name in partial}
    reached = reachable_arguments(program, config.vocab, config.max_seq_len, causal=config.causal,
                                  names=partial)
    open_ = [name for name in partial if reached[name] is None or _misses(tables[name], reached[name])]
    if not open_ or input_space_size(len(config.vocab), config.max_seq_len) > limit:
        return open_[0] if open_ else None
    for batch in all_inputs(config.vocab, config.max_seq_len):
        values = evaluate_batch(program, batch, types, causal=config.causal).values
        for name in open_:
            columns = np.stack([values[a].reshape(-1) for a in lines[name].variable_args], axis=1)
            if _misses(tables[name], columns):
                return name
    return None


def _misses(table: dict, combinations: np.ndarray) -> bool:
    """Whether a table has no output for one of these argument combinations (values encoded; one with a
    None in it gives None without the table)."""
    from trade.program.interpret import decode_value

    for combo in np.unique(combinations[~np.isnan(combinations).any(axis=1)], axis=0):
        key = tuple(decode_value(v) for v in combo)
        if (key[0] if len(key) == 1 else key) not in table:
            return True
    return False


ROUNDING_SPREAD_SEEDS = 2  # perturbations of the given weights that `rounding_tolerance` runs
ROUNDING_SPREAD_MARGIN = 2.0  # `rounding_tolerance`: times the largest move they show


def _clear_under_mask(program, given: ModelWeights, fits: dict) -> bool:
    """For weights that are the program's within float rounding and a program that needs a run
    (`trade.verify.run_needed`) only as a causal model's categorical Aggregates do: whether none of them
    selects several different values under the mask, which the interpreter alone decides
    (`trade.verify.averaging_under_mask`), as for a compiled model's matching weights. A Map of a mean
    needs the model run. Kept in `fits`: every basis and run mode asks again."""
    from trade.verify import averaging_under_mask, reads_a_mean

    if ("mask", program) not in fits:
        fits[("mask", program)] = not reads_a_mean(program) and \
            averaging_under_mask(program, given.compile_config) is None
    return fits[("mask", program)]


def rounding_tolerance(given: ModelWeights, reference, level: float) -> float:
    """How far from a program's numerical outputs a model may stand whose weights are the program's within
    `level` of each matrix's largest entry (float rounding): `ROUNDING_SPREAD_MARGIN` times the largest
    move of the given model's numerical outputs, on the inputs it ran on, when every weight moves by
    Gaussian noise of that level (`trade.transform.add_noise`, `ROUNDING_SPREAD_SEEDS` seeds; at least
    float32's rounding). Capped at `trade.transform.NUMERICAL_TOLERANCE`, what noise may keep.

    Why: a rotated or mixed model's float32 weights are rounded, and a numerical Map of a mean (an MLP
    with steep steps) can amplify that rounding past `trade.verify`'s tolerance (5e-5) though the weights
    fit to 1e-7. Differences in what the model computes (a step taken differently) are of a step's size,
    not of rounding's."""
    from trade.transform import NUMERICAL_TOLERANCE, add_noise, decoded_outputs, model_outputs

    level = max(level, float(np.finfo(np.float32).eps) / 2)
    first = decoded_outputs(given, reference.shown)
    spread = 0.0
    for seed in range(ROUNDING_SPREAD_SEEDS):
        moved = decoded_outputs(given, model_outputs(add_noise(given, level, seed), reference.inputs))
        for a, b in zip(first, moved):
            if a.size:
                spread = max(spread, float(np.nanmax(np.abs(a - b))))
    return min(ROUNDING_SPREAD_MARGIN * spread, NUMERICAL_TOLERANCE)


def _outputs_none(program, reference) -> bool:
    """Whether the program's output is None at some position of the inputs the given model ran on that no
    categorical Aggregate's empty selection explains (there Tracr's model attends to BOS, which holds no
    value, and shows none: `ReferenceModel.bos_fallback`)."""
    from trade.program.interpret import evaluate_batch

    causal = reference.weights.compile_config.causal
    for batch, fallback in zip(reference.inputs, reference.bos_fallback):
        out = np.asarray(evaluate_batch(program, batch, causal=causal).output(program), dtype=float)
        if np.isnan(out.reshape(-1)[~np.asarray(fallback, dtype=bool).reshape(-1)]).any():
            return True
    return False


def _recovered_fit(recompiled: ModelWeights, given: ModelWeights, recovery: Recovery | None
                   ) -> tuple[None, float] | None:
    """`basis_fit`'s answer where the recovered change of basis itself maps the recompiled weights onto
    the given ones within float rounding (the reading is right, and the recompiled stream is in the
    recovered order; heads and units matched in it, `_matched_by_weights`): no least squares to solve,
    no run. None where it does not (`basis_fit` then decides)."""
    if recovery is None or _near_one_hot(given) or _unlike(recompiled, given) is not None:
        return None
    recompiled = _in_line_order(recompiled)
    matrix = np.linalg.inv(recovery.matrix)
    difference, worst, _ = _fit_with(recompiled, given, matrix, EXACT_TOLERANCE)
    if difference is not None or worst > ROUNDING_TOLERANCE:  # heads or units in Tracr's order of names
        matched = _matched_by_weights(recompiled, given, matrix)
        if matched is None:
            return None
        difference, worst, _ = _fit_with(recompiled, matched, matrix, EXACT_TOLERANCE)
    return (None, worst) if difference is None and worst <= ROUNDING_TOLERANCE else None


def _line_key(label: str) -> tuple:
    """A residual label's variable name with its numbers as numbers: `v2_2` before `v11_11`."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label.split(":")[0]))


def _in_line_order(weights: ModelWeights) -> ModelWeights:
    """A recompiled model's stream with its variables in the order of the program's lines (each
    variable's values, and a SelectorWidth's helper after it, as Tracr lays them out). Tracr sorts the
    stream by name, which puts line 11 (`v11_11`) before line 2; a recovered stream comes in the order
    of the lines read from it, so from ten lines on the recovered change of basis only fits after this
    reordering (a permutation of the stream: the fit still checks every entry). Directions no block
    writes or reads (a numerical Map that is 0 on every value, read only by a Map that is constant on
    it) come last, where a recovery completes them."""
    labels = weights.residual_labels
    if not labels:
        return weights
    dead = _untouched(weights)  # a variable no block writes or reads: recovered last (`_completion`)
    order = sorted(range(len(labels)), key=lambda dim: (dim in dead, _line_key(labels[dim])))  # stable
    if order == list(range(len(labels))):
        return weights
    moved = _permuted(weights, order)
    return dataclasses.replace(moved, residual_labels=[labels[dim] for dim in order])


def _untouched(weights: ModelWeights) -> set[int]:
    """The residual directions no embedding, block or read-out writes or reads."""
    from trade.transform import readout
    from trade.weights import untouched_dims

    read_out = np.abs(readout(weights)).sum(axis=1) > 0
    return {int(dim) for dim in untouched_dims(weights.params) if not read_out[dim]}


MERGED = ("the compression gave several values one direction (W's columns alike: values its sample never "
          "took), which the given model cannot tell apart and programs that differ on them fold alike; "
          "only a run on every input could confirm a reading, and there are too many (`trade decompile "
          "--full-run-inputs N` runs up to N)")


def _merged_on_a_sample(given: ModelWeights, reference) -> bool:
    """Whether the given model is a compression that merged values (`trade.compressed.merges_values`) and
    ran on a sample of inputs only: a reading that folds onto it, or matches it on the sample, may
    differ from what was compiled where inputs reach those values (fjord `emoji_fruit_plurality`)."""
    from trade.compressed import merges_values

    return _compressed(given) and not reference.exhaustive and merges_values(given)


def _compressed(weights: ModelWeights) -> bool:
    """Whether the weights' transform record says they were compressed (`trade.transform.compress`)."""
    return any(isinstance(t, dict) and t.get("kind") == "compress" for t in weights.transform or [])


def _output_labels_agree(compiled, given: ModelWeights) -> bool:
    """Whether the recompiled model names its outputs as the given one does (`_labels_agree` without the
    given model's run)."""
    from types import SimpleNamespace

    from trade.verify import UNKNOWN, _labels_agree

    known = not (isinstance(given.output_values, str) and given.output_values == UNKNOWN)
    values = list(given.output_values) if known and given.output_values is not None else None
    return _labels_agree(compiled, SimpleNamespace(labels_known=known, output_values=values))


def _noise_bound(weights: ModelWeights) -> float:
    """How far noise may have moved an entry, relative to its matrix's largest: twice `NOISE_SIGMAS` robust
    spreads (`_noise_sigma`) of the noisiest matrix."""
    bounds = [_noise_sigma(value) / float(np.abs(value).max()) for value in
              (np.asarray(v, dtype=np.float64) for v in weights.params.values()) if value.size and
              np.abs(value).max() > 0]
    return 2 * NOISE_SIGMAS * max(bounds, default=0.0)


def _output_tolerance(given: ModelWeights) -> tuple[float, float]:
    """How far the given model's numerical outputs may stand from those of the model it was made from:
    noise on a compiled model and a compressed stream move them (`trade.transform.NUMERICAL_TOLERANCE`,
    what the noise and compression reports call kept); a change of basis only by float rounding, and
    there `trade.verify`'s own tolerance holds (a table value read 1e-4 off is another program).
    (absolute, relative to the given output's size)"""
    from trade.transform import NUMERICAL_TOLERANCE
    from trade.verify import VerifyOptions

    if _compressed(given) or _near_one_hot(given):
        return NUMERICAL_TOLERANCE, 0.0
    options = VerifyOptions()
    return options.numerical_tolerance, options.numerical_relative


_NUMBER = r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"  # a number in program text (1e-05 too)


def unpinned_values(program, largest: int = SNAP_DENOMINATOR) -> list[float]:
    """The numbers of `program` read from the sizes of weights (the outputs of numerical Maps, the factors
    of LinearSequenceMaps; of a library lambda, the numbers of its text) that no fraction k/q (q up to
    `largest`) explains within float32 rounding. Read from noisy or compressed weights, such a value is
    known only to within the noise (a sine table's 0.9668 reads 0.96675, or snaps to 29/30), and a
    numerical output through it can stand that far from the program's: its outputs, within the noise of
    the given model's, do not pin it. A table's inputs are values of its input (tokens such as -0.1, or
    values earlier lines give), and a categorical Map's outputs are labels: no weight's size gives them,
    so no noise moves them."""
    from trade.program.lambdas import Encoding
    from trade.program.tables import map_table

    found = []
    for line in program.lines:
        lam = line.lam
        if lam is None or lam.kind.output_encoding is not Encoding.NUMERICAL:
            continue
        table = map_table(line.args[0])  # else a linear map's text `linear(a, b)`, or a library lambda's
        numbers = list(table.values()) if table is not None else \
            [float(text) for text in re.findall(_NUMBER, lam.text)]
        for value in numbers:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            scaled = float(value) * np.arange(1, largest + 1)
            if not (np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))).any():
                found.append(float(value))
    return found


def pinning_denominator(level: float) -> int:
    """The largest q whose fractions k/q values known to within `level` (relative) still pin: on a grid
    up to q, about 0.6 q^2 level of all values fall within `level` of some fraction, so a value no
    program of small fractions holds would be taken for one; kept to `PIN_CHANCE`."""
    return int(np.clip(np.sqrt(PIN_CHANCE / max(level, 1e-12)), 1, SNAP_DENOMINATOR))


def _read_out(weights: ModelWeights, batch: np.ndarray) -> np.ndarray:
    """The output read-out of `weights` on the inputs `batch`, past BOS: [batch, length, outputs]."""
    from trade.transform import readout
    from trade.verify import run_weights

    return run_weights(weights, batch)[:, 1:] @ readout(weights)


def _weak_as_in_tracr(recompiled: ModelWeights, reference) -> bool:
    """Whether the given model shows some output only weakly (its largest between `weak_margin` and
    `active_threshold`), and Tracr's model of the reading does too at each such input and position.
    Tracr's own models show some values so (0.38 where a width reaches max_seq_len: vista
    `mirror_count_equal`), which Tracr's argmax decodes and a compression keeps; a compression's own
    blur, where Tracr's model is clear, stays a difference."""
    from trade.verify import VerifyOptions

    options, seen = VerifyOptions(), False
    if recompiled.compile_config.max_seq_len != reference.weights.compile_config.max_seq_len:
        return False
    for batch, shown in zip(reference.inputs, reference.shown):
        top = shown.top
        weak = (top > options.weak_margin) & (top <= options.active_threshold)
        rows = weak.any(axis=1)
        if not rows.any():
            continue
        outputs = _read_out(recompiled, batch[rows])
        if outputs.shape[-1] < 2 or (outputs.max(axis=-1)[weak[rows]] > options.active_threshold).any():
            return False
        seen = True
    return seen


def _shows_outputs_of(compiled: ModelWeights, reference) -> bool:
    """Whether the given model (run as `reference`) decodes, on each of its inputs, as `compiled` does
    (numerical outputs within `_output_tolerance`)."""
    from trade.transform import differing_outputs
    from trade.verify import Shown

    outputs = [Shown.of(_read_out(compiled, batch)) for batch in reference.inputs]
    if [o.shape for o in outputs] != [a.shape for a in reference.shown]:
        return False
    return differing_outputs(reference.weights, reference.shown, outputs,
                             *_output_tolerance(reference.weights))[0] == 0


def every_input_run(given: ModelWeights) -> Callable[[], GivenRun | None]:
    """A function that gives the given model's run on every input (made once, at the first call), or None
    where there are more than `trade.transform.FULL_RUN_INPUTS`."""
    from trade.transform import FULL_RUN_INPUTS, _all_fit

    if not _all_fit(given, FULL_RUN_INPUTS):
        return lambda: None
    return functools.cache(functools.partial(run_given, given, every=True))


MAX_RECHECKED = 8  # candidates of the inner decompilation re-verified against the given model


class _Judge:
    """Verdicts on the given model read through one recovery (or none): the given model's run on every
    input and the comparison with the recovered model's outputs, each computed once, where asked."""

    def __init__(self, given: ModelWeights, recovery: Recovery | None, note: str,
                 one_hot: ModelWeights | None = None, run: Callable[[], GivenRun] | None = None,
                 every_run: Callable[[], GivenRun | None] | None = None):
        self.given, self.recovery, self.note = given, recovery, note
        self.one_hot = recovery.weights if recovery is not None else one_hot  # whose heads are watched
        self._run = run or functools.partial(run_given, given)  # shared by the judges of one model
        self._every_run = every_run or every_input_run(given)  # likewise
        self._reference = self._every_reference = None
        self._differences: tuple[int, int] | None = None  # (outputs that differ, outputs)
        self._fits: dict = {}  # program -> its `basis_fit` (judged once without a run, then with one)

    def reference(self):
        if self._reference is None:
            self._reference = given_reference(self.given, self.one_hot, self._run())
        return self._reference

    def every_reference(self):
        """`reference` on every input, or None where there are too many (`every_input_run`)."""
        if self._every_reference is None:
            run = self._every_run()
            self._every_reference = None if run is None else given_reference(self.given, self.one_hot, run)
        return self._every_reference

    def outputs_kept(self) -> bool:
        """Whether the given model shows the recovered (denoised) model's outputs on every input."""
        if self.recovery is None:
            return False
        if self._differences is None:  # on the inputs the given model ran on (a sample where too many)
            from trade.transform import differing_outputs, readout
            from trade.verify import Shown, run_weights

            reference, clean = self.reference(), self.recovery.readout
            outputs = [Shown.of(run_weights(clean, batch)[:, 1:] @ readout(clean))  # each batch reduced
                       for batch in reference.inputs]
            self._differences = differing_outputs(self.given, reference.shown, outputs,
                                                  *_output_tolerance(self.given))
        return self._differences[0] == 0

    def noted(self, verdict: str) -> str:
        from trade.verify import EQUIVALENT, EXACT

        if self.recovery is None or verdict in (EXACT, EQUIVALENT) or self.outputs_kept():
            return self.note
        differ, total = self._differences
        return (f"noise beyond the limit: the given model's outputs differ from those of the nearest "
                f"compiled model (read in a recovered one-hot basis) at {differ:,} of {total:,} positions")

    def verdict(self, program, run: str = "all") -> tuple[str, str]:
        return verdict_on_given(program, self.given, self.reference, self.outputs_kept, self.recovery, run,
                                self._fits, self.every_reference)

    def fits(self, program) -> bool:
        """Whether a change of basis maps the program's recompiled weights onto the given ones (judged
        before): only a run of the given model stands between it and `exact`."""
        return program in self._fits and self._fits[program][0] is None


def _run_size(weights: ModelWeights) -> int:
    """How many inputs `run_given` runs: all, or `trade.transform.checked_inputs`'s sample."""
    from trade.program.interpret import input_space_size
    from trade.transform import checks_every_input
    from trade.verify import VerifyOptions

    config = weights.compile_config
    return (input_space_size(len(config.vocab), config.max_seq_len) if checks_every_input(weights)
            else VerifyOptions().sample_inputs)


def _recovered(given: ModelWeights, shears: str | None, states: Callable[[], np.ndarray]
               ) -> tuple[Recovery | None, str]:
    try:
        recovery = recover(given, shears=shears, states=states)
        if not is_one_hot(recovery.weights):  # else decompiling it would come back here
            raise BasisError("the snapped embeddings are not 0s and 1s")
    except BasisError as error:
        return None, f"no one-hot basis recovered: {error}"
    return recovery, ("read in a recovered one-hot basis (snapping changed entries by up to "
                      f"{recovery.noise:.2g})")


def _same_recovery(first: Recovery | None, second: Recovery) -> bool:
    """Whether two recoveries found one basis and snapped it to the same weights."""
    if first is None or not np.allclose(first.matrix, second.matrix):
        return False
    return all(np.array_equal(value, second.weights.params[name])
               for name, value in first.weights.params.items())


def _labellings(weights: ModelWeights):
    """The recovered weights with the labels `recover` gave them, then with those `trade.residual_labels`
    rebuilds from the arrays alone (it tells apart, by their neurons, what one layer's writes leave
    open: two 0/1 numerical Maps side by side or one lookup)."""
    from trade.decompile import labelled_weights, unpeeled_weights

    yield weights
    relabelled, _ = labelled_weights(dataclasses.replace(weights, residual_labels=None))
    if relabelled is not None and relabelled.residual_labels != weights.residual_labels:
        yield relabelled
    if relabelled is not None:  # a lookup's unread end values kept in it, not always-0 numerical Maps
        unpeeled = unpeeled_weights(weights, relabelled)
        if unpeeled is not None and unpeeled.residual_labels != weights.residual_labels:
            yield unpeeled


def reading_in_any_basis(given: ModelWeights, options):
    """A one-hot model whose residual labels could not be inferred, read as if its basis had been changed:
    in the bases of any invertible change (`oblique_atoms`, one per rule of `SHEAR_RULES`), whose
    recovery finds some directions that label inference does not (one that only later blocks read, say).
    The reading the given model confirms (`_confirmed_reading`), or None."""
    from trade.transform import readout

    if readout(given).shape[1] == 0:
        return None  # nothing the given model shows could confirm a reading
    states = _StateRun(given, FIRST_STATE_INPUTS)
    given_run, every_run = functools.cache(functools.partial(run_given, given)), every_input_run(given)
    matrices = []
    for shears in SHEAR_RULES:
        recovery, note = _recovered(given, shears, states)
        if recovery is None or any(np.allclose(matrix, recovery.matrix) for matrix in matrices):
            continue
        matrices.append(recovery.matrix)
        read = _confirmed_reading(_Judge(given, recovery, note, run=given_run, every_run=every_run),
                                  recovery.weights, options)
        if read is not None:
            return read
    return None


def _lifted_reading(given: ModelWeights, options):
    """A compressed model lifted back to one-hot (`trade.compressed.lift`, from its transform record) and
    read, if the given model confirms the reading, else None; where none is confirmed, why the lift failed
    or gave no reading (for the reason: a researcher should see which stopped), else None; and the lifted
    model's judge and first reading where it is not confirmed, the best unconfirmed answer (the given
    model may differ from the program on a few outputs, which a compression keeping 99.99% of them
    allows), else None."""
    import time

    from trade.compressed import STATE_INPUTS as LIFT_INPUTS
    from trade.compressed import lift
    from trade.transform import _all_fit

    if not _compressed(given):
        return None, None, None
    run = functools.cache(functools.partial(run_given, given))  # one run of the given model for every lift
    every_run = every_input_run(given)  # and one on every input, where a reading needs it
    note = "read in a one-hot model lifted from the compressed stream (its recorded compression matrix)"
    outcome = None  # the first lift's, where no lift gives a confirmed reading
    # The lift's states are a sample where there are many inputs; a value only rare inputs give (a count
    # of one letter near the length) is then missing from them, so where the first lift confirms no
    # reading, a lift from states with such inputs too is tried.
    for rare in (False, True) if not _all_fit(given, LIFT_INPUTS) else (False,):
        began, others = time.perf_counter(), []
        try:
            lifted = lift(given, alternatives=others, rare=rare)
        except BasisError as error:
            outcome = outcome or (None, f"the lift from its recorded compression matrix failed ({error})",
                                  None)
            continue
        lift_seconds = time.perf_counter() - began
        judges = [_Judge(given, None, note, one_hot=one_hot, run=run, every_run=every_run)
                  for one_hot in [lifted] + others]
        for judge in judges:
            read = _confirmed_reading(judge, judge.one_hot, options, zeroed=True)
            if read is not None:
                read.timings["lift"] = lift_seconds
                return read, None, None
        if outcome is None:
            first = next(_readings(lifted, options), None)
            why = "the one-hot model lifted from its recorded compression matrix reads as no Tracr program"
            outcome = (None, None, (judges[0], first)) if first is not None else (None, why, None)
    return outcome


def _confirmed_reading(judge: _Judge, one_hot: ModelWeights, options, zeroed: bool = False):
    """The reading of `one_hot` (with each of its `_labellings`) that the given model confirms, `exact` or
    `equivalent`, with that verdict; None where none is. An equivalent reading is the answer too, where no
    other labelling reads exactly: the decoder's search behind it takes minutes on a recovered model and
    does not make it exact (its names, not its function, are in doubt)."""
    from trade.verify import EXACT

    found = None
    for read in _readings(one_hot, options, zeroed):
        confirmed = _judged(judge, read)
        if confirmed is not None and confirmed.verdict == EXACT:
            return confirmed
        found = found or confirmed  # an `equivalent` one, unless another labelling reads exactly
    return found


def _readings(one_hot: ModelWeights, options, zeroed: bool = False):
    """The non-empty readings of `one_hot`, one per labelling (`_labellings`), made as they are asked for:
    each is judged on the given model, not on `one_hot`. `zeroed` (a lifted model): after each, the same
    program with its numerical Maps' outputs for values no input reaches set to 0
    (`trade.program.reach.unreached_outputs_zeroed`), where that changes it."""
    from trade import decompile as job
    from trade.program.reach import unreached_outputs_zeroed

    for labelled in _labellings(one_hot):
        read = job.read_weights(labelled, options, check=False)
        if len(read.program.lines):
            yield read
            config = one_hot.compile_config
            other = unreached_outputs_zeroed(read.program, config.vocab, config.max_seq_len,
                                             config.causal) if zeroed else None
            if other is not None:
                yield dataclasses.replace(read, program=other, timings=dict(read.timings))


def _judged(judge: _Judge, read, run: str = "all"):
    """`read` with the verdict the given model gives it (`verdict_on_given`, `run` as there) where that is
    `exact` or `equivalent`; else None."""
    import time

    from trade.verify import EQUIVALENT, EXACT

    began = time.perf_counter()
    verdict, reason = judge.verdict(read.program, run)
    read.timings["verify_given"] = read.timings.get("verify_given", 0.0) + time.perf_counter() - began
    if verdict not in (EXACT, EQUIVALENT):
        return None
    read.config = judge.given.compile_config
    read.verdict, read.reason = verdict, f"{reason}; {judge.noted(verdict)}"
    read.undetermined = read.undetermined if verdict == EXACT else None
    return read


@functools.cache
def _blas_threads():
    """threadpoolctl's view of the BLAS libraries loaded (made once: looking them up takes a millisecond)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def decompile_transformed(model, decompiler=None, options=None):
    """`_decompile_transformed` on one BLAS thread: recovering a basis takes hundreds of products, SVDs
    and inverses of d_model-sized matrices, which BLAS threads only slow down (on a busy machine, ten
    times)."""
    with _blas_threads().limit(limits=1, user_api="blas"):
        return _decompile_transformed(model, decompiler, options)


def _decompile_transformed(model, decompiler=None, options=None):
    """The `trade.decompile.decompile` of a model that is not one-hot, or None for a one-hot model.

    Recovers the basis (`recover`) and reads the recovered model; a reading
    the GIVEN model confirms (`verdict_on_given`) is the answer. A model may
    have several bases (`readings`: a mixed basis one per rule of its shears):
    each next one is tried where the last is not confirmed `exact`, first with
    the states (`_states`) of a sample of inputs, then, where none is confirmed
    and a basis needed them, of more; the first reading confirmed `equivalent`
    is the answer where none is `exact`. A compressed model is lifted from its
    recorded compression matrix (`_lifted_reading`). Else
    the usual pipeline decompiles the recovered model and its candidates are
    judged against the given model. Where no basis is recovered (too noisy,
    compressed without its record), the decoder reads the given weights as they
    are and the reason says why; a verdict only ever comes from the given model.
    """
    import time

    from trade import decompile as job
    from trade.program.text import parse_program, program_to_text
    from trade.search_options import TooLargeError
    from trade.transform import _all_fit
    from trade.verify import EXACT, UNVERIFIED

    given = job.weights_from(model)
    if is_one_hot(given):
        return None
    if given.unembedding is not None and np.asarray(given.unembedding).shape[-1] == 0:
        return job.no_program("the given model's read-out has no columns: it shows no output, so no reading "
                              "of it could be checked", "none", given.compile_config)
    options = options or job.DecompileOptions()
    judges: list[_Judge] = []
    recover_seconds = 0.0
    equivalent = None  # the first reading confirmed `equivalent`: the answer only where none is `exact`
    given_run = functools.cache(functools.partial(run_given, given))  # one run of the given model, shared
    every_run = every_input_run(given)  # and one on every input, where a compressed reading needs it
    early_run = _run_size(given) <= EARLY_RUN_INPUTS
    for count in (FIRST_STATE_INPUTS, STATE_INPUTS):  # a sample of states first, then more where it fails
        states = _StateRun(given, count)
        pending = []  # readings not `exact` without a run of the given model, in the order found
        for shears in readings(given):
            began = time.perf_counter()
            recovery, note = _recovered(given, shears, states)
            recover_seconds += time.perf_counter() - began
            if recovery is not None and any(_same_recovery(j.recovery, recovery) for j in judges):
                continue  # the same basis, snapped alike: nothing new to read
            judge = _Judge(given, recovery, note, run=given_run, every_run=every_run)
            judges.append(judge)
            if recovery is None or not options.read:
                continue
            unmapped = []  # `exact` without a run, in any basis, first: through the recovered change or a
            for read in _readings(recovery.weights, options):  # least-squares one (values in another order),
                if _judged(judge, read, run=QUICK) is not None or _judged(judge, read, run=PLAIN) is not None:
                    read.timings["recover_basis"] = recover_seconds
                    return read
                unmapped.append(read)
            for read in unmapped:  # then with heads and units matched: the costliest step, last
                confirmed = _judged(judge, read, run="none")
                if confirmed is None and judge.fits(read.program) and early_run:  # a run alone stands between
                    confirmed = _judged(judge, read, run="exact")  # it and `exact`, and runs are short
                if confirmed is not None and confirmed.verdict == EXACT:
                    read.timings["recover_basis"] = recover_seconds
                    return read
                pending.append((judge, read))
        for judge, read in pending:  # then runs; once one is `equivalent`, only for an `exact` one
            confirmed = _judged(judge, read, run="all" if equivalent is None else "exact")
            if confirmed is not None and confirmed.verdict == EXACT:
                confirmed.timings["recover_basis"] = recover_seconds
                return confirmed
            equivalent = equivalent or confirmed
        if equivalent is not None or not states.used or _all_fit(given, count):
            break  # one is confirmed, or no basis needed the states, or they were every input's
    if equivalent is not None:
        equivalent.timings["recover_basis"] = recover_seconds
        return equivalent
    lift_note, unconfirmed = None, None
    if options.read and all(j.recovery is None for j in judges):
        read, lift_note, unconfirmed = _lifted_reading(given, options)  # an unconfirmed one: judged below
        if read is not None:
            read.timings["recover_basis"] = recover_seconds + read.timings.pop("lift", 0.0)
            return read
    judge = next((j for j in judges if j.recovery is not None), judges[0])
    recovery = judge.recovery
    if recovery is not None:
        result = job.decompile(recovery.weights, decompiler, options)
    elif unconfirmed is not None:  # the lifted model's reading: the decoder reads compressed models far worse
        judge, result = unconfirmed
        result.config = given.compile_config
    elif not job.decoder_applies(given):  # outside what the decoder was trained on it only costs time
        result = job.no_program("the neural decoder was not tried (it reads TraDe's training distribution "
                                "only)", "none", given.compile_config)
    else:
        # The decoder alone (greedy): the searches read one-hot weights and have nothing to read here.
        plain = dataclasses.replace(given, unembedding=None, transform=None, residual_labels=None)
        try:
            result = job._decompile_weights(plain, decompiler or job.load_decompiler(), dataclasses.replace(
                options, beam_size=1, repair=False, skeleton=False, undetermined=False))
        except TooLargeError as error:  # the model is larger than the decoder reads: no program, and why
            result = job.no_program(f"the decoder could not run ({error})", "none", given.compile_config)
        result.config = given.compile_config
    began = time.perf_counter()
    programs = [result.program]
    for candidate in result.candidates:
        try:
            programs.append(parse_program(candidate.text))
        except (ValueError, TypeError, AttributeError):  # a candidate the parser does not take: skip it
            continue
    best = None
    seen = set()
    for program in programs:
        if program in seen or not len(program.lines):  # an empty reading: nothing to judge
            continue
        seen.add(program)
        verdict, reason = judge.verdict(program)
        if best is None or job._RANK[verdict] < job._RANK[best[1]]:
            best = (program, verdict, reason)
        if verdict == EXACT or len(seen) >= MAX_RECHECKED:
            break
    if best is None:
        best = (result.program, UNVERIFIED, result.reason)
    program, verdict, reason = best
    if program != result.program:
        result.program, result.text = program, program_to_text(program, job.layer_comments(
            program, given.compile_config))
    result.verdict, result.reason = verdict, f"{reason}; {judge.noted(verdict)}"
    if verdict == UNVERIFIED and recovery is None:
        result.reason = "; ".join(part for part in (judge.note, lift_note, reason) if part)
    result.timings["recover_basis"] = recover_seconds
    result.timings["verify_given"] = time.perf_counter() - began
    return result


# ---- mixed (non-orthogonal) bases -------------------------------------------------------------------


def _rows(matrix) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    return matrix[np.abs(matrix).max(axis=1) > 0] if matrix.size else matrix


def _reads(weights: ModelWeights) -> np.ndarray:
    """Every vector the weights read (query, key, value, first MLP columns, the unembedding), as rows."""
    params = weights.params
    reads = [np.asarray(params[name], dtype=np.float64).T for name in sorted(params) if name.endswith(_READS)]
    if weights.unembedding is not None:
        reads.append(np.asarray(weights.unembedding, dtype=np.float64).T)
    return _rows(np.vstack(reads))


def _layer_writes(weights: ModelWeights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every vector a head or an MLP writes, as rows, the layer each comes from, and its place there:
    the row of the layer's head outputs (a head's rows are contiguous) or its MLP unit, MLP units after
    every head row (Tracr concatenates a layer's MLPs, so one variable's units are contiguous)."""
    params = weights.params
    rows, layers, places = [], [], []
    for layer in range(weights.num_layers):
        offset = 0
        for part in _WRITES:
            matrix = np.asarray(params[f"transformer/layer_{layer}/{part}"], dtype=np.float64)
            kept = np.flatnonzero(np.abs(matrix).max(axis=1) > 0) if matrix.size else np.zeros(0, int)
            rows.append(matrix[kept].reshape(-1, weights.d_model))
            layers += [layer] * len(kept)
            places += list(offset + kept)
            offset += matrix.shape[0]
    return np.vstack(rows), np.array(layers, dtype=int), np.array(places, dtype=int)


def _touches(vectors: np.ndarray, reads: np.ndarray, scale: np.ndarray, tolerance: float) -> np.ndarray:
    """[vectors, reads]: whether each read sees each (unit) vector: its pairing, relative to the read's
    largest pairing with any write, above `tolerance`."""
    return np.abs(vectors @ reads.T) / scale[None, :] > tolerance


def _independent(candidates: np.ndarray, start: np.ndarray, tolerance: float) -> list[int]:
    """Indices of `candidates`, in order, that add a direction to the span of `start` and those taken."""
    d = candidates.shape[1]
    basis, size = np.zeros((d, d)), 0  # orthonormal rows spanning `start` and those taken so far
    if len(start):
        _, singular, right = np.linalg.svd(start, full_matrices=False)
        kept = right[singular > tolerance * np.abs(start).max()]
        basis[:len(kept)], size = kept, len(kept)
    taken = []
    lengths = np.linalg.norm(candidates, axis=1)
    for index in np.flatnonzero(lengths).tolist():  # a zero vector adds nothing (and would divide by 0)
        if size == d:
            break  # the span is everything: nothing more adds a direction
        unit = candidates[index] / lengths[index]
        rest = unit - (basis[:size] @ unit) @ basis[:size]
        length = np.linalg.norm(rest)
        if length > tolerance ** 0.5:
            taken.append(index)
            basis[size], size = rest / length, size + 1
    return taken


STATE_INPUTS = 4000  # inputs run to see which values a residual direction takes (all, where fewer)
EARLY_RUN_INPUTS = 5000  # a reading only a run keeps from `exact` runs before other bases: runs this short
FIRST_STATE_INPUTS = 100  # the seeded sample tried first: running all of them is most of a mixed model's time


def _states(weights: ModelWeights, count: int = STATE_INPUTS) -> np.ndarray:
    """Final residual streams (every position) on every input, or a seeded sample of `count`, as rows:
    every variable's values show (a SelectorWidth's largest counts need the longest inputs)."""
    from trade.transform import sampled_inputs
    from trade.verify import run_weights_rows

    batches, _ = sampled_inputs(weights, count, count, 0)  # float32: a shear is fit far above its rounding
    return run_weights_rows(weights, batches, np.float32).astype(np.float64)


class _StateRun:
    """`_states(weights, count)`, run when first asked for and then kept: the bases `readings` tries for
    one model share it. `used`: whether anything asked."""

    def __init__(self, weights: ModelWeights, count: int):
        self.weights, self.count, self._states = weights, count, None

    def __call__(self) -> np.ndarray:
        if self._states is None:
            self._states = _states(self.weights, self.count)
        return self._states

    @property
    def used(self) -> bool:
        return self._states is not None


def _selector_width_values(weights: ModelWeights, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """The count directions of every SelectorWidth and the scratch direction its head writes, as rows (in
    the given coordinates), and their layers. Both are exact: no shear may move them (the scratch holds
    1/(count + 1), so a shear onto the largest count would zero that count's states).

    Tracr's SelectorWidth MLP, after its head has written the scratch direction s, has a unit that reads
    BOS and writes `-v:0 - s` (first in the layer's MLP), then a run of pairs that read s and write
    `v:k - v:k+1` and its negation (from the largest count down), then one unit that writes `v:N`. The
    hidden units keep their order under any change of residual basis, so the counts follow:
    `v:0 = -w - s`, then each next count is the last minus its step; the last must match its unit.
    SelectorWidths of one layer may share the BOS unit (`_counts_from_units`). A numerical SelectorWidth
    has one direction, which its steps write +-1 of (and its last unit N of): that direction alone.
    """
    params = weights.params
    found, layers = [], []
    for layer in range(weights.num_layers):
        heads = np.asarray(params[f"transformer/layer_{layer}/attn/linear/w"], dtype=np.float64)
        first = np.asarray(params[f"transformer/layer_{layer}/mlp/linear_1/w"], dtype=np.float64)
        second = np.asarray(params[f"transformer/layer_{layer}/mlp/linear_2/w"], dtype=np.float64)
        if not heads.size or not first.size:
            continue
        runs = []  # (scratch direction, first unit, last count's unit, steps)
        pairing = np.abs(heads @ first)  # [head rows, units]
        readers = pairing > 0.1 * np.maximum(pairing.max(axis=1, keepdims=True), 1e-12)
        count, start_at = readers.sum(axis=1), readers.argmax(axis=1)
        end_at = readers.shape[1] - readers[:, ::-1].argmax(axis=1)
        # rows that an even run of two or more neighbouring units reads, and no other unit
        runs_read = (count >= 2) & (count % 2 == 0) & (end_at - start_at == count)
        for row in np.flatnonzero(runs_read & (np.abs(heads).max(axis=1) > 0)).tolist():
            start, end = int(start_at[row]), int(end_at[row])
            steps = second[start:end:2]
            if end < second.shape[0] and \
                    np.abs(steps + second[start + 1:end:2]).max() <= tolerance * np.abs(steps).max():
                runs.append((heads[row], start, end, steps))
        inside = {unit for _, start, end, _ in runs for unit in range(start, end + 1)}
        others = [unit for unit in range(second.shape[0]) if unit not in inside]
        for group in [[run] for run in runs] + ([runs] if len(runs) > 1 else []):
            counts = _counts_from_units(group, second, others, tolerance)
            if counts is None or any(np.allclose(counts[0], value) for value in found):
                continue
            found += counts + [scratch for scratch, _, _, _ in group]
            layers += [layer] * (len(counts) + len(group))
    return np.array(found).reshape(-1, weights.d_model), np.array(layers, dtype=int)


def _counts_from_units(runs: list, second: np.ndarray, others: list[int], tolerance: float
                       ) -> list[np.ndarray] | None:
    """The counts of the SelectorWidths in `runs` (one, or several that share one BOS unit writing
    `-(v:0 + s)` for each), or None where their units do not fit Tracr's layout."""
    if not others:
        return None
    bases = [np.vstack([steps, second[end]]) for _, _, end, steps in runs]  # each spans its counts
    spans = np.vstack(bases)
    moved = second[others] + sum(scratch for scratch, _, _, _ in runs)
    coefficients = np.linalg.lstsq(spans.T, moved.T, rcond=None)[0].T  # [others, span rows]
    left = np.linalg.norm(moved - coefficients @ spans, axis=1)
    best = int(np.argmin(left))
    if left[best] > 10 * tolerance * max(np.linalg.norm(moved[best]), 1e-12):
        return None
    out, place = [], 0
    for (scratch, start, end, steps), rows in zip(runs, bases):
        if np.linalg.matrix_rank(rows, tol=tolerance * np.abs(rows).max()) == 1:
            # a numerical SelectorWidth: every step writes +-1 of its one direction, the last unit N of it
            out.append(-steps[0])
            place += len(rows)
            continue
        values = [-(coefficients[best, place:place + len(rows)] @ rows)]  # this one's v:0
        place += len(rows)
        for step in steps[::-1]:
            values.append(values[-1] - step)
        last = second[end]
        if np.abs(values[-1] - last).max() > 10 * tolerance * max(np.abs(last).max(), 1e-12):
            return None
        out += values
    return out


def _writers(weights: ModelWeights, layers: np.ndarray, places: np.ndarray, known: np.ndarray,
             one: np.ndarray | None, tolerance: float) -> np.ndarray:
    """For each written row (`_layer_writes`), which writer wrote it: a head, a unit of the layer's MLP,
    or a run of units that discretise one numerical direction. Only the latter writes a variable's
    values in combination (`v:0`, then steps `v:k - v:0`): its units come in pairs that read that one
    `known` direction and `one` (`L (x - t) + 1`, `L (x - t)`), and a last unit reads `one` alone and
    writes `v:0`. Tracr concatenates a layer's MLPs, so a run is contiguous; two Maps of one input side
    by side stay apart."""
    params = weights.params
    known = known / np.linalg.norm(known, axis=1, keepdims=True)
    writer = np.zeros(len(places), dtype=int)
    for layer in range(weights.num_layers):
        heads_rows = np.asarray(params[f"transformer/layer_{layer}/attn/linear/w"]).shape[0]
        head_size = max(heads_rows // max(weights.num_heads, 1), 1)
        first = np.asarray(params[f"transformer/layer_{layer}/mlp/linear_1/w"], dtype=np.float64)
        reads = _unit_reads(known, first, tolerance) if first.size else []
        group = list(range(len(reads)))
        unit = 0
        while unit < len(reads):  # a run: pairs of units that read one direction, then one reading `one`
            end = unit
            while end + 1 < len(reads) and len(reads[unit]) == 1 and one is not None \
                    and reads[end] == reads[end + 1] == reads[unit] \
                    and abs(one @ (first[:, end] - first[:, end + 1]) - 1) <= 1e-3:
                end += 2  # `L (x - t) + 1` and `L (x - t)`: their readings of `one` differ by 1
            if end > unit and end < len(reads) and reads[end] == ():
                end += 1
            group[unit:max(end, unit + 1)] = [unit] * (max(end, unit + 1) - unit)
            unit = max(end, unit + 1)
        for row in np.flatnonzero(layers == layer):
            place = int(places[row])
            mlp = place >= heads_rows
            writer[row] = (layer * 2 + mlp) * 100_000 + (group[place - heads_rows] if mlp else
                                                         place // head_size)
    return writer


def _discretised_values(weights: ModelWeights, writes: np.ndarray, writers: np.ndarray, places: np.ndarray,
                        atoms: np.ndarray, atom_writers: np.ndarray, fixed: np.ndarray, embedded: np.ndarray,
                        tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """The layer atoms with each categorical output of a discretising MLP (a numerical-to-categorical
    Map) as its values' directions, read off the MLP's units, and those atoms fixed (never sheared).

    Tracr's discretising MLP (`_writers`) writes `v:f(x_0)` from its last unit (the one that reads `one`
    alone) and, from the first unit of each pair k, the step `v:f(x_k) - v:f(x_k-1)` (the second unit
    writes its negation), so in any basis the value directions are the first write plus the steps
    summed in unit order (hidden units keep their order under a change of residual basis). The states
    cannot part them where the model itself is inexact: an input within 1/L of a threshold leaves a
    step half on, and no shear then zeroes the combination on every state (`_single_directions`).
    A writer whose rows do not have this shape, or whose sums do not give as many independent
    directions as it has atoms, is left as it is."""
    atoms, fixed = atoms.copy(), fixed.copy()
    for writer in sorted(set(atom_writers[~fixed].tolist())):
        mine = np.flatnonzero((atom_writers == writer) & ~fixed)
        layer, mlp = divmod(writer // 100_000, 2)
        if writer < 0 or not mlp or len(mine) < 2:
            continue
        heads_rows = np.asarray(weights.params[f"transformer/layer_{layer}/attn/linear/w"]).shape[0]
        rows = np.flatnonzero(writers == writer)
        by_offset = {int(places[row]) - heads_rows - writer % 100_000: writes[row] for row in rows}
        last = max(by_offset)
        scale = max(np.abs(row).max() for row in by_offset.values())
        if last % 2 or last + 1 in by_offset:
            continue  # the last unit writing is no start unit (its pair's second unit, or a numerical Map)
        steps = sorted(offset for offset in by_offset if offset != last)
        paired = all((offset + 1 if offset % 2 == 0 else offset - 1) in by_offset for offset in steps) and all(
            np.abs(by_offset[offset] + by_offset[offset + 1]).max() <= tolerance * scale
            for offset in steps if offset % 2 == 0)
        if not paired:
            continue
        value, values = by_offset[last], [by_offset[last]]
        for offset in (offset for offset in steps if offset % 2 == 0):
            value = value + by_offset[offset]
            values.append(value)
        distinct: list[np.ndarray] = []
        for value in values:
            length = np.linalg.norm(value)
            if length <= tolerance * scale:
                continue
            unit = value / length
            if all(abs(unit @ kept) < 1 - tolerance for kept in distinct):
                distinct.append(unit)
        if len(distinct) != len(mine):
            continue
        moved = atoms.copy()
        moved[mine] = distinct
        before = np.linalg.matrix_rank(np.vstack([embedded, atoms]), tol=tolerance)
        if np.linalg.matrix_rank(np.vstack([embedded, moved]), tol=tolerance) != before:
            continue
        atoms, fixed[mine] = moved, True
    return atoms, fixed


def _unit_reads(known: np.ndarray, first: np.ndarray, tolerance: float) -> list[tuple[int, ...]]:
    """Per hidden unit (column of `first`), the `known` directions it reads: those it pairs with above
    `tolerance` times its largest pairing; none where that pairing is itself below `tolerance` times
    the unit's largest entry."""
    pairing = np.abs(known @ first)  # [known, units]
    largest = pairing.max(axis=0, initial=0.0)
    active = largest > tolerance * np.abs(first).max(axis=0)
    read = (pairing > tolerance * np.maximum(largest, 1e-12)) & active
    units, dims = np.nonzero(read.T)
    cuts = np.searchsorted(units, np.arange(1, first.shape[1]))
    return [tuple(part.tolist()) for part in np.split(dims, cuts)]


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _single_directions(layer_atoms: np.ndarray, atom_writers: np.ndarray, fixed: np.ndarray,
                       embedded: np.ndarray, reads: np.ndarray, states: np.ndarray, tolerance: float,
                       sweeps: int = 2, shears: str = "strict") -> np.ndarray:
    """Layer atoms where a direction only ever written in a combination (a SelectorWidth writes
    `v:3 - v:4`) becomes the single direction.

    In the basis of the combinations a categorical value is no longer one-hot: a state with `v:3` has
    the coordinates of `(v:3 - v:4) + (v:4 - v:5) + v:5`. A shear `a_j += c a_i` moves coordinate i
    by -c times coordinate j and the pairings of a_j by c times those of a_i; c is the weighted median
    that zeroes most states' coordinates (or, for a value no input reaches, as the count 0 of `length`,
    most reads' pairings, never all of them). The shear that zeroes most is taken, then the next: first
    in the states (seen by no more reads), then, for directions no state shows, in the reads. Only
    atoms one layer writes are sheared together (a SelectorWidth's head and MLP both write its
    directions): a Map of a Map written in a later layer may be a bijection of it, and its states alone
    cannot tell them apart.

    A shear must part a combination fully: i becomes 0 on every state where j is on. Two variables one
    layer writes can still imply each other (`abs(tokens) == 0` only where `indices < tokens` is
    False), so `shears` also weighs the reads: "strict" asks that the sheared direction be seen by
    fewer reads and skips the reads' phase, "lenient" by no more, "free" asks nothing of them (a query
    may read `v:0 + v:1` where `v:1 - v:0` was seen by one read only). No rule is right for every
    model: `decompile_transformed` tries them in turn (`SHEAR_RULES`) until a reading is confirmed.
    """
    atoms = layer_atoms.copy()
    stacked = np.vstack([embedded, atoms])
    coordinates = (states @ np.linalg.pinv(stacked.T).T)[:, len(embedded):]  # least squares, one pinv
    noise = tolerance * max(float(np.abs(coordinates).max()), 1e-12)
    pairings = reads @ (atoms / np.linalg.norm(atoms, axis=1, keepdims=True)).T  # [reads, atoms]
    def seen(column: np.ndarray) -> int:
        return int((np.abs(column) > tolerance).sum())

    strict = shears == "strict"
    most_reads = {"strict": -1, "lenient": 0}.get(shears, len(reads))  # more reads a shear may add
    for by_states in (True, False) if not strict else (True,):
        for _ in range(sweeps * len(atoms)):  # steepest descent: the shear that zeroes most, each time
            best = None
            for j in range(len(atoms)):
                active = np.abs(coordinates[:, j]) > noise
                if fixed[j] or by_states != bool(active.any()):
                    continue
                # Fixed atoms (a SelectorWidth's) are exact: never sheared, nor sheared onto another.
                for i in np.flatnonzero((atom_writers == atom_writers[j]) & (np.arange(len(atoms)) != j)
                                        & ~fixed):
                    if by_states:
                        shear = _weighted_median(coordinates[active, i] / coordinates[active, j],
                                                 np.abs(coordinates[active, j]))
                    else:
                        read = np.abs(pairings[:, i]) > tolerance
                        if not read.any():
                            continue
                        shear = _weighted_median(-pairings[read, j] / pairings[read, i],
                                                 np.abs(pairings[read, i]))
                    if abs(shear) <= tolerance:
                        continue
                    moved = coordinates[:, i] - shear * coordinates[:, j]
                    paired = pairings[:, j] + shear * pairings[:, i]
                    fewer_states = (np.abs(moved) > noise).sum() - (np.abs(coordinates[:, i]) > noise).sum()
                    fewer_reads = seen(paired) - seen(pairings[:, j])
                    if by_states and (fewer_states >= 0 or fewer_reads > most_reads
                                      or np.abs(moved[active]).max() > noise):
                        continue  # a combination parts fully: i is 0 wherever j is on (else a correlation)
                    if not by_states and (fewer_reads >= 0 or seen(paired) == 0):
                        continue  # a value no input reaches still has its reader
                    gain = fewer_states if by_states else fewer_reads
                    if best is None or gain < best[0]:
                        best = (gain, j, i, shear, moved, paired)
            if best is None:
                break
            _, j, i, shear, moved, paired = best
            coordinates[:, i], pairings[:, j] = moved, paired
            atoms[j] = atoms[j] + shear * atoms[i]
    return atoms


def _completion(atoms: np.ndarray, reads: np.ndarray, tolerance: float) -> np.ndarray:
    """A direction outside the span of `atoms` that the fewest reads see: one nothing reads (PAD) first,
    then one value that is read but never written. Linear programs over the directions left (one
    normalisation each), the sparsest kept."""
    from scipy.optimize import linprog

    left = np.linalg.svd(atoms, full_matrices=True)[2][len(atoms):]  # the quotient, [q, d]
    free = np.vstack([left, atoms])
    shift = reads @ free.T  # [reads, q + atoms]
    count, size = shift.shape
    cost = np.r_[np.zeros(size), np.ones(count)]
    bound = np.block([[shift, -np.eye(count)], [-shift, -np.eye(count)]])
    best, best_seen = left[0], None
    for j in range(len(left)):
        equal = np.r_[np.eye(size)[j], np.zeros(count)][None]
        result = linprog(cost, A_ub=bound, b_ub=np.zeros(2 * count), A_eq=equal, b_eq=[1.0],
                         bounds=[(None, None)] * size + [(0, None)] * count, method="highs")
        if result.status != 0:
            continue
        vector = result.x[:size] @ free
        seen = _seen_by(vector, reads, tolerance)
        if best_seen is None or seen < best_seen:
            best, best_seen = vector, seen
    return best / np.linalg.norm(best)


def _seen_by(vector: np.ndarray, reads: np.ndarray, tolerance: float) -> int:
    """How many reads (each divided by its scale) see the direction of `vector`."""
    return int((np.abs(reads @ (vector / np.linalg.norm(vector))) > tolerance).sum())


def _right_singular(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A matrix's singular values and all its right singular vectors (rows), without the left ones a
    full SVD of a tall matrix would also make."""
    _, singular, right = np.linalg.svd(matrix, full_matrices=matrix.shape[0] < matrix.shape[1])
    return singular, right


def _one(reads: np.ndarray, target: np.ndarray, known: np.ndarray, tokens: np.ndarray,
         tolerance: float) -> np.ndarray:
    """The direction `one`: it pairs with each read as `target` says, but the reads fix it only up to
    directions no read sees (PAD, values nothing reads), and every token row holds `one`, so no state
    tells either. Any choice gives the same weights, but the shortest can leave a token row
    `tokens:v = row - one` that nothing reads (PAD) inside the span of the `known` rows (positions,
    layer directions) and the token rows: of `one` moved along what no read sees, toward the direction
    those rows leave out, the choice that keeps all directions best conditioned."""
    # The shortest, orthogonal to what no read sees: least squares from the reads' SVD (as `lstsq`, whose
    # cut-off it keeps), which also gives what no read sees.
    left, reads_singular, reads_right = np.linalg.svd(reads, full_matrices=reads.shape[0] < reads.shape[1])
    rank = int((reads_singular > np.finfo(float).eps * max(reads.shape) * reads_singular.max()).sum())
    one = reads_right[:rank].T @ ((left[:, :rank].T @ target) / reads_singular[:rank])
    unseen = reads_right[int((reads_singular > NULL_LEVEL * reads_singular.max()).sum()):]
    singular, right = _right_singular(np.vstack([known, tokens]))
    outside = right[int((singular > tolerance * singular.max()).sum()):]  # what the known rows leave out
    if not len(outside) or not len(unseen):
        return one
    free = unseen.T @ (unseen @ (outside.T @ (outside @ one) if np.linalg.norm(outside @ one) >
                                 tolerance * np.linalg.norm(one) else outside[0]))
    if np.linalg.norm(free) <= tolerance:
        return one
    free *= np.linalg.norm(one) / np.linalg.norm(free)

    fixed = known / np.maximum(np.linalg.norm(known, axis=1, keepdims=True), 1e-30)
    wide = len(known) + 1 + len(tokens) <= known.shape[1]  # the Gram matrix of the rows, else of the columns

    @functools.cache
    def fixed_gram() -> np.ndarray:
        """The Gram matrix's part from the known rows, which no shift moves: made once, when asked."""
        return fixed @ fixed.T if wide else fixed.T @ fixed

    def conditioning(moved: np.ndarray) -> float:
        """The condition number of the unit rows, from the eigenvalues of their Gram matrix (a third of
        an SVD's time; past 1e8 it only grows, which is all a minimum needs)."""
        rows = np.vstack([moved[None], tokens - moved[None]])
        rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-30)
        if wide:
            across = fixed @ rows.T
            gram = np.block([[fixed_gram(), across], [across.T, rows @ rows.T]])
        else:
            gram = fixed_gram() + rows.T @ rows
        values = np.linalg.eigvalsh(gram)
        return float(np.sqrt(values[-1] / max(values[0], 1e-30)))

    tried: dict[float, float] = {}

    def spread(shift: float) -> float:
        if shift not in tried:
            tried[shift] = conditioning(one + shift * free)
        return tried[shift]

    if spread(0.0) < WELL_CONDITIONED:
        return one
    # Decades first, then quarter decades around the best (each try is an eigendecomposition of all rows).
    decades = np.geomspace(1e-3, 1e3, 7)
    best = min(np.r_[0.0, decades, -decades].tolist(), key=spread)
    shift = min((best * 10.0 ** np.array([0.0, -0.5, -0.25, 0.25, 0.5])).tolist(), key=spread)
    found = one + shift * free
    if spread(shift) < RECOVERED_CONDITION / 2 or len(unseen) < 2:
        return found
    # Near the bar `recover` holds the directions to: the line missed. Every direction no read sees, at
    # once (a search in as many dimensions as those, from the line's best; a second or less).
    from scipy.optimize import minimize

    size = np.linalg.norm(one)
    result = minimize(lambda c: np.log(conditioning(found + size * (c @ unseen))), np.zeros(len(unseen)),
                      method="L-BFGS-B", options={"maxiter": 200})
    refined = found + size * (result.x @ unseen)
    return refined if conditioning(refined) < conditioning(found) else found


def oblique_atoms(weights: ModelWeights, tolerance: float = 1e-3, shears: str = "strict",
                  states: Callable[[], np.ndarray] | None = None) -> np.ndarray:
    """The basis directions (rows, in the given coordinates) of a model after any invertible change of
    basis, where writes move by M and reads by M^-1, so no inner product of the given coordinates means
    anything; only the pairing of a write with a read does (it is the one-hot model's).

    - Layers' directions: a SelectorWidth's counts from its MLP's units (`_selector_width_values`),
      then the written vectors (head and MLP output rows) that the fewest reads see: one-hot writes,
      taken in that order while independent. A direction only ever written in a combination is then
      sheared apart from the others its layer writes (`_single_directions`).
    - Directions nothing writes (`_completion`): PAD, and values that are read but never written.
    - The inputs, as Tracr lays them out: position rows are `indices:i`; every token row is
      `tokens:v + one` (or `tokens:v` where nothing reads `one`, and Tracr leaves it out). A read's
      coordinate on `one` is its pairing with the BOS row (no read but a BOS key, value or counter
      reads `tokens:BOS`, and those read nothing else); `one` is the direction with these pairings
      (least squares over all reads), and `tokens:v = row - one`.
    - Scales: a row is one unit of its direction; a layer direction's largest written coordinate is 1;
      an output direction the unembedding reads is scaled so that it reads 1.

    `states` gives `_states(weights)`, called only where a shear may be needed (a shared run, when given).
    """
    from trade.verify import token_ids_for

    d = weights.d_model
    params = weights.params
    reads = _reads(weights)
    tokens = np.asarray(params["token_embed/embeddings"], dtype=np.float64)
    positions = _rows(params["pos_embed/embeddings"])
    config = weights.compile_config
    bos = token_ids_for(config)[config.compiler_bos]
    token_rows = [row for row in range(tokens.shape[0]) if np.abs(tokens[row]).max() > 0]
    embedded = np.vstack([positions, tokens[token_rows]])
    scale = np.abs(embedded @ reads.T).max(axis=0)
    writes, layers, places = _layer_writes(weights)
    scale = np.maximum(scale, np.abs(writes @ reads.T).max(axis=0)) if len(writes) else scale
    scale = _unpaired_scales(reads, scale)
    seen_reads = reads / scale[:, None]  # each read divided by its largest pairing with a write
    # Layers: a SelectorWidth's counts as Tracr writes them, then the writes the fewest reads see.
    atoms_layers = np.zeros((0, d))
    if len(writes):
        counts, count_layers = _selector_width_values(weights, tolerance)
        units = writes / np.linalg.norm(writes, axis=1, keepdims=True)
        seen = _touches(units, reads, scale, tolerance).sum(axis=1)
        order = np.lexsort((np.arange(len(units)), seen))
        candidates = np.vstack([counts, units[order]])
        taken = _independent(candidates, embedded, tolerance)
        atoms_layers = candidates[taken]
        fixed = np.array(taken) < len(counts)
    # Inputs: `one` from the pairings with the BOS row, except for reads of BOS alone.
    pair_bos = reads @ tokens[bos]
    others = [row for row in token_rows if row != bos]
    pair_rest = reads @ tokens[others].T if others else np.zeros((len(reads), 0))
    big = np.maximum(np.abs(pair_bos), np.abs(pair_rest).max(axis=1, initial=0.0))
    bos_alone = (np.abs(pair_rest).max(axis=1, initial=0.0) <= tolerance * big) & (np.abs(pair_bos) > 0)
    target = np.where(bos_alone, 0.0, pair_bos)
    if (np.abs(target) > tolerance * scale).any():  # scale: each read's largest pairing
        one = _one(reads, target, np.vstack([positions, atoms_layers]), tokens[token_rows], tolerance)
        inputs = np.vstack([one[None], tokens[token_rows] - one[None]])
    else:  # nothing reads `one` (a model of categorical Maps alone): Tracr leaves it out
        inputs = tokens[token_rows]
    if len(atoms_layers) > 1:
        one_row = inputs[0] if len(inputs) > len(token_rows) else None
        known = np.vstack([positions, inputs[1:] if one_row is not None else inputs, atoms_layers])
        writers = _writers(weights, layers, places, known, one_row, tolerance)
        atom_writers = np.r_[np.full(len(counts), -1), writers[order]][taken]  # fixed atoms: none
        atoms_layers, fixed = _discretised_values(weights, writes, writers, places, atoms_layers, atom_writers,
                                                  fixed, embedded, tolerance)
        shared = [w for w in set(atom_writers[~fixed].tolist()) if (atom_writers[~fixed] == w).sum() > 1]
        if shared:  # shears happen only within one writer: the states (thousands of runs) only then
            atoms_layers = _single_directions(atoms_layers, atom_writers, fixed, embedded, seen_reads,
                                              (states or functools.partial(_states, weights))(),
                                              tolerance, shears=shears)
    atoms = np.vstack([positions, inputs, atoms_layers])
    while len(atoms) < d:  # directions nothing writes: PAD (no read sees it), values only read
        atoms = np.vstack([atoms, _completion(atoms, seen_reads, tolerance)])
    if atoms.shape[0] != d:
        raise BasisError(f"{atoms.shape[0]} directions found for a residual stream of {d}: the weights do "
                         "not separate into one direction per value (noise beyond what recovery removes)"
                         if atoms.shape[0] > d else
                         f"{atoms.shape[0]} independent directions found for a residual stream of {d}")
    # Scales: each layer direction's largest written coordinate is 1, an output's read-out is 1.
    first = len(positions) + len(inputs)
    if len(writes):
        coordinates = writes @ np.linalg.inv(atoms)
        largest = np.abs(coordinates).max(axis=0)
        for j in range(first, min(first + len(atoms_layers), d)):
            if largest[j] > 0:
                atoms[j] *= largest[j]
    read_at_scale: set[int] = set()  # directions whose scale a reader fixed
    one_at = len(positions) if len(inputs) > len(token_rows) else None  # where `one` is, if it is there
    slopes = {}  # a discretising MLP's slope fixes its input's scale (it reads `one` too)
    if one_at is not None:
        slopes = _discretised_slopes(weights, atoms, one_at, first)
        for j, slope in slopes.items():
            atoms[j] *= weights.compile_config.mlp_exactness / slope
    linear = _linear_reads(weights, atoms, one_at, first)  # `one` or not: a model of numerical Maps of
    for j, size in linear.items():  # the inputs (tables, no bias) and LinearSequenceMaps reads none
        if j not in slopes:  # a numerical SelectorWidth writes its largest count from `one`, not 1
            atoms[j] /= size
    read_at_scale |= set(slopes) | set(linear)
    if weights.unembedding is not None:
        readout = atoms @ np.asarray(weights.unembedding, dtype=np.float64)
        for column in readout.T:
            nonzero = np.flatnonzero(np.abs(column) > tolerance * max(np.abs(column).max(), 1e-12))
            if len(nonzero) == 1 and nonzero[0] >= first:
                atoms[nonzero[0]] /= column[nonzero[0]]
                read_at_scale.add(int(nonzero[0]))
    _copied_scales(weights, atoms, first, read_at_scale, tolerance)
    return atoms


def _unpaired_scales(reads: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Each read's scale, its largest pairing with a written vector, where some write pairs with it;
    a read of a direction nothing writes (a numerical Map that is 0 on every value) pairs with none but
    through rounding, so it takes its norm times the median ratio of the others': scaled by its rounding,
    that rounding would count as much as real pairings."""
    norms = np.maximum(np.linalg.norm(reads, axis=1), 1e-30)
    ratio = scale / norms
    typical = np.median(ratio)
    unpaired = ratio <= 1e-5 * typical  # float32 rounding pairs at ~1e-7
    if unpaired.any() and not unpaired.all():
        scale = np.where(unpaired, norms * np.median(ratio[~unpaired]), scale)
    return np.maximum(scale, 1e-12)


def _copied_scales(weights: ModelWeights, atoms: np.ndarray, first: int, fixed: set[int], tolerance: float
                   ) -> None:
    """Scales, in place, of layer directions (from `first` on) that a head copies one to one into a
    direction whose scale a reader fixed (`fixed`, grown as it goes, from the last layer back): Tracr's
    Aggregate moves a value with weight 1, so a numerical Map's values averaged into the output are
    read at that output's scale, not at their largest write's ((1 - n) / 10 read as 1 - n)."""
    inverse = np.linalg.inv(atoms)
    size = weights.key_size
    for layer in reversed(range(weights.num_layers)):
        values = np.asarray(weights.params[f"transformer/layer_{layer}/attn/value/w"], dtype=np.float64)
        outputs = np.asarray(weights.params[f"transformer/layer_{layer}/attn/linear/w"], dtype=np.float64)
        for head in range(weights.num_heads):
            part = slice(head * size, (head + 1) * size)
            if not values[:, part].any():
                continue  # a head Tracr added to fill the layer: it moves nothing
            moved = (atoms @ values[:, part]) @ (outputs[part] @ inverse)  # [from atom, to atom], in d^2 k
            significant = np.abs(moved) > tolerance * max(np.abs(moved).max(), 1e-12)
            for k in sorted(fixed):
                sources = np.flatnonzero(significant[:, k])
                if len(sources) != 1 or sources[0] < first or sources[0] in fixed or sources[0] == k \
                        or significant[sources[0]].sum() != 1:
                    continue
                j = int(sources[0])
                inverse[:, j] *= moved[j, k]  # the direction / s: its coordinates x s
                atoms[j] /= moved[j, k]
                fixed.add(j)


def _mlp_reads(weights: ModelWeights, atoms: np.ndarray, slack: float):
    """Per MLP of two units or more: how its units read each atom ([atoms, units]), and which readings are
    significant (above `slack` of the unit's largest)."""
    for layer in range(weights.num_layers):
        hidden = np.asarray(weights.params[f"transformer/layer_{layer}/mlp/linear_1/w"], dtype=np.float64)
        read = atoms @ hidden
        if read.shape[1] >= 2:
            yield read, np.abs(read) > slack * np.abs(read).max(axis=0, keepdims=True)


def _agreeing(found: dict[int, list[float]], slack: float) -> dict[int, float]:
    """Per direction, the median of its readings, where they agree within `slack` (relative)."""
    return {j: float(np.median(values)) for j, values in found.items()
            if max(values) - min(values) <= slack * min(abs(value) for value in values)}


def _linear_reads(weights: ModelWeights, atoms: np.ndarray, one: int | None, first: int, slack: float = 1e-3
                  ) -> dict[int, float]:
    """The numerical layer directions (from `first` on) that a LinearSequenceMap reads, with the size it
    reads each with. Tracr's numerical MLP for `LinearSequenceMap` reads each input x in a pair of
    neighbouring units, `x` and `-x`, with no bias (`one`, at index `one` of `atoms`; None where the
    model has no `one`): read at +-s in any basis, the input's scale is s. Directions read at differing
    sizes are left out."""
    sizes: dict[int, list[float]] = {}
    for read, size in _mlp_reads(weights, atoms, slack):
        alone = size.sum(axis=0) == 1  # units reading one direction, without a bias
        if one is not None:
            alone &= ~size[one]
        for unit in np.flatnonzero(alone[:-1] & alone[1:]).tolist():
            j = int(size[:, unit].argmax())
            low, high = read[j, unit], read[j, unit + 1]
            if j >= first and size[j, unit + 1] and abs(low + high) <= slack * abs(low):
                sizes.setdefault(j, []).append(abs(float(low)))
    return _agreeing(sizes, slack)


def _discretised_slopes(weights: ModelWeights, atoms: np.ndarray, one: int, first: int,
                        slack: float = 1e-3) -> dict[int, float]:
    """The numerical layer directions (from `first` on) that a discretising MLP reads, with the slope it
    reads each with. Tracr's discretising layer reads its input x in pairs of units `L (x - t) + 1` and
    `L (x - t)`, with L = `mlp_exactness`: the pair's readings of `one` (index `one` of `atoms`) differ
    by exactly 1, so the slope in any basis says the input's scale. Directions read with differing
    slopes are left out. Slopes that agree within `slack` (relative) are one: a mixed basis moves each by
    float rounding (of float32 weights: 100 reads as 99.999996 and 100.000002)."""
    slopes: dict[int, list[float]] = {}
    for read, size in _mlp_reads(weights, atoms, slack):
        seen = size[:, :-1] | size[:, 1:]  # what each pair of neighbouring units reads
        seen[one] = False
        steps = np.abs(read[one, :-1] - read[one, 1:] - 1) <= slack  # readings of `one` 1 apart
        pairs = np.flatnonzero((seen.sum(axis=0) == 1) & steps)
        for unit, j in zip(pairs.tolist(), seen[:, pairs].argmax(axis=0).tolist()):
            slope = float(read[j, unit])
            if j >= first and slope and abs(read[j, unit + 1] - slope) <= slack * abs(slope):
                slopes.setdefault(j, []).append(slope)
    return _agreeing(slopes, slack)
