"""Hand-written Tracr programs, written to be unlike TraDe's random generator.

The generator draws integer vocabularies {0..4}, max_seq_len 5, at most 15 lines, a fixed list of
simple lambdas and Tracr's eight comparisons. These programs use string vocabularies (letters,
words, brackets, digits as strings), a mixed int/str vocabulary, arbitrary lambdas (modular
arithmetic, tables, lambdas returning strings, bools and tuples), Select predicates of their own,
numerical Maps in every direction Tracr compiles (a SequenceMap itself must stay categorical),
numerical means of 0/1 values, LinearSequenceMap, SelectorWidth counting, several heads in a
layer, one selector read by two Aggregates, lengths 2 to 16, vocabularies of up to 30 tokens and
programs of up to 40 lines. Each builder makes a fresh
expression on every call. `examples/check_suites.py` checks that Tracr compiles each faithfully:
every categorical Aggregate selects one value (or several equal ones), every numerical Aggregate
averages 0/1 values, and numerical Maps only read values Tracr's value-set inference foresees.
Tracr's SelectorWidth (at the default mlp_exactness 100) counts 10 or more as one less, so programs
with a SelectorWidth stay at max_seq_len 9 or below; a categorical->numerical Map cannot output
negative values (its MLP clips them to 0). Tracr sizes every head by its query/key spaces only,
so a categorical Aggregate whose value set is larger than every head's key space (20 words moved
by an index selector at max_seq_len 9) fails to assemble ("could not broadcast"); programs that
move many values also hold a wider head.
"""

import string

from tracr.rasp import rasp

from trade.suites import SuiteProgram

DIGITS = tuple(str(d) for d in range(10))
WORDS8 = ("the", "cat", "sat", "on", "a", "mat", "dog", "ran")
COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "grey",
           "teal")
ANIMALS20 = ("ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "ibis", "jay", "koi", "lynx", "mole",
             "newt", "owl", "pig", "quail", "rat", "seal", "toad")


# --- building blocks (each call builds new expressions) ----------------------------------------------


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line: Tracr's default `simplify=True` would fuse a Map of a Map into one."""
    return rasp.Map(f, sop, simplify=False)


def _length() -> rasp.SOp:
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE)).named("length")


def _reverse(sop: rasp.SOp) -> rasp.SOp:
    opp = rasp.SequenceMap(lambda n, i: n - 1 - i, _length(), rasp.indices).named("opp_index")
    return rasp.Aggregate(rasp.Select(rasp.indices, opp, rasp.Comparison.EQ), sop).named("reversed")


def _back(sop: rasp.SOp, offset: int) -> rasp.SOp:
    """The value `offset` positions back, or the first one near the start (never None)."""
    select = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - offset, 0))
    return rasp.Aggregate(select, sop).named(f"back{offset}")


def _forward_clamped(sop: rasp.SOp, length: rasp.SOp) -> rasp.SOp:
    """The next value, or the last one at the end."""
    nxt = rasp.SequenceMap(lambda i, n: min(i + 1, n - 1), rasp.indices, length).named("next_index")
    return rasp.Aggregate(rasp.Select(rasp.indices, nxt, rasp.Comparison.EQ), sop).named("next")


def _prefix_mean(flags: rasp.SOp) -> rasp.SOp:
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    return rasp.numerical(rasp.Aggregate(prefix, rasp.numerical(flags), default=0)).named("prefix_mean")


def _mean_all(flags: rasp.SOp) -> rasp.SOp:
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    return rasp.numerical(rasp.Aggregate(everything, rasp.numerical(flags), default=0)).named("mean_all")


def _count_where(sop: rasp.SOp, predicate) -> rasp.SOp:
    """How many positions hold a value satisfying `predicate` (the same number everywhere)."""
    return rasp.SelectorWidth(rasp.Select(sop, sop, lambda k, q: predicate(k))).named("count")


def _prefix_count(flags: rasp.SOp) -> rasp.SOp:
    """How many positions up to this one have a true flag (a tuple key folds flag and index)."""
    key = rasp.SequenceMap(lambda f, i: (bool(f), i), flags, rasp.indices).named("flag_at")
    return rasp.SelectorWidth(rasp.Select(key, rasp.indices, lambda k, q: k[0] and k[1] <= q)).named("so_far")


