"""A meridian suite of hand-written Tracr programs, as researchers write them, unlike the eleven older suites.

Why: `tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`, `large/`, `horizon/`,
`outlook/`, `itself/` and `vista/` all decompile, rotated and mixed. These were written afterwards to probe
combinations none of them uses: text with punctuation and whitespace tokens (a capital after '.', '!' or '?',
words counted by their starts, tokens spelled with ':' like Tracr's own
residual names); vocabularies of (row, column) tuples read by custom predicates on their parts, and of
ints, strings and tuples mixed, sorted by a key of their type; max_seq_len 2 and 3 (swap the pair, the
median of three by `make_sort`, the majority of three, the first of four tuples) and 20 to 24 (a
look-back by four at 24, a prefix mean at 22, a parity mean at 20, causal at 20); numerical Maps
with negative and fractional outputs that are 0 on most values (of a numerical SelectorWidth, of a prefix
mean, of a categorical length), a categorical->numerical Map with one non-zero value out of 25
averaged, and numerical Maps that are 0 on every value (beside a mean, beside a numerical width, read by
a numerical->categorical Map, and as the output) and an output LinearSequenceMap with coefficients 0, 0:
their MLPs write nothing;
numerical Aggregates under selector_and / selector_or / selector_not of custom predicates (neighbours in
a ring, rows and columns of tuple tokens, "not both larger and far"); chains of SelectorWidths feeding
Selects (a width as the key of a lookup, a sort by counts then the token at the first
rank); categorical Aggregates under causal=True whose selector matches at most one position (a
(token, occurrence) key one occurrence back, the first position); wide layers (seven Maps in
one MLP layer, six means in one attention layer, four SequenceMaps merged); Maps whose output value set
is a single value (a constant read as a Select's query, a constant numerical Map averaged); SequenceMaps
of two numerical->categorical Maps; outputs that are numerical Maps of a categorical SelectorWidth;
one Select read in layer 1 and again in layer 3 (its width then a mean of a Map of that width); outputs
that are the tokens or indices transformed trivially (an identity Map, the indices mod 3, a numerical
identity of 0/1 tokens); and labels that are unicode, 150 characters long, hold spaces, ':' or look like
Tracr's own names. Vocabularies of 2 to 30, max_seq_len 2 to 24.

Each builder makes new expressions on every call. `examples/check_suites.py examples/meridian/suite.py`
checks that Tracr compiles each faithfully (the pitfalls avoided are listed in the docstrings of the older
suites: no SelectorWidth past 9, no categorical->numerical Map with negative outputs, no numerical Map of a
mean that changes between Tracr's foreseen values, means of values whose int() is 0 or 1 only). Met here:
- A categorical Aggregate keyed by a width whose keys repeat (the LT count of the tokens, where tokens
  repeat) fails to compile: Tracr's value-set pass evaluates it and its evaluator cannot average strings
  ("Only types int, bool, and float are supported for aggregation"), so the width is of (token, index).
- A categorical Aggregate by an index selector cannot move more values than its head's key space holds,
  as the older suites found: 30 words at max_seq_len 6 under causal=True ("could not broadcast input array
  from shape (74,30) into shape (74,8)") and 9 tuples at max_seq_len 2 (into (104,4)) fail to assemble;
  kept at 8 words at 8 and 4 tuples at 2.
- A program whose output reads only `indices` fails to compile ("Failed to find a node with label tokens"),
  so the indices mod 3 are a SequenceMap of the indices and the tokens that drops the token; and a program
  whose output is `rasp.tokens` itself fails too ("min() arg is an empty sequence"), so the tokens pass
  through an identity Map.
- A numerical mean at max_seq_len 30 is not faithful: the share of 'b' after my position (a GT selector)
  was off by more than the check's 1e-3 at 165 of 4,679 positions (by up to 0.003 on long inputs, against
  0.0005 at 22: the softmax's leak grows with the length), so the long means here stop at 22.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

WORDS30 = ("the", "a", "cat", "dog", "sat", "on", "mat", "ran", "to", "it", "is", "was", "big", "red", "sun",
           "hat", "bat", "rat", "pen", "cup", "box", "fox", "owl", "map", "tea", "sea", "bee", "key", "toy",
           "zip")
TEXT = ("hi", "yo", "ok", ".", ",", "!", "?", " ")
GRID = tuple((r, c) for r in range(3) for c in range(3))


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


def _mean(selector: rasp.Selector, values: rasp.SOp) -> rasp.SOp:
    return rasp.numerical(rasp.Aggregate(selector, values, default=0))


def _num01(f, sop: rasp.SOp, name: str) -> rasp.SOp:
    return rasp.numerical(_map(lambda x: 1 if f(x) else 0, sop)).named(name)


def _back(sop: rasp.SOp, name: str, back: int = 1) -> rasp.SOp:
    """The value `back` positions before mine (None at the first positions)."""
    sel = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - back).named(f"{name}_sel")
    return rasp.Aggregate(sel, sop).named(name)


def _length(name: str) -> rasp.SOp:
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        f"{name}_all")).named(name)


# --- text with punctuation and whitespace -----------------------------------------------------------------


def capital_after_stop() -> rasp.SOp:
    """Words and punctuation: a word after '.', '!' or '?' (or first) is capitalised, others kept."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "cs_prev_sel"), rasp.tokens).named("cs_prev")
    starts = rasp.SequenceMap(lambda p, i: i == 0 or p in ".!?", prev, rasp.indices).named("cs_starts")
    return rasp.SequenceMap(lambda t, s: t.capitalize() if s else t, rasp.tokens, starts).named("cs_text")


