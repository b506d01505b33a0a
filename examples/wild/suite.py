"""A wild suite of hand-written Tracr programs, kept unlike `tracr_lib/`, `handwritten/`, `fresh/` and `novel/`.

Why: every program of the four older suites decompiles, so they no longer find bugs. These were
written afterwards, as an interpretability researcher might write them by hand with Tracr's RASP, to
probe settings and idioms the older suites lack: max_seq_len 1, 2, 3, 8 and 15; a one-token vocabulary,
bool tokens, 40, 45 and 60 tokens (negative ints among them), float tokens and words of mixed length;
numerical Maps through arbitrary functions (x * x / 10, a sine table, a sine of a square); strict
prefix and suffix means (LT and GT selectors, nothing selected at the ends), a mean over positions
of my parity, a 4-wide window mean whose selector is built by `selector_not`, and a mean under a
selector between Maps; SelectorWidth under all eight comparisons in one program; selectors whose keys
are a Map of indices and whose queries a Map of tokens, and the reverse; categorical Aggregates used as
lookups (the token at 5i mod 8, then that at 7 - i); Tracr's `lib.py` at new arguments
(`make_frac_prevs` at max_seq_len 15, `make_pair_balance` over angle brackets, `make_sort_freq` at 7,
`make_count_less_freq(3)`, `make_sort_unique` with a descending key, `make_sort` of words by a Map of
their length, `detect_pattern` of lengths 2, 4 and 5, `shift_by(3)` at max_seq_len 15, `make_hist` over
40 tokens, one `make_length` read by five readers); an 8-round chain
of Aggregates and SequenceMaps (16 sublayers); twelve parallel Maps merged by a tree of SequenceMaps;
SequenceMaps of one SOp with itself; a SequenceMap with 96 output values beside one with 2; one Map
read as a Select's key, as another's query and as both; outputs that are numerical (1 / length + hist / 2
among them), a categorical output with a single value and one whose values are tuples.

Each builder makes new expressions on every call. `examples/check_suites.py examples/wild/suite.py`
checks that Tracr compiles each faithfully (the Tracr pitfalls avoided here are listed in the
docstrings of `examples/handwritten/suite.py` and `examples/novel/suite.py`). Two more shaped these:
a categorical Aggregate cannot move more values than its head's key space holds, so the 42-token
program at max_seq_len 2 moves tokens by a token selector (NEQ, key space 42), not by an index one;
and Tracr's evaluator raises on a Select whose key or query is None, so None (from `shift_by`, or a
lookup past the end) only ever flows into Maps, SequenceMaps and Aggregate values, never a Select.
"""

import math

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

INTS42 = tuple(range(42))
SIGNED45 = tuple(range(-20, 25))
FLOATS = (-2.5, -1.0, 0.5, 1.5, 3.0)
WORDS_MIXED = ("I", "am", "the", "very", "model", "of", "a", "modern", "major-general")
CODES40 = tuple(f"{letter}{digit}" for letter in "kmst" for digit in range(10))
LETTERS12 = tuple("abcdefghijkl")
WORDS60 = tuple(f"{a}{b}{c}" for a in "bdk" for b in "aeiou" for c in "nrst")


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


# --- sizes: max_seq_len 2, 3, 8 and 15; vocabularies of 1, 2, 40+ tokens, floats, words ----------------


