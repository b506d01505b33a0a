"""A vista suite of hand-written Tracr programs, as researchers write them, unlike the nine older suites.

Why: `tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`, `large/`, `horizon/` and
`outlook/` all decompile, rotated and mixed. These were written afterwards, in the style of the programs of
the TransformerLens Tracr demo, of InterpBench and of papers that compile Tracr programs, to probe
combinations none of them uses: a Caesar shift by the first letter's code (a categorical Aggregate of a Map,
not of the tokens, then a 20 x 5 SequenceMap), a Vigenere step by the previous letter and a 30 x 9 position
cipher; "is sorted" over 10 ints at max_seq_len 12 and "is the median" (widths of LT, GT and EQ read by four
SequenceMaps) at 9; inversion counts by a Select over (token, index) tuples with a custom predicate; an
exact induction head (keys (token, ordinal), queries (token, ordinal - 1), the next token clamped at the
end: 13 lines); eight numerical means of one 0/1 Map under all eight Comparisons, summed by a tree of
LinearSequenceMaps; a neighbour window built by `selector_or` and its complement by `selector_not`, and a
width of `selector_or(selector_and(LT, custom), EQ)`; bigram counts (a width over a SequenceMap of a
look-back); the double histogram of Learning Transformer Programs; the token at the position named by the
last token; an argsort (`make_sort_unique` of the indices); causal models (distinct share so far, record
share over 20 ints, a `selector_not` of a custom nearness predicate, a lexical-density flag chain over 25
words, the count of the first token so far, a numerical balance of two bracket kinds, a custom BOS '<s>' /
PAD '<pad>' at max_seq_len 12); InterpBench-style Maps over 24-40 tokens (a word mirror, digit sums ranked
by a width, a spam detector, Fibonacci membership, a vowel count read by GEQ, reversed words compared by LEQ
with the words, a substring predicate `q in k`, three classes over 40 words, ints and letters mixed); float
outputs of a numerical Map with four values over 36 tokens, averaged under GEQ; a numerical Map of a prefix
mean averaged again; a two-hop mean (a look-back read by a numerical Map); the share among all other
positions (`selector_not` of an index EQ); a strict-prefix mean read at max_seq_len 16; a rank of width up
to 9 read by two SequenceMaps; categorical Aggregates of a SelectorWidth (the count at my mirror position),
of tuples, of a numerical->categorical Map, and as the output (a Map moved to the mirror position); a
SequenceMap of a Map with itself beside a SequenceMap of the indices with themselves; two identical means
under differently named Selects; ten SequenceMaps and four widths in one 19-line chain; and lambdas outside
any library (`(x * 7 + 3) % 11`, `w[::-1]`, `w[1:3]`, `c in "aeiou"`).

Each builder makes new expressions on every call. `examples/check_suites.py examples/vista/suite.py`
checks that Tracr compiles each faithfully (the pitfalls avoided are listed in the docstrings of the older
suites). Met here:
- A mean under a Select keyed and queried by `x > 0` of a prefix mean (the share of 'b' among positions
  that have, or have not, seen an 'a') is not faithful (349 of 1,334 positions wrong at max_seq_len 8:
  the model gives 0 where the group is the first position alone), like `horizon/`'s SelectorWidth keyed
  by such a flag: dropped.
- `p % n` with n a SelectorWidth fails to compile (Tracr's value set of a width holds 0: ZeroDivisionError),
  so the pointer is taken `% max(n, 1)`.
- Tracr's SelectorWidth is soft near the top of its range: a width of 8 at max_seq_len 9 is written as
  0.694 on 8 and 0.306 on 7, and each categorical MLP that reads it passes the blend on, so after three
  SequenceMaps `median_flag_len9` shows its output at 0.389 on 508 of the positions checked (argmax still
  decodes it right, so the compile is faithful).
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

LETTERS20 = tuple("abcdefghijklmnopqrst")
DIGITS10 = tuple(range(10))
INTS20 = tuple(range(20))
WORDS24 = ("stop", "pots", "tops", "spot", "level", "radar", "noon", "deed", "cat", "act", "tac", "dog",
           "god", "bird", "drib", "ant", "tna", "eve", "bob", "sun", "nus", "map", "pam", "owl")
SPAM = ("free", "win", "cash", "prize", "offer", "click")
HAM = ("hello", "meeting", "lunch", "report", "team", "project", "thanks", "see", "you", "today", "call",
       "notes", "plan", "draft", "agenda", "budget", "review", "monday", "update", "soon", "coffee", "ok",
       "later", "file")
WORDS30 = SPAM + HAM
CONTENT = ("cat", "dog", "runs", "eats", "big", "red", "house", "tree", "sings", "blue", "fast", "apple")
FUNCTION = ("the", "a", "an", "of", "in", "on", "and", "or", "but", "is", "was", "to", "it")
WORDS25 = CONTENT + FUNCTION
FIB = {0, 1, 2, 3, 5, 8, 13, 21, 34}
ALNUM36 = tuple(range(10)) + tuple("abcdefghijklmnopqrstuvwxyz")
ITEMS40 = tuple(f"w{n:02d}" for n in range(40))


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


def _mean(selector: rasp.Selector, values: rasp.SOp) -> rasp.SOp:
    return rasp.numerical(rasp.Aggregate(selector, values, default=0))


def _num01(f, sop: rasp.SOp, name: str) -> rasp.SOp:
    return rasp.numerical(_map(lambda x: 1 if f(x) else 0, sop)).named(name)


def _prev(sop: rasp.SOp, name: str, back: int = 1) -> rasp.SOp:
    """The value `back` positions before mine (the first position's own value at the start)."""
    sel = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - back, 0)).named(f"{name}_sel")
    return rasp.Aggregate(sel, sop).named(name)