def word_starts_share_len12() -> rasp.SOp:
    """Words, ',' and ' ' at 12: share of positions so far that start a word (after a space or first)."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "ws_prev_sel"), rasp.tokens).named("ws_prev")
    starts = rasp.SequenceMap(lambda t, p: t not in " ," and p in " ,", rasp.tokens, prev).named("ws_starts")
    start = _num01(lambda s: s, starts, "ws_start")
    return _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("ws_prefix"),
                 start).named("ws_share")


def colon_tokens_like_labels() -> rasp.SOp:
    """Tokens 'tokens:a', 'a:1', 'indices:0', ':' (spelled like Tracr's residual names): count of mine."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("cl_eq")).named(
        "cl_n")
    return rasp.SequenceMap(lambda t, k: f"{t}:{k}", rasp.tokens, n).named("cl_out")




# --- tuple and mixed vocabularies -------------------------------------------------------------------------


def grid_same_row_width() -> rasp.SOp:
    """(row, col) tuples: tokens in my row or my column (selector_or of two tuple predicates), minus one."""
    row = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] == q[0]).named("gr_row")
    col = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[1] == q[1]).named("gr_col")
    n = rasp.SelectorWidth(rasp.selector_or(row, col).named("gr_cross")).named("gr_n")
    return rasp.SequenceMap(lambda t, k: (t[0] + t[1], k), rasp.tokens, n).named("gr_out")


def grid_diagonal_mean() -> rasp.SOp:
    """(row, col) tuples: share of diagonal cells among those in my row and not in my column."""
    diag = _num01(lambda t: t[0] == t[1], rasp.tokens, "gd_diag")
    sel = rasp.selector_and(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] == q[0]),
                            rasp.selector_not(rasp.Select(rasp.tokens, rasp.tokens,
                                                          lambda k, q: k[1] == q[1])))
    return _mean(sel.named("gd_row_not_col"), diag).named("gd_share")


def mixed_type_sort() -> rasp.SOp:
    """Ints, strings and tuples mixed: sorted by a key of (type, value) rank (make_sort, unique keys)."""
    order = {3: 0, 7: 1, "a": 2, "z": 3, (1, "b"): 4, (2, "a"): 5}
    key = _map(lambda t: order[t], rasp.tokens).named("ms_key")
    return lib.make_sort(rasp.tokens, key, max_seq_len=6, min_key=1).named("ms_sorted")


def mixed_type_tag_lookback() -> rasp.SOp:
    """Ints, strings and a tuple: my type's name joined with the previous token's type, None at first."""
    tag = _map(lambda t: type(t).__name__, rasp.tokens).named("mt_tag")
    prev = _back(tag, "mt_prev")
    return rasp.SequenceMap(lambda a, b: f"{b}>{a}", tag, prev).named("mt_pair")


# --- very short and very long sequences ------------------------------------------------------------------


def swap_pair_len2() -> rasp.SOp:
    """max_seq_len 2, 30 words: the other position's word (the same word when alone)."""
    length = _length("sp_len")
    other = rasp.SequenceMap(lambda i, n: n - 1 - i, rasp.indices, length).named("sp_other")
    return rasp.Aggregate(rasp.Select(rasp.indices, other, rasp.Comparison.EQ).named("sp_sel"),
                          rasp.tokens).named("sp_swapped")




def median_of_three() -> rasp.SOp:
    """max_seq_len 3, ints 0..5: sorted by make_sort (repeats allowed), the middle one everywhere."""
    srt = lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=3, min_key=1).named("mo_sorted")
    length = _length("mo_len")
    mid = _map(lambda n: n // 2, length).named("mo_mid")
    return rasp.Aggregate(rasp.Select(rasp.indices, mid, rasp.Comparison.EQ).named("mo_sel"),
                          srt).named("mo_median")


def majority_of_three() -> rasp.SOp:
    """max_seq_len 3, 'x'/'o': the token held by at least two positions ('-' if none)."""
    n_x = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "x").named(
        "mj_x")).named("mj_nx")
    length = _length("mj_len")
    return rasp.SequenceMap(lambda a, n: "x" if 2 * a > n else ("o" if 2 * a < n else "-"), n_x,
                            length).named("mj_out")