def len2_other_token_42() -> rasp.SOp:
    """Length at most 2, 42 ints: the other token (a NEQ token selector) compared with mine by bucket."""
    other = rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ).named("not_mine"),
                           rasp.tokens).named("other_token")
    mine = _map(lambda t: t // 6, rasp.tokens).named("my_bucket")
    theirs = _map(lambda t: t // 6, other).named("other_bucket")
    return rasp.SequenceMap(lambda a, b: "up" if a > b else ("down" if a < b else "level"), mine,
                            theirs).named("bucket_step")


def len3_single_token() -> rasp.SOp:
    """A one-token vocabulary: only the length carries information; distance to the end as a word."""
    length = lib.make_length()
    from_end = rasp.SequenceMap(lambda n, i: n - 1 - i, length, rasp.indices).named("from_end")
    return _map(lambda d: "edge" if d == 0 else f"in{d}", from_end).named("edge_word")


def bool_suffix_share_len8() -> rasp.SOp:
    """Bool tokens: the share of True from my position to the end (a GEQ suffix mean), numerical."""
    is_true = rasp.numerical(_map(lambda b: 1 if b else 0, rasp.tokens)).named("is_true")
    suffix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ).named("suffix")
    return rasp.numerical(rasp.Aggregate(suffix, is_true, default=0)).named("true_share_ahead")


def float_tokens_wave() -> rasp.SOp:
    """Float tokens: sin(10 x^2 / 10) + 1 through two numerical Maps, plus the share of positive tokens."""
    square = rasp.numerical(_map(lambda x: x * x / 10, rasp.tokens)).named("square_tenth")
    wave = rasp.numerical(_map(lambda v: round(math.sin(10 * v) + 1, 4), square)).named("wave")
    positive = rasp.numerical(_map(lambda x: 1 if x > 0 else 0, rasp.tokens)).named("positive")
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    share = rasp.numerical(rasp.Aggregate(everything, positive, default=0)).named("positive_share")
    return rasp.numerical(rasp.LinearSequenceMap(wave, share, 1, 1)).named("wave_plus_share")


def signed_45_opposites() -> rasp.SOp:
    """45 ints from -20 to 24: tokens of the opposite sign, and my square mod 13."""
    opposite = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k * q < 0).named("opposite_sign")
    n_opposite = rasp.SelectorWidth(opposite).named("n_opposite")
    residue = _map(lambda t: t * t % 13, rasp.tokens).named("square_mod13")
    return rasp.SequenceMap(lambda r, n: r + 100 * n, residue, n_opposite).named("residue_and_count")


def word_length_rank() -> rasp.SOp:
    """Words of 1 to 13 letters: my initial and how many words are longer (a Select between Maps)."""
    size = _map(len, rasp.tokens).named("word_len")
    longer = rasp.SelectorWidth(rasp.Select(size, size, rasp.Comparison.GT).named("longer")).named("n_longer")
    initial = _map(lambda w: w[0].upper(), rasp.tokens).named("initial")
    return rasp.SequenceMap(lambda c, n: f"{c}{n}", initial, longer).named("initial_rank")


# --- selectors: every comparison; Maps of indices against Maps of tokens; lookups -----------------------


def widths_every_comparison() -> rasp.SOp:
    """SelectorWidth under LT, LEQ, GT, GEQ, NEQ, FALSE, TRUE and EQ, merged by a tree of SequenceMaps."""
    comparisons = [rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT, rasp.Comparison.GEQ,
                   rasp.Comparison.NEQ, rasp.Comparison.FALSE, rasp.Comparison.TRUE, rasp.Comparison.EQ]
    widths = [rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, c).named(f"sel_{c.name}"))
              .named(f"width_{c.name}") for c in comparisons]
    pairs = [rasp.SequenceMap(lambda a, b, k=k: (a + (k + 2) * b) % 7, widths[2 * k], widths[2 * k + 1])
             .named(f"pair{k}") for k in range(4)]
    left = rasp.SequenceMap(lambda a, b: (3 * a + b) % 8, pairs[0], pairs[1]).named("left")
    right = rasp.SequenceMap(lambda a, b: (a + 5 * b) % 8, pairs[2], pairs[3]).named("right")
    return rasp.SequenceMap(lambda a, b: f"{a}.{b}", left, right).named("all_widths")


