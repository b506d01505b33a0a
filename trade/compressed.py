"""Lifting a compressed model (`trade.transform.compress`) back to a one-hot model the readers can read.

A compressed model keeps Tracr's heads, head dimensions and MLP units; only
the residual stream is squeezed from d_model one-hot directions to K < d_model
dimensions by a K x d_model matrix W: every write (embedding row, head output
row, MLP output row) became r W^T and every read (query, key, value and MLP
input column) W r. Column j of W is the image ("atom") of one-hot direction j,
and in the one-hot basis each of these vectors is sparse. `lift` writes each of
the given model's K-vectors back as a few atoms:

- writes: one atom times a number (a Map's value, a position, an Aggregate's
  output), else two (a token row `tokens:v + one`, a SelectorWidth's step
  `v:k - v:k+1`), else the sparsest combination (a layer's bias); no layer
  writes `one`, tokens or positions. These fix the blocks a read may see:
  `one`, tokens, positions, and what each head and each layer's MLP writes;
- the lifted stream: the given model runs on every input and the writes' codes,
  weighted by its own attention and neurons, build the lifted states beside it.
  A direction no position after BOS holds is a value never taken: the read loss
  never sees it, so the compression left its atom 0 or arbitrary. Writes that
  fire are coded again without such atoms;
- reads: one atom alone where one gives it back (a Tracr read of one value),
  else the combination of least L1 norm within the fewest blocks that give it
  back (a Tracr read sees one or two variables, and `one`), of directions
  written before the reader, refusing huge coefficients that cancel; where that
  fails, coded on the lifted states, as are reads of the embeddings whose code
  reads the lifted states otherwise than the given column reads the given ones.
  With K < d_model the atoms are linearly dependent (positions sum to `one`,
  so do tokens, and values that never occur may be squeezed out): a plain
  sparsest combination picks foreign readings such as `100 (one - tokens:BOS)`
  for `100 tokens:v` summed over the vocabulary. Where the first reading fails,
  the reads are coded again within the variables the inferred labels name, an MLP unit's with one value
  of each variable (every Tracr unit reads so: a variable that is a function of an earlier one may get
  atoms the earlier one's give, Morse dots of a code). A read that one lone atom (no duplicates) gives
  back is kept even where the given states read otherwise (the compression's interference). The atoms
  may obey `one = BOS + every position`, so BOS is read alone (a SelectorWidth's MLP) or by keys only
  (Tracr's default attention to BOS), never bought as part of `one`;
- values the compression lost come back in Tracr's layout (the atoms keep
  Tracr's order, so a lost direction keeps its place): a SelectorWidth's
  counts, a SequenceMap's neurons that lost an input value or their output
  value (where its other neurons write in the x-major order of their pairs; a neuron whose values
  were both lost is placed by the grid of the others), a categorical
  Map's neurons that lost their output values (and inputs), tokens whose
  directions are lost (at their places among the tokens; a model may have no
  `one`); output values whose directions are lost leave `output_values`. A categorical Map's
  neuron that reads nothing (a value no input maps to) writes its lost direction again;
- duplicate atoms: directions every state holds alike (a numerical Map's `is_b` and a categorical
  `lower:b`, values never taken) may get one vector. A write or read of it is the duplicate its place
  says: in the variables an MLP's other units read, between its neighbour neurons' directions, beside
  what its head reads, where a SelectorWidth's other counts or a SequenceMap's grid put it.
  `fold_fit` gives equal atoms one direction each (any such choice folds alike).

The coefficients are snapped to Tracr's small fractions (`trade.basis.snap`);
directions nothing writes or reads are dropped, and the residual labels are
inferred as for any unlabelled model. The verdict never comes from the lift:
it comes from running the given model (`trade.basis.verdict_on_given`);
`fold_fit` is the compressed model's `trade.basis.basis_fit` (W, its atoms in
the order the reading's names give the stream, folds a recompiled reading onto
the given weights), the hook of `exact` verdicts.

The atoms come from the transform record (`matrix`, W itself, which
`trade.transform.compress` writes). Finding them in the weights alone is not
done: a model without the record raises `trade.basis.BasisError`, as does a
mixed or rotated one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import itertools

import numpy as np

from trade.basis import BasisError, is_one_hot, snap
from trade.weights import ModelWeights, output_block

_WRITES = ("attn/linear/w", "attn/linear/b", "mlp/linear_2/w", "mlp/linear_2/b")
_READS = ("attn/query/w", "attn/key/w", "attn/value/w", "mlp/linear_1/w")
_EMBEDDINGS = ("token_embed/embeddings", "pos_embed/embeddings")
SNAP_RELATIVE = 1e-4  # lifted entries within this fraction of their matrix's largest snap to 0 or a fraction
FIT_TOLERANCE = 1e-4  # a vector's combination of atoms must give it back within this (relative)
WRITE_ROUNDING = 1e-6  # a write's pair of atoms may miss it by this much of its matrix's largest entry
WRITE_FLOOR = 0.02  # a write's coefficient below this fraction of its row's largest is set to 0
EMBEDDING_SLACK = 0.1  # lifted embedding entries this close to an integer are that integer
ZERO_READ = 1e-5  # a read column this small against its matrix's largest is 0 (float32 rounding)
ONE_COST = 3.0  # where no few blocks give a read back: `one` and BOS cost this much more per unit
RELABEL_ROUNDS = 2  # reads coded again within the variables the inferred labels name, at most this often
STATE_INPUTS = 4_000  # the lifted states come from every input where there are at most this many, else a
# seeded sample of this many
STATE_CHUNK = 2_048  # `_lifted_states` runs the given model on this many inputs at a time
RARE_STATE_INPUTS = 30_000  # a second lift's states (`rare`) come from every input up to this many
REACHED = 1e-3  # a lifted direction below this after BOS on every state is never reached (softmax specks)
STATE_MISREAD = 0.1  # a read's code misreads the lifted states if it is off by this much of its largest read
UNREACHED_READ = 1e-3  # a read column this small on every state (against its matrix's largest) reads 0
CANCELLATION = 1e3  # a read's code whose atoms, times their coefficients, are this much longer than it is
# refused: huge coefficients that cancel (a Map of positions whose atoms the compression made their sums)
DUPLICATE = 1e-6  # two atoms this close (against the largest entry of one) are one vector: a tie
LOST_ATOM = 1e-6  # an atom shorter than this fraction of the median atom is 0: a direction squeezed out
SPECK_READ = 0.05  # a head's query or key entry below this fraction of its column's largest: the fold's
# imprecision, dropped in a last reading where the lifted heads read several variables


_MEMO: dict | None = None  # the results of pure solves within one lift (`_memoised`), keyed by their inputs


@contextlib.contextmanager
def _memoised():
    """Within the block, `_solved` functions return the result kept for the same inputs. Why: one lift
    codes the same reads again in each relabel round and for each variable rule (lib_nary_four: 2,064
    linear programmes of 882 distinct, 865 pseudo-inverses of 69), and each solve is deterministic."""
    global _MEMO
    before, _MEMO = _MEMO, {}
    try:
        yield
    finally:
        _MEMO = before


def _solved(function):
    """`function` (of arrays, floats and None, returning an array, a tuple of them or None) memoised by
    its arguments' bytes while `_memoised` is active; a copy of the kept result each time."""
    @functools.wraps(function)
    def memoised(*args):
        if _MEMO is None:
            return function(*args)
        digest = hashlib.blake2b(function.__name__.encode(), digest_size=20)
        for arg in args:
            digest.update(b"|" + (np.ascontiguousarray(arg).tobytes() + str(np.shape(arg)).encode()
                                  if isinstance(arg, np.ndarray) else repr(arg).encode()))
        key = digest.digest()
        if key not in _MEMO:
            _MEMO[key] = function(*args)
        return _copied(_MEMO[key])
    return memoised


def _copied(result):
    if isinstance(result, np.ndarray):
        return result.copy()
    if isinstance(result, tuple):
        return tuple(_copied(r) for r in result)
    return result


def _lost_token_places(tokens: np.ndarray, alone: np.ndarray, shared: np.ndarray, atoms: np.ndarray
                       ) -> np.ndarray | None:
    """The directions of the tokens whose atoms the compression lost (`alone`), in Tracr's order: the
    lost (0) atoms between the other tokens' directions, one per lost token in the rows' order; None
    where their number differs (the atoms keep Tracr's order, and a variable's values lie side by side,
    so a token's lost direction lies among its siblings')."""
    if not alone.any():
        return np.zeros(0, dtype=int)
    others = np.nonzero(tokens[~alone].any(axis=0) & ~shared)[0]
    if not len(others):
        return None
    between = np.arange(others.min() + 1, others.max())
    between = between[(np.abs(atoms[between]).max(axis=1) == 0) & ~np.isin(between, others)]
    return between if len(between) == alone.sum() else None


def recorded_atoms(given: ModelWeights) -> np.ndarray | None:
    """W^T (d_model x K) from the given model's last `compress` record, or None where it holds none."""
    for record in reversed(given.transform or []):
        if isinstance(record, dict) and record.get("kind") == "compress":
            matrix = record.get("matrix")
            if matrix is None:
                return None
            try:
                atoms = np.asarray(matrix, dtype=np.float64).T
            except (TypeError, ValueError):
                raise BasisError("the compress record's matrix is not a matrix of numbers") from None
            if atoms.ndim != 2 or atoms.shape[1] != given.d_model or not np.isfinite(atoms).all():
                raise BasisError(f"the compress record's matrix has shape {atoms.shape[::-1]}, not K = "
                                 f"{given.d_model} rows of finite numbers")
            return atoms
        return None  # another transformation came last: its record says nothing about W
    return None


def merges_values(given: ModelWeights) -> bool:
    """Whether the given model's compression may have given two residual directions one vector: W's
    columns alike (within DUPLICATE; values its sample never took, fjord `emoji_fruit_plurality`'s
    counts 8 and 9), or a compress record with no W to tell. Such a model cannot tell those values
    apart, and programs that differ only on them fold onto the same weights: a reading is confirmed
    only by a run on every input (`trade.transform.run_limit`)."""
    from trade.basis import _compressed

    if not _compressed(given):
        return False
    try:
        atoms = recorded_atoms(given)
    except BasisError:
        return True
    return atoms is None or any(len(_duplicates(atoms, atom)) > 1 for atom in range(len(atoms)))


def sparse_code(vectors: np.ndarray, atoms: np.ndarray) -> np.ndarray:
    """For each row v of `vectors` (n x K), the coefficients c (d) of least L1 norm (each atom's units
    costing its length) with c @ atoms = v within `FIT_TOLERANCE`. Rows that are 0 stay 0; raises
    BasisError where no combination gives a row back."""
    result = np.zeros((len(vectors), len(atoms)))
    live = np.nonzero(np.abs(atoms).max(axis=1) > 0)[0]
    for row, vector in enumerate(vectors):
        size = float(np.abs(vector).max())
        if size == 0:
            continue
        coded = _least_l1(vector, atoms[live], FIT_TOLERANCE * size)
        if coded is None:
            raise BasisError("a weight vector is no combination of the atoms")
        result[row, live] = coded
    return result


def lift(given: ModelWeights, atoms: np.ndarray | None = None, debug: dict | None = None,
         alternatives: list | None = None, rare: bool = False) -> ModelWeights:
    """The one-hot model (d = number of atoms, 0/1 embeddings, no unembedding: the output is a slice of
    the stream as in a compiled model; residual labels inferred as for any unlabelled model) whose
    weights, compressed by the atoms, are the given ones.

    `atoms` (d x K; row j is where one-hot direction j lands in the given stream): from the transform
    record where None. Raises `trade.basis.BasisError` with the reason where no one-hot model comes out
    (no record, a lifted model that does not lay out as a compiled one). `debug`, a dict, receives the
    lifted model before its labels (`lifted`), the atoms kept (`dims`), the reads' blocks (`blocks`),
    the reached atoms (`reached`), each atom's first writer (`written_at`), the writes' codes
    (`writers`) and the label error, if any. `alternatives`, a list, receives other lifted models that
    read, where more than one way of dropping neurons that never fire does (`_without_dead_neurons`).
    `rare`: the states also come from inputs uniform sampling almost never draws (`_lifted_states`).
    """
    with _memoised():
        return _lift(given, atoms, debug, alternatives, rare)