def lookback_four_len24() -> rasp.SOp:
    """max_seq_len 24, 3 letters: the token four back (None at the first four), upper-cased."""
    back = _back(rasp.tokens, "lb_back", back=4)
    return _map(lambda t: t.upper(), back).named("lb_upper")




def prefix_mean_len22() -> rasp.SOp:
    """max_seq_len 22, 'a'/'b'/'c': share of 'a' so far (lib.make_frac_prevs)."""
    return lib.make_frac_prevs(rasp.tokens == "a").named("pm_frac")


def parity_mean_len20() -> rasp.SOp:
    """max_seq_len 20: share of 'b' among positions of my index parity (a custom index predicate)."""
    is_b = _num01(lambda t: t == "b", rasp.tokens, "pp_b")
    return _mean(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k % 2 == q % 2).named("pp_parity"),
                 is_b).named("pp_share")


def causal_seen_flag_len20() -> rasp.SOp:
    """causal=True, max_seq_len 20: 'z' seen so far (a TRUE mean > 0), joined with the token."""
    is_z = _num01(lambda t: t == "z", rasp.tokens, "cz_z")
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("cz_all"), is_z).named(
        "cz_share")
    seen = _map(lambda x: x > 0, share).named("cz_seen")
    return rasp.SequenceMap(lambda s, t: t.upper() if s else t, seen, rasp.tokens).named("cz_out")


# --- numerical Maps: negative, fractional, zero on most values --------------------------------------------


def sparse_negative_of_width() -> rasp.SOp:
    """A numerical width (my count) through f = -1.5 at 2, 0.25 at 4, 0 elsewhere: the output."""
    n = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "sn_eq"))).named("sn_n")
    return rasp.numerical(_map(lambda k: {2: -1.5, 4: 0.25}.get(k, 0), n)).named("sn_f")


def signed_flag_of_prefix_mean() -> rasp.SOp:
    """A numerical Map of a prefix mean: -0.5 once an 'x' was seen, 1.25 before (constant between steps)."""
    is_x = _num01(lambda t: t == "x", rasp.tokens, "sf_x")
    share = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("sf_prefix"),
                  is_x).named("sf_share")
    return rasp.numerical(_map(lambda v: -0.5 if v > 0 else 1.25, share)).named("sf_out")


def one_in_25_weight_mean() -> rasp.SOp:
    """25 words, one weighted 0.75, the rest 0 (categorical->numerical), averaged over all."""
    w = rasp.numerical(_map(lambda t: 0.75 if t == "key" else 0, rasp.tokens)).named("ow_w")
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("ow_all"), w).named(
        "ow_mean")


