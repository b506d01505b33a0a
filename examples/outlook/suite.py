"""An outlook suite of hand-written Tracr programs, kept unlike the eight older suites.

Why: `tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`, `large/` and `horizon/` all
decompile, rotated and mixed. These were written afterwards as probes of idioms none of them uses:
vocabularies of words that are prefixes of one another ("a", "ab", "abc", "abd", "b", "ba", read by a
`startswith` predicate and by a Map of the first letter); floats 5e-17 apart as tokens (0.3 and
0.1 + 0.2), added and sorted (`make_sort` with min_key 0.001); quotes, a backslash, a newline, a space
and '#' as tokens; tokens spelled like Tracr's specials ('BOS', 'PAD', 'bos', 'pad', under BOS '[CLS]'
and PAD '[PAD]', with outputs 'BOS' and 'PAD'), int tokens under a BOS named '0' and a PAD named '5',
and under a BOS named 'one' and a PAD named 'tokens' (Tracr's own residual names); huge int tokens
(+-2^40); one token at max_seq_len 12; two-token vocabularies (bools, 'a'/'ab') at max_seq_len 11 and 12;
outputs that look alike (1, '1 ', 1.5, (1,), '(1)', their reprs) and nested tuples; a Map that returns
None as a value, read by a SequenceMap; numerical outputs of thousandths and of 1e5; a negative
fractional mean (a numerical Map of a numerical width to (1 - n) / 10, averaged) beside its 0/1 twin
(n mod 2); a LinearSequenceMap of one SOp with itself; SequenceMaps of `tokens` with `tokens` and of
`indices` with `indices`; a non-injective dict table read by GT and NEQ widths; SelectorWidths under
Comparison.FALSE, TRUE and selector_not(NEQ); string keys against string queries in a one-position
lookup; a 12-layer chain of Maps and look-backs; ten heads in one layer (five lookups, five means)
summed by a tree of SequenceMaps; one Select read by a categorical Aggregate, a numerical mean and a
SelectorWidth; causal models with bools at max_seq_len 10, at max_seq_len 2 and 1, `make_length` (the
position), `make_sort_unique` and a numerical width through (n - 2)^2; and Tracr's `lib.py` at arguments
no suite uses (`detect_pattern` of a 1-long pattern, `make_sort_freq` of bools, `make_count_less_freq(1)`,
`shift_by(0)`, a 2-ary `make_nary_sequencemap`).

Each builder makes new expressions on every call. `examples/check_suites.py examples/outlook/suite.py`
checks that Tracr compiles each faithfully (checked here also on every input, and under several
PYTHONHASHSEEDs; the pitfalls avoided are listed in the docstrings of the older suites). Met here:
- Tracr's compiled model depends on the hash seed when a categorical value set holds values of
  different types whose `str` is equal (1.5 and '1.5', or (1,) and '(1,)', moved by one Aggregate:
  faithful under some PYTHONHASHSEEDs and not others, since Tracr orders mixed-type values by `str`), so
  the lookalikes here differ in `str` ('1 ' and '(1)'), and a repr is written '<...>'.
- A BOS named '0' over int tokens 0..3 (PAD '1') was not faithful with an LT SelectorWidth (4,497 of
  6,372 positions wrong, and with an EQ width beside a look-back): the digit BOS is kept over tokens 1..4.
- Tracr's SelectorWidth fails to compile over frozenset tokens (subset order is partial: "image of one
  from input_space ..."), and a program must read `tokens` (one token at max_seq_len 12 reads
  `indices` only through a SequenceMap with the token).
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

PREFIXED = ("a", "ab", "abc", "abd", "b", "ba")
CLOSE_FLOATS = (0.1, 0.2, 0.3, 0.1 + 0.2)  # 0.3 and 0.30000000000000004 are two tokens
QUOTES = ("'", '"', "\\", "\n", "a b", "#")
SPECIAL_NAMES = ("BOS", "PAD", "bos", "pad", "x")
BOOLS = (False, True)
BIG_INTS = (-(2**40), 0, 7, 2**40)
LOOKALIKE = {"a": 1, "b": "1 ", "c": 1.5, "d": (1,), "e": "(1)"}  # values that print alike


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


def _num_width(selector: rasp.Selector) -> rasp.SOp:
    return rasp.numerical(rasp.SelectorWidth(selector))


def _mean(selector: rasp.Selector, values: rasp.SOp) -> rasp.SOp:
    return rasp.numerical(rasp.Aggregate(selector, values, default=0))


def _prev(sop: rasp.SOp, name: str, back: int = 1) -> rasp.SOp:
    """The value `back` positions before mine (the first position's own value at the start)."""
    sel = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - back, 0)).named(f"{name}_sel")
    return rasp.Aggregate(sel, sop).named(name)


