"""A frontier suite of hand-written Tracr programs, kept unlike the five older suites.

Why: `tracr_lib/`, `handwritten/`, `fresh/`, `novel/` and `wild/` all decompile, so they no longer
find bugs. These were written afterwards, as probes of idioms those suites lack or hold only once:
unicode tokens and outputs (arrows, box symbols); token strings that read like other values ("",
" ", "None", "True", "0", "null"); a custom BOS and PAD ("<|endoftext|>", "<pad>") over digit
strings compared as strings; constant Maps used as a Select's query and as its keys; identity Maps
(`lambda x: x`, kept as their own MLPs) around an attention copy; two Maps with the same lambda (and
a third equal to them on the vocabulary) added together; numerical means of values that are not 0/1
(prices in [0, 1), halves), a mean of a running mean, a signed balance of two half-valued means, a
numerical Aggregate under Comparison.FALSE (always 0) beside one under TRUE; a bool output read from
a strict-suffix mean; selectors whose keys are a SequenceMap of tokens and indices (EQ and NEQ);
selector_or, selector_and and selector_not (each simplified into one Select) in one program; a
SelectorWidth read through a Map as another Select's query; float-valued categorical keys compared
by LT; a 30-token vocabulary at max_seq_len 1 moved by a token selector; five heads in one layer
(four categorical lookups by predicates of their own and one numerical mean); a word-chain game
(first against the previous word's last letter) whose first position is None; a dict table of
colour mixes with the next colour (None at the end); a 9-line modular pointer program; a 12-long
binary sequence's share of switches; a 4-layer chain from a histogram through a mean to a look-back;
and Tracr's `lib.py` at arguments no suite uses (`make_count` of a Map, `make_shuffle_dyck` with
letters as brackets, a 3-ary `make_nary_sequencemap` of Maps, `make_sort` by a word's last letter,
`make_pair_balance` of words, `detect_pattern` over a Map of the tokens). A second round adds models
with many directions no read sees or reads apart (20 letters read only as vowel or not, `make_count`
of a bool Map, indices never read), selectors whose predicate ignores the key, indices moved as an
Aggregate's values, a Map whose values are a subset of its input's compared with it, and a 7-layer
chain of a width, a pointer, a lookup, a mean and a flag.

Each builder makes new expressions on every call. `examples/check_suites.py examples/frontier/suite.py`
checks that Tracr compiles each faithfully (the Tracr pitfalls avoided here are listed in the
docstrings of `examples/handwritten/suite.py`, `examples/novel/suite.py` and `examples/wild/suite.py`).
Met here: a categorical->numerical Map's MLP clips negative values, so signed numbers are built by a
LinearSequenceMap of two non-negative means; Tracr accepts a mean of any values whose `int()` is 0 or
1 (prices in [0, 1), a running mean), since its value-set check truncates, and the attention then
averages them exactly, but no numerical Map may read such a mean (Tracr foresees only value / length).
As in `wild/`, a categorical Aggregate by an index selector moves at most as many values as its head's
key space holds (12 letters at max_seq_len 6 fail to assemble), so the five-head program keeps 6 letters.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

ARROWS = ("←", "↑", "→", "↓")
ODD_WORDS = ("zephyr", "quartz", "jinx", "fjord", "sphinx", "rhythm", "onyx")
ITEMS = ("apple", "bread", "cheese", "dates", "eggs", "figs")
COLOURS = ("r", "g", "b", "c", "m", "y", "k")
TRICKY = ("", " ", "None", "True", "0", "null")
DIGIT_STRINGS = ("00", "07", "10", "42", "99")
GREEK30 = tuple("αβγδεζηθικλμνξοπρστυφχψω") + ("Ω", "Σ", "Δ", "Φ", "Ψ", "Λ")
SHORT_WORDS = ("ox", "cat", "emu", "gnu", "yak", "bee", "eel", "ant")


def _map(f, sop: rasp.SOp) -> rasp.Map:
    """A Map kept as its own line (Tracr's default would fuse a Map of a Map)."""
    return rasp.Map(f, sop, simplify=False)


# --- unusual tokens and outputs ---------------------------------------------------------------------


def unicode_turn_from_first() -> rasp.SOp:
    """Arrows: my turn relative to the first arrow (read through a constant Map as the query), as a symbol."""
    zero = _map(lambda i: 0, rasp.indices).named("always_zero")
    first = rasp.Aggregate(
        rasp.Select(rasp.indices, zero, rasp.Comparison.EQ).named("at_start"), rasp.tokens
    ).named("first_arrow")
    heading = _map(ARROWS.index, rasp.tokens).named("heading")
    first_heading = _map(ARROWS.index, first).named("first_heading")
    return rasp.SequenceMap(lambda a, b: "↻↷⇅↶"[(a - b) % 4], heading, first_heading).named("turn_symbol")


def tricky_token_strings() -> rasp.SOp:
    """Tokens '', ' ', 'None', 'True', '0', 'null': a label per token and how many tokens are blank."""
    label = _map(lambda t: t.strip() or "<blank>", rasp.tokens).named("visible")
    blank = _map(lambda t: t.strip() == "", rasp.tokens).named("is_blank")
    n_blank = rasp.SelectorWidth(rasp.Select(blank, blank, lambda k, q: k).named("blank_keys")).named(
        "n_blank"
    )
    return rasp.SequenceMap(lambda s, n: f"{s}|{n}", label, n_blank).named("label_and_blanks")


def custom_bos_string_rank() -> rasp.SOp:
    """BOS '<|endoftext|>', PAD '<pad>': tokens at least mine as strings (GEQ), as a word."""
    n_geq = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named("geq_mine"))
    return _map(lambda n: "top" if n == 1 else f"below{n - 1}", n_geq.named("n_geq")).named("string_rank")


