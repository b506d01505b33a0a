"""A large suite: Tracr programs at the sizes and shapes interpretability researchers compile.

Why: the six older suites (`tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`) all
decompile, rotated, mixed and noisy, so they no longer find bugs; most of their programs are short and
small. These are written to be large where those are small: max_seq_len 8 to 16 (input spaces mostly
too big to enumerate, so the checks sample), vocabularies of 20 to 60 tokens (48 English words, 40
chemical symbols, letters, made-up words) at lengths 4 to 8; deep programs of 6 to 9 layers where each
layer reads the one before (a histogram, a sort by it, a lookup in the sorted sequence, a mean of
matches, a flag), pointer chasing six hops deep, six Maps in one MLP layer and four heads in one layer;
numerical MLPs (a three-quarters threshold on `make_frac_prevs` at max_seq_len 12, a non-monotone table
of 1/length at max_seq_len 16, a non-monotone numerical Map of a numerical Map of 20 letters, a
40-valued categorical->numerical Map of a (token, index) SequenceMap, Scrabble scores averaged over a
prefix, a LinearSequenceMap of two means at max_seq_len 12); realistic algorithms (decimal addition of
the two halves of an 8-digit sequence with a carry look-ahead, running max and min, first occurrence,
distance to the previous occurrence, most frequent token, Dyck-1 and shuffle-Dyck with three bracket
kinds, a part-of-speech chunker over 48 words); and Tracr's `lib.py` at large arguments (`make_sort` at
max_seq_len 10, `make_sort_freq` at 9, `make_hist` over 45 words, `make_frac_prevs` at 16,
`make_shuffle_dyck` with 3 kinds, `make_count_less_freq(2)` at 9, `make_nary_sequencemap` of four SOps,
`make_reverse` at 9, `detect_pattern` over the tags of 48 words); SelectorWidths up to width 12,
categorical Aggregates moving 40 values, Selects whose keys are SequenceMaps with 20 to 200 values.

Each builder makes new expressions on every call. `examples/check_suites.py examples/large/suite.py`
checks that Tracr compiles each faithfully (the pitfalls avoided are listed in the docstrings of
`examples/handwritten/suite.py`, `examples/novel/suite.py`, `examples/wild/suite.py` and
`examples/frontier/suite.py`). Met here, and what was changed or dropped for them:
- A SelectorWidth is exact only up to width 9: Tracr's model gives 9 for a width of 10 and is one
  (then two) short beyond, at any max_seq_len (a TRUE selector at 16 gives 1..9, 9, 10, ..., 14, 14).
  So `make_length`, `make_reverse`, `make_count_less_freq` and a plain rank are kept at max_seq_len 9
  (`lib_reverse_len12`, `lib_count_less_freq_len10` and `rank_width_len16` failed); widths that can
  pass 9 stay only where a Map makes the error invisible (`first_occurrence_len12` tests n == 0,
  `running_min_widths_len10` n > 0) or where the selector is strict (`lib_sort_len10`: LT on unique keys).
- Tracr infers a numerical mean's value set as {v / n} only (never k / n for k > 1), and a numerical
  Map reading it is a discretising MLP with thresholds half-way between those values, ramps 0.01
  wide: a Map of a mean is faithful only where f is constant between those thresholds and they are
  over 0.01 apart (`x >= 3/4`, half-way between 1/2 and 1, is; `x > 1/2` is not; a table of 1 / length
  may change only between lengths 1 | 2 | 3-4 | 5+). `make_shuffle_dyck(["()"])` (pair_balance read
  by `x < 0`) fails at max_seq_len 16 and 12 on inputs as short as "()", and on 42 of the 2,046 inputs
  at 10: Dyck-1 is kept at 8.
- A categorical Aggregate by an index selector cannot move more values than the head's key space holds
  (40 chemical symbols at max_seq_len 5 fail to assemble): the next symbol and the addition's partner
  digit are moved by a (token, index) key of 200 and 80 values instead.
- A categorical Aggregate that selects nothing gives a zero vector, which a later categorical MLP reads
  as no value at all (RASP gives None there and a SequenceMap may turn None into a value): the
  addition's look-back heads therefore wrap around modulo the length, and the index masks them. A
  carry found by a SelectorWidth keyed by (pair sum is not 9, index) was off by one from the first
  position on (the pair sum comes from an Aggregate), so the carry is looked ahead three positions.
- Tracr's evaluator raises on a categorical Aggregate that selects several equal strings
  (`make_sort_unique` of 60 string tokens with repeats was dropped), on a Select whose key or query
  is None (pointers are taken modulo the length; None only flows into Maps and SequenceMaps), and
  Tracr compiles no numerical SequenceMap (a categorical one, then a numerical Map) and no program
  without `tokens` (1 / length is a mean under a TRUE selector on the tokens).
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

DIGITS = tuple(range(10))
LETTERS26 = tuple("abcdefghijklmnopqrstuvwxyz")
SCRABBLE = dict(zip(LETTERS26, (1, 3, 3, 2, 1, 4, 2, 4, 1, 8, 5, 1, 3, 1, 1, 3, 10, 1, 1, 1, 1, 4, 4, 8, 4, 10)))
NOUNS = ("cat", "dog", "house", "tree", "river", "city", "book", "idea", "child", "music", "water", "road")
VERBS = ("runs", "sees", "eats", "builds", "reads", "sings", "finds", "likes", "takes", "makes", "grows", "holds")
ADJECTIVES = ("big", "small", "red", "old", "happy", "quiet", "green", "fast", "dark", "warm", "cold", "new")
DETERMINERS = ("the", "a", "an", "this", "that", "every", "some", "my", "no", "each", "her", "our")
WORDS48 = NOUNS + VERBS + ADJECTIVES + DETERMINERS
ELEMENTS40 = ("H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl",
              "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
              "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr")
WORDS45 = tuple(f"{c}{v}{e}" for c in "bcdfglmps" for v in "aeiou" for e in ("t",))
TOKENS60 = tuple(f"t{n:02d}" for n in range(60))
CASES30 = tuple("abcdefghijklmno") + tuple("ABCDEFGHIJKLMNO")
BRACKETS3 = tuple("()[]{}")


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


def _length() -> rasp.SOp:
    return lib.make_length().named("length")


# --- Tracr's lib.py at large arguments ------------------------------------------------------------------


def lib_sort_len10() -> rasp.SOp:
    """`make_sort` of 5 ints by themselves at max_seq_len 10 (keys x + i / 10: 50 values)."""
    return lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=10, min_key=1).named("sort10")


def lib_sort_freq_len9() -> rasp.SOp:
    """`make_sort_freq(9)` over 4 letters: most frequent first, ties in order of position."""
    return lib.make_sort_freq(9).named("sort_freq9")


def lib_hist_words45() -> rasp.SOp:
    """`make_hist` over 45 three-letter words at max_seq_len 5, then 'once' / 'twice' / 'often'."""
    hist = lib.make_hist().named("hist")
    return _map(lambda h: {1: "once", 2: "twice"}.get(h, "often"), hist).named("hist_word")


def lib_frac_prevs_len16() -> rasp.SOp:
    """`make_frac_prevs` of token == 'x' at max_seq_len 16 (numerical output)."""
    is_x = rasp.numerical(_map(lambda t: 1 if t == "x" else 0, rasp.tokens)).named("is_x")
    return lib.make_frac_prevs(is_x).named("frac_x16")


def lib_shuffle_dyck3_len8() -> rasp.SOp:
    """`make_shuffle_dyck` with three bracket kinds at max_seq_len 8."""
    return lib.make_shuffle_dyck(["()", "[]", "{}"]).named("shuffle_dyck3")


def lib_count_less_freq_len9() -> rasp.SOp:
    """`make_count_less_freq(2)` over 5 letters at max_seq_len 9."""
    return lib.make_count_less_freq(2).named("count_less_freq2")


def lib_nary_sequencemap4() -> rasp.SOp:
    """A 4-ary `make_nary_sequencemap` of three Maps of the tokens and the indices: a checksum digit."""
    parity = _map(lambda t: t % 2, rasp.tokens).named("parity")
    third = _map(lambda t: t % 3, rasp.tokens).named("mod3")
    high = _map(lambda t: t >= 3, rasp.tokens).named("high")
    return lib.make_nary_sequencemap(lambda p, m, h, i: (p + 2 * m + 3 * int(h) + i) % 7, parity, third, high,
                                     rasp.indices).named("checksum")


def lib_reverse_len9() -> rasp.SOp:
    """`make_reverse` of 4 letters at max_seq_len 9 (its length is a SelectorWidth: at most 9, below)."""
    return lib.make_reverse(rasp.tokens).named("reverse9")


def lib_detect_pattern_words48() -> rasp.SOp:
    """`detect_pattern` of determiner, adjective, noun over the tags of 48 English words, max_seq_len 6."""
    tags = {**{w: "N" for w in NOUNS}, **{w: "V" for w in VERBS}, **{w: "A" for w in ADJECTIVES},
            **{w: "D" for w in DETERMINERS}}
    tag = _map(lambda w: tags[w], rasp.tokens).named("tag")
    return lib.detect_pattern(tag, ["D", "A", "N"]).named("det_adj_noun")


# --- longer sequences -----------------------------------------------------------------------------------


def frac_three_quarters_len12() -> rasp.SOp:
    """Is at least three quarters of my prefix 'a'? A numerical threshold Map of a length-12 frac_prevs."""
    is_a = rasp.numerical(_map(lambda t: 1 if t == "a" else 0, rasp.tokens)).named("is_a")
    frac = lib.make_frac_prevs(is_a).named("frac_a")
    return rasp.numerical(_map(lambda x: 1 if x >= 0.75 else 0, frac)).named("mostly_a")


def rank_width_len9() -> rasp.SOp:
    """SelectorWidth of LEQ on 3 tokens at max_seq_len 9 (widths 1..9, Tracr's largest exact), mod 5."""
    rank = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ).named("leq")).named(
        "n_leq")
    return _map(lambda n: n % 5, rank).named("n_leq_mod5")


