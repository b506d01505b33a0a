"""A fresh suite of hand-written Tracr programs, kept unlike `tracr_lib/` and `handwritten/`.

Why: every program of the two older suites now decompiles, so they no longer find bugs. These
programs were written afterwards, without looking at how TraDe reads weights, to test its
generality on idioms the older suites lack: bool, negative-int and mixed vocabularies; categorical
values that are floats, empty strings, strings with spaces, quotes or '#', and str() of a count;
outputs that ignore the tokens; Tracr's operator overloads (`tokens * 2 + indices`, `x > 6`, `&`, `~`);
a SequenceMap of one SOp with itself (Tracr compiles it as a Map); `selector_and`/`selector_or`
(fused into one Select); selectors that pick `q // 2`, `q & ~1` or a block start; the always-false
Comparison.FALSE; several heads of one selector mixing numerical and categorical Aggregates; means
whose exact values (`1 / (i + 1)`) feed numerical Maps that invert them; LinearSequenceMap with
fractional, negative and repeated-input coefficients; branches the output ignores (a lambda that
drops an argument, a coefficient of 0); a 7-layer relay chain and programs of 22-25 lines (up to
11 layers).

Each builder makes new expressions on every call. `examples/check_suites.py examples/fresh/suite.py`
checks that Tracr compiles each faithfully (see the docstring of `examples/handwritten/suite.py` for
the Tracr pitfalls avoided here).
"""

import math

from tracr.rasp import rasp

from trade.suites import SuiteProgram

WORDS25 = ("apple", "avocado", "banana", "blueberry", "cherry", "coconut", "date", "durian", "elder", "fig",
           "grape", "guava", "kiwi", "kumquat", "lemon", "lime", "mango", "melon", "nectarine", "olive",
           "orange", "papaya", "peach", "pear", "plum")


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


# --- outputs from the tokens alone, or from no tokens at all ----------------------------------------


def index_square_mod7() -> rasp.SOp:
    """Ignores the token it is given (Tracr needs tokens in the graph): (i * i) mod 7 from the position."""
    return rasp.SequenceMap(lambda t, i: (i * i) % 7, rasp.tokens, rasp.indices).named("square_mod7")


def char_code_bucket() -> rasp.SOp:
    """ord() arithmetic and a string table, fused by Tracr's default Map simplification into one Map."""
    bucket = rasp.Map(lambda c: (ord(c) * 7) % 5, rasp.tokens)
    return rasp.Map(lambda b: ["north", "east", "south", "west", "up"][b], bucket).named("direction")


def vowel_bool_affine() -> rasp.SOp:
    """A numerical Map returning bools, then a numerical affine Map of them."""
    is_vowel = rasp.numerical(_map(lambda c: c in "aeiou", rasp.tokens)).named("is_vowel_bool")
    return rasp.numerical(_map(lambda b: 0.5 * b + 0.25, is_vowel)).named("vowel_score")


def odd_strings() -> rasp.SOp:
    """Categorical values that are an empty string, a space, a comma and a quote."""
    table = {"p": "", "q": " ", "r": "a, b", "s": "it's"}
    text = _map(lambda t: table[t], rasp.tokens).named("odd_text")
    return _map(lambda s: s + "|" if s.strip() else "blank", text).named("odd_marked")


# --- unusual vocabularies -----------------------------------------------------------------------------


def bool_half_position_xor() -> rasp.SOp:
    """Bool tokens; each compared with the token at half its position (a `q // 2` selector)."""
    half = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q // 2).named("half_select")
    at_half = rasp.Aggregate(half, rasp.tokens).named("at_half")
    return rasp.SequenceMap(lambda a, b: a != b, rasp.tokens, at_half).named("xor_half")


def signed_larger_same_sign() -> rasp.SOp:
    """Negative ints: how many tokens share my sign with a larger magnitude, as a word."""
    larger = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: (k > 0) == (q > 0) and abs(k) > abs(q))
    count = rasp.SelectorWidth(larger.named("same_sign_larger")).named("n_larger")
    sign = _map(lambda t: "-" if t < 0 else "+", rasp.tokens).named("sign")
    return rasp.SequenceMap(lambda s, n: f"{s}{n}", sign, count).named("signed_rank")


