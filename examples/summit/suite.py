"""A summit suite of hand-written Tracr programs, aimed at what the fourteen older suites leave out.

Why: `tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`, `large/`, `horizon/`,
`outlook/`, `itself/`, `vista/`, `meridian/`, `zenith/` and `bench/` all decompile, rotated and mixed.
These were written afterwards to find programs TraDe fails on, in territory none of them covers well:

- `rasp.Full` inside a selector: Tracr compiles no `Full` node, but `selector_and` / `selector_or` (and
  the `&`, `|`, `~` operators) bake a `Full` key or query into the predicate of one simplified Select, so
  programs written with constants in selectors compile (a constant threshold on the query, a constant
  key, a double `~` of an `|`, under causal=True too).
- Variables that carry the same information: a numerical copy of a 0/1 Map through an index-EQ
  Aggregate added to the Map itself, two complementary means that always sum to 1 (a constant
  numerical output), a LinearSequenceMap chain that cancels back to one of its inputs, a categorical
  copy joined with its source, a categorical and a numerical width of one selector, a categorical and a
  numerical look-up of one 0/1 flag through one selector.
- Constant outputs: a mean of a constant 1 (always 1), a categorical output with a value it never takes.
- causal=True shapes that change what a selector means: a GEQ index mean that sees only its own position,
  a two-neighbour look-up that sees only the previous one, a GT token mean over earlier tokens, a pointer
  read from a causal occurrence count, a `Full` query.
- Vocabularies: digit strings compared as strings ('10' < '2'), one token at max_seq_len 1 (a single
  input), 50 tokens at max_seq_len 2, float strings parsed to numerical weights
  up to 1.5, tuples of strings of lengths 0 to 3 (the empty tuple a token), negative ints with
  negative categorical outputs, bools with a signed numerical balance.
- Lambdas as researchers write them: `dict.get` with a default argument, closures from a factory,
  `functools.partial`, `operator` functions as Map, SequenceMap and Select predicates, a callable
  object as a predicate, unbound `str` methods (`str.upper`, `str.startswith`, `str.__add__`).
- Selectors: three Selects and-ed, `selector_not(selector_not(.))`, `selector_or(FALSE, EQ)`, TRUE over
  keys and queries of different SOps, words against their reversal (LEQ).
- Numerical encodings placed unusually: a numerical look-back of weights read by a
  numerical->categorical Map, a numerical Map of the indices averaged under a token selector, a
  numerical Map of the indices added to one of the tokens, a numerical SelectorWidth turned categorical
  and used as a look-up's query, a numerical Aggregate that reverses `make_frac_prevs`.
- Depth and width: a 17-line alternating chain, six heads (four in one layer), a Map read only at the end of a
  7-layer chain, two branches of depths 1 and 6 merged, and a 30-odd line word tagger.
- Sizes: max_seq_len 1, 2 and 12 (the last with Aggregates only), value sets with unreachable values.
- Values at the edges of how values are stored: int tokens 2**53, 2**53 + 1, 2**53 + 2 (one apart where a
  float64 no longer tells integers apart), outputs one apart at 2**60, NaN, -inf and inf tokens, nested
  tuple tokens, the empty tuple as a token, frozenset tokens and outputs, bytes tokens.

Each builder makes new expressions on every call. `examples/check_suites.py examples/summit/suite.py`
checks that Tracr compiles each faithfully (the pitfalls of the older suites were avoided: no
SelectorWidth past max_seq_len 9, no negative outputs of a categorical->numerical Map, means only of
values whose int() is 0 or 1, numerical Maps of a mean only thresholded at 0, categorical Aggregates
moving no more values than their head's key space holds). Met here: Tracr compiles no `rasp.Full` or
`rasp.ConstantSOp` as an SOp ("cannot be translated to a model component", "Unsupported S-Op"), nor
`rasp.numerical(rasp.tokens)` ("tokens should always be categorical"), nor a numerical Aggregate of a
categorical SOp ("An aggregate's output encoding must match its input encoding"). Dropped because
Tracr's model disagrees with `rasp.evaluate` (README.md has the details):
- tokens 0, '0', 1, '1' together: the two pairs print alike ('tokens:1') and token 1 reads as '1' and
  '1' as 1 in the compiled model (3,186 of 6,372 positions wrong); tokens False, True, 2, 3 with a
  `type(k) is type(q)` width likewise (5,352 of 6,372 wrong);
- a SelectorWidth keyed and queried by a categorical Map of a numerical SelectorWidth (1,899 of 6,015
  wrong), as `zenith/` and `horizon/` found for widths keyed by values derived from counts: kept as a
  look-up's query instead (`numerical_width_as_query`);
- a numerical mean of a constant-1 numerical Map under a selector that can select nothing (the model
  gives 1 where RASP gives the default 0: 2,898 of 6,015 wrong): the Map is a 0/1 flag instead;
- a numerical look-back that selects nothing at the first position read by a numerical->categorical Map
  (the first position reads 'lo' for 0): the look-back is clamped instead;
- a categorical Aggregate under TRUE of a constant string Map: `rasp.evaluate` itself raises ("Only
  types int, bool, and float are supported for aggregation"): it selects index 0 instead.
"""

import functools
import math
import operator

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

T, I = rasp.tokens, rasp.indices
C = rasp.Comparison


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


def _num(f, sop: rasp.SOp) -> rasp.SOp:
    return rasp.numerical(rasp.Map(f, sop, simplify=False))


def _mean(selector: rasp.Selector, values: rasp.SOp) -> rasp.SOp:
    return rasp.numerical(rasp.Aggregate(selector, values, default=0))


def _prev(sop: rasp.SOp, back: int = 1) -> rasp.SOp:
    """The value `back` positions before, clamped at the first position (never None)."""
    return rasp.Aggregate(rasp.Select(I, I, lambda k, q: k == max(q - back, 0)), sop)


# --- rasp.Full baked into a selector ----------------------------------------------------------------------


def full_key_and_eq_width() -> rasp.SOp:
    """selector_and(Select(Full(2), tokens, q > k), EQ): my count where my token is above 2, else 0."""
    sel = rasp.selector_and(rasp.Select(rasp.Full(2), T, lambda k, q: q > k), rasp.Select(T, T, C.EQ))
    n = rasp.SelectorWidth(sel).named("fk_n")
    return _map(lambda x: f"n{x}", n).named("fk_out")


def full_query_or_mean() -> rasp.SOp:
    """selector_or(Select(indices, Full(0), EQ), index EQ): the share of 'x' over the first position and
    mine."""
    sel = rasp.selector_or(rasp.Select(I, rasp.Full(0), C.EQ), rasp.Select(I, I, C.EQ))
    return _mean(sel, _num(lambda t: 1 if t == "x" else 0, T).named("fq_x")).named("fq_share")