def _lift(given: ModelWeights, atoms: np.ndarray | None, debug: dict | None, alternatives: list | None,
          rare: bool) -> ModelWeights:
    """`lift`'s work, inside one memo of its solves."""
    if atoms is None:
        atoms = recorded_atoms(given)
    if atoms is None:
        atoms = discover_atoms(given)
    atoms = np.asarray(atoms, dtype=np.float64)
    if atoms.ndim != 2 or atoms.shape[1] != given.d_model:
        raise BasisError(f"the atoms must be d x K with K = {given.d_model}, not {atoms.shape}")
    # Directions of values that never occur can be squeezed out of the stream altogether: such a near-0
    # atom would buy any vector with huge coefficients. They are left out of the lifted model.
    norms = np.linalg.norm(atoms, axis=1)
    atoms = np.where((norms > LOST_ATOM * np.median(norms))[:, None], atoms, 0.0)  # an atom of 0 says nothing
    kept = np.arange(len(atoms))  # in Tracr's order: a lost one keeps its place, for `_complete_widths`
    # A token that never occurs (PAD), or one no layer tells from the others (a numerical Map's 0), may
    # have lost its direction: its row is `one` alone, or 0 where there is no `one`. Tracr's layout
    # gives every token a direction: a new one each, 0 in the given stream.
    tokens = np.abs(_write_code(np.asarray(given.params["token_embed/embeddings"], dtype=np.float64),
                                atoms)) > 0
    written = tokens[tokens.any(axis=1)]
    shared = written.all(axis=0) if len(written) > 1 else np.zeros(len(atoms), dtype=bool)
    if shared.any():  # `one`: a lost token's row is `one` alone
        alone = (tokens.sum(axis=1) == 1) & tokens[:, shared].any(axis=1)
    else:  # no `one` (Tracr adds it only where a layer reads it): a lost token's row is 0
        alone = ~tokens.any(axis=1)
    if alone.sum() >= len(alone) - 1:
        raise BasisError(f"{alone.sum()} of {len(alone)} token rows write `one` alone or nothing: their "
                         "directions are lost")
    lost_tokens = np.nonzero(alone)[0]
    places = _lost_token_places(tokens, alone, shared, atoms)
    if places is None:  # no place left for them in Tracr's order: new directions after the others
        places = np.arange(len(atoms), len(atoms) + len(lost_tokens))
        atoms = np.concatenate([atoms, np.zeros((len(lost_tokens), atoms.shape[1]))])
        kept = np.append(kept, [-1] * len(lost_tokens))
    params, writers = {}, {}
    embedded = np.zeros(len(atoms), dtype=bool)  # `one`, tokens, positions: no layer writes them in Tracr
    for name in sorted(given.params, key=lambda n: n not in _EMBEDDINGS):
        value = np.asarray(given.params[name], dtype=np.float64)
        if name in _EMBEDDINGS or name.endswith(_WRITES):
            lifted = _write_code(value.reshape(-1, given.d_model), atoms if name in _EMBEDDINGS else
                                 atoms * ~embedded[:, None])
            if name not in _EMBEDDINGS and np.abs(lifted @ atoms - value.reshape(-1, given.d_model)).max() > \
                    FIT_TOLERANCE * np.abs(value).max(initial=0.0):
                lifted = _write_code(value.reshape(-1, given.d_model), atoms)
            if name == "token_embed/embeddings":
                _untie_tokens(lifted, atoms)
                lifted[lost_tokens, places] = 1.0
            if name in _EMBEDDINGS:  # Tracr's are 0s and 1s
                near = np.abs(lifted - np.round(lifted)) < EMBEDDING_SLACK
                lifted[near] = np.round(lifted[near])
            writers[name] = lifted
            params[name] = lifted.reshape(value.shape[:-1] + (len(atoms),))
            if name in _EMBEDDINGS:
                embedded |= (np.abs(lifted) > 0).any(axis=0)
        else:
            params[name] = value
    _untie(writers, params, atoms, embedded)
    # A direction no input reaches (a value never taken) kept whatever atom the compression left it: the
    # writes that fire are coded again without those atoms.
    states = _lifted_states(given, writers, rare)
    reached = _reached(states)
    if not reached.all():
        for name in [n for n in writers if n not in _EMBEDDINGS]:
            value = np.asarray(given.params[name], dtype=np.float64)
            writers[name] = _recoded(value.reshape(-1, given.d_model), atoms, writers[name],
                                     reached & ~embedded, ~reached & ~embedded)
            params[name] = writers[name].reshape(value.shape[:-1] + (len(atoms),))
        _untie(writers, params, atoms, embedded)
        states = None  # (gigabytes where every input runs: freed before the states of the new codes)
        states = _lifted_states(given, writers, rare)
        reached = _reached(states)
    one = np.nonzero((np.abs(writers["token_embed/embeddings"]) > 0).all(axis=0))[0]
    bos = np.nonzero(writers["token_embed/embeddings"][_bos_row(given)])[0]
    if len(one) == 1:
        _complete_widths(given, atoms, writers, params, int(one[0]), [int(b) for b in bos if b != one[0]],
                         reached | embedded)
    blocks = _blocks(writers, given.num_heads, len(atoms))  # with directions whose atoms are lost
    # no layer reads the PAD token's direction (Tracr pads no input): its atom, never reached, is arbitrary
    written_at = _written_at(writers, len(atoms))
    pad = _pad_row(given)
    if pad is not None and len(one) == 1:
        written_at[[d for d in np.nonzero(writers["token_embed/embeddings"][pad])[0] if d != one[0]]] = \
            np.iinfo(np.int32).max
    if debug is not None:
        debug["reached"], debug["written_at"], debug["writers"] = kept[reached], written_at, writers
    from trade.decompile import labelled_weights

    def read(blocks: list[np.ndarray], joint: bool = False, variables: bool = False
             ) -> tuple[ModelWeights, np.ndarray]:
        lifted, used = _with_reads(given, params, atoms, blocks, bos, written_at, states, reached,
                                   reached | embedded, joint, variables)
        values = _kept_output_values(given, atoms, used)
        if isinstance(values, list) and len(values) != len(output_block(lifted.params)):
            values = given.output_values
        return dataclasses.replace(lifted, output_values=values), used

    labelled, tried, best = None, [], None
    for round_ in range(1 + RELABEL_ROUNDS):
        lifted, used = read(blocks, variables=round_ > 0)
        if debug is not None:
            debug["dims"], debug["lifted"], debug["blocks"] = kept[used], lifted, [kept[b] for b in blocks]
        if not is_one_hot(lifted):
            raise BasisError("the lifted embeddings are not 0s and 1s")
        labelled, _ = labelled_weights(lifted)
        if labelled is None:
            break
        finer = _variable_blocks(labelled.residual_labels, np.nonzero(used)[0], blocks[0])
        key = [tuple(b) for b in finer]
        partial = _partial_count(labelled)
        if partial is not None and (best is None or partial < best[0]):
            best = (partial, labelled, lifted, used)
        if key in tried or partial == 0:
            break
        # A reading with tables short of values their inputs take may have read two SequenceMaps of one
        # layer, whose neurons read duplicate atoms, as one (fjord `lib_chargaff_counts`: four widths
        # written by one MLP are one block): the variables the labels name place them apart.
        tried.append(key)
        blocks = finer
    if best is not None:
        _, labelled, lifted, used = best
    if labelled is not None and not _reads_cleanly(labelled):
        # Values every state holds alike in two variables (`wanted:1` and `is_b`, both "the token is b")
        # may share an atom, and each column of a head then reads whichever: a head reads its queries
        # (keys) from one variable, so its columns are coded again together, within one.
        jointly, _ = labelled_weights(read(blocks, joint=True, variables=bool(tried))[0])
        if jointly is not None and _reads_cleanly(jointly):
            labelled = jointly
    if labelled is not None and not _reads_cleanly(labelled):
        tidied, _ = labelled_weights(_without_specks(lifted))
        if tidied is not None and _reads_cleanly(tidied):
            labelled = tidied
    if labelled is None or not _reads_cleanly(labelled):
        # First without the neurons that read what nothing writes, then also without those of values no
        # input reaches: either may read where the other misreads, so the second is an alternative.
        clean, unreached = False, (~reached & ~embedded)[used]
        for mask in (np.zeros_like(unreached), unreached) if unreached.any() else (unreached,):
            pruned = _without_dead_neurons(lifted, mask)
            tidied = labelled_weights(pruned)[0] if pruned is not None else None
            if tidied is not None and _reads_cleanly(tidied):
                if not clean:
                    labelled, clean = tidied, True
                elif alternatives is not None:
                    alternatives.append(tidied)
            elif tidied is not None and labelled is None:
                labelled = tidied
    if labelled is None:
        if debug is not None:
            from trade.residual_labels import infer_labels
            try:
                infer_labels(lifted)
            except Exception as error:  # noqa
                debug["label_error"] = str(error)
        raise BasisError("the lifted model's residual labels cannot be inferred (it does not lay out as a "
                         "compiled model)")
    return labelled


def _without_specks(lifted: ModelWeights) -> ModelWeights:
    """`lifted` with each head's query and key entries below `SPECK_READ` of their column's largest set
    to 0. BOS always sits at position 0, so the compressed states never tell BOS's key from position 0's,
    and a learned W may leave a head's BOS column reading every position by 0.3% (vista
    `caesar_first_shift_20`): no head of Tracr's reads two variables. The given model still judges the
    reading."""
    params = dict(lifted.params)
    for name, value in lifted.params.items():
        if name.endswith(("attn/query/w", "attn/key/w")):
            value = np.asarray(value, dtype=np.float64)
            column = np.abs(value).max(axis=0, keepdims=True)
            params[name] = np.where(np.abs(value) < SPECK_READ * column, 0.0, value).astype(np.float32)
    return dataclasses.replace(lifted, params=params, residual_labels=None)


def _without_dead_neurons(lifted: ModelWeights, unreached: np.ndarray) -> ModelWeights | None:
    """`lifted` without the MLP neurons that never fire: those that read a value no input reaches
    (`unreached`, directions layers write), and then, again until none is left, those that read a
    direction nothing writes or nothing at all (their writes go with them); None where there are none.
    A categorical Map's neuron (one per output value, reading each input value that gives it) keeps its
    other reads. A SequenceMap whose pairs of values never meet (a SequenceMap of a variable with
    itself) maps them to values never produced, whose atoms the compression loses, or leaves arbitrary:
    which value each such pair gave is not in the weights (`_complete_pair_writes` knows it only where
    the map is one to one), yet later neurons read those values (`_complete_pairs`), with arbitrary
    coefficients where their atoms are arbitrary. Tracr builds neurons only for values a variable
    takes, so these go, and the pairs map to None: a reading whose tables have gaps, which the given
    model's run judges (on a sample, with `trade.basis._gaps_reached`)."""
    params = {name: np.array(value, dtype=np.float64) for name, value in lifted.params.items()}
    layers = sorted({name.split("/")[1] for name in params if name.endswith("mlp/linear_1/w")})
    one = (np.abs(params["token_embed/embeddings"]) > 0).all(axis=0)
    dropped = False
    for layer in layers if unreached.any() else []:
        reads = params[f"transformer/{layer}/mlp/linear_1/w"]
        touched = (np.abs(reads[unreached]) > 0).any(axis=0)
        pairs = (reads[one] < 0).any(axis=0)  # a SequenceMap's neuron reads `x:a + y:b - one`
        writes = np.abs(params[f"transformer/{layer}/mlp/linear_2/w"]) > 0
        idle = writes.any(axis=1) & ~writes[:, ~unreached].any(axis=1)  # it writes only values never made
        reads[np.ix_(unreached, touched & ~pairs)] = 0.0
        _drop_units(params, layer, (touched & pairs) | idle)
        dropped |= bool(touched.any() or idle.any())
    while True:
        written = np.zeros(lifted.d_model, dtype=bool)
        for name, value in params.items():
            if name in _EMBEDDINGS or name.endswith(("attn/linear/w", "mlp/linear_2/w")):
                written |= (np.abs(value.reshape(-1, lifted.d_model)) > 0).any(axis=0)
        dead = {layer: np.nonzero(_dead_units(params, layer, written))[0] for layer in layers}
        if not any(len(units) for units in dead.values()):
            break
        for layer, units in dead.items():
            _drop_units(params, layer, units)
        dropped = True
    if not dropped:
        return None
    values, before, after = lifted.output_values, output_block(lifted.params), output_block(params)
    if isinstance(values, list) and len(values) == len(before) and set(after) <= set(before):
        values = [value for value, dim in zip(values, before) if dim in set(after)]  # the outputs still made
    params = {name: value.astype(np.float32) for name, value in params.items()}
    pruned = dataclasses.replace(lifted, params=params, output_values=values, residual_labels=None)
    return _without_unused(pruned)[0]  # the directions of values never made, now neither read nor written


def _drop_units(params: dict, layer: str, units: np.ndarray) -> None:
    """Zeroes, in place, the reads, bias and writes of `layer`'s MLP neurons `units` (a mask or indices)."""
    params[f"transformer/{layer}/mlp/linear_1/w"][:, units] = 0.0
    for part in ("linear_1/b", "linear_2/w"):
        params[f"transformer/{layer}/mlp/{part}"][units] = 0.0


def _dead_units(params: dict, layer: str, written: np.ndarray) -> np.ndarray:
    """The MLP neurons of `layer` that never fire and still write: they read a direction nothing writes,
    or nothing at all without a positive bias (a categorical Map's neuron for an input value whose
    direction the compression lost)."""
    reads = params[f"transformer/{layer}/mlp/linear_1/w"]
    bias = params.get(f"transformer/{layer}/mlp/linear_1/b", np.zeros(reads.shape[1]))
    writes = (np.abs(params[f"transformer/{layer}/mlp/linear_2/w"]) > 0).any(axis=1)
    unwritten = (np.abs(reads[~written]) > 0).any(axis=0)
    silent = ~(np.abs(reads) > 0).any(axis=0) & (bias <= 0)
    return (unwritten | (silent & writes)) & ((np.abs(reads) > 0).any(axis=0) | writes)


def _untie_tokens(rows: np.ndarray, atoms: np.ndarray) -> None:
    """Gives, in place, token rows coded with one atom that has as many duplicates as rows (tokens that no
    layer reads apart, such as the vowels of a numerical `is_vowel`, may get one vector) one duplicate
    each, in order: Tracr gives every token a direction, in the tokens' order."""
    for atom in range(rows.shape[1]):
        users = np.nonzero(rows[:, atom])[0]
        if len(users) < 2 or len(users) == len(rows):
            continue
        same = _duplicates(atoms, atom)
        if len(same) != len(users) or any(rows[:, d].any() for d in same if d != atom):
            continue
        for row, direction in zip(users, same):
            if direction != atom:
                rows[row, direction], rows[row, atom] = rows[row, atom], 0.0