def float_categories() -> rasp.SOp:
    """Categorical floats: token / 4, scaled by the position and rounded to one decimal."""
    quarter = _map(lambda t: t / 4, rasp.tokens).named("quarter")
    return rasp.SequenceMap(lambda a, i: round(a * (i + 1), 1), quarter, rasp.indices).named("scaled")


def mixed_type_mates() -> rasp.SOp:
    """Ints and letters: how many tokens share my Python type (a type-comparing predicate), as text."""
    same_type = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: type(k) is type(q)).named("same_type")
    count = rasp.SelectorWidth(same_type).named("type_mates")
    return rasp.SequenceMap(lambda t, n: f"{t}:{n}", rasp.tokens, count).named("tagged")


def fruit_initial_groups_25() -> rasp.SOp:
    """25 words: whether another word of the input starts with the same letter (no SelectorWidth over 9)."""
    same_initial = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] == q[0]).named("same_initial")
    count = rasp.SelectorWidth(same_initial).named("initial_count")
    return _map(lambda n: n > 1, count).named("shares_initial")


def block_start_25_len10() -> rasp.SOp:
    """25 words, length 10: does my group (word number mod 5) equal the one at the start of my block of 3?"""
    group = _map(lambda w: WORDS25.index(w) % 5, rasp.tokens).named("group")
    start = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - q % 3).named("block_start")
    start_group = rasp.Aggregate(start, group).named("start_group")
    return rasp.SequenceMap(lambda a, b: a == b, group, start_group).named("same_as_block_start")


def tiny_binary_len3() -> rasp.SOp:
    """Two string tokens, length 3: tokens whose value matches my position's parity, squared."""
    matches = rasp.Select(rasp.tokens, rasp.indices, lambda k, q: int(k) == q % 2).named("parity_match")
    count = rasp.SelectorWidth(matches).named("n_match")
    return _map(lambda n: n * n, count).named("n_match_squared")


def previous_char_class() -> rasp.SOp:
    """The class of the previous character (the first's own at the start): the output is an Aggregate."""
    char_class = rasp.Map(lambda c: "digit" if c.isdigit() else ("space" if c == " " else "letter"), rasp.tokens)
    previous = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("previous")
    return rasp.Aggregate(previous, char_class.named("char_class")).named("previous_class")


def count_as_text() -> rasp.SOp:
    """A count turned into its decimal text with str(), as one would to print it."""
    at_most = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ)).named("n_at_most")
    return rasp.Map(str, at_most).named("count_text")


# --- selectors and heads ------------------------------------------------------------------------------


def operator_overloads() -> rasp.SOp:
    """Tracr's operator overloads: arithmetic of SOps and constants, comparisons, `&` and `~`."""
    total = rasp.tokens * 2 + rasp.indices  # a Map, then a SequenceMap made by `+`
    bigger = total > 6
    small = rasp.tokens < 3
    return (bigger & ~small).named("bigger_and_not_small")


def self_sequence_map() -> rasp.SOp:
    """A SequenceMap of one SOp with itself (Tracr compiles it as a Map), then one of two different SOps."""
    squared = rasp.SequenceMap(lambda a, b: a * b % 10, rasp.tokens, rasp.tokens).named("self_product")
    return rasp.SequenceMap(lambda s, i: s if i % 2 else -s, squared, rasp.indices).named("alternating")


def combined_selectors() -> rasp.SOp:
    """selector_and / selector_or of Selects on the same SOps (fused into one Select by Tracr)."""
    earlier = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    same_parity = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k % 2 == q % 2)
    both = rasp.selector_and(earlier, same_parity).named("earlier_same_parity")
    equal_token = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    larger_token = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT)
    either = rasp.selector_or(equal_token, larger_token).named("geq_token")
    first = rasp.SelectorWidth(both).named("n_earlier_same_parity")
    second = rasp.SelectorWidth(either).named("n_geq")
    return rasp.SequenceMap(lambda a, b: min(a, b), first, second).named("smaller_count")