def full_and_operator_mean() -> rasp.SOp:
    """`&` of Select(Full('m'), tokens, LEQ) and a TRUE-like Select(indices, tokens), and-ed once more: the
    share of vowels overall where my letter is at least 'm', else 0 (nothing selected)."""
    sel = rasp.Select(rasp.Full("m"), T, C.LEQ) & rasp.Select(I, T, lambda k, q: True)
    pre = rasp.selector_and(sel, rasp.Select(I, T, lambda k, q: True))
    vowel = _num(lambda c: 1 if c in "aeiou" else 0, T).named("fa_vowel")
    return _mean(pre, vowel).named("fa_share")


def full_not_or_width() -> rasp.SOp:
    """~(Select(Full(3), tokens, GT) | Select(tokens, tokens, LT)): tokens at least mine where mine is >=
    3."""
    sel = ~(rasp.Select(rasp.Full(3), T, C.GT) | rasp.Select(T, T, C.LT))
    return rasp.SelectorWidth(sel).named("fn_width")


def causal_full_query_count() -> rasp.SOp:
    """causal=True: a width of selector_and(Select(tokens, Full('a'), NEQ), TRUE): non-'a' tokens so far."""
    sel = rasp.selector_and(rasp.Select(T, rasp.Full("a"), C.NEQ), rasp.Select(T, T, C.TRUE))
    n = rasp.SelectorWidth(sel).named("cf_n")
    return rasp.SequenceMap(lambda t, k: f"{t}{k}", T, n).named("cf_out")


# --- variables that carry the same information -------------------------------------------------------------


def numerical_copy_plus_self() -> rasp.SOp:
    """A 0/1 Map x, its copy y through an index-EQ numerical Aggregate (y == x), and 2x + y."""
    x = _num(lambda t: 1 if t == "a" else 0, T).named("nc_x")
    y = _mean(rasp.Select(I, I, C.EQ).named("nc_self"), x).named("nc_y")
    return rasp.numerical(rasp.LinearSequenceMap(x, y, 2, 1)).named("nc_out")


def complementary_means_sum_one() -> rasp.SOp:
    """The prefix share of 'a' plus the prefix share of not-'a': 1 everywhere (a constant numerical
    output)."""
    pre = rasp.Select(I, I, C.LEQ).named("cm_pre")
    a = _mean(pre, _num(lambda t: 1 if t == "a" else 0, T).named("cm_a")).named("cm_sa")
    b = _mean(pre, _num(lambda t: 0 if t == "a" else 1, T).named("cm_b")).named("cm_sb")
    return rasp.numerical(rasp.LinearSequenceMap(a, b, 1, 1)).named("cm_one")


def linear_cancel_chain() -> rasp.SOp:
    """c = a + b, then d = c - b (= a): a LinearSequenceMap chain that cancels to the share of 'a' overall."""
    a = _mean(rasp.Select(T, T, C.TRUE), _num(lambda t: 1 if t == "a" else 0, T).named("lc_fa")).named("lc_a")
    b = _mean(rasp.Select(I, I, C.LEQ), _num(lambda t: 1 if t == "b" else 0, T).named("lc_fb")).named("lc_b")
    c = rasp.numerical(rasp.LinearSequenceMap(a, b, 1, 1)).named("lc_c")
    return rasp.numerical(rasp.LinearSequenceMap(c, b, 1, -1)).named("lc_d")


def categorical_copy_joined() -> rasp.SOp:
    """An upper-case Map, its copy through an index-EQ Aggregate, joined by a SequenceMap ('AA', 'BB',
    ...)."""
    up = _map(str.upper, T).named("cc_up")
    copy = rasp.Aggregate(rasp.Select(I, I, C.EQ), up).named("cc_copy")
    return rasp.SequenceMap(lambda a, b: a + b, up, copy).named("cc_join")


def twin_widths_two_encodings() -> rasp.SOp:
    """One selector (LT on tokens) read by a categorical and a numerical SelectorWidth, joined."""
    sel = rasp.Select(T, T, C.LT).named("tw_lt")
    cat = rasp.SelectorWidth(sel).named("tw_cat")
    num = rasp.numerical(rasp.SelectorWidth(sel)).named("tw_num")
    back = rasp.categorical(rasp.Map(lambda x: round(x), num)).named("tw_back")
    return rasp.SequenceMap(lambda a, b: a * 10 + b, cat, back).named("tw_out")


def twin_lookups_two_encodings() -> rasp.SOp:
    """One look-back selector moving a categorical bool and a numerical 0/1 of the same test, compared."""
    sel = rasp.Select(I, I, lambda k, q: k == max(q - 1, 0)).named("tl_prev")
    cat = rasp.Aggregate(sel, _map(lambda t: t == "b", T).named("tl_cb")).named("tl_cat")
    num = _mean(sel, _num(lambda t: 1 if t == "b" else 0, T).named("tl_nb")).named("tl_num")
    seen = rasp.Map(lambda x: x > 0, num).named("tl_seen")
    return rasp.SequenceMap(lambda a, b: "same" if a == b else "differ", cat, seen).named("tl_out")


# --- constant outputs ---------------------------------------------------------------------------------------


def mean_of_constant_one() -> rasp.SOp:
    """A numerical Map that is 1 on every token, averaged over my token's occurrences: 1 everywhere."""
    one = _num(lambda t: 1, T).named("m1_one")
    return _mean(rasp.Select(T, T, C.EQ).named("m1_eq"), one).named("m1_mean")


def never_out_value() -> rasp.SOp:
    """'in' where my index is below the length (always), 'out' otherwise (never): a value never taken."""
    n = rasp.SelectorWidth(rasp.Select(T, T, C.TRUE)).named("no_len")
    return rasp.SequenceMap(lambda i, k: "in" if i < k else "out", I, n).named("no_out")


# --- causal=True --------------------------------------------------------------------------------------------


def causal_geq_mean_is_self() -> rasp.SOp:
    """causal=True: a mean under index GEQ sees only my own position (my 'b' flag), minus the prefix share."""
    flag = _num(lambda t: 1 if t == "b" else 0, T).named("cg_flag")
    own = _mean(rasp.Select(I, I, C.GEQ).named("cg_geq"), flag).named("cg_own")
    pre = _mean(rasp.Select(I, I, C.LEQ).named("cg_leq"), flag).named("cg_pre")
    return rasp.numerical(rasp.LinearSequenceMap(own, pre, 1, -1)).named("cg_out")


def causal_two_neighbour_lookup() -> rasp.SOp:
    """causal=True: a look-up of |k - q| == 1 (two matches uncausally) sees only the previous token."""
    prev = rasp.Aggregate(rasp.Select(I, I, lambda k, q: abs(k - q) == 1), T).named("cn_prev")
    return rasp.SequenceMap(lambda p, t: p + t, prev, T).named("cn_pair")