def _last(sop: rasp.SOp, length: rasp.SOp) -> rasp.SOp:
    last = _map(lambda n: n - 1, length).named("last_index")
    return rasp.Aggregate(rasp.Select(rasp.indices, last, rasp.Comparison.EQ), sop).named("at_last")


# --- short programs -----------------------------------------------------------------------------------


def caesar3() -> rasp.SOp:
    letters = string.ascii_lowercase[:10]
    return _map(lambda c: letters[(letters.index(c) + 3) % 10], rasp.tokens).named("caesar")


def constant_zero() -> rasp.SOp:
    return _map(lambda x: 0, rasp.tokens).named("zero")


def word_length_class() -> rasp.SOp:
    size = _map(len, rasp.tokens).named("size")
    return _map(lambda n: "short" if n <= 2 else "long", size).named("size_class")


def colour_temperature() -> rasp.SOp:
    table = {"red": "warm", "orange": "warm", "yellow": "warm", "pink": "warm", "brown": "warm",
             "green": "cool", "blue": "cool", "purple": "cool", "teal": "cool",
             "black": "neutral", "white": "neutral", "grey": "neutral"}
    return _map(lambda c: table[c], rasp.tokens).named("temperature")


def vowel_fraction() -> rasp.SOp:
    is_vowel = rasp.numerical(_map(lambda c: 1 if c in "aeiou" else 0, rasp.tokens)).named("is_vowel")
    return _prefix_mean(is_vowel)


def number_seen_mixed() -> rasp.SOp:
    is_number = rasp.numerical(_map(lambda t: 1 if isinstance(t, int) else 0, rasp.tokens))
    seen = _prefix_mean(is_number.named("is_number"))
    return _map(lambda f: "number seen" if f > 0 else "letters only", seen).named("seen")


def mod7_mirror_sum() -> rasp.SOp:
    value = _map(int, rasp.tokens).named("value")
    return rasp.SequenceMap(lambda a, b: (a + b) % 7, value, _reverse(value)).named("mirror_sum")


def prefix_parity_bits() -> rasp.SOp:
    return _map(lambda c: c % 2, _prefix_count(rasp.tokens)).named("parity")


def first_word_if_repeated() -> rasp.SOp:
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    first = first.named("first_word")
    # Its own head over tokens x tokens also keeps Tracr's key_size >= 20 (see the module docstring).
    repeats = rasp.SelectorWidth(rasp.Select(rasp.tokens, first, rasp.Comparison.EQ)).named("first_count")
    return rasp.SequenceMap(lambda w, n: w if n > 1 else "unique", first, repeats).named("first_if_repeated")


def last_letter_everywhere() -> rasp.SOp:
    return _last(rasp.tokens, _length())


def open_minus_all_fraction() -> rasp.SOp:
    is_a = rasp.numerical(_map(lambda c: 1 if c == "a" else 0, rasp.tokens)).named("is_a")
    is_b = rasp.numerical(_map(lambda c: 1 if c == "b" else 0, rasp.tokens)).named("is_b")
    a_so_far = _prefix_mean(is_a)
    b_overall = _mean_all(is_b)
    return rasp.numerical(rasp.LinearSequenceMap(a_so_far, b_overall, 1, -1)).named("a_minus_b")


def shared_selector_concat() -> rasp.SOp:
    prev = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("prev")
    prev_token = rasp.Aggregate(prev, rasp.tokens).named("prev_token")
    upper = _map(str.upper, rasp.tokens).named("upper")
    prev_upper = rasp.Aggregate(prev, upper).named("prev_upper")
    return rasp.SequenceMap(lambda a, b: a + b, prev_token, prev_upper).named("concat")


def vowel_in_first_half() -> rasp.SOp:
    is_vowel = _map(lambda c: c in "aeiou", rasp.tokens).named("is_vowel")
    first_half = rasp.SequenceMap(lambda i, n: 2 * i < n, rasp.indices, _length()).named("first_half")
    return rasp.SequenceMap(lambda a, b: a and b, is_vowel, first_half).named("both")


def token_parity_label() -> rasp.SOp:
    pair = rasp.SequenceMap(lambda t, i: (t, i % 2), rasp.tokens, rasp.indices).named("pair")
    return _map(lambda p: p[0] + ("-even" if p[1] == 0 else "-odd"), pair).named("label")


def weight_affine() -> rasp.SOp:
    weights = {"w": 0, "x": 0.5, "y": 1, "z": 2}
    weight = rasp.numerical(_map(lambda c: weights[c], rasp.tokens)).named("weight")
    return rasp.numerical(_map(lambda v: 3 * v - 1, weight)).named("affine")