def index_map_vs_token_map() -> rasp.SOp:
    """Keys a Map of indices and queries a Map of tokens (LEQ), then the reverse (GT), counted."""
    slot = _map(lambda i: (3 * i) % 5, rasp.indices).named("slot")
    rank = _map(lambda c: "abcdefg".index(c) % 5, rasp.tokens).named("rank")
    slots_below = rasp.SelectorWidth(rasp.Select(slot, rank, rasp.Comparison.LEQ).named("slot_leq_rank"))
    ranks_above = rasp.SelectorWidth(rasp.Select(rank, slot, rasp.Comparison.GT).named("rank_gt_slot"))
    return rasp.SequenceMap(lambda a, b: 7 * a + b, slots_below.named("n_slots_below"),
                            ranks_above.named("n_ranks_above")).named("slot_rank_code")


def lookup_at_five_i() -> rasp.SOp:
    """Categorical Aggregates as lookups: the token at 5i mod 8, then that result at position 7 - i."""
    target = _map(lambda i: (5 * i) % 8, rasp.indices).named("five_i")
    first = rasp.Aggregate(rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named("at_five_i"),
                           rasp.tokens).named("token_at_five_i")
    mirror = _map(lambda i: 7 - i, rasp.indices).named("seven_minus_i")
    return rasp.Aggregate(rasp.Select(rasp.indices, mirror, rasp.Comparison.EQ).named("at_mirror"),
                          first).named("mirrored_lookup")


def key_and_query_one_map() -> rasp.SOp:
    """One Map (token mod 4) read as a Select's key, as another's query, and as both keys and queries."""
    code = _map(lambda t: t % 4, rasp.tokens).named("code4")
    above = rasp.SelectorWidth(rasp.Select(code, rasp.indices, rasp.Comparison.GT).named("code_gt_pos"))
    le = rasp.SelectorWidth(rasp.Select(code, code, rasp.Comparison.LEQ).named("code_leq_code"))
    at_code = rasp.Aggregate(rasp.Select(rasp.indices, code, rasp.Comparison.EQ).named("pos_is_code"),
                             rasp.tokens).named("token_at_code")
    counts = rasp.SequenceMap(lambda a, b: 7 * a + b, above.named("n_code_above"), le.named("n_code_leq"))
    return rasp.SequenceMap(lambda c, t: f"{c}/{t}", counts.named("code_counts"), at_code).named("code_report")


# --- numerical ---------------------------------------------------------------------------------------


def strict_prefix_minus_suffix() -> rasp.SOp:
    """The share of 'x' strictly before me (LT) minus that strictly after me (GT); 0 where none."""
    is_x = rasp.numerical(_map(lambda c: 1 if c == "x" else 0, rasp.tokens)).named("is_x")
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named("before")
    after = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT).named("after")
    x_before = rasp.numerical(rasp.Aggregate(before, is_x, default=0)).named("x_before")
    x_after = rasp.numerical(rasp.Aggregate(after, is_x, default=0)).named("x_after")
    return rasp.numerical(rasp.LinearSequenceMap(x_before, x_after, 1, -1)).named("x_balance")


def sine_table_squared() -> rasp.SOp:
    """A categorical->numerical sine table (1 + sin t over 12 ints), then its square / 10."""
    wave = rasp.numerical(_map(lambda t: round(1 + math.sin(t), 3), rasp.tokens)).named("sine")
    return rasp.numerical(_map(lambda v: v * v / 10, wave)).named("sine_squared_tenth")


def same_parity_prefix_mean() -> rasp.SOp:
    """The share of 2s among positions up to mine of my parity (a selector of indices), numerical."""
    is_two = rasp.numerical(_map(lambda t: 1 if t == 2 else 0, rasp.tokens)).named("is_two")
    mates = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k <= q and k % 2 == q % 2).named("parity_mates")
    return rasp.numerical(rasp.Aggregate(mates, is_two, default=0)).named("two_share_my_parity")


def hist_vocab40_numerical() -> rasp.SOp:
    """`make_hist` over 40 two-character tokens, then n * n / 10 as a numerical output."""
    return rasp.numerical(_map(lambda n: n * n / 10, lib.make_hist())).named("hist_square_tenth")


def width_single_value() -> rasp.SOp:
    """A categorical output with one value, computed by a SequenceMap of a histogram and the position."""
    return rasp.SequenceMap(lambda h, i: "ok", lib.make_hist(), rasp.indices).named("always_ok")


