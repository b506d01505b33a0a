"""A horizon suite of hand-written Tracr programs, kept unlike the seven older suites.

Why: `tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/` and `large/` all decompile,
rotated, mixed and noisy. These were written afterwards as probes of idioms none of them uses: models
compiled with Tracr's `causal=True` (a prefix share under a TRUE selector, an occurrence count, a first
and a previous token, a numerical width beside a mean, one token at max_seq_len 9); numerical
SelectorWidths (`rasp.numerical(SelectorWidth(...))`, whose MLP writes the count as one number) read by
numerical Maps (n * n / 10, (n - 3)^2, 0.5 n - 1 with negative outputs), by a LinearSequenceMap with
fractional and negative coefficients, by a numerical->categorical Map, and a numerical length; integer
vocabularies with gaps and negatives ({-3, 0, 5, 7, 100}, 40 multiples of 7 from -50), negative float
tokens, and a vocabulary mixing ints, a float, strings and a tuple; a soft induction head (keys the
previous token, queries my token, a numerical mean of what follows); a custom rhyme predicate; a
Select whose keys are a Map and whose queries a SequenceMap (GEQ, and EQ as a width-one lookup);
nested selector_or / selector_and / selector_not combinations (three widths in one layer); numerical
Maps returning bools averaged by a numerical Aggregate; seven heads (three lookups, two means, a
categorical and a numerical width; five in one layer) and seven bool Maps; one Map read six
ways (a Select's keys, its queries, both, an Aggregate's values, a numerical Map, a SequenceMap);
an 8-layer numerical/categorical chain and a 7-layer chain of look-backs; categorical outputs of large signed ints
and of floats moved by attention; explicit `rasp.annotate` / `rasp.categorical` encodings around a
numerical identity Map of 1 / length; and Tracr's `lib.py` at arguments no suite uses (`make_sort`
of gapped negative ints, `make_sort` by half-step float keys with `min_key=0.5`, `make_sort_unique`
by tuple keys, `shift_by(2)` of a SequenceMap, a 6-long `detect_pattern`, `make_hist` over mixed
types, `make_frac_prevs` of a palindrome test, two `make_length`s under other names).

Each builder makes new expressions on every call. `examples/check_suites.py examples/horizon/suite.py`
checks that Tracr compiles each faithfully (the Tracr pitfalls avoided are listed in the docstrings of
`examples/handwritten/suite.py`, `examples/novel/suite.py`, `examples/wild/suite.py`,
`examples/frontier/suite.py` and `examples/large/suite.py`). Met here: Tracr compiles no `rasp.Full`
("cannot be translated to a model component"), nor a selector_and / selector_or of Selects over
different SOps (only ones Tracr simplifies into one Select), so constants are Maps of the indices and
combinations over tokens and indices use a SequenceMap key; `lib.py`'s builders name their lines
("length", "hist", "frac_prevs", "smaller", "target_pos", "sort"), so one program calling one twice
renames the results. And a SelectorWidth whose keys and queries are a numerical->categorical Map of a
numerical mean (`x > 0` of a prefix mean of a numerical Map of a numerical width) counted 0 for 1 at
max_seq_len 6 (149 of 1,073 positions wrong), so the 8-layer chain reads that flag only in MLPs.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

GAPPED = (-3, 0, 5, 7, 100)
GAPPED4 = (-3, 0, 5, 100)
NEG_FLOATS = (-1.5, -0.25, 0.0, 0.75, 2.5)
MIXED = (2, 3, 2.5, "two", "three", (2, 3))
SEVENS40 = tuple(7 * k - 50 for k in range(40))
RHYMES = ("cat", "hat", "dog", "log", "sun", "bun", "cot")
FRUIT = ("fig", "kiwi", "lime", "pear", "plum", "date")


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


def _num_width(selector: rasp.Selector) -> rasp.SOp:
    return rasp.numerical(rasp.SelectorWidth(selector))


def _mean(selector: rasp.Selector, values: rasp.SOp) -> rasp.SOp:
    return rasp.numerical(rasp.Aggregate(selector, values, default=0))


# --- vocabularies with gaps, negatives, floats and mixed types --------------------------------------


def gapped_ints_stable_sort() -> rasp.SOp:
    """`make_sort` of {-3, 0, 5, 7, 100} by themselves (min_key 1: keys x + i / 5), ties by position."""
    return lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1).named("sorted_gapped")


def gapped_ints_step_word() -> rasp.SOp:
    """{-3, 0, 5, 100}: my token minus the previous one (the first's own at the start), as a word."""
    prev = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("prev_or_first"),
        rasp.tokens,
    ).named("prev_gapped")
    step = rasp.SequenceMap(lambda t, p: t - p, rasp.tokens, prev).named("step")
    return _map(
        lambda d: "flat" if d == 0 else ("leap" if abs(d) >= 50 else ("up" if d > 0 else "down")), step
    ).named("step_word")


