"""SequenceMaps of a variable with itself, beside other lookups and read by every kind of block.

Why: Tracr compiles `SequenceMap(f, x, x)` as the Map x -> f(x, x) (`expr_to_craft_graph`: the two input
spaces are one), but keeps the SequenceMap's value set, f over every pair. The values no f(a, a) gives
are output directions that a neuron reading nothing writes; later blocks may read some of them, or none.
Ten shapes: the self-SequenceMap read by a Map, by a Select's key, as the output, two of them in one layer
joined by a SequenceMap, over indices before a Map of tokens (names sorting either way), aggregated, over
strings, over a histogram (a SelectorWidth), with tuple values, and read by a SelectorWidth's Select.
`examples/outlook` (`tokens_with_itself`, `linear_map_of_itself`), `examples/wild` (`self_sequencemaps`)
and `examples/fresh` (`linear_odd_coefficients`) hold four more. README.md has the measured tables.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram


def _map(f, s):
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, s, simplify=False)


def self_then_map() -> rasp.SOp:
    y = rasp.SequenceMap(lambda a, b: a * b, rasp.tokens, rasp.tokens).named("a_prod")
    w = _map(lambda i: i + 1, rasp.indices).named("b_next")
    z = _map(lambda v: v % 3, y).named("c_mod")
    return rasp.SequenceMap(lambda a, b: a + b, z, w).named("d_out")


def self_read_by_select() -> rasp.SOp:
    w = _map(lambda i: i % 3, rasp.indices).named("z_pos")
    y = rasp.SequenceMap(lambda a, b: a + b, rasp.tokens, rasp.tokens).named("a_sum")
    sel = rasp.Select(y, w, rasp.Comparison.LT)
    return rasp.numerical(rasp.Aggregate(sel, rasp.numerical(_map(lambda t: t / 4, rasp.tokens)),
                                         default=0)).named("mean")


def self_as_output() -> rasp.SOp:
    return rasp.SequenceMap(lambda a, b: a - b, rasp.tokens, rasp.tokens).named("diff")


def two_selfs_joined() -> rasp.SOp:
    y = rasp.SequenceMap(lambda a, b: a * b, rasp.tokens, rasp.tokens).named("p_tt")
    u = rasp.SequenceMap(lambda a, b: a - b + 10, rasp.indices, rasp.indices).named("q_ii")
    return rasp.SequenceMap(lambda a, b: a + b, y, u).named("r_sum")


def self_indices_first() -> rasp.SOp:
    u = rasp.SequenceMap(lambda a, b: a * b, rasp.indices, rasp.indices).named("a_sq")
    t = _map(lambda t: t * 2, rasp.tokens).named("z_twice")
    return rasp.SequenceMap(lambda a, b: a - b, t, u).named("m_out")


def self_aggregated() -> rasp.SOp:
    y = rasp.SequenceMap(lambda a, b: a * b + 1, rasp.tokens, rasp.tokens).named("k_val")
    w = _map(lambda i: 4 - i, rasp.indices).named("a_rev")
    sel = rasp.Select(rasp.indices, w, rasp.Comparison.EQ)
    return rasp.Aggregate(sel, y).named("flipped")


def self_strings() -> rasp.SOp:
    y = rasp.SequenceMap(lambda a, b: a + b, rasp.tokens, rasp.tokens).named("cat")
    w = _map(lambda i: i < 2, rasp.indices).named("early")
    return rasp.SequenceMap(lambda s, e: s.upper() if e else s, y, w).named("shout")


def self_of_width() -> rasp.SOp:
    h = lib.make_hist()
    y = rasp.SequenceMap(lambda a, b: a * b, h, h).named("h_sq")
    t = _map(lambda c: c == "x", rasp.tokens).named("is_x")
    return rasp.SequenceMap(lambda a, b: a + 1 if b else a, y, t).named("joined")


def two_selfs_output_map() -> rasp.SOp:
    y = rasp.SequenceMap(lambda a, b: (a, b), rasp.tokens, rasp.tokens).named("pair")
    u = rasp.SequenceMap(lambda a, b: a + 2 * b, rasp.indices, rasp.indices).named("tri")
    return rasp.SequenceMap(lambda p, n: p[0] * n, y, u).named("prod")


def self_read_by_width() -> rasp.SOp:
    y = rasp.SequenceMap(lambda a, b: max(a, b), rasp.tokens, rasp.tokens).named("mx")
    w = _map(lambda i: i // 2, rasp.indices).named("half")
    return rasp.SelectorWidth(rasp.Select(y, w, rasp.Comparison.GT)).named("width")


PROGRAMS = [
    SuiteProgram("self_then_map", "a * b of tokens with tokens, mod 3, joined with indices + 1",
                 self_then_map, (0, 1, 2, 3), 4),
    SuiteProgram("self_read_by_select", "a + b of tokens with tokens, a Select's key (LT i mod 3), a mean",
                 self_read_by_select, (1, 2, 3), 5),
    SuiteProgram("self_as_output", "a - b of tokens with tokens, the output",
                 self_as_output, (1, 2, 5), 4),
    SuiteProgram("two_selfs_joined", "a * b of tokens and a - b + 10 of indices, each with itself, summed",
                 two_selfs_joined, (1, 2, 3), 4),
    SuiteProgram("self_indices_first", "a * b of indices with itself (sorting first) minus twice the token",
                 self_indices_first, (0, 1, 2), 4),
    SuiteProgram("self_aggregated", "a * b + 1 of tokens with tokens, read at position 4 - i",
                 self_aggregated, (0, 1, 2), 5),
    SuiteProgram("self_strings", "tokens doubled as strings, upper-cased at positions 0 and 1",
                 self_strings, ("a", "b", "x"), 4),
    SuiteProgram("self_of_width", "the histogram times itself, plus 1 where the token is 'x'",
                 self_of_width, ("x", "y"), 5),
    SuiteProgram("two_selfs_output_map", "(a, b) of tokens and a + 2b of indices, each with itself, times",
                 two_selfs_output_map, (1, 2), 4),
    SuiteProgram("self_read_by_width", "max(a, b) of tokens with tokens, counted GT i // 2",
                 self_read_by_width, (0, 1, 2, 3), 4),
]