def x_seen_yet() -> rasp.SOp:
    frac_x = _prefix_mean(rasp.numerical(_map(lambda c: 1 if c == "x" else 0, rasp.tokens)))
    return _map(lambda f: "seen" if f > 0 else "not yet", frac_x).named("x_seen")


def token_weights() -> rasp.SOp:
    table = {"p": 0.25, "q": 1.5, "r": 0, "s": 3}  # Tracr's MLP for this Map clips negative values to 0
    return rasp.numerical(_map(lambda c: table[c], rasp.tokens)).named("weight")


def digit_minus_index() -> rasp.SOp:
    digit = rasp.numerical(_map(int, rasp.tokens)).named("digit")
    position = rasp.numerical(_map(lambda i: i, rasp.indices)).named("position")
    return rasp.numerical(rasp.LinearSequenceMap(digit, position, 2, -1)).named("two_d_minus_i")


def alphabetical_rank() -> rasp.SOp:
    before = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k < q).named("before")
    return rasp.SelectorWidth(before).named("rank")


def sort_words_stable() -> rasp.SOp:
    key = rasp.SequenceMap(lambda w, i: (w, i), rasp.tokens, rasp.indices).named("key")
    position = rasp.SelectorWidth(rasp.Select(key, key, lambda k, q: k < q)).named("target")
    destination = rasp.Select(position, rasp.indices, rasp.Comparison.EQ).named("destination")
    return rasp.Aggregate(destination, rasp.tokens).named("sorted")


def hist_mod3_word() -> rasp.SOp:
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)).named("hist")
    return _map(lambda c: ("zero", "one", "two")[c % 3], hist).named("hist_mod3")


def palindrome_flag() -> rasp.SOp:
    differs = rasp.SequenceMap(lambda a, b: 1 if a != b else 0, rasp.tokens, _reverse(rasp.tokens))
    differs = rasp.numerical(_map(lambda d: d, differs.named("differs"))).named("differs_num")
    return _map(lambda f: "no" if f > 0 else "yes", _mean_all(differs)).named("palindrome")


def neighbourhood_three_heads() -> rasp.SOp:
    length = _length()
    prev = _back(rasp.tokens, 1)
    nxt = _forward_clamped(rasp.tokens, length)
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    left = rasp.SequenceMap(lambda a, b: a + b, first.named("first"), prev).named("first_prev")
    return rasp.SequenceMap(lambda ab, c: ab + c, left, nxt).named("neighbourhood")


def index_letter_match_16() -> rasp.SOp:
    expected = _map(lambda i: "abc"[i % 3], rasp.indices).named("expected")
    return rasp.SequenceMap(lambda t, e: t == e, rasp.tokens, expected).named("matches")


def window_sum_mod10() -> rasp.SOp:
    digit = _map(int, rasp.tokens).named("digit")
    one_back = _back(digit, 1)
    two_back = _back(digit, 2)
    partial = rasp.SequenceMap(lambda a, b: (a + b) % 10, digit, one_back).named("partial")
    return rasp.SequenceMap(lambda a, b: (a + b) % 10, partial, two_back).named("window_sum")


def occurrence_index() -> rasp.SOp:
    key = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("key")
    earlier_same = rasp.Select(key, key, lambda k, q: k[0] == q[0] and k[1] < q[1]).named("earlier_same")
    return rasp.SelectorWidth(earlier_same).named("occurrence")


def upper_previous_26() -> rasp.SOp:
    previous = _back(_map(str.upper, rasp.tokens).named("upper"), 1)
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)).named("hist")
    return rasp.SequenceMap(lambda u, h: u if h == 1 else "*", previous, hist).named("prev_upper_or_star")


def even_b_fraction_16() -> rasp.SOp:
    is_b = rasp.numerical(_map(lambda c: 1 if c == "b" else 0, rasp.tokens)).named("is_b")
    even_prefix = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k % 2 == 0 and k <= q)
    even_prefix = even_prefix.named("even_prefix")
    return rasp.numerical(rasp.Aggregate(even_prefix, is_b, default=0)).named("even_b_frac")


def reverse_words_9() -> rasp.SOp:
    return _reverse(rasp.tokens)