def negative_float_rank_affine() -> rasp.SOp:
    """Negative float tokens: how many are smaller (a numerical width), through 0.5 n - 1 (numerical)."""
    below = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("float_lt")).named(
        "n_float_below"
    )
    return rasp.numerical(_map(lambda n: 0.5 * n - 1, below)).named("half_rank_minus_one")


def mixed_type_kinds() -> rasp.SOp:
    """Ints, a float, strings and a tuple: my kind, and how many tokens share it."""
    kind = _map(lambda t: type(t).__name__, rasp.tokens).named("kind")
    mates = rasp.SelectorWidth(rasp.Select(kind, kind, rasp.Comparison.EQ).named("same_kind")).named(
        "n_same_kind"
    )
    return rasp.SequenceMap(lambda k, n: f"{k}x{n}", kind, mates).named("kind_count")


def lib_hist_mixed_types() -> rasp.SOp:
    """`make_hist` over ints, a float, strings and a tuple, paired with my token's repr length."""
    hist = lib.make_hist().named("hist_mixed")
    size = _map(lambda t: len(repr(t)), rasp.tokens).named("repr_len")
    return rasp.SequenceMap(lambda h, s: (h, s), hist, size).named("hist_and_size")


def vocab40_gapped_numeric_rank() -> rasp.SOp:
    """40 multiples of 7 from -50 at max_seq_len 3: tokens at least mine (numerical width), squared / 4."""
    geq = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named("geq40")).named(
        "n_geq40"
    )
    return rasp.numerical(_map(lambda n: n * n / 4, geq)).named("geq_squared")


# --- numerical SelectorWidths --------------------------------------------------------------------------


def numerical_width_squared() -> rasp.SOp:
    """Tokens at most mine as a numerical width, then n * n / 10 (numerical -> numerical)."""
    leq = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ).named("tok_leq")).named(
        "n_leq"
    )
    return rasp.numerical(_map(lambda n: n * n / 10, leq)).named("n_leq_squared")


def numerical_widths_linear() -> rasp.SOp:
    """0.5 * my count (numerical EQ width) - 0.25 * tokens smaller (numerical LT width)."""
    same = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_letter")).named(
        "n_same"
    )
    less = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("less_letter")).named(
        "n_less"
    )
    return rasp.numerical(rasp.LinearSequenceMap(same, less, 0.5, -0.25)).named("same_minus_less")


def numerical_width_to_word() -> rasp.SOp:
    """Words at least as long as mine (numerical width over a Map), read back as a word."""
    size = _map(len, rasp.tokens).named("fruit_len")
    longer = _num_width(rasp.Select(size, size, rasp.Comparison.GEQ).named("len_geq")).named("n_len_geq")
    return _map(lambda n: "few" if n < 2 else ("some" if n < 4 else "many"), longer).named("len_geq_word")


def numerical_length_polynomial() -> rasp.SOp:
    """A numerical length (width of TRUE) through (n - 3)^2 / 2, plus the share of 'a' (numerical)."""
    length = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("all_for_len")).named(
        "num_length"
    )
    bowl = rasp.numerical(_map(lambda n: (n - 3) ** 2 / 2, length)).named("length_bowl")
    is_a = rasp.numerical(_map(lambda t: 1 if t == "a" else 0, rasp.tokens)).named("is_a")
    share = _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("all_for_share"), is_a)
    return rasp.numerical(rasp.LinearSequenceMap(bowl, share.named("share_a"), 1, 1)).named("bowl_plus_share")