def width_to_reciprocal_output() -> rasp.SOp:
    """The output a numerical Map of a categorical SelectorWidth: 1 / (1 + tokens below mine)."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("wr_lt")).named(
        "wr_below")
    return rasp.numerical(_map(lambda k: 1 / (1 + k), n)).named("wr_recip")


def width_to_mostly_zero_output() -> rasp.SOp:
    """The output a numerical Map of a categorical length: 0.5 for length 3, 0.1 for 5, 0 elsewhere."""
    n = _length("wz_len")
    return rasp.numerical(_map(lambda k: {3: 0.5, 5: 0.1}.get(k, 0), n)).named("wz_out")


def numerical_width_linear_negative() -> rasp.SOp:
    """Numerical widths of GT and LT combined by a LinearSequenceMap -0.5, 0.75 (a signed rank)."""
    gt = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "nl_gt"))).named("nl_above")
    lt = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named(
        "nl_lt"))).named("nl_below")
    return rasp.numerical(rasp.LinearSequenceMap(gt, lt, -0.5, 0.75)).named("nl_signed")


# --- numerical Aggregates under combined custom selectors --------------------------------------------------


def ring_neighbour_mean() -> rasp.SOp:
    """Ints 0..7 on a ring: share of 1-bits among tokens one step away either way (selector_or)."""
    t = rasp.tokens
    odd = _num01(lambda x: x % 2 == 1, t, "rn_odd")
    sel = rasp.selector_or(rasp.Select(t, t, lambda k, q: k == (q + 1) % 8),
                           rasp.Select(t, t, lambda k, q: k == (q - 1) % 8)).named("rn_ring")
    return _mean(sel, odd).named("rn_share")


def not_larger_and_far_mean() -> rasp.SOp:
    """Ints 0..9: mean of even among tokens that are not (larger and more than 3 away)."""
    t = rasp.tokens
    even = _num01(lambda x: x % 2 == 0, t, "nf_even")
    far_larger = rasp.selector_and(rasp.Select(t, t, rasp.Comparison.GT),
                                   rasp.Select(t, t, lambda k, q: abs(k - q) > 3))
    return _mean(rasp.selector_not(far_larger).named("nf_sel"), even).named("nf_mean")


def index_window_and_not_self_mean() -> rasp.SOp:
    """Index window |k - q| <= 2 without my own position (selector_and / selector_not), share of 'a'."""
    i = rasp.indices
    sel = rasp.selector_and(rasp.Select(i, i, lambda k, q: abs(k - q) <= 2),
                            rasp.selector_not(rasp.Select(i, i, rasp.Comparison.EQ))).named("iw_sel")
    return _mean(sel, _num01(lambda c: c == "a", rasp.tokens, "iw_a")).named("iw_share")


# --- chains of SelectorWidths feeding Selects -----------------------------------------------------------


def width_keyed_lookup() -> rasp.SOp:
    """A width (my rank by (token, index): an LT count) as the key of a lookup: the token ranked i."""
    ti = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("wk_ti")
    rank = rasp.SelectorWidth(rasp.Select(ti, ti, rasp.Comparison.LT).named("wk_lt")).named("wk_rank")
    return rasp.Aggregate(rasp.Select(rank, rasp.indices, rasp.Comparison.EQ).named("wk_sel"),
                          rasp.tokens).named("wk_ranked")


def most_common_token_first() -> rasp.SOp:
    """Sort by count (make_sort with the count as key, descending), the token at rank 0 everywhere."""
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "mc_eq")).named("mc_hist")
    neg = _map(lambda h: -h, hist).named("mc_neg")
    srt = lib.make_sort(rasp.tokens, neg, max_seq_len=6, min_key=1).named("mc_sorted")
    zero = _map(lambda i: 0, rasp.indices).named("mc_zero")
    return rasp.Aggregate(rasp.Select(rasp.indices, zero, rasp.Comparison.EQ).named("mc_first"),
                          srt).named("mc_top")


# --- causal lookups that match at most one position ------------------------------------------------------



def causal_previous_occurrence_next() -> rasp.SOp:
    """causal=True: where my token occurred before ((token, ordinal) keys, one match; None if new)."""
    t = rasp.tokens
    ordinal = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.EQ).named("cp_same")).named("cp_ord")
    key = rasp.SequenceMap(lambda a, o: (a, o), t, ordinal).named("cp_key")
    query = rasp.SequenceMap(lambda a, o: (a, o - 1), t, ordinal).named("cp_query")
    where = rasp.Aggregate(rasp.Select(key, query, rasp.Comparison.EQ).named("cp_match"),
                           rasp.indices).named("cp_where")
    return _map(lambda w: f"at{w}", where).named("cp_out")


def causal_first_token_class() -> rasp.SOp:
    """causal=True, 8 words: the first word (k == 0, one match), its length minus mine."""
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("cf_sel"),
                           rasp.tokens).named("cf_first")
    return rasp.SequenceMap(lambda f, t: len(f) - len(t), first, rasp.tokens).named("cf_diff")


# --- wide layers ------------------------------------------------------------------------------------------


def seven_maps_one_layer() -> rasp.SOp:
    """Seven Maps of the tokens in one MLP layer, merged by a tree of SequenceMaps."""
    t = rasp.tokens
    fs = [lambda x: x % 2, lambda x: x % 3, lambda x: x // 4, lambda x: x > 5, lambda x: x == 0,
          lambda x: (x * 3) % 7, lambda x: min(x, 3)]
    ms = [_map(f, t).named(f"sm_m{n}") for n, f in enumerate(fs)]
    a = rasp.SequenceMap(lambda x, y: x + y, ms[0], ms[1]).named("sm_a")
    b = rasp.SequenceMap(lambda x, y: x * 2 + int(y), ms[2], ms[3]).named("sm_b")
    c = rasp.SequenceMap(lambda x, y: (int(x), y), ms[4], ms[5]).named("sm_c")
    d = rasp.SequenceMap(lambda x, y: x + y, a, b).named("sm_d")
    e = rasp.SequenceMap(lambda x, y: x[0] + x[1] + y, c, ms[6]).named("sm_e")
    return rasp.SequenceMap(lambda x, y: (x + y) % 10, d, e).named("sm_out")


def six_means_one_layer() -> rasp.SOp:
    """Six means of one 0/1 Map under six selectors (one attention layer), summed with signed weights."""
    t, i = rasp.tokens, rasp.indices
    vow = _num01(lambda c: c in "ae", t, "sx_vowel")
    sels = [rasp.Select(i, i, rasp.Comparison.LEQ), rasp.Select(i, i, rasp.Comparison.GEQ),
            rasp.Select(t, t, rasp.Comparison.EQ), rasp.Select(t, t, rasp.Comparison.NEQ),
            rasp.Select(i, i, lambda k, q: k % 3 == q % 3), rasp.Select(i, i, lambda k, q: k + q >= 4)]
    means = [_mean(s.named(f"sx_sel{n}"), vow).named(f"sx_m{n}") for n, s in enumerate(sels)]
    ab = rasp.numerical(rasp.LinearSequenceMap(means[0], means[1], 1, -1)).named("sx_ab")
    cd = rasp.numerical(rasp.LinearSequenceMap(means[2], means[3], 0.5, 0.5)).named("sx_cd")
    ef = rasp.numerical(rasp.LinearSequenceMap(means[4], means[5], -2, 1)).named("sx_ef")
    abcd = rasp.numerical(rasp.LinearSequenceMap(ab, cd, 1, 1)).named("sx_abcd")
    return rasp.numerical(rasp.LinearSequenceMap(abcd, ef, 1, 0.25)).named("sx_total")


def four_heads_four_seqmaps() -> rasp.SOp:
    """Four lookups in one layer (previous, next, first, last-by-length), four SequenceMaps merging them."""
    t, i = rasp.tokens, rasp.indices
    length = _length("fh_len")
    prev = rasp.Aggregate(rasp.Select(i, i, lambda k, q: k == max(q - 1, 0)).named("fh_ps"),
                          t).named("fh_prev")
    first = rasp.Aggregate(rasp.Select(i, i, lambda k, q: k == 0).named("fh_fs"), t).named("fh_first")
    last = rasp.Aggregate(rasp.Select(i, _map(lambda n: n - 1, length).named("fh_lastidx"),
                                      rasp.Comparison.EQ).named("fh_ls"), t).named("fh_last")
    mirror = rasp.Aggregate(rasp.Select(i, rasp.SequenceMap(lambda j, n: n - 1 - j, i, length).named("fh_mi"),
                                        rasp.Comparison.EQ).named("fh_ms"), t).named("fh_mirror")
    a = rasp.SequenceMap(lambda x, y: x == y, t, prev).named("fh_a")
    b = rasp.SequenceMap(lambda x, y: x == y, first, last).named("fh_b")
    c = rasp.SequenceMap(lambda x, y: x == y, t, mirror).named("fh_c")
    return rasp.SequenceMap(lambda x, y: int(x) + 2 * int(y), a,
                            rasp.SequenceMap(lambda p, q: p and q, b, c).named("fh_d")).named("fh_code")


# --- single-valued Maps, numerical->categorical pairs ------------------------------------------------------


def constant_query_width() -> rasp.SOp:
    """A Map with one output value ('m') as the query of a GEQ width: tokens at or after 'm'."""
    m = _map(lambda t: "m", rasp.tokens).named("cq_m")
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, m, rasp.Comparison.GEQ).named("cq_geq")).named("cq_n")
    return rasp.SequenceMap(lambda t, k: t * k, rasp.tokens, n).named("cq_out")


def constant_numerical_mean() -> rasp.SOp:
    """A numerical Map whose only value is 1, averaged under LT: 1 where a position is before mine."""
    one = rasp.numerical(_map(lambda t: 1, rasp.tokens)).named("cn_one")
    return _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named("cn_lt"), one).named(
        "cn_has_before")


def seqmap_of_two_thresholds() -> rasp.SOp:
    """Two numerical->categorical Maps (of a prefix mean and a suffix mean) joined by a SequenceMap."""
    is_a = _num01(lambda c: c == "a", rasp.tokens, "st_a")
    pre = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("st_pre_sel"),
                is_a).named("st_pre")
    suf = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT).named("st_suf_sel"),
                is_a).named("st_suf")
    seen = _map(lambda x: x > 0, pre).named("st_seen")
    ahead = _map(lambda x: "ahead" if x > 0 else "none", suf).named("st_ahead")
    return rasp.SequenceMap(lambda s, a: f"{'seen' if s else 'unseen'}/{a}", seen, ahead).named("st_where")


def single_valued_seqmap_output() -> rasp.SOp:
    """A SequenceMap whose only output value is 'ok', over a look-back and the tokens."""
    prev = _back(rasp.tokens, "sv_prev")
    return rasp.SequenceMap(lambda t, p: "ok", rasp.tokens, prev).named("sv_ok")


# --- reused Selects, trivial outputs, weird labels -------------------------------------------------------


def reused_select_two_layers() -> rasp.SOp:
    """One Select read in layer 1 (a width) and in layer 3 (a mean of a 0/1 Map of that width)."""
    sel = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("rs_eq")
    n = rasp.SelectorWidth(sel).named("rs_n")
    pair = _num01(lambda k: k >= 2, n, "rs_repeated")
    return _mean(sel, pair).named("rs_mean")


def reused_select_three_readers() -> rasp.SOp:
    """One LEQ index Select: a categorical look-up of a width read by a later mean and a later width."""
    sel = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("r3_prefix")
    is_b = _num01(lambda c: c == "b", rasp.tokens, "r3_b")
    share = _mean(sel, is_b).named("r3_share")
    flag = _map(lambda x: x > 0, share).named("r3_flag")
    flag01 = _num01(lambda f: f, flag, "r3_flag01")
    again = _mean(sel, flag01).named("r3_again")
    return again


def identity_of_tokens() -> rasp.SOp:
    """The output the tokens through an identity Map (5 punctuation tokens)."""
    return _map(lambda t: t, rasp.tokens).named("id_tokens")


def indices_mod_three() -> rasp.SOp:
    """The output the indices mod 3, over 20 words at max_seq_len 9 (a SequenceMap that drops the token:
    Tracr compiles no program without `tokens`)."""
    return rasp.SequenceMap(lambda i, t: i % 3, rasp.indices, rasp.tokens).named("im_mod3")


def numerical_identity_bits() -> rasp.SOp:
    """Tokens 0/1: the output a numerical identity Map of the tokens."""
    return rasp.numerical(_map(lambda t: t, rasp.tokens)).named("ni_bits")


def unicode_labels() -> rasp.SOp:
    """Labels in unicode (Greek, CJK, emoji), tokens with accents: casefold count."""
    fold = _map(lambda t: t.casefold(), rasp.tokens).named("折り畳み_Δ")
    n = rasp.SelectorWidth(rasp.Select(fold, fold, rasp.Comparison.EQ).named("同じ😀")).named("数ñ")
    return rasp.SequenceMap(lambda f, k: f"{f}×{k}", fold, n).named("résultat_Ω")


def long_and_spaced_labels() -> rasp.SOp:
    """Labels of 150 characters, with spaces, ':' and names like Tracr's ('tokens_2', 'one:1')."""
    a = _map(lambda t: t * 2, rasp.tokens).named("x" * 150)
    b = _back(a, "tokens_2")
    c = rasp.SequenceMap(lambda p, q: (p or 0) + q, b, rasp.tokens).named("one:1")
    return _map(lambda v: v % 4, c).named("the output, with spaces")