def len1_vocab30_echo() -> rasp.SOp:
    """max_seq_len 1 over 30 Greek letters: the token moved by a token selector, and TRUE's width."""
    echo = rasp.Aggregate(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_letter"), rasp.tokens
    ).named("echo")
    upper = _map(str.upper, echo).named("echo_upper")
    width = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("all")
    ).named("n_all")
    return rasp.SequenceMap(lambda u, n: u * n, upper, width).named("upper_times_width")


def identity_chain_words() -> rasp.SOp:
    """An identity Map, an attention copy of it (EQ on indices) and another identity Map: the tokens."""
    same = _map(lambda w: w, rasp.tokens).named("identity_before")
    copied = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ).named("self_position"), same
    ).named("copied")
    return _map(lambda w: w, copied).named("identity_after")


def twin_maps_sum() -> rasp.SOp:
    """Two Maps with the same lambda and a third equal to them on 0..5, combined by SequenceMaps."""
    left = _map(lambda t: t % 3, rasp.tokens).named("mod3_left")
    right = _map(lambda t: t % 3, rasp.tokens).named("mod3_right")
    table = _map(lambda t: {0: 0, 1: 1, 2: 2, 3: 0, 4: 1, 5: 2}[t], rasp.tokens).named("mod3_table")
    pair = rasp.SequenceMap(lambda a, b: a + b, left, right).named("twin_sum")
    return rasp.SequenceMap(lambda s, c: s - c, pair, table).named("twin_sum_minus_table")


def colour_mixing_table() -> rasp.SOp:
    """A dict of colour mixes (frozenset keys) of my colour and the next one; None at the last position."""
    names = {"r": "red", "g": "green", "b": "blue", "c": "cyan", "m": "magenta", "y": "yellow", "k": "black"}
    mixes = {frozenset("rg"): "yellow", frozenset("rb"): "magenta", frozenset("gb"): "cyan"}
    name = _map(lambda c: names[c], rasp.tokens).named("colour_name")
    nxt = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1).named("next_pos"), rasp.tokens
    ).named("next_colour")
    letter = {v: k for k, v in names.items()}

    def mix(a, c):
        if c is None:
            return None
        mine = letter[a]
        if mine == c:
            return "same"
        if "k" in (mine, c):
            return "darker"
        return mixes.get(frozenset(mine + c), "muddy")

    return rasp.SequenceMap(mix, name, nxt).named("mix_with_next")