# --- causal models --------------------------------------------------------------------------------------


def causal_prefix_share() -> rasp.SOp:
    """causal=True: the mean of 'is a vowel' under a TRUE selector is the share of vowels so far."""
    vowel = rasp.numerical(_map(lambda c: 1 if c in "aeiou" else 0, rasp.tokens)).named("vowel01")
    return _mean(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("all_causal"), vowel).named(
        "vowel_share_so_far"
    )


def causal_occurrence_count() -> rasp.SOp:
    """causal=True: an EQ width counts my token so far; joined with the token."""
    count = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_causal"))
    return rasp.SequenceMap(lambda t, n: f"{t}{n}", rasp.tokens, count.named("occurrence")).named("tagged")


def causal_first_and_prev() -> rasp.SOp:
    """causal=True: the first token (a constant-0 Map as query) and the previous one (None first)."""
    zero = _map(lambda i: 0, rasp.indices).named("zero_q")
    first = rasp.Aggregate(rasp.Select(rasp.indices, zero, rasp.Comparison.EQ).named("at0"), rasp.tokens).named(
        "first_c"
    )
    prev = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1).named("back1"), rasp.tokens
    ).named("prev_c")
    return rasp.SequenceMap(
        lambda f, p: "same" if f == p else f + p, first, prev
    ).named("first_prev")


def causal_width_and_mean() -> rasp.SOp:
    """causal=True: 2 * (tokens so far unlike mine, numerical NEQ width) - 3 * (share of 'x' so far)."""
    unlike = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ).named("neq_causal")).named(
        "n_unlike"
    )
    is_x = rasp.numerical(_map(lambda c: 1 if c == "x" else 0, rasp.tokens)).named("is_x_c")
    share = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("true_idx"), is_x).named(
        "x_share_c"
    )
    return rasp.numerical(rasp.LinearSequenceMap(unlike, share, 2, -3)).named("unlike_vs_x")


def causal_single_token_len9() -> rasp.SOp:
    """causal=True, one token, max_seq_len 9: my position + 1 (a numerical width) through 1 / n."""
    upto = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("true_one")).named(
        "n_upto"
    )
    return rasp.numerical(_map(lambda n: 1 / n if n else 0, upto)).named("inverse_position")


# --- selectors built from Maps and SequenceMaps, custom predicates -----------------------------------


def seqmap_query_map_key_lookup() -> rasp.SOp:
    """Keys 3i mod 7 (a Map of indices), queries (t + i) mod 7 (a SequenceMap): the token found, doubled."""
    key = _map(lambda i: 3 * i % 7, rasp.indices).named("three_i")
    query = rasp.SequenceMap(lambda t, i: (t + i) % 7, rasp.tokens, rasp.indices).named("t_plus_i")
    found = rasp.Aggregate(rasp.Select(key, query, rasp.Comparison.EQ).named("key_hit"), rasp.tokens).named(
        "found"
    )
    return _map(lambda x: 2 * x, found).named("found_doubled")


def geq_weight_threshold_mean() -> rasp.SOp:
    """Keys a weight (Map), queries a threshold (SequenceMap of token and index), GEQ: share of plums."""
    weight = _map(lambda w: {"fig": 1, "kiwi": 3, "lime": 2, "pear": 4, "plum": 3, "date": 1}[w], rasp.tokens)
    threshold = rasp.SequenceMap(lambda w, i: (len(w) + i) % 5, rasp.tokens, rasp.indices).named("threshold")
    heavy = rasp.Select(weight.named("weight"), threshold, rasp.Comparison.GEQ).named("heavy_enough")
    plum = rasp.numerical(_map(lambda w: 1 if w == "plum" else 0, rasp.tokens)).named("is_plum")
    return _mean(heavy, plum).named("plum_share_heavy")


