"""A caldera suite: held-out Tracr programs, written blind to measure whether TraDe generalises.

Why: the older suites (`tracr_lib/` ... `glacier/`, `moraine/`) were read while TraDe was being built, or were
written before this one. These were written afterwards without reading how TraDe reads weights (nothing under
`trade/` but `trade/suites.py`, no tests, reports, benchmarks or checkpoints), as small tasks an
interpretability researcher might compile to study a circuit, each with its own lambdas (no lambda library).
Where the older held-out suites kept to means of 0/1 values and categorical Maps, caldera stresses:

- numerical-to-numerical Maps (Tracr's discretising MLPs): abs, clipping, squares, steps, 1 / (1 + x) and
  1 / x, on numerical Maps of tokens, on means whose every value lies in the value set Tracr infers
  ({0} and 1 / n: a mean of an is-first flag), on a mean at max_seq_len 2, on a numerical SelectorWidth; three
  chained two deep (`simplify=False`, else Tracr fuses a Map of a Map into one);
- categorical-to-numerical Maps with values other than 0 / 1 (sweetness 0..3.5, stars 1..5, dollars
  0.01..1, joy / gloom 0.5..3, a bonus 0.25..2.2), averaged (Tracr only checks that int(x) is 0 or 1) or summed
  by LinearSequenceMaps; negative weights made by a numerical-to-numerical Map (valence -0.75..1.5, then
  averaged) or a LinearSequenceMap (mood = joy - gloom, worth = coins - IOUs / 2);
- SelectorWidth: three in one layer, of `selector_and` / `selector_or` / `selector_not`, over Selects whose
  keys and queries are Maps or SequenceMaps, feeding a Select (a sort, an argsort and a four-round rank /
  gather chain without `lib.py`), as the output, numerical;
- categorical Maps with 21 to 30 values, many-to-one collapses, bool Maps, Maps over indices (a ruler's
  ticks, a row start), SequenceMap(tokens, indices), an Aggregate of indices as the output, permutations by a
  computed index and a seven-hop causal pointer chase;
- vocabularies: bools, Greek, CJK and kana, accented words, emoji, punctuation marks, long strings, ints with
  gaps (primes, powers of two, negatives), zero-padded digit strings, a one-token vocabulary at max_seq_len 1.

Causal=True for ten; custom BOS / PAD for five (Tracr's own 'compiler_bos' / 'compiler_pad', '[CLS]' / '[PAD]',
'<bos>' / '<eos>', 'START' / 'END', '⊢' / '⊣'). README.md has the measurements.

Pitfalls of the older suites avoided: categorical Aggregates select exactly one position (clamped look-backs,
position 0, a row start, computed pointers at or before me, ranks made unique by the index); no SelectorWidth
past max_seq_len 8; numerical-to-numerical and numerical-to-categorical Maps only of SOps whose actual values
all lie in Tracr's inferred value set, or read at 0; input value sets of numerical Maps at least 0.03 apart
(Tracr's discretising MLP has a 0.01-wide ramp at each midpoint); no numerical SequenceMap; every lambda
accepts every combination of its inputs' value sets. Writing this suite found two more (README.md has the
measurements):
- Tracr's categorical-to-numerical MLP has one hidden unit per output, the output itself, behind a ReLU, so a
  negative value compiles to 0 (a lemon's -1.5 sweetness came out 0, four programs disagreed): every
  categorical-to-numerical Map here is non-negative, and negative numbers come from numerical-to-numerical
  Maps (whose second layer is linear) or LinearSequenceMaps;
- a Map over indices alone cannot be the output: Tracr needs rasp.tokens in the program's graph.
"""

from tracr.rasp import rasp

from trade.suites import SuiteProgram

RULER = ("|", "¦")
FRUIT = ("🍎", "🍌", "🍇", "🍋", "🥑", "🍒")
SWEETNESS = {"🍎": 2.5, "🍌": 3.5, "🍇": 3, "🍋": 0, "🥑": 1, "🍒": 2}
POWERS = (1, 2, 4, 8, 16, 32, 64)
ELEMENTS = ("水", "火", "木", "金", "土")
GREEK = ("α", "β", "γ", "δ", "ε")
GREEK_NUMERAL = {"α": 1, "β": 2, "γ": 3, "δ": 4, "ε": 5}
BITS = (False, True)
PRIMES = (2, 3, 5, 7, 11, 13)
ACCENTED = ("café", "naïve", "résumé", "jalapeño", "crème", "façade", "über", "señor")
MARK = {"café": "acute", "résumé": "acute", "naïve": "diaeresis", "über": "diaeresis", "jalapeño": "tilde",
        "señor": "tilde", "crème": "grave", "façade": "cedilla"}
PUNCT = (".", ",", "!", "?", ";", ":")
TERMINAL = (".", "!", "?")
OPENINGS = ("Call me Ishmael.", "It was the best of times, it was the worst of times",
            "In the beginning God created the heaven and the earth", "Happy families are all alike",
            "supercalifragilisticexpialidocious", "All this happened, more or less.")