def word_chain_game() -> rasp.SOp:
    """Odd words: does my word start with the previous word's last letter? (None at the first)."""
    initial = _map(lambda w: w[0], rasp.tokens).named("initial")
    final = _map(lambda w: w[-1], rasp.tokens).named("final")
    prev_final = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1).named("prev"), final
    ).named("prev_final")
    return rasp.SequenceMap(lambda f, i: None if f is None else f == i, prev_final, initial).named("chains")


# --- constants, identities, selectors ---------------------------------------------------------------


def constant_query_and_keys() -> rasp.SOp:
    """A constant Map as a Select's query (count of 'k') and as its keys (all or none), combined."""
    k_const = _map(lambda i: "k", rasp.indices).named("const_k")
    n_k = rasp.SelectorWidth(rasp.Select(rasp.tokens, k_const, rasp.Comparison.EQ).named("is_k_key")).named(
        "n_k"
    )
    all_if_k = rasp.SelectorWidth(
        rasp.Select(k_const, rasp.tokens, rasp.Comparison.EQ).named("query_is_k")
    ).named("len_if_k")
    return rasp.SequenceMap(
        lambda a, b: "many" if a >= 2 else ("one" if a == 1 else f"none{b}"), n_k, all_if_k
    ).named("k_summary")


def or_and_not_selectors() -> rasp.SOp:
    """selector_or(LT, GT) = NEQ width, selector_and(LEQ, GEQ) = an index copy, selector_not(EQ) width."""
    lt = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT)
    gt = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT)
    differ = rasp.SelectorWidth(rasp.selector_or(lt, gt).named("lt_or_gt")).named("n_differ")
    leq = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    geq = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ)
    copy = rasp.Aggregate(rasp.selector_and(leq, geq).named("leq_and_geq"), rasp.tokens).named("copy_by_and")
    parity = _map(lambda t: t % 2, rasp.tokens).named("parity")
    other_parity = rasp.SelectorWidth(
        rasp.selector_not(rasp.Select(parity, parity, rasp.Comparison.EQ)).named("not_same_parity")
    ).named("n_other_parity")
    mixed = rasp.SequenceMap(lambda d, o: d * 10 + o, differ, other_parity).named("widths")
    return rasp.SequenceMap(lambda w, c: w + c, mixed, copy).named("widths_plus_token")


def sequencemap_keys_neq() -> rasp.SOp:
    """Keys a SequenceMap (token + index) mod 4, queries token mod 4: EQ and NEQ widths."""
    key = rasp.SequenceMap(lambda t, i: (t + i) % 4, rasp.tokens, rasp.indices).named("token_plus_index4")
    query = _map(lambda t: t % 4, rasp.tokens).named("token4")
    eq = rasp.SelectorWidth(rasp.Select(key, query, rasp.Comparison.EQ).named("key_eq")).named("n_key_eq")
    neq = rasp.SelectorWidth(rasp.Select(key, query, rasp.Comparison.NEQ).named("key_neq")).named("n_key_neq")
    return rasp.SequenceMap(lambda a, b: (a, b), eq, neq).named("eq_neq_pair")


def width_class_as_query() -> rasp.SOp:
    """A histogram read as a class ('solo'/'pair'/'crowd') that queries a Map of tokens: matching count."""
    hist = lib.make_hist()
    crowd = _map(lambda h: "solo" if h == 1 else ("pair" if h == 2 else "crowd"), hist).named("crowd_class")
    token_class = _map(lambda c: ("solo", "pair", "crowd")["abcdef".index(c) % 3], rasp.tokens).named(
        "token_class"
    )
    matching = rasp.SelectorWidth(rasp.Select(token_class, crowd, rasp.Comparison.EQ).named("class_matches"))
    return matching.named("n_class_matches")


