"""A zenith suite of hand-written Tracr programs, as researchers write them, unlike the twelve older suites.

Why: `tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`, `large/`, `horizon/`,
`outlook/`, `itself/`, `vista/` and `meridian/` all decompile, rotated and mixed. These were written
afterwards to probe combinations none of them uses: Tracr's `lib.py` composed with itself (`make_reverse`
of `make_sort` for a descending sort, `make_sort` keyed by `make_hist`, `make_frac_prevs` of a
bigram flag, `shift_by` of `make_hist`, `make_length` minus
`make_count`, `detect_pattern` of a bool Map with a bool pattern, a 3-ary `make_nary_sequencemap` of
strings, `make_pair_balance` and `make_frac_prevs` of a Map under causal=True, `make_count_less_freq`
under a BOS '<s>' and an empty-string PAD); string tasks (a palindrome by `make_reverse` and by
`make_sort_unique` of -index, a vowel count named in words (a predicate that ignores the query), the last and
the first occurrence, run starts counted so far, anagrams of the first word, a (vowel, upper) tuple
class counted); arithmetic (a running count by a width over (index, bit) keys, a running sum of 0/1/2
digits by two widths mod 10, a two-digit addition with a carry at max_seq_len 4, first against last, the
range (max - min) by one sort, the position of the first maximum, a numerical count times 100, a
numerical count times 0.001 and a categorical->numerical Map of 0.001, LinearSequenceMaps with
coefficients 2, -1 and 0.5 chained, a share of bool tokens averaged as they are); selectors over keys
and queries of different SOps and types (int tokens LEQ the index, word lengths against the index, a
Map of ints against a Map of indices to strings, tuple tokens against a Map of their digit), an NEQ
width checked against `selector_or(LT, GT)` (always True), `selector_and(selector_and(a, b),
selector_not(c))` of three custom predicates, GEQ on strings for an alphabetical rank; categorical Maps
that change type (int -> roman str -> bool -> tuple -> int, a chain of Maps fused by Tracr's default
simplify), words -> bool -> a mean -> a category; sizes (one token at max_seq_len 8, two tokens at
max_seq_len 1, 40 words at 3, bools at 9); deep programs (an 8-layer chain of 16 lines, 26 lines over
{0, 1} at 5) and
minimal ones (one Map to 100 / 0, one width keyed by the indices and queried by the tokens); causal
models (a running maximum flag, a first-occurrence mark); BOS and PAD strings ' ' and '', '<s>' and '',
'^' and '$'; a (min, max) tuple as the output; a numerical width LinearSequenceMap 0.5, 2. 56 programs,
vocabularies of 1 to 40, max_seq_len 1 to 9.

Each builder makes new expressions on every call. `examples/check_suites.py examples/zenith/suite.py`
checks that Tracr compiles each faithfully (the pitfalls avoided are listed in the docstrings of the older
suites: no SelectorWidth past 9, no categorical->numerical Map with negative outputs, means of values whose
int() is 0 or 1 only, numerical Maps of a mean only where constant between Tracr's foreseen values, no
categorical Aggregate that moves more values than its head's key space holds). Met here:
- Tracr's evaluator gives None wherever a SequenceMap or Map reads a None (it never calls the lambda), so
  a `shift_by` look-back cannot be cleared of its None by `lambda p: p is None or ...`: a Select over such
  a value fails in the evaluator ("'NoneType' object is not subscriptable"), and a mean of
  `detect_pattern`'s output averages None ("Only types int, bool, and float are supported for
  aggregation. Received sequence: [None, False]"). Run starts and the 'ab' share use a look-back clamped
  at the first position (k == max(q - 1, 0)) instead.
- A SequenceMap cannot be numerical ("(Non-linear) SequenceMap only supports categorical inputs/outputs"),
  also when `make_frac_prevs` makes its argument numerical: a 0/1 Map sits between (palindrome,
  fixed points, the 'ab' share).
- A categorical Aggregate by an index selector moving 8 words at max_seq_len 5 fails to assemble ("could
  not broadcast input array from shape (26,8) into shape (26,7)"): the anagram test holds 6 words.
- A SelectorWidth keyed by a value derived from a count through an Aggregate (a width of
  Select(both, both, EQ) where `both` holds a look-back of a flag of a mean of a lookup queried by a
  histogram) is not faithful (1,722 of 6,015 positions wrong: the width is 0 where it should be 3), as
  `novel/` found: the deep chain's last width is keyed by the tokens and queried by that value.
- Tracr compiles and runs a model with PAD '' (an empty string) faithfully; TraDe refuses it on loading
  (`trade.weights.check_config_claims`: "compiler_pad must be a non-empty string"). The two programs
  with PAD '' are kept as findings (README.md).
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

LETTERS6 = tuple("abcdef")
WORDS40 = ("ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "ibis", "jay", "kiwi", "lark", "mole",
           "newt", "owl", "pig", "quail", "rat", "seal", "toad", "urchin", "vole", "wasp", "yak", "zebra",
           "ape", "bat", "cow", "duck", "emu", "frog", "goat", "hare", "ibex", "koala", "lion", "mink",
           "orca", "puma", "ram")
ANAGRAM_WORDS = ("stop", "pots", "tops", "cat", "act", "dog")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII"}


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


def _mean(selector: rasp.Selector, values: rasp.SOp) -> rasp.SOp:
    return rasp.numerical(rasp.Aggregate(selector, values, default=0))


def _num01(f, sop: rasp.SOp, name: str | None = None) -> rasp.SOp:
    out = rasp.numerical(_map(lambda x: 1 if f(x) else 0, sop))
    return out.named(name) if name else out


def _at(index_sop: rasp.SOp, values: rasp.SOp) -> rasp.SOp:
    """The value at the position named by `index_sop` (one match)."""
    return rasp.Aggregate(rasp.Select(rasp.indices, index_sop, rasp.Comparison.EQ), values)


# --- Tracr's lib.py composed -------------------------------------------------------------------------------


def lib_reverse_of_sort() -> rasp.SOp:
    """Descending sort: `make_reverse` of `make_sort` (ints 0..4, repeats allowed)."""
    srt = lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=6, min_key=1)
    return lib.make_reverse(srt).named("descending")


def lib_sort_by_hist() -> rasp.SOp:
    """Tokens sorted by ascending frequency: `make_sort` keyed by `make_hist` (ties by position)."""
    return lib.make_sort(rasp.tokens, lib.make_hist(), max_seq_len=6, min_key=1).named("by_rarity")


def lib_frac_prevs_of_pattern() -> rasp.SOp:
    """Share of positions so far ending the bigram 'ab' (`make_frac_prevs` of a clamped look-back flag:
    `detect_pattern`'s None cannot be averaged)."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)),
                          rasp.tokens).named("ab_prev")
    found = rasp.SequenceMap(lambda t, p: p == "a" and t == "b", rasp.tokens, prev).named("ab_found")
    # make_frac_prevs makes its argument numerical, and a SequenceMap must stay categorical: a Map between
    return lib.make_frac_prevs(_map(lambda f: f, found).named("ab_flag"))