CODES = ("000", "007", "013", "042", "100", "256")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SIGNED = (-8, -3, 0, 4, 9)
CJK_NUMERALS = ("一", "二", "三", "四", "五", "六")
CJK_VALUE = {n: v for v, n in enumerate(CJK_NUMERALS, start=1)}
ROWS = ("A", "B", "C", "D", "E")
ONE_WORD = ("supercalifragilisticexpialidocious",)
KEYS = ("C", "G", "D", "A", "E", "B", "F#", "F", "Bb", "Eb", "Ab", "Db")
KEY_ACCIDENTALS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F#": 6, "F": -1, "Bb": -2, "Eb": -3,
                   "Ab": -4, "Db": -5}
CELLS = ("X", "O", "·")
COINS = ("1¢", "5¢", "10¢", "25¢", "$1", "IOU")
CENTS = {"1¢": 1, "5¢": 5, "10¢": 10, "25¢": 25, "$1": 100, "IOU": -50}
COIN_DOLLARS = {"1¢": 0.01, "5¢": 0.05, "10¢": 0.1, "25¢": 0.25, "$1": 1.0, "IOU": 0}
VALENCE_WORDS = ("love", "like", "meh", "hate", "ugh")
STARS = {"love": 5, "like": 4, "meh": 3, "hate": 2, "ugh": 1}
VALENCE = {5: 1.5, 4: 0.5, 3: 0.25, 2: -0.5, 1: -0.75}
ACCENT_LETTERS = ("à", "é", "î", "õ", "ü")
GAPPED = (-7, -2, 0, 3, 10)
FACES = ("😀", "🙂", "😐", "😢", "😡")
JOY = {"😀": 2, "🙂": 0.5, "😐": 0, "😢": 0, "😡": 0}
GLOOM = {"😀": 0, "🙂": 0, "😐": 0, "😢": 2, "😡": 3}
GREEK_CASES = ("Α", "α", "Β", "β", "Ω", "ω")
PADDED = ("00", "07", "09", "10", "99")
ARROWS = ("⏺", "◀", "⏪", "⏮")
ARROW_STEP = {"⏺": 0, "◀": 1, "⏪": 2, "⏮": 3}
HOPS = (0, 1, 2, 4, 8)
KANA = ("あ", "い", "う", "え", "お")


def _first_flag(name: str) -> rasp.SOp:
    return rasp.numerical(rasp.Map(lambda i: 1 if i == 0 else 0, rasp.indices)).named(name)


def _clamped_back(name: str) -> rasp.Selector:
    return rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(name)


# --- non-causal ---------------------------------------------------------------------------------------------


def ruler_ticks_index_map() -> rasp.SOp:
    """A ruler of '|' (inked) / '¦' (faint) marks at max_seq_len 8: a many-to-one Map over indices naming each
    eighth of an inch 'inch', 'half', 'quarter' or 'eighth' by its position, and a SequenceMap with the mark
    ('inch', 'faint half', ...). (A Map over indices alone as the output does not compile: Tracr needs
    rasp.tokens in the program.)"""
    tick = rasp.Map(lambda i: "inch" if i % 8 == 0 else ("half" if i % 4 == 0 else
                                                          ("quarter" if i % 2 == 0 else "eighth")),
                    rasp.indices).named("rt_tick")
    return rasp.SequenceMap(lambda m, t: t if m == "|" else f"faint {t}", rasp.tokens, tick).named("rt_out")


def emoji_sweetness_abs_clip() -> rasp.SOp:
    """Fruit emoji with a sweetness 0..3.5 (a categorical-to-numerical Map), its distance from the ideal 1.5
    (abs(x - 1.5), a numerical-to-numerical Map) clipped at 1 (a second one, chained), and sweetness minus
    twice the clipped distance as a LinearSequenceMap: a numerical output, negative for a lemon."""
    sweet = rasp.numerical(rasp.Map(lambda f: SWEETNESS[f], rasp.tokens)).named("es_sweet")
    off = rasp.numerical(rasp.Map(lambda x: abs(x - 1.5), sweet, simplify=False)).named("es_abs")
    tamed = rasp.numerical(rasp.Map(lambda x: min(x, 1), off, simplify=False)).named("es_clip")
    return rasp.numerical(rasp.LinearSequenceMap(sweet, tamed, 1, -2)).named("es_out")


def powers_of_two_big_share() -> rasp.SOp:
    """Powers of two 1..64: log2 as a categorical-to-numerical Map, a step (log2 >= 3) as a numerical-to-numerical
    Map, and the share of big values among positions at or before mine (an index LEQ mean of the step)."""
    log2 = rasp.numerical(rasp.Map(lambda t: t.bit_length() - 1, rasp.tokens)).named("pb_log2")
    big = rasp.numerical(rasp.Map(lambda x: 1 if x >= 3 else 0, log2, simplify=False)).named("pb_big")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("pb_prefix_sel")
    return rasp.numerical(rasp.Aggregate(prefix, big, default=0)).named("pb_share")