def _untie(writers: dict[str, np.ndarray], params: dict, atoms: np.ndarray, embedded: np.ndarray) -> None:
    """Gives, in place, each layer's write of one atom that has duplicates (atoms the compression made
    equal: two directions every state holds alike, such as a numerical Map's `is_b` and a categorical
    Map's `lower:b`, so their write rows are one vector) the duplicate its place says, where
    `_write_code` took the first: the direction between (or after, or before) its neighbour rows'
    consecutive directions (one MLP's neurons of a categorical Map write its values in order), else
    the first duplicate no other matrix writes and no row placed so writes. Embeddings stay as they
    are (no layer writes `one`, tokens or positions)."""
    tied: dict[tuple[str, int], list[int]] = {}  # (matrix, row): the duplicates of its atom, in order
    for name, rows in writers.items():
        if name in _EMBEDDINGS or name.endswith("/b"):
            continue
        for row in range(len(rows)):
            used = np.nonzero(rows[row])[0]
            if len(used) != 1:
                continue
            same = [d for d in _duplicates(atoms, int(used[0])) if not embedded[d]]
            if len(same) > 1:
                tied[(name, row)] = same
    if not tied:
        return

    def single(name: str, row: int) -> int | None:
        rows = writers[name]
        if not 0 <= row < len(rows) or (name, row) in tied:
            return None
        used = np.nonzero(rows[row])[0]
        return int(used[0]) if len(used) == 1 else None

    placed: dict[tuple[str, int], int] = {}
    for (name, row), same in tied.items():
        before, after = single(name, row - 1), single(name, row + 1)
        guesses = []
        if before is not None and after is not None and after - before == 2:
            guesses.append(before + 1)
        if before is not None and single(name, row - 2) == before - 1:
            guesses.append(before + 1)
        if after is not None and single(name, row + 2) == after + 1:
            guesses.append(after - 1)
        guesses = [d for d in guesses if d in same]
        if guesses and len(set(guesses)) == 1:
            placed[(name, row)] = guesses[0]
    for (name, row), same in tied.items():
        if (name, row) in placed:
            continue
        taken = {d for (other, r), d in placed.items() if (other, r) != (name, row)}
        for other, rows in writers.items():
            if other != name and other not in _EMBEDDINGS:
                taken |= {int(d) for d in np.nonzero((np.abs(rows) > 0).any(axis=0))[0]
                          if all(d not in s for (o, _), s in tied.items() if o == other)}
        free = [d for d in same if d not in taken]
        if free:
            placed[(name, row)] = free[0]
    for (name, row), atom in placed.items():
        rows = writers[name]
        coefficient = rows[row][np.nonzero(rows[row])[0][0]]
        rows[row] = 0.0
        rows[row, atom] = coefficient
        params[name] = rows.reshape(np.shape(params[name])[:-1] + (len(atoms),))