def _length(name: str) -> rasp.SOp:
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        f"{name}_all")).named(name)


# --- research-style algorithms ----------------------------------------------------------------------


def caesar_first_shift_20() -> rasp.SOp:
    """20 letters: each shifted (mod 20) by the first letter's code mod 5 (a categorical Aggregate of
    a Map)."""
    shift = _map(lambda c: LETTERS20.index(c) % 5, rasp.tokens).named("shift_code")
    first = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("first_sel")
    key = rasp.Aggregate(first, shift).named("first_shift")
    return rasp.SequenceMap(lambda c, s: LETTERS20[(LETTERS20.index(c) + s) % 20], rasp.tokens,
                            key).named("caesar")


def is_sorted_len12() -> rasp.SOp:
    """10 ints at max_seq_len 12: 'sorted' everywhere if no token is smaller than the one before it."""
    prev = _prev(rasp.tokens, "sorted_prev")
    desc = rasp.SequenceMap(lambda p, t: 1 if p > t else 0, prev, rasp.tokens).named("descent")
    desc_num = rasp.numerical(_map(lambda d: d, desc)).named("descent_num")
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("sorted_all"),
                  desc_num).named("descent_share")
    return _map(lambda x: "unsorted" if x > 0 else "sorted", share).named("sortedness")


def median_flag_len9() -> rasp.SOp:
    """Is my token a median? Widths of LT, EQ and GT read by four SequenceMaps (no more than half on
    either side)."""
    t = rasp.tokens
    lt = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.LT).named("med_lt")).named("n_below")
    gt = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.GT).named("med_gt")).named("n_above")
    eq = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.EQ).named("med_eq")).named("n_same")
    n = rasp.SequenceMap(lambda a, b: a + b, lt, gt).named("n_other")
    total = rasp.SequenceMap(lambda o, e: o + e, n, eq).named("n_total")
    low = rasp.SequenceMap(lambda a, m: 2 * a <= m, lt, total).named("low_ok")
    high = rasp.SequenceMap(lambda b, m: 2 * b <= m, gt, total).named("high_ok")
    return rasp.SequenceMap(lambda lo, hi: "median" if lo and hi else "-", low, high).named("is_median")


def inversion_count_tuples() -> rasp.SOp:
    """Earlier tokens larger than mine: a Select over (token, index) tuples with a custom predicate."""
    pair = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tok_pos")
    earlier_larger = rasp.Select(pair, pair, lambda k, q: k[1] < q[1] and k[0] > q[0]).named("inv_sel")
    n = rasp.SelectorWidth(earlier_larger).named("n_inversions")
    return rasp.SequenceMap(lambda t, c: f"{t}^{c}", rasp.tokens, n).named("inv_tag")


def eight_comparison_means() -> rasp.SOp:
    """Eight means of (token is odd) under all eight Comparisons on the tokens, summed by
    LinearSequenceMaps."""
    odd = _num01(lambda t: t % 2 == 1, rasp.tokens, "tok_odd")
    means = [
        _mean(rasp.Select(rasp.tokens, rasp.tokens, c).named(f"cmp_{c.name.lower()}"), odd).named(
            f"odd_{c.name.lower()}")
        for c in rasp.Comparison
    ]
    coeffs = [1, 0.5, -1, 2, 0.25, -0.5, 1, 3]
    acc = rasp.numerical(rasp.LinearSequenceMap(means[0], means[1], coeffs[0], coeffs[1])).named("cmp_sum1")
    for n in range(2, 8):
        acc = rasp.numerical(rasp.LinearSequenceMap(acc, means[n], 1, coeffs[n])).named(f"cmp_sum{n}")
    return acc


def neighbour_share_or_not() -> rasp.SOp:
    """Share of vowels among my two neighbours (selector_or) minus that among the rest (selector_not)."""
    i = rasp.indices
    left = rasp.Select(i, i, lambda k, q: k == q - 1).named("nb_left")
    right = rasp.Select(i, i, lambda k, q: k == q + 1).named("nb_right")
    near = rasp.selector_or(left, right).named("nb_either")
    far = rasp.selector_not(rasp.selector_or(near, rasp.Select(i, i, rasp.Comparison.EQ))).named("nb_far")
    vowel = _num01(lambda c: c in "aeiou", rasp.tokens, "nb_vowel")
    near_share = _mean(near, vowel).named("near_vowels")
    far_share = _mean(far, vowel).named("far_vowels")
    return rasp.numerical(rasp.LinearSequenceMap(near_share, far_share, 1, -1)).named("near_minus_far")


def bigram_repeat_count() -> rasp.SOp:
    """How often my bigram (previous token + mine) occurs: a width over a SequenceMap of a look-back."""
    prev = _prev(rasp.tokens, "bg_prev")
    bigram = rasp.SequenceMap(lambda p, t: p + t, prev, rasp.tokens).named("bigram")
    count = rasp.SelectorWidth(rasp.Select(bigram, bigram, rasp.Comparison.EQ).named("bg_same")).named(
        "bg_count")
    return rasp.SequenceMap(lambda b, c: f"{b}x{c}", bigram, count).named("bigram_tag")