def float_rank_words() -> rasp.SOp:
    """Float categorical keys (a weight table over items) compared by LT: the rank as an ordinal word."""
    weight = _map(
        lambda w: {"apple": 0.25, "bread": 1.5, "cheese": 2.75, "dates": 0.125, "eggs": 1.5, "figs": -0.5}[w],
        rasp.tokens,
    ).named("weight")
    lighter = rasp.SelectorWidth(rasp.Select(weight, weight, rasp.Comparison.LT).named("lighter")).named(
        "n_lighter"
    )
    return _map(lambda n: ("1st", "2nd", "3rd")[n] if n < 3 else f"{n + 1}th", lighter).named("ordinal")


def five_heads_one_layer() -> rasp.SOp:
    """Five heads in one layer: first, half-position, previous and two-back tokens, and a vowel mean."""
    first = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("first_pos"), rasp.tokens
    ).named("first_tok")
    half = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q // 2).named("half_pos"), rasp.tokens
    ).named("half_tok")
    prev = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("prev_pos"),
        rasp.tokens,
    ).named("prev_tok")
    back2 = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 2, 0)).named("back2_pos"),
        rasp.tokens,
    ).named("back2_tok")
    vowel = rasp.numerical(_map(lambda c: 1 if c in "ae" else 0, rasp.tokens)).named("vowel")
    share = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("all_pos"), vowel, default=0
        )
    ).named("vowel_share")
    any_vowel = _map(lambda x: "v" if x > 0 else "-", share).named("any_vowel")
    a = rasp.SequenceMap(lambda x, y: x == y, first, half).named("first_is_half")
    b = rasp.SequenceMap(lambda x, y: x == y, prev, back2).named("prev_is_back2")
    c = rasp.SequenceMap(lambda x, y: int(x) + 2 * int(y), a, b).named("agreement")
    return rasp.SequenceMap(lambda n, v: f"{n}{v}", c, any_vowel).named("agreement_and_vowel")


# --- numerical ---------------------------------------------------------------------------------------


def price_prefix_mean() -> rasp.SOp:
    """Prices in [0, 1) per item, averaged over the prefix: a mean of values that are not 0/1."""
    price = rasp.numerical(
        _map(
            lambda w: {
                "apple": 0.25,
                "bread": 0.5,
                "cheese": 0.875,
                "dates": 0.125,
                "eggs": 0.0625,
                "figs": 0.75,
            }[w],
            rasp.tokens,
        )
    ).named("price")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    return rasp.numerical(rasp.Aggregate(prefix, price, default=0)).named("mean_price_so_far")


def mean_of_running_share() -> rasp.SOp:
    """The prefix mean of `make_frac_prevs` (a mean of a running mean), numerical."""
    running = lib.make_frac_prevs(rasp.tokens == "x")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix_again")
    return rasp.numerical(rasp.Aggregate(prefix, running, default=0)).named("mean_running_x")


def signed_half_balance() -> rasp.SOp:
    """Up counts +1/2 and down -1/2 on average over everything: two half-valued means subtracted."""
    up = rasp.numerical(_map(lambda w: 0.5 if w == "up" else 0, rasp.tokens)).named("up_half")
    down = rasp.numerical(_map(lambda w: 0.5 if w == "down" else 0, rasp.tokens)).named("down_half")
    everything = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everything")
    up_mean = rasp.numerical(rasp.Aggregate(everything, up, default=0)).named("up_mean")
    down_mean = rasp.numerical(rasp.Aggregate(everything, down, default=0)).named("down_mean")
    return rasp.numerical(rasp.LinearSequenceMap(up_mean, down_mean, 1, -1)).named("signed_balance")