def lib_shift_of_hist() -> rasp.SOp:
    """`shift_by(1)` of `make_hist`: is the previous token at least as frequent as mine ('first' at 0)."""
    hist = lib.make_hist()
    prev = lib.shift_by(1, hist)
    return rasp.SequenceMap(lambda p, h: "first" if p is None else ("ge" if p >= h else "lt"), prev,
                            hist).named("prev_vs_mine")


def lib_length_minus_count() -> rasp.SOp:
    """`make_length` minus `make_count(tokens, 'x')`: tokens that are not 'x' (two widths, one layer)."""
    return rasp.SequenceMap(lambda n, c: n - c, lib.make_length(), lib.make_count(rasp.tokens, "x"))


def lib_detect_bool_pattern() -> rasp.SOp:
    """`detect_pattern` over a bool Map (is a vowel) with the bool pattern (True, False, True)."""
    vowel = _map(lambda c: c in "aeiou", rasp.tokens).named("is_vowel")
    return lib.detect_pattern(vowel, (True, False, True))


def lib_nary_three_strings() -> rasp.SOp:
    """A 3-ary `make_nary_sequencemap` of strings: token, its upper case and the index as a word."""
    upper = rasp.Map(lambda c: c.upper(), rasp.tokens)
    word = rasp.Map(lambda i: ("zero", "one", "two", "three", "four")[i], rasp.indices).named("idx_word")
    return lib.make_nary_sequencemap(lambda a, b, c: f"{a}{b}@{c}", rasp.tokens, upper, word).named("tagged")


def lib_pair_balance_causal() -> rasp.SOp:
    """causal=True: `make_pair_balance` of '<' and '>' (fraction of opens minus closes so far)."""
    return lib.make_pair_balance(rasp.tokens, "<", ">")


def lib_frac_prevs_map_causal() -> rasp.SOp:
    """causal=True: `make_frac_prevs` of a vowel Map over 8 letters."""
    return lib.make_frac_prevs(rasp.Map(lambda c: c in "aeiou", rasp.tokens).named("vowel"))


def lib_count_less_freq_odd_bos() -> rasp.SOp:
    """`make_count_less_freq(2)` over words, compiled with BOS '<s>' and PAD '' (an empty string)."""
    return lib.make_count_less_freq(2)


# --- string tasks ------------------------------------------------------------------------------------------


def palindrome_by_reverse() -> rasp.SOp:
    """Palindrome check: `make_reverse` compared with the tokens, any mismatch (a TRUE mean > 0)."""
    rev = lib.make_reverse(rasp.tokens)
    differs = rasp.SequenceMap(lambda a, b: a != b, rasp.tokens, rev)
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("pal_all"),
                  _num01(lambda d: d, differs, "pal_differs")).named("pal_share")
    return _map(lambda x: "no" if x > 0 else "yes", share).named("palindrome")


def palindrome_by_sort_unique() -> rasp.SOp:
    """Palindrome flag per position: `make_sort_unique` of the tokens by key -index (a reversal)."""
    neg = rasp.Map(lambda i: -i, rasp.indices).named("neg_index")
    rev = lib.make_sort_unique(rasp.tokens, neg)
    return rasp.SequenceMap(lambda a, b: a == b, rasp.tokens, rev).named("mirror_ok")