def causal_gt_token_mean() -> rasp.SOp:
    """causal=True: among earlier-or-equal positions holding a larger token, the share at even indices."""
    even = _num(lambda i: 1 if i % 2 == 0 else 0, I).named("ct_even")
    return _mean(rasp.Select(T, T, C.GT).named("ct_gt"), even).named("ct_share")


def causal_ordinal_pointer() -> rasp.SOp:
    """causal=True: my token's occurrence number so far (a width), then the token at that position - 1."""
    occ = rasp.SelectorWidth(rasp.Select(T, T, C.EQ)).named("co_occ")
    ptr = _map(lambda n: n - 1, occ).named("co_ptr")
    at = rasp.Aggregate(rasp.Select(I, ptr, C.EQ), T).named("co_at")
    return rasp.SequenceMap(lambda a, t: a + t, at, T).named("co_out")


# --- vocabularies -------------------------------------------------------------------------------------------


def numeric_strings_lexical_rank() -> rasp.SOp:
    """Digit strings compared as strings ('10' < '2'): the string rank plus the token's int value."""
    rank = rasp.SelectorWidth(rasp.Select(T, T, C.LT)).named("ns_rank")
    return rasp.SequenceMap(lambda t, r: int(t) + r, T, rank).named("ns_out")


def single_token_len1() -> rasp.SOp:
    """One token at max_seq_len 1 (a single input): the token repeated by the length."""
    n = rasp.SelectorWidth(rasp.Select(T, T, C.TRUE)).named("st_len")
    return rasp.SequenceMap(lambda t, k: t * k, T, n).named("st_out")


WORDS50 = tuple(f"w{n:02d}" for n in range(50))


def vocab50_len2_prev_parity() -> rasp.SOp:
    """50 tokens at max_seq_len 2: the parity of the first token's number joined with mine."""
    par = _map(lambda w: "odd" if int(w[1:]) % 2 else "even", T).named("vp_par")
    first = _prev(par).named("vp_first")
    return rasp.SequenceMap(lambda a, b: f"{a}-{b}", first, par).named("vp_out")


def float_strings_weight_mean() -> rasp.SOp:
    """Tokens '0', '0.5', '1.25', '1.5' parsed by float() into numerical weights, averaged over the prefix."""
    w = _num(float, T).named("fs_w")
    return _mean(rasp.Select(I, I, C.LEQ), w).named("fs_mean")


TUPLES = ((), ("a",), ("a", "b"), ("b", "c", "d"))


def tuple_lengths_width() -> rasp.SOp:
    """Tuples of strings of lengths 0 to 3 (the empty tuple a token): longer tuples, with my first item."""
    longer = rasp.SelectorWidth(rasp.Select(T, T, lambda k, q: len(k) > len(q))).named("tl_longer")
    head = _map(lambda t: t[0] if t else "-", T).named("tl_head")
    return rasp.SequenceMap(lambda h, n: (h, n), head, longer).named("tl_out")


def bool_suffix_signed_balance() -> rasp.SOp:
    """Bools: the share of True strictly after me minus the share of False strictly after me (numerical)."""
    after = rasp.Select(I, I, C.GT).named("bs_after")
    t = _mean(after, _num(lambda b: b, T).named("bs_t")).named("bs_st")
    f = _mean(after, _num(lambda b: not b, T).named("bs_f")).named("bs_sf")
    return rasp.numerical(rasp.LinearSequenceMap(t, f, 1, -1)).named("bs_out")


def negative_ints_scaled_rank() -> rasp.SOp:
    """Tokens -3..0: my token times the count of tokens at least mine (negative categorical outputs)."""
    n = rasp.SelectorWidth(rasp.Select(T, T, C.GEQ)).named("ng_n")
    return rasp.SequenceMap(lambda t, k: t * k, T, n).named("ng_out")


# --- lambdas as people write them ---------------------------------------------------------------------------

KINDS = {"cat": "animal", "dog": "animal", "oak": "plant", "fir": "plant"}


def dict_get_default_map() -> rasp.SOp:
    """`dict.get` with a default argument ('other' for 'car', 'pen'): words of my kind, with the kind."""
    kind = _map(lambda w, d=KINDS: d.get(w, "other"), T).named("dg_kind")
    n = rasp.SelectorWidth(rasp.Select(kind, kind, C.EQ)).named("dg_n")
    return rasp.SequenceMap(lambda k, c: f"{k}x{c}", kind, n).named("dg_out")


def _adder(k):
    def add(x):
        return (x + k) % 7
    return add


def closure_factory_chain() -> rasp.SOp:
    """Maps made by a closure factory (+1, +3 mod 7, chained), one as keys and one as queries (EQ width)."""
    a = _map(_adder(1), T).named("cf_a")
    b = _map(_adder(3), a).named("cf_b")
    return rasp.SelectorWidth(rasp.Select(a, b, C.EQ)).named("cf_width")


def partial_and_operator_funcs() -> rasp.SOp:
    """`functools.partial(pow, exp=2)`, `operator.mul` as a SequenceMap, `operator.gt` as a predicate."""
    sq = _map(functools.partial(pow, exp=2), T).named("po_sq")
    prod = rasp.SequenceMap(operator.mul, sq, I).named("po_prod")
    above = rasp.SelectorWidth(rasp.Select(prod, prod, operator.gt)).named("po_above")
    return rasp.SequenceMap(operator.mod, prod, _map(lambda n: n + 2, above).named("po_n2")).named("po_out")


class _Near:
    """A predicate object: keys within `d` of the query."""

    def __init__(self, d):
        self.d = d

    def __call__(self, key, query):
        return abs(key - query) <= self.d


def callable_object_predicate() -> rasp.SOp:
    """A callable object as the Select predicate (|k - q| <= 1): the share of even tokens among near ones."""
    even = _num(lambda t: 1 if t % 2 == 0 else 0, T).named("co_even")
    return _mean(rasp.Select(T, T, _Near(1)).named("co_near"), even).named("co_share")


def str_methods_as_functions() -> rasp.SOp:
    """Unbound str methods: `str.startswith` as a predicate (keys extending my word), `str.upper`,
    `str.__add__`."""
    ext = rasp.SelectorWidth(rasp.Select(T, T, str.startswith)).named("sm_ext")
    up = _map(str.upper, T).named("sm_up")
    word = _map(lambda n: "x" * n, ext).named("sm_xs")
    return rasp.SequenceMap(str.__add__, up, word).named("sm_out")


# --- selectors ----------------------------------------------------------------------------------------------