def false_and_true_means() -> rasp.SOp:
    """A numerical mean under Comparison.FALSE (always 0) and one under TRUE, combined 3 : 0.5."""
    heavy = rasp.numerical(_map(lambda t: 1 if t in "qz" else 0, rasp.tokens)).named("heavy")
    never = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.FALSE).named("never")
    always = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("always")
    none_mean = rasp.numerical(rasp.Aggregate(never, heavy, default=0)).named("mean_never")
    all_mean = rasp.numerical(rasp.Aggregate(always, heavy, default=0)).named("mean_always")
    return rasp.numerical(rasp.LinearSequenceMap(none_mean, all_mean, 3, 0.5)).named("never_and_always")


def none_after_flag() -> rasp.SOp:
    """A bool output: whether any '!' comes strictly after me (a GT mean read by a Map at 0)."""
    bang = rasp.numerical(_map(lambda c: 1 if c == "!" else 0, rasp.tokens)).named("bang")
    after = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT).named("strictly_after")
    share = rasp.numerical(rasp.Aggregate(after, bang, default=0)).named("bang_after")
    return _map(lambda x: x > 0, share).named("bang_ahead")


def switch_share_len12() -> rasp.SOp:
    """Two tokens, length 12: the share of positions so far where the token differs from the previous."""
    prev = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("prev_or_self"),
        rasp.tokens,
    ).named("prev_token")
    switched = rasp.SequenceMap(lambda a, b: a != b, rasp.tokens, prev).named("switched")
    as_number = rasp.numerical(_map(lambda s: 1 if s else 0, switched)).named("switched_num")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("so_far")
    return rasp.numerical(rasp.Aggregate(prefix, as_number, default=0)).named("switch_share")


# --- depth ---------------------------------------------------------------------------------------------


def deep_rare_flag_chain() -> rasp.SOp:
    """Histogram -> 'unique' as 0/1 -> prefix mean -> seen flag -> previous flag -> change word (4 layers)."""
    hist = lib.make_hist()
    unique = rasp.numerical(_map(lambda h: 1 if h == 1 else 0, hist)).named("unique_num")
    share = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("upto"), unique, default=0
        )
    ).named("unique_share")
    seen = _map(lambda x: "seen" if x > 0 else "unseen", share).named("unique_seen")
    prev_seen = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named("back_one"), seen
    ).named("prev_seen")
    return rasp.SequenceMap(lambda a, b: "became" if a != b else a, seen, prev_seen).named("unique_event")


def mod_pointer_program() -> rasp.SOp:
    """Nine lines of arithmetic mod 7: a pointer (3t + i*i) mod (i + 1), the token there, a class."""
    x = _map(lambda t: t * 3 % 7, rasp.tokens).named("three_t")
    y = _map(lambda i: i * i % 7, rasp.indices).named("i_squared")
    z = rasp.SequenceMap(lambda a, b: (a + b) % 7, x, y).named("sum7")
    target = rasp.SequenceMap(lambda s, i: s % (i + 1), z, rasp.indices).named("pointer")
    there = rasp.Aggregate(
        rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named("at_pointer"), rasp.tokens
    ).named("token_there")
    u = _map(lambda t: t * t % 7, there).named("there_squared")
    v = rasp.SequenceMap(lambda a, b: (a - b) % 7, u, x).named("difference7")
    return _map(lambda d: "zero" if d == 0 else ("small" if d < 4 else "large"), v).named("difference_class")


# --- Tracr's lib.py at new arguments ---------------------------------------------------------------


def lib_count_three_letter_words() -> rasp.SOp:
    """`make_count` of a Map (word length), counting 3-letter words."""
    size = _map(len, rasp.tokens).named("word_size")
    return lib.make_count(size, 3).named("n_three_letter")


def lib_shuffle_dyck_letters() -> rasp.SOp:
    return lib.make_shuffle_dyck(["ab", "xy"]).named("dyck_ab_xy")


def lib_nary_three_maps() -> rasp.SOp:
    """`make_nary_sequencemap` of three Maps of the tokens into a string."""
    vowel = _map(lambda c: c in "aeiou", rasp.tokens).named("is_vowel")
    code = _map(lambda c: ord(c) % 3, rasp.tokens).named("code3")
    late = _map(lambda c: c > "m", rasp.tokens).named("is_late")
    return lib.make_nary_sequencemap(
        lambda v, c, l: f"{'V' if v else 'c'}{c}{'>' if l else '<'}", vowel, code, late
    ).named("three_features")