def majority_ab() -> rasp.SOp:
    count_a = _count_where(rasp.tokens, lambda t: t == "a")
    count_b = _count_where(rasp.tokens, lambda t: t == "b")
    return rasp.SequenceMap(lambda a, b: "a" if a > b else ("b" if b > a else "tie"), count_a,
                            count_b).named("majority")


def quadratic_residue_15() -> rasp.SOp:
    square = _map(lambda x: (x * x) % 11, rasp.tokens).named("square_mod11")
    return _map(lambda y: {0: "zero", 1: "one"}.get(y, "residue" if y in (3, 4, 5, 9) else "other"),
                    square).named("kind")


def pair_compare_len2() -> rasp.SOp:
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    larger = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: int(k) > int(q)))
    return rasp.SequenceMap(lambda f, n: f if n > 0 else "max", first.named("first"),
                            larger.named("larger")).named("first_or_max")


def weight_square_class() -> rasp.SOp:
    weight = rasp.numerical(_map(lambda w: {"zero": 0, "one": 1, "two": 2, "three": 3}[w], rasp.tokens))
    square = rasp.numerical(_map(lambda x: x * x, weight.named("weight"))).named("square")
    return _map(lambda y: "big" if y > 3 else "small", square).named("size")


def mixed_operator_tags() -> rasp.SOp:
    tag = _map(lambda t: "op" if isinstance(t, str) else t * 10, rasp.tokens).named("tag")
    prev_tag = _back(tag, 1)
    return rasp.SequenceMap(lambda a, b: a == b, tag, prev_tag).named("repeats_kind")


def class_mates_30() -> rasp.SOp:
    group = _map(lambda t: int(t[1:]) % 4, rasp.tokens).named("group")
    return rasp.SelectorWidth(rasp.Select(group, group, rasp.Comparison.EQ)).named("class_mates")


def count_distinct() -> rasp.SOp:
    first_time = _map(lambda n: n == 0, occurrence_index()).named("first_time")
    return _count_where(first_time, lambda f: f)


def all_same_so_far() -> rasp.SOp:
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    differs = rasp.SequenceMap(lambda a, b: 1 if a != b else 0, rasp.tokens, first.named("first"))
    differs = rasp.numerical(_map(lambda d: d, differs.named("differs"))).named("differs_num")
    return _map(lambda f: f == 0, _prefix_mean(differs)).named("all_same")


def bits_xor_previous_len9() -> rasp.SOp:
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1 or k == q == 0),
                          rasp.tokens).named("prev_bit")
    return rasp.SequenceMap(lambda b, p: b ^ p, rasp.tokens, prev).named("xor_prev")


# --- long programs (25-40 lines) ---------------------------------------------------------------------


def long_modular_chain() -> rasp.SOp:
    """A chain of modular maps, sequence maps and lookbacks over digits."""
    value = _map(int, rasp.tokens).named("value")
    x = _map(lambda v: (3 * v + 1) % 7, value).named("affine7")
    for step in range(5):
        x = rasp.SequenceMap(lambda a, i, s=step: (a + i * (s + 1)) % 7, x, rasp.indices).named(f"mix{step}")
        back = _back(x, 1 + step % 2)
        x = rasp.SequenceMap(lambda a, b: (a * b + 1) % 7, x, back).named(f"combine{step}")
        x = _map(lambda a, s=step: (a + s) % 7, x).named(f"shift{step}")
    return _map(lambda a: "abcdefg"[a], x).named("letter")


def long_statistics() -> rasp.SOp:
    """Several sub-programs (length, histogram, occurrence, reverse, first, counts) combined into a label."""
    length = _length()
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)).named("hist")
    key = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("key")
    occurrence = rasp.SelectorWidth(rasp.Select(key, key, lambda k, q: k[0] == q[0] and k[1] < q[1]))
    opp = rasp.SequenceMap(lambda n, i: n - 1 - i, length, rasp.indices).named("opp")
    mirrored = rasp.Aggregate(rasp.Select(rasp.indices, opp, rasp.Comparison.EQ), rasp.tokens).named("mirror")
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    count_a = _count_where(rasp.tokens, lambda t: t == "a")
    count_d = _count_where(rasp.tokens, lambda t: t == "d")
    is_mirror = rasp.SequenceMap(lambda a, b: a == b, rasp.tokens, mirrored).named("is_mirror")
    is_first = rasp.SequenceMap(lambda a, b: a == b, rasp.tokens, first.named("first")).named("is_first")
    rare = rasp.SequenceMap(lambda h, n: 2 * h <= n, hist, length).named("rare")
    repeat = _map(lambda o: o > 0, occurrence.named("occurrence")).named("repeat")
    more_a = rasp.SequenceMap(lambda a, d: a >= d, count_a, count_d).named("more_a")
    flags1 = rasp.SequenceMap(lambda m, f: 2 * m + f, is_mirror, is_first).named("flags1")
    flags2 = rasp.SequenceMap(lambda r, p: 2 * r + p, rare, repeat).named("flags2")
    flags = rasp.SequenceMap(lambda a, b: 4 * a + b, flags1, flags2).named("flags")
    score = rasp.SequenceMap(lambda f, m: (f + (3 if m else 0)) % 5, flags, more_a).named("score")
    return _map(lambda s: ("none", "low", "mid", "high", "top")[s], score).named("label")