def double_histogram_len6() -> rasp.SOp:
    """The double histogram of Learning Transformer Programs: positions whose count equals mine."""
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("dh_eq")).named(
        "dh_hist")
    return rasp.SelectorWidth(rasp.Select(hist, hist, rasp.Comparison.EQ).named("dh_same_count")).named(
        "dh_double")


def token_at_last_pointer() -> rasp.SOp:
    """Ints 0..7: the token at the position named by the last token (mod the length), compared with mine."""
    length = _length("ptr_len")
    last = rasp.Aggregate(rasp.Select(rasp.indices, length, lambda k, q: k == q - 1).named("last_sel"),
                          rasp.tokens).named("last_tok")
    target = rasp.SequenceMap(lambda p, n: p % max(n, 1), last, length).named("ptr_target")
    found = rasp.Aggregate(rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named("ptr_sel"),
                           rasp.tokens).named("ptr_found")
    return rasp.SequenceMap(lambda f, t: "=" if f == t else ("<" if f < t else ">"), found,
                            rasp.tokens).named("ptr_cmp")


def argsort_indices() -> rasp.SOp:
    """`make_sort_unique` of the indices by (token, index): an argsort (the position of the k-th smallest)."""
    keys = rasp.SequenceMap(lambda t, i: t * 8 + i, rasp.tokens, rasp.indices).named("as_keys")
    return lib.make_sort_unique(rasp.indices, keys).named("argsort")


def mirror_count_equal() -> rasp.SOp:
    """A categorical Aggregate of a SelectorWidth: my count against the count at my mirror position."""
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("mc_eq")).named(
        "mc_hist")
    length = _length("mc_len")
    mirror = rasp.SequenceMap(lambda i, n: n - 1 - i, rasp.indices, length).named("mc_mirror")
    other = rasp.Aggregate(rasp.Select(rasp.indices, mirror, rasp.Comparison.EQ).named("mc_sel"),
                           hist).named("mc_other")
    return rasp.SequenceMap(lambda a, b: a - b, hist, other).named("mc_diff")


def tuple_values_moved() -> rasp.SOp:
    """A categorical Aggregate of tuples (token, index parity) from two back, read as a string."""
    pair = rasp.SequenceMap(lambda t, i: (t, i % 2), rasp.tokens, rasp.indices).named("tp_pair")
    moved = _prev(pair, "tp_moved", back=2)
    return rasp.SequenceMap(lambda m, t: f"{m[0]}{m[1]}{t}", moved, rasp.tokens).named("tp_join")


# --- causal models ----------------------------------------------------------------------------------


def causal_distinct_share() -> rasp.SOp:
    """causal=True, 12 letters at 9: share of positions so far holding a token's first occurrence."""
    count = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "cd_eq")).named("cd_count")
    first = _num01(lambda n: n == 1, count, "cd_first")
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("cd_all"), first).named(
        "cd_share")


def causal_record_share_20() -> rasp.SOp:
    """causal=True, 20 ints at 8: is my token a new maximum so far (GT width 0), and the share of records."""
    above = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "cr_gt")).named("cr_above")
    record = _num01(lambda n: n == 0, above, "cr_record")
    return _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("cr_all"), record).named(
        "cr_share")


def causal_far_tokens_not() -> rasp.SOp:
    """causal=True, ints 0..9: earlier tokens far from mine (selector_not of |k - q| <= 1), as a word."""
    near = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: abs(k - q) <= 1).named("cf_near")
    far = rasp.SelectorWidth(rasp.selector_not(near).named("cf_far")).named("cf_n_far")
    return rasp.SequenceMap(lambda n, t: f"{t}:{'many' if n > 2 else n}", far, rasp.tokens).named("cf_word")


def causal_lexical_density() -> rasp.SOp:
    """causal=True, 25 words at 10: content-word share so far, a flag on it, and the previous flag."""
    content = _num01(lambda w: w in CONTENT, rasp.tokens, "ld_content")
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("ld_all"),
                  content).named("ld_share")
    dense = _map(lambda x: "dense" if x > 0 else "empty", share).named("ld_flag")
    prev = _prev(dense, "ld_prev")
    return rasp.SequenceMap(lambda a, b: a if a == b else f"{b}->{a}", dense, prev).named("ld_change")


# --- InterpBench-style Maps over many tokens ----------------------------------------------------------


def word_mirror_upper() -> rasp.SOp:
    """24 words: each reversed (`w[::-1]`), upper-cased at odd positions, '!' when a palindrome."""
    mirror = _map(lambda w: w[::-1], rasp.tokens).named("wm_mirror")
    shown = rasp.SequenceMap(lambda m, i: m.upper() if i % 2 else m, mirror, rasp.indices).named("wm_case")
    pal = rasp.SequenceMap(lambda w, m: w == m, rasp.tokens, mirror).named("wm_pal")
    return rasp.SequenceMap(lambda s, p: s + ("!" if p else ""), shown, pal).named("wm_out")


def digit_sum_rank_40() -> rasp.SOp:
    """40 ints 10..49: digit sum (few values), tokens with a smaller digit sum (a width), both joined."""
    dsum = _map(lambda t: sum(int(d) for d in str(t)), rasp.tokens).named("ds_sum")
    rank = rasp.SelectorWidth(rasp.Select(dsum, dsum, rasp.Comparison.LT).named("ds_lt")).named("ds_rank")
    return rasp.SequenceMap(lambda s, r: s * 10 + r, dsum, rank).named("ds_code")