def triple_and_width() -> rasp.SOp:
    """selector_and of LT, NEQ and an odd-sum predicate (one Select): smaller tokens of the other parity."""
    sel = rasp.selector_and(rasp.selector_and(rasp.Select(T, T, C.LT), rasp.Select(T, T, C.NEQ)),
                            rasp.Select(T, T, lambda k, q: (k + q) % 2 == 1))
    return rasp.SelectorWidth(sel).named("ta_width")


def double_not_pair_swap() -> rasp.SOp:
    """selector_not(selector_not(k == q ^ 1)): the token of my pair partner (None past the end), joined."""
    sel = rasp.selector_not(rasp.selector_not(rasp.Select(I, I, lambda k, q: k == q ^ 1)))
    other = rasp.Aggregate(sel, T).named("dn_other")
    return rasp.SequenceMap(lambda a, b: b + a, other, T).named("dn_out")


def or_false_eq_index_share() -> rasp.SOp:
    """selector_or(FALSE, EQ) on tokens (= EQ): the share of my token's occurrences at even positions."""
    sel = rasp.selector_or(rasp.Select(T, T, C.FALSE), rasp.Select(T, T, C.EQ))
    even = _num(lambda i: 1 if i % 2 == 0 else 0, I).named("of_even")
    return _mean(sel, even).named("of_share")


def reversed_words_leq() -> rasp.SOp:
    """Keys the words, queries the words reversed (LEQ): words at or before my reversal, and the reversal."""
    rev = _map(lambda w: w[::-1], T).named("rw_rev")
    n = rasp.SelectorWidth(rasp.Select(T, rev, C.LEQ)).named("rw_n")
    return rasp.SequenceMap(lambda r, k: f"{r}/{k}", rev, n).named("rw_out")


def true_across_sops() -> rasp.SOp:
    """TRUE over keys `indices` and queries `tokens`: the length; and a look-up of a constant Map at index 0
    (keys `indices`, queries `tokens`, a predicate that ignores the query)."""
    n = rasp.SelectorWidth(rasp.Select(I, T, C.TRUE)).named("tx_len")
    const = _map(lambda t: "k", T).named("tx_const")
    got = rasp.Aggregate(rasp.Select(I, T, lambda k, q: k == 0), const).named("tx_got")
    return rasp.SequenceMap(lambda a, k: a * (k % 3), got, n).named("tx_out")


# --- numerical encodings placed unusually -------------------------------------------------------------------

WEIGHTS = {"p": 0.0, "q": 0.5, "r": 0.75, "s": 1.0}


def numerical_lookback_threshold() -> rasp.SOp:
    """Weights 0, 0.5, 0.75, 1 (numerical, a `dict.get`), moved one back by a numerical Aggregate (clamped at
    the first position), read as 'hi' (> 0.6) / 'lo' / 'none' by a numerical->categorical Map."""
    w = _num(WEIGHTS.get, T).named("nl_w")
    prev = _mean(rasp.Select(I, I, lambda k, q: k == max(q - 1, 0)).named("nl_sel"), w).named("nl_prev")
    return rasp.Map(lambda x: "hi" if x > 0.6 else ("lo" if x > 0 else "none"), prev).named("nl_cls")


def index_map_mean_under_tokens() -> rasp.SOp:
    """A numerical Map of the indices (i mod 3 == 0) averaged over my token's occurrences."""
    third = _num(lambda i: 1 if i % 3 == 0 else 0, I).named("im_third")
    return _mean(rasp.Select(T, T, C.EQ), third).named("im_share")


def indices_plus_tokens_numerical() -> rasp.SOp:
    """A numerical Map of the indices (i / 10) plus a numerical Map of the tokens (weights): the output."""
    pos = _num(lambda i: i / 10, I).named("ip_pos")
    w = _num(lambda t: {"a": 0.0, "b": 2.0, "c": 3.5}[t], T).named("ip_w")
    return rasp.numerical(rasp.LinearSequenceMap(pos, w, 1, 1)).named("ip_out")


def numerical_width_as_query() -> rasp.SOp:
    """A numerical SelectorWidth (my count) made categorical (count - 1, `rasp.categorical`) and used as the
    query of a look-up: the token at the position my count names, joined with mine."""
    cnt = rasp.numerical(rasp.SelectorWidth(rasp.Select(T, T, C.EQ))).named("nw_cnt")
    ptr = rasp.categorical(rasp.Map(lambda x: round(x) - 1, cnt)).named("nw_ptr")
    at = rasp.Aggregate(rasp.Select(I, ptr, C.EQ), T).named("nw_at")
    return rasp.SequenceMap(lambda a, t: a + t, at, T).named("nw_out")


def numerical_reverse_frac_prevs() -> rasp.SOp:
    """`make_frac_prevs` of 'x', moved to the mirror position by a numerical Aggregate (a numerical
    reverse)."""
    frac = lib.make_frac_prevs(rasp.tokens == "x")
    length = lib.make_length()
    opp = rasp.SequenceMap(lambda n, i: n - 1 - i, length, I).named("nr_opp")
    return _mean(rasp.Select(I, opp, C.EQ).named("nr_flip"), frac).named("nr_out")


# --- depth and width ----------------------------------------------------------------------------------------


def deep_ten_layer_alternation() -> rasp.SOp:
    """A chain of 17 lines (8 layers in Tracr's model) alternating look-ups, widths, SequenceMaps, a mean and
    a numerical->categorical Map."""
    code = _map(lambda t: "abc".index(t), T).named("dt_code")
    p1 = _prev(code).named("dt_p1")
    s1 = rasp.SequenceMap(lambda a, b: (a + b) % 3, p1, code).named("dt_s1")
    w1 = rasp.SelectorWidth(rasp.Select(s1, s1, C.EQ)).named("dt_w1")
    m1 = _map(lambda n: n % 2, w1).named("dt_m1")
    p2 = _prev(m1, 2).named("dt_p2")
    s2 = rasp.SequenceMap(lambda a, b: a + 2 * b, p2, m1).named("dt_s2")
    f2 = _num(lambda v: 1 if v == 3 else 0, s2).named("dt_f2")
    mean = _mean(rasp.Select(I, I, C.LEQ), f2).named("dt_mean")
    seen = rasp.Map(lambda x: x > 0, mean).named("dt_seen")
    p3 = _prev(seen).named("dt_p3")
    return rasp.SequenceMap(lambda a, b: f"{int(a)}{b}", p3, s1).named("dt_out")