def dyck1_len8() -> rasp.SOp:
    """Balanced parentheses (Dyck-1) at max_seq_len 8: `make_shuffle_dyck(['()'])`."""
    return lib.make_shuffle_dyck(["()"]).named("dyck1")


def first_occurrence_len12() -> rasp.SOp:
    """Is my token's first occurrence here? A width of EQ-and-earlier keyed by (token, index), 6 letters."""
    key = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tok_idx")
    query = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tok_idx_q")
    earlier_same = rasp.Select(key, query, lambda k, q: k[0] == q[0] and k[1] < q[1]).named("earlier_same")
    n_before = rasp.SelectorWidth(earlier_same).named("n_before")
    return _map(lambda n: n == 0, n_before).named("is_first")


def running_max_len16() -> rasp.SOp:
    """Running maximum of 4 ints at max_seq_len 16: three prefix means (three heads), tested > 0, merged."""
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    seen = []
    for v in (1, 2, 3):
        at_least = rasp.numerical(_map(lambda t, v=v: 1 if t >= v else 0, rasp.tokens)).named(f"ge{v}")
        share = rasp.numerical(rasp.Aggregate(prefix, at_least, default=0)).named(f"share_ge{v}")
        seen.append(_map(lambda x: x > 0, share).named(f"seen_ge{v}"))
    low = rasp.SequenceMap(lambda a, b: 2 if b else (1 if a else 0), seen[0], seen[1]).named("max_upto2")
    return rasp.SequenceMap(lambda m, c: 3 if c else m, low, seen[2]).named("running_max")