def label_like_indices() -> rasp.SOp:
    """A look-back named 'indices_' and a Map named 'tokens:3' (a residual-name lookalike), summed."""
    m = _map(lambda t: t + 1, rasp.tokens).named("tokens:3")
    back = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "indices:0"), m).named("indices_")
    return rasp.SequenceMap(lambda a, b: a * b, m, back).named("indices")


# --- more researcher-style programs --------------------------------------------------------------------


def bracket_depth_max_len10() -> rasp.SOp:
    """'(' ')' 'x': numerical balance so far (two prefix means) read by a sign Map (-1 / 0 / 1 as words)."""
    t = rasp.tokens
    pre = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("bd_pre")
    op = _mean(pre, _num01(lambda c: c == "(", t, "bd_open")).named("bd_opens")
    cl = _mean(pre, _num01(lambda c: c == ")", t, "bd_close")).named("bd_closes")
    return rasp.numerical(rasp.LinearSequenceMap(op, cl, 1, -1)).named("bd_balance")


def tuple_keys_color_size() -> rasp.SOp:
    """(colour, size) tuples: mean of 'big' among same colour, different size (a tuple predicate)."""
    big = _num01(lambda t: t[1] == "L", rasp.tokens, "tc_big")
    sel = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] == q[0] and k[1] != q[1]).named("tc_sel")
    return _mean(sel, big).named("tc_share")