def spam_detector_30() -> rasp.SOp:
    """30 words: any spam word in the message (mean under TRUE, > 0), spam words starred in spam."""
    is_spam = _num01(lambda w: w in SPAM, rasp.tokens, "sp_is")
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("sp_all"),
                  is_spam).named("sp_share")
    verdict = _map(lambda x: "spam" if x > 0 else "ham", share).named("sp_verdict")
    mine = _map(lambda w: w in SPAM, rasp.tokens).named("sp_mine")
    return rasp.SequenceMap(lambda v, m: "*" if v == "spam" and m else v, verdict, mine).named("sp_mark")


def fibonacci_geq_share_36() -> rasp.SOp:
    """36 ints: the share of Fibonacci numbers among tokens at least mine (a GEQ mean), numerical."""
    fib = _num01(lambda t: t in FIB, rasp.tokens, "fib_is")
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named("fib_geq"), fib).named(
        "fib_share")


def vowel_count_geq_words() -> rasp.SOp:
    """24 words: my vowel count (`c in 'aeiou'`), words with at least as many (GEQ width), and `w[1:3]`."""
    vc = _map(lambda w: sum(c in "aeiou" for c in w), rasp.tokens).named("vc_count")
    n = rasp.SelectorWidth(rasp.Select(vc, vc, rasp.Comparison.GEQ).named("vc_geq")).named("vc_n")
    mid = _map(lambda w: w[1:3], rasp.tokens).named("vc_mid")
    return rasp.SequenceMap(lambda m, k: f"{m}{k}", mid, n).named("vc_out")


def class_of_first_40() -> rasp.SOp:
    """40 words in 3 classes: is my class the first word's class? The share of such positions (numerical)."""
    cls = _map(lambda w: int(w[1:]) % 3, rasp.tokens).named("cf_class")
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("cf_first_sel"),
                           cls).named("cf_first")
    same = rasp.SequenceMap(lambda a, b: 1 if a == b else 0, cls, first).named("cf_same")
    same_num = rasp.numerical(_map(lambda s: s, same)).named("cf_same_num")
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("cf_all"),
                 same_num).named("cf_share")


def mixed_alnum_36() -> rasp.SOp:
    """Digits 0..9 (ints) and 26 letters: my kind and how many tokens have a smaller code (t or ord - 97)."""
    kind = _map(lambda t: "d" if isinstance(t, int) else "l", rasp.tokens).named("an_kind")
    code = _map(lambda t: t if isinstance(t, int) else (ord(t) - 97) % 10, rasp.tokens).named("an_code")
    below = rasp.SelectorWidth(rasp.Select(code, code, rasp.Comparison.LT).named("an_lt")).named("an_below")
    return rasp.SequenceMap(lambda k, n: f"{k}{n}", kind, below).named("an_tag")


# --- numerical values -----------------------------------------------------------------------------------


def float_class_geq_mean_36() -> rasp.SOp:
    """36 ints -> floats 0, 0.25, 0.5, 0.75 (a numerical Map with four values), averaged under GEQ."""
    w = rasp.numerical(_map(lambda t: (t % 4) / 4, rasp.tokens)).named("fc_weight")
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named("fc_geq"), w).named(
        "fc_mean")


def seen_flag_then_share() -> rasp.SOp:
    """A numerical Map of a prefix mean (x > 0 -> 1) averaged again: the share of positions after an 'x'."""
    is_x = _num01(lambda c: c == "x", rasp.tokens, "sf_is_x")
    pre = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("sf_prefix"),
                is_x).named("sf_pre")
    seen = rasp.numerical(_map(lambda x: 1 if x > 0 else 0, pre)).named("sf_seen")
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("sf_all"), seen).named(
        "sf_share")


def custom_mod3_index_mean() -> rasp.SOp:
    """A mean under a custom index predicate ((k + q) mod 3 == 0) of 'a', plus a quarter of the share
    of 'b'."""
    i = rasp.indices
    sel = rasp.Select(i, i, lambda k, q: (k + q) % 3 == 0).named("m3_sel")
    is_a = _num01(lambda c: c == "a", rasp.tokens, "m3_a")
    is_b = _num01(lambda c: c == "b", rasp.tokens, "m3_b")
    a_share = _mean(sel, is_a).named("m3_a_share")
    b_share = _mean(rasp.Select(i, i, rasp.Comparison.TRUE).named("m3_all"), is_b).named("m3_b_share")
    return rasp.numerical(rasp.LinearSequenceMap(a_share, b_share, 1, 0.25)).named("m3_out")


def threshold_class_moved() -> rasp.SOp:
    """A categorical Aggregate of a numerical->categorical Map: 'hot' if any 'h' so far, from the previous
    position."""
    is_h = _num01(lambda c: c == "h", rasp.tokens, "tc_is_h")
    pre = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("tc_prefix"),
                is_h).named("tc_pre")
    state = _map(lambda x: "hot" if x > 0 else "cold", pre).named("tc_state")
    moved = _prev(state, "tc_prev_state")
    return rasp.SequenceMap(lambda s, t: f"{s}/{t}", moved, rasp.tokens).named("tc_out")