def cjk_first_element_recount() -> rasp.SOp:
    """Five elements 水 火 木 金 土: the mean of an is-first flag over positions holding my element (1 / count
    where my element is the first token's, else 0), turned back into the count by a numerical Map 1 / x."""
    first = _first_flag("ce_first")
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("ce_same_sel")
    inverse = rasp.numerical(rasp.Aggregate(same, first, default=0)).named("ce_inverse")
    return rasp.numerical(rasp.Map(lambda x: round(1 / x) if x > 0 else 0, inverse)).named("ce_count")


def greek_position_hyperbola() -> rasp.SOp:
    """Greek letters α..ε: 1 / (i + 1) as an LEQ mean of an is-first flag, 1 / (1 + x) of it, a step of that at
    0.75 (chained two deep: past the first two positions), and the letter's numeral plus 10 × the step (a
    LinearSequenceMap)."""
    first = _first_flag("gh_first")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("gh_prefix_sel")
    inverse = rasp.numerical(rasp.Aggregate(prefix, first, default=0)).named("gh_inverse")
    hyper = rasp.numerical(rasp.Map(lambda x: 1 / (1 + x), inverse)).named("gh_hyper")
    late = rasp.numerical(rasp.Map(lambda y: 1 if y >= 0.75 else 0, hyper, simplify=False)).named("gh_late")
    numeral = rasp.numerical(rasp.Map(lambda g: GREEK_NUMERAL[g], rasp.tokens)).named("gh_numeral")
    return rasp.numerical(rasp.LinearSequenceMap(numeral, late, 1, 10)).named("gh_out")


def bool_flip_count_width() -> rasp.SOp:
    """Bools at max_seq_len 8: a clamped previous-bit head, a flip flag, a (flip, index) key folded to an int,
    and the width of flips at or before me (a Select whose keys are a SequenceMap): the output."""
    prev = rasp.Aggregate(_clamped_back("bf_prev_sel"), rasp.tokens).named("bf_prev")
    flip = rasp.SequenceMap(lambda t, p: t != p, rasp.tokens, prev).named("bf_flip")
    key = rasp.SequenceMap(lambda f, i: i if f else -1, flip, rasp.indices).named("bf_key")
    upto = rasp.Select(key, rasp.indices, lambda k, q: 0 <= k <= q).named("bf_upto_sel")
    return rasp.SelectorWidth(upto).named("bf_flips")


def prime_rank_three_widths() -> rasp.SOp:
    """Primes 2..13: LT, GT and EQ widths in one layer, a SequenceMap naming min / max / mid, and one adding
    the tie count: 'mid', 'min×2', ..."""
    lt = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("pr_lt_sel")).named(
        "pr_lt")
    gt = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named("pr_gt_sel")).named(
        "pr_gt")
    eq = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("pr_eq_sel")).named(
        "pr_eq")
    place = rasp.SequenceMap(lambda a, b: "min" if a == 0 else ("max" if b == 0 else "mid"), lt, gt).named(
        "pr_place")
    return rasp.SequenceMap(lambda p, e: p if e <= 1 else f"{p}×{e}", place, eq).named("pr_out")


def accented_words_same_mark_others() -> rasp.SOp:
    """Accented words (café, naïve, jalapeño, façade, ...): the width of `selector_and(same accent mark,
    selector_not(EQ))`, other words with my diacritic: the output."""
    same_mark = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: MARK[k] == MARK[q]).named("aw_mark_sel")
    other = rasp.selector_not(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "aw_same_sel")).named("aw_other_sel")
    return rasp.SelectorWidth(rasp.selector_and(same_mark, other).named("aw_sel")).named("aw_count")


def punctuation_strength_widths() -> rasp.SOp:
    """Punctuation marks . , ! ? ; : : a width of `selector_or(both sentence-final, EQ)` and a width of
    `selector_not(same class)` in one layer, written 'stops|pauses' ('3|2')."""
    both_final = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k in TERMINAL and q in TERMINAL).named(
        "ps_final_sel")
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("ps_same_sel")
    kin = rasp.SelectorWidth(rasp.selector_or(both_final, same).named("ps_kin_sel")).named("ps_kin")
    same_class = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: (k in TERMINAL) == (q in TERMINAL)).named(
        "ps_class_sel")
    other = rasp.SelectorWidth(rasp.selector_not(same_class).named("ps_other_sel")).named("ps_other")
    return rasp.SequenceMap(lambda a, b: f"{a}|{b}", kin, other).named("ps_out")