def vowel_count_in_words() -> rasp.SOp:
    """Vowels in the sequence (a width whose predicate ignores the query), named in words."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k in "aeiou"))
    return rasp.Map(lambda k: ("none", "one", "two")[k] if k < 3 else "many", n).named("vowels")




def last_occurrence_index() -> rasp.SOp:
    """The index of the last occurrence of my token ((token, index) keys, a custom 'later' predicate)."""
    ti = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("lo_ti")
    later = rasp.SelectorWidth(rasp.Select(ti, ti, lambda k, q: k[0] == q[0] and k[1] > q[1]).named(
        "lo_later")).named("lo_n_later")
    key = rasp.SequenceMap(lambda t, n: (t, n == 0), rasp.tokens, later).named("lo_key")
    query = rasp.Map(lambda t: (t, True), rasp.tokens).named("lo_query")
    return rasp.Aggregate(rasp.Select(key, query, rasp.Comparison.EQ).named("lo_sel"),
                          rasp.indices).named("lo_where")


def dedupe_first_occurrence() -> rasp.SOp:
    """Dedupe: the token at its first occurrence, '_' at repeats."""
    ti = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices)
    before = rasp.SelectorWidth(rasp.Select(ti, ti, lambda k, q: k[0] == q[0] and k[1] < q[1]))
    return rasp.SequenceMap(lambda t, n: t if n == 0 else "_", rasp.tokens, before).named("dedupe")


def run_starts_and_number() -> rasp.SOp:
    """Run-length flags: a run starts where the token differs from the previous (a clamped look-back);
    the count of run starts so far (changes of token)."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)),
                          rasp.tokens)
    start = rasp.SequenceMap(lambda t, p: t != p, rasp.tokens, prev).named("run_start")
    key = rasp.SequenceMap(lambda i, s: (i, s), rasp.indices, start).named("run_key")
    count = rasp.SelectorWidth(rasp.Select(key, rasp.indices, lambda k, q: k[1] and k[0] <= q).named(
        "run_sel")).named("run_number")
    return count


def anagram_of_first() -> rasp.SOp:
    """Words: is my word an anagram of the first word (sorted letters equal)."""
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    return rasp.SequenceMap(lambda a, b: sorted(a) == sorted(b), rasp.tokens, first.named("an_first")).named(
        "anagram")


def char_class_tuple_count() -> rasp.SOp:
    """Letters map to a (vowel, upper) tuple; count of my class; the class and count coded as an int."""
    cls = rasp.Map(lambda c: (c.lower() in "aeiou", c.isupper()), rasp.tokens).named("cc_class")
    n = rasp.SelectorWidth(rasp.Select(cls, cls, rasp.Comparison.EQ)).named("cc_n")
    return rasp.SequenceMap(lambda c, k: 10 * (2 * c[0] + c[1]) + k, cls, n).named("cc_code")


# --- arithmetic ------------------------------------------------------------------------------------------


def running_count_of_ones() -> rasp.SOp:
    """Bits at max_seq_len 8: the count of 1s so far (a width over (index, bit) keys, index queries)."""
    key = rasp.SequenceMap(lambda i, b: (i, b), rasp.indices, rasp.tokens)
    return rasp.SelectorWidth(rasp.Select(key, rasp.indices, lambda k, q: k[1] == 1 and k[0] <= q)).named(
        "ones_so_far")


def running_digit_sum_mod10() -> rasp.SOp:
    """Digits 0/1/2: the running sum mod 10, as the count of >=1 plus the count of >=2 so far."""
    key = rasp.SequenceMap(lambda i, d: (i, d), rasp.indices, rasp.tokens).named("rs_key")
    ge1 = rasp.SelectorWidth(rasp.Select(key, rasp.indices, lambda k, q: k[1] >= 1 and k[0] <= q))
    ge2 = rasp.SelectorWidth(rasp.Select(key, rasp.indices, lambda k, q: k[1] >= 2 and k[0] <= q))
    return rasp.SequenceMap(lambda a, b: (a + b) % 10, ge1.named("rs_ge1"),
                            ge2.named("rs_ge2")).named("rs_sum")


def two_digit_addition_carry() -> rasp.SOp:
    """max_seq_len 4, digits 3..8: (t0 t1) + (t2 t3) digit by digit, the carry moved from the next
    position."""
    partner = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == (q + 2) % 4),
                             rasp.tokens).named("ad_partner")
    total = rasp.SequenceMap(lambda a, b: -1 if b is None else a + b, rasp.tokens, partner).named("ad_sum")
    carry = rasp.Map(lambda s: s >= 10, total).named("ad_carry")
    nxt = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1 and q % 2 == 0),
                         carry).named("ad_next_carry")
    return rasp.SequenceMap(lambda s, c: -1 if s < 0 else (s + (1 if c else 0)) % 10,
                            total, nxt).named("ad_digit")


def first_versus_last() -> rasp.SOp:
    """Ints: '<', '=' or '>' comparing the first and the last token, at every position."""
    length = lib.make_length()
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    last_idx = rasp.Map(lambda n: n - 1, length)
    last = _at(last_idx, rasp.tokens)
    return rasp.SequenceMap(lambda a, b: "<" if a < b else ("=" if a == b else ">"), first,
                            last).named("fl_cmp")


def range_by_one_sort() -> rasp.SOp:
    """max - min of the tokens: `make_sort`, the first and the last sorted value."""
    srt = lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=6, min_key=1).named("rg_sorted")
    length = lib.make_length().named("rg_len")
    lo = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), srt).named("rg_min")
    hi = _at(rasp.Map(lambda n: n - 1, length), srt).named("rg_max")
    return rasp.SequenceMap(lambda a, b: b - a, lo, hi).named("rg_range")