def running_min_widths_len10() -> rasp.SOp:
    """Running minimum of 4 ints at max_seq_len 10: four widths keyed by (token, index) in one layer."""
    key = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tok_idx")
    counts = []
    for v in (0, 1, 2):
        sel = rasp.Select(key, rasp.indices, lambda k, q, v=v: k[0] <= v and k[1] <= q).named(f"le{v}_before")
        counts.append(rasp.SelectorWidth(sel).named(f"n_le{v}"))
    low = rasp.SequenceMap(lambda a, b: 0 if a else (1 if b else 2), counts[0], counts[1]).named("min_upto")
    return rasp.SequenceMap(lambda m, c: m if m < 2 else (2 if c else 3), low, counts[2]).named("running_min")


def previous_occurrence_gap_len10() -> rasp.SOp:
    """Distance back to my token's previous occurrence (None if none): keys (token, ordinal), 50 values."""
    key = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tok_idx")
    earlier_same = rasp.Select(key, key, lambda k, q: k[0] == q[0] and k[1] < q[1]).named("earlier_same")
    ordinal = rasp.SelectorWidth(earlier_same).named("ordinal")
    tok_ord = rasp.SequenceMap(lambda t, n: (t, n), rasp.tokens, ordinal).named("tok_ord")
    previous = rasp.Select(tok_ord, tok_ord, lambda k, q: k[0] == q[0] and k[1] == q[1] - 1).named("previous")
    where = rasp.Aggregate(previous, rasp.indices).named("previous_index")
    return rasp.SequenceMap(lambda j, i: None if j is None else i - j, where, rasp.indices).named("gap")