def affine_mod11_chain() -> rasp.SOp:
    """Ints 0..10: (7x + 3) mod 11, its parity, a look-back of the parity and a width of equal codes."""
    code = _map(lambda x: (x * 7 + 3) % 11, rasp.tokens).named("am_code")
    par = _map(lambda c: c % 2, code).named("am_par")
    prev_par = _prev(par, "am_prev_par")
    same = rasp.SelectorWidth(rasp.Select(code, code, rasp.Comparison.EQ).named("am_eq")).named("am_same")
    mix = rasp.SequenceMap(lambda p, q: p ^ q, par, prev_par).named("am_xor")
    return rasp.SequenceMap(lambda m, n: (m * 5 + n) % 11, mix, same).named("am_out")


# --- long chains --------------------------------------------------------------------------------------


def fourteen_line_report() -> rasp.SOp:
    """A long report (15 SOps, 19 lines with the Selects): widths of EQ, LT, TRUE and a vowel class, ten
    SequenceMaps merging them."""
    t, i = rasp.tokens, rasp.indices
    vowel = _map(lambda c: c in "aeiou", t).named("r_vowel")
    same = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.EQ).named("r_eq")).named("r_same")
    below = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.LT).named("r_lt")).named("r_below")
    length = _length("r_len")
    same_kind = rasp.SelectorWidth(rasp.Select(vowel, vowel, rasp.Comparison.EQ).named("r_kind")).named(
        "r_n_kind")
    a = rasp.SequenceMap(lambda s, b: s + b, same, below).named("r_upto")
    b = rasp.SequenceMap(lambda u, n: n - u, a, length).named("r_above")
    c = rasp.SequenceMap(lambda k, n: 2 * k > n, same_kind, length).named("r_major")
    d = rasp.SequenceMap(lambda x, j: (x + j) % 3, b, i).named("r_mod")
    e = rasp.SequenceMap(lambda m, v: m if v else -m, d, vowel).named("r_signed")
    f = rasp.SequenceMap(lambda s, m: s * 2 + int(m), e, c).named("r_code")
    g = rasp.SequenceMap(lambda s, x: s == x, same, below).named("r_balanced")
    h = rasp.SequenceMap(lambda x, y: f"{x}{'=' if y else ''}", f, g).named("r_text")
    j = rasp.SequenceMap(lambda x, j: x if j % 2 else x.upper(), h, i).named("r_case")
    return rasp.SequenceMap(lambda x, c: f"{c}{x}", j, t).named("r_report")


def caesar_vigenere_pairs() -> rasp.SOp:
    """8 letters: each letter shifted by the previous letter's code (a Vigenere step), then equal to mine?"""
    L = tuple("abcdefgh")
    prev = _prev(rasp.tokens, "vg_prev")
    enc = rasp.SequenceMap(lambda p, t: L[(L.index(p) + L.index(t)) % 8], prev, rasp.tokens).named("vg_enc")
    count = rasp.SelectorWidth(rasp.Select(enc, rasp.tokens, rasp.Comparison.EQ).named("vg_hit")).named(
        "vg_count")
    return rasp.SequenceMap(lambda e, n: f"{e}{n}", enc, count).named("vg_out")


def twin_heads_different_names() -> rasp.SOp:
    """Two identical means under two Selects of the same predicate (different names), subtracted."""
    is_z = _num01(lambda c: c == "z", rasp.tokens, "tw_z")
    a = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("tw_sel_a"), is_z).named(
        "tw_a")
    b = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("tw_sel_b"), is_z).named(
        "tw_b")
    diff = rasp.numerical(rasp.LinearSequenceMap(a, b, 2, -1)).named("tw_diff")
    return diff


def string_slice_first_last() -> rasp.SOp:
    """24 words: how many words end with my first letter (keys `w[-1]`, queries `w[0]`), and the share
    of short words among them."""
    last = _map(lambda w: w[-1], rasp.tokens).named("sl_last")
    first = _map(lambda w: w[0], rasp.tokens).named("sl_first")
    sel = rasp.Select(last, first, rasp.Comparison.EQ).named("sl_chain")
    n = rasp.SelectorWidth(sel).named("sl_n")
    short = _num01(lambda w: len(w) == 3, rasp.tokens, "sl_short")
    share = _mean(sel, short).named("sl_short_share")
    flag = _map(lambda x: x > 0, share).named("sl_any_short")
    return rasp.SequenceMap(lambda k, f: k * 2 + int(f), n, flag).named("sl_out")


# --- second batch: induction, grouped means, outputs moved by attention ----------------------------------


def induction_next_token() -> rasp.SOp:
    """An induction head made exact: the token that followed my token's previous occurrence (keys
    (token, ordinal), queries (token, ordinal - 1); the next token is clamped at the end)."""
    t, i = rasp.tokens, rasp.indices
    length = _length("ind_len")
    nxt = rasp.SequenceMap(lambda j, n: min(j + 1, n - 1), i, length).named("ind_next_pos")
    next_tok = rasp.Aggregate(rasp.Select(i, nxt, rasp.Comparison.EQ).named("ind_next_sel"), t).named(
        "ind_next_tok")
    tp = rasp.SequenceMap(lambda a, b: (a, b), t, i).named("ind_tp")
    ordinal = rasp.SelectorWidth(rasp.Select(tp, tp, lambda k, q: k[0] == q[0] and k[1] < q[1]).named(
        "ind_earlier")).named("ind_ord")
    key = rasp.SequenceMap(lambda a, o: (a, o), t, ordinal).named("ind_key")
    query = rasp.SequenceMap(lambda a, o: (a, max(o - 1, 0)), t, ordinal).named("ind_query")
    found = rasp.Aggregate(rasp.Select(key, query, rasp.Comparison.EQ).named("ind_match"), next_tok).named(
        "ind_found")
    return rasp.SequenceMap(lambda f, o: f if o > 0 else "?", found, ordinal).named("ind_predict")