def opening_lines_wordier() -> rasp.SOp:
    """Novel opening lines (long strings, one a single 34-letter word): a word-count Map as keys and a
    characters-per-ten Map as queries, the width of lines with more words than my tens of characters, named
    by a Map ('none', '2 wordier')."""
    words = rasp.Map(lambda s: len(s.split()), rasp.tokens).named("ol_words")
    tens = rasp.Map(lambda s: len(s) // 10, rasp.tokens).named("ol_tens")
    wordier = rasp.SelectorWidth(rasp.Select(words, tens, rasp.Comparison.GT).named("ol_sel")).named("ol_wordier")
    return rasp.Map(lambda n: "none" if n == 0 else f"{n} wordier", wordier).named("ol_out")


def padded_codes_sort_by_digit_sum() -> rasp.SOp:
    """Zero-padded codes '000' '007' '013' '042' '100' '256': a unique key 10 × digit sum + index (a
    SequenceMap of tokens and indices), its LT width as a rank, and the code whose rank is my index (a Select
    with the width as keys): the codes sorted by digit sum, a categorical Aggregate."""
    key = rasp.SequenceMap(lambda t, i: 10 * sum(int(d) for d in t) + i, rasp.tokens, rasp.indices).named(
        "pc_key")
    rank = rasp.SelectorWidth(rasp.Select(key, key, rasp.Comparison.LT).named("pc_rank_sel")).named("pc_rank")
    return rasp.Aggregate(rasp.Select(rank, rasp.indices, rasp.Comparison.EQ).named("pc_sort_sel"),
                          rasp.tokens).named("pc_sorted")


def shirt_sizes_argsort() -> rasp.SOp:
    """Shirt sizes XS..XXL: a size-order Map, a unique (order, index) key, its LT width as a rank, and the
    index of the i-th smallest shirt (an Aggregate of indices selecting the position whose rank is my index)."""
    order = rasp.Map(lambda s: SIZES.index(s), rasp.tokens).named("ss_order")
    key = rasp.SequenceMap(lambda o, i: 8 * o + i, order, rasp.indices).named("ss_key")
    rank = rasp.SelectorWidth(rasp.Select(key, key, rasp.Comparison.LT).named("ss_rank_sel")).named("ss_rank")
    return rasp.Aggregate(rasp.Select(rank, rasp.indices, rasp.Comparison.EQ).named("ss_arg_sel"),
                          rasp.indices).named("ss_argsort")


def deep_rank_gather_chain() -> rasp.SOp:
    """Signed ints {-8, -3, 0, 4, 9}: four rounds of 'count the values below mine (an LT width), then fetch the
    value at the position that count names (the width as a Select's query)': 16 lines, 8 layers."""
    x = rasp.tokens
    for r in range(1, 5):
        below = rasp.SelectorWidth(rasp.Select(x, x, rasp.Comparison.LT).named(f"dr_lt_sel{r}")).named(
            f"dr_below{r}")
        x = rasp.Aggregate(rasp.Select(rasp.indices, below, rasp.Comparison.EQ).named(f"dr_fetch_sel{r}"),
                           x).named(f"dr_x{r}")
    return x


def cjk_numerals_six_heads() -> rasp.SOp:
    """CJK numerals 一..六: six heads in one layer (LT, GT and EQ widths on the numeral's value, a width of both
    even, a clamped previous numeral and the first numeral), then SequenceMaps: 'low↑=', 'mid·pair', ..."""
    v = CJK_VALUE
    lt = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: v[k] < v[q]).named(
        "cn_lt_sel")).named("cn_lt")
    gt = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: v[k] > v[q]).named(
        "cn_gt_sel")).named("cn_gt")
    eq = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("cn_eq_sel")).named(
        "cn_eq")
    evens = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens,
                                           lambda k, q: v[k] % 2 == 0 and v[q] % 2 == 0).named(
        "cn_even_sel")).named("cn_evens")
    prev = rasp.Aggregate(_clamped_back("cn_prev_sel"), rasp.tokens).named("cn_prev")
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("cn_first_sel"),
                           rasp.tokens).named("cn_first")
    rise = rasp.SequenceMap(lambda t, p: v[t] > v[p], rasp.tokens, prev).named("cn_rise")
    head = rasp.SequenceMap(lambda t, f: t == f, rasp.tokens, first).named("cn_head")
    place = rasp.SequenceMap(lambda a, b: "low" if a == 0 else ("high" if b == 0 else "mid"), lt, gt).named(
        "cn_place")
    tag = rasp.SequenceMap(lambda r, h: ("↑" if r else "·") + ("=" if h else ""), rise, head).named("cn_tag")
    pair = rasp.SequenceMap(lambda e, n: "pair" if e >= 2 else ("even" if n >= 1 else "odd"), eq, evens).named(
        "cn_pair")
    mark = rasp.SequenceMap(lambda p, t: p + t, place, tag).named("cn_mark")
    return rasp.SequenceMap(lambda m, p: m if p == "odd" else f"{m}{p}", mark, pair).named("cn_out")


def theatre_seat_labels() -> rasp.SOp:
    """Theatre rows A..E: a seat label from SequenceMap(tokens, indices) ('C4', 30 values) and a Map to 30
    strings naming the seat and its kind ('C1 aisle', 'C3 middle', 'C6 window')."""
    seat = rasp.SequenceMap(lambda r, i: f"{r}{i + 1}", rasp.tokens, rasp.indices).named("ts_seat")
    return rasp.Map(lambda s: s + (" aisle" if s[1:] == "1" else (" window" if s[1:] == "6" else " middle")),
                    seat).named("ts_out")