def wide_six_heads() -> rasp.SOp:
    """Six heads reading only tokens and indices (first, previous, two means, two widths; Tracr puts four in
    one layer), merged by SequenceMaps."""
    first = rasp.Aggregate(rasp.Select(I, I, lambda k, q: k == 0), T).named("ws_first")
    prev = _prev(T).named("ws_prev")
    vowel = _num(lambda c: 1 if c in "ae" else 0, T).named("ws_vowel")
    pre = _mean(rasp.Select(I, I, C.LEQ), vowel).named("ws_pre")
    allm = _mean(rasp.Select(T, T, C.TRUE), vowel).named("ws_all")
    eq = rasp.SelectorWidth(rasp.Select(T, T, C.EQ)).named("ws_eq")
    lt = rasp.SelectorWidth(rasp.Select(T, T, C.LT)).named("ws_lt")
    a = rasp.SequenceMap(lambda f, p: f == p, first, prev).named("ws_a")
    b = rasp.SequenceMap(lambda e, l: e + l, eq, lt).named("ws_b")
    c = rasp.SequenceMap(lambda x, y: (x, y),
                         rasp.Map(lambda x: x > 0, pre).named("ws_c1"),
                         rasp.Map(lambda x: x > 0, allm).named("ws_c2")).named("ws_c")
    ab = rasp.SequenceMap(lambda x, y: f"{int(x)}{y}", a, b).named("ws_ab")
    return rasp.SequenceMap(lambda s, p: s + ("V" if p[0] else "-") + ("v" if p[1] else "-"),
                            ab, c).named("ws_out")


def long_skip_connection() -> rasp.SOp:
    """A Map of the tokens (layer 1) read only at the end, after a 7-layer chain of look-backs over
    indices."""
    tag = _map(lambda t: t.upper(), T).named("ls_tag")
    x = _map(lambda i: i % 4, I).named("ls_x0")
    for step in range(6):
        p = _prev(x).named(f"ls_p{step}")
        x = rasp.SequenceMap(lambda a, b: (a + b + 1) % 4, p, x).named(f"ls_x{step + 1}")
    return rasp.SequenceMap(lambda t, v: f"{t}{v}", tag, x).named("ls_out")


def diamond_depths_one_and_six() -> rasp.SOp:
    """One SOp read by a one-step branch and a six-step branch (widths and look-ups), merged."""
    cls = _map(lambda t: t in "xy", T).named("dd_cls")
    short = _map(lambda c: "C" if c else "c", cls).named("dd_short")
    w = rasp.SelectorWidth(rasp.Select(cls, cls, C.EQ)).named("dd_w")
    p = rasp.Aggregate(rasp.Select(I, _map(lambda n: n - 1, w).named("dd_ptr"), C.EQ), cls).named("dd_at")
    q = rasp.SequenceMap(lambda a, b: a == b, p, cls).named("dd_q")
    r = _prev(q).named("dd_r")
    s = rasp.SequenceMap(lambda a, b: int(a) + int(b), r, q).named("dd_s")
    return rasp.SequenceMap(lambda a, b: f"{a}{b}", short, s).named("dd_out")


CHARS = ("a", "b", " ", ".")


def word_tagger_long() -> rasp.SOp:
    """About 30 lines over letters, space and '.': word starts, the word number, word lengths, the first
    letter of my word, end-of-sentence flags and positions in the word, merged into a tag."""
    is_letter = _map(lambda c: c in "ab", T).named("wt_letter")
    is_stop = _map(lambda c: c == ".", T).named("wt_stop")
    prev_letter = _prev(is_letter).named("wt_prevl")  # clamped: my own at the first position
    prev_l0 = rasp.SequenceMap(lambda i, p: p and i > 0, I, prev_letter).named("wt_prevl0")
    start = rasp.SequenceMap(lambda l, p: l and not p, is_letter, prev_l0).named("wt_start")
    key = rasp.SequenceMap(lambda i, s: (i, s), I, start).named("wt_key")
    word_no = rasp.SelectorWidth(rasp.Select(key, I, lambda k, q: k[1] and k[0] <= q)).named("wt_wordno")
    wkey = rasp.SequenceMap(lambda n, l: n if l else -1, word_no, is_letter).named("wt_wkey")
    wlen = rasp.SelectorWidth(rasp.Select(wkey, wkey, lambda k, q: k == q and q >= 0)).named("wt_wlen")
    skey = rasp.SequenceMap(lambda n, s: (n, s), word_no, start).named("wt_skey")
    squery = _map(lambda n: (n, True), word_no).named("wt_squery")
    first = rasp.Aggregate(rasp.Select(skey, squery, C.EQ), T).named("wt_first")
    pos_in = rasp.SelectorWidth(rasp.Select(key, I, lambda k, q: k[0] <= q)).named("wt_upto")
    # all the '.'s (a predicate on the key alone)
    stops_before = rasp.SelectorWidth(rasp.Select(is_stop, is_stop, lambda k, q: k)).named("wt_stops")
    short = _map(lambda n: "S" if n <= 2 else "L", wlen).named("wt_short")
    f_up = rasp.SequenceMap(lambda f, l: f.upper() if l else "_", first, is_letter).named("wt_fup")
    a = rasp.SequenceMap(lambda s, f: s + f, short, f_up).named("wt_a")
    b = rasp.SequenceMap(lambda n, k: (n + k) % 4, word_no, stops_before).named("wt_b")
    c = rasp.SequenceMap(lambda u, s: (u + s) % 5, pos_in, _map(int, start).named("wt_s01")).named("wt_c")
    ab = rasp.SequenceMap(lambda x, y: f"{x}{y}", a, b).named("wt_ab")
    return rasp.SequenceMap(lambda x, y: x if y % 2 == 0 else x.lower(), ab, c).named("wt_out")


# --- sizes --------------------------------------------------------------------------------------------------


def len12_aggregates_only() -> rasp.SOp:
    """max_seq_len 12, 'a'/'b', no widths: the token three back (clamped), any 'a' so far, joined."""
    back3 = _prev(T, 3).named("la_back3")
    a = _num(lambda t: 1 if t == "a" else 0, T).named("la_a")
    share = _mean(rasp.Select(I, I, C.LEQ), a).named("la_sh")
    seen = rasp.Map(lambda x: x > 0, share).named("la_seen")
    return rasp.SequenceMap(lambda b, s: b + ("!" if s else "?"), back3, seen).named("la_out")


def len1_numerical_chain() -> rasp.SOp:
    """max_seq_len 1: a weight, its mean under TRUE (itself), 2x - mean and a threshold back to a word."""
    w = _num(lambda t: {"n": 0.0, "s": 0.25, "m": 0.5, "l": 0.75, "x": 1.0}[t], T).named("l1_w")
    m = _mean(rasp.Select(T, T, C.TRUE), w).named("l1_m")
    return rasp.numerical(rasp.LinearSequenceMap(w, m, 2, -1)).named("l1_out")