# --- vocabularies ----------------------------------------------------------------------------------------


def prefix_words_prefix_count() -> rasp.SOp:
    """Words that are prefixes of one another: how many other tokens are a proper prefix of mine, tagged."""
    proper = rasp.Select(rasp.tokens, rasp.tokens,
                         lambda k, q: q.startswith(k) and k != q).named("proper_prefix")
    n = rasp.SelectorWidth(proper).named("n_prefixes")
    return rasp.SequenceMap(lambda t, c: f"{t}:{c}", rasp.tokens, n).named("prefix_tag")


def prefix_words_first_letter_share() -> rasp.SOp:
    """Shared-prefix words: share of words beginning like mine (a Map of w[:1] as keys and queries), > 0."""
    head = _map(lambda w: w[:1], rasp.tokens).named("head_letter")
    longer = rasp.numerical(_map(lambda w: 1 if len(w) > 1 else 0, rasp.tokens)).named("is_long")
    share = _mean(rasp.Select(head, head, rasp.Comparison.EQ).named("same_head"), longer).named("long_share")
    flag = _map(lambda x: x > 0, share).named("some_long")
    return rasp.SequenceMap(lambda f, w: w + ("+" if f else "-"), flag, rasp.tokens).named("head_flag")


def close_floats_pair_sum() -> rasp.SOp:
    """Tokens 0.1, 0.2, 0.3 and 0.1 + 0.2: the previous token plus mine, floats that differ by 1e-16."""
    prev = _prev(rasp.tokens, "prev_float")
    return rasp.SequenceMap(lambda p, t: p + t, prev, rasp.tokens).named("float_pair_sum")


def close_floats_lib_sort() -> rasp.SOp:
    """`make_sort` of 0.1, 0.2, 0.3, 0.30000000000000004 with min_key 0.001 (keys 5e-17 apart)."""
    return lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=4, min_key=0.001).named("sorted_close")


def quote_tokens_concat() -> rasp.SOp:
    """Quotes, a backslash, a newline, a space and '#' as tokens: the previous one and mine, concatenated."""
    prev = _prev(rasp.tokens, "prev_quote")
    same = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_quote"))
    joined = rasp.SequenceMap(lambda p, t: p + t, prev, rasp.tokens).named("quote_join")
    return rasp.SequenceMap(lambda j, n: j if n == 1 else j + "'", joined,
                            same.named("n_quote")).named("quoted")


def special_names_as_tokens() -> rasp.SOp:
    """Tokens 'BOS', 'PAD', 'bos', 'pad' (the model's own are '[CLS]', '[PAD]'): outputs named alike."""
    is_bos = rasp.numerical(_map(lambda t: 1 if t == "BOS" else 0, rasp.tokens)).named("is_BOS_tok")
    seen = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("upto_me"), is_bos)
    flag = _map(lambda x: x > 0, seen.named("bos_share")).named("bos_seen")
    pads = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k.lower() == "pad").named("pad_like")
    ).named("n_pad_like")
    return rasp.SequenceMap(
        lambda f, n: "BOS" if f else ("PAD" if n else "bos"), flag, pads
    ).named("special_out")