def mirror_word_output() -> rasp.SOp:
    """The output is a categorical Aggregate of a Map: the plural of the word at my mirror position."""
    plural = _map(lambda w: w + ("es" if w.endswith("s") else "s"), rasp.tokens).named("mw_plural")
    length = _length("mw_len")
    mirror = rasp.SequenceMap(lambda j, n: n - 1 - j, rasp.indices, length).named("mw_mirror")
    return rasp.Aggregate(rasp.Select(rasp.indices, mirror, rasp.Comparison.EQ).named("mw_sel"),
                          plural).named("mw_reversed_plural")


def first_a_marker_len16() -> rasp.SOp:
    """Length 16: 'first' at the first 'a', 'after' past it, 'before' ahead (a strict-prefix mean, > 0)."""
    is_a = _num01(lambda c: c == "a", rasp.tokens, "fa_a")
    before = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named("fa_strict"),
                   is_a).named("fa_before")
    seen = _map(lambda x: x > 0, before).named("fa_seen")
    mine = _map(lambda c: c == "a", rasp.tokens).named("fa_mine")
    return rasp.SequenceMap(lambda s, m: "after" if s else ("first" if m else "before"), seen,
                            mine).named("fa_mark")


def causal_count_of_first() -> rasp.SOp:
    """causal=True: how many tokens so far equal the first token (its queries an Aggregate of the tokens)."""
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("cc_first_sel"),
                           rasp.tokens).named("cc_first")
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, first, rasp.Comparison.EQ).named("cc_like_first")).named(
        "cc_n")
    return rasp.SequenceMap(lambda k, t: f"{t}{k}", n, rasp.tokens).named("cc_out")


def causal_bracket_balance() -> rasp.SOp:
    """causal=True, '(', ')', '[', ']', 'x': open minus close share so far per kind, numerical, summed
    1 : 2."""
    t = rasp.tokens
    allsel = rasp.Select(t, t, rasp.Comparison.TRUE).named("cb2_all")
    shares = [_mean(allsel, _num01(lambda c, b=b: c == b, t, f"cb2_is{n}")).named(f"cb2_share{n}")
              for n, b in enumerate("()[]")]
    paren = rasp.numerical(rasp.LinearSequenceMap(shares[0], shares[1], 1, -1)).named("cb2_paren")
    square = rasp.numerical(rasp.LinearSequenceMap(shares[2], shares[3], 1, -1)).named("cb2_square")
    return rasp.numerical(rasp.LinearSequenceMap(paren, square, 1, 2)).named("cb2_balance")


def reversed_word_leq() -> rasp.SOp:
    """24 words: how many words spelled backwards come at or before mine in the alphabet (LEQ on strings)."""
    back = _map(lambda w: w[::-1], rasp.tokens).named("rw_back")
    n = rasp.SelectorWidth(rasp.Select(back, rasp.tokens, rasp.Comparison.LEQ).named("rw_leq")).named("rw_n")
    return rasp.SequenceMap(lambda w, k: f"{w[0]}{k}", rasp.tokens, n).named("rw_out")


def self_seqmap_of_map_beside() -> rasp.SOp:
    """SequenceMap(f, m, m) of a Map, in one MLP layer with SequenceMap(indices, indices) and a Map."""
    m = _map(lambda c: "xyz".index(c) + 1, rasp.tokens).named("ss_code")
    sq = rasp.SequenceMap(lambda a, b: a * b + a, m, m).named("ss_self")
    ii = rasp.SequenceMap(lambda a, b: a * b % 5, rasp.indices, rasp.indices).named("ss_ii")
    up = _map(lambda c: c.upper(), rasp.tokens).named("ss_up")
    a = rasp.SequenceMap(lambda x, y: x + y, sq, ii).named("ss_sum")
    return rasp.SequenceMap(lambda x, u: f"{u}{x}", a, up).named("ss_out")


def and_or_custom_width() -> rasp.SOp:
    """Ints 0..9: width of (LT and within 2) or EQ, a selector_and / selector_or of custom predicates."""
    t = rasp.tokens
    close_below = rasp.selector_and(rasp.Select(t, t, rasp.Comparison.LT),
                                    rasp.Select(t, t, lambda k, q: q - k <= 2)).named("ao_close_below")
    sel = rasp.selector_or(close_below, rasp.Select(t, t, rasp.Comparison.EQ)).named("ao_sel")
    n = rasp.SelectorWidth(sel).named("ao_n")
    return rasp.SequenceMap(lambda k, x: k * 10 + x, n, t).named("ao_out")


# --- third batch: wide tables, two-hop means, custom specials under a causal mask -------------------------

LETTERS30 = tuple("abcdefghijklmnopqrstuvwxyz") + ("ae", "oe", "th", "ng")