def nested_selector_widths() -> rasp.SOp:
    """Three widths in one layer of nested selector_or / selector_and / selector_not over the tokens."""
    t = rasp.tokens
    lt = rasp.Select(t, t, rasp.Comparison.LT)
    gt = rasp.Select(t, t, rasp.Comparison.GT)
    eq = rasp.Select(t, t, rasp.Comparison.EQ)
    odd = rasp.Select(t, t, lambda k, q: (k + q) % 2 == 1)
    a = rasp.SelectorWidth(rasp.selector_or(rasp.selector_and(lt, odd), eq).named("lt_odd_or_eq")).named("wa")
    b = rasp.SelectorWidth(rasp.selector_and(rasp.selector_not(eq), rasp.selector_not(odd)).named("neq_even"))
    c = rasp.SelectorWidth(rasp.selector_not(rasp.selector_or(gt, odd)).named("not_gt_or_odd")).named("wc")
    ab = rasp.SequenceMap(lambda x, y: x * 10 + y, a, b.named("wb")).named("wab")
    return rasp.SequenceMap(lambda x, y: x - y, ab, c).named("wabc")


def rhyme_selector_mean() -> rasp.SOp:
    """A rhyme predicate (same last two letters, another word): share of 4-letter-free rhymes, as a flag."""
    starts_early = rasp.numerical(_map(lambda w: 1 if w[0] < "h" else 0, rasp.tokens)).named("starts_early")
    rhyme = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[-2:] == q[-2:] and k != q).named("rhymes")
    share = _mean(rhyme, starts_early).named("early_rhyme_share")
    return _map(lambda x: "early-rhyme" if x > 0 else "no", share).named("early_rhyme")


def induction_soft_mean() -> rasp.SOp:
    """A soft induction head: over positions whose previous token is mine, the share holding 'a'."""
    prev = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("prev_pos_ind"), rasp.tokens
    ).named("prev_ind")
    key = rasp.SequenceMap(lambda p, i: p if i > 0 else "^", prev, rasp.indices).named("prev_or_caret")
    is_a = rasp.numerical(_map(lambda t: 1 if t == "a" else 0, rasp.tokens)).named("is_a_ind")
    follows = rasp.Select(key, rasp.tokens, rasp.Comparison.EQ).named("after_my_token")
    return _mean(follows, is_a).named("a_after_mine")


def bool_numerical_prefix_mean() -> rasp.SOp:
    """Numerical Maps returning True/False, averaged over the prefix, minus my own bool (numerical)."""
    late = rasp.numerical(_map(lambda c: c > "m", rasp.tokens)).named("is_late_bool")
    share = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix_bool"), late)
    return rasp.numerical(rasp.LinearSequenceMap(share.named("late_share"), late, 1, -1)).named("late_excess")


# --- width, sharing and depth ---------------------------------------------------------------------------