def int_vocab_digit_specials() -> rasp.SOp:
    """Int tokens 1..4 with BOS named '0' and PAD named '5' (strings): my count, the previous token,
    smaller."""
    same = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("int_eq"))
    below = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("int_lt"))
    prev = _prev(rasp.tokens, "int_prev")
    a = rasp.SequenceMap(lambda n, p: 10 * n + p, same.named("n_int_eq"), prev).named("count_prev")
    return rasp.SequenceMap(lambda a, b: 10 * a + b, a, below.named("n_int_lt")).named("count_prev_below")


def specials_named_one_tokens() -> rasp.SOp:
    """Int tokens 0..3 with BOS named 'one' and PAD named 'tokens' (Tracr's own residual names)."""
    one = _map(lambda t: t + 1, rasp.tokens).named("plus_one")
    below = rasp.SelectorWidth(rasp.Select(one, rasp.tokens, rasp.Comparison.LEQ).named("one_leq"))
    return rasp.SequenceMap(lambda o, n: o * n, one, below.named("n_one_leq")).named("one_times")


def single_token_len12() -> rasp.SOp:
    """One token at max_seq_len 12: token + (i // 2) mod 4, moved from position i // 2, with i mod 3."""
    code = rasp.SequenceMap(lambda t, i: f"{t}{i % 4}", rasp.tokens, rasp.indices).named("t_i_mod4")
    half = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q // 2).named("half_pos"), code
    ).named("half_code")
    return rasp.SequenceMap(lambda h, i: f"{h}.{i % 3}", half, rasp.indices).named("half_dot")


def bool_len11_neighbours() -> rasp.SOp:
    """Bools at max_seq_len 11: whether my token differs from (previous and not the one two back)."""
    p1 = _prev(rasp.tokens, "b_prev1")
    p2 = _prev(rasp.tokens, "b_prev2", back=2)
    mix = rasp.SequenceMap(lambda a, b: a and not b, p1, p2).named("b_mix")
    return rasp.SequenceMap(lambda t, m: t != m, rasp.tokens, mix).named("b_differs")


def two_words_len12_share() -> rasp.SOp:
    """Two words ('a', 'ab') at max_seq_len 12: whether any 'ab' so far, and whether it equals the
    previous."""
    is_ab = rasp.numerical(_map(lambda t: 1 if t == "ab" else 0, rasp.tokens)).named("is_ab")
    share = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("ab_prefix"), is_ab)
    seen = _map(lambda x: "seen" if x > 0 else "none", share.named("ab_share")).named("ab_seen")
    prev = _prev(rasp.tokens, "w_prev")
    same = rasp.SequenceMap(lambda p, t: p == t, prev, rasp.tokens).named("w_same")
    return rasp.SequenceMap(lambda s, e: s + ("=" if e else "!"), seen, same).named("ab_report")


def big_int_tokens_rank() -> rasp.SOp:
    """Tokens -2^40, 0, 7, 2^40: tokens smaller than mine, and mine // 2^38 + that count."""
    below = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("big_lt"))
    return rasp.SequenceMap(lambda t, n: t // 2**38 + n, rasp.tokens,
                            below.named("n_big_lt")).named("big_rank")


# --- values: lookalikes, None, tiny and huge numbers, negative means --------------------------------------


def lookalike_output_values() -> rasp.SOp:
    """A Map to 1, '1', 1.5, (1,) and 'one', moved from the previous position (values that print alike)."""
    val = _map(lambda c: LOOKALIKE[c], rasp.tokens).named("lookalike")
    return _prev(val, "prev_lookalike")


def lookalike_seqmap_repr() -> rasp.SOp:
    """The same lookalikes: the value where it is unique, else its repr (so 1 and '1' both occur)."""
    val = _map(lambda c: LOOKALIKE[c], rasp.tokens).named("lookalike2")
    same = rasp.Select(val, val, rasp.Comparison.EQ).named("same_lookalike")
    n = rasp.SelectorWidth(same).named("n_lookalike")
    return rasp.SequenceMap(lambda v, c: v if c == 1 else f"<{v!r}>", val, n).named("lookalike_repr")