def one_word_len1_compiler_names() -> rasp.SOp:
    """One 34-letter token at max_seq_len 1 under Tracr's default names BOS 'compiler_bos' / PAD
    'compiler_pad': a TRUE width and a SequenceMap of it with the index ('1 word at 0')."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("ow_all_sel")).named(
        "ow_n")
    return rasp.SequenceMap(lambda w, i: f"{w} word at {i}", n, rasp.indices).named("ow_out")


def bool_pair_agreement_len2() -> rasp.SOp:
    """Two bools at most (max_seq_len 2): the share of True (a TRUE mean, whose values 0, 1/2, 1 all lie in
    Tracr's value set) and (2x - 1)^2 of it, a square: 1 when the bits agree, 0 when they differ."""
    on = rasp.numerical(rasp.Map(lambda b: 1 if b else 0, rasp.tokens)).named("bp_on")
    share = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "bp_all_sel"), on, default=0)).named("bp_share")
    return rasp.numerical(rasp.Map(lambda x: (2 * x - 1) ** 2, share)).named("bp_agree")


def musical_keys_fifth_neighbours() -> rasp.SOp:
    """12 major keys at max_seq_len 4: a signed accidental count (F# 6 .. Db -5), a width of keys a fifth away
    (|k - q| == 1 on that Map as keys and queries), a many-to-one Map to sharp / flat / natural, together."""
    acc = rasp.Map(lambda k: KEY_ACCIDENTALS[k], rasp.tokens).named("mk_acc")
    near = rasp.SelectorWidth(rasp.Select(acc, acc, lambda k, q: abs(k - q) == 1).named("mk_near_sel")).named(
        "mk_near")
    side = rasp.Map(lambda k: "sharp" if KEY_ACCIDENTALS[k] > 0 else ("flat" if KEY_ACCIDENTALS[k] < 0 else
                                                                      "natural"), rasp.tokens).named("mk_side")
    return rasp.SequenceMap(lambda s, n: f"{s}:{n}", side, near).named("mk_out")


def tictactoe_lines_cls() -> rasp.SOp:
    """Tic-tac-toe cells X / O / · at max_seq_len 9 under BOS '[CLS]' / PAD '[PAD]': a Map over indices to my
    row's start as the query of an index Select (the row's first cell), a look-up three back (the cell above,
    or me in the top row), and whether I extend a row and a column: 'row+col', 'row', 'col', '-'."""
    row_start = rasp.Map(lambda i: i - i % 3, rasp.indices).named("tt_row_start")
    lead = rasp.Aggregate(rasp.Select(rasp.indices, row_start, rasp.Comparison.EQ).named("tt_lead_sel"),
                          rasp.tokens).named("tt_lead")
    above = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == (q - 3 if q >= 3 else q)).named(
        "tt_above_sel"), rasp.tokens).named("tt_above")
    row = rasp.SequenceMap(lambda t, l: t == l and t != "·", rasp.tokens, lead).named("tt_row")
    col = rasp.SequenceMap(lambda t, a: t == a and t != "·", rasp.tokens, above).named("tt_col")
    return rasp.SequenceMap(lambda r, c: "row+col" if r and c else ("row" if r else ("col" if c else "-")), row,
                            col).named("tt_out")