def decimal_addition_len8() -> rasp.SOp:
    """Two little-endian decimal numbers as the halves of an 8-digit sequence: the digits of their sum.

    Position i adds its digit to the one h = length // 2 further on (modulo the length); its carry is
    looked ahead over the three positions before it (at most three: a half holds at most 4 digits),
    each pair sum read as generate / propagate / kill and moved by its own head (three in one layer,
    wrapping around at the start, where the index masks them). The first h positions hold the sum.
    The partner digit is moved by a (digit, index) key: an index key (8 values) cannot move 10 digits.
    """
    length = _length()
    partner = rasp.SequenceMap(lambda i, n: (i + n // 2) % n if n else 0, rasp.indices, length).named("partner")
    digit_idx = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("digit_idx")
    other = rasp.Aggregate(rasp.Select(digit_idx, partner, lambda k, q: k[1] == q).named("at_partner"),
                           rasp.tokens).named("other_digit")
    pair_sum = rasp.SequenceMap(lambda a, b: a + b, rasp.tokens, other).named("pair_sum")
    status = _map(lambda s: "g" if s >= 10 else ("p" if s == 9 else "k"), pair_sum).named("status")
    before = []
    for d in (1, 2, 3):
        back = rasp.SequenceMap(lambda i, n, d=d: (i - d) % n if n else 0, rasp.indices, length).named(f"back{d}")
        before.append(rasp.Aggregate(rasp.Select(rasp.indices, back, rasp.Comparison.EQ).named(f"at_back{d}"),
                                     status).named(f"status_back{d}"))
    masked = [rasp.SequenceMap(lambda st, i, d=d: st if i >= d else "k", before[d - 1], rasp.indices).named(
        f"masked_back{d}") for d in (1, 2, 3)]
    near = rasp.SequenceMap(lambda s1, s2: "g" if s1 == "g" or (s1 == "p" and s2 == "g") else
                            ("p" if s1 == "p" and s2 == "p" else "k"), masked[0], masked[1]).named("carry_two")
    carry_in = rasp.SequenceMap(lambda c2, s3: 1 if c2 == "g" or (c2 == "p" and s3 == "g") else 0, near,
                                masked[2]).named("carry_in")
    return rasp.SequenceMap(lambda s, c: (s + c) % 10, pair_sum, carry_in).named("sum_digit")


# --- large vocabularies ---------------------------------------------------------------------------------


def pos_tagger_words48() -> rasp.SOp:
    """48 English words: a tag per word, then 'NP' where a noun follows a determiner or adjective."""
    tags = {**{w: "N" for w in NOUNS}, **{w: "V" for w in VERBS}, **{w: "A" for w in ADJECTIVES},
            **{w: "D" for w in DETERMINERS}}
    tag = _map(lambda w: tags[w], rasp.tokens).named("tag")
    prev_tag = lib.shift_by(1, tag).named("prev_tag")
    return rasp.SequenceMap(lambda t, p: "NP" if t == "N" and p in ("D", "A") else t.lower(), tag,
                            prev_tag).named("chunk")


def element_period_sort_len4() -> rasp.SOp:
    """40 chemical symbols: sorted by atomic number (a Map to 1..40, made unique by the index)."""
    number = _map(lambda s: ELEMENTS40.index(s) + 1, rasp.tokens).named("atomic_number")
    return lib.make_sort(rasp.tokens, number, max_seq_len=4, min_key=1).named("by_atomic_number")


def case_fold_hist_len6() -> rasp.SOp:
    """30 letters in two cases: how many tokens equal mine ignoring case (a Select between Maps)."""
    lower = _map(str.lower, rasp.tokens).named("lower")
    same = rasp.SelectorWidth(rasp.Select(lower, lower, rasp.Comparison.EQ).named("same_letter")).named(
        "n_same")
    upper = _map(str.isupper, rasp.tokens).named("is_upper")
    return rasp.SequenceMap(lambda n, u: n if u else -n, same, upper).named("signed_count")


def element_next_heavier_len5() -> rasp.SOp:
    """40 chemical symbols: is the next heavier? Moved by a (symbol, index) key of 200 values (None at the end)."""
    number = _map(lambda s: ELEMENTS40.index(s) + 1, rasp.tokens).named("atomic_number")
    key = rasp.SequenceMap(lambda s, i: (s, i), rasp.tokens, rasp.indices).named("symbol_idx")
    nxt = rasp.Aggregate(rasp.Select(key, rasp.indices, lambda k, q: k[1] == q + 1).named("next"),
                         rasp.tokens).named("next_symbol")
    return rasp.SequenceMap(lambda n, s: None if s is None else ELEMENTS40.index(s) + 1 > n, number,
                            nxt).named("next_heavier")


# --- deep programs --------------------------------------------------------------------------------------


def deep_hist_sort_lookup_flag() -> rasp.SOp:
    """hist -> sort by it -> token at the sorted position -> share of matches -> any in place (8 layers)."""
    hist = lib.make_hist().named("hist")
    sort_key = rasp.SequenceMap(lambda h, i: -h + i / 8, hist, rasp.indices).named("sort_key")
    smaller = rasp.SelectorWidth(rasp.Select(sort_key, sort_key, rasp.Comparison.LT).named("lt_key")).named(
        "target_pos")
    sorted_tokens = rasp.Aggregate(rasp.Select(smaller, rasp.indices, rasp.Comparison.EQ).named("to_pos"),
                                   rasp.tokens).named("sorted")
    same = rasp.SequenceMap(lambda s, t: s == t, sorted_tokens, rasp.tokens).named("same_as_sorted")
    match = rasp.numerical(_map(lambda b: 1 if b else 0, same)).named("in_place")
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    share = rasp.numerical(rasp.Aggregate(everything, match, default=0)).named("share_in_place")
    return _map(lambda x: "some_in_place" if x > 0 else "all_moved", share).named("flag")


def pointer_chase_six_hops() -> rasp.SOp:
    """Follow p -> tokens[p mod length] six times from my position (8 ints, max_seq_len 8, 12+ layers)."""
    length = _length()
    pointer = rasp.indices
    for hop in range(6):
        target = rasp.SequenceMap(lambda p, n: p % n if n else 0, pointer, length).named(f"target{hop}")
        pointer = rasp.Aggregate(rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named(f"hop{hop}"),
                                 rasp.tokens).named(f"pointer{hop}")
    return pointer


def six_maps_four_heads() -> rasp.SOp:
    """Six Maps of the tokens in one MLP layer, four heads reading them in one layer, a tree of merges."""
    maps = [_map(lambda t, k=k: (t * (k + 2)) % 5, rasp.tokens).named(f"m{k}") for k in range(6)]
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1).named("prev"),
                          maps[0]).named("prev_m0")
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("first"),
                           maps[1]).named("first_m1")
    n_same = rasp.SelectorWidth(rasp.Select(maps[2], maps[3], rasp.Comparison.EQ).named("m2_eq_m3")).named(
        "n_m2_eq_m3")
    n_less = rasp.SelectorWidth(rasp.Select(maps[4], maps[5], rasp.Comparison.LT).named("m4_lt_m5")).named(
        "n_m4_lt_m5")
    a = rasp.SequenceMap(lambda p, f: 0 if p is None else (p + f) % 5, prev, first).named("a")
    b = rasp.SequenceMap(lambda x, y: (x * y) % 7, n_same, n_less).named("b")
    return rasp.SequenceMap(lambda x, y: f"{x}{y}", a, b).named("digest")