def explicit_none_values() -> rasp.SOp:
    """A Map that returns None for 'c' (a value, not an empty Aggregate), read by a SequenceMap."""
    up = _map(lambda c: None if c == "c" else c.upper(), rasp.tokens).named("upper_or_none")
    return rasp.SequenceMap(lambda u, i: "gap" if u is None else u * (i % 2 + 1), up, rasp.indices).named(
        "none_read"
    )


def tiny_numerical_output() -> rasp.SOp:
    """A categorical->numerical Map to thousandths plus 0.001 * share of 'a' (a numerical output ~1e-3)."""
    tiny = rasp.numerical(_map(lambda c: {"a": 0.001, "b": 0.002, "c": 0.0, "d": 0.004}[c], rasp.tokens))
    is_a = rasp.numerical(_map(lambda c: 1 if c == "a" else 0, rasp.tokens)).named("tiny_is_a")
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("tiny_all"), is_a)
    return rasp.numerical(rasp.LinearSequenceMap(tiny.named("thousandths"), share.named("a_share_t"), 1,
                                                 0.001)).named(
        "tiny_sum"
    )


def huge_numerical_output() -> rasp.SOp:
    """2500 * (numerical count of my token) + a Map to 0, 40000, 100000: a numerical output up to 1e5."""
    count = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("huge_eq")).named(
        "huge_count"
    )
    big = rasp.numerical(_map(lambda c: {"x": 0, "y": 40000, "z": 100000}[c], rasp.tokens)).named("huge_map")
    return rasp.numerical(rasp.LinearSequenceMap(count, big, 2500, 1)).named("huge_sum")


def negative_fraction_mean() -> rasp.SOp:
    """A numerical Map of a numerical width to (1 - n) / 10 <= 0, averaged over the prefix: a negative
    mean."""
    count = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("neg_eq")).named(
        "neg_count"
    )
    neg = rasp.numerical(_map(lambda n: (1 - n) / 10, count)).named("neg_tenths")
    return _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("neg_prefix"), neg).named(
        "neg_mean"
    )


def width_parity_mean() -> rasp.SOp:
    """A numerical Map of a numerical width to 0/1 (n mod 2), averaged over the prefix (the 0/1 twin of
    the above)."""
    count = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("par_eq")).named(
        "par_count"
    )
    odd = rasp.numerical(_map(lambda n: n % 2, count)).named("par_odd")
    return _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("par_prefix"), odd).named(
        "par_mean"
    )


def linear_map_of_itself() -> rasp.SOp:
    """A LinearSequenceMap of one numerical width with itself: 2n - 0.5n = 1.5n."""
    count = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("self_eq")).named(
        "self_count"
    )
    return rasp.numerical(rasp.LinearSequenceMap(count, count, 2, -0.5)).named("self_linear")


def nested_tuple_outputs() -> rasp.SOp:
    """Outputs that are nested tuples: (token, (previous, token + previous))."""
    prev = _prev(rasp.tokens, "nest_prev")
    return rasp.SequenceMap(lambda a, b: (a, (b, a + b)), rasp.tokens, prev).named("nested")


def dict_table_gt_neq_widths() -> rasp.SOp:
    """A dict table to 17, -4, 17, 0, 250 (not injective): widths of GT and of NEQ on it, combined."""
    score = _map(lambda c: {"q": 17, "r": -4, "s": 17, "t": 0, "u": 250}[c], rasp.tokens).named("score")
    gt = rasp.SelectorWidth(rasp.Select(score, score, rasp.Comparison.GT).named("score_gt")).named("n_gt")
    ne = rasp.SelectorWidth(rasp.Select(score, score, rasp.Comparison.NEQ).named("score_ne")).named("n_ne")
    return rasp.SequenceMap(lambda a, b: a * 10 - b, gt, ne).named("gt_ne")