def _untie_reads(code: np.ndarray, atoms: np.ndarray, num_heads: int | None, one: np.ndarray | tuple = (),
                 block_of: np.ndarray | None = None) -> None:
    """Gives, in place, each read of an atom that has duplicates (`_untie`) the duplicate beside a
    direction that the same head (or, in an MLP, the neighbour neurons) reads: a head's categorical
    reads take one variable's values, side by side in Tracr's order. `one` (read beside any variable,
    and next to whichever name sorts beside it) does not count. In an MLP, the duplicate that gives the
    unit the variables (`block_of`, -1 for none) most of its units read comes first (`_by_signature`): a
    unit of a SequenceMap of Morse dots and dashes reads `dashes:3` as its siblings do, not the code `---`
    that always comes with it. Where no single duplicate is placed, the read stays as coded."""
    read = np.abs(code) > 0  # d x columns
    if not read.any():
        return
    columns = code.shape[1]
    width = columns // num_heads if num_heads else 1
    duplicates: dict[int, list[int]] = {}
    for atom in np.nonzero(read.any(axis=1))[0]:
        same = _duplicates(atoms, int(atom))  # [atom] alone for a lost (zero) atom
        if len(same) > 1:
            duplicates[int(atom)] = same
    if not duplicates:
        return
    chosen = _by_signature(read, duplicates, block_of) if not num_heads and block_of is not None else {}
    moves = []
    unplaced: dict[int, list[tuple[int, int]]] = {}  # per head (its first column): (column, atom) not placed
    for column in range(columns):
        ambiguous = [int(a) for a in np.nonzero(read[:, column])[0] if int(a) in duplicates]
        if not ambiguous:
            continue
        if num_heads:
            start = (column // width) * width
            group = range(start, start + width)
        else:
            group = range(max(column - 1, 0), min(column + 2, columns))
        beside = {int(a) for c in group for a in np.nonzero(read[:, c])[0]
                  if int(a) not in duplicates and int(a) not in one}
        for atom in ambiguous:
            near = [d for d in duplicates[atom] if d - 1 in beside or d + 1 in beside]
            if chosen.get(column, {}).get(atom) is not None:
                near = [chosen[column][atom]]
            if len(near) == 1:
                if near[0] != atom:
                    moves.append((atom, near[0], column))
            elif num_heads and len(ambiguous) == 1:
                unplaced.setdefault(start, []).append((column, atom))
    for start, reads in unplaced.items():
        moves += _in_order(reads, start, duplicates)
    for atom, target, column in moves:
        code[target, column], code[atom, column] = code[target, column] + code[atom, column], 0.0


def _by_signature(read: np.ndarray, duplicates: dict[int, list[int]], block_of: np.ndarray
                  ) -> dict[int, dict[int, int]]:
    """For an MLP's units that read atoms with duplicates: per unit, per such atom, the duplicate that
    gives the unit the blocks (`block_of`; `one`, -1, aside) most units without duplicates read, one
    value of each as every Tracr unit reads (a SequenceMap's unit of Morse dots and dashes reads
    `dashes:3`, as its siblings do, not the code `---` that always comes with it and so has its atom).
    Units where no choice stands out are left out."""
    signatures: dict[frozenset, int] = {}
    for column in range(read.shape[1]):
        atoms = [int(a) for a in np.flatnonzero(read[:, column])]
        if atoms and not any(a in duplicates for a in atoms):
            key = frozenset(int(block_of[a]) for a in atoms if block_of[a] >= 0)
            signatures[key] = signatures.get(key, 0) + 1
    chosen: dict[int, dict[int, int]] = {}
    for column in range(read.shape[1]):
        atoms = [int(a) for a in np.flatnonzero(read[:, column])]
        ambiguous = [a for a in atoms if a in duplicates]
        if not ambiguous or np.prod([len(duplicates[a]) for a in ambiguous], dtype=float) > 256:
            continue
        fixed = [int(block_of[a]) for a in atoms if a not in duplicates and block_of[a] >= 0]
        scores = []
        for choice in itertools.product(*(duplicates[a] for a in ambiguous)):
            blocks = fixed + [int(block_of[a]) for a in choice if block_of[a] >= 0]
            single = len(blocks) == len(set(blocks))
            scores.append((signatures.get(frozenset(blocks), 0) if single else 0, choice))
        top = max(score for score, _ in scores)
        best = [choice for score, choice in scores if score == top]
        if top and len(best) == 1:
            chosen[column] = dict(zip(ambiguous, best[0]))
    return chosen


def _in_order(reads: list[tuple[int, int]], start: int, duplicates: dict[int, list[int]]
              ) -> list[tuple[int, int, int]]:
    """Moves (atom, duplicate, column) for a head's columns whose atoms have duplicates and nothing beside
    them tells which: the duplicates that lie in the columns' order (Tracr's query and key dimensions
    take a variable's values in order), where exactly one offset puts every such column on one."""
    if len(reads) < 2:
        return []
    counts: dict[int, int] = {}
    for column, atom in reads:
        for offset in {d - (column - start) for d in duplicates[atom]}:
            counts[offset] = counts.get(offset, 0) + 1
    every = [offset for offset, count in counts.items() if count == len(reads)]
    if len(every) != 1:
        return []
    return [(atom, every[0] + column - start, column) for column, atom in reads
            if every[0] + column - start != atom]


def _lifted_states(given: ModelWeights, writers: dict[str, np.ndarray], rare: bool = False
                   ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per sublayer (`_sublayer`; the last key: after the last layer), the distinct states it reads, as
    (lifted states, given states), and under "reached" the directions some position after BOS holds:
    the given model runs on every input (a seeded sample where too many; `rare`: every input up to
    `RARE_STATE_INPUTS`, where a pair of counts near the length is in no sample of 4,000 (estuary
    `ledger_running_balance`: one '+1' and five '+2' in 19,530 inputs), else the sample and as many again
    with a fifth sorted or of few values, where counts of one token reach the length: handwritten
    `upper_previous_26`), and each write's code, weighted by the given model's own attention and neurons,
    builds the lifted stream beside it. Each batch's states are made distinct as they come: a pass over
    every input holds no more than its distinct states."""
    from trade.compiling import attention
    from trade.program.interpret import probing_inputs
    from trade.transform import sampled_inputs
    from trade.verify import _token_ids

    params = {name: np.asarray(value, dtype=np.float64) for name, value in given.params.items()}
    count = len(writers["token_embed/embeddings"][0])
    code = {name: rows.reshape(params[name].shape[:-1] + (count,)) for name, rows in writers.items()}
    found: dict[int, list] = {}
    keys: dict[int, set] = {}  # per sublayer, the states kept so far (`_row_keys`)
    seen = np.zeros(count)  # each direction's largest value at a position after BOS

    def keep(sublayer: int, lifted: np.ndarray, stream: np.ndarray) -> np.ndarray:
        both = np.concatenate([lifted.reshape(-1, count), stream.reshape(-1, stream.shape[-1])], axis=1)
        kept = keys.setdefault(sublayer, set())
        first = _first_keys(both)
        new = [index for index, key in first.items() if key not in kept]
        kept.update(first[index] for index in new)
        found.setdefault(sublayer, []).append(both[new])
        return np.maximum(seen, np.abs(lifted[:, 1:]).max(axis=(0, 1), initial=0.0))

    batches, every = sampled_inputs(given, RARE_STATE_INPUTS if rare else STATE_INPUTS, STATE_INPUTS, 0)
    if rare and not every:
        config = given.compile_config
        batches += probing_inputs(config.vocab, config.max_seq_len, STATE_INPUTS, np.random.default_rng(1))
    # a batch at a time of at most STATE_CHUNK inputs (benchmarks/lift_memory.py: estuary
    # `ledger_running_balance`'s second lift peaks at 1.5 GB against 2.5 in whole batches; fjord
    # `long_tennis_game_score`'s at 7.5 against 6.4: the states kept, not the batch, hold most)
    chunks = [part for batch in batches if len(batch)
              for part in np.array_split(batch, -(-len(batch) // STATE_CHUNK))]
    for batch in chunks:
        ids = _token_ids(given, batch)
        positions = np.arange(ids.shape[1])
        stream = params["token_embed/embeddings"][ids] + params["pos_embed/embeddings"][positions][None]
        lifted = code["token_embed/embeddings"][ids] + code["pos_embed/embeddings"][positions][None]
        for layer in range(given.num_layers):
            prefix = f"transformer/layer_{layer}"
            seen = keep(2 * layer, lifted, stream)
            mixed, pattern = attention(params, prefix + "/attn", stream, given.num_heads,
                                       causal=given.compile_config.causal)
            values = stream @ params[prefix + "/attn/value/w"] + params[prefix + "/attn/value/b"]
            values = values.reshape(values.shape[:2] + (given.num_heads, -1))
            heads = np.einsum("bhtT,bThd->bthd", pattern, values).reshape(values.shape[:2] + (-1,))
            stream = stream + mixed
            lifted = lifted + heads @ code[prefix + "/attn/linear/w"] + code[prefix + "/attn/linear/b"]
            seen = keep(2 * layer + 1, lifted, stream)
            hidden = np.maximum(stream @ params[prefix + "/mlp/linear_1/w"]
                                + params[prefix + "/mlp/linear_1/b"], 0.0)
            stream = stream + hidden @ params[prefix + "/mlp/linear_2/w"] + params[prefix + "/mlp/linear_2/b"]
            lifted = lifted + hidden @ code[prefix + "/mlp/linear_2/w"] + code[prefix + "/mlp/linear_2/b"]
        seen = keep(2 * given.num_layers, lifted, stream)
    states = {}
    for sublayer in list(found):
        both = np.concatenate(found.pop(sublayer))  # each sublayer's parts freed as they are joined
        states[sublayer] = (both[:, :count], both[:, count:])
    states["reached"] = seen > REACHED
    return states


def _row_keys(both: np.ndarray) -> list[int]:
    """A hash of each row to 1e-9 (-0.0 and 0.0 alike): states are kept once each, and every input's
    bytes need not be held (fjord `long_tennis_game_score`: 29,523 inputs, gigabytes of states)."""
    rounded = np.ascontiguousarray(np.round(both, 9) + 0.0)
    return [hash(row) for row in rounded.view(np.dtype((np.void, rounded.itemsize * rounded.shape[1])))
            .ravel().tolist()]


def _first_keys(both: np.ndarray) -> dict[int, int]:
    """Row index -> key (`_row_keys`) of the first row of each distinct state, in order."""
    first: dict[int, int] = {}
    for index, key in enumerate(_row_keys(both)):
        first.setdefault(key, index)
    return {index: key for key, index in first.items()}


def _reached(states: dict) -> np.ndarray:
    """The lifted directions some state holds at a position after BOS (at BOS, Tracr's SelectorWidth
    leaves counts no input takes)."""
    return states["reached"]


def _recoded(vectors: np.ndarray, atoms: np.ndarray, first: np.ndarray, reached: np.ndarray,
             unreached: np.ndarray) -> np.ndarray:
    """Writes coded again: within the reached atoms where they give a row back with no more atoms than
    `first` (so many atoms span the whole stream), else within the others (a neuron that never fires
    writes values never taken), else as `first` coded them."""
    result = first.copy()
    size = np.abs(vectors).max(axis=1)
    for row in np.nonzero(size > 0)[0]:
        for mask in (reached, unreached):
            if not mask.any():
                continue
            try:
                coded = _write_code(vectors[row][None], atoms * mask[:, None])[0]
            except BasisError:
                continue
            if np.abs(coded @ atoms - vectors[row]).max() <= FIT_TOLERANCE * size[row] and \
                    (np.abs(coded) > 0).sum() <= (np.abs(first[row]) > 0).sum():  # K < d atoms fit anything
                result[row] = coded
                break
    return result


def _state_code(lifted: np.ndarray, targets: np.ndarray, supports: list, costs: np.ndarray,
                atoms: np.ndarray, given_reads: np.ndarray) -> np.ndarray:
    """Read columns coded so that the lifted states read what the given states read (`targets`), within
    the fewest blocks: the lifted states' singular directions stand in for the atoms. Columns no
    combination gives back keep their sparsest code in the atoms."""
    u, singular, vt = np.linalg.svd(lifted, full_matrices=False)
    rank = int((singular > 1e-9 * singular.max(initial=0.0)).sum())
    state_atoms = vt[:rank].T * singular[:rank]  # d x r: each direction's image in the states' coordinates
    vectors = (u[:, :rank].T @ targets).T
    try:
        return _block_code(vectors, state_atoms, supports, costs).T
    except BasisError:
        return _block_code(given_reads.T, atoms, supports, costs).T


WIDTH_READ = 10.0  # a SelectorWidth's neurons read its scratch direction with weights this large (Tracr: 100)


def _complete_widths(given: ModelWeights, atoms: np.ndarray, writers: dict, params: dict, one: int,
                     bos: list[int], known: np.ndarray) -> None:
    """Gives back the SelectorWidth counts the compression lost (a count never taken: its direction is
    0 or arbitrary in the given stream), in place, in the writes of each SelectorWidth's MLP.

    Tracr's SelectorWidth MLP (max_seq_len = N) has a neuron at BOS writing `-c:0 - scratch`, N pairs
    of neurons reading `100 scratch - t one` (thresholds t between the widths' 1/(w+1)) writing
    `+-(c:k - c:k+1)`, k = N-1, ..., 0 by rising threshold, and a neuron reading `one` writing `c:N`.
    The pairs tell each kept count's direction; the lost counts lie beside them in Tracr's order (the
    atoms' order, from the record), where an atom of 0 or of a value never reached is.
    """
    for layer in range(given.num_layers):
        prefix = f"transformer/layer_{layer}"
        heads = writers[prefix + "/attn/linear/w"]
        helpers = [int(np.nonzero(row)[0][0]) for row in heads if (np.abs(row) > 0).sum() == 1]
        reads = np.asarray(given.params[prefix + "/mlp/linear_1/w"], dtype=np.float64)  # K x hidden
        rows = writers[prefix + "/mlp/linear_2/w"]
        widths = []  # per SelectorWidth: its count directions, pairs of neurons, neurons at BOS, last neuron
        runs = []  # per SelectorWidth found: its scratch, count directions, counts written, pairs, neurons
        for helper in sorted(set(helpers)):
            pair_basis = atoms[[one, helper]]
            if np.abs(pair_basis).max(axis=1).min() == 0:
                continue
            units = []
            for unit in range(reads.shape[1]):
                column = reads[:, unit]
                if np.abs(column).max() == 0:
                    continue
                weights = np.linalg.lstsq(pair_basis.T, column, rcond=None)[0]
                if np.abs(weights @ pair_basis - column).max() <= FIT_TOLERANCE * np.abs(column).max() \
                        and weights[1] > WIDTH_READ and weights[0] < 0:
                    units.append((-weights[0] / weights[1], unit))
            if len(units) < 2 or len(units) % 2:
                continue
            units.sort()
            count = len(units) // 2
            pairs = [(count - 1 - i, units[2 * i][1], units[2 * i + 1][1]) for i in range(count)]
            members = sorted(u for _, u in units)
            if members != list(range(members[0], members[-1] + 1)):
                continue  # not one MLP's contiguous neurons
            first, last = members[0] - 1, members[-1] + 1
            dim_of: dict[int, set] = {}
            for k, low, _ in pairs:
                row = rows[low].copy()
                row[helper] = 0
                for dim in np.nonzero(row > 0)[0]:
                    dim_of.setdefault(k, set()).add(int(dim))
                for dim in np.nonzero(row < 0)[0]:
                    dim_of.setdefault(k + 1, set()).add(int(dim))
            start = _width_start(dim_of, atoms)
            if start is None:
                continue
            if start < 0 or start + count >= len(atoms):
                continue
            dims = list(range(start, start + count + 1))
            runs.append((helper, dims, dim_of, pairs, first, last))
        # A lost count's place may hold a direction in use; not where only the neurons of this layer's
        # widths write it (a count never taken in two widths may have one atom, which the writes took for
        # either: tundra `causal_skip_trigram_else`'s `elses:8` written as `ifs:8`) and no width counts it.
        neurons = [u for *_, first, last in runs for u in range(first, last + 1)]
        for helper, dims, dim_of, pairs, first, last in runs:
            theirs = {d for other, counted, *_ in runs if other != helper for d in counted}
            if any(k not in dim_of and (d in (one, helper) or d in bos or d in theirs or (
                    known[d] and _written_besides(writers, prefix, neurons, d)))
                   for k, d in enumerate(dims)):
                continue  # the place of a lost count holds a direction in use
            # the neuron at BOS writes `-c:0 - scratch`; two SelectorWidths of one layer may share it
            at_bos = [u for u in range(reads.shape[1])
                      if rows[u, helper] < 0 and _reads_alone(reads[:, u], atoms, bos)]
            if not at_bos and 0 <= first and _reads_alone(reads[:, first], atoms, bos):
                at_bos = [first]
            if last >= reads.shape[1] or not _reads_alone(reads[:, last], atoms, [one]):
                last = None
            widths.append((dims, pairs, at_bos, last))
        # A count never taken in two SelectorWidths may have one atom (twins), which the writes took for
        # either: every count (and its twins) is cleared from these neurons before each writes its own.
        counts = sorted({t for dims, *_ in widths for d in dims for t in _duplicates(atoms, d)})
        for _, _, at_bos, _ in widths:
            rows[np.ix_(at_bos, counts)] = 0.0
        # A pair of neurons, and the last one, write their counts and nothing else (in Tracr as here): a
        # lost count of another layer's width that the compression gave the same atom goes too.
        for dims, pairs, at_bos, last in widths:
            for k, low, high in pairs:
                for unit, sign in ((low, 1.0), (high, -1.0)):
                    rows[unit] = 0.0
                    rows[unit, dims[k]], rows[unit, dims[k + 1]] = sign, -sign
            rows[at_bos, dims[0]] = -1.0
            if last is not None:
                rows[last] = 0.0
                rows[last, dims[-1]] = 1.0
        params[prefix + "/mlp/linear_2/w"] = rows


def _written_besides(writers: dict[str, np.ndarray], prefix: str, units: range | list[int],
                     direction: int) -> bool:
    """Whether something other than the neurons `units` of the MLP at `prefix` writes `direction`: an
    embedding, a head, another MLP or another of this MLP's neurons. A lost count that its own width's
    last neuron writes (fjord `pronoun_antecedent`: count 7 of eight words, kept by `c:N`) is not in
    use by another variable."""
    for name, rows in writers.items():
        column = np.abs(rows[:, direction]) > 0
        if name == prefix + "/mlp/linear_2/w":
            column[[u for u in units if 0 <= u < len(column)]] = False
        if column.any():
            return True
    return False


def _width_start(dim_of: dict[int, set], atoms: np.ndarray) -> int | None:
    """Where a SelectorWidth's count 0 lies in the atoms' (Tracr's) order, from the directions its pairs of
    neurons write (`dim_of`: count -> directions), else None.

    Where each count writes one direction and all agree (a lost count's atom may be a duplicate of
    another's, counts never taken whose columns of every state are alike: any of its duplicates is it),
    that place. Otherwise a count never taken writes wherever the compression left its atom, onto other
    counts' or several (fjord `bool_median_filter`: two widths of windows of three, counts 4 to 9 never
    taken): the place that most counts writing one direction agree on, where they are over half of them
    and at least two. The others are lost counts, rewritten in their places in Tracr's order."""
    found = {k: next(iter(dims)) for k, dims in dim_of.items() if len(dims) == 1}
    twins = {k: _duplicates(atoms, d) for k, d in found.items()}
    if found and len(found) == len(dim_of):
        starts = {d - k for k, d in found.items() if len(twins[k]) == 1} or {d - k for k, d in found.items()}
        if len(starts) == 1:
            start = starts.pop()
            if all(start + k in twins[k] for k in found):
                return start
    votes = {}
    for start in {t - k for k in found for t in twins[k]}:
        votes[start] = sum(start + k in twins[k] for k in found)
    best = sorted(votes.items(), key=lambda item: -item[1])[:2]
    if not best or best[0][1] < 2 or 2 * best[0][1] <= len(found):
        return None
    if len(best) > 1 and best[1][1] == best[0][1]:
        return None
    return best[0][0]


def _duplicates(atoms: np.ndarray, atom: int) -> list[int]:
    """The atoms equal to `atom` (within `DUPLICATE`), itself among them; [atom] where it is 0."""
    scale = np.abs(atoms[atom]).max()
    if scale == 0:
        return [atom]
    return [int(d) for d in np.nonzero(np.abs(atoms - atoms[atom]).max(axis=1) <= DUPLICATE * scale)[0]]


def _pair_reads(column: np.ndarray, one: int) -> list[int] | None:
    """The directions a SequenceMap neuron reads (Tracr: `x:a + y:b - one`), one or two; None for
    another neuron."""
    if abs(column[one] + 1) > EMBEDDING_SLACK:
        return None
    others = [int(d) for d in np.nonzero(np.abs(column) > 1e-6)[0] if d != one]
    if not 1 <= len(others) <= 2 or any(abs(column[d] - 1) > EMBEDDING_SLACK for d in others):
        return None
    return others


def _position_groups(given: ModelWeights, params: dict, bos: np.ndarray
                     ) -> tuple[list[np.ndarray], np.ndarray]:
    """The lifted token directions (BOS's too, not PAD's) and position directions, each a group of which
    every position holds exactly one, so that a read of c times a group's sum reads c times `one`; and
    BOS's directions."""
    tokens = np.abs(np.asarray(params["token_embed/embeddings"])) > 0
    positions = np.abs(np.asarray(params["pos_embed/embeddings"])) > 0
    one = tokens.all(axis=0)
    pad = _pad_row(given)
    rows = [r for r in range(len(tokens)) if r != pad]
    groups = [np.nonzero(tokens[rows].any(axis=0) & ~one)[0], np.nonzero(positions.any(axis=0) & ~one)[0]]
    return [g for g in groups if len(g) > 1], np.asarray([b for b in bos if not one[b]], dtype=int)


def _without_sums(column: np.ndarray, one: int, groups: list[np.ndarray]) -> np.ndarray:
    """`column` with each group's most common coefficient moved onto `one` (the same read on every
    position, `_position_groups`): a state-coded read such as `idx:i - 1.8 (sum of idx) + 0.8 one` is
    `idx:i - one`."""
    out = column.copy()
    for dims in groups:
        values, counts = np.unique(np.round(out[dims], 6), return_counts=True)
        common = float(values[np.argmax(counts)])
        if common != 0.0 and counts.max() > 1:
            out[dims] -= common
            out[one] += common
    return out


def _complete_pairs(params: dict, layers: int, one: int, known: np.ndarray,
                    position_groups: tuple[list[np.ndarray], np.ndarray], atoms: np.ndarray | None = None,
                    groups: list[np.ndarray] = ()) -> None:
    """Gives back, in place, the reads of SequenceMap neurons whose input value the compression lost.

    Tracr's SequenceMap MLP has one neuron per pair of input values, x-major, each reading `x:a + y:b
    - one`; where the direction of x:a (a value never taken) is lost, its neurons read y:b - one alone.
    The grid of neurons and the order of each variable's directions (Tracr's, the atoms') tell where
    the lost value lies: there, at a direction no reached value holds, its reads are put back. A read
    coded on the lifted states may say y:b - one through the sums of tokens or positions
    (`_without_sums`), plus a BOS term where the given stream holds, at BOS, a value no input takes.
    Neurons whose output value is lost write it again where the run's layout says (`_complete_pair_writes`).
    A layer's MLP may hold several SequenceMaps: a run no grid explains is cut where its neurons read
    other `groups` (blocks of directions: variables, once the labels are inferred; `_pair_parts`).
    """
    sums, bos = position_groups  # `_position_groups`
    for layer in range(layers):
        name = f"transformer/layer_{layer}/mlp/linear_1/w"
        reads = params[name]
        found = [_pair_reads(reads[:, unit], one) for unit in range(reads.shape[1])]
        for unit, dims in enumerate(found):
            if dims is None and sums:
                column = _without_sums(reads[:, unit], one, sums)
                column[bos] = 0.0
                single = _pair_reads(column, one)
                found[unit] = single if single is not None and len(single) == 1 else None
            if found[unit] is None:  # the lost value's atom, never reached, coded as others never reached
                # (both values lost: `one` alone among the values reached, beside the lost ones' atoms)
                column = np.where(known, reads[:, unit], 0.0)
                single = [] if abs(column[one] + 1) <= EMBEDDING_SLACK and \
                    np.count_nonzero(np.abs(column) > 1e-6) == 1 else _pair_reads(column, one)
                if single is not None and len(single) <= 1 and \
                        ((reads[~known, unit] != 0).any() or (single == [] and column.any())):
                    found[unit] = single  # (or both values' atoms are 0: it reads `-one` alone)
        for run in _runs(found):
            if not _complete_run(params, layer, reads, run, found, one, known, atoms, groups):
                parts = _pair_parts(run, found, groups)
                for part in parts if len(parts) > 1 else []:
                    _complete_run(params, layer, reads, part, found, one, known, atoms, groups)
        params[name] = reads


def _complete_run(params: dict, layer: int, reads: np.ndarray, run: list[int], found: list, one: int,
                  known: np.ndarray, atoms: np.ndarray | None, groups: list[np.ndarray] = ()) -> bool:
    """`_complete_pairs` on one run of neurons, in place; whether every neuron reads a pair or one grid
    explains the run. Where no grid places the duplicate atoms of the whole run, each SequenceMap's part
    of it (`_pair_parts` by the reads without duplicates: one layer's MLP may hold several) is tried."""
    if atoms is not None and not _place_duplicates(reads, run, found, one, known, atoms) and len(groups):
        clean = [[d for d in dims if len(_duplicates(atoms, d)) == 1] if dims is not None else None
                 for dims in found]
        for part in _pair_parts(run, clean, groups):
            _place_duplicates(reads, part, found, one, known, atoms)
    _complete_pair_writes(params, layer, run, known)
    if all(len(found[u]) == 2 for u in run):
        return True
    grid = _pair_grid([found[u] for u in run], known)
    if grid is None:
        return False
    xs, ys, width = grid
    for index, u in enumerate(run):
        reads[:, u] = 0.0
        reads[one, u] = -1.0
        reads[xs[index // width], u] = 1.0
        reads[ys[index % width], u] = 1.0
    return True


def _pair_parts(run: list[int], found: list, groups: list[np.ndarray]) -> list[list[int]]:
    """A run of SequenceMap neurons (`found`: the directions each reads) cut where a neuron reads a group
    (of `groups`) outside the two its part reads so far: one SequenceMap's neurons read two variables."""
    group_of = {int(d): index for index, group in enumerate(groups) for d in group}
    parts: list[list[int]] = []
    pair: set = set()
    for unit in run:
        read = {group_of.get(d, -1 - d) for d in found[unit]}
        if parts and len(pair | read) <= 2:
            parts[-1].append(unit)
            pair |= read
        else:
            parts.append([unit])
            pair = set(read)
    return parts


def _complete_pair_writes(params: dict, layer: int, run: list[int], known: np.ndarray) -> None:
    """Gives back, in place, the writes of a SequenceMap's neurons whose output value the compression
    lost (a value never produced: its atom is 0, so its neuron writes nothing, yet a later layer may
    read it). Tracr's neuron for the pair (x:a, y:b) writes f(a, b) with weight 1; where every other
    neuron of the run writes one value at the same offset from its place in the run (f is one to one
    and keeps the x-major order of the pairs, as a SequenceMap that builds tuples does), the empty
    neurons write the directions at that offset, where those are never reached and nothing else
    writes them; unchanged otherwise (which value an unreached pair gives is not known)."""
    name = f"transformer/layer_{layer}/mlp/linear_2/w"
    writes = params.get(name)
    if writes is None:
        return
    written = {u: np.nonzero(np.abs(writes[u]) > 1e-6)[0] for u in run}
    empty = [u for u in run if not len(written[u])]
    mapped = [u for u in run if len(written[u])]
    if not empty or not mapped:
        return
    if any(len(written[u]) != 1 or abs(writes[u, written[u][0]] - 1) > EMBEDDING_SLACK for u in mapped):
        return
    offsets = {int(written[u][0]) - run.index(u) for u in mapped}
    if len(offsets) != 1:
        return
    offset = offsets.pop()
    outputs = [offset + run.index(u) for u in empty]
    if any(not 0 <= output < len(known) or known[output] or _written_elsewhere(params, output)
           for output in outputs):
        return
    for u, output in zip(empty, outputs):
        writes[u] = 0.0
        writes[u, output] = 1.0
    params[name] = writes


def _place_duplicates(reads: np.ndarray, run: list[int], found: list, one: int, known: np.ndarray,
                      atoms: np.ndarray) -> bool:
    """Gives, in place, a SequenceMap's neurons that read an atom with duplicates (`_untie`: values
    never taken, alike on every state) the duplicate the grid of the others places there (Tracr's
    x-major grid, each variable's values side by side); unchanged where no single grid does. Whether
    no neuron reads a duplicate, or the grid placed them."""
    twins = {d: _duplicates(atoms, d) for u in run for d in found[u]}
    if all(len(twins[d]) == 1 for d in twins):
        return True
    clean = [[d for d in found[u] if len(twins[d]) == 1] for u in run]
    if not any(clean):
        return False  # (a neuron reading two duplicates, the grid of the others places: lib_chargaff_counts)
    relaxed = known.copy()
    relaxed[[t for d in twins for t in twins[d] if len(twins[d]) > 1]] = False
    grid = _pair_grid(clean, relaxed)
    if grid is None:
        return False
    xs, ys, width = grid
    placed = []
    for index, u in enumerate(run):
        expected = {xs[index // width], ys[index % width]}
        dims = found[u]
        if len(dims) != 2 or not all(any(e in twins[d] for e in expected) for d in dims) or \
                not all(any(e in twins[d] for d in dims) for e in expected):
            return False  # a neuron the grid does not explain
        placed.append((u, sorted(expected)))
    for u, expected in placed:
        reads[:, u] = 0.0
        reads[one, u] = -1.0
        reads[expected, u] = 1.0
        found[u] = expected
    return True


def _runs(items: list) -> list[list[int]]:
    """The indices of each maximal run of consecutive items that are not None (a layer's MLP
    concatenates Tracr's MLPs: one MLP's neurons are consecutive)."""
    runs, current = [], []
    for index, item in enumerate(items):
        if item is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    return runs + [current] if current else runs


def _complete_maps(params: dict, layers: int, one: int, known: np.ndarray, blocks: list[np.ndarray]) -> None:
    """Gives back, in place, the neuron of a categorical Map whose output value the compression lost.

    Tracr's categorical Map MLP has one neuron per output value (in the values' order, as their
    directions lie), reading with weight 1 every input value mapped to it. A value never produced lost
    its direction: its neuron writes nothing and reads what the compression left of input values
    never taken. Such neurons among a Map's neurons write the directions between theirs (their places
    in the run); each reads the never-reached input values its column still reads alone, and the
    input values no neuron reads (beside theirs, lost too) go to the others: all to one, else one each
    in order (values never taken: which neuron reads them changes no output).
    """
    for layer in range(layers):
        prefix = f"transformer/layer_{layer}/mlp"
        reads, writes = params[prefix + "/linear_1/w"], params[prefix + "/linear_2/w"]
        kinds = [_map_neuron(reads[:, unit], writes[unit], one) for unit in range(reads.shape[1])]
        for whole in _runs(kinds):
            while whole and kinds[whole[0]] == "void":  # a layer's unused neurons, not a Map's
                whole = whole[1:]
            while whole and kinds[whole[-1]] == "void":
                whole = whole[:-1]
            for run in _map_parts(whole, kinds, known):
                _complete_map(run, kinds, reads, writes, params, known, blocks)
        params[prefix + "/linear_1/w"], params[prefix + "/linear_2/w"] = reads, writes


def _map_parts(run: list[int], kinds: list, known: np.ndarray) -> list[list[int]]:
    """A run of Map neurons (`_map_neuron`) cut where the offset of their written directions from their
    places changes: two Maps side by side in one MLP. A neuron that writes nothing between two parts goes
    with the next where the place it gets there is free (not `known`), else with the one before."""
    parts: list[list[int]] = []
    offset = None
    waiting: list[tuple[int, int]] = []  # (place, unit) of neurons that write nothing, not yet in a part
    for place, unit in enumerate(run):
        kind = kinds[unit]
        if kind in ("empty", "void", None):
            waiting.append((place, unit))
            continue
        units = [u for _, u in waiting]
        if offset is None:
            parts.append(units + [unit])
        elif kind[0] - place == offset:
            parts[-1] += units + [unit]
        elif all(0 <= kind[0] - place + at < len(known) and not known[kind[0] - place + at]
                 for at, _ in waiting):  # the waiting neurons' places in the next Map are free
            parts.append(units + [unit])
        else:
            parts[-1] += units
            parts.append([unit])
        waiting = []
        offset = kind[0] - place
    if parts:
        parts[-1] += [u for _, u in waiting]
    return parts or [run]


def _complete_map(run: list[int], kinds: list, reads: np.ndarray, writes: np.ndarray, params: dict,
                  known: np.ndarray, blocks: list[np.ndarray]) -> None:
    """`_complete_maps` on one Map's neurons (`run`), in place."""
    empty = [u for u in run if kinds[u] in ("empty", "void")]
    mapped = [u for u in run if kinds[u] not in ("empty", "void", None)]
    if not empty or not mapped:
        return
    offsets = {kinds[u][0] - run.index(u) for u in mapped}
    if len(offsets) != 1:
        return
    offset = offsets.pop()
    outputs = [offset + run.index(u) for u in empty]
    if any(not 0 <= output < len(known) or known[output] for output in outputs):
        return
    # a neuron that reads nothing (no input value maps to its output value, so none is produced)
    # writes its output direction where no other write does: a later layer may read that value
    for u, output in zip(empty, outputs):
        if kinds[u] == "void" and not _written_elsewhere(params, output):
            writes[u] = 0.0
            writes[u, output] = 1.0
    inputs = sorted({d for u in mapped for d in kinds[u][1]})
    if not inputs:
        return
    block = next((b for b in blocks if set(inputs) <= set(b.tolist())), None)
    if block is None:
        return
    members = set(block.tolist())
    # an empty neuron that reads input values of the Map's variable, 1 each, none another neuron
    # reads, keeps them (several outputs lost: their inputs' atoms, though never reached, are kept)
    alone = {u: _empty_reads(reads[:, u], members, known) for u in empty}
    claimed = set(inputs) | {d for dims in alone.values() if dims for d in dims}
    if len(claimed) != len(inputs) + sum(len(dims) for dims in alone.values() if dims):
        return  # two neurons read one value: not a Map's layout
    pending = [u for u in empty if not alone[u]]
    # input values no neuron reads, written by the layer before (a lost value nothing writes is
    # no value of the input variable here: its neuron stays as it is)
    lost = [d for d in range(min(claimed), max(claimed) + 1) if d not in claimed and d in members]
    for step in (-1, 1):
        d = (min(claimed) if step < 0 else max(claimed)) + step
        while d in members and not known[d]:
            lost.append(d)
            d += step
    if any(known[d] for d in lost):
        return
    if pending and lost:
        if len(pending) == 1:
            alone[pending[0]] = lost
        elif len(pending) == len(lost):  # values never taken, each read by one neuron: in order
            alone.update({u: [d] for u, d in zip(pending, sorted(lost))})
        else:
            return
    elif lost and len(empty) == 1:
        alone[empty[0]] = sorted(set(alone[empty[0]]) | set(lost))
    elif lost:
        return  # values no neuron would read
    if not any(alone.values()):
        return
    for u, output in zip(empty, outputs):
        if not alone[u]:
            continue
        reads[:, u] = 0.0
        reads[alone[u], u] = 1.0
        writes[u] = 0.0
        writes[u, output] = 1.0


def _written_elsewhere(params: dict, direction: int) -> bool:
    """Whether some lifted write (embedding row, head or MLP output row, bias) writes `direction`."""
    for name, value in params.items():
        if (name in _EMBEDDINGS or name.endswith(_WRITES)) and \
                np.abs(np.asarray(value)[..., direction]).max(initial=0.0) > 0:
            return True
    return False


def _empty_reads(column: np.ndarray, members: set, known: np.ndarray) -> list[int] | None:
    """The directions an empty Map neuron (one that writes nothing) reads with weight 1, where all of
    them are values of the Map's input variable (`members`) never reached; else None."""
    read = [int(d) for d in np.nonzero(np.abs(column) > 1e-6)[0]]
    if not read or np.abs(column[read] - 1).max() > EMBEDDING_SLACK or \
            any(d not in members or known[d] for d in read):
        return None
    return read


def _map_neuron(column: np.ndarray, row: np.ndarray, one: int):
    """A categorical Map's neuron as (the direction it writes, those it reads), "empty" for a neuron
    that writes nothing, "void" for one that reads nothing either (its input and output values both
    lost, or a neuron no Map uses), None for another kind."""
    written = np.nonzero(np.abs(row) > 1e-6)[0]
    if not len(written):
        return "empty" if np.abs(column).max(initial=0.0) > 0 else "void"
    if len(written) != 1 or abs(row[written[0]] - 1) > EMBEDDING_SLACK:
        return None
    read = np.nonzero(np.abs(column) > 1e-6)[0]
    if not len(read):  # no input value maps to its output value (a value never produced)
        return int(written[0]), []
    if one in read or np.abs(column[read] - 1).max() > EMBEDDING_SLACK:
        return None
    return int(written[0]), [int(d) for d in read]


def _pair_grid(units: list[list[int]], known: np.ndarray) -> tuple[list[int], list[int], int] | None:
    """The x and y directions of a SequenceMap's neurons (x-major grid of `width` columns), with those of
    lost values put where Tracr's order leaves them; None where no single grid explains the neurons."""
    count = len(units)
    answers = []
    for width in range(1, count + 1):
        if count % width:
            continue
        for order in (0, 1):
            xs: dict[int, int] = {}
            ys: dict[int, int] = {}
            consistent = True
            for index, dims in enumerate(units):
                if len(dims) == 2:
                    x, y = sorted(dims)[::1 if order == 0 else -1]
                    for table, key, dim in ((xs, index // width, x), (ys, index % width, y)):
                        if table.setdefault(key, dim) != dim:
                            consistent = False
            for index, dims in enumerate(units):
                if len(dims) == 1 and consistent:
                    dim = dims[0]
                    if xs.get(index // width) == dim or ys.get(index % width) == dim:
                        continue
                    consistent = False
            if not consistent or len(set(xs.values())) != len(xs) or len(set(ys.values())) != len(ys):
                continue
            x_offsets = {dim - key for key, dim in xs.items()}
            y_offsets = {dim - key for key, dim in ys.items()}
            if len(x_offsets) != 1 or len(y_offsets) != 1:
                continue
            x_start, y_start = x_offsets.pop(), y_offsets.pop()
            full_x = [x_start + key for key in range(count // width)]
            full_y = [y_start + key for key in range(width)]
            if set(full_x) & set(full_y) or min(full_x + full_y) < 0 or max(full_x + full_y) >= len(known):
                continue
            lost = [d for key, d in enumerate(full_x) if key not in xs] + \
                [d for key, d in enumerate(full_y) if key not in ys]
            if any(known[d] for d in lost):
                continue  # the place of a lost value holds a direction in use
            answers.append((full_x, full_y, width))
    # a grid and its transpose (x and y swapped) fill the neurons alike
    fills = {tuple(frozenset((x[i // w], y[i % w])) for i in range(count)) for x, y, w in answers}
    return answers[0] if len(fills) == 1 else None


def _reads_alone(column: np.ndarray, atoms: np.ndarray, dims: list[int]) -> bool:
    """Whether a read column is a positive multiple of one of `dims`' atoms."""
    for dim in dims:
        atom = atoms[dim]
        squared = float(atom @ atom)
        if squared > 0:
            weight = float(atom @ column) / squared
            if weight > 0 and np.abs(weight * atom - column).max() <= FIT_TOLERANCE * np.abs(column).max():
                return True
    return False


def _kept_output_values(given: ModelWeights, atoms: np.ndarray, used: np.ndarray):
    """The given output values whose directions the lifted model keeps, in its order: an output value
    never produced may have lost its direction (its read-out column, W times Tracr's one-hot, is 0),
    and Tracr's labels pair the output directions with the values one to one."""
    values = given.output_values
    if not isinstance(values, list) or given.unembedding is None:
        return values
    readout = np.asarray(given.unembedding, dtype=np.float64)  # K x outputs: the output values' atoms
    if readout.shape != (given.d_model, len(values)):
        return values
    scale = max(float(np.abs(readout).max()), 1e-30)
    found = {}
    for index, column in enumerate(readout.T):
        if np.abs(column).max() <= LOST_ATOM * scale:
            continue  # lost: its place comes from the others'
        distance = np.abs(atoms - column).max(axis=1)
        best = int(np.argmin(distance))
        if distance[best] > FIT_TOLERANCE * scale * 10:
            return values  # a read-out that is no atom: leave the values as given
        found[index] = best
    offsets = {dim - index for index, dim in found.items()}
    if len(offsets) == 1:  # Tracr lays the output values out side by side: the lost ones lie between
        offset = offsets.pop()
        found = {index: offset + index for index in range(len(values)) if 0 <= offset + index < len(used)}
    kept = sorted((dim, values[index]) for index, dim in found.items() if used[dim])
    return values if len(kept) == len(values) else [value for _, value in kept]


def _sublayer(name: str) -> int:
    """Where a weight sits in the computation: -1 for the embeddings, 2 l for layer l's attention, 2 l + 1
    for its MLP."""
    if not name.startswith("transformer/layer_"):
        return -1
    layer = int(name.split("/")[1].removeprefix("layer_"))
    return 2 * layer + (1 if "/mlp/" in name else 0)


def _written_at(writers: dict[str, np.ndarray], count: int) -> np.ndarray:
    """Per atom, the first sublayer (`_sublayer`) whose writes use it; a large number where none does."""
    first = np.full(count, np.iinfo(np.int32).max)
    for name, rows in writers.items():
        touched = (np.abs(rows.reshape(-1, count)) > 0).any(axis=0)
        first[touched] = np.minimum(first[touched], _sublayer(name))
    return first


def _with_reads(given: ModelWeights, params: dict, atoms: np.ndarray, blocks: list[np.ndarray],
                bos: np.ndarray, written_at: np.ndarray, states: dict, reached: np.ndarray,
                known: np.ndarray, joint: bool = False, variables: bool = False
                ) -> tuple[ModelWeights, np.ndarray]:
    """The lifted model with the given writes (`params`) and its reads coded within `blocks` (each read
    from the atoms written before it, where those give it back), snapped and without unused
    directions; and the mask of the atoms kept. `joint`: each head's query and key columns together,
    within one variable (and `one`), where one gives them all back (`_joint_code`). `variables`: the
    blocks are variables (inferred labels), and each MLP unit reads at most one value of each where
    some code does (`_block_code`'s `block_of`)."""
    groups = blocks
    blocks = [block[np.abs(atoms[block]).max(axis=1) > 0] for block in groups]
    supports = _supports(blocks)
    block_of = np.full(len(atoms), -1)
    for number, block in enumerate(blocks[1:]):
        block_of[block] = number
    costs = np.ones(len(atoms))
    costs[blocks[0]] = ONE_COST
    costs[bos] = ONE_COST
    # With K < d_model the atoms may obey `one = BOS + every position` (or `+ every token`): a read of
    # `one` could then be bought from the positions (tokens) and BOS, fewer blocks than Tracr's own.
    bos_alone = np.setdiff1d(bos, blocks[0])
    params = dict(params)
    for name, value in given.params.items():
        if name.endswith(_READS):
            value = np.asarray(value, dtype=np.float64)
            sublayer = _sublayer(name)
            allowed = written_at < sublayer
            if name.endswith("attn/key/w"):
                code = _block_code(value.T, atoms, supports, costs, allowed, fallback=False,
                                   per_unit=~reached).T
            else:
                code = _without_bos_code(value, atoms, supports, costs, allowed, ~reached, bos_alone,
                                         block_of if variables and name.endswith("mlp/linear_1/w") else None)
            if joint and name.endswith(("attn/query/w", "attn/key/w")):
                size = given.key_size
                for head in range(given.num_heads):
                    columns = slice(head * size, (head + 1) * size)
                    together = _joint_code(value[:, columns].T, atoms, supports, costs, allowed, ~reached)
                    if together is not None:
                        code[:, columns] = together.T
            # Columns that no few blocks of atoms give back (they read atoms of values never taken):
            # coded so that the lifted states read what the given states read.
            size = np.abs(value).max(axis=0)
            wrong = (np.abs(code).max(axis=0) == 0) & (size > ZERO_READ * max(float(size.max(initial=0.0)),
                                                                              1e-30))
            lifted_states, given_states = states[sublayer]
            target = given_states @ value
            if wrong.any():
                # a column that reads only such atoms reads next to nothing on the states: it reads 0
                wrong &= np.abs(target).max(axis=0) > UNREACHED_READ * np.abs(target).max(initial=0.0)
                if wrong.any():
                    code[:, wrong] = _state_code(lifted_states, target[:, wrong], supports, costs, atoms,
                                                 value[:, wrong])
            # A read of tokens, positions and `one` alone whose code reads on the lifted states far from
            # what the given column reads on the given states took a sparser combination of dependent
            # atoms (a numerical Map's `a + e + i + o` as `1.97 a + 2.03 i`): coded on the states
            # instead, where that code reads them right. (The embeddings' part of the lifted states is
            # exact; what layers write there is built from codes, and may not be.)
            scale = np.abs(target).max(axis=0)
            embedded = ((np.abs(code) > 0) & (written_at >= 0)[:, None]).sum(axis=0) == 0
            # A single atom without duplicates that gives the column back is the read itself, whatever the
            # states show: the compression's interference moves a key of `tokens:a` by a sixth (kestrel
            # `anbn_recognizer`). One with duplicates may stand for a sum of them (twice one of two equal
            # atoms): the states decide (wild `window_mean_selector_not_len15`).
            misread = embedded & ~_lone_atom_reads(code, atoms) & \
                (scale > UNREACHED_READ * np.abs(target).max(initial=0.0)) & \
                (_misread(lifted_states, code, target) > STATE_MISREAD * np.maximum(scale, 1e-30))
            if misread.any():
                again = _state_code(lifted_states, target[:, misread], supports, costs, atoms,
                                    value[:, misread])
                better = _misread(lifted_states, again, target[:, misread]) <= \
                    STATE_MISREAD * np.maximum(scale[misread], 1e-30)
                code[:, np.nonzero(misread)[0][better]] = again[:, better]
            _untie_reads(code, atoms, given.num_heads if "/attn/" in name else None, blocks[0], block_of)
            params[name] = code
    if len(blocks[0]) == 1:
        sums = _position_groups(given, params, bos)
        _complete_pairs(params, given.num_layers, int(blocks[0][0]), known, sums, atoms, groups)
        _complete_maps(params, given.num_layers, int(blocks[0][0]), known, groups)
    lifted = dataclasses.replace(given, params=params, unembedding=None, residual_labels=None, transform=None)
    lifted, _ = snap(lifted, SNAP_RELATIVE)
    return _without_unused(lifted)


def _lone_atom_reads(code: np.ndarray, atoms: np.ndarray) -> np.ndarray:
    """Per read column, whether its code is one atom that no other atom equals (`_duplicates`)."""
    read = np.abs(code) > 0
    lone = read.sum(axis=0) == 1
    for column in np.flatnonzero(lone):
        lone[column] = len(_duplicates(atoms, int(np.flatnonzero(read[:, column])[0]))) == 1
    return lone


def _without_bos_code(value: np.ndarray, atoms: np.ndarray, supports: list, costs: np.ndarray,
                      allowed: np.ndarray, per_unit: np.ndarray, bos: np.ndarray,
                      block_of: np.ndarray | None = None) -> np.ndarray:
    """The code of a read other than a head's keys (columns of `value`), where BOS (`bos`: its atoms
    other than `one`) is read alone or not at all: in Tracr only keys read BOS beside other values (to
    attend to it by default), a SelectorWidth's MLP reads it alone. Where the atoms obey
    `one = BOS + every position`, the fewest blocks would otherwise buy a SequenceMap's
    `x:a + y:b - one` as `y:b - (every other position) - BOS`."""
    without = allowed.copy()
    without[bos] = False
    code = _block_code(value.T, atoms, supports, costs, without, fallback=False, per_unit=per_unit,
                       block_of=block_of).T
    size = np.abs(value).max(axis=0)
    unread = []
    for column in np.nonzero(size > ZERO_READ * max(float(size.max(initial=0.0)), 1e-30))[0]:
        alone = _single_atom(value[:, column], atoms[bos], FIT_TOLERANCE * size[column]) if len(bos) else None
        if alone is not None:
            code[:, column] = 0.0
            code[bos, column] = alone
        elif not code[:, column].any():
            unread.append(column)
    if unread:  # no reading without BOS: coded as any read
        code[:, unread] = _block_code(value[:, unread].T, atoms, supports, costs, allowed, fallback=False,
                                      per_unit=per_unit, block_of=block_of).T
    return code


def _misread(states: np.ndarray, code: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per read column, how far the code's reads on the lifted states are from the given reads."""
    return np.abs(states @ code - target).max(axis=0, initial=0.0)


def _variable_blocks(labels: list[str], dims: np.ndarray, one: np.ndarray) -> list[np.ndarray]:
    """Blocks of atoms, one per variable that the inferred residual labels name (`name:value`, or a
    numerical `name` alone), `one` first: finer than the writers' blocks, where one layer's MLP computes
    several variables."""
    groups: dict[str, list[int]] = {}
    for label, dim in zip(labels, dims):
        name = label.partition(":")[0]
        if dim in one:
            continue
        groups.setdefault(name, []).append(int(dim))
    return [np.asarray(one)] + [np.asarray(g) for g in groups.values()]


def _reads_cleanly(labelled: ModelWeights) -> bool:
    """Whether the reader reads the lifted model (no need to look for finer blocks)."""
    from trade.decompile import read_weights

    return len(read_weights(labelled, check=False).program.lines) > 0


def _partial_count(labelled: ModelWeights) -> int | None:
    """How many of the reading's tables have no output for values their inputs take (`trade.basis`'s
    `_partial_tables`: a lost value, or a misread); None where the reader reads no program."""
    from trade.basis import _partial_tables
    from trade.decompile import read_weights

    program = read_weights(labelled, check=False).program
    return len(_partial_tables(program, labelled.compile_config)) if len(program.lines) else None


def _write_code(vectors: np.ndarray, atoms: np.ndarray) -> np.ndarray:
    """Each row (a write: embedding row, head or MLP output row) as one atom times a number, else two
    (a SelectorWidth's steps `v:k - v:k+1`, a token row `tokens:v + one`), else the sparsest
    combination (`sparse_code`). Among the fits, the coefficients nearest 1 in size win: an atom that a
    value never taken shrank to half another's is not that other at 1/2."""
    result = np.zeros((len(vectors), len(atoms)))
    size = np.abs(vectors).max(axis=1)
    todo = size > ZERO_READ * max(float(size.max(initial=0.0)), 1e-30)
    squared = (atoms ** 2).sum(axis=1)
    gram = atoms @ atoms.T
    # float32 rounding of the folded weights, against the matrix's largest entry: a SelectorWidth's step
    # between two counts no input reaches, whose atoms the compression left nearly equal, is a row 1e-5
    # long that no tolerance relative to itself fits (lagoon `compass_turns`)
    rounding = WRITE_ROUNDING * float(size.max(initial=0.0))
    for row in np.nonzero(todo)[0]:
        vector = vectors[row]
        tolerance = max(FIT_TOLERANCE * size[row], rounding)
        single = atoms @ vector / np.where(squared > 0, squared, np.inf)  # the best multiple of each atom
        error = np.where(squared > 0, np.abs(single[:, None] * atoms - vector).max(axis=1), np.inf)
        fits = np.nonzero(error <= FIT_TOLERANCE * size[row])[0]
        if len(fits):
            best = fits[np.argmin(np.abs(np.log(np.abs(single[fits]))))]
            result[row, best] = single[best]
            continue
        best = _best_pair(vector, atoms, gram, FIT_TOLERANCE * size[row])
        if best is None and tolerance > FIT_TOLERANCE * size[row]:
            best = _best_pair(vector, atoms, gram, tolerance)
        if best is not None:
            result[row, best[0]], result[row, best[1]] = best[2]
        else:
            result[row] = _floored(sparse_code(vector[None], atoms)[0], vector, atoms, size[row])
    return result


def _best_pair(vector: np.ndarray, atoms: np.ndarray, gram: np.ndarray, tolerance: float):
    """(i, j, coefficients) of the two atoms that give `vector` back within `tolerance` (largest entry)
    with coefficients nearest 1 in size, or None: every pair's least squares at once, from the Gram
    matrix."""
    first, second = np.triu_indices(len(atoms), 1)
    a, b, c = gram[first, first], gram[first, second], gram[second, second]
    determinant = a * c - b * b
    live = determinant > 1e-12 * np.maximum(a * c, 1e-300)
    first, second, a, b, c, determinant = (x[live] for x in (first, second, a, b, c, determinant))
    if not len(first):
        return None
    products = atoms @ vector
    p, q = products[first], products[second]
    x = (c * p - b * q) / determinant
    y = (a * q - b * p) / determinant
    left = float(vector @ vector) - (x * p + y * q)  # the squared residual of each pair's least squares
    # That residual loses digits as a pair nears collinear (a c / determinant large): the prefilter allows
    # for it, and each pair it keeps is solved again directly, its cost and fit from that solution.
    slack = 1e-12 * float(vector @ vector) * (a * c / determinant)
    candidates = np.nonzero(left <= (tolerance ** 2) * len(vector) + slack)[0]
    solved = []
    for index in candidates:
        i, j = int(first[index]), int(second[index])
        coefficients = np.linalg.lstsq(atoms[[i, j]].T, vector, rcond=None)[0]
        if np.abs(coefficients @ atoms[[i, j]] - vector).max() <= tolerance:
            solved.append((float(np.abs(np.log(np.abs(coefficients) + 1e-30)).sum()), i, j, coefficients))
    if not solved:
        return None
    _, i, j, coefficients = min(solved, key=lambda item: item[0])  # the first of equal costs
    return i, j, coefficients


def _floored(code: np.ndarray, vector: np.ndarray, atoms: np.ndarray, size: float) -> np.ndarray:
    """A write's sparsest code without the coefficients below `WRITE_FLOOR` of its largest (the least
    squares refit leaves specks on foreign atoms, which would tie unrelated variables into one block),
    refit on the atoms left; the code as it was where that no longer gives the write back."""
    kept = np.abs(code) >= WRITE_FLOOR * np.abs(code).max(initial=0.0)
    if kept.all() or not kept.any():
        return code
    refit = np.zeros_like(code)
    refit[kept] = np.linalg.lstsq(atoms[kept].T, vector, rcond=None)[0]
    if np.abs(refit @ atoms - vector).max() > FIT_TOLERANCE * size:
        return code
    return refit


def _pad_row(given: ModelWeights) -> int | None:
    from trade.verify import token_ids_for

    return token_ids_for(given.compile_config).get(given.compile_config.compiler_pad)


def _bos_row(given: ModelWeights) -> int:
    from trade.verify import token_ids_for

    return token_ids_for(given.compile_config)[given.compile_config.compiler_bos]


def _weighted_code(vectors: np.ndarray, atoms: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Each row as the combination of least weighted L1 norm (cost x atom length per unit)."""
    result = np.zeros((len(vectors), len(atoms)))
    size = np.abs(vectors).max(axis=1)
    todo = size > ZERO_READ * max(float(size.max(initial=0.0)), 1e-30)
    live = np.nonzero(np.abs(atoms).max(axis=1) > 0)[0]
    for row in np.nonzero(todo)[0]:
        coded = _least_l1(vectors[row], atoms[live], FIT_TOLERANCE * size[row], costs[live])
        if coded is None:
            raise BasisError("a read is no combination of the atoms")
        result[row, live] = coded
    return result


def _blocks(writers: dict[str, np.ndarray], num_heads: int, count: int) -> list[np.ndarray]:
    """Groups of lifted directions that one reader may see together: `one`, tokens, positions, and per
    head and per layer's MLP what it writes (groups that share a direction merged: a SelectorWidth's
    head and MLP)."""
    tokens = np.abs(writers["token_embed/embeddings"]) > 0
    one = tokens.all(axis=0)
    positions = (np.abs(writers["pos_embed/embeddings"]) > 0).any(axis=0)
    groups = [one, tokens.any(axis=0) & ~one, positions & ~one]
    for name, rows in writers.items():
        if name in _EMBEDDINGS or name.endswith("/b"):  # a layer's bias sums what its MLPs write
            continue
        written = np.abs(rows) > 0
        if name.endswith("attn/linear/w"):
            per_head = len(rows) // num_heads
            groups += [written[h * per_head:(h + 1) * per_head].any(axis=0) for h in range(num_heads)]
        else:
            groups.append(written.any(axis=0))
    merged: list[np.ndarray] = []
    for group in groups[1:]:
        group = group & ~one
        for other in [m for m in merged if (m & group).any()]:
            group = group | other
        merged = [m for m in merged if not (m & group).any()] + [group]
    return [np.nonzero(one)[0]] + [np.nonzero(g)[0] for g in merged if g.any()]  # `one` first, maybe none


def _supports(blocks: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
    """Candidate supports of a read with their number of blocks: one block, two, two and `one`
    (blocks[0]); `one` counts as half a block, since Tracr reads it beside any variable."""
    supports = [(0, np.array([], dtype=int))] + [(2 if i else 1, block) for i, block in enumerate(blocks)]
    for i in range(len(blocks)):
        for j in range(i + 1, len(blocks)):
            supports.append((3 if i == 0 else 4, np.concatenate([blocks[i], blocks[j]])))
    for i in range(1, len(blocks)):
        for j in range(i + 1, len(blocks)):
            supports.append((5, np.concatenate([blocks[0], blocks[i], blocks[j]])))
    return supports[:1] + [(count, support) for count, support in supports[1:] if len(support)]  # no `one`


def _block_code(vectors: np.ndarray, atoms: np.ndarray, supports: list, costs: np.ndarray,
                allowed: np.ndarray | None = None, fallback: bool = True,
                per_unit: np.ndarray | None = None, block_of: np.ndarray | None = None,
                _once_in: np.ndarray | None = None) -> np.ndarray:
    """Each row as the combination of least L1 norm of the atoms of the supports with the fewest blocks
    that give it back (of those, the least L1 norm: a read is a few coefficients of Tracr's sizes).
    `allowed` (a mask of atoms): those written before the reader; the others only where nothing else
    gives a row back. `per_unit` (a mask): atoms whose coefficients cost their size, not their size in
    the stream (values never reached: what the compression left of them is short and arbitrary, and
    would buy a read with huge coefficients). `block_of` (each atom's variable, -1 for `one`): a row is
    first coded with at most one value of each variable, as every Tracr MLP unit reads (a Map's unit one
    input value, a SequenceMap's one of each input); rows no such code gives back are then coded without
    the rule. Why: where a variable is a function of an earlier one (Morse dots of a code), the
    compression may make its atoms combinations of the earlier one's, and the fewest blocks then read a
    SequenceMap of dots and dashes from the code alone, 1s and 2s on its values."""
    if block_of is not None:
        code = _block_code(vectors, atoms, supports, costs, allowed, False, per_unit, _once_in=block_of)
        rest = ~np.abs(code).any(axis=1)
        if rest.any():
            code[rest] = _block_code(vectors[rest], atoms, supports, costs, allowed, fallback, per_unit)
        return code
    lengths = np.linalg.norm(atoms, axis=1)
    if per_unit is not None:
        per_unit = np.where(per_unit & (lengths > 0), 1 / np.where(lengths > 0, lengths, 1.0), 1.0)
    if allowed is not None:
        supports = [(count, support[allowed[support]]) for count, support in supports]
        supports = supports[:1] + [(count, support) for count, support in supports[1:] if len(support)]
    result = np.zeros((len(vectors), len(atoms)))
    size = np.abs(vectors).max(axis=1)
    todo = size > ZERO_READ * max(float(size.max(initial=0.0)), 1e-30)  # smaller: float rounding of a 0
    for count, group in _by_block_count(supports[1:]):
        if not todo.any():
            break
        best = {}
        for support in group:
            basis = atoms[support]
            inverse = _pseudo_inverse(basis, atoms.shape[1])
            if inverse is None:
                continue  # atoms that span the whole stream fit anything
            rows = np.nonzero(todo)[0]
            coefficients = vectors[rows] @ inverse
            error = np.abs(coefficients @ basis - vectors[rows]).max(axis=1)
            for row in rows[error <= FIT_TOLERANCE * size[rows]]:
                coded = _single_atom(vectors[row], basis, FIT_TOLERANCE * size[row])
                if coded is None:
                    coded = _least_l1(vectors[row], basis, FIT_TOLERANCE * size[row],
                                      None if per_unit is None else per_unit[support])
                if coded is None or float(np.abs(coded) @ lengths[support]) > \
                        CANCELLATION * float(np.linalg.norm(vectors[row])):
                    continue  # huge coefficients that cancel: atoms dependent on the states, not a read
                if _once_in is not None and _twice_in_one(coded, _once_in[support]):
                    coded = _one_per_variable(vectors[row], basis, _once_in[support],
                                              FIT_TOLERANCE * size[row])
                    if coded is None or float(np.abs(coded) @ lengths[support]) > \
                            CANCELLATION * float(np.linalg.norm(vectors[row])):
                        continue  # two values of one variable: no Tracr MLP unit reads so
                # one atom alone first (a Tracr read of one value), then the least L1 norm
                cost = (int((np.abs(coded) > 0).sum() > 1), float(np.abs(coded).sum()))
                if row not in best or cost < best[row][0]:
                    best[row] = (cost, support, coded)
        for row, (_, support, coded) in best.items():
            result[row, support] = coded
            todo[row] = False
    if todo.any() and fallback:  # no two variables and `one` give it back: the sparsest of all atoms
        rows = np.nonzero(todo)[0]
        try:
            result[rows] = _weighted_code(vectors[rows], atoms if allowed is None else
                                          atoms * allowed[:, None], costs)
        except BasisError:
            result[rows] = _weighted_code(vectors[rows], atoms, costs)
    return result


@_solved
def _pseudo_inverse(basis: np.ndarray, width: int) -> np.ndarray | None:
    """The pseudo-inverse of `basis` (rows: atoms), or None where its atoms span all `width` dimensions."""
    if np.linalg.matrix_rank(basis, tol=1e-6 * np.abs(basis).max()) >= width:
        return None
    return np.linalg.pinv(basis)


ONE_PER_VARIABLE_LIMIT = 4_096  # `_one_per_variable` tries at most this many choices of values


def _twice_in_one(code: np.ndarray, variables: np.ndarray) -> bool:
    """Whether a code reads two values of one variable (`variables`: each atom's, -1 for `one`)."""
    read = variables[(np.abs(code) > 0) & (variables >= 0)]
    return len(read) > len(set(read.tolist()))


@_solved
def _one_per_variable(vector: np.ndarray, basis: np.ndarray, variables: np.ndarray, tolerance: float
                      ) -> np.ndarray | None:
    """The code of `vector` on one atom of each variable of `basis` (and all of `one`'s) that gives it
    back within `tolerance`, of least L1 norm; None where no choice does (or there are too many)."""
    one = np.flatnonzero(variables < 0)
    choices = [np.flatnonzero(variables == v) for v in np.unique(variables[variables >= 0])]
    if np.prod([len(c) for c in choices], dtype=float) > ONE_PER_VARIABLE_LIMIT:
        return None
    best = None
    for chosen in itertools.product(*choices):
        support = np.concatenate([one, np.array(chosen, dtype=int)])
        coefficients = np.linalg.lstsq(basis[support].T, vector, rcond=None)[0]
        if np.abs(coefficients @ basis[support] - vector).max() > tolerance:
            continue
        if best is None or np.abs(coefficients).sum() < best[0]:
            best = (float(np.abs(coefficients).sum()), support, coefficients)
    if best is None:
        return None
    code = np.zeros(len(basis))
    code[best[1]] = best[2]
    return code


def _joint_code(vectors: np.ndarray, atoms: np.ndarray, supports: list, costs: np.ndarray,
                allowed: np.ndarray, per_unit: np.ndarray, most_blocks: int = 3) -> np.ndarray | None:
    """Rows (one head's query or key columns) coded within the one support that gives every row back,
    of the fewest blocks (at most a variable and `one`: `_supports`' count 3), then the least L1 norm;
    None where none does."""
    size = np.abs(vectors).max(axis=1)
    todo = size > ZERO_READ * max(float(size.max(initial=0.0)), 1e-30)
    if not todo.any():
        return None
    for count, group in _by_block_count(supports[1:]):
        if count > most_blocks:
            break
        best = None
        for support in group:
            code = _block_code(vectors, atoms, [supports[0], (count, support)], costs, allowed,
                               fallback=False, per_unit=per_unit)
            if (np.abs(code[todo]).max(axis=1) > 0).all():
                if best is None or np.abs(code).sum() < best[0]:
                    best = (float(np.abs(code).sum()), code)
        if best is not None:
            return best[1]
    return None


def _single_atom(vector: np.ndarray, basis: np.ndarray, tolerance: float) -> np.ndarray | None:
    """The coefficients of one atom of `basis` alone that gives `vector` back within `tolerance`
    (largest entry), or None. Where several do, the one whose coefficient is nearest 1 in size.

    A read that is one atom times a number is a Tracr read of one value (a categorical MLP's neuron, a
    query or key column); least L1 would rather buy it from other atoms where the compression shrank
    its atom (a value never taken): the atoms are dependent."""
    squared = (basis ** 2).sum(axis=1)
    single = basis @ vector / np.where(squared > 0, squared, np.inf)
    error = np.where(squared > 0, np.abs(single[:, None] * basis - vector).max(axis=1), np.inf)
    fits = np.nonzero(error <= tolerance)[0]
    if not len(fits):
        return None
    best = fits[np.argmin(np.abs(np.log(np.abs(single[fits]))))]
    result = np.zeros(len(basis))
    result[best] = single[best]
    return result


def _by_block_count(supports):
    """Supports grouped by their number of blocks (as `_supports` tags them), fewest first."""
    groups: dict[int, list[np.ndarray]] = {}
    for count, support in supports:
        groups.setdefault(count, []).append(support)
    return sorted(groups.items())


@_solved
def _least_l1(vector: np.ndarray, basis: np.ndarray, tolerance: float, costs=None) -> np.ndarray | None:
    """Coefficients c of least L1 norm with |c @ basis - vector| <= tolerance everywhere, or None."""
    from scipy.optimize import linprog

    count = len(basis)
    if count == 0:
        return None
    scale = float(np.abs(vector).max()) or 1.0
    both = np.concatenate([basis, -basis]).T  # K x 2m
    bounds = np.concatenate([vector + tolerance, -(vector - tolerance)]) / scale
    norms = np.linalg.norm(basis, axis=1)  # a coefficient costs its size in the stream
    if costs is not None:
        norms = norms * costs
    solved = linprog(np.concatenate([norms, norms]), A_ub=np.concatenate([both, -both]), b_ub=bounds,
                     bounds=(0, None), method="highs")
    if solved.status != 0:
        return None
    coefficients = (solved.x[:count] - solved.x[count:]) * scale
    # The programme's answer sits on the tolerance's edge: refit its atoms by least squares.
    used = np.abs(coefficients) > 1e-6 * np.abs(coefficients).max(initial=0.0)
    result = np.zeros(count)
    result[used] = np.linalg.lstsq(basis[used].T, vector, rcond=None)[0]
    return result


def fold_fit(compiled: ModelWeights, given: ModelWeights, tolerance: float = 1e-3
             ) -> tuple[str | None, float]:
    """(None, the largest difference left) if the given model's own recorded compression W folds
    `compiled` (a recompiled reading, one-hot) onto the given weights, every entry and the read-out
    within `tolerance` of its matrix's largest entry; else (what differs, inf).

    The compressed model's `basis_fit`: no invertible change of basis maps d_model directions onto K,
    but W (the record's) does what such a change does, writes `r W^T`, reads `W r`. A hook for the
    verdict (`trade.basis.verdict_on_given`): with it, a reading whose weights fold onto the given ones
    and whose outputs the given model shows on every input is `exact`, as for the other transforms.
    """
    atoms = recorded_atoms(given)
    if atoms is None:
        return "no compression matrix recorded", np.inf
    if compiled.d_model != atoms.shape[0]:
        return f"a residual stream of {compiled.d_model}, W has {atoms.shape[0]} columns", np.inf
    if set(compiled.params) != set(given.params) or \
            (compiled.num_heads, compiled.key_size) != (given.num_heads, given.key_size):
        return "another layout of parameters", np.inf
    reason, worst = _folded_difference(compiled, given, atoms, tolerance)
    if reason is None:
        return None, worst
    found, worst = _ordered_fold(compiled, given, atoms, tolerance)
    if found is None:
        return None, worst
    from trade.basis import matched_units

    # The heads' and MLP units' order follows Tracr's names too: where the stream's order alone does not
    # fold, they are matched by what they compute (`trade.basis.matched_units`), which no order changes.
    matched = matched_units(compiled, given)
    if matched is not None:
        found, worst = _ordered_fold(compiled, matched, atoms, tolerance)
        if found is None:
            return None, worst
    # A head's dimensions for values no input reaches compute alike on every input, so the matching
    # leaves them in any order among themselves: they are settled by their weights, folded by W.
    settled = _settled_head_dims(compiled, matched or given, atoms, tolerance)
    if settled is not None:
        found, worst = _ordered_fold(compiled, settled, atoms, tolerance)
        if found is None:
            return None, worst
    return reason, np.inf


def _settled_head_dims(compiled: ModelWeights, given: ModelWeights, atoms: np.ndarray, tolerance: float
                       ) -> ModelWeights | None:
    """`given` with each head's own dimensions reordered to match `compiled`'s folded by W: the atoms'
    order from every weight but the heads' queries and keys (`_atom_order`), then per head the query and
    key columns, and the value columns with their output rows, matched by their folded weights. None
    where that order is not found or nothing moves. Reordering a head's dimensions changes nothing the
    model computes, and the fold that follows checks every entry."""
    from trade.basis import _assigned, _reorder_heads, _reordered

    order = _atom_order(compiled, given, atoms, tolerance, skipped=("attn/query/w", "attn/key/w"))
    if order is None:
        return None
    image = atoms[order]  # row j: the recompiled direction j's atom
    params = {name: np.asarray(value, dtype=np.float64) for name, value in given.params.items()}
    size, moved = given.key_size, False
    for layer in range(given.num_layers):
        prefix = f"transformer/layer_{layer}/attn"
        dims = []
        for names in (("query/w", "key/w", "query/b", "key/b"), ("value/w", "value/b", "linear/w")):
            mine = _head_dim_rows(compiled.params, prefix, names, image)
            theirs = _head_dim_rows(params, prefix, names, None)
            taken = np.zeros(len(mine), dtype=int)
            for head in range(given.num_heads):
                span = slice(head * size, (head + 1) * size)
                cost = np.abs(mine[span][:, None, :] - theirs[span][None, :, :]).max(axis=2)
                taken[span] = head * size + _assigned(cost)
            dims.append(taken)
        moved |= _reorder_heads(params, prefix.removesuffix("/attn"), (dims[0], dims[1]))
    return _reordered(given, params) if moved else None


def _head_dim_rows(params: dict, prefix: str, names: tuple[str, ...], image: np.ndarray | None) -> np.ndarray:
    """Per head dimension of the attention `prefix` (a row), its weights `names` side by side: read columns
    and output rows folded by W (`image`, row j: direction j's atom) where given, and biases."""
    rows = []
    for name in names:
        value = np.asarray(params[f"{prefix}/{name}"], dtype=np.float64)
        if name == "linear/w":
            rows.append(value if image is None else value @ image)
        elif name.endswith("/w"):
            rows.append(value.T if image is None else (image.T @ value).T)
        else:
            rows.append(value[:, None])
    return np.hstack(rows)


def _ordered_fold(compiled: ModelWeights, given: ModelWeights, atoms: np.ndarray, tolerance: float
                  ) -> tuple[str | None, float]:
    """`_folded_difference` with the atoms in the order `_atom_order` finds (or why there is none)."""
    order = _atom_order(compiled, given, atoms, tolerance)
    if order is None:
        return "no order of the atoms folds the reading onto the given weights", np.inf
    return _folded_difference(compiled, given, atoms[order], tolerance)


def _atom_order(compiled: ModelWeights, given: ModelWeights, atoms: np.ndarray, tolerance: float,
                skipped: tuple[str, ...] = ()) -> np.ndarray | None:
    """Where each of the recompiled model's residual directions lies among the recorded atoms (a
    permutation), or None where no permutation of them folds its weights onto the given ones.

    Tracr orders the stream by the variables' names, and a reading's names are not the program's: the
    same blocks of directions come in another order. The atoms each recompiled direction would need
    solve writes (`r A = g`, embeddings, head and MLP outputs) and reads (`A^T r = g`) at once; each
    must be a recorded atom, no two the same. `skipped`: weights (by the end of their names) left out."""
    rows, targets = [], []
    for name in sorted(given.params):
        if name.endswith(skipped):
            continue
        value = np.asarray(compiled.params[name], dtype=np.float64)
        target = np.asarray(given.params[name], dtype=np.float64)
        if name in _EMBEDDINGS or name.endswith(_WRITES):
            rows.append(value.reshape(-1, compiled.d_model))
            targets.append(target.reshape(-1, given.d_model))
        elif name.endswith(_READS):
            rows.append(value.T)
            targets.append(target.T)
    system, target = np.concatenate(rows), np.concatenate(targets)
    if system.shape[0] != target.shape[0]:
        return None
    solved = np.linalg.lstsq(system, target, rcond=None)[0]  # d x K: each direction's atom
    scale = max(float(np.abs(target).max()), 1e-12)
    if np.abs(system @ solved - target).max() > tolerance * scale:
        return None
    distance = np.abs(solved[:, None, :] - atoms[None, :, :]).max(axis=2)  # d x d
    order = distance.argmin(axis=1)
    limit = tolerance * max(float(np.abs(atoms).max()), 1e-12)
    if distance[np.arange(len(order)), order].max() > limit:
        return None
    if len(set(order.tolist())) != len(order):
        # atoms the compression made one vector (values never taken, alike on every state): the
        # directions they fit take them one each, in order (any such choice folds alike)
        taken: set[int] = set()
        for direction in np.argsort(order, kind="stable"):
            free = [int(a) for a in np.nonzero(distance[direction] <= limit)[0] if int(a) not in taken]
            if not free:
                return None
            order[direction] = free[0]
            taken.add(free[0])
    return order


def _folded_difference(compiled: ModelWeights, given: ModelWeights, atoms: np.ndarray, tolerance: float
                       ) -> tuple[str | None, float]:
    """`fold_fit` for one order of the atoms (row j: recompiled direction j's image)."""
    from trade.transform import fold_compression, readout

    folded = fold_compression(compiled, atoms.T)
    pairs = [(name, folded.params[name], given.params[name]) for name in sorted(given.params)]
    pairs.append(("read-out", readout(folded), readout(given)))
    worst = 0.0
    for name, value, target in pairs:
        value, target = np.asarray(value, dtype=np.float64), np.asarray(target, dtype=np.float64)
        if value.shape != target.shape:
            return f"'{name}' has shape {value.shape}, the given one {target.shape}", np.inf
        if not value.size:
            continue
        scale = max(float(np.abs(target).max()), float(np.abs(value).max()), 1e-12)
        difference = float(np.abs(value - target).max()) / scale
        worst = max(worst, difference)
        if difference > tolerance:
            return f"'{name}' differs by {difference:.2g} of its scale after folding by W", np.inf
    return None, worst


def discover_atoms(given: ModelWeights) -> np.ndarray:
    """Atoms found in the weights alone, without the record: not done (the reason says so)."""
    raise BasisError("the compressed model carries no compression matrix in its record, and no atoms "
                     "were found in its weights")


def _without_unused(weights: ModelWeights) -> tuple[ModelWeights, np.ndarray]:
    """The model without the residual directions that nothing writes and nothing reads, and the mask of
    the directions kept."""
    used = np.zeros(weights.d_model, dtype=bool)
    for name, value in weights.params.items():
        if name in _EMBEDDINGS or name.endswith(_WRITES):
            used |= (np.abs(value.reshape(-1, weights.d_model)) > 0).any(axis=0)
        elif name.endswith(_READS):
            used |= (np.abs(value) > 0).any(axis=1)
    if used.all():
        return weights, used
    params = {}
    for name, value in weights.params.items():
        if name in _EMBEDDINGS or name.endswith(_WRITES):
            value = value[..., used]
        elif name.endswith(_READS):
            value = value[used]
        params[name] = value
    return dataclasses.replace(weights, params=params), used