def most_frequent_broadcast() -> rasp.SOp:
    """The most frequent token (the first to appear among ties), at every position: sort_freq then a copy."""
    sorted_freq = lib.make_sort_freq(8).named("sort_freq")
    zero = _map(lambda i: 0, rasp.indices).named("zero")
    return rasp.Aggregate(rasp.Select(rasp.indices, zero, rasp.Comparison.EQ).named("at_start"),
                          sorted_freq).named("mode")


# --- numerical MLPs -------------------------------------------------------------------------------------


def length_table_nonmonotone_len16() -> rasp.SOp:
    """1 / length (a mean of 'index == 0') through a non-monotone table of 1, 2, 3-4, 5+, at length 16.

    The table changes only between 1 / n values at least 0.05 apart: Tracr's discretising MLP (its
    steps are 0.01 wide) cannot tell 1 / 15 from 1 / 16.
    """
    at_start = rasp.numerical(_map(lambda i: 1 if i == 0 else 0, rasp.indices)).named("at_start")
    everything = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("everything")
    inverse = rasp.numerical(rasp.Aggregate(everything, at_start, default=0)).named("inverse_length")
    table = {1: 0.5, 2: 0.0, 3: 1.0, 4: 1.0}
    return rasp.numerical(_map(lambda x: table.get(round(1 / x), 0.25) if x > 0 else 0, inverse)).named(
        "length_table")