def token_pair_code_len2() -> rasp.SOp:
    """max_seq_len 2, (row, col) tuples: my cell joined with the first cell (k == 0), as a string."""
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("tp_sel"),
                           rasp.tokens).named("tp_first")
    return rasp.SequenceMap(lambda a, b: f"{a[0]}{a[1]}-{b[0]}{b[1]}", first, rasp.tokens).named("tp_code")


# --- numerical Maps that are 0 on every value (their MLP writes nothing) -------------------------------


def zero_map_beside_mean() -> rasp.SOp:
    """A numerical Map of a prefix mean that is 0 on every value, added to the mean (LinearSequenceMap 1, 1):
    researchers stub a branch out this way; its MLP reads the mean and writes nothing."""
    m = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("zm_pre"),
              _num01(lambda c: c == "a", rasp.tokens, "zm_a")).named("zm_m")
    z = rasp.numerical(_map(lambda x: 0, m)).named("zm_zero")
    return rasp.numerical(rasp.LinearSequenceMap(m, z, 1, 1)).named("zm_out")


def zero_map_beside_width() -> rasp.SOp:
    """A numerical width (my count) and a numerical Map of it that is 0 on every count, summed."""
    n = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "zw_eq"))).named("zw_n")
    z = rasp.numerical(_map(lambda k: 0, n)).named("zw_zero")
    return rasp.numerical(rasp.LinearSequenceMap(n, z, 1, 1)).named("zw_out")


def all_zero_numerical_output() -> rasp.SOp:
    """The output a numerical Map of a prefix mean that is 0 on every value (the output is never written)."""
    m = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("az_pre"),
              _num01(lambda c: c == "a", rasp.tokens, "az_a")).named("az_m")
    return rasp.numerical(_map(lambda x: 0, m)).named("az_zero")