def position_cipher_30() -> rasp.SOp:
    """30 letters at max_seq_len 9: each moved 7 * i along the alphabet (a 30 x 9 SequenceMap), and how
    many tokens equal my cipher letter."""
    enc = rasp.SequenceMap(lambda c, i: LETTERS30[(LETTERS30.index(c) + 7 * i) % 30], rasp.tokens,
                           rasp.indices).named("pc_enc")
    hits = rasp.SelectorWidth(rasp.Select(rasp.tokens, enc, rasp.Comparison.EQ).named("pc_hit")).named(
        "pc_hits")
    return rasp.SequenceMap(lambda e, n: e if n == 0 else e.upper(), enc, hits).named("pc_out")


def share_among_others() -> rasp.SOp:
    """The share of 'x' among all positions but mine (selector_not of an index EQ) against my own 'x'."""
    is_x = _num01(lambda c: c == "x", rasp.tokens, "ao2_x")
    others = rasp.selector_not(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ)).named(
        "ao2_others")
    share = _mean(others, is_x).named("ao2_share")
    return rasp.numerical(rasp.LinearSequenceMap(share, is_x, 1, -0.5)).named("ao2_out")


def prev_is_a_share() -> rasp.SOp:
    """Two hops: the previous token (a look-back), whether it is 'a' (a numerical Map), averaged over all."""
    prev = _prev(rasp.tokens, "pa_prev")
    after_a = _num01(lambda c: c == "a", prev, "pa_after_a")
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("pa_all"), after_a).named(
        "pa_share")


def causal_custom_bos_len12() -> rasp.SOp:
    """causal=True with BOS '<s>' and PAD '<pad>', max_seq_len 12: any 'err' so far, and the previous word."""
    is_err = _num01(lambda w: w == "err", rasp.tokens, "cs_err")
    seen = _map(lambda x: x > 0, _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "cs_all"), is_err).named("cs_share")).named("cs_seen")
    prev = _prev(rasp.tokens, "cs_prev")
    return rasp.SequenceMap(lambda s, p: f"{'!' if s else ''}{p}", seen, prev).named("cs_out")


def substring_contains_width() -> rasp.SOp:
    """Words: how many words contain my first letter (`q in k`, keys the words, queries a Map)."""
    first = _map(lambda w: w[0], rasp.tokens).named("sc_first")
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, first, lambda k, q: q in k).named("sc_contains")).named(
        "sc_n")
    return rasp.SequenceMap(lambda w, k: f"{w}{k}", rasp.tokens, n).named("sc_out")