def len2_vocab50_other_parity() -> rasp.SOp:
    """50 ints at max_seq_len 2: the other position's parity (NEQ on indices; None when alone), with mine."""
    par = _map(lambda t: t % 2, T).named("l2_par")
    other = rasp.Aggregate(rasp.Select(I, I, C.NEQ), par).named("l2_other")
    return rasp.SequenceMap(lambda o, p: "same" if o == p else "diff", other, par).named("l2_out")


def unreachable_pair_values() -> rasp.SOp:
    """A SequenceMap of the tokens and a Map of them (25 pairs, 5 reachable) as keys and queries of a
    width."""
    shifted = _map(lambda t: t + 10, T).named("up_shift")
    pair = rasp.SequenceMap(lambda a, b: (a, b), T, shifted).named("up_pair")
    n = rasp.SelectorWidth(rasp.Select(pair, pair, lambda k, q: k[0] < q[0] and k[1] < q[1])).named("up_n")
    return rasp.SequenceMap(lambda p, k: p[1] - p[0] + k, pair, n).named("up_out")


# --- outputs ------------------------------------------------------------------------------------------------


def float_categories_mirror() -> rasp.SOp:
    """My count / 4 as a categorical float, moved to the mirror position (the output an Aggregate)."""
    q = _map(lambda n: n / 4, lib.make_hist()).named("fc_quarter")
    length = rasp.SelectorWidth(rasp.Select(T, T, C.TRUE)).named("fc_len")
    opp = rasp.SequenceMap(lambda n, i: n - 1 - i, length, I).named("fc_opp")
    return rasp.Aggregate(rasp.Select(I, opp, C.EQ), q).named("fc_out")


def bool_output_numerical_source() -> rasp.SOp:
    """A bool output: whether an earlier position holds my token and it is 'a' or 'b' (a mean over keys and
    queries that are two SequenceMaps with one lambda, read at 0), as True / False."""
    key = rasp.SequenceMap(lambda t, i: (t, i), T, I).named("bo_key")
    qry = rasp.SequenceMap(lambda t, i: (t, i), T, I).named("bo_qry")
    one = _num(lambda t: 1 if t in "ab" else 0, T).named("bo_one")
    share = _mean(rasp.Select(key, qry, lambda k, q: k[0] == q[0] and k[1] < q[1]), one).named("bo_share")
    return rasp.Map(lambda x: x > 0, share).named("bo_out")


def negative_step_outputs() -> rasp.SOp:
    """Ints 0..3: the previous token minus twice mine minus 1 (negative categorical ints), first clamped."""
    return rasp.SequenceMap(lambda p, t: p - 2 * t - 1, _prev(T).named("ns_prev"), T).named("ns_step")


# --- research-style idioms ----------------------------------------------------------------------------------


def shift_of_length() -> rasp.SOp:
    """`lib.shift_by(2)` of the length's parity (None at the first two positions), read by a Map (the length
    itself has 8 values at max_seq_len 7, more than the look-up's key space holds)."""
    parity = _map(lambda n: n % 2, lib.make_length()).named("sl_parity")
    return _map(lambda p: "even" if p == 0 else "odd", lib.shift_by(2, parity)).named("sl_out")


def count_then_sort_unique_by_index() -> rasp.SOp:
    """`make_sort_unique` of `make_count(tokens, 'b')` by the key -index: the count, reversed (constant)."""
    count = lib.make_count(rasp.tokens, "b")
    neg = _map(lambda i: -i, I).named("cs_neg")
    return lib.make_sort_unique(count, neg)


def sort_by_parity_map() -> rasp.SOp:
    """`make_sort` of the tokens keyed by a parity Map (min_key 1): evens first, ties by position."""
    key = _map(lambda t: t % 2, T).named("hs_key")
    return lib.make_sort(T, key, max_seq_len=6, min_key=1).named("hs_sorted")


def pattern_over_numeric_map() -> rasp.SOp:
    """`detect_pattern` over a numerical->categorical Map of a prefix mean (seen 'x' yet), pattern F, T."""
    seen = rasp.Map(lambda x: x > 0, lib.make_frac_prevs(rasp.tokens == "x")).named("po_seen")
    return lib.detect_pattern(seen, (False, True)).named("po_first_x")


def nary_with_selfs() -> rasp.SOp:
    """`make_nary_sequencemap` over (tokens, indices, tokens): the token twice around the index."""
    return lib.make_nary_sequencemap(lambda a, i, b: f"{a}{i}{b}", T, I, T).named("nw_out")


def frac_prevs_of_width_flag() -> rasp.SOp:
    """`make_frac_prevs` of 'my token is unique' (a width read by a bool Map): share of uniques so far."""
    uniq = _map(lambda n: n == 1, lib.make_hist()).named("fw_unique")
    return lib.make_frac_prevs(uniq)


def pair_balance_then_sign() -> rasp.SOp:
    """`make_pair_balance` of '(' and ')' read by a Map to 'open' where > 0 (a threshold at 0 only)."""
    bal = lib.make_pair_balance(rasp.tokens, "(", ")")
    return rasp.Map(lambda x: "open" if x > 0 else "closed", bal).named("pb_sign")


# --- values at the edges of how values are stored -----------------------------------------------------------

BIG = 2**53


def big_int_tokens_2pow53() -> rasp.SOp:
    """Tokens 2**53, 2**53 + 1, 2**53 + 2 (one apart, past a float's exact integers): my token minus 2**53,
    times ten, plus my count."""
    diff = _map(lambda t: t - BIG, T).named("bi_diff")
    hist = rasp.SelectorWidth(rasp.Select(T, T, C.EQ)).named("bi_hist")
    return rasp.SequenceMap(lambda d, n: d * 10 + n, diff, hist).named("bi_out")


def big_int_outputs() -> rasp.SOp:
    """Ints 0..2: the output 2**60 plus my token plus my count (outputs one apart at 2**60)."""
    hist = rasp.SelectorWidth(rasp.Select(T, T, C.EQ)).named("bo_hist")
    return rasp.SequenceMap(lambda t, n: 2**60 + t + n, T, hist).named("bo_big")


def nan_token() -> rasp.SOp:
    """Float tokens 0.5, 1.5 and NaN: 'nan' where math.isnan, else 'small' / 'big'."""
    return _map(lambda x: "nan" if math.isnan(x) else ("big" if x > 1 else "small"), T).named("nt_class")


def infinite_tokens() -> rasp.SOp:
    """Tokens -inf, -1.0, 0.0, inf: tokens smaller than mine, with my sign."""
    lt = rasp.SelectorWidth(rasp.Select(T, T, C.LT)).named("it_lt")
    sign = _map(lambda x: "-" if x < 0 else ("+" if x > 0 else "0"), T).named("it_sign")
    return rasp.SequenceMap(lambda s, n: f"{s}{n}", sign, lt).named("it_out")