def argmax_first_position() -> rasp.SOp:
    """The position of the first maximal token: a width of 'beats me' over (token, index), 0 wins."""
    ti = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("am_ti")
    beaten = rasp.SelectorWidth(rasp.Select(
        ti, ti, lambda k, q: k[0] > q[0] or (k[0] == q[0] and k[1] < q[1])).named("am_beats")).named("am_n")
    winner = rasp.Map(lambda n: n == 0, beaten).named("am_win")
    true = rasp.Map(lambda i: True, rasp.indices).named("am_true")
    return rasp.Aggregate(rasp.Select(winner, true, rasp.Comparison.EQ), rasp.indices).named("am_pos")


def numerical_count_times_100() -> rasp.SOp:
    """A numerical count of my token times 100 (a numerical Map with large outputs)."""
    n = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)))
    return rasp.numerical(_map(lambda k: 100 * k, n.named("c100_n"))).named("c100")


def numerical_count_times_thousandth() -> rasp.SOp:
    """A numerical count of tokens below mine times 0.001 (tiny outputs)."""
    n = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT)))
    return rasp.numerical(_map(lambda k: 0.001 * k, n)).named("milli_rank")


def tiny_weight_mean_plus_share() -> rasp.SOp:
    """A categorical->numerical Map of 0.001 for 'a' averaged, plus the share of 'b'
    (LinearSequenceMap 1, 1)."""
    w = rasp.numerical(_map(lambda t: 0.001 if t == "a" else 0, rasp.tokens)).named("tw_w")
    sel = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("tw_all")
    m1 = _mean(sel, w).named("tw_m1")
    m2 = _mean(sel, _num01(lambda t: t == "b", rasp.tokens, "tw_b")).named("tw_m2")
    return rasp.numerical(rasp.LinearSequenceMap(m1, m2, 1, 1)).named("tw_sum")


def linear_two_minus_one_half() -> rasp.SOp:
    """LinearSequenceMaps 2a - b, then 0.5 (2a - b) + 0.5 c of three prefix means."""
    pre = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("lh_pre")
    a = _mean(pre, _num01(lambda t: t == "a", rasp.tokens))
    b = _mean(pre, _num01(lambda t: t == "b", rasp.tokens))
    c = _mean(pre, _num01(lambda t: t == "c", rasp.tokens))
    two = rasp.numerical(rasp.LinearSequenceMap(a, b, 2, -1)).named("lh_2a_b")
    return rasp.numerical(rasp.LinearSequenceMap(two, c, 0.5, 0.5)).named("lh_out")


def bool_tokens_share() -> rasp.SOp:
    """Bool tokens at max_seq_len 9: a numerical identity Map of the bools averaged under LEQ."""
    bits = rasp.numerical(_map(lambda b: b, rasp.tokens)).named("bt_bits")
    return _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ), bits).named("bt_share")


# --- selectors over different SOps and types ---------------------------------------------------------------


def tokens_leq_index_width() -> rasp.SOp:
    """Int tokens as keys, indices as queries (LEQ): tokens no larger than my position."""
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.indices, rasp.Comparison.LEQ)).named("le_idx")


def word_length_equals_index() -> rasp.SOp:
    """Words as keys, indices as queries (len(k) == q): words as long as my index, as a string."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.indices, lambda k, q: len(k) == q))
    return rasp.Map(lambda k: f"n={k}", n).named("len_eq_idx")


def int_map_against_str_map() -> rasp.SOp:
    """Keys a Map of int tokens (t * 2), queries a Map of indices to str: str(k) == q, width."""
    doubled = rasp.Map(lambda t: t * 2, rasp.tokens).named("im_double")
    name = rasp.Map(lambda i: str(i), rasp.indices).named("im_name")
    return rasp.SelectorWidth(rasp.Select(doubled, name, lambda k, q: str(k) == q)).named("im_width")


def tuple_keys_digit_query() -> rasp.SOp:
    """(letter, digit) tokens as keys, a Map of the tokens to their digit as query: k[1] > q."""
    digit = rasp.Map(lambda t: t[1], rasp.tokens).named("tk_digit")
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, digit, lambda k, q: k[1] > q)).named("tk_above")


def neq_against_or_lt_gt() -> rasp.SOp:
    """The NEQ width against the width of selector_or(LT, GT): always equal (a True output)."""
    t = rasp.tokens
    neq = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.NEQ)).named("ng_neq")
    orr = rasp.SelectorWidth(rasp.selector_or(rasp.Select(t, t, rasp.Comparison.LT),
                                              rasp.Select(t, t, rasp.Comparison.GT))).named("ng_or")
    return rasp.SequenceMap(lambda a, b: a == b, neq, orr).named("ng_same")


def three_predicate_selector_mean() -> rasp.SOp:
    """selector_and(selector_and(same parity, smaller), selector_not(adjacent)): share of 0s (ints 0..7)."""
    t = rasp.tokens
    sel = rasp.selector_and(
        rasp.selector_and(rasp.Select(t, t, lambda k, q: k % 2 == q % 2),
                          rasp.Select(t, t, rasp.Comparison.LT)),
        rasp.selector_not(rasp.Select(t, t, lambda k, q: abs(k - q) == 2)))
    return _mean(sel, _num01(lambda x: x == 0, t, "tp_zero")).named("tp_share")


def alphabetical_rank_geq() -> rasp.SOp:
    """Words: the count of words alphabetically at or after mine (GEQ on strings), then first letter +
    rank."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named("ar_geq"))
    return rasp.SequenceMap(lambda w, k: f"{w[0]}{k}", rasp.tokens, n.named("ar_n")).named("ar_out")