def scrabble_prefix_mean() -> rasp.SOp:
    """26 letters: the mean Scrabble score / 10 of my prefix, at max_seq_len 8 (numerical)."""
    score = rasp.numerical(_map(lambda c: SCRABBLE[c] / 10, rasp.tokens)).named("score_tenth")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    return rasp.numerical(rasp.Aggregate(prefix, score, default=0)).named("mean_score")


def letter_value_bump() -> rasp.SOp:
    """20 letters -> a value in [0, 1] -> a non-monotone bump (x - 0.5)^2, plus the share of vowels."""
    letters = LETTERS26[:20]
    value = rasp.numerical(_map(lambda c: letters.index(c) / 19, rasp.tokens)).named("letter_value")
    bump = rasp.numerical(_map(lambda x: round(4 * (x - 0.5) ** 2, 4), value)).named("bump")
    vowel = rasp.numerical(_map(lambda c: 1 if c in "aeiou" else 0, rasp.tokens)).named("vowel")
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    share = rasp.numerical(rasp.Aggregate(everything, vowel, default=0)).named("vowel_share")
    return rasp.numerical(rasp.LinearSequenceMap(bump, share, 1, 2)).named("bump_plus_2share")


def position_weight_mean_40() -> rasp.SOp:
    """A (token, index) SequenceMap with 40 values -> a numerical weight in [0, 1) -> its mean over all."""
    pair = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tok_idx")
    weight = rasp.numerical(_map(lambda p: ((3 * p[0] + 7 * p[1]) % 40) / 40, pair)).named("weight")
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    return rasp.numerical(rasp.Aggregate(everything, weight, default=0)).named("mean_weight")