def coin_jar_ledger() -> rasp.SOp:
    """Coins 1¢..$1 and an IOU (-50¢): the mean coin value in dollars (a mean of 0.01..1 weights) and the IOU
    share and silver share (TRUE means, three in one layer), the mean worth (coins - IOUs / 2, a
    LinearSequenceMap), cheaper and duplicate widths on a cents Map, a clamped previous coin, the first coin, a
    tag (cheapest / dup / other, rising, after an opening IOU) worth a bonus 0.25..2.2
    (categorical-to-numerical), and worth + bonus - silver / 4 by two more LinearSequenceMaps (24 lines)."""
    cents = rasp.Map(lambda c: CENTS[c], rasp.tokens).named("cj_cents")
    dollars = rasp.numerical(rasp.Map(lambda c: COIN_DOLLARS[c], rasp.tokens)).named("cj_dollars")
    iou = rasp.numerical(rasp.Map(lambda c: 1 if c == "IOU" else 0, rasp.tokens)).named("cj_iou")
    every = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("cj_all_sel")
    coins = rasp.numerical(rasp.Aggregate(every, dollars, default=0)).named("cj_coins")
    debt = rasp.numerical(rasp.Aggregate(every, iou, default=0)).named("cj_debt")
    mean = rasp.numerical(rasp.LinearSequenceMap(coins, debt, 1, -0.5)).named("cj_worth")
    silver = rasp.numerical(rasp.Map(lambda c: 1 if c in ("10¢", "25¢") else 0, rasp.tokens)).named("cj_silver")
    silver_share = rasp.numerical(rasp.Aggregate(every, silver, default=0)).named("cj_silver_share")
    cheaper = rasp.SelectorWidth(rasp.Select(cents, cents, rasp.Comparison.LT).named("cj_cheaper_sel")).named(
        "cj_cheaper")
    dup = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("cj_dup_sel")).named(
        "cj_dup")
    prev = rasp.Aggregate(_clamped_back("cj_prev_sel"), cents).named("cj_prev")
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("cj_first_sel"),
                           rasp.tokens).named("cj_first")
    rising = rasp.SequenceMap(lambda c, p: c > p, cents, prev).named("cj_rising")
    kind = rasp.SequenceMap(lambda a, d: "cheapest" if a == 0 else ("dup" if d > 1 else "other"), cheaper,
                            dup).named("cj_kind")
    tag = rasp.SequenceMap(lambda k, r: k + ("+" if r else ""), kind, rising).named("cj_tag")
    owed = rasp.SequenceMap(lambda t, f: f"{t}!" if f == "IOU" else t, tag, first).named("cj_owed")
    bonus = rasp.numerical(rasp.Map(lambda t: 1.5 + (0.5 if t.startswith("cheapest") else
                                                     (-0.25 if t.startswith("dup") else 0.1))
                                    + (0.2 if "+" in t else 0) - (1 if t.endswith("!") else 0), owed)).named(
        "cj_bonus")
    total = rasp.numerical(rasp.LinearSequenceMap(mean, bonus, 1, 1)).named("cj_total")
    return rasp.numerical(rasp.LinearSequenceMap(total, silver_share, 1, -0.25)).named("cj_out")


# --- causal ---------------------------------------------------------------------------------------------------


def causal_valence_running_mean() -> rasp.SOp:
    """Causal words love / like / meh / hate / ugh: stars 5..1 (a categorical-to-numerical Map), valences
    1.5 .. -0.75 of the stars (a numerical-to-numerical Map, negative for hate and ugh), and the running mean
    valence (a TRUE mean under the causal mask), a numerical output, under BOS '<bos>' / PAD '<eos>'."""
    stars = rasp.numerical(rasp.Map(lambda w: STARS[w], rasp.tokens)).named("cv_stars")
    valence = rasp.numerical(rasp.Map(lambda s: VALENCE[s], stars, simplify=False)).named("cv_valence")
    every = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("cv_all_sel")
    return rasp.numerical(rasp.Aggregate(every, valence, default=0)).named("cv_running")


def causal_accent_index_square() -> rasp.SOp:
    """Causal accented letters à é î õ ü: 1 / (i + 1) as a causal TRUE mean (on tokens) of an is-first flag, the index back
    by round(1 / x) - 1, and (i - 2)^2 of it (a square, chained two deep): a numerical output."""
    first = _first_flag("ca_first")
    every = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("ca_all_sel")
    inverse = rasp.numerical(rasp.Aggregate(every, first, default=0)).named("ca_inverse")
    index = rasp.numerical(rasp.Map(lambda x: round(1 / x) - 1 if x > 0 else 0, inverse)).named("ca_index")
    return rasp.numerical(rasp.Map(lambda n: (n - 2) ** 2, index, simplify=False)).named("ca_square")


def causal_signed_records() -> rasp.SOp:
    """Causal signed ints {-7, -2, 0, 3, 10}: LT and GT widths (earlier values below / above mine) in one layer,
    named 'first', 'record high', 'record low', 'repeat' or 'inside'."""
    below = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named(
        "cs_lt_sel")).named("cs_below")
    above = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "cs_gt_sel")).named("cs_above")

    def name(b: int, a: int) -> str:
        if b == 0 and a == 0:
            return "first"
        if a == 0:
            return "record high"
        return "record low" if b == 0 else "inside"

    return rasp.SequenceMap(name, below, above).named("cs_out")


def causal_emoji_mood_linear() -> rasp.SOp:
    """Causal face emoji: joy 2 / 0.5 and gloom 2 / 3 (categorical-to-numerical Maps), the mood joy - gloom
    (2 .. -3, a LinearSequenceMap), the share of sad faces so far (a causal TRUE mean), and mood - 3 × that
    share, a second LinearSequenceMap as the output."""
    joy = rasp.numerical(rasp.Map(lambda f: JOY[f], rasp.tokens)).named("cm_joy")
    gloom = rasp.numerical(rasp.Map(lambda f: GLOOM[f], rasp.tokens)).named("cm_gloom")
    mood = rasp.numerical(rasp.LinearSequenceMap(joy, gloom, 1, -1)).named("cm_mood")
    sad = rasp.numerical(rasp.Map(lambda f: 1 if GLOOM[f] > 0 else 0, rasp.tokens)).named("cm_sad")
    share = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "cm_all_sel"), sad, default=0)).named("cm_sad_share")
    return rasp.numerical(rasp.LinearSequenceMap(mood, share, 1, -3)).named("cm_out")