def false_true_not_widths() -> rasp.SOp:
    """SelectorWidths of FALSE (always 0), TRUE (length) and selector_not(NEQ) (my count), combined."""
    t = rasp.tokens
    never = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.FALSE).named("never")).named("n_never")
    always = rasp.SelectorWidth(rasp.Select(t, t, rasp.Comparison.TRUE).named("always")).named("n_always")
    same = rasp.SelectorWidth(
        rasp.selector_not(rasp.Select(t, t, rasp.Comparison.NEQ)).named("not_neq")
    ).named("n_not_neq")
    a = rasp.SequenceMap(lambda x, y: x - y, always, never).named("always_minus_never")
    return rasp.SequenceMap(lambda x, y: 10 * x + y, a, same).named("fts")


def string_key_lookup() -> rasp.SOp:
    """String keys 'p0'..'p6' (a Map of indices) against 'p{i // 2}' (queries): the token at i // 2,
    with mine."""
    key = _map(lambda i: f"p{i}", rasp.indices).named("p_key")
    query = _map(lambda i: f"p{i // 2}", rasp.indices).named("p_query")
    hit = rasp.Select(key, query, rasp.Comparison.EQ).named("p_hit")
    found = rasp.Aggregate(hit, rasp.tokens).named("p_found")
    return rasp.SequenceMap(lambda f, t: f + t, found, rasp.tokens).named("p_pair")


def tokens_with_itself() -> rasp.SOp:
    """SequenceMaps of tokens with tokens and of indices with indices (x, x), joined."""
    sq = rasp.SequenceMap(lambda a, b: a * b, rasp.tokens, rasp.tokens).named("t_squared")
    ii = rasp.SequenceMap(lambda a, b: a + b, rasp.indices, rasp.indices).named("i_doubled")
    return rasp.SequenceMap(lambda s, d: s - d, sq, ii).named("sq_minus_2i")


# --- structure: depth, width, one selector read three ways ----------------------------------------------


def deep_twelve_layers() -> rasp.SOp:
    """Twelve look-back layers, each after a Map of the value moved: a 12-layer model."""
    def mix(s: int):
        return lambda v: (v * (s % 3 + 1) + s) % 3

    x = rasp.tokens
    for step in range(12):
        x = _map(mix(step), x).named(f"deep_m{step}")
        x = _prev(x, f"deep_a{step}", back=step % 2 + 1)
    return x


def wide_ten_heads() -> rasp.SOp:
    """Ten heads in one layer (five lookups, five means), read by flags and summed by a SequenceMap tree."""
    idx, tok = rasp.indices, rasp.tokens
    is_a = rasp.numerical(_map(lambda c: 1 if c == "a" else 0, tok)).named("ten_is_a")
    lookups = [
        rasp.Aggregate(rasp.Select(idx, idx, p).named(f"ten_sel{n}"), tok).named(f"ten_look{n}")
        for n, p in enumerate([
            lambda k, q: k == 0,
            lambda k, q: k == max(q - 1, 0),
            lambda k, q: k == max(q - 2, 0),
            lambda k, q: k == q // 2,
            lambda k, q: k == q - q % 2,
        ])
    ]
    means = [
        _mean(sel.named(f"ten_msel{n}"), is_a).named(f"ten_mean{n}")
        for n, sel in enumerate([
            rasp.Select(idx, idx, rasp.Comparison.TRUE),
            rasp.Select(idx, idx, rasp.Comparison.LEQ),
            rasp.Select(idx, idx, rasp.Comparison.GEQ),
            rasp.Select(idx, idx, rasp.Comparison.LT),
            rasp.Select(tok, tok, rasp.Comparison.NEQ),
        ])
    ]
    flags = [_map(lambda c: 1 if c == "a" else 0, s).named(f"ten_f{n}") for n, s in enumerate(lookups)]
    flags += [_map(lambda x: 1 if x > 0 else 0, s).named(f"ten_g{n}") for n, s in enumerate(means)]
    while len(flags) > 1:
        merged = []
        for n in range(0, len(flags) - 1, 2):
            merged.append(rasp.SequenceMap(lambda a, b: a + b, flags[n], flags[n + 1]).named(
                f"ten_sum{len(flags)}_{n}"))
        if len(flags) % 2:
            merged.append(flags[-1])
        flags = merged
    return flags[0]