def top_half_rank_len9() -> rasp.SOp:
    """Max_seq_len 9: is my rank (LEQ width, up to 9) in the top half? Read by two SequenceMaps."""
    rank = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ).named(
        "th_leq")).named("th_rank")
    length = _length("th_len")
    top = rasp.SequenceMap(lambda r, n: 2 * r > n, rank, length).named("th_top")
    return rasp.SequenceMap(lambda t, x: f"{x}{'+' if t else '-'}", top, rasp.tokens).named("th_out")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("caesar_first_shift_20", "20 letters shifted by the first letter's code mod 5",
                 caesar_first_shift_20, LETTERS20, 8),
    SuiteProgram("is_sorted_len12", "10 ints at 12: 'sorted' unless some token is below its predecessor",
                 is_sorted_len12, DIGITS10, 12),
    SuiteProgram("median_flag_len9", "is my token a median: LT, GT, EQ widths, four SequenceMaps",
                 median_flag_len9, (0, 1, 2, 3, 4, 5), 9),
    SuiteProgram("inversion_count_tuples", "earlier larger tokens: custom Select over (token, index)",
                 inversion_count_tuples, (0, 1, 2, 3, 4, 5), 8),
    SuiteProgram("eight_comparison_means", "means of odd under all eight Comparisons, summed",
                 eight_comparison_means, (0, 1, 2, 3, 4), 5),
    SuiteProgram("neighbour_share_or_not", "vowels among neighbours (selector_or) minus the rest (not)",
                 neighbour_share_or_not, ("a", "b", "e", "k"), 7),
    SuiteProgram("bigram_repeat_count", "count of my bigram (a width over a SequenceMap of a look-back)",
                 bigram_repeat_count, ("a", "b", "c", "d"), 8),
    SuiteProgram("double_histogram_len6", "double histogram: positions whose count equals mine",
                 double_histogram_len6, ("a", "b", "c", "d"), 6),
    SuiteProgram("token_at_last_pointer", "token at the position named by the last token",
                 token_at_last_pointer, tuple(range(8)), 8),
    SuiteProgram("argsort_indices", "make_sort_unique of the indices: an argsort",
                 argsort_indices, (0, 1, 2, 3, 4), 7),
    SuiteProgram("mirror_count_equal", "my count minus the count at my mirror position",
                 mirror_count_equal, ("a", "b", "c"), 8),
    SuiteProgram("tuple_values_moved", "tuples (token, index parity) moved from two back",
                 tuple_values_moved, ("p", "q", "r"), 8),
    SuiteProgram("causal_distinct_share", "causal: share of first occurrences so far",
                 causal_distinct_share, tuple("abcdefghijkl"), 9, causal=True),
    SuiteProgram("causal_record_share_20", "causal, 20 ints: share of running-maximum records so far",
                 causal_record_share_20, INTS20, 8, causal=True),
    SuiteProgram("causal_far_tokens_not", "causal: earlier tokens not within 1 of mine (selector_not)",
                 causal_far_tokens_not, DIGITS10, 9, causal=True),
    SuiteProgram("causal_lexical_density", "causal, 25 words: content share flag and its change",
                 causal_lexical_density, WORDS25, 10, causal=True),
    SuiteProgram("word_mirror_upper", "24 words reversed, upper at odd positions, '!' if palindrome",
                 word_mirror_upper, WORDS24, 8),
    SuiteProgram("digit_sum_rank_40", "40 ints: digit sum and tokens with smaller digit sums",
                 digit_sum_rank_40, tuple(range(10, 50)), 6),
    SuiteProgram("spam_detector_30", "30 words: spam if any spam word, spam words starred",
                 spam_detector_30, WORDS30, 8),
    SuiteProgram("fibonacci_geq_share_36", "36 ints: share of Fibonacci numbers among tokens >= mine",
                 fibonacci_geq_share_36, tuple(range(36)), 8),
    SuiteProgram("vowel_count_geq_words", "24 words: vowel count GEQ width and w[1:3]",
                 vowel_count_geq_words, WORDS24, 7),
    SuiteProgram("class_of_first_40", "40 words, 3 classes: share matching the first word's class",
                 class_of_first_40, ITEMS40, 10),
    SuiteProgram("mixed_alnum_36", "digits (ints) and letters: kind and smaller-code count",
                 mixed_alnum_36, ALNUM36, 6),
    SuiteProgram("float_class_geq_mean_36", "36 ints -> 0/0.25/0.5/0.75, averaged under GEQ",
                 float_class_geq_mean_36, tuple(range(36)), 8),
    SuiteProgram("seen_flag_then_share", "numerical Map of a prefix mean averaged again",
                 seen_flag_then_share, ("x", "y", "z"), 8),
    SuiteProgram("custom_mod3_index_mean", "mean under (k + q) mod 3 == 0, plus a quarter share",
                 custom_mod3_index_mean, ("a", "b", "c"), 8),
    SuiteProgram("threshold_class_moved", "numerical->categorical Map moved by a look-back",
                 threshold_class_moved, ("h", "c", "w"), 8),
    SuiteProgram("affine_mod11_chain", "(7x + 3) mod 11, parity, look-back, width",
                 affine_mod11_chain, tuple(range(11)), 7),
    SuiteProgram("fourteen_line_report", "15 SOps: four widths and ten SequenceMaps",
                 fourteen_line_report, ("a", "b", "e", "o", "x"), 7),
    SuiteProgram("caesar_vigenere_pairs", "Vigenere step by the previous letter, hits among tokens",
                 caesar_vigenere_pairs, tuple("abcdefgh"), 8),
    SuiteProgram("twin_heads_different_names", "two identical prefix means under differently named Selects",
                 twin_heads_different_names, ("z", "y"), 9),
    SuiteProgram("string_slice_first_last", "words ending with my first letter: width and short share",
                 string_slice_first_last, WORDS24, 6),
    SuiteProgram("induction_next_token", "exact induction head: token after my token's previous occurrence",
                 induction_next_token, ("a", "b", "c", "d"), 8),
    SuiteProgram("mirror_word_output", "output a categorical Aggregate of a Map (plural at the mirror)",
                 mirror_word_output, ("cat", "dog", "bus", "fox", "box"), 8),
    SuiteProgram("first_a_marker_len16", "length 16: before / first / after the first 'a'",
                 first_a_marker_len16, ("a", "b", "c"), 16),
    SuiteProgram("causal_count_of_first", "causal: tokens so far equal to the first token",
                 causal_count_of_first, ("a", "b", "c", "d", "e"), 8, causal=True),
    SuiteProgram("causal_bracket_balance", "causal: numerical balance of two bracket kinds so far",
                 causal_bracket_balance, ("(", ")", "[", "]", "x"), 10, causal=True),
    SuiteProgram("reversed_word_leq", "24 words: reversed words at or before mine (LEQ on strings)",
                 reversed_word_leq, WORDS24, 7),
    SuiteProgram("self_seqmap_of_map_beside", "SequenceMap(f, m, m) beside SequenceMap(indices, indices)",
                 self_seqmap_of_map_beside, ("x", "y", "z"), 6),
    SuiteProgram("and_or_custom_width", "width of (LT and within 2) or EQ",
                 and_or_custom_width, DIGITS10, 8),
    SuiteProgram("position_cipher_30", "30 letters moved 7i along (30 x 9 table), hits among tokens",
                 position_cipher_30, LETTERS30, 9),
    SuiteProgram("share_among_others", "share of 'x' among the others (selector_not EQ) - half my own",
                 share_among_others, ("x", "y"), 8),
    SuiteProgram("prev_is_a_share", "share of positions whose previous token is 'a' (two hops)",
                 prev_is_a_share, ("a", "b", "c"), 8),
    SuiteProgram("causal_custom_bos_len12", "causal, BOS '<s>': any 'err' so far, previous word",
                 causal_custom_bos_len12, ("ok", "err", "warn", "info"), 12, compiler_bos="<s>",
                 compiler_pad="<pad>", causal=True),
    SuiteProgram("substring_contains_width", "words containing my first letter (q in k)",
                 substring_contains_width, ("ant", "bat", "tab", "nab", "cat", "act", "tan"), 7),
    SuiteProgram("top_half_rank_len9", "rank (LEQ width up to 9) in the top half, two SequenceMaps",
                 top_half_rank_len9, (0, 1, 2), 9),
]