# --- Maps that change type ---------------------------------------------------------------------------------


def int_roman_bool_tuple_chain() -> rasp.SOp:
    """int -> roman str -> contains 'V' bool -> (bool, len) tuple -> int, each Map its own line."""
    roman = _map(lambda t: ROMAN[t], rasp.tokens).named("rb_roman")
    has_v = _map(lambda s: "V" in s, roman).named("rb_has_v")
    pair = rasp.SequenceMap(lambda b, s: (b, len(s)), has_v, roman).named("rb_pair")
    return _map(lambda p: p[1] * (2 if p[0] else 1), pair).named("rb_score")


def fused_map_chain_as_key() -> rasp.SOp:
    """Three Maps with Tracr's default simplify (fused into one), used as a Select key (EQ width)."""
    m = rasp.Map(lambda x: x % 3, rasp.Map(lambda x: x + 1, rasp.Map(lambda x: x * 5, rasp.tokens)))
    return rasp.SelectorWidth(rasp.Select(m, m, rasp.Comparison.EQ)).named("fm_width")




def str_to_bool_to_count() -> rasp.SOp:
    """Words -> bool (has an 'a') -> numerical 0/1 -> mean under TRUE -> any (> 0) ->
    'mine'/'other'/'none'."""
    has = rasp.Map(lambda w: "a" in w, rasp.tokens).named("sb_has")
    num = _num01(lambda b: b, has, "sb_num")
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE), num).named("sb_share")
    seen = _map(lambda x: x > 0, share).named("sb_any")
    return rasp.SequenceMap(lambda x, h: ("mine" if h else "other") if x else "none", seen,
                            has).named("sb_out")


# --- sizes -----------------------------------------------------------------------------------------------


def one_token_length_word() -> rasp.SOp:
    """Vocabulary of one token at max_seq_len 8: the length in words."""
    return rasp.Map(lambda n: ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight")[n],
                    lib.make_length()).named("length_word")


def two_tokens_len1_mean() -> rasp.SOp:
    """max_seq_len 1, two tokens: a TRUE mean of a 0/1 Map (the value itself), numerical output."""
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE),
                 _num01(lambda t: t == "on", rasp.tokens)).named("l1_mean")