def causal_greek_other_case_width() -> rasp.SOp:
    """Causal Greek letters in both cases (Α α Β β Ω ω): the width of `selector_and(same letter ignoring case,
    selector_not(same case))`, earlier occurrences of my letter in the other case: the output."""
    same_letter = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k.lower() == q.lower()).named("cg_letter_sel")
    same_case = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k.isupper() == q.isupper()).named(
        "cg_case_sel")
    other_case = rasp.selector_and(same_letter, rasp.selector_not(same_case).named("cg_not_case_sel")).named(
        "cg_sel")
    return rasp.SelectorWidth(other_case).named("cg_count")


def causal_bool_true_parity() -> rasp.SOp:
    """Causal bools at max_seq_len 8: the width of keys that are True (a key-only predicate), Trues so far, and
    a Map to bool: an odd number of Trues so far."""
    trues = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: bool(k)).named(
        "cb_true_sel")).named("cb_trues")
    return rasp.Map(lambda n: n % 2 == 1, trues).named("cb_odd")


def causal_padded_digits_vs_first() -> rasp.SOp:
    """Causal zero-padded digit strings '00' '07' '09' '10' '99' under BOS 'START' / PAD 'END': the first
    token (position 0) and my value minus it as an int (a SequenceMap with 21 values)."""
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("cp_first_sel"),
                           rasp.tokens).named("cp_first")
    return rasp.SequenceMap(lambda t, f: int(t) - int(f), rasp.tokens, first).named("cp_diff")


def causal_arrow_pointer_hops() -> rasp.SOp:
    """Causal rewind arrows ⏺ ◀ ⏪ ⏮ (back 0..3): a pointer from SequenceMap(tokens, indices) clamped at 0,
    followed seven times (each an Aggregate of the pointers at the pointed position, always at or before me),
    then the arrow found there: 16 lines, deep."""
    ptr = rasp.SequenceMap(lambda a, i: max(i - ARROW_STEP[a], 0), rasp.tokens, rasp.indices).named("ch_ptr")
    at = ptr
    for hop in range(2, 8):
        at = rasp.Aggregate(rasp.Select(rasp.indices, at, rasp.Comparison.EQ).named(f"ch_hop_sel{hop}"),
                            ptr).named(f"ch_at{hop}")
    return rasp.Aggregate(rasp.Select(rasp.indices, at, rasp.Comparison.EQ).named("ch_land_sel"),
                          rasp.tokens).named("ch_land")


def causal_jump_back_echo() -> rasp.SOp:
    """Causal jumps {0, 1, 2, 4, 8} under BOS '⊢' / PAD '⊣': the position my value back (clamped at 0, a
    SequenceMap of tokens and indices), the value there (a permutation-like look-up by a computed index), and
    whether it echoes mine (a bool SequenceMap)."""
    target = rasp.SequenceMap(lambda t, i: max(i - t, 0), rasp.tokens, rasp.indices).named("cj_target")
    there = rasp.Aggregate(rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named("cj_there_sel"),
                           rasp.tokens).named("cj_there")
    return rasp.SequenceMap(lambda t, x: t == x, rasp.tokens, there).named("cj_echo")


def causal_kana_vowel_width_clip() -> rasp.SOp:
    """Causal kana あ い う え お: a vowel-order Map as keys and queries, a numerical width of earlier vowels at
    most mine (LEQ), and min(n, 3) / 3 of it (a numerical-to-numerical Map clipping a numerical width)."""
    order = rasp.Map(lambda k: KANA.index(k), rasp.tokens).named("ck_order")
    upto = rasp.numerical(rasp.SelectorWidth(rasp.Select(order, order, rasp.Comparison.LEQ).named(
        "ck_leq_sel"))).named("ck_upto")
    return rasp.numerical(rasp.Map(lambda n: min(n, 3) / 3, upto)).named("ck_clip")


