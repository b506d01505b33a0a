"""A novel suite of hand-written Tracr programs, kept unlike `tracr_lib/`, `handwritten/` and `fresh/`.

Why: every program of the three older suites decompiles, so they no longer find bugs. These were
written afterwards to probe generality on idioms the older suites lack or use only once: Tracr's
`lib.py` at other settings (a 4-pair shuffle Dyck, a pattern with a repeated letter, `make_sort` over
12 ints, a 4-ary `make_nary_sequencemap`); mixed-case letter vocabularies, 20-30 tokens, digits as
strings and tuples as tokens; custom BOS/PAD names; max_seq_len 10-12; pointer chasing (a selector
whose queries are a SequenceMap of the tokens and the length); selectors with keys and queries from
different SOps (a Map of tokens against indices, a Map of tokens against a Map of indices);
categorical Aggregates of width-one selectors found by counting (first occurrence, argmax); a
categorical Aggregate of a selector wider than one whose selected values are all equal; a numerical
0/1 Map of a SelectorWidth averaged by a width-one selector; a mean under a token selector; a
numerical Map of a 12-valued numerical Map; chains of SequenceMaps; Maps with 30-37 output values;
a SequenceMap whose MLP has over 100 hidden neurons; one selector read by four Aggregates (two
categorical, two numerical); several sub-results merged into one output; and a 9-layer alternating
chain of SelectorWidths and Aggregates.

Each builder makes new expressions on every call. `examples/check_suites.py examples/novel/suite.py`
checks that Tracr compiles each faithfully (the Tracr pitfalls avoided here are listed in the
docstring of `examples/handwritten/suite.py`). Two more met here: Tracr refuses a numerical Aggregate
of values outside {0, 1} even through a width-one selector ("can currently only average binary
variables"), and it foresees a mean of 0/1 values only as 0, 1 and 1/n, so a Map of a mean is read
faithfully only where it is constant between those (`x > 0`), not at thresholds such as `x > 0.5`.
Tracr's evaluator cannot average strings, so a categorical Aggregate of a wider-than-one selector
(selecting equal values) moves ints. And a SelectorWidth whose selector's keys are a count computed by
another SelectorWidth (directly or through an Aggregate) can count wrong (seen at max_seq_len 7), so
the deep chain here feeds counts to selectors as queries only.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

MIXED20 = tuple("aBcDeFgHiJkLmNoPqRsT")
DIGITS = tuple(str(d) for d in range(10))
UPPER_AND_DIGITS30 = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ("0", "1", "2", "3")
PAIRS = ((0, 0), (0, 1), (1, 0), (1, 1), (2, 1))


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


def _length() -> rasp.SOp:
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE)).named("length")


# --- Tracr's lib.py at new settings -------------------------------------------------------------------


def lib_shuffle_dyck_four() -> rasp.SOp:
    return lib.make_shuffle_dyck(["()", "[]", "{}", "<>"]).named("dyck4")


def lib_pattern_repeated_letter() -> rasp.SOp:
    return lib.detect_pattern(rasp.tokens, "abca").named("pattern_abca")


def lib_sort_twelve_ints() -> rasp.SOp:
    return lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=6, min_key=1).named("sorted12")


def lib_nary_four() -> rasp.SOp:
    code = _map(lambda c: "xyzw".index(c), rasp.tokens).named("code")
    parity = _map(lambda i: i % 2, rasp.indices).named("index_parity")
    return lib.make_nary_sequencemap(lambda t, i, c, p: f"{t}{(i + c) % 3}{'eo'[p]}", rasp.tokens,
                                     rasp.indices, code, parity).named("nary4")


# --- vocabularies: mixed case, many tokens, tuples, custom BOS ----------------------------------------


def swapcase_rotate_20() -> rasp.SOp:
    """Two Maps over 20 mixed-case letters: swapcase, then a rotation by 7 within the swapped list."""
    swapped = _map(str.swapcase, rasp.tokens).named("swapped")
    table = [c.swapcase() for c in MIXED20]
    return _map(lambda c: table[(table.index(c) + 7) % 20], swapped).named("rotated")


def code_many_values_30() -> rasp.SOp:
    """A Map with 30 distinct int outputs, then a SequenceMap with the position (37 outputs)."""
    code = _map(lambda c: (ord(c) * 3) % 37, rasp.tokens).named("code37")
    return rasp.SequenceMap(lambda v, i: (v + 5 * i) % 37, code, rasp.indices).named("shifted_code")


def tuple_tokens_dominated() -> rasp.SOp:
    """Tuple tokens: how many tokens dominate mine in both coordinates, and my coordinate sum."""
    dominates = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] >= q[0] and k[1] >= q[1] and k != q)
    count = rasp.SelectorWidth(dominates.named("dominates")).named("n_dominating")
    total = _map(lambda t: t[0] + t[1], rasp.tokens).named("coord_sum")
    return rasp.SequenceMap(lambda n, s: (n, s), count, total).named("dominance_pair")


def custom_bos_upper_count() -> rasp.SOp:
    """Custom BOS/PAD names: each letter in capitals once a capital has occurred, else marked '?'."""
    is_upper = rasp.numerical(_map(lambda c: 1 if c.isupper() else 0, rasp.tokens)).named("is_upper")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("upto")
    share = rasp.numerical(rasp.Aggregate(prefix, is_upper, default=0)).named("upper_share")
    seen = _map(lambda x: x > 0, share).named("caps_seen")
    shout = rasp.SequenceMap(lambda s, c: c.upper() if s else c + "?", seen, rasp.tokens)
    return shout.named("shout_after_caps")


# --- selectors between different SOps -----------------------------------------------------------------


def pointer_chase_twice() -> rasp.SOp:
    """Digits as strings are pointers (mod the length): the token at the pointer of my pointer."""
    length = _length()
    pointer = rasp.SequenceMap(lambda t, n: int(t) % n if n else 0, rasp.tokens, length).named("pointer")
    hop1 = rasp.Aggregate(rasp.Select(rasp.indices, pointer, rasp.Comparison.EQ).named("follow1"), pointer)
    hop1 = hop1.named("hop1")
    return rasp.Aggregate(rasp.Select(rasp.indices, hop1, rasp.Comparison.EQ).named("follow2"),
                          rasp.tokens).named("hop2_token")


def code_exceeds_position() -> rasp.SOp:
    """Keys from a Map of tokens, queries from indices: tokens whose code exceeds my position."""
    code = _map(lambda c: "abcdefghijkl".index(c) % 7, rasp.tokens).named("code7")
    above = rasp.Select(code, rasp.indices, lambda k, q: k > q).named("code_above")
    return rasp.SelectorWidth(above).named("n_above")


def class_matches_slot() -> rasp.SOp:
    """Keys from a Map of tokens (a class word), queries from a Map of indices (the class wanted)."""
    kind = _map(lambda c: "vowel" if c in "aeiou" else ("rare" if c in "qxz" else "plain"), rasp.tokens)
    wanted = _map(lambda i: ("vowel", "plain", "rare")[i % 3], rasp.indices).named("wanted")
    matches = rasp.Select(kind.named("kind"), wanted, rasp.Comparison.EQ).named("kind_is_wanted")
    count = rasp.SelectorWidth(matches).named("n_wanted")
    return rasp.SequenceMap(lambda w, n: f"{w}x{n}", wanted, count).named("slot_report")


def first_position_of_my_token() -> rasp.SOp:
    """A width-one selector found by counting: the position where my token first occurs."""
    key = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tok_pos")
    earlier_same = rasp.Select(key, key, lambda k, q: k[0] == q[0] and k[1] < q[1]).named("earlier_same")
    occurrence = rasp.SelectorWidth(earlier_same).named("occurrence")
    tagged = rasp.SequenceMap(lambda t, o: (t, o == 0), rasp.tokens, occurrence).named("tok_first")
    first = rasp.Select(tagged, rasp.tokens, lambda k, q: k[0] == q and k[1]).named("first_of_mine")
    return rasp.Aggregate(first, rasp.indices).named("first_position")


def argmax_token_and_place() -> rasp.SOp:
    """The largest token (first on ties) and where it is, through a width-one selector `n_bigger == 0`."""
    key = rasp.SequenceMap(lambda t, i: t * 10 + (9 - i), rasp.tokens, rasp.indices).named("rank_key")
    bigger = rasp.SelectorWidth(rasp.Select(key, key, rasp.Comparison.GT).named("bigger")).named("n_bigger")
    top = rasp.Select(bigger, rasp.indices, lambda k, q: k == 0).named("top")
    value = rasp.Aggregate(top, rasp.tokens).named("max_token")
    place = rasp.Aggregate(top, rasp.indices).named("max_place")
    return rasp.SequenceMap(lambda v, p: f"{v}@{p}", value, place).named("argmax")


def class_of_equal_tokens() -> rasp.SOp:
    """A categorical Aggregate of a selector wider than one whose selected values are all equal."""
    group = _map(lambda c: "abcdefghij".index(c) // 4, rasp.tokens).named("group")  # ints: RASP averages them
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_token")
    gathered = rasp.Aggregate(same, group).named("gathered_group")
    return rasp.SequenceMap(lambda g, i: ("low", "mid", "high")[int(g)] + "+-"[i % 2], gathered,
                            rasp.indices).named("cased_group")


# --- numerical ---------------------------------------------------------------------------------------


def previous_repeat_pair() -> rasp.SOp:
    """A numerical 0/1 Map of a SelectorWidth (7 input values), averaged by a width-one selector, summed."""
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)).named("hist")
    repeated = rasp.numerical(_map(lambda h: 1 if h > 1 else 0, hist)).named("repeated")
    prev = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1).named("previous")
    prev_repeated = rasp.numerical(rasp.Aggregate(prev, repeated, default=0)).named("prev_repeated")
    return rasp.numerical(rasp.LinearSequenceMap(repeated, prev_repeated, 1, 1)).named("repeat_pair")


def vowel_share_among_smaller() -> rasp.SOp:
    """A mean under a token selector (LT), then 2 * share - (I am a vowel)."""
    is_vowel = rasp.numerical(_map(lambda c: 1 if c in "aeiou" else 0, rasp.tokens)).named("is_vowel")
    smaller = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("smaller")
    share = rasp.numerical(rasp.Aggregate(smaller, is_vowel, default=0)).named("vowel_share")
    return rasp.numerical(rasp.LinearSequenceMap(share, is_vowel, 2, -1)).named("vowel_score")


def bits_majority_len12() -> rasp.SOp:
    """Bits up to length 12: the share of ones so far (denominators up to 12) minus half my bit."""
    is_one = rasp.numerical(_map(lambda b: 1 if b == 1 else 0, rasp.tokens)).named("is_one")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    share = rasp.numerical(rasp.Aggregate(prefix, is_one, default=0)).named("one_share")
    return rasp.numerical(rasp.LinearSequenceMap(share, is_one, 1, -0.5)).named("share_minus_half_bit")


def curved_weight_plus_share() -> rasp.SOp:
    """A numerical Map of a 12-valued numerical Map ((w - 1)^2), plus twice the share of 'l' overall."""
    weight = rasp.numerical(_map(lambda c: "abcdefghijkl".index(c) / 4, rasp.tokens)).named("weight")
    curve = rasp.numerical(_map(lambda v: (v - 1) ** 2, weight)).named("curve")
    is_l = rasp.numerical(_map(lambda c: 1 if c == "l" else 0, rasp.tokens)).named("is_l")
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    l_share = rasp.numerical(rasp.Aggregate(everything, is_l, default=0)).named("l_share")
    return rasp.numerical(rasp.LinearSequenceMap(curve, l_share, 1, 2)).named("score")


def digits_vs_first_len11() -> rasp.SOp:
    """Digit strings up to length 11: each compared with the first digit, and whether any is above it."""
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("first_sel"),
                           rasp.tokens).named("first_digit")
    relation = rasp.SequenceMap(lambda d, f: "<" if d < f else ("=" if d == f else ">"), rasp.tokens, first)
    relation = relation.named("relation")
    above = rasp.numerical(_map(lambda r: 1 if r == ">" else 0, relation)).named("above")
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    share = rasp.numerical(rasp.Aggregate(everything, above, default=0)).named("share_above")
    tag = _map(lambda x: "rising" if x > 0 else "flat", share).named("trend")
    return rasp.SequenceMap(lambda r, t: r + t, relation, tag).named("relation_trend")


# --- shape: chains, wide MLPs, shared selectors, merged outputs, depth --------------------------------


def sequence_map_chain() -> rasp.SOp:
    """Six SequenceMaps in a chain, each reading the previous result and tokens or indices."""
    a = rasp.SequenceMap(lambda t, i: (t + i) % 6, rasp.tokens, rasp.indices).named("sm_a")
    b = rasp.SequenceMap(lambda x, t: (x * t) % 7, a, rasp.tokens).named("sm_b")
    c = rasp.SequenceMap(lambda x, i: x - i, b, rasp.indices).named("sm_c")
    d = rasp.SequenceMap(lambda x, y: x * y % 11, c, a).named("sm_d")
    e = rasp.SequenceMap(lambda x, t: x > t, d, rasp.tokens).named("sm_e")
    return rasp.SequenceMap(lambda flag, x: f"{'+' if flag else '-'}{x % 4}", e, c).named("sm_f")


def wide_pair_table() -> rasp.SOp:
    """A SequenceMap of a 15-valued Map and indices up to 10 (150 input pairs, a wide MLP)."""
    letter = _map(lambda c: "abcdefghijklmno".index(c), rasp.tokens).named("letter_number")
    return rasp.SequenceMap(lambda a, i: (a * 31 + i * 17) % 23, letter, rasp.indices).named("hash23")


def one_selector_four_heads() -> rasp.SOp:
    """One selector (two back, clamped) read by two categorical and two numerical Aggregates."""
    back2 = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 2, 0)).named("back2")
    token = rasp.Aggregate(back2, rasp.tokens).named("back_token")
    lower = rasp.Aggregate(back2, _map(str.lower, rasp.tokens).named("lower")).named("back_lower")
    upper_flag = rasp.numerical(_map(lambda c: 1 if c.isupper() else 0, rasp.tokens)).named("upper_flag")
    back_upper = rasp.numerical(rasp.Aggregate(back2, upper_flag, default=0)).named("back_upper")
    is_b = rasp.numerical(_map(lambda c: 1 if c.lower() == "b" else 0, rasp.tokens)).named("is_b")
    back_b = rasp.numerical(rasp.Aggregate(back2, is_b, default=0)).named("back_b")
    score = rasp.numerical(rasp.LinearSequenceMap(back_upper, back_b, 3, 1)).named("score")
    level = _map(lambda x: "hi" if x > 2 else "lo", score).named("level")
    same = rasp.SequenceMap(lambda t, low: t == low, token, lower).named("back_is_lower")
    return rasp.SequenceMap(lambda s, lev: lev + ("." if s else "!"), same, level).named("back_report")


def merged_statistics() -> rasp.SOp:
    """Length, count of the first token, capitals overall and the last token merged into one string."""
    length = _length()
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("at0"),
                           rasp.tokens).named("first_token")
    first_count = rasp.SelectorWidth(rasp.Select(rasp.tokens, first, rasp.Comparison.EQ)).named("n_first")
    caps = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k.isupper())).named("n_caps")
    last_index = _map(lambda n: n - 1, length).named("last_index")
    last = rasp.Aggregate(rasp.Select(rasp.indices, last_index, rasp.Comparison.EQ).named("at_last"),
                          rasp.tokens).named("last_token")
    ends = rasp.SequenceMap(lambda a, b: a + b, first, last).named("ends")
    counts = rasp.SequenceMap(lambda n, c: f"{n}/{c}", first_count, caps).named("counts")
    return rasp.SequenceMap(lambda e, c: f"{e}:{c}", ends, counts).named("summary")


def deep_width_aggregate_chain() -> rasp.SOp:
    """About ten layers alternating SelectorWidths and Aggregates, each reading the one before (as
    queries: keys stay tokens or indices)."""
    length = _length()
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)).named("hist")
    prev = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("prev")
    prev_hist = rasp.Aggregate(prev, hist).named("prev_hist")
    target = rasp.SequenceMap(lambda h, p: h + p, hist, prev_hist).named("hist_pair")
    pos = rasp.SequenceMap(lambda t, n: t % n if n else 0, target, length).named("pick_pos")
    picked = rasp.Aggregate(rasp.Select(rasp.indices, pos, rasp.Comparison.EQ).named("pick"),
                            rasp.tokens).named("picked")
    n_picked = rasp.SelectorWidth(rasp.Select(rasp.tokens, picked, rasp.Comparison.EQ)).named("n_picked")
    pos2 = rasp.SequenceMap(lambda c, n: (2 * c + 1) % n if n else 0, n_picked, length).named("pick_pos2")
    pick2 = rasp.Select(rasp.indices, pos2, rasp.Comparison.EQ).named("pick2")
    picked_hist = rasp.Aggregate(pick2, hist).named("picked_hist")
    letter2 = rasp.Aggregate(pick2, rasp.tokens).named("picked_letter")
    n_smaller = rasp.SelectorWidth(rasp.Select(rasp.tokens, letter2, rasp.Comparison.LT)).named("n_smaller")
    return rasp.SequenceMap(lambda a, b: (a * 3 + b) % 5, n_smaller, picked_hist).named("deep_out")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("lib_shuffle_dyck_four", "1 if '()', '[]', '{}', '<>' are each balanced (make_shuffle_dyck)",
                 lib_shuffle_dyck_four, tuple("()[]{}<>"), 6),
    SuiteProgram("lib_pattern_repeated_letter", "True where 'a', 'b', 'c', 'a' ends (detect_pattern)",
                 lib_pattern_repeated_letter, ("a", "b", "c", "d"), 8),
    SuiteProgram("lib_sort_twelve_ints", "12 ints sorted, ties by position (make_sort, min_key 1)",
                 lib_sort_twelve_ints, tuple(range(12)), 6),
    SuiteProgram("lib_nary_four", "token, (index + code) mod 3 and index parity joined (4-ary sequencemap)",
                 lib_nary_four, ("x", "y", "z", "w"), 5),
    SuiteProgram("swapcase_rotate_20", "swapcase then rotate by 7 within 20 mixed-case letters",
                 swapcase_rotate_20, MIXED20, 3),
    SuiteProgram("code_many_values_30", "ord(c) * 3 mod 37 (30 values) shifted by 5 * position mod 37",
                 code_many_values_30, UPPER_AND_DIGITS30, 4),
    SuiteProgram("tuple_tokens_dominated", "tuple tokens: (number dominating mine, my coordinate sum)",
                 tuple_tokens_dominated, PAIRS, 5),
    SuiteProgram("custom_bos_upper_count", "letters capitalised once a capital has occurred; BOS <s>",
                 custom_bos_upper_count, tuple("aAbBzZ"), 6, compiler_bos="<s>", compiler_pad="<pad>"),
    SuiteProgram("pointer_chase_twice", "the token at the pointer of my pointer (digit strings mod length)",
                 pointer_chase_twice, DIGITS[:8], 8),
    SuiteProgram("code_exceeds_position", "tokens whose code (letter number mod 7) exceeds my position",
                 code_exceeds_position, tuple("abcdefghijkl"), 7),
    SuiteProgram("class_matches_slot", "the class my position wants and how many tokens are of it",
                 class_matches_slot, tuple("abeiqxz"), 6),
    SuiteProgram("first_position_of_my_token", "where my token first occurs (width-one selector by counting)",
                 first_position_of_my_token, tuple("aAbBcCdDeEfF"), 6),
    SuiteProgram("argmax_token_and_place", "the largest token and its first position, as 'v@p'",
                 argmax_token_and_place, tuple(range(7)), 6),
    SuiteProgram("class_of_equal_tokens", "low/high class gathered over equal tokens, cased by position",
                 class_of_equal_tokens, tuple("abcdefghij"), 6),
    SuiteProgram("previous_repeat_pair", "my token repeats (0/1) plus the previous token repeats (numerical)",
                 previous_repeat_pair, ("p", "q", "r", "s", "t"), 7),
    SuiteProgram("vowel_share_among_smaller", "twice the share of vowels among smaller tokens minus my vowel",
                 vowel_share_among_smaller, tuple("abcdefghij"), 5),
    SuiteProgram("bits_majority_len12", "share of ones so far minus half my bit, up to 12 bits",
                 bits_majority_len12, (0, 1), 12),
    SuiteProgram("curved_weight_plus_share", "(letter number / 4 - 1)^2 + 2 * share of 'l' overall",
                 curved_weight_plus_share, tuple("abcdefghijkl"), 5),
    SuiteProgram("digits_vs_first_len11", "<, = or > against the first digit, and whether any is above it",
                 digits_vs_first_len11, DIGITS, 11),
    SuiteProgram("sequence_map_chain", "six chained SequenceMaps over ints and positions",
                 sequence_map_chain, tuple(range(6)), 6),
    SuiteProgram("wide_pair_table", "(letter number * 31 + position * 17) mod 23 at length 10",
                 wide_pair_table, tuple("abcdefghijklmno"), 10),
    SuiteProgram("one_selector_four_heads", "two back: token, its lower case, capital flag and b flag",
                 one_selector_four_heads, tuple("aAbBcC"), 7),
    SuiteProgram("merged_statistics", "first and last token, count of the first and of capitals, merged",
                 merged_statistics, tuple("xXyYz"), 6),
    SuiteProgram("deep_width_aggregate_chain", "nine layers alternating SelectorWidths and Aggregates",
                 deep_width_aggregate_chain, ("a", "b", "c"), 7),
]