def forty_words_len3_initial_count() -> rasp.SOp:
    """40 words at max_seq_len 3: words sharing my initial (a string predicate), with my word's length."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] == q[0]))
    return rasp.SequenceMap(lambda w, k: (len(w), k), rasp.tokens, n.named("fw_n")).named("fw_out")


def forty_words_len3_class_lookup() -> rasp.SOp:
    """40 words at max_seq_len 3: the class (short / long) of the previous word."""
    cls = rasp.Map(lambda w: "short" if len(w) <= 3 else "long", rasp.tokens).named("fc_class")
    return lib.shift_by(1, cls).named("fc_prev_class")


def bools_len9_all_true() -> rasp.SOp:
    """Bools at max_seq_len 9: all True so far (the count of False so far is 0)."""
    key = rasp.SequenceMap(lambda i, b: (i, b), rasp.indices, rasp.tokens).named("at_key")
    falses = rasp.SelectorWidth(rasp.Select(key, rasp.indices, lambda k, q: (not k[1]) and k[0] <= q))
    return rasp.Map(lambda n: n == 0, falses.named("at_falses")).named("at_all")


# --- deep, long and minimal -------------------------------------------------------------------------------


def deep_chain_eight_layers() -> rasp.SOp:
    """A deep chain: hist, a lookup queried by it, a flag, a mean, a threshold, a look-back, a width."""
    t, i = rasp.tokens, rasp.indices
    hist = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.EQ).named("dc_eq")).named("dc_hist")
    # layer 2: the token at the position my count names (count - 1), a lookup with the count as query
    at = rasp.Aggregate(rasp.Select(i, rasp.Map(lambda h: h - 1, hist).named("dc_ptr"), rasp.Comparison.EQ),
                        t).named("dc_at")
    same = rasp.SequenceMap(lambda a, b: a == b, at, t).named("dc_same")
    same01 = _num01(lambda s: s, same, "dc_same01")
    share = _mean(rasp.Select(i, i, rasp.Comparison.LEQ).named("dc_pre"), same01).named("dc_share")
    seen = _map(lambda x: x > 0, share).named("dc_seen")
    prev = rasp.Aggregate(rasp.Select(i, i, lambda k, q: k == max(q - 1, 0)).named("dc_prev_sel"),
                          seen).named("dc_prev_seen")
    both = rasp.SequenceMap(lambda a, b: (a, b), seen, prev).named("dc_both")
    # the last width keyed by the tokens, queried by `both` (a width keyed by a value derived from a
    # count through an Aggregate is not faithful in Tracr)
    n = rasp.SelectorWidth(rasp.Select(t, both, lambda k, q: (k == "a") == q[0]).named("dc_match")).named(
        "dc_n")
    return rasp.SequenceMap(lambda b, k: f"{int(b[0])}{int(b[1])}:{k}", both, n).named("dc_out")


def many_lines_binary() -> rasp.SOp:
    """26 lines over bits at max_seq_len 5: neighbours, counts, flags and a code merged."""
    t, i = rasp.tokens, rasp.indices
    length = lib.make_length().named("mb_len")
    prev = rasp.Aggregate(rasp.Select(i, i, lambda k, q: k == q - 1).named("mb_ps"), t).named("mb_prev")
    nxt = rasp.Aggregate(rasp.Select(i, i, lambda k, q: k == q + 1).named("mb_ns"), t).named("mb_next")
    p0 = rasp.Map(lambda x: 0 if x is None else x, prev).named("mb_p0")
    n0 = rasp.Map(lambda x: 0 if x is None else x, nxt).named("mb_n0")
    ones = rasp.SelectorWidth(rasp.Select(t, t, lambda k, q: k == 1).named("mb_ones_sel")).named("mb_ones")
    zeros = rasp.SequenceMap(lambda n, o: n - o, length, ones).named("mb_zeros")
    local = rasp.SequenceMap(lambda a, b: a + b, p0, n0).named("mb_local")
    peak = rasp.SequenceMap(lambda x, l: x == 1 and l == 0, t, local).named("mb_peak")
    edge = rasp.SequenceMap(lambda x, p: x != p, t, p0).named("mb_edge")
    maj = rasp.SequenceMap(lambda o, z: 1 if o > z else (0 if o < z else 2), ones, zeros).named("mb_maj")
    agree = rasp.SequenceMap(lambda x, m: x == m, t, maj).named("mb_agree")
    parity = rasp.Map(lambda o: o % 2, ones).named("mb_parity")
    mid = rasp.Map(lambda n: (n - 1) // 2, length).named("mb_mid")
    at_mid = rasp.Aggregate(rasp.Select(i, mid, rasp.Comparison.EQ).named("mb_ms"), t).named("mb_at_mid")
    is_mid = rasp.SequenceMap(lambda j, m: j == m, i, mid).named("mb_is_mid")
    a = rasp.SequenceMap(lambda x, y: int(x) + 2 * int(y), peak, edge).named("mb_a")
    b = rasp.SequenceMap(lambda x, y: int(x) + 2 * y, agree, parity).named("mb_b")
    c = rasp.SequenceMap(lambda x, y: x + 2 * int(y), at_mid, is_mid).named("mb_c")
    ab = rasp.SequenceMap(lambda x, y: (x + y) % 4, a, b).named("mb_ab")
    return rasp.SequenceMap(lambda x, y: x * 4 + y, ab, c).named("mb_code")


def minimal_map_to_hundred() -> rasp.SOp:
    """One line: a categorical->numerical Map, 100 for 'b' and 0 otherwise (the output)."""
    return rasp.numerical(rasp.Map(lambda t: 100 if t == "b" else 0, rasp.tokens))


def minimal_indices_keys_tokens_queries() -> rasp.SOp:
    """Two lines: a width of Select(indices, tokens, EQ): 1 where my token names a position."""
    return rasp.SelectorWidth(rasp.Select(rasp.indices, rasp.tokens, rasp.Comparison.EQ))


# --- causal and odd BOS / PAD ---------------------------------------------------------------------------


def causal_running_max_flag() -> rasp.SOp:
    """causal=True: is my token a new running maximum (no larger token so far: a GT width is 0)."""
    bigger = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named("rm_gt"))
    return rasp.Map(lambda n: "max" if n == 0 else "-", bigger.named("rm_n")).named("rm_flag")


def causal_first_occurrence_mark() -> rasp.SOp:
    """causal=True: my token with '*' where it occurs for the first time (an EQ width so far is 1)."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)).named("fo_n")
    return rasp.SequenceMap(lambda t, k: t + "*" if k == 1 else t, rasp.tokens, n).named("fo_mark")


def space_bos_empty_pad_hist() -> rasp.SOp:
    """BOS ' ' and PAD '': `make_hist` joined with the token."""
    return rasp.SequenceMap(lambda t, h: f"{t}{h}", rasp.tokens, lib.make_hist()).named("sp_hist")


def caret_bos_dollar_pad_prev() -> rasp.SOp:
    """BOS '^' and PAD '$' over punctuation tokens: the previous token and mine as a pair ('^' at first)."""
    prev = lib.shift_by(1, rasp.tokens)
    return rasp.SequenceMap(lambda t, p: ("^" if p is None else p) + t, rasp.tokens, prev).named("cb_pair")


# --- a few more shapes researchers write ------------------------------------------------------------------


def fixed_point_share() -> rasp.SOp:
    """Ints 0..5: share of positions whose token equals its index (a SequenceMap, a 0/1 Map, a TRUE mean)."""
    fixed = rasp.SequenceMap(lambda t, i: t == i, rasp.tokens, rasp.indices)
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE),
                 _num01(lambda f: f, fixed, "fp_fixed")).named("fp_share")






def min_max_tuple_output() -> rasp.SOp:
    """The output a (min, max) tuple: two widths (nothing below / nothing above) and two lookups."""
    t, i = rasp.tokens, rasp.indices
    ti = rasp.SequenceMap(lambda a, b: (a, b), t, i).named("mm_ti")
    below = rasp.SelectorWidth(rasp.Select(ti, ti, rasp.Comparison.LT).named("mm_lt")).named("mm_below")
    above = rasp.SelectorWidth(rasp.Select(ti, ti, rasp.Comparison.GT).named("mm_gt")).named("mm_above")
    zero = rasp.Map(lambda x: 0, i).named("mm_zero")
    lo = rasp.Aggregate(rasp.Select(below, zero, rasp.Comparison.EQ).named("mm_lo_sel"), t).named("mm_lo")
    hi = rasp.Aggregate(rasp.Select(above, zero, rasp.Comparison.EQ).named("mm_hi_sel"), t).named("mm_hi")
    return rasp.SequenceMap(lambda a, b: (a, b), lo, hi).named("mm_pair")