PROGRAMS = [
    SuiteProgram("ruler_ticks_index_map", "ruler marks len 8: a many-to-one Map over indices, with the mark",
                 ruler_ticks_index_map, RULER, 8),
    SuiteProgram("emoji_sweetness_abs_clip", "fruit emoji: weights, abs then clip (numerical Maps), LinearSequenceMap",
                 emoji_sweetness_abs_clip, FRUIT, 5),
    SuiteProgram("powers_of_two_big_share", "powers of two: log2, a numerical step Map, LEQ mean of it",
                 powers_of_two_big_share, POWERS, 6),
    SuiteProgram("cjk_first_element_recount", "CJK elements: 1 / count mean of an is-first flag, 1 / x Map",
                 cjk_first_element_recount, ELEMENTS, 6),
    SuiteProgram("greek_position_hyperbola", "Greek: 1 / (i + 1) mean, 1 / (1 + x), a step, LinearSequenceMap",
                 greek_position_hyperbola, GREEK, 5),
    SuiteProgram("bool_flip_count_width", "bools len 8: previous bit, flips, a width keyed by a SequenceMap",
                 bool_flip_count_width, BITS, 8),
    SuiteProgram("prime_rank_three_widths", "primes: LT, GT, EQ widths in one layer, min / max / mid",
                 prime_rank_three_widths, PRIMES, 5),
    SuiteProgram("accented_words_same_mark_others", "accented words: and(same mark, not EQ) width as output",
                 accented_words_same_mark_others, ACCENTED, 6),
    SuiteProgram("punctuation_strength_widths", "punctuation: or(both final, EQ) and not(same class) widths",
                 punctuation_strength_widths, PUNCT, 7),
    SuiteProgram("opening_lines_wordier", "long strings: width of word-count Map keys GT tens-of-chars queries",
                 opening_lines_wordier, OPENINGS, 5),
    SuiteProgram("padded_codes_sort_by_digit_sum", "'007'-style codes: rank width as Select keys, a sort",
                 padded_codes_sort_by_digit_sum, CODES, 6),
    SuiteProgram("shirt_sizes_argsort", "shirt sizes: rank width, Aggregate of indices (argsort)",
                 shirt_sizes_argsort, SIZES, 6),
    SuiteProgram("deep_rank_gather_chain", "signed ints: four rank-then-fetch rounds (8 layers)",
                 deep_rank_gather_chain, SIGNED, 6),
    SuiteProgram("cjk_numerals_six_heads", "CJK numerals: six heads in one layer, seven SequenceMaps",
                 cjk_numerals_six_heads, CJK_NUMERALS, 6),
    SuiteProgram("theatre_seat_labels", "theatre rows: SequenceMap(tokens, indices) and a Map, 30 values each",
                 theatre_seat_labels, ROWS, 6),
    SuiteProgram("one_word_len1_compiler_names", "one token, len 1, BOS 'compiler_bos': a TRUE width",
                 one_word_len1_compiler_names, ONE_WORD, 1, compiler_bos="compiler_bos",
                 compiler_pad="compiler_pad"),
    SuiteProgram("bool_pair_agreement_len2", "bools len 2: TRUE mean, (2x - 1)^2 numerical Map",
                 bool_pair_agreement_len2, BITS, 2),
    SuiteProgram("musical_keys_fifth_neighbours", "12 keys: |k - q| == 1 width on a Map, sharp / flat collapse",
                 musical_keys_fifth_neighbours, KEYS, 4),
    SuiteProgram("tictactoe_lines_cls", "tic-tac-toe len 9: row-start index Map query, cell above, BOS '[CLS]'",
                 tictactoe_lines_cls, CELLS, 9, compiler_bos="[CLS]", compiler_pad="[PAD]"),
    SuiteProgram("coin_jar_ledger", "coins: non-binary mean, widths, look-backs, bonus Map, three LSMs (24 lines)",
                 coin_jar_ledger, COINS, 6),
    SuiteProgram("causal_valence_running_mean", "causal words: stars, valence -0.75..1.5 (numerical Map), running mean, BOS '<bos>'",
                 causal_valence_running_mean, VALENCE_WORDS, 7, compiler_bos="<bos>", compiler_pad="<eos>",
                 causal=True),
    SuiteProgram("causal_accent_index_square", "causal accents: 1 / (i + 1) mean, 1 / x - 1, square",
                 causal_accent_index_square, ACCENT_LETTERS, 6, causal=True),
    SuiteProgram("causal_signed_records", "causal signed ints: LT and GT widths, record high / low",
                 causal_signed_records, GAPPED, 7, causal=True),
    SuiteProgram("causal_emoji_mood_linear", "causal faces: joy - gloom, minus 3 × sad share (two LinearSequenceMaps)",
                 causal_emoji_mood_linear, FACES, 6, causal=True),
    SuiteProgram("causal_greek_other_case_width", "causal Greek cases: and(same letter, not same case) width",
                 causal_greek_other_case_width, GREEK_CASES, 6, causal=True),
    SuiteProgram("causal_bool_true_parity", "causal bools len 8: key-only True width, odd Map to bool",
                 causal_bool_true_parity, BITS, 8, causal=True),
    SuiteProgram("causal_padded_digits_vs_first", "causal '07'-style digits: minus the first, 21 values, BOS 'START'",
                 causal_padded_digits_vs_first, PADDED, 6, compiler_bos="START", compiler_pad="END", causal=True),
    SuiteProgram("causal_arrow_pointer_hops", "causal rewind arrows: seven pointer hops (deep)",
                 causal_arrow_pointer_hops, ARROWS, 7, causal=True),
    SuiteProgram("causal_jump_back_echo", "causal jumps: look-up at a computed index, echo flag, BOS '⊢'",
                 causal_jump_back_echo, HOPS, 7, compiler_bos="⊢", compiler_pad="⊣", causal=True),
    SuiteProgram("causal_kana_vowel_width_clip", "causal kana: numerical LEQ width on a Map, clip Map",
                 causal_kana_vowel_width_clip, KANA, 6, causal=True),
]