# --- Tracr's lib.py at new arguments ----------------------------------------------------------------


def lib_frac_prevs_len15() -> rasp.SOp:
    return lib.make_frac_prevs(rasp.tokens > 5).named("frac_above5")


def lib_pair_balance_angles() -> rasp.SOp:
    return lib.make_pair_balance(rasp.tokens, "<", ">").named("angle_balance")


def lib_sort_freq_len7() -> rasp.SOp:
    return lib.make_sort_freq(max_seq_len=7).named("sort_freq7")


def lib_count_less_freq_three() -> rasp.SOp:
    return lib.make_count_less_freq(3).named("count_less_freq3")


def lib_sort_unique_descending() -> rasp.SOp:
    """Squares sorted by descending token (keys -t, unique where the tokens are)."""
    keys = _map(lambda t: -t, rasp.tokens).named("negated")
    values = _map(lambda t: t * t, rasp.tokens).named("squared")
    return lib.make_sort_unique(values, keys).named("squares_by_descending_token")


def lib_pattern_bools_four() -> rasp.SOp:
    return lib.detect_pattern(rasp.tokens, [True, False, True, True]).named("pattern_tftt")


def lib_pattern_signed_two() -> rasp.SOp:
    return lib.detect_pattern(rasp.tokens, [-1, 1]).named("pattern_minus_plus")


def lib_pattern_five_len15() -> rasp.SOp:
    return lib.detect_pattern(rasp.tokens, "abcab").named("pattern_abcab")


def lib_shift_three_len15() -> rasp.SOp:
    """`shift_by(3)` of a Map at max_seq_len 15, then whether it is divisible by 3 (None first)."""
    squared = _map(lambda t: t * t, rasp.tokens).named("token_squared")
    return _map(lambda v: v % 3 == 0, lib.shift_by(3, squared)).named("back3_square_div3")


def length_many_readers() -> rasp.SOp:
    """One `make_length` read by five readers: last index, mirror, halves, long flag, and two lookups."""
    length = lib.make_length()
    last_index = _map(lambda n: n - 1, length).named("last_index")
    mirror = rasp.SequenceMap(lambda n, i: n - 1 - i, length, rasp.indices).named("mirror_index")
    half = rasp.SequenceMap(lambda i, n: "<" if i < n // 2 else ("|" if n % 2 and i == n // 2 else ">"),
                            rasp.indices, length).named("half")
    long = _map(lambda n: n > 3, length).named("is_long")
    last = rasp.Aggregate(rasp.Select(rasp.indices, last_index, rasp.Comparison.EQ).named("at_last"),
                          rasp.tokens).named("last_token")
    mirrored = rasp.Aggregate(rasp.Select(rasp.indices, mirror, rasp.Comparison.EQ).named("at_mirror"),
                              rasp.tokens).named("mirrored_token")
    ends = rasp.SequenceMap(lambda a, b: a + b, last, mirrored).named("last_and_mirrored")
    side = rasp.SequenceMap(lambda h, g: h + ("L" if g else "s"), half, long).named("side")
    return rasp.SequenceMap(lambda e, s: e + s, ends, side).named("length_report")


# --- shape: depth, width, self SequenceMaps, few and many values -------------------------------------


def deep_eight_rounds() -> rasp.SOp:
    """Eight rounds of (previous position's value, then a SequenceMap with the token): 16 sublayers."""
    value = rasp.tokens
    for k in range(8):
        back = rasp.Select(rasp.indices, rasp.indices, lambda key, query: key == max(query - 1, 0))
        moved = rasp.Aggregate(back.named(f"back_{k}"), value).named(f"moved_{k}")
        value = rasp.SequenceMap(lambda a, t, k=k: (a * (k + 2) + t + k) % 5, moved, rasp.tokens)
        value = value.named(f"round_{k}")
    return value