def false_selector() -> rasp.SOp:
    """Comparison.FALSE (always 0) and NEQ widths combined: the number of tokens unlike mine."""
    never = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.FALSE)).named("never")
    others = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ)).named("others")
    return rasp.SequenceMap(lambda a, b: b - a, never, others).named("unlike_mine")


def pair_head_mixed_heads() -> rasp.SOp:
    """One selector (the even position of my pair) read by two categorical and one numerical Aggregate."""
    pair_start = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q & ~1).named("pair_start")
    letter = rasp.Aggregate(pair_start, rasp.tokens).named("pair_letter")
    upper = rasp.Aggregate(pair_start, _map(str.upper, rasp.tokens).named("upper")).named("pair_upper")
    is_digit = rasp.numerical(_map(lambda c: 1 if c.isdigit() else 0, rasp.tokens)).named("is_digit")
    digit_flag = rasp.numerical(rasp.Aggregate(pair_start, is_digit, default=0)).named("pair_is_digit")
    marker = _map(lambda x: "#" if x > 0.5 else "-", digit_flag).named("marker")
    joined = rasp.SequenceMap(lambda a, b: a + b, letter, upper).named("joined")
    return rasp.SequenceMap(lambda j, m: j + m, joined, marker).named("pair_label")


def window_means_linear() -> rasp.SOp:
    """Two numerical means over one 3-wide window selector, subtracted with fractional coefficients."""
    window = rasp.Select(rasp.indices, rasp.indices, lambda k, q: q - 2 <= k <= q).named("window3")
    is_vowel = rasp.numerical(_map(lambda c: 1 if c in "ae" else 0, rasp.tokens)).named("is_vowel")
    is_digit = rasp.numerical(_map(lambda c: 1 if c in "12" else 0, rasp.tokens)).named("is_digit")
    vowels = rasp.numerical(rasp.Aggregate(window, is_vowel, default=0)).named("vowel_mean")
    digits = rasp.numerical(rasp.Aggregate(window, is_digit, default=0)).named("digit_mean")
    return rasp.numerical(rasp.LinearSequenceMap(vowels, digits, 0.5, -0.25)).named("window_score")


# --- numerical chains ---------------------------------------------------------------------------------


def position_from_mean() -> rasp.SOp:
    """The mean of 'is the first position' over the prefix is exactly 1 / (i + 1); a numerical Map
    inverts it back to i, a categorical Map names it."""
    first = rasp.SequenceMap(lambda t, i: i == 0, rasp.tokens, rasp.indices).named("first")
    is_first = rasp.numerical(_map(lambda b: 1 if b else 0, first)).named("is_first")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    inverse = rasp.numerical(rasp.Aggregate(prefix, is_first, default=0)).named("inverse_position")
    position = rasp.numerical(_map(lambda x: round(1 / x) - 1 if x > 0 else 0, inverse)).named("recovered")
    return _map(lambda p: "early" if p < 2 else "late", position).named("phase")


def rounded_thirds() -> rasp.SOp:
    """Numerical -> numerical -> categorical Maps with rounding and floor."""
    third = rasp.numerical(_map(lambda t: t / 3, rasp.tokens)).named("third")
    rounded = rasp.numerical(_map(lambda v: round(v, 1), third)).named("rounded")
    return _map(lambda v: math.floor(v), rounded).named("floor")


def linear_odd_coefficients() -> rasp.SOp:
    """LinearSequenceMap of one SOp with itself (2x - 0.5x), then with the position at -0.25 and 3."""
    weight = rasp.numerical(_map(lambda c: {"lo": 0.1, "mid": 0.7, "hi": 2.5}[c], rasp.tokens))
    weight = weight.named("weight")
    tripled_half = rasp.numerical(rasp.LinearSequenceMap(weight, weight, 2, -0.5)).named("one_and_half")
    position = rasp.numerical(_map(lambda i: i, rasp.indices)).named("position")
    return rasp.numerical(rasp.LinearSequenceMap(tripled_half, position, -0.25, 3)).named("mixed_sum")