def numerical_width_linear_half_double() -> rasp.SOp:
    """Numerical widths EQ and LT, LinearSequenceMap 0.5 and 2 (a weighted rank), numerical output."""
    eq = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)))
    lt = rasp.numerical(rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT)))
    return rasp.numerical(rasp.LinearSequenceMap(eq, lt, 0.5, 2)).named("wh_rank")


def mean_then_numerical_to_categorical_then_lookup() -> rasp.SOp:
    """A prefix mean of 'q' read by `x > 0`, moved one position on by a look-back, joined with the token."""
    share = lib.make_frac_prevs(rasp.tokens == "q")
    seen = _map(lambda x: x > 0, share).named("mq_seen")
    prev = lib.shift_by(1, seen)
    return rasp.SequenceMap(lambda t, p: t.upper() if p else t, rasp.tokens, prev).named("mq_out")




PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("lib_reverse_of_sort", "make_reverse of make_sort: descending",
                 lib_reverse_of_sort, (0, 1, 2, 3, 4), 6),
    SuiteProgram("lib_sort_by_hist", "make_sort keyed by make_hist: rare first",
                 lib_sort_by_hist, ("a", "b", "c"), 6),
    SuiteProgram("lib_frac_prevs_of_pattern", "make_frac_prevs of a clamped 'ab' bigram flag",
                 lib_frac_prevs_of_pattern, ("a", "b", "c"), 7),
    SuiteProgram("lib_shift_of_hist", "shift_by(1) of make_hist against my hist",
                 lib_shift_of_hist, ("a", "b", "c"), 6),
    SuiteProgram("lib_length_minus_count", "make_length minus make_count 'x'",
                 lib_length_minus_count, ("x", "y", "z"), 7),
    SuiteProgram("lib_detect_bool_pattern", "detect_pattern of a vowel Map, (True, False, True)",
                 lib_detect_bool_pattern, ("a", "e", "k", "t"), 7),
    SuiteProgram("lib_nary_three_strings", "3-ary make_nary_sequencemap of strings",
                 lib_nary_three_strings, ("a", "b", "c"), 5),
    SuiteProgram("lib_pair_balance_causal", "causal make_pair_balance '<' '>'",
                 lib_pair_balance_causal, ("<", ">", "x"), 8, causal=True),
    SuiteProgram("lib_frac_prevs_map_causal", "causal make_frac_prevs of a vowel Map",
                 lib_frac_prevs_map_causal, tuple("abeiko"), 8, causal=True),
    SuiteProgram("lib_count_less_freq_odd_bos", "make_count_less_freq(2), BOS '<s>', PAD ''",
                 lib_count_less_freq_odd_bos, ("red", "green", "blue"), 7, compiler_bos="<s>",
                 compiler_pad=""),
    SuiteProgram("palindrome_by_reverse", "palindrome check by make_reverse and a TRUE mean",
                 palindrome_by_reverse, ("a", "b", "c"), 6),
    SuiteProgram("palindrome_by_sort_unique", "mirror flag by make_sort_unique of -index",
                 palindrome_by_sort_unique, ("x", "y"), 7),
    SuiteProgram("vowel_count_in_words", "vowel count named in words",
                 vowel_count_in_words, tuple("aeklmo"), 6),
    SuiteProgram("last_occurrence_index", "index of the last occurrence of my token",
                 last_occurrence_index, ("a", "b", "c"), 6),
    SuiteProgram("dedupe_first_occurrence", "token at first occurrence, '_' at repeats",
                 dedupe_first_occurrence, ("p", "q", "r", "s"), 6),
    SuiteProgram("run_starts_and_number", "changes of token so far (run starts, clamped look-back)",
                 run_starts_and_number, ("a", "b"), 8),
    SuiteProgram("anagram_of_first", "anagram of the first word",
                 anagram_of_first, ANAGRAM_WORDS, 5),
    SuiteProgram("char_class_tuple_count", "(vowel, upper) class count coded as an int",
                 char_class_tuple_count, ("a", "A", "b", "B", "e"), 6),
    SuiteProgram("running_count_of_ones", "count of 1s so far at max_seq_len 8",
                 running_count_of_ones, (0, 1), 8),
    SuiteProgram("running_digit_sum_mod10", "running sum of 0/1/2 digits mod 10",
                 running_digit_sum_mod10, (0, 1, 2), 6),
    SuiteProgram("two_digit_addition_carry", "two-digit addition with a carry at max_seq_len 4",
                 two_digit_addition_carry, (3, 4, 5, 6, 7, 8), 4),
    SuiteProgram("first_versus_last", "first token against last token",
                 first_versus_last, (1, 2, 3, 4), 6),
    SuiteProgram("range_by_one_sort", "max - min by make_sort",
                 range_by_one_sort, (0, 2, 3, 7), 6),
    SuiteProgram("argmax_first_position", "position of the first maximal token",
                 argmax_first_position, (0, 1, 2, 3), 6),
    SuiteProgram("numerical_count_times_100", "numerical count times 100",
                 numerical_count_times_100, ("a", "b", "c"), 6),
    SuiteProgram("numerical_count_times_thousandth", "numerical LT count times 0.001",
                 numerical_count_times_thousandth, (1, 2, 3, 4), 6),
    SuiteProgram("tiny_weight_mean_plus_share", "0.001-weight mean plus a share",
                 tiny_weight_mean_plus_share, ("a", "b", "c"), 6),
    SuiteProgram("linear_two_minus_one_half", "LinearSequenceMaps 2, -1 then 0.5, 0.5",
                 linear_two_minus_one_half, ("a", "b", "c"), 7),
    SuiteProgram("bool_tokens_share", "share of True so far, bool tokens at 9",
                 bool_tokens_share, (False, True), 9),
    SuiteProgram("tokens_leq_index_width", "int tokens LEQ my index, a width",
                 tokens_leq_index_width, (0, 1, 2, 3, 4, 5), 6),
    SuiteProgram("word_length_equals_index", "words as long as my index",
                 word_length_equals_index, ("a", "ab", "abc", "to", "the", "four"), 6),
    SuiteProgram("int_map_against_str_map", "Map of ints against a Map of indices to str",
                 int_map_against_str_map, (0, 1, 2, 3), 7),
    SuiteProgram("tuple_keys_digit_query", "tuple tokens against a Map of their digit",
                 tuple_keys_digit_query, (("a", 1), ("b", 2), ("a", 3), ("c", 2)), 6),
    SuiteProgram("neq_against_or_lt_gt", "NEQ width equals selector_or(LT, GT) width",
                 neq_against_or_lt_gt, (1, 2, 3), 6),
    SuiteProgram("three_predicate_selector_mean", "selector_and of two and a selector_not: share of 0",
                 three_predicate_selector_mean, tuple(range(8)), 6),
    SuiteProgram("alphabetical_rank_geq", "GEQ on words: alphabetical rank",
                 alphabetical_rank_geq, ("apple", "banana", "cherry", "date", "fig"), 6),
    SuiteProgram("int_roman_bool_tuple_chain", "int -> roman -> bool -> tuple -> int",
                 int_roman_bool_tuple_chain, tuple(range(1, 9)), 5),
    SuiteProgram("fused_map_chain_as_key", "three fused Maps as a Select key",
                 fused_map_chain_as_key, (0, 1, 2, 3, 4), 6),
    SuiteProgram("str_to_bool_to_count", "words -> bool -> 0/1 mean -> category",
                 str_to_bool_to_count, ("cat", "dog", "bat", "owl"), 6),
    SuiteProgram("one_token_length_word", "one token at max_seq_len 8: length in words",
                 one_token_length_word, ("z",), 8),
    SuiteProgram("two_tokens_len1_mean", "max_seq_len 1, two tokens, a TRUE mean",
                 two_tokens_len1_mean, ("on", "off"), 1),
    SuiteProgram("forty_words_len3_initial_count", "40 words at 3: same initial count",
                 forty_words_len3_initial_count, WORDS40, 3),
    SuiteProgram("forty_words_len3_class_lookup", "40 words at 3: previous word's class",
                 forty_words_len3_class_lookup, WORDS40, 3),
    SuiteProgram("bools_len9_all_true", "bools at 9: all True so far",
                 bools_len9_all_true, (False, True), 9),
    SuiteProgram("deep_chain_eight_layers", "8-layer chain of widths, lookups, means, flags",
                 deep_chain_eight_layers, ("a", "b", "c"), 6),
    SuiteProgram("many_lines_binary", "26 lines over bits at 5",
                 many_lines_binary, (0, 1), 5),
    SuiteProgram("minimal_map_to_hundred", "one line: 100 for 'b'",
                 minimal_map_to_hundred, ("a", "b", "c"), 5),
    SuiteProgram("minimal_indices_keys_tokens_queries", "width of Select(indices, tokens, EQ)",
                 minimal_indices_keys_tokens_queries, (0, 2, 4, 6), 5),
    SuiteProgram("causal_running_max_flag", "causal: new running maximum",
                 causal_running_max_flag, (0, 1, 2, 3, 4), 7, causal=True),
    SuiteProgram("causal_first_occurrence_mark", "causal: first occurrence marked",
                 causal_first_occurrence_mark, ("a", "b", "c"), 7, causal=True),
    SuiteProgram("space_bos_empty_pad_hist", "BOS ' ', PAD '': make_hist with the token",
                 space_bos_empty_pad_hist, ("a", "b", "c"), 6, compiler_bos=" ", compiler_pad=""),
    SuiteProgram("caret_bos_dollar_pad_prev", "BOS '^', PAD '$': previous token pair",
                 caret_bos_dollar_pad_prev, (".", ",", "!", "?"), 6, compiler_bos="^", compiler_pad="$"),
    SuiteProgram("fixed_point_share", "share of positions with token == index",
                 fixed_point_share, tuple(range(6)), 6),
    SuiteProgram("min_max_tuple_output", "(min, max) tuple output",
                 min_max_tuple_output, (1, 3, 5, 7), 6),
    SuiteProgram("numerical_width_linear_half_double", "0.5 * EQ width + 2 * LT width",
                 numerical_width_linear_half_double, (0, 1, 2), 6),
    SuiteProgram("mean_then_numerical_to_categorical_then_lookup", "'q' seen before the previous position",
                 mean_then_numerical_to_categorical_then_lookup, ("p", "q", "r"), 7),
]