def long_brackets_two_types() -> rasp.SOp:
    """Per bracket type, depth so far by counting; flags a negative depth anywhere and a non-zero end."""
    length = _length()
    depths = []
    for open_token, close_token in (("(", ")"), ("[", "]")):
        opens = _prefix_count(_map(lambda t, o=open_token: t == o, rasp.tokens).named(f"is{open_token}"))
        closes = _prefix_count(_map(lambda t, c=close_token: t == c, rasp.tokens).named(f"is{close_token}"))
        depths.append(rasp.SequenceMap(lambda a, b: a - b, opens, closes).named(f"depth{open_token}"))
    negative = rasp.SequenceMap(lambda a, b: 1 if a < 0 or b < 0 else 0, *depths).named("negative")
    negative_num = rasp.numerical(_map(lambda f: f, negative)).named("negative_num")
    ever_negative = _map(lambda f: f > 0, _mean_all(negative_num)).named("ever_negative")
    zero_here = rasp.SequenceMap(lambda a, b: a == 0 and b == 0, *depths).named("zero_here")
    zero_at_end = _last(zero_here, length)
    return rasp.SequenceMap(lambda z, n: "balanced" if z and not n else "unbalanced", zero_at_end,
                            ever_negative).named("verdict")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("caesar3", "each letter shifted three places in a ten-letter alphabet (one Map)", caesar3,
                 tuple(string.ascii_lowercase[:10]), 8),
    SuiteProgram("constant_zero", "0 everywhere (a constant Map)", constant_zero, ("x", "y", "z"), 4),
    SuiteProgram("word_length_class", "'short' for words of at most 2 letters, else 'long'",
                 word_length_class,
                 WORDS8, 6),
    SuiteProgram("colour_temperature", "warm/cool/neutral for each colour word (a table)", colour_temperature,
                 COLOURS, 7),
    SuiteProgram("vowel_fraction", "fraction of vowels so far (numerical mean of 0/1)", vowel_fraction,
                 tuple("abcdefghijko"), 10),
    SuiteProgram("number_seen_mixed", "whether a number has appeared so far, over ints and letters",
                 number_seen_mixed, (0, 1, 2, "a", "b"), 6),
    SuiteProgram("mod7_mirror_sum", "(digit + mirrored digit) mod 7 over digit strings", mod7_mirror_sum,
                 DIGITS, 7),
    SuiteProgram("prefix_parity_bits", "parity of the number of 1 bits so far", prefix_parity_bits,
                 (0, 1), 9),
    SuiteProgram("first_word_if_repeated", "the first word if it occurs more than once, else 'unique'",
                 first_word_if_repeated, ANIMALS20, 9),
    SuiteProgram("last_letter_everywhere", "the last letter, at every position", last_letter_everywhere,
                 tuple("uvwxyz"), 7),
    SuiteProgram("a_so_far_minus_b_overall", "fraction of 'a' so far minus fraction of 'b' overall",
                 open_minus_all_fraction, ("a", "b", "c"), 6),
    SuiteProgram("shared_selector_concat", "previous token and its capital, one selector read twice",
                 shared_selector_concat, ("p", "q", "r", "s"), 6),
    SuiteProgram("vowel_in_first_half", "True for vowels in the first half of the sequence",
                 vowel_in_first_half,
                 tuple("abcdefgh"), 6),
    SuiteProgram("token_parity_label", "token joined with the parity of its position, via a tuple",
                 token_parity_label, ("a", "b", "c"), 5),
    SuiteProgram("weight_affine", "3 * weight - 1 (categorical->numerical->numerical Maps)", weight_affine,
                 ("w", "x", "y", "z"), 5),
    SuiteProgram("x_seen_yet", "'seen' once an 'x' has appeared (numerical->categorical Map)", x_seen_yet,
                 ("w", "x", "y", "z"), 8),
    SuiteProgram("token_weights", "a fixed real weight per token (one numerical Map)", token_weights,
                 ("p", "q", "r", "s"), 4),
    SuiteProgram("digit_minus_index", "2 * digit - position (LinearSequenceMap)", digit_minus_index,
                 ("0", "1", "2", "3", "4"), 5),
    SuiteProgram("alphabetical_rank", "number of words alphabetically before this one", alphabetical_rank,
                 WORDS8, 6),
    SuiteProgram("sort_words_stable", "words sorted alphabetically, ties by position (tuple keys)",
                 sort_words_stable, ("kiwi", "fig", "lime", "date", "pear"), 5),
    SuiteProgram("hist_mod3_word", "occurrences of the token mod 3, as a word", hist_mod3_word,
                 tuple("abcde"), 7),
    SuiteProgram("palindrome_flag", "'yes' everywhere if the sequence is a palindrome", palindrome_flag,
                 ("a", "b", "c"), 7),
    SuiteProgram("neighbourhood_three_heads", "first, previous and next token joined (three heads)",
                 neighbourhood_three_heads, ("a", "b", "c", "d"), 6),
    SuiteProgram("index_letter_match_16", "whether each token equals 'abc'[position mod 3]",
                 index_letter_match_16, ("a", "b", "c"), 16),
    SuiteProgram("window_sum_mod10", "sum of this and the two previous digits mod 10", window_sum_mod10,
                 DIGITS, 10),
    SuiteProgram("occurrence_index", "how many earlier positions hold the same token", occurrence_index,
                 tuple("abcdef"), 8),
    SuiteProgram("upper_previous_26", "the previous letter in capitals, '*' at repeated letters (26 letters)",
                 upper_previous_26,
                 tuple(string.ascii_lowercase), 9),
    SuiteProgram("even_b_fraction_16", "fraction of even positions so far that hold 'b'", even_b_fraction_16,
                 ("a", "b"), 16),
    SuiteProgram("reverse_words_9", "words in reverse order, up to 9 of them", reverse_words_9,
                 WORDS8, 9),
    SuiteProgram("majority_ab", "'a', 'b' or 'tie': which of a and b occurs more", majority_ab,
                 ("a", "b", "c"), 7),
    SuiteProgram("quadratic_residue_15", "x*x mod 11 classified as zero/one/residue/other",
                 quadratic_residue_15,
                 tuple(range(15)), 5),
    SuiteProgram("pair_compare_len2", "the first digit, or 'max' at the larger digit (length at most 2)",
                 pair_compare_len2, DIGITS, 2),
    SuiteProgram("weight_square_class", "'big' if the number word squared exceeds 3 (numerical chain)",
                 weight_square_class, ("zero", "one", "two", "three"), 5),
    SuiteProgram("mixed_operator_tags", "whether a token's tag equals the previous one's, ints and operators",
                 mixed_operator_tags, (1, 2, 3, "+", "-"), 6),
    SuiteProgram("class_mates_30", "how many tokens share this token's number mod 4, over 30 tokens",
                 class_mates_30, tuple(f"t{n:02d}" for n in range(30)), 5),
    SuiteProgram("count_distinct", "number of distinct tokens", count_distinct, tuple("abcde"), 7),
    SuiteProgram("all_same_so_far", "True while every token so far equals the first", all_same_so_far,
                 ("u", "v", "w"), 8),
    SuiteProgram("bits_xor_previous_len9", "bit xor previous bit (0 at the first), up to 9 bits",
                 bits_xor_previous_len9,
                 (0, 1), 9),
    SuiteProgram("long_modular_chain", "a chain of mod-7 maps, sequence maps and lookbacks over digits",
                 long_modular_chain, DIGITS[:6], 6),
    SuiteProgram("long_statistics", "length, histogram, occurrences, mirror, first and counts combined",
                 long_statistics, ("a", "b", "c", "d"), 6),
    SuiteProgram("long_brackets_two_types", "balanced/unbalanced for '()' and '[]' by counting depths",
                 long_brackets_two_types, ("(", ")", "[", "]"), 6),
]