def lib_sort_by_last_letter() -> rasp.SOp:
    """`make_sort` of words by the position of their last letter in the alphabet, ties by position."""
    last = _map(lambda w: ord(w[-1]) - ord("a") + 1, rasp.tokens).named("last_letter_code")
    return lib.make_sort(rasp.tokens, last, max_seq_len=5, min_key=1).named("sorted_by_last_letter")


def lib_pair_balance_words() -> rasp.SOp:
    return lib.make_pair_balance(rasp.tokens, "begin", "end").named("begin_end_balance")


def lib_pattern_on_parity() -> rasp.SOp:
    """`detect_pattern` over a Map (token parity), pattern odd, even, odd."""
    parity = _map(lambda t: t % 2, rasp.tokens).named("token_parity")
    return lib.detect_pattern(parity, [1, 0, 1]).named("odd_even_odd")


# --- second round: unread directions, query-only predicates, indices moved, overlapping values, depth ---


def vowel_share_vocab20() -> rasp.SOp:
    """20 letters read only as vowel or not (most token differences and the indices unread): vowel share."""
    vowel = rasp.numerical(_map(lambda c: 1 if c in "aeiou" else 0, rasp.tokens)).named("is_vowel20")
    everything = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("all_tokens")
    return rasp.numerical(rasp.Aggregate(everything, vowel, default=0)).named("vowel_share20")


def query_only_predicate() -> rasp.SOp:
    """Predicates that ignore the key: the width is the length where I am 'x', else 0; a mean likewise."""
    width = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: q == "x").named("if_query_x")
    ).named("len_if_x")
    is_y = rasp.numerical(_map(lambda c: 1 if c == "y" else 0, rasp.tokens)).named("is_y")
    share = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.tokens, lambda k, q: q != "z").named("unless_query_z"),
            is_y,
            default=0,
        )
    ).named("y_share_unless_z")
    seen = _map(lambda v: "y" if v > 0 else "n", share).named("any_y")
    return rasp.SequenceMap(lambda w, y: f"{w}{y}", width, seen).named("width_and_y")


def index_moved_by_attention() -> rasp.SOp:
    """Indices as an Aggregate's values (half my position, moved by attention), then read with the token."""
    half = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q // 2).named("to_half"), rasp.indices
    ).named("half_index")
    there = rasp.Aggregate(
        rasp.Select(rasp.indices, half, rasp.Comparison.EQ).named("at_half_index"), rasp.tokens
    ).named("token_at_half")
    return rasp.SequenceMap(lambda h, t: f"{t}@{h}", half, there).named("half_report")


def clamp_against_tokens() -> rasp.SOp:
    """A Map whose values are a subset of its input's (min(t, 3)) as query against the tokens (LT, GEQ)."""
    clamp = _map(lambda t: min(t, 3), rasp.tokens).named("clamped")
    below = rasp.SelectorWidth(rasp.Select(rasp.tokens, clamp, rasp.Comparison.LT).named("token_lt_clamp"))
    above = rasp.SelectorWidth(rasp.Select(clamp, rasp.tokens, rasp.Comparison.GEQ).named("clamp_geq_token"))
    return rasp.SequenceMap(
        lambda a, b: a - b, below.named("n_below_clamp"), above.named("n_clamp_geq")
    ).named("clamp_balance")


def bool_map_count_true() -> rasp.SOp:
    """`make_count` of a bool Map (token above 6) at True, over ten ints, indices unread."""
    high = _map(lambda t: t > 6, rasp.tokens).named("is_high")
    return lib.make_count(high, True).named("n_high")