def wide_seven_heads() -> rasp.SOp:
    """Seven heads (3 lookups, 2 means, 2 widths; Tracr puts five in one layer), seven bool Maps, two sums."""
    idx, tok = rasp.indices, rasp.tokens
    first = rasp.Aggregate(rasp.Select(idx, idx, lambda k, q: k == 0).named("w_first"), tok).named("h_first")
    prev = rasp.Aggregate(rasp.Select(idx, idx, lambda k, q: k == max(q - 1, 0)).named("w_prev"), tok).named(
        "h_prev"
    )
    ahead = rasp.Aggregate(rasp.Select(idx, idx, lambda k, q: k == q + 2).named("w_ahead"), tok).named("h_ahead")
    is_a = rasp.numerical(_map(lambda c: 1 if c == "a" else 0, tok)).named("w_is_a")
    is_e = rasp.numerical(_map(lambda c: 1 if c == "e" else 0, tok)).named("w_is_e")
    a_all = _mean(rasp.Select(idx, idx, rasp.Comparison.TRUE).named("w_all"), is_a).named("h_a_all")
    e_after = _mean(rasp.Select(idx, idx, rasp.Comparison.GT).named("w_after"), is_e).named("h_e_after")
    same = rasp.SelectorWidth(rasp.Select(tok, tok, rasp.Comparison.EQ).named("w_same")).named("h_same")
    later = _num_width(rasp.Select(tok, tok, rasp.Comparison.GT).named("w_later")).named("h_later")
    m1 = _map(lambda c: c in "ab", first).named("m_first")
    m2 = _map(lambda c: c in "ae", prev).named("m_prev")
    m3 = _map(lambda c: c == "e", ahead).named("m_ahead")
    m4 = _map(lambda x: x > 0, a_all).named("m_a_all")
    m5 = _map(lambda x: x > 0, e_after).named("m_e_after")
    m6 = _map(lambda n: n % 2 == 0, same).named("m_same")
    m7 = _map(lambda n: n >= 2, later).named("m_later")
    x1 = rasp.SequenceMap(lambda a, b: int(a) + int(b), m1, m2).named("x1")
    x2 = rasp.SequenceMap(lambda a, b: int(a) + int(b), m3, m4).named("x2")
    x3 = rasp.SequenceMap(lambda a, b: int(a) + int(b), m5, m6).named("x3")
    x4 = rasp.SequenceMap(lambda a, b: a + b, x1, x2).named("x4")
    x5 = rasp.SequenceMap(lambda a, b: a + int(b), x3, m7).named("x5")
    return rasp.SequenceMap(lambda a, b: f"{a}+{b}", x4, x5).named("seven_heads")


def one_map_six_readers() -> rasp.SOp:
    """A class Map read as keys, as queries, as both, as an Aggregate's values, numerically and in a SequenceMap."""
    cls = _map(lambda c: "v" if c in "aeiou" else ("h" if c in "kpt" else "s"), rasp.tokens).named("cls")
    both = rasp.SelectorWidth(rasp.Select(cls, cls, rasp.Comparison.EQ).named("cls_both")).named("n_cls")
    as_key = rasp.SelectorWidth(
        rasp.Select(cls, rasp.tokens, lambda k, q: k == "v" and q != "a").named("cls_key")
    ).named("n_vowels_unless_a")
    as_query = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, cls, lambda k, q: q == "h" and k < "m").named("cls_query")
    ).named("n_early_if_hard")
    moved = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("cls_prev"), cls
    ).named("prev_cls")
    num = rasp.numerical(_map(lambda c: 1 if c == "s" else 0, cls)).named("cls_soft")
    soft = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("cls_all"), num).named(
        "soft_share"
    )
    tagged = rasp.SequenceMap(lambda c, i: c if i % 2 else c.upper(), cls, rasp.indices).named("cls_at")
    p = rasp.SequenceMap(lambda a, b: min(a, b), both, as_key).named("p_ab")
    q = rasp.SequenceMap(lambda a, b: (a + b) % 3, p, as_query).named("p_abc")
    r = rasp.SequenceMap(lambda a, b: a + b[0], moved, tagged).named("p_moved")
    s = rasp.SequenceMap(lambda a, b: f"{b}{a}", q, r).named("p_all")
    flag = _map(lambda x: x > 0, soft).named("any_soft")
    return rasp.SequenceMap(lambda a, f: a + ("+" if f else "-"), s, flag).named("six_readers")


def deep_numeric_categorical_chain() -> rasp.SOp:
    """Eight layers: numerical width, numerical 0/1 Map, prefix mean, flag, pointer back by my count, lookup, mean."""
    smaller = _num_width(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("d_lt")).named(
        "d_smaller"
    )
    even = rasp.numerical(_map(lambda n: 1 if n % 2 == 0 else 0, smaller)).named("d_even_rank")
    share = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("d_prefix"), even).named(
        "d_even_share"
    )
    flag = _map(lambda x: x > 0, share).named("d_flag")
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("d_tok_eq"))
    back = rasp.SequenceMap(lambda f, h: h if f else 0, flag, hist.named("d_hist")).named("d_back")
    pointer = rasp.SequenceMap(lambda b, i: max(i - b, 0), back, rasp.indices).named("d_pointer")
    there = rasp.Aggregate(rasp.Select(rasp.indices, pointer, rasp.Comparison.EQ).named("d_at"), rasp.tokens)
    odd = rasp.numerical(_map(lambda t: 1 if t % 2 else 0, there.named("d_there"))).named("d_odd")
    odd_share = _mean(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("d_all"), odd).named(
        "d_odd_share"
    )
    some = _map(lambda x: "odd" if x > 0 else "even", odd_share).named("d_some")
    return rasp.SequenceMap(lambda s, f: f"{s}{int(f)}", some, flag).named("d_report")