# --- unused branches, deep chains, long programs ------------------------------------------------------


def ignored_branches() -> rasp.SOp:
    """Two computed branches the output never depends on: a lambda that drops its second argument and
    a LinearSequenceMap coefficient of 0."""
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)).named("hist")
    code = _map(lambda c: "xyz".index(c), rasp.tokens).named("code")
    kept = rasp.SequenceMap(lambda a, b: a, code, hist).named("kept_code")  # hist is ignored
    as_number = rasp.numerical(_map(lambda v: v, kept)).named("as_number")
    is_z = rasp.numerical(_map(lambda c: 1 if c == "z" else 0, rasp.tokens)).named("is_z")
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    z_share = rasp.numerical(rasp.Aggregate(everything, is_z, default=0)).named("z_share")
    return rasp.numerical(rasp.LinearSequenceMap(as_number, z_share, 1, 0)).named("code_plus_nothing")


def deep_relay_chain() -> rasp.SOp:
    """Seven layers: six Aggregates, each through a different selector, each followed by a table Map."""
    selectors = [lambda k, q: k == q // 2, lambda k, q: k == max(q - 2, 0), lambda k, q: k == q - q % 2,
                 lambda k, q: k == 0, lambda k, q: k == q // 3, lambda k, q: k == min(q, 1)]
    tables = [{"r": "g", "g": "b", "b": "r"}, {"r": "r", "g": "b", "b": "g"}, {"r": "b", "g": "g", "b": "r"}]
    x = rasp.tokens
    for step, predicate in enumerate(selectors):
        x = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, predicate), x).named(f"relay{step}")
        x = _map(lambda c, t=tables[step % 3]: t[c], x).named(f"recolour{step}")
    return rasp.SequenceMap(lambda a, b: a + b, x, rasp.tokens).named("relayed_pair")