def zero_map_read_categorically() -> rasp.SOp:
    """A numerical Map of a prefix mean that is 0 on every value, read by a numerical->categorical Map
    (always 'zero'), joined with the tokens."""
    m = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("zc_pre"),
              _num01(lambda c: c == "a", rasp.tokens, "zc_a")).named("zc_m")
    z = rasp.numerical(_map(lambda x: 0, m)).named("zc_zero")
    flag = _map(lambda x: "pos" if x > 0 else "zero", z).named("zc_flag")
    return rasp.SequenceMap(lambda f, t: f + t, flag, rasp.tokens).named("zc_out")


def linear_zero_coefficients_output() -> rasp.SOp:
    """The output a LinearSequenceMap of two means with coefficients 0 and 0 (a branch switched off)."""
    m = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("lz_pre"),
              _num01(lambda c: c == "a", rasp.tokens, "lz_a")).named("lz_m")
    m2 = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("lz_all"),
               _num01(lambda c: c == "b", rasp.tokens, "lz_b")).named("lz_m2")
    return rasp.numerical(rasp.LinearSequenceMap(m, m2, 0, 0)).named("lz_out")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("capital_after_stop", "words capitalised after '.', '!' or '?'",
                 capital_after_stop, TEXT, 7),
    SuiteProgram("word_starts_share_len12", "share of word starts so far at 12",
                 word_starts_share_len12, ("ab", "c", " ", ","), 12),
    SuiteProgram("colon_tokens_like_labels", "tokens spelled like residual names, count of mine",
                 colon_tokens_like_labels, ("tokens:a", "a:1", "indices:0", ":", "one"), 6),
    SuiteProgram("grid_same_row_width", "(row, col) tuples: cells in my row or column",
                 grid_same_row_width, GRID, 6),
    SuiteProgram("grid_diagonal_mean", "(row, col): diagonal share in my row, not my column",
                 grid_diagonal_mean, GRID, 7),
    SuiteProgram("mixed_type_sort", "ints, strings, tuples sorted by a type-rank key",
                 mixed_type_sort, (3, 7, "a", "z", (1, "b"), (2, "a")), 6),
    SuiteProgram("mixed_type_tag_lookback", "type names of mine and the previous token",
                 mixed_type_tag_lookback, (1, 2, "a", "b", (0, 0)), 7),
    SuiteProgram("swap_pair_len2", "max_seq_len 2, 30 words: the other word",
                 swap_pair_len2, WORDS30, 2),
    SuiteProgram("median_of_three", "max_seq_len 3: the median by make_sort",
                 median_of_three, (0, 1, 2, 3, 4, 5), 3),
    SuiteProgram("majority_of_three", "max_seq_len 3: the majority token",
                 majority_of_three, ("x", "o"), 3),
    SuiteProgram("lookback_four_len24", "max_seq_len 24: the token four back, upper-cased",
                 lookback_four_len24, ("a", "b", "c"), 24),
    SuiteProgram("prefix_mean_len22", "max_seq_len 22: make_frac_prevs of 'a'",
                 prefix_mean_len22, ("a", "b", "c"), 22),
    SuiteProgram("parity_mean_len20", "max_seq_len 20: share of 'b' among my index parity",
                 parity_mean_len20, ("a", "b"), 20),
    SuiteProgram("causal_seen_flag_len20", "causal, max_seq_len 20: 'z' seen so far",
                 causal_seen_flag_len20, ("x", "y", "z"), 20, causal=True),
    SuiteProgram("sparse_negative_of_width", "numerical count through -1.5 / 0.25 / 0",
                 sparse_negative_of_width, ("a", "b", "c"), 6),
    SuiteProgram("signed_flag_of_prefix_mean", "numerical Map of a prefix mean to -0.5 / 1.25",
                 signed_flag_of_prefix_mean, ("x", "y"), 8),
    SuiteProgram("one_in_25_weight_mean", "25 words, one weighted 0.75, averaged",
                 one_in_25_weight_mean, WORDS30[:25], 6),
    SuiteProgram("width_to_reciprocal_output", "output 1 / (1 + LT width), numerical",
                 width_to_reciprocal_output, (0, 1, 2, 3, 4), 6),
    SuiteProgram("width_to_mostly_zero_output", "output 0.5 at length 3, 0.1 at 5, else 0",
                 width_to_mostly_zero_output, ("p", "q"), 8),
    SuiteProgram("numerical_width_linear_negative", "-0.5 * GT width + 0.75 * LT width",
                 numerical_width_linear_negative, (0, 1, 2, 3), 6),
    SuiteProgram("ring_neighbour_mean", "ring neighbours (selector_or): share of odd",
                 ring_neighbour_mean, tuple(range(8)), 7),
    SuiteProgram("not_larger_and_far_mean", "selector_not(selector_and(GT, far)): share of even",
                 not_larger_and_far_mean, tuple(range(10)), 7),
    SuiteProgram("index_window_and_not_self_mean", "window of 2 without me: share of 'a'",
                 index_window_and_not_self_mean, ("a", "b", "c"), 9),
    SuiteProgram("width_keyed_lookup", "LT width as a lookup key: the token ranked i",
                 width_keyed_lookup, ("a", "b", "c", "d", "e"), 6),
    SuiteProgram("most_common_token_first", "make_sort by -count, the token at rank 0",
                 most_common_token_first, ("a", "b", "c", "d"), 6),
    SuiteProgram("causal_previous_occurrence_next", "causal: where my token occurred last",
                 causal_previous_occurrence_next, ("a", "b", "c"), 7, causal=True),
    SuiteProgram("causal_first_token_class", "causal, 8 words: length of first word minus mine",
                 causal_first_token_class, ("a", "to", "the", "it", "was", "big", "mat", "on"), 8,
                 causal=True),
    SuiteProgram("seven_maps_one_layer", "seven Maps in one MLP layer, a SequenceMap tree",
                 seven_maps_one_layer, tuple(range(8)), 5),
    SuiteProgram("six_means_one_layer", "six means in one attention layer, signed sum",
                 six_means_one_layer, ("a", "e", "k", "t"), 7),
    SuiteProgram("four_heads_four_seqmaps", "previous, first, last, mirror lookups merged",
                 four_heads_four_seqmaps, ("a", "b", "c"), 7),
    SuiteProgram("constant_query_width", "a single-valued Map as a GEQ query",
                 constant_query_width, ("a", "k", "m", "x", "z"), 6),
    SuiteProgram("constant_numerical_mean", "numerical Map of value 1 averaged under LT",
                 constant_numerical_mean, ("u", "v"), 8),
    SuiteProgram("seqmap_of_two_thresholds", "two numerical->categorical Maps joined",
                 seqmap_of_two_thresholds, ("a", "b", "c"), 8),
    SuiteProgram("single_valued_seqmap_output", "SequenceMap whose only value is 'ok'",
                 single_valued_seqmap_output, ("a", "b", "c"), 6),
    SuiteProgram("reused_select_two_layers", "EQ Select read by a width and, later, a mean",
                 reused_select_two_layers, ("a", "b", "c", "d"), 7),
    SuiteProgram("reused_select_three_readers", "LEQ Select read by two means in two layers",
                 reused_select_three_readers, ("a", "b", "c"), 8),
    SuiteProgram("identity_of_tokens", "the tokens through an identity Map (punctuation)",
                 identity_of_tokens, (".", ",", ";", "!", "?"), 5),
    SuiteProgram("indices_mod_three", "indices mod 3 over 20 words",
                 indices_mod_three, WORDS30[:20], 9),
    SuiteProgram("numerical_identity_bits", "numerical identity of 0/1 tokens",
                 numerical_identity_bits, (0, 1), 10),
    SuiteProgram("unicode_labels", "unicode labels, accented tokens, casefold count",
                 unicode_labels, ("é", "É", "ß", "e", "Ω", "ω"), 6),
    SuiteProgram("long_and_spaced_labels", "150-character and spaced labels",
                 long_and_spaced_labels, (1, 2, 3), 7),
    SuiteProgram("label_like_indices", "labels 'tokens:3', 'indices:0', 'indices'",
                 label_like_indices, (0, 1, 2, 3), 7),
    SuiteProgram("bracket_depth_max_len10", "numerical bracket balance so far at 10",
                 bracket_depth_max_len10, ("(", ")", "x"), 10),
    SuiteProgram("tuple_keys_color_size", "(colour, size): big share among same colour, other size",
                 tuple_keys_color_size, (("r", "S"), ("r", "L"), ("g", "S"), ("g", "L"), ("b", "L")), 7),
    SuiteProgram("token_pair_code_len2", "max_seq_len 2, 4 tuples: my cell and the first",
                 token_pair_code_len2, ((0, 0), (0, 1), (1, 0), (1, 1)), 2),
    SuiteProgram("zero_map_beside_mean", "a prefix mean plus a numerical Map of it that is 0 everywhere",
                 zero_map_beside_mean, ("a", "b"), 7),
    SuiteProgram("zero_map_beside_width", "a numerical count plus a numerical Map of it that is 0 everywhere",
                 zero_map_beside_width, ("a", "b", "c"), 6),
    SuiteProgram("all_zero_numerical_output", "output a numerical Map of a mean that is 0 everywhere",
                 all_zero_numerical_output, ("a", "b"), 7),
    SuiteProgram("zero_map_read_categorically", "a numerical Map 0 everywhere read by a categorical Map",
                 zero_map_read_categorically, ("a", "b"), 7),
    SuiteProgram("linear_zero_coefficients_output", "output LinearSequenceMap(m, m2, 0, 0) of two means",
                 linear_zero_coefficients_output, ("a", "b"), 7),
]