def one_select_three_reads() -> rasp.SOp:
    """One EQ Select read by a categorical Aggregate (equal ints), a numerical mean and a SelectorWidth."""
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("shared_eq")
    moved = rasp.Aggregate(same, rasp.tokens).named("eq_moved")
    odd = rasp.numerical(_map(lambda i: i % 2, rasp.indices)).named("idx_odd")
    odd_share = _mean(same, odd).named("eq_odd_share")
    width = rasp.SelectorWidth(same).named("eq_width")
    flag = _map(lambda x: x > 0, odd_share).named("eq_some_odd")
    a = rasp.SequenceMap(lambda m, w: m * 10 + w, moved, width).named("moved_width")
    return rasp.SequenceMap(lambda a, f: a if f else -a, a, flag).named("three_reads")


# --- causal models --------------------------------------------------------------------------------------


def causal_bool_len10_share() -> rasp.SOp:
    """causal=True, bools at max_seq_len 10: any True so far (a mean under TRUE) with the previous token."""
    as_num = rasp.numerical(_map(lambda b: 1 if b else 0, rasp.tokens)).named("cb_num")
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("cb_all"), as_num)
    flag = _map(lambda x: x > 0, share.named("cb_share")).named("cb_any")
    prev = _prev(rasp.tokens, "cb_prev")
    return rasp.SequenceMap(lambda f, p: f"{int(f)}{int(p)}", flag, prev).named("cb_report")


def causal_len2_first_and_count() -> rasp.SOp:
    """causal=True at max_seq_len 2: the first token and my position + 1 (width of TRUE)."""
    first = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("c2_first_sel"), rasp.tokens
    ).named("c2_first")
    upto = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("c2_all"))
    return rasp.SequenceMap(lambda f, n: f * n, first, upto.named("c2_upto")).named("c2_out")


def causal_len1_numerical() -> rasp.SOp:
    """causal=True at max_seq_len 1: a numerical Map of five float tokens (one position)."""
    table = {0.5: 1.0, 1.5: 0.25, 2.5: 0.0, 3.5: 0.75, 4.5: 0.5}
    return rasp.numerical(_map(lambda x: table[x], rasp.tokens)).named(
        "c1_value"
    )


def causal_lib_length() -> rasp.SOp:
    """causal=True: `make_length` (TRUE width) is my position + 1; joined with the token."""
    length = lib.make_length()
    return rasp.SequenceMap(lambda t, n: t * n, rasp.tokens, length).named("c_token_times")


def causal_lib_sort_unique() -> rasp.SOp:
    """causal=True: `make_sort_unique` of distinct-by-position keys (t * 10 + i), as Tracr's causal model
    reads it."""
    keys = rasp.SequenceMap(lambda t, i: t * 10 + i, rasp.tokens, rasp.indices).named("cs_keys")
    return lib.make_sort_unique(rasp.tokens, keys).named("cs_sorted")


def causal_numerical_width_map() -> rasp.SOp:
    """causal=True: numerical width of earlier-or-equal smaller-or-equal tokens, through (n - 2)^2."""
    leq = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ).named("cn_leq")).named("cn_n")
    return rasp.numerical(_map(lambda n: (n - 2) ** 2, leq)).named("cn_bowl")


# --- Tracr's lib.py at new arguments ---------------------------------------------------------------------