def deep_lookup_mix_rounds() -> rasp.SOp:
    """Five rounds of a look-back and a mod-4 mix with the token, then a rank letter: seven layers."""
    x = rasp.tokens
    for step in range(5):
        back = step % 3 + 1
        sel = rasp.Select(rasp.indices, rasp.indices, (lambda b: lambda k, q: k == max(q - b, 0))(back))
        moved = rasp.Aggregate(sel.named(f"e_sel{step}"), x).named(f"e_moved{step}")
        x = rasp.SequenceMap((lambda s: lambda a, b: (a * (s + 2) + b) % 4)(step), moved, rasp.tokens).named(
            f"e_mix{step}"
        )
    count = rasp.SelectorWidth(rasp.Select(x, x, rasp.Comparison.LEQ).named("e_leq")).named("e_count")
    return _map(lambda n: "abcdefg"[n], count).named("e_letter")


# --- outputs ------------------------------------------------------------------------------------------


def big_signed_int_output() -> rasp.SOp:
    """A categorical output of large signed ints: 1000 * token - 250 * index, and the token count."""
    scaled = rasp.SequenceMap(lambda t, i: 1000 * t - 250 * i, rasp.tokens, rasp.indices).named("scaled")
    count = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_int"))
    return rasp.SequenceMap(lambda s, n: s - 7 * n, scaled, count.named("int_count")).named("signed_code")


def float_values_moved() -> rasp.SOp:
    """Float categorical values moved by attention: the next position's minus mine (None at the end)."""
    price = _map(lambda c: {"a": 0.5, "b": 1.25, "c": -2.0, "d": 3.75}[c], rasp.tokens).named("price_f")
    nxt = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1).named("next_f"), price
    ).named("next_price")
    return rasp.SequenceMap(lambda n, p: n - p, nxt, price).named("price_step")


def annotated_identity_inverse_length() -> rasp.SOp:
    """Explicit encodings: an annotated numerical 1 / length through a numerical identity Map, then n."""
    first = rasp.annotate(_map(lambda i: 1 if i == 0 else 0, rasp.indices), encoding=rasp.Encoding.NUMERICAL)
    inv = rasp.annotate(
        rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("a_all"),
                       first.named("a_first"), default=0),
        encoding=rasp.Encoding.NUMERICAL,
    ).named("a_inv_len")
    same = rasp.numerical(_map(lambda x: x, inv)).named("a_identity")
    length = rasp.categorical(_map(lambda x: round(1 / x) if x else 0, same)).named("a_length")
    return rasp.categorical(rasp.SequenceMap(lambda n, t: f"{t}/{n}", length, rasp.tokens)).named("a_token_of_n")


# --- Tracr's lib.py at new arguments --------------------------------------------------------------------


def lib_sort_half_step_keys() -> rasp.SOp:
    """`make_sort` of fruit by a half-step float key (min_key 0.5), ties by position."""
    key = _map(lambda w: {"fig": 1.5, "kiwi": 0.5, "lime": 1.0, "pear": 2.0, "plum": 1.0, "date": 0.0}[w],
               rasp.tokens).named("fruit_key")
    return lib.make_sort(rasp.tokens, key, max_seq_len=5, min_key=0.5).named("fruit_sorted")


def lib_sort_unique_tuple_keys() -> rasp.SOp:
    """`make_sort_unique` with tuple keys (word length, position): stable sort by length, lexicographic LT."""
    key = rasp.SequenceMap(lambda w, i: (len(w), i), rasp.tokens, rasp.indices).named("len_pos_key")
    return lib.make_sort_unique(rasp.tokens, key).named("by_length_stable")