NESTED = (("a", ("b", 1)), ("b", ("a", 2)), ("c", ("c", 3)))


def nested_tuple_tokens() -> rasp.SOp:
    """Tokens that are nested tuples ('a', ('b', 1)): the inner number plus the count of tokens whose inner
    letter is my outer letter."""
    n = rasp.SelectorWidth(rasp.Select(T, T, lambda k, q: k[1][0] == q[0])).named("nt_n")
    inner = _map(lambda t: t[1][1], T).named("nt_inner")
    return rasp.SequenceMap(lambda a, b: a + b, inner, n).named("nt_out")


SETS = (frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b"}))


def frozenset_tokens() -> rasp.SOp:
    """Frozenset tokens: how many tokens are subsets of mine (`k <= q`), with my size."""
    n = rasp.SelectorWidth(rasp.Select(T, T, lambda k, q: k <= q)).named("fs_n")
    size = _map(len, T).named("fs_size")
    return rasp.SequenceMap(lambda a, b: a * 10 + b, size, n).named("fs_out")


def frozenset_outputs() -> rasp.SOp:
    """Letters: the output a frozenset, my letter and the previous one (clamped at the first)."""
    return rasp.SequenceMap(lambda p, t: frozenset({p, t}), _prev(T).named("fo_prev"), T).named("fo_set")


def bytes_tokens() -> rasp.SOp:
    """Bytes tokens b'a', b'b', b'ab': tokens starting with my first byte, with my length."""
    n = rasp.SelectorWidth(rasp.Select(T, T, lambda k, q: k[:1] == q[:1])).named("bt_n")
    return rasp.SequenceMap(lambda t, k: len(t) * 10 + k, T, n).named("bt_out")


def numerical_lookback_of_linear() -> rasp.SOp:
    """A LinearSequenceMap 0.5 a - 0.5 b of two prefix shares (in [-0.5, 0.5]), moved one position on by a
    numerical Aggregate (0 at the first position): a numerical output."""
    pre = rasp.Select(I, I, C.LEQ).named("ll_pre")
    a = _mean(pre, _num(lambda t: 1 if t == "a" else 0, T).named("ll_fa")).named("ll_a")
    b = _mean(pre, _num(lambda t: 1 if t == "b" else 0, T).named("ll_fb")).named("ll_b")
    d = rasp.numerical(rasp.LinearSequenceMap(a, b, 0.5, -0.5)).named("ll_d")
    return _mean(rasp.Select(I, I, lambda k, q: k == q - 1).named("ll_back"), d).named("ll_out")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("full_key_and_eq_width", "selector_and with a Full key: my count above 2",
                 full_key_and_eq_width, (0, 1, 2, 3, 4), 6),
    SuiteProgram("full_query_or_mean", "selector_or with a Full query: share of 'x' over first and mine",
                 full_query_or_mean, ("x", "y", "z"), 7),
    SuiteProgram("full_and_operator_mean", "`&` with a Full key: vowel share so far where my letter >= 'm'",
                 full_and_operator_mean, ("a", "e", "m", "o", "t"), 6),
    SuiteProgram("full_not_or_width", "~(Full GT | LT): tokens at least mine where mine >= 3",
                 full_not_or_width, (1, 2, 3, 4, 5), 6),
    SuiteProgram("causal_full_query_count", "causal: width with a Full query: non-'a' so far",
                 causal_full_query_count, ("a", "b", "c"), 7, causal=True),
    SuiteProgram("numerical_copy_plus_self", "2x + (x copied through an index-EQ mean)",
                 numerical_copy_plus_self, ("a", "b"), 6),
    SuiteProgram("complementary_means_sum_one", "share of 'a' plus share of not-'a': 1",
                 complementary_means_sum_one, ("a", "b", "c"), 7),
    SuiteProgram("linear_cancel_chain", "(a + b) - b, LinearSequenceMaps that cancel",
                 linear_cancel_chain, ("a", "b", "c"), 6),
    SuiteProgram("categorical_copy_joined", "a Map and its index-EQ copy, joined",
                 categorical_copy_joined, ("a", "b", "c"), 5),
    SuiteProgram("twin_widths_two_encodings", "one selector, a categorical and a numerical width",
                 twin_widths_two_encodings, (0, 1, 2, 3), 6),
    SuiteProgram("twin_lookups_two_encodings", "one look-back, a categorical and a numerical copy",
                 twin_lookups_two_encodings, ("a", "b", "c"), 6),
    SuiteProgram("mean_of_constant_one", "a mean of a constant 1: 1 everywhere",
                 mean_of_constant_one, ("p", "q", "r"), 6),
    SuiteProgram("never_out_value", "'in' always, 'out' never",
                 never_out_value, ("a", "b"), 7),
    SuiteProgram("causal_geq_mean_is_self", "causal: GEQ mean is my own flag, minus the prefix share",
                 causal_geq_mean_is_self, ("a", "b", "c"), 8, causal=True),
    SuiteProgram("causal_two_neighbour_lookup", "causal: |k - q| == 1 look-up sees the previous token",
                 causal_two_neighbour_lookup, ("x", "y", "z"), 6, causal=True),
    SuiteProgram("causal_gt_token_mean", "causal: share at even indices among larger earlier tokens",
                 causal_gt_token_mean, (1, 2, 3, 4), 7, causal=True),
    SuiteProgram("causal_ordinal_pointer", "causal: the token at my occurrence number - 1",
                 causal_ordinal_pointer, ("a", "b"), 7, causal=True),
    SuiteProgram("numeric_strings_lexical_rank", "digit strings ranked as strings plus int value",
                 numeric_strings_lexical_rank, ("1", "2", "3", "10", "20"), 6),
    SuiteProgram("single_token_len1", "one token at max_seq_len 1",
                 single_token_len1, ("only",), 1),
    SuiteProgram("vocab50_len2_prev_parity", "50 words at 2: first word's parity with mine",
                 vocab50_len2_prev_parity, WORDS50, 2),
    SuiteProgram("float_strings_weight_mean", "float strings parsed to weights, prefix mean",
                 float_strings_weight_mean, ("0", "0.5", "1.25", "1.5"), 6),
    SuiteProgram("tuple_lengths_width", "tuples of lengths 0..3: longer ones, my first item",
                 tuple_lengths_width, TUPLES, 6),
    SuiteProgram("bool_suffix_signed_balance", "bools: True share after me minus False share after me",
                 bool_suffix_signed_balance, (False, True), 8),
    SuiteProgram("negative_ints_scaled_rank", "-3..0: token times count at least mine",
                 negative_ints_scaled_rank, (-3, -2, -1, 0), 6),
    SuiteProgram("dict_get_default_map", "dict.get with a default: my kind's count",
                 dict_get_default_map, ("cat", "dog", "oak", "fir", "car", "pen"), 5),
    SuiteProgram("closure_factory_chain", "closure-made Maps as keys and queries",
                 closure_factory_chain, tuple(range(7)), 5),
    SuiteProgram("partial_and_operator_funcs", "functools.partial and operator functions",
                 partial_and_operator_funcs, (1, 2, 3), 5),
    SuiteProgram("callable_object_predicate", "a callable object as a predicate: share of evens near me",
                 callable_object_predicate, tuple(range(6)), 6),
    SuiteProgram("str_methods_as_functions", "str.startswith, str.upper, str.__add__",
                 str_methods_as_functions, ("a", "ab", "abc", "b", "ba"), 5),
    SuiteProgram("triple_and_width", "three Selects and-ed: smaller tokens of the other parity",
                 triple_and_width, tuple(range(7)), 6),
    SuiteProgram("double_not_pair_swap", "selector_not twice: my pair partner's token",
                 double_not_pair_swap, ("a", "b", "c"), 6),
    SuiteProgram("or_false_eq_index_share", "selector_or(FALSE, EQ): share at even positions",
                 or_false_eq_index_share, ("a", "b", "c"), 7),
    SuiteProgram("reversed_words_leq", "words LEQ my reversed word",
                 reversed_words_leq, ("ab", "ba", "abc", "cba", "b"), 5),
    SuiteProgram("true_across_sops", "TRUE over indices keys and tokens queries",
                 true_across_sops, ("u", "v"), 6),
    SuiteProgram("numerical_lookback_threshold", "numerical look-back of weights, thresholded",
                 numerical_lookback_threshold, ("p", "q", "r", "s"), 6),
    SuiteProgram("index_map_mean_under_tokens", "numerical Map of indices averaged under token EQ",
                 index_map_mean_under_tokens, ("a", "b", "c"), 7),
    SuiteProgram("indices_plus_tokens_numerical", "i / 10 plus a token weight, numerical",
                 indices_plus_tokens_numerical, ("a", "b", "c"), 6),
    SuiteProgram("numerical_width_as_query", "numerical width made categorical, a look-up's query",
                 numerical_width_as_query, ("a", "b", "c"), 6),
    SuiteProgram("numerical_reverse_frac_prevs", "make_frac_prevs moved to the mirror numerically",
                 numerical_reverse_frac_prevs, ("x", "y"), 6),
    SuiteProgram("deep_ten_layer_alternation", "10-layer alternating chain",
                 deep_ten_layer_alternation, ("a", "b", "c"), 6),
    SuiteProgram("wide_six_heads", "six heads in one layer",
                 wide_six_heads, ("a", "e", "k", "t"), 6),
    SuiteProgram("long_skip_connection", "a Map read after a 7-layer chain",
                 long_skip_connection, ("a", "b"), 6),
    SuiteProgram("diamond_depths_one_and_six", "branches of depth 1 and 6 merged",
                 diamond_depths_one_and_six, ("x", "y", "z"), 6),
    SuiteProgram("word_tagger_long", "a 30-line word tagger",
                 word_tagger_long, CHARS, 7),
    SuiteProgram("len12_aggregates_only", "max_seq_len 12 with Aggregates only",
                 len12_aggregates_only, ("a", "b"), 12),
    SuiteProgram("len1_numerical_chain", "max_seq_len 1: numerical chain",
                 len1_numerical_chain, ("n", "s", "m", "l", "x"), 1),
    SuiteProgram("len2_vocab50_other_parity", "50 ints at 2: other position's parity",
                 len2_vocab50_other_parity, tuple(range(50)), 2),
    SuiteProgram("unreachable_pair_values", "25 pair values, 5 reachable, as a width's keys",
                 unreachable_pair_values, (0, 1, 2, 3, 4), 6),
    SuiteProgram("float_categories_mirror", "count / 4 floats moved to the mirror",
                 float_categories_mirror, ("a", "b", "c"), 6),
    SuiteProgram("bool_output_numerical_source", "bool output from a mean over (token, index) keys",
                 bool_output_numerical_source, ("a", "b", "c"), 6),
    SuiteProgram("negative_step_outputs", "previous minus twice mine minus 1",
                 negative_step_outputs, (0, 1, 2, 3), 6),
    SuiteProgram("shift_of_length", "shift_by(2) of the length parity",
                 shift_of_length, ("a", "b"), 7),
    SuiteProgram("count_then_sort_unique_by_index", "make_sort_unique of make_count by -index",
                 count_then_sort_unique_by_index, ("a", "b", "c"), 6),
    SuiteProgram("sort_by_parity_map", "make_sort by a parity Map",
                 sort_by_parity_map, (1, 2, 3, 4), 6),
    SuiteProgram("pattern_over_numeric_map", "detect_pattern of a seen-'x' flag",
                 pattern_over_numeric_map, ("x", "y", "z"), 7),
    SuiteProgram("nary_with_selfs", "make_nary_sequencemap(tokens, indices, tokens)",
                 nary_with_selfs, ("a", "b", "c"), 5),
    SuiteProgram("frac_prevs_of_width_flag", "make_frac_prevs of 'unique'",
                 frac_prevs_of_width_flag, ("a", "b", "c"), 7),
    SuiteProgram("pair_balance_then_sign", "make_pair_balance read at 0",
                 pair_balance_then_sign, ("(", ")", "x"), 8),
    SuiteProgram("big_int_tokens_2pow53", "tokens 2**53, 2**53 + 1, 2**53 + 2",
                 big_int_tokens_2pow53, (BIG, BIG + 1, BIG + 2), 4),
    SuiteProgram("big_int_outputs", "outputs one apart at 2**60",
                 big_int_outputs, (0, 1, 2), 5),
    SuiteProgram("nan_token", "a NaN token",
                 nan_token, (0.5, 1.5, float("nan")), 4),
    SuiteProgram("infinite_tokens", "-inf and inf tokens",
                 infinite_tokens, (float("-inf"), -1.0, 0.0, float("inf")), 5),
    SuiteProgram("nested_tuple_tokens", "nested tuple tokens",
                 nested_tuple_tokens, NESTED, 5),
    SuiteProgram("frozenset_tokens", "frozenset tokens, subsets of mine",
                 frozenset_tokens, SETS, 5),
    SuiteProgram("frozenset_outputs", "frozenset outputs",
                 frozenset_outputs, ("a", "b", "c"), 5),
    SuiteProgram("bytes_tokens", "bytes tokens",
                 bytes_tokens, (b"a", b"b", b"ab"), 5),
    SuiteProgram("numerical_lookback_of_linear", "a LinearSequenceMap moved one on numerically",
                 numerical_lookback_of_linear, ("a", "b", "c"), 6),
]