def wide_twelve_maps() -> rasp.SOp:
    """Twelve parallel Maps of the tokens, merged pairwise by six, three, then two SequenceMaps."""
    def number(c):
        return "abcdefghij".index(c)

    features = [
        (lambda c: c in "aei", "vowel"), (lambda c: number(c) % 2, "parity"), (lambda c: number(c) % 3, "mod3"),
        (lambda c: number(c) // 4, "quarter"), (lambda c: c in "bdf", "bdf"), (lambda c: ord(c) % 4, "ord4"),
        (lambda c: c > "e", "late"), (lambda c: number(c) ** 2 % 5, "square5"), (lambda c: c == "j", "is_j"),
        (lambda c: number(c) % 7 == 1, "seven1"), (lambda c: "hjb".find(c), "hjb"), (lambda c: number(c) % 4, "mod4"),
    ]
    maps = [_map(f, rasp.tokens).named(f"feature_{name}") for f, name in features]
    level = [rasp.SequenceMap(lambda a, b, k=k: (int(a) * (k + 3) + int(b)) % 6, maps[2 * k], maps[2 * k + 1])
             .named(f"merge1_{k}") for k in range(6)]
    merged = [rasp.SequenceMap(lambda a, b, k=k: (a + b * (k + 2)) % 5, level[2 * k], level[2 * k + 1])
              .named(f"merge2_{k}") for k in range(3)]
    first_two = rasp.SequenceMap(lambda a, b: (a * 5 + b) % 9, merged[0], merged[1]).named("merge3")
    return rasp.SequenceMap(lambda a, b: f"{a}{'abcde'[b]}", first_two, merged[2]).named("twelve_features")


def self_sequencemaps() -> rasp.SOp:
    """SequenceMaps of one SOp with itself: a histogram (h * h - h) and a Map (a pair of its code)."""
    hist = lib.make_hist()
    product = rasp.SequenceMap(lambda a, b: a * b - a, hist, hist).named("hist_square_minus")
    code = _map(lambda c: ord(c) % 3, rasp.tokens).named("code3")
    pair = rasp.SequenceMap(lambda a, b: (a, b + 1), code, code).named("code_pair")
    return rasp.SequenceMap(lambda s, p: f"{s}:{p[0]}{p[1]}", product, pair).named("self_report")


def sequencemap_few_and_many() -> rasp.SOp:
    """A SequenceMap with 96 output values (letter and position) beside one with 2, then merged."""
    many = rasp.SequenceMap(lambda c, i: f"{c}{i}", rasp.tokens, rasp.indices).named("letter_at")
    few = rasp.SequenceMap(lambda c, i: LETTERS12.index(c) > 2 * i, rasp.tokens, rasp.indices).named("ahead")
    return rasp.SequenceMap(lambda m, f: m.upper() if f else m, many, few).named("marked_letter_at")


# --- added in a second round: max_seq_len 1, 60 words, tuples out, selector_not, means under Map selectors --


def len1_three_tokens() -> rasp.SOp:
    """max_seq_len 1: a histogram (always 1) and the token, joined."""
    return rasp.SequenceMap(lambda t, h: f"{t}{h}", rasp.tokens, lib.make_hist()).named("token_count")


def words60_reversed_len2() -> rasp.SOp:
    """60 words at length 2: each spelled backwards (60 values), marked at the second position (120)."""
    backwards = _map(lambda w: w[::-1], rasp.tokens).named("backwards")
    return rasp.SequenceMap(lambda w, i: w.upper() if i else w, backwards, rasp.indices).named("backwards_marked")


def tuple_output_swap() -> rasp.SOp:
    """A categorical output whose values are tuples: (position, token) swapped from a SequenceMap."""
    return rasp.SequenceMap(lambda t, i: (i, t), rasp.tokens, rasp.indices).named("position_token")


def window_mean_selector_not_len15() -> rasp.SOp:
    """The share of vowels in the last four positions, its selector built by `selector_not` (length 15)."""
    is_vowel = rasp.numerical(_map(lambda c: 1 if c in "ae" else 0, rasp.tokens)).named("is_vowel")
    outside = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k > q or k < q - 3).named("outside_window")
    window = rasp.selector_not(outside).named("window4")
    return rasp.numerical(rasp.Aggregate(window, is_vowel, default=0)).named("vowel_share_window")