def lib_shift_two_seqmap() -> rasp.SOp:
    """`shift_by(2)` of a SequenceMap (token, index parity), then a Map (None at the first two)."""
    pair = rasp.SequenceMap(lambda t, i: f"{t}{i % 2}", rasp.tokens, rasp.indices).named("tok_parity")
    shifted = lib.shift_by(2, pair)
    return _map(lambda v: v.upper(), shifted).named("shifted_upper")


def lib_detect_pattern_six() -> rasp.SOp:
    """`detect_pattern` of the 6-long pattern a b a a b b over two letters at max_seq_len 8."""
    return lib.detect_pattern(rasp.tokens, "abaabb").named("pattern_abaabb")


def lib_frac_prevs_palindrome() -> rasp.SOp:
    """`make_frac_prevs` of 'my token equals its mirror' (a length, a mirror lookup, a compare)."""
    length = lib.make_length().named("pal_length")
    mirror_pos = rasp.SequenceMap(lambda n, i: n - 1 - i, length, rasp.indices).named("mirror_pos")
    mirror = rasp.Aggregate(
        rasp.Select(rasp.indices, mirror_pos, rasp.Comparison.EQ).named("at_mirror"), rasp.tokens
    ).named("mirror_tok")
    same = rasp.SequenceMap(lambda a, b: a == b, rasp.tokens, mirror).named("is_mirrored")
    as_int = _map(lambda b: 1 if b else 0, same).named("mirrored01")
    return lib.make_frac_prevs(as_int).named("mirrored_share")