def balance_linear_len12() -> rasp.SOp:
    """2 * (share of 'a' in my prefix) - (share of 'b'), a LinearSequenceMap at max_seq_len 12."""
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    is_a = rasp.numerical(_map(lambda t: 1 if t == "a" else 0, rasp.tokens)).named("is_a")
    is_b = rasp.numerical(_map(lambda t: 1 if t == "b" else 0, rasp.tokens)).named("is_b")
    frac_a = rasp.numerical(rasp.Aggregate(prefix, is_a, default=0)).named("frac_a")
    frac_b = rasp.numerical(rasp.Aggregate(prefix, is_b, default=0)).named("frac_b")
    return rasp.numerical(rasp.LinearSequenceMap(frac_a, frac_b, 2, -1)).named("balance")


# --- wide selectors and value sets ----------------------------------------------------------------------


def majority_word_len5() -> rasp.SOp:
    """45 words at max_seq_len 5: upper-cased where at least 3 words share its vowel (225 output values)."""
    vowel = _map(lambda w: w[1], rasp.tokens).named("vowel")
    n_vowel = rasp.SelectorWidth(rasp.Select(vowel, vowel, rasp.Comparison.EQ).named("same_vowel")).named(
        "n_same_vowel")
    return rasp.SequenceMap(lambda w, n: w.upper() if n >= 3 else w, rasp.tokens, n_vowel).named(
        "shout_if_common")