def mean_under_map_selector() -> rasp.SOp:
    """A mean of 0/1 under a selector from a Map of indices (keys) to a Map of tokens (queries)."""
    is_b = rasp.numerical(_map(lambda c: 1 if c == "b" else 0, rasp.tokens)).named("is_b")
    column = _map(lambda i: i % 3, rasp.indices).named("column")
    wanted = _map(lambda c: "abcd".index(c) % 3, rasp.tokens).named("wanted_column")
    same = rasp.Select(column, wanted, rasp.Comparison.EQ).named("in_wanted_column")
    return rasp.numerical(rasp.Aggregate(same, is_b, default=0)).named("b_share_in_column")


def inverse_length_plus_half_hist() -> rasp.SOp:
    """1 / length + hist / 2 as numbers: two categorical->numerical Maps of SelectorWidths, added."""
    inverse = rasp.numerical(_map(lambda n: 1 / n if n else 0, lib.make_length())).named("inverse_length")
    half = rasp.numerical(_map(lambda h: h / 2, lib.make_hist())).named("half_hist")
    return rasp.numerical(rasp.LinearSequenceMap(inverse, half, 1, 1)).named("inverse_plus_half")


def lib_sort_words_by_length() -> rasp.SOp:
    """`make_sort` of words by their length (a Map as keys), ties by position."""
    size = _map(len, rasp.tokens).named("word_size")
    return lib.make_sort(rasp.tokens, size, max_seq_len=6, min_key=1).named("words_by_length")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("len2_other_token_42", "up/down/level: my bucket of 6 against the other token's, length 2",
                 len2_other_token_42, INTS42, 2),
    SuiteProgram("len3_single_token", "one-token vocabulary: 'edge' at the last position, else 'in<d>'",
                 len3_single_token, ("z",), 3),
    SuiteProgram("bool_suffix_share_len8", "share of True from my position to the end (numerical)",
                 bool_suffix_share_len8, (False, True), 8),
    SuiteProgram("float_tokens_wave", "float tokens: sin(x * x) + 1 plus the share of positive tokens",
                 float_tokens_wave, FLOATS, 4),
    SuiteProgram("signed_45_opposites", "square mod 13 plus 100 times the number of opposite-sign tokens",
                 signed_45_opposites, SIGNED45, 4),
    SuiteProgram("word_length_rank", "my initial and how many words are longer than mine",
                 word_length_rank, WORDS_MIXED, 5),
    SuiteProgram("widths_every_comparison", "widths under all eight comparisons merged into 'a.b'",
                 widths_every_comparison, (0, 1, 2, 3), 5),
    SuiteProgram("index_map_vs_token_map", "slots (3i mod 5) up to my rank and ranks above my slot, coded",
                 index_map_vs_token_map, tuple("abcdefg"), 6),
    SuiteProgram("lookup_at_five_i", "the token at 5i mod 8, read again at position 7 - i",
                 lookup_at_five_i, tuple("pqrstu"), 8),
    SuiteProgram("key_and_query_one_map", "counts over token mod 4 as key and as query, and the token there",
                 key_and_query_one_map, tuple(range(8)), 6),
    SuiteProgram("strict_prefix_minus_suffix", "share of 'x' strictly before minus strictly after (numerical)",
                 strict_prefix_minus_suffix, ("x", "y", "z"), 7),
    SuiteProgram("sine_table_squared", "(1 + sin t)^2 / 10 over 12 ints through two numerical Maps",
                 sine_table_squared, tuple(range(12)), 3),
    SuiteProgram("same_parity_prefix_mean", "share of 2s so far among positions of my parity (numerical)",
                 same_parity_prefix_mean, (0, 1, 2), 9),
    SuiteProgram("hist_vocab40_numerical", "occurrences of my token squared / 10 over 40 tokens",
                 hist_vocab40_numerical, CODES40, 3),
    SuiteProgram("width_single_value", "'ok' everywhere, from a SequenceMap of a histogram (one value)",
                 width_single_value, tuple("uvw"), 5),
    SuiteProgram("lib_frac_prevs_len15", "fraction of tokens so far above 5 at length 15 (make_frac_prevs)",
                 lib_frac_prevs_len15, tuple(range(10)), 15),
    SuiteProgram("lib_pair_balance_angles", "fraction of '<' minus fraction of '>' so far (make_pair_balance)",
                 lib_pair_balance_angles, ("<", ">", "=", "!"), 9),
    SuiteProgram("lib_sort_freq_len7", "tokens sorted by decreasing frequency at length 7 (make_sort_freq)",
                 lib_sort_freq_len7, ("x", "y", "z"), 7),
    SuiteProgram("lib_count_less_freq_three", "number of tokens occurring at most 3 times (count_less_freq(3))",
                 lib_count_less_freq_three, tuple("abcde"), 8),
    SuiteProgram("lib_sort_unique_descending", "squares sorted by descending token (make_sort_unique, key -t)",
                 lib_sort_unique_descending, tuple(range(-3, 4)), 5),
    SuiteProgram("lib_pattern_bools_four", "True where True, False, True, True ends (detect_pattern on bools)",
                 lib_pattern_bools_four, (False, True), 7),
    SuiteProgram("lib_pattern_signed_two", "True where -1, 1 ends (detect_pattern over -1, 0, 1)",
                 lib_pattern_signed_two, (-1, 0, 1), 4),
    SuiteProgram("lib_pattern_five_len15", "True where 'abcab' ends, length 15 (detect_pattern)",
                 lib_pattern_five_len15, ("a", "b", "c"), 15),
    SuiteProgram("lib_shift_three_len15", "whether the square three back is divisible by 3 (shift_by(3))",
                 lib_shift_three_len15, tuple(range(8)), 15),
    SuiteProgram("length_many_readers", "last and mirrored token, half and long flag, from one length",
                 length_many_readers, ("a", "b", "c"), 6),
    SuiteProgram("deep_eight_rounds", "eight rounds of look-back and a SequenceMap with the token",
                 deep_eight_rounds, tuple(range(5)), 6),
    SuiteProgram("wide_twelve_maps", "twelve parallel Maps merged by a tree of SequenceMaps",
                 wide_twelve_maps, tuple("abcdefghij"), 4),
    SuiteProgram("self_sequencemaps", "h * h - h of the histogram and a pair of a code with itself",
                 self_sequencemaps, tuple("mnop"), 6),
    SuiteProgram("sequencemap_few_and_many", "letter and position (96 values), capitals where ahead",
                 sequencemap_few_and_many, LETTERS12, 8),
    SuiteProgram("len1_three_tokens", "max_seq_len 1: the token and its count (always 1), joined",
                 len1_three_tokens, ("a", "b", "c"), 1),
    SuiteProgram("words60_reversed_len2", "60 words spelled backwards, in capitals at the second position",
                 words60_reversed_len2, WORDS60, 2),
    SuiteProgram("tuple_output_swap", "(position, token) tuples as the categorical output",
                 tuple_output_swap, ("x", "y", "z"), 5),
    SuiteProgram("window_mean_selector_not_len15", "share of vowels in the last four positions (selector_not)",
                 window_mean_selector_not_len15, ("a", "e", "k", "t"), 15),
    SuiteProgram("mean_under_map_selector", "share of 'b' among positions i with i mod 3 = my token's code",
                 mean_under_map_selector, ("a", "b", "c", "d"), 6),
    SuiteProgram("inverse_length_plus_half_hist", "1 / length + occurrences of my token / 2 (numerical)",
                 inverse_length_plus_half_hist, ("u", "v", "w"), 6),
    SuiteProgram("lib_sort_words_by_length", "words sorted by length, ties by position (make_sort, Map keys)",
                 lib_sort_words_by_length, ("a", "be", "cat", "do", "eagle", "fig", "go"), 6),
]