def record_minimum() -> rasp.SOp:
    """Whether each token is a new minimum so far, with an int key that packs token and index."""
    key = rasp.SequenceMap(lambda t, i: t * 10 + i, rasp.tokens, rasp.indices).named("packed")
    earlier_smaller = rasp.Select(key, key, lambda k, q: k % 10 < q % 10 and k // 10 <= q // 10)
    count = rasp.SelectorWidth(earlier_smaller.named("earlier_not_larger")).named("n_below")
    return _map(lambda n: "record" if n == 0 else "", count).named("record")


def lexer_runs() -> rasp.SOp:
    """A small lexer over digits, letters and operators (25 lines, 11 layers): the character class, where a
    run of one class starts, the run number so far (an int key, not a tuple), the run's first
    character, the offset inside the run, and a token label such as 'NUM2!^' or 'op'."""
    kind = _map(lambda c: "num" if c.isdigit() else ("word" if c.isalpha() else "op"), rasp.tokens)
    kind = kind.named("kind")
    previous = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("previous")
    prev_kind = rasp.Aggregate(previous, kind).named("prev_kind")
    starts = rasp.SequenceMap(lambda a, b: a != b, kind, prev_kind).named("differs")
    first_pos = _map(lambda i: i == 0, rasp.indices).named("first_pos")
    start = rasp.SequenceMap(lambda d, f: bool(d or f), starts, first_pos).named("run_start")
    start_key = rasp.SequenceMap(lambda s, i: i if s else 20, start, rasp.indices).named("start_key")
    runs_so_far = rasp.SelectorWidth(rasp.Select(start_key, rasp.indices, lambda k, q: k <= q))
    runs_so_far = runs_so_far.named("run_number")
    same_run = rasp.Select(runs_so_far, runs_so_far, rasp.Comparison.EQ).named("same_run")
    run_size = rasp.SelectorWidth(same_run).named("run_size")
    head_key = rasp.SequenceMap(lambda r, s: r * 2 + int(s), runs_so_far, start).named("head_key")
    heads = rasp.Select(head_key, head_key, lambda k, q: k % 2 == 1 and k // 2 == q // 2).named("run_head")
    head_char = rasp.Aggregate(heads, rasp.tokens).named("head_char")
    offset_key = rasp.SequenceMap(lambda r, i: r * 10 + i, runs_so_far, rasp.indices).named("offset_key")
    earlier_in_run = rasp.Select(offset_key, offset_key, lambda k, q: k // 10 == q // 10 and k % 10 < q % 10)
    offset = rasp.SelectorWidth(earlier_in_run.named("earlier_in_run")).named("offset")
    is_long = _map(lambda n: n >= 3, run_size).named("long_run")
    upper_kind = _map(lambda k: k.upper(), kind).named("upper_kind")
    label = rasp.SequenceMap(lambda u, r: u + str(r) if u != "OP" else "op", upper_kind, runs_so_far)
    label = label.named("label")
    emphasis = rasp.SequenceMap(lambda lab, long: lab + "!" if long else lab, label, is_long).named("emph")
    at_head = rasp.SequenceMap(lambda h, t: h == t, head_char, rasp.tokens).named("same_as_head")
    first_in_run = _map(lambda o: o == 0, offset).named("first_in_run")
    mark = rasp.SequenceMap(lambda a, f: a and not f, at_head, first_in_run).named("repeats_head")
    return rasp.SequenceMap(lambda e, m: e + ("^" if m else ""), emphasis, mark).named("lexeme")


def inventory_report() -> rasp.SOp:
    """About 22 lines over item codes: price table, stock flags, a running share of sold-out items (a
    mean), counts per category and a comparison two back, combined into a status word."""
    price = _map(lambda t: {"a1": 3, "a2": 5, "b1": 2, "b2": 8, "c1": 1}[t], rasp.tokens).named("price")
    category = _map(lambda t: t[0], rasp.tokens).named("category")
    variant = _map(lambda t: int(t[1]), rasp.tokens).named("variant")
    expensive = _map(lambda p: p >= 5, price).named("expensive")
    sold_out = rasp.numerical(_map(lambda t: 1 if t in ("a2", "c1") else 0, rasp.tokens)).named("sold_out")
    so_far = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("so_far")
    sold_share = rasp.numerical(rasp.Aggregate(so_far, sold_out, default=0)).named("sold_share")
    any_sold = _map(lambda s: s > 0, sold_share).named("any_sold")
    same_category = rasp.Select(category, category, rasp.Comparison.EQ).named("same_category")
    per_category = rasp.SelectorWidth(same_category).named("per_category")
    cheaper = rasp.Select(price, price, rasp.Comparison.LT).named("cheaper")
    n_cheaper = rasp.SelectorWidth(cheaper).named("n_cheaper")
    two_back = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 2, 0)).named("two_back")
    neighbour_price = rasp.Aggregate(two_back, price).named("neighbour_price")
    dearer = rasp.SequenceMap(lambda p, n: p > n, price, neighbour_price).named("dearer")
    crowded = _map(lambda n: n > 2, per_category).named("crowded")
    rank_class = _map(lambda n: "cheap" if n < 2 else ("mid" if n < 4 else "dear"), n_cheaper)
    rank_class = rank_class.named("rank_class")
    flags = rasp.SequenceMap(lambda e, d: 2 * int(e) + int(d), expensive, dearer).named("flags")
    more = rasp.SequenceMap(lambda c, v: c + v, flags, variant).named("more")
    status = rasp.SequenceMap(lambda r, a: r + ("*" if a else ""), rank_class, any_sold).named("status")
    crowd_mark = rasp.SequenceMap(lambda s, c: s.upper() if c else s, status, crowded).named("crowd_mark")
    return rasp.SequenceMap(lambda s, m: f"{s}/{m}", crowd_mark, more).named("report")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("index_square_mod7", "(i * i) mod 7 from the position alone; tokens unused",
                 index_square_mod7, ("x", "y"), 7),
    SuiteProgram("char_code_bucket", "ord(c) * 7 mod 5 named by a list (two Maps fused by Tracr)",
                 char_code_bucket, tuple("klmnopqr"), 4),
    SuiteProgram("vowel_bool_affine", "0.5 * (token is a vowel) + 0.25, bools as numbers",
                 vowel_bool_affine, tuple("abcde"), 6),
    SuiteProgram("odd_strings", "empty, space, comma and quote strings as categorical values",
                 odd_strings, ("p", "q", "r", "s"), 5),
    SuiteProgram("bool_half_position_xor", "bool tokens xor the token at half the position",
                 bool_half_position_xor, (False, True), 8),
    SuiteProgram("signed_larger_same_sign", "sign and count of same-sign tokens of larger magnitude",
                 signed_larger_same_sign, (-3, -2, -1, 1, 2, 3), 6),
    SuiteProgram("float_categories", "round(token / 4 * (i + 1), 1) as categorical floats",
                 float_categories, (1, 2, 3, 5), 4),
    SuiteProgram("mixed_type_mates", "token and how many tokens share its Python type",
                 mixed_type_mates, (0, 7, "x", "y"), 5),
    SuiteProgram("fruit_initial_groups_25", "whether another word starts with my letter, 25 words",
                 fruit_initial_groups_25, WORDS25, 6),
    SuiteProgram("block_start_25_len10", "group of my word equals the group at my block-of-3 start",
                 block_start_25_len10, WORDS25, 10),
    SuiteProgram("tiny_binary_len3", "squared count of tokens equal to my position's parity, length 3",
                 tiny_binary_len3, ("0", "1"), 3),
    SuiteProgram("previous_char_class", "digit/space/letter class of the previous character",
                 previous_char_class, ("7", "8", " ", "k", "w"), 7),
    SuiteProgram("count_as_text", "str() of the number of tokens not after mine alphabetically",
                 count_as_text, ("m", "n", "o", "p", "q"), 5),
    SuiteProgram("operator_overloads", "(tokens + 1 > 2 * indices) & (tokens < 3) by operators",
                 operator_overloads, (0, 1, 2, 3, 4, 5), 5),
    SuiteProgram("self_sequence_map", "token squared mod 10 (a SequenceMap of tokens with tokens), signed",
                 self_sequence_map, (1, 2, 3, 4, 6), 5),
    SuiteProgram("combined_selectors", "min of two widths of selector_and / selector_or selectors",
                 combined_selectors, (1, 2, 3), 7),
    SuiteProgram("false_selector", "tokens unlike mine, minus a width that is always 0",
                 false_selector, ("on", "off", "idle"), 6),
    SuiteProgram("pair_head_mixed_heads", "pair's first letter, its capital and a digit mark: one selector",
                 pair_head_mixed_heads, ("a", "b", "1", "2"), 6),
    SuiteProgram("window_means_linear", "0.5 * vowel mean - 0.25 * digit mean over a 3-wide window",
                 window_means_linear, ("a", "e", "b", "1", "2"), 8),
    SuiteProgram("position_from_mean", "the position recovered from the mean 1 / (i + 1), named",
                 position_from_mean, ("u", "v"), 5),
    SuiteProgram("rounded_thirds", "floor(round(token / 3, 1)) through numerical Maps",
                 rounded_thirds, (2, 3, 4, 5, 6, 7, 8, 9), 4),
    SuiteProgram("linear_odd_coefficients", "-0.25 * (2w - 0.5w) + 3i over a weight table",
                 linear_odd_coefficients, ("lo", "mid", "hi"), 5),
    SuiteProgram("ignored_branches", "the token's code; a histogram and a z share computed but unused",
                 ignored_branches, ("x", "y", "z"), 5),
    SuiteProgram("deep_relay_chain", "six selector relays each followed by a recolouring table, 7 layers",
                 deep_relay_chain, ("r", "g", "b"), 8),
    SuiteProgram("record_minimum", "'record' where the token is a new minimum so far (packed int key)",
                 record_minimum, (1, 2, 3, 4, 5, 6), 7),
    SuiteProgram("lexer_runs", "a lexer: class, run number, run head, offset and a label per token",
                 lexer_runs, ("1", "2", "x", "y", "+"), 6),
    SuiteProgram("inventory_report", "prices, stock, categories and neighbours combined into a status",
                 inventory_report, ("a1", "a2", "b1", "b2", "c1"), 6),
]