def tokens60_neq_width() -> rasp.SOp:
    """60 tokens at max_seq_len 4: how many tokens differ from mine, and my token's block of ten."""
    n_other = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ).named(
        "other")).named("n_other")
    block = _map(lambda t: int(t[1:]) // 10, rasp.tokens).named("block")
    return rasp.SequenceMap(lambda n, b: 10 * b + n, n_other, block).named("block_and_others")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("lib_sort_len10", "make_sort of 5 ints at max_seq_len 10", lib_sort_len10, (1, 2, 3, 4, 5),
                 10),
    SuiteProgram("lib_sort_freq_len9", "make_sort_freq(9) over 4 letters", lib_sort_freq_len9, tuple("abcd"),
                 9),
    SuiteProgram("lib_hist_words45", "make_hist over 45 words at length 5, as once/twice/often",
                 lib_hist_words45, WORDS45, 5),
    SuiteProgram("lib_frac_prevs_len16", "make_frac_prevs of token == 'x' at max_seq_len 16",
                 lib_frac_prevs_len16, tuple("xyz"), 16),
    SuiteProgram("lib_shuffle_dyck3_len8", "make_shuffle_dyck with (), [] and {} at max_seq_len 8",
                 lib_shuffle_dyck3_len8, BRACKETS3, 8),
    SuiteProgram("lib_count_less_freq_len9", "make_count_less_freq(2) over 5 letters at max_seq_len 9",
                 lib_count_less_freq_len9, tuple("abcde"), 9),
    SuiteProgram("lib_nary_sequencemap4", "4-ary make_nary_sequencemap: a checksum digit of three Maps and i",
                 lib_nary_sequencemap4, tuple(range(6)), 8),
    SuiteProgram("lib_reverse_len9", "make_reverse of 4 letters at max_seq_len 9", lib_reverse_len9,
                 tuple("wxyz"), 9),
    SuiteProgram("lib_detect_pattern_words48", "detect_pattern D A N over the tags of 48 English words",
                 lib_detect_pattern_words48, WORDS48, 6),
    SuiteProgram("frac_three_quarters_len12", "at least 3/4 of my prefix is 'a' (numerical Map of a mean)",
                 frac_three_quarters_len12, tuple("ab"), 12),
    SuiteProgram("rank_width_len9", "SelectorWidth of LEQ at max_seq_len 9, mod 5", rank_width_len9,
                 (0, 1, 2), 9),
    SuiteProgram("dyck1_len8", "balanced parentheses at max_seq_len 8", dyck1_len8, tuple("()"), 8),
    SuiteProgram("first_occurrence_len12", "is this my token's first occurrence (keys (token, index))",
                 first_occurrence_len12, tuple("abcdef"), 12),
    SuiteProgram("running_max_len16", "running maximum by three prefix means", running_max_len16,
                 (0, 1, 2, 3), 16),
    SuiteProgram("running_min_widths_len10", "running minimum by three widths in one layer",
                 running_min_widths_len10, (0, 1, 2, 3), 10),
    SuiteProgram("previous_occurrence_gap_len10", "distance back to my token's previous occurrence",
                 previous_occurrence_gap_len10, tuple("abcde"), 10),
    SuiteProgram("decimal_addition_len8", "two 4-digit little-endian decimals added, with carry propagation",
                 decimal_addition_len8, DIGITS, 8),
    SuiteProgram("pos_tagger_words48", "48 English words tagged; 'NP' where a noun follows D or A",
                 pos_tagger_words48, WORDS48, 5),
    SuiteProgram("element_period_sort_len4", "40 chemical symbols sorted by atomic number",
                 element_period_sort_len4, ELEMENTS40, 4),
    SuiteProgram("case_fold_hist_len6", "30 letters in two cases: count ignoring case, signed by case",
                 case_fold_hist_len6, CASES30, 6),
    SuiteProgram("element_next_heavier_len5", "40 chemical symbols: is the next one heavier",
                 element_next_heavier_len5, ELEMENTS40, 5),
    SuiteProgram("deep_hist_sort_lookup_flag", "hist, sort by it, lookup, share in place, flag",
                 deep_hist_sort_lookup_flag, tuple("abcd"), 8),
    SuiteProgram("pointer_chase_six_hops", "six hops of p -> tokens[p mod length]", pointer_chase_six_hops,
                 tuple(range(8)), 8),
    SuiteProgram("six_maps_four_heads", "six Maps in one MLP, four heads in one layer, merged",
                 six_maps_four_heads, tuple(range(5)), 8),
    SuiteProgram("most_frequent_broadcast", "the most frequent token at every position", most_frequent_broadcast,
                 tuple("abcd"), 8),
    SuiteProgram("length_table_nonmonotone_len16", "a non-monotone numerical table of 1 / length, at 16",
                 length_table_nonmonotone_len16, tuple("ab"), 16),
    SuiteProgram("scrabble_prefix_mean", "mean Scrabble score / 10 of my prefix over 26 letters",
                 scrabble_prefix_mean, LETTERS26, 8),
    SuiteProgram("letter_value_bump", "a non-monotone numerical Map of a numerical Map of 20 letters",
                 letter_value_bump, LETTERS26[:20], 6),
    SuiteProgram("position_weight_mean_40", "a 40-valued (token, index) weight averaged over all",
                 position_weight_mean_40, tuple(range(5)), 8),
    SuiteProgram("balance_linear_len12", "2 * share of 'a' - share of 'b' in my prefix, at 12",
                 balance_linear_len12, tuple("abc"), 12),
    SuiteProgram("majority_word_len5", "45 words: upper-cased if its vowel is common",
                 majority_word_len5, WORDS45, 5),
    SuiteProgram("tokens60_neq_width", "60 tokens: how many differ from mine, by block", tokens60_neq_width,
                 TOKENS60, 4),
]