def lib_detect_pattern_one() -> rasp.SOp:
    """`detect_pattern` of a 1-long pattern ['b'] (no shift at all)."""
    return lib.detect_pattern(rasp.tokens, ["b"]).named("pattern_b")


def lib_sort_freq_bools() -> rasp.SOp:
    """`make_sort_freq` over bools at max_seq_len 6 (most frequent first)."""
    return lib.make_sort_freq(max_seq_len=6).named("sort_freq_bools")


def lib_count_less_freq_one() -> rasp.SOp:
    """`make_count_less_freq(1)`: tokens whose count is at most 1."""
    return lib.make_count_less_freq(1).named("less_freq_one")


def lib_nary_two_and_shift_zero() -> rasp.SOp:
    """`make_nary_sequencemap` of two SOps (a string), one of them `shift_by(0)` of the tokens."""
    same = lib.shift_by(0, rasp.tokens).named("shift0")
    return lib.make_nary_sequencemap(lambda a, i: f"{a}{i}", same, rasp.indices).named("nary2")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("prefix_words_prefix_count", "words that are prefixes of others: proper prefixes of mine",
                 prefix_words_prefix_count, PREFIXED, 5),
    SuiteProgram("prefix_words_first_letter_share", "shared-prefix words: any long word with my first letter",
                 prefix_words_first_letter_share, PREFIXED, 5),
    SuiteProgram("close_floats_pair_sum", "0.1, 0.2, 0.3, 0.1+0.2: previous plus mine (close floats)",
                 close_floats_pair_sum, CLOSE_FLOATS, 4),
    SuiteProgram("close_floats_lib_sort", "make_sort of 0.3 and 0.30000000000000004 (min_key 0.001)",
                 close_floats_lib_sort, CLOSE_FLOATS, 4),
    SuiteProgram("quote_tokens_concat", "quotes, backslash, newline as tokens: previous + mine",
                 quote_tokens_concat, QUOTES, 4),
    SuiteProgram("special_names_as_tokens", "tokens 'BOS', 'PAD', 'bos', 'pad' under BOS '[CLS]'",
                 special_names_as_tokens, SPECIAL_NAMES, 5, compiler_bos="[CLS]", compiler_pad="[PAD]"),
    SuiteProgram("int_vocab_digit_specials", "int tokens 1..4 with BOS '0' and PAD '5' (strings)",
                 int_vocab_digit_specials, (1, 2, 3, 4), 5, compiler_bos="0", compiler_pad="5"),
    SuiteProgram("specials_named_one_tokens", "int tokens 0..3 with BOS 'one' and PAD 'tokens'",
                 specials_named_one_tokens, (0, 1, 2, 3), 5, compiler_bos="one", compiler_pad="tokens"),
    SuiteProgram("single_token_len12", "one token at max_seq_len 12: code of i // 2 moved, i mod 3",
                 single_token_len12, ("z",), 12),
    SuiteProgram("bool_len11_neighbours", "bools at max_seq_len 11: differs from prev and not prev2",
                 bool_len11_neighbours, BOOLS, 11),
    SuiteProgram("two_words_len12_share", "'a' / 'ab' at max_seq_len 12: any 'ab' so far, same as previous",
                 two_words_len12_share, ("a", "ab"), 12),
    SuiteProgram("big_int_tokens_rank", "tokens +-2^40, 0, 7: t // 2^38 + smaller count",
                 big_int_tokens_rank, BIG_INTS, 5),
    SuiteProgram("lookalike_output_values", "1, '1', 1.5, (1,), 'one' moved from the previous position",
                 lookalike_output_values, tuple("abcde"), 5),
    SuiteProgram("lookalike_seqmap_repr", "lookalikes, or their repr when repeated",
                 lookalike_seqmap_repr, tuple("abcde"), 5),
    SuiteProgram("explicit_none_values", "a Map returning None, read by a SequenceMap",
                 explicit_none_values, ("a", "b", "c"), 6),
    SuiteProgram("tiny_numerical_output", "numerical output of thousandths (+ 0.001 * share)",
                 tiny_numerical_output, tuple("abcd"), 5),
    SuiteProgram("huge_numerical_output", "2500 * count + 0/40000/100000, numerical",
                 huge_numerical_output, ("x", "y", "z"), 6),
    SuiteProgram("negative_fraction_mean", "prefix mean of (1 - count) / 10 (negative)",
                 negative_fraction_mean, (0, 1, 2), 6),
    SuiteProgram("width_parity_mean", "prefix mean of (numerical count) mod 2",
                 width_parity_mean, (0, 1, 2), 6),
    SuiteProgram("linear_map_of_itself", "LinearSequenceMap(n, n, 2, -0.5) of a numerical width",
                 linear_map_of_itself, ("a", "b"), 6),
    SuiteProgram("nested_tuple_outputs", "(token, (previous, token + previous)) nested tuples",
                 nested_tuple_outputs, ("a", "b", "c"), 5),
    SuiteProgram("dict_table_gt_neq_widths", "dict table, widths of GT and NEQ on it",
                 dict_table_gt_neq_widths, tuple("qrstu"), 5),
    SuiteProgram("false_true_not_widths", "widths of FALSE, TRUE and selector_not(NEQ)",
                 false_true_not_widths, (1, 2, 3), 6),
    SuiteProgram("string_key_lookup", "string keys p{i} against p{i // 2}: token there + mine",
                 string_key_lookup, ("x", "y", "z"), 7),
    SuiteProgram("tokens_with_itself", "SequenceMap(tokens, tokens) - SequenceMap(indices, indices)",
                 tokens_with_itself, (-2, 1, 3), 5),
    SuiteProgram("deep_twelve_layers", "twelve Map + look-back rounds (12 layers)",
                 deep_twelve_layers, (0, 1, 2), 5),
    SuiteProgram("wide_ten_heads", "ten heads in one layer, flags summed by a tree",
                 wide_ten_heads, ("a", "b"), 6),
    SuiteProgram("one_select_three_reads", "one Select: categorical Aggregate, mean and width",
                 one_select_three_reads, (1, 2, 3), 6),
    SuiteProgram("causal_bool_len10_share", "causal bools at 10: any True so far, previous",
                 causal_bool_len10_share, BOOLS, 10, causal=True),
    SuiteProgram("causal_len2_first_and_count", "causal at max_seq_len 2: first token * position + 1",
                 causal_len2_first_and_count, ("u", "v", "w"), 2, causal=True),
    SuiteProgram("causal_len1_numerical", "causal at max_seq_len 1: numerical Map of float tokens",
                 causal_len1_numerical, (0.5, 1.5, 2.5, 3.5, 4.5), 1, causal=True),
    SuiteProgram("causal_lib_length", "causal make_length (position + 1) times the token",
                 causal_lib_length, ("a", "b", "c"), 7, causal=True),
    SuiteProgram("causal_lib_sort_unique", "causal make_sort_unique by t * 10 + i",
                 causal_lib_sort_unique, (0, 1, 2, 3), 5, causal=True),
    SuiteProgram("causal_numerical_width_map", "causal numerical LEQ width through (n - 2)^2",
                 causal_numerical_width_map, (0, 1, 2), 7, causal=True),
    SuiteProgram("lib_detect_pattern_one", "detect_pattern of the 1-long pattern ['b']",
                 lib_detect_pattern_one, ("a", "b", "c"), 6),
    SuiteProgram("lib_sort_freq_bools", "make_sort_freq over bools at max_seq_len 6",
                 lib_sort_freq_bools, BOOLS, 6),
    SuiteProgram("lib_count_less_freq_one", "make_count_less_freq(1)",
                 lib_count_less_freq_one, ("a", "b", "c"), 6),
    SuiteProgram("lib_nary_two_and_shift_zero", "make_nary_sequencemap of shift_by(0) and indices",
                 lib_nary_two_and_shift_zero, ("a", "b", "c"), 5),
]