def lib_two_lengths() -> rasp.SOp:
    """Two `make_length`s renamed (one over tokens, one through a constant-valued Map), subtracted."""
    a = lib.make_length().named("len_a")
    tag = _map(lambda t: "t", rasp.tokens).named("const_tag")
    b = rasp.SelectorWidth(rasp.Select(tag, tag, rasp.Comparison.EQ).named("tag_eq")).named("len_b")
    diff = rasp.SequenceMap(lambda x, y: x - y, a, b).named("len_diff")
    return rasp.SequenceMap(lambda d, n: f"{d}:{n}", diff, a).named("len_report")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("gapped_ints_stable_sort", "make_sort of {-3, 0, 5, 7, 100} (min_key 1), ties by position",
                 gapped_ints_stable_sort, GAPPED, 5),
    SuiteProgram("gapped_ints_step_word", "step from the previous of {-3, 0, 5, 100} as flat/up/down/leap",
                 gapped_ints_step_word, GAPPED4, 6),
    SuiteProgram("negative_float_rank_affine", "0.5 * (negative floats below mine, numerical width) - 1",
                 negative_float_rank_affine, NEG_FLOATS, 5),
    SuiteProgram("mixed_type_kinds", "my type name and how many tokens share it (int/float/str/tuple)",
                 mixed_type_kinds, MIXED, 4),
    SuiteProgram("lib_hist_mixed_types", "make_hist over mixed types, paired with repr length",
                 lib_hist_mixed_types, MIXED, 4),
    SuiteProgram("vocab40_gapped_numeric_rank", "40 gapped ints at length 3: (tokens >= mine)^2 / 4, numerical",
                 vocab40_gapped_numeric_rank, SEVENS40, 3),
    SuiteProgram("numerical_width_squared", "numerical width of LEQ, then n^2 / 10",
                 numerical_width_squared, tuple(range(5)), 6),
    SuiteProgram("numerical_widths_linear", "0.5 * count - 0.25 * smaller, both numerical widths",
                 numerical_widths_linear, tuple("abcd"), 6),
    SuiteProgram("numerical_width_to_word", "words at least as long as mine, numerical width -> word",
                 numerical_width_to_word, FRUIT, 7),
    SuiteProgram("numerical_length_polynomial", "(numerical length - 3)^2 / 2 + share of 'a'",
                 numerical_length_polynomial, ("a", "b", "c"), 8),
    SuiteProgram("causal_prefix_share", "causal: share of vowels so far from a TRUE selector",
                 causal_prefix_share, tuple("abeiz"), 8, causal=True),
    SuiteProgram("causal_occurrence_count", "causal: token tagged with its occurrence number so far",
                 causal_occurrence_count, ("p", "q", "r"), 7, causal=True),
    SuiteProgram("causal_first_and_prev", "causal: first token against previous token",
                 causal_first_and_prev, ("x", "y", "z"), 6, causal=True),
    SuiteProgram("causal_width_and_mean", "causal: 2 * unlike so far - 3 * share of x so far",
                 causal_width_and_mean, ("x", "o", "+"), 6, causal=True),
    SuiteProgram("causal_single_token_len9", "causal, one token: 1 / (position + 1) via a numerical width",
                 causal_single_token_len9, ("•",), 9, causal=True),
    SuiteProgram("seqmap_query_map_key_lookup", "token where 3j mod 7 = (t + i) mod 7, doubled",
                 seqmap_query_map_key_lookup, tuple(range(7)), 7),
    SuiteProgram("geq_weight_threshold_mean", "share of plums among fruit at least my threshold (GEQ)",
                 geq_weight_threshold_mean, FRUIT, 6),
    SuiteProgram("nested_selector_widths", "widths of nested selector_or/and/not combos, combined",
                 nested_selector_widths, tuple(range(6)), 6),
    SuiteProgram("rhyme_selector_mean", "whether a rhyming other word starts early in the alphabet",
                 rhyme_selector_mean, RHYMES, 6),
    SuiteProgram("induction_soft_mean", "share of 'a' right after occurrences of my token (soft induction)",
                 induction_soft_mean, ("a", "b", "c"), 7),
    SuiteProgram("bool_numerical_prefix_mean", "share of late letters so far minus my own (bools numerical)",
                 bool_numerical_prefix_mean, tuple("cgmqx"), 7),
    SuiteProgram("wide_seven_heads", "seven heads (five in one layer), seven bool Maps, merged",
                 wide_seven_heads, tuple("abcde"), 6),
    SuiteProgram("one_map_six_readers", "one class Map read six ways, merged",
                 one_map_six_readers, tuple("aekpsz"), 5),
    SuiteProgram("deep_numeric_categorical_chain", "ten layers of numerical and categorical steps",
                 deep_numeric_categorical_chain, tuple(range(5)), 6),
    SuiteProgram("deep_lookup_mix_rounds", "five look-back-and-mix rounds then a rank letter (7 layers)",
                 deep_lookup_mix_rounds, tuple(range(4)), 5),
    SuiteProgram("big_signed_int_output", "1000 t - 250 i - 7 count (large signed ints)",
                 big_signed_int_output, (1, 2, 3), 5),
    SuiteProgram("float_values_moved", "next price minus mine (floats moved by attention)",
                 float_values_moved, tuple("abcd"), 5),
    SuiteProgram("annotated_identity_inverse_length", "annotated 1/length, numerical identity, n as text",
                 annotated_identity_inverse_length, ("u", "v"), 6),
    SuiteProgram("lib_sort_half_step_keys", "make_sort of fruit by half-step keys (min_key 0.5)",
                 lib_sort_half_step_keys, FRUIT, 5),
    SuiteProgram("lib_sort_unique_tuple_keys", "make_sort_unique by (word length, position) tuples",
                 lib_sort_unique_tuple_keys, ("ox", "cat", "bird", "emu", "yak"), 5),
    SuiteProgram("lib_shift_two_seqmap", "shift_by(2) of (token, index parity), upper-cased",
                 lib_shift_two_seqmap, ("a", "b"), 6),
    SuiteProgram("lib_detect_pattern_six", "detect_pattern abaabb at max_seq_len 8",
                 lib_detect_pattern_six, ("a", "b"), 8),
    SuiteProgram("lib_frac_prevs_palindrome", "share so far of tokens equal to their mirror",
                 lib_frac_prevs_palindrome, ("a", "b", "c"), 7),
    SuiteProgram("lib_two_lengths", "two lengths (TRUE and EQ of a constant) subtracted, reported",
                 lib_two_lengths, ("m", "n"), 7),
]