def deep_alternating_chain() -> rasp.SOp:
    """Map, width, Map, pointer, lookup, numerical Map, mean, flag, merge: seven layers."""
    code = _map(lambda t: t % 3, rasp.tokens).named("code_mod3")
    mates = rasp.SelectorWidth(rasp.Select(code, code, rasp.Comparison.EQ).named("same_code")).named(
        "n_mates"
    )
    capped = _map(lambda n: min(n, 3), mates).named("mates_capped")
    target = rasp.SequenceMap(lambda c, i: min(c, i), capped, rasp.indices).named("capped_target")
    there = rasp.Aggregate(
        rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named("at_capped"), rasp.tokens
    ).named("token_at_capped")
    even = rasp.numerical(_map(lambda t: 1 if t % 2 == 0 else 0, there)).named("there_even")
    share = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix_chain"),
            even,
            default=0,
        )
    ).named("even_share")
    flag = _map(lambda v: v > 0, share).named("some_even")
    return rasp.SequenceMap(lambda f, c: f"{'E' if f else 'o'}{c}", flag, code).named("chain_report")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram(
        "unicode_turn_from_first",
        "arrows: my turn relative to the first arrow, as a unicode symbol",
        unicode_turn_from_first,
        ARROWS,
        6,
    ),
    SuiteProgram(
        "tricky_token_strings",
        "'', ' ', 'None', 'True', '0', 'null': label and number of blanks",
        tricky_token_strings,
        TRICKY,
        4,
    ),
    SuiteProgram(
        "custom_bos_string_rank",
        "digit strings at least mine (GEQ on strings), BOS '<|endoftext|>'",
        custom_bos_string_rank,
        DIGIT_STRINGS,
        5,
        compiler_bos="<|endoftext|>",
        compiler_pad="<pad>",
    ),
    SuiteProgram(
        "len1_vocab30_echo",
        "30 Greek letters at length 1: the capital echoed by a token selector",
        len1_vocab30_echo,
        GREEK30,
        1,
    ),
    SuiteProgram(
        "identity_chain_words",
        "identity Map, attention copy, identity Map: the tokens themselves",
        identity_chain_words,
        ODD_WORDS,
        5,
    ),
    SuiteProgram(
        "twin_maps_sum",
        "t mod 3 twice plus itself minus a table equal to it",
        twin_maps_sum,
        tuple(range(6)),
        4,
    ),
    SuiteProgram(
        "colour_mixing_table",
        "a dict of colour mixes of my colour and the next one (None at the end)",
        colour_mixing_table,
        COLOURS,
        7,
    ),
    SuiteProgram(
        "word_chain_game",
        "does my word start with the previous word's last letter (None first)",
        word_chain_game,
        ODD_WORDS,
        5,
    ),
    SuiteProgram(
        "constant_query_and_keys",
        "number of 'k' (constant query) and length if I am 'k' (constant keys)",
        constant_query_and_keys,
        ("k", "l", "m", "n"),
        7,
    ),
    SuiteProgram(
        "or_and_not_selectors",
        "widths of selector_or / selector_not and a selector_and copy, summed",
        or_and_not_selectors,
        tuple(range(5)),
        5,
    ),
    SuiteProgram(
        "sequencemap_keys_neq",
        "EQ and NEQ widths with keys (token + index) mod 4, as a pair",
        sequencemap_keys_neq,
        tuple(range(10)),
        5,
    ),
    SuiteProgram(
        "width_class_as_query",
        "tokens whose class equals my histogram's class (solo/pair/crowd)",
        width_class_as_query,
        tuple("abcdef"),
        7,
    ),
    SuiteProgram(
        "float_rank_words",
        "ordinal rank of my item's float weight (LT on float keys)",
        float_rank_words,
        ITEMS,
        6,
    ),
    SuiteProgram(
        "five_heads_one_layer",
        "four lookups and a vowel mean in one layer, agreement coded",
        five_heads_one_layer,
        tuple("abcdef"),
        6,
    ),
    SuiteProgram(
        "price_prefix_mean",
        "mean price so far, prices in [0, 1) (numerical, not 0/1)",
        price_prefix_mean,
        ITEMS,
        6,
    ),
    SuiteProgram(
        "mean_of_running_share",
        "prefix mean of the running share of 'x' (mean of a mean)",
        mean_of_running_share,
        ("x", "o"),
        6,
    ),
    SuiteProgram(
        "signed_half_balance",
        "mean of +1/2 for up and -1/2 for down over everything (numerical)",
        signed_half_balance,
        ("up", "down", "flat"),
        5,
    ),
    SuiteProgram(
        "false_and_true_means",
        "3 * a mean under FALSE (0) + 0.5 * the share of q/z (numerical)",
        false_and_true_means,
        tuple("pqxz"),
        5,
    ),
    SuiteProgram(
        "none_after_flag",
        "True where some '!' comes strictly after (bool from a GT mean)",
        none_after_flag,
        ("!", "?", "."),
        8,
    ),
    SuiteProgram(
        "switch_share_len12",
        "share of positions so far whose bit differs from the previous, length 12",
        switch_share_len12,
        ("lo", "hi"),
        12,
    ),
    SuiteProgram(
        "deep_rare_flag_chain",
        "when a unique token has first been seen, via hist, mean and look-back",
        deep_rare_flag_chain,
        tuple("abcde"),
        6,
    ),
    SuiteProgram(
        "mod_pointer_program",
        "class of (token at a mod-7 pointer)^2 - 3t, nine lines",
        mod_pointer_program,
        tuple(range(7)),
        7,
    ),
    SuiteProgram(
        "lib_count_three_letter_words",
        "number of three-letter words (make_count of a Map)",
        lib_count_three_letter_words,
        SHORT_WORDS,
        6,
    ),
    SuiteProgram(
        "lib_shuffle_dyck_letters",
        "1 if 'ab' and 'xy' are each balanced as brackets (make_shuffle_dyck)",
        lib_shuffle_dyck_letters,
        ("a", "b", "x", "y"),
        6,
    ),
    SuiteProgram(
        "lib_nary_three_maps",
        "vowel, code mod 3 and lateness joined (3-ary make_nary_sequencemap)",
        lib_nary_three_maps,
        tuple("aeknrtz"),
        4,
    ),
    SuiteProgram(
        "lib_sort_by_last_letter",
        "words sorted by their last letter, ties by position (make_sort)",
        lib_sort_by_last_letter,
        SHORT_WORDS,
        5,
    ),
    SuiteProgram(
        "lib_pair_balance_words",
        "fraction of 'begin' minus fraction of 'end' so far (make_pair_balance)",
        lib_pair_balance_words,
        ("begin", "end", "x"),
        8,
    ),
    SuiteProgram(
        "lib_pattern_on_parity",
        "True where odd, even, odd ends (detect_pattern over a Map)",
        lib_pattern_on_parity,
        tuple(range(8)),
        7,
    ),
    SuiteProgram(
        "vowel_share_vocab20",
        "share of vowels over 20 letters read only as vowel or not (numerical)",
        vowel_share_vocab20,
        tuple("abcdefghijklmnopqrst"),
        5,
    ),
    SuiteProgram(
        "query_only_predicate",
        "length if I am 'x' (a key-blind selector), and any 'y' unless I am 'z'",
        query_only_predicate,
        ("x", "y", "z"),
        6,
    ),
    SuiteProgram(
        "index_moved_by_attention",
        "half my position moved by attention, and the token there",
        index_moved_by_attention,
        ("p", "q", "r"),
        8,
    ),
    SuiteProgram(
        "clamp_against_tokens",
        "tokens below min(t, 3) minus tokens at most min(t, 3)",
        clamp_against_tokens,
        tuple(range(8)),
        6,
    ),
    SuiteProgram(
        "bool_map_count_true",
        "number of tokens above 6 (make_count of a bool Map at True)",
        bool_map_count_true,
        tuple(range(10)),
        7,
    ),
    SuiteProgram(
        "deep_alternating_chain",
        "width, pointer, lookup, mean and flag in seven layers",
        deep_alternating_chain,
        tuple(range(6)),
        6,
    ),
]
