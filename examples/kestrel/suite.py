"""A kestrel suite: held-out Tracr programs, written to measure whether TraDe generalises to programs it never saw.

Why: the sixteen older suites (`tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`,
`large/`, `horizon/`, `outlook/`, `itself/`, `vista/`, `meridian/`, `zenith/`, `bench/`, `summit/`,
`drift/`) have all been read while TraDe was being built. These were written afterwards, without looking
at how TraDe reads weights, as small tasks an interpretability researcher might compile to study a
circuit, each with its own lambdas written for it (no lambda library): DNA hairpins (the complement of the
base at my mirror position), rock-paper-scissors against the previous move, HTML tag depth from two widths
over (tag, index) keys, the gcd with the first token and the coprime count, local peaks (a look-back and a
clamped look-ahead read by three SequenceMaps, then a width: 13 lines), a mixed-case rotation by the
position times the case-blind count, the upper-case share among my letter's occurrences (a mean under a
`k.lower() == q.lower()` predicate), a ternary increment (carry = no non-2 digit before me), the last
vowel broadcast at max_seq_len 11 (a categorical Aggregate keyed by a flag of a suffix mean), the
sign-change rate at 10, vowel harmony with the first syllable (causal), an LRU-style cache hit rate
(causal, `selector_and` of an address match and a 3-step window), a football points average under a
custom BOS '<start>' / PAD '<none>' (causal), a pointer named by the count of '@' under BOS '§' / PAD '¶',
alliteration with the last word (a look-up keyed by (word, index) queried by a width), a rolling hash of
three tokens and its collisions, a brightness-band mean over 30 intensities, prime gaps after
`lib.make_sort`, zigzags found by `lib.detect_pattern` over up/down/flat moves, chess material of my side
minus the other's (`selector_not`), Morse codes (dot/dash counts, shorter codes), tic-tac-toe lines
(`selector_and` / `selector_or` / `selector_not` of (mark, cell) selectors, nested three deep), an a^n b^n
recogniser (13 lines), a three-token calculator, emoticon moods (two look-backs, two widths), the k-th
smallest token with k the first token, and a two-line case-blind rank. Vocabularies of 2 to 30 (letters,
mixed case, words, syllables, tags, symbols, ints with negatives), max_seq_len 3 to 11, input spaces from
510 to over 10^8.

Each builder makes new expressions on every call. `examples/check_suites.py examples/kestrel/suite.py`
checks that Tracr compiles each faithfully (the pitfalls listed in the older suites' docstrings were
avoided: no SelectorWidth past max_seq_len 9, categorical Aggregates that select one value and move no
more values than their head's key space holds (a (token, index) key where the tokens outnumber the
positions), means of values whose int() is 0 or 1 only, numerical Maps of a mean only thresholded at 0,
no numerical SequenceMap, None never reaching a Select, `selector_and` / `selector_or` only of Selects
over the same keys and queries). All 27 compiled faithfully on the first try (`check_suites.py`: every
input of the four with fewer than 2,000, else 300 sampled; and again on 2,000 inputs each from
`trade.suites.check_inputs`, sorted, constant and two-valued ones among them, plus 500 full-length ones:
no position wrong), each in under 5 s, so nothing was dropped or changed. Met here:
- `selector_and` / `selector_or` / `selector_not` of Selects over one key and query SOp are folded by
  Tracr into a single Select (`_attempt_simplify`), so `tic_tac_toe_lines`' six combinations of four
  Selects reach the model as three Selects: 10 lines, not 16.
- The categorical look-up keyed by (last-vowel flag, index), the flag a `== 0` Map of a suffix mean
  (`last_vowel_broadcast_len11`), is faithful at max_seq_len 11, unlike the mean under a Select keyed by
  a flag of a prefix mean that `vista/` dropped; the (flag, index) key is there because a key of two
  values could not move six tokens.
"""

import math

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

DNA = ("A", "C", "G", "T")
RPS = ("rock", "paper", "scissors")
TAGS = ("<b>", "</b>", "<i>", "</i>", "txt")
INTS_2_10 = tuple(range(2, 11))
INTS_0_7 = tuple(range(8))
MIXED_PQRS = ("p", "P", "q", "Q", "r", "R", "s", "S")
MIXED_KMN = ("k", "K", "m", "M", "n", "N", "z")
TRITS = (0, 1, 2)
LETTERS_BADEGO = ("b", "a", "d", "e", "g", "o")
SIGNED7 = (-3, -2, -1, 0, 1, 2, 3)
SYLLABLES = ("ka", "ke", "lo", "li", "mu", "me", "ta", "ti")
ADDRESSES = ("0x10", "0x20", "0x30", "0x40", "0x50")
RESULTS = ("W", "D", "L")
SYMBOLS = ("@", "#", "%", "&", "*")
NATURE12 = ("sun", "sea", "sky", "moon", "mist", "rain", "road", "fog", "fern", "leaf", "lake", "dew")
INTS_0_4 = (0, 1, 2, 3, 4)
INTENSITY30 = tuple(range(30))
PRIMES = (2, 3, 5, 7, 11, 13)
INTS_0_5 = (0, 1, 2, 3, 4, 5)
CHESS = ("P", "N", "B", "R", "Q", "K", "p", "n", "b", "r", "q", "k")
MORSE_LETTERS = ("e", "t", "a", "o", "i", "n", "s", "h", "r")
BOARD = ("x", "o", ".")
AB = ("a", "b")
CALC = ("1", "2", "3", "4", "+", "-", "*", "%")
FACES = (":", ";", "-", "(", ")")
CASE_MIX = ("a", "B", "c", "D", "e", "F", "g", "H")


def _back(name: str, steps: int = 1) -> rasp.Select:
    """Selects the position `steps` back, clamped at the first position."""
    return rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - steps, 0)).named(name)


# --- strings -------------------------------------------------------------------------------------------


def dna_hairpin_mirror() -> rasp.SOp:
    """DNA: does my base pair (A-T, C-G) with the base at my mirror position? ('|' paired, 'x' not)."""
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("dh_all")).named("dh_n")
    mirror = rasp.SequenceMap(lambda i, n: n - 1 - i, rasp.indices, n).named("dh_mirror")
    complement = rasp.Map(lambda b: {"A": "T", "T": "A", "C": "G", "G": "C"}[b], rasp.tokens).named("dh_comp")
    facing = rasp.Aggregate(rasp.Select(rasp.indices, mirror, rasp.Comparison.EQ).named("dh_face_sel"),
                            complement).named("dh_facing")
    return rasp.SequenceMap(lambda b, f: "|" if b == f else "x", rasp.tokens, facing).named("dh_stem")


def rps_outcome_wins() -> rasp.SOp:
    """Rock-paper-scissors: my move against the previous one, and how many moves in the game won."""
    beats = {"rock": "scissors", "paper": "rock", "scissors": "paper"}
    prev = rasp.Aggregate(_back("rps_back"), rasp.tokens).named("rps_prev")
    outcome = rasp.SequenceMap(lambda m, p: "draw" if m == p else ("win" if beats[m] == p else "lose"),
                               rasp.tokens, prev).named("rps_outcome")
    wins = rasp.SelectorWidth(rasp.Select(outcome, outcome, lambda k, q: k == "win").named("rps_win_sel")
                              ).named("rps_wins")
    return rasp.SequenceMap(lambda o, w: f"{o[0]}{w}", outcome, wins).named("rps_report")


def html_tag_depth() -> rasp.SOp:
    """HTML tags: open minus closed tags up to me (widths over (tag, index) keys), 'broken' below 0."""
    tag_at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("html_tag_at")
    opened = rasp.SelectorWidth(rasp.Select(
        tag_at, rasp.indices, lambda k, q: k[1] <= q and k[0] in ("<b>", "<i>")).named("html_open_sel")
    ).named("html_opened")
    closed = rasp.SelectorWidth(rasp.Select(
        tag_at, rasp.indices, lambda k, q: k[1] <= q and k[0].startswith("</")).named("html_close_sel")
    ).named("html_closed")
    depth = rasp.SequenceMap(lambda o, c: o - c, opened, closed).named("html_depth")
    return rasp.SequenceMap(lambda d, t: "broken" if d < 0 else f"{t.strip('<>/')}{d}", depth,
                            rasp.tokens).named("html_label")


def mixed_case_rotate_fold() -> rasp.SOp:
    """p/q/r/s in both cases: rotated by my position (case kept), repeated as often as my letter occurs
    in either case."""
    def rotate(c, i):
        moved = "pqrs"[("pqrs".index(c.lower()) + i) % 4]
        return moved.upper() if c.isupper() else moved

    rotated = rasp.SequenceMap(rotate, rasp.tokens, rasp.indices).named("mc_rotated")
    fold = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens,
                                          lambda k, q: k.lower() == q.lower()).named("mc_fold_sel")).named("mc_fold")
    return rasp.SequenceMap(lambda r, n: r * n, rotated, fold).named("mc_repeat")


def uppercase_share_same_letter() -> rasp.SOp:
    """Mixed case: the share of upper-case among the occurrences of my letter, either case (numerical)."""
    upper = rasp.numerical(rasp.Map(lambda c: 1 if c.isupper() else 0, rasp.tokens)).named("us_upper")
    same_letter = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k.lower() == q.lower()).named("us_same")
    return rasp.numerical(rasp.Aggregate(same_letter, upper, default=0)).named("us_share")


def last_vowel_broadcast_len11() -> rasp.SOp:
    """Max_seq_len 11: the last vowel of the word found by a suffix mean, broadcast; my letter upper-cased
    where it equals it."""
    vowel = rasp.numerical(rasp.Map(lambda c: 1 if c in "aeo" else 0, rasp.tokens)).named("lv_vowel")
    after = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT).named(
        "lv_after_sel"), vowel, default=0)).named("lv_after")
    none_after = rasp.Map(lambda x: x == 0, after).named("lv_none_after")
    is_vowel = rasp.Map(lambda c: c in "aeo", rasp.tokens).named("lv_is_vowel")
    last = rasp.SequenceMap(lambda v, n: v and n, is_vowel, none_after).named("lv_last")
    last_at = rasp.SequenceMap(lambda flag, i: (flag, i), last, rasp.indices).named("lv_last_at")
    found = rasp.Aggregate(rasp.Select(last_at, rasp.indices, lambda k, q: k[0]).named("lv_find"),
                           rasp.tokens).named("lv_found")
    return rasp.SequenceMap(lambda t, v: t.upper() if t == v else t, rasp.tokens, found).named("lv_marked")


def morse_shorter_codes() -> rasp.SOp:
    """Nine letters in Morse: dotty / dashy / even by their dots and dashes, and how many codes are shorter."""
    morse = {"e": ".", "t": "-", "a": ".-", "o": "---", "i": "..", "n": "-.", "s": "...", "h": "....",
             "r": ".-."}
    code = rasp.Map(lambda c: morse[c], rasp.tokens).named("mo_code")
    dots = rasp.Map(lambda m: m.count("."), code).named("mo_dots")
    dashes = rasp.Map(lambda m: m.count("-"), code).named("mo_dashes")
    kind = rasp.SequenceMap(lambda d, h: "dotty" if d > h else ("dashy" if h > d else "even"), dots,
                            dashes).named("mo_kind")
    shorter = rasp.SelectorWidth(rasp.Select(code, code, lambda k, q: len(k) < len(q)).named("mo_short_sel")
                                 ).named("mo_shorter")
    return rasp.SequenceMap(lambda k, n: f"{k}{n}", kind, shorter).named("mo_out")


def alliteration_with_last() -> rasp.SOp:
    """Twelve nature words at max_seq_len 3: my initial and how many words share the last word's initial."""
    initial = rasp.Map(lambda w: w[0], rasp.tokens).named("al_initial")
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("al_all")).named(
        "al_n")
    word_at = rasp.SequenceMap(lambda w, i: (w, i), rasp.tokens, rasp.indices).named("al_word_at")
    last_initial = rasp.Aggregate(rasp.Select(word_at, n, lambda k, q: k[1] == q - 1).named("al_last_sel"),
                                  initial).named("al_last_initial")
    count = rasp.SelectorWidth(rasp.Select(initial, last_initial, rasp.Comparison.EQ).named("al_match")).named(
        "al_count")
    return rasp.SequenceMap(lambda a, c: f"{a}:{c}", initial, count).named("al_out")


def emoticon_mood() -> rasp.SOp:
    """':', ';', '-', '(' and ')': the emoticon ending at me (':)', ':-(', ';)', ...), else the overall mood
    by happy and sad counts."""
    def classify(s):  # two back, one back, mine
        for face, mood in ((":)", "happy"), (";)", "wink"), (":(", "sad"), (";(", "sad")):
            if s[1:] == face or s == face[0] + "-" + face[1]:
                return mood
        return "-"

    p1 = rasp.Aggregate(_back("em_back1"), rasp.tokens).named("em_p1")
    p2 = rasp.Aggregate(_back("em_back2", 2), rasp.tokens).named("em_p2")
    face = rasp.SequenceMap(lambda a, b: a + b, p2, p1).named("em_face")
    emo = rasp.SequenceMap(lambda f, t: classify(f + t), face, rasp.tokens).named("em_emo")
    happy = rasp.SelectorWidth(rasp.Select(emo, emo, lambda k, q: k in ("happy", "wink")).named("em_h_sel")
                               ).named("em_happy")
    sad = rasp.SelectorWidth(rasp.Select(emo, emo, lambda k, q: k == "sad").named("em_s_sel")).named("em_sad")
    mood = rasp.SequenceMap(lambda h, s: "+" if h > s else ("-" if s > h else "="), happy, sad).named("em_mood")
    return rasp.SequenceMap(lambda e, m: m if e == "-" else e, emo, mood).named("em_out")


def case_blind_rank() -> rasp.SOp:
    """Mixed-case letters: how many letters come later in the alphabet, ignoring case (two lines)."""
    later = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k.lower() > q.lower()).named("cb_later")
    return rasp.SelectorWidth(later).named("cb_rank")


# --- ints ----------------------------------------------------------------------------------------------


def gcd_first_coprime() -> rasp.SOp:
    """Ints 2..10 at max_seq_len 9: gcd with the first token, and how many tokens are coprime to it."""
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("gc_first_sel"),
                           rasp.tokens).named("gc_first")
    g = rasp.SequenceMap(lambda a, b: math.gcd(a, b), rasp.tokens, first).named("gc_gcd")
    coprime = rasp.SelectorWidth(rasp.Select(g, g, lambda k, q: k == 1).named("gc_one_sel")).named("gc_coprime")
    return rasp.SequenceMap(lambda d, c: f"{d}/{c}", g, coprime).named("gc_out")


def local_peaks_count() -> rasp.SOp:
    """Ints 0..7: is my token above both neighbours (clamped look-back and look-ahead), and the number of
    peaks (13 lines)."""
    prev = rasp.Aggregate(_back("lp_back"), rasp.tokens).named("lp_prev")
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("lp_all")).named(
        "lp_n")
    ahead = rasp.SequenceMap(lambda i, n: min(i + 1, n - 1), rasp.indices, n).named("lp_ahead")
    nxt = rasp.Aggregate(rasp.Select(rasp.indices, ahead, rasp.Comparison.EQ).named("lp_next_sel"),
                         rasp.tokens).named("lp_next")
    up = rasp.SequenceMap(lambda t, p: t > p, rasp.tokens, prev).named("lp_up")
    down = rasp.SequenceMap(lambda t, x: t > x, rasp.tokens, nxt).named("lp_down")
    peak = rasp.SequenceMap(lambda a, b: a and b, up, down).named("lp_peak")
    peaks = rasp.SelectorWidth(rasp.Select(peak, peak, lambda k, q: k).named("lp_peak_sel")).named("lp_peaks")
    return rasp.SequenceMap(lambda p, c: ("^" if p else ".") + str(c), peak, peaks).named("lp_out")


def ternary_increment() -> rasp.SOp:
    """Base-3 digits, least significant first: the number plus one (carry where every earlier digit is 2)."""
    not_two = rasp.numerical(rasp.Map(lambda d: 1 if d != 2 else 0, rasp.tokens)).named("ti_not_two")
    before = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named(
        "ti_before_sel"), not_two, default=0)).named("ti_before")
    carry = rasp.Map(lambda x: 1 if x == 0 else 0, before).named("ti_carry")
    return rasp.SequenceMap(lambda d, c: (d + c) % 3, rasp.tokens, carry).named("ti_digit")


def sign_change_rate_len10() -> rasp.SOp:
    """Ints -3..3 at max_seq_len 10: the share of positions so far whose sign flips from the previous one."""
    prev = rasp.Aggregate(_back("sc_back"), rasp.tokens).named("sc_prev")
    flip = rasp.SequenceMap(lambda p, t: 1 if p * t < 0 else 0, prev, rasp.tokens).named("sc_flip")
    flip_num = rasp.numerical(rasp.Map(lambda f: f, flip)).named("sc_flip_num")
    so_far = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("sc_so_far")
    return rasp.numerical(rasp.Aggregate(so_far, flip_num, default=0)).named("sc_rate")


def rolling_hash_collisions() -> rasp.SOp:
    """Ints 0..4: (3 * two-back + 2 * previous + mine) mod 7 by one clamped look-back read twice, and how
    many positions share my hash."""
    back = _back("rh_back")
    prev = rasp.Aggregate(back, rasp.tokens).named("rh_prev")
    prev2 = rasp.Aggregate(back, prev).named("rh_prev2")
    partial = rasp.SequenceMap(lambda a, b: (3 * a + 2 * b) % 7, prev2, prev).named("rh_partial")
    h = rasp.SequenceMap(lambda p, t: (p + t) % 7, partial, rasp.tokens).named("rh_hash")
    same = rasp.SelectorWidth(rasp.Select(h, h, rasp.Comparison.EQ).named("rh_same_sel")).named("rh_same")
    return rasp.SequenceMap(lambda x, c: x * 10 + c, h, same).named("rh_out")


def brightness_band_mean_30() -> rasp.SOp:
    """30 intensities: the mean brightness (t / 30) of the pixels within 4 levels of mine (numerical)."""
    level = rasp.numerical(rasp.Map(lambda t: t / 30, rasp.tokens)).named("bb_level")
    band = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: abs(k - q) <= 4).named("bb_band")
    return rasp.numerical(rasp.Aggregate(band, level, default=0)).named("bb_mean")


def kth_smallest_by_first() -> rasp.SOp:
    """Ints 0..5: the k-th smallest token, k the first token (a look-up keyed by a rank), against mine."""
    key = rasp.SequenceMap(lambda t, i: t * 6 + i, rasp.tokens, rasp.indices).named("ks_key")
    rank = rasp.SelectorWidth(rasp.Select(key, key, rasp.Comparison.LT).named("ks_lt")).named("ks_rank")
    k = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda a, b: a == 0).named("ks_first_sel"),
                       rasp.tokens).named("ks_k")
    kth = rasp.Aggregate(rasp.Select(rank, k, rasp.Comparison.EQ).named("ks_pick"),
                         rasp.tokens).named("ks_kth")
    return rasp.SequenceMap(lambda v, t: "<" if t < v else (">" if t > v else "="), kth, rasp.tokens).named(
        "ks_cmp")


# --- numerical and selector combinations ---------------------------------------------------------------


def chess_side_material() -> rasp.SOp:
    """Chess pieces (white upper, black lower): mean piece value / 10 of my side minus the other side's
    (`selector_not` of the same-side predicate)."""
    worth = {"p": 1, "n": 3, "b": 3, "r": 5, "q": 9, "k": 0}
    value = rasp.numerical(rasp.Map(lambda p: worth[p.lower()] / 10, rasp.tokens)).named("ch_value")
    same_side = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k.isupper() == q.isupper()).named("ch_side")
    other_side = rasp.selector_not(same_side).named("ch_other")
    mine = rasp.numerical(rasp.Aggregate(same_side, value, default=0)).named("ch_mine")
    theirs = rasp.numerical(rasp.Aggregate(other_side, value, default=0)).named("ch_theirs")
    return rasp.numerical(rasp.LinearSequenceMap(mine, theirs, 1, -1)).named("ch_edge")


def tic_tac_toe_lines() -> rasp.SOp:
    """A 3x3 board read row by row: 'R' / 'C' where my mark fills my row / column, and the opponent marks
    sharing a line with me (selector_and / or / not of (mark, cell) selectors; Tracr folds each
    combination into one Select, so 10 lines)."""
    cell = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tt_cell")
    same_row = rasp.Select(cell, cell, lambda k, q: k[1] // 3 == q[1] // 3).named("tt_row")
    same_col = rasp.Select(cell, cell, lambda k, q: k[1] % 3 == q[1] % 3).named("tt_col")
    same_mark = rasp.Select(cell, cell, lambda k, q: k[0] == q[0]).named("tt_mark")
    row_mine = rasp.SelectorWidth(rasp.selector_and(same_row, same_mark).named("tt_row_mine")).named("tt_n_row")
    col_mine = rasp.SelectorWidth(rasp.selector_and(same_col, same_mark).named("tt_col_mine")).named("tt_n_col")
    other = rasp.selector_and(
        rasp.selector_and(rasp.selector_or(same_row, same_col).named("tt_lines"),
                          rasp.selector_not(same_mark).named("tt_not_mark")).named("tt_line_other"),
        rasp.Select(cell, cell, lambda k, q: k[0] != ".").named("tt_placed")).named("tt_rivals_sel")
    rivals = rasp.SelectorWidth(other).named("tt_rivals")
    full = rasp.SequenceMap(lambda r, c: ("R" if r == 3 else "") + ("C" if c == 3 else ""), row_mine,
                            col_mine).named("tt_full")
    mark = rasp.SequenceMap(lambda f, t: "" if t == "." else f, full, rasp.tokens).named("tt_owned")
    return rasp.SequenceMap(lambda f, r: f"{f or '-'}{r}", mark, rivals).named("tt_out")


def anbn_recognizer() -> rasp.SOp:
    """a^n b^n: 'accept' everywhere if as many a as b and no a after a b (13 lines)."""
    na = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "a").named("ab_a_sel")).named(
        "ab_na")
    nb = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "b").named("ab_b_sel")).named(
        "ab_nb")
    at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("ab_at")
    late_a = rasp.SelectorWidth(rasp.Select(
        at, at, lambda k, q: k[0] == "a" and q[0] == "b" and k[1] > q[1]).named("ab_late_sel")).named("ab_late_a")
    bad = rasp.numerical(rasp.Map(lambda n: 1 if n > 0 else 0, late_a)).named("ab_bad")
    any_bad = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "ab_all"), bad, default=0)).named("ab_any_bad")
    ordered = rasp.Map(lambda x: x == 0, any_bad).named("ab_ordered")
    balanced = rasp.SequenceMap(lambda a, b: a == b, na, nb).named("ab_balanced")
    return rasp.SequenceMap(lambda o, b: "accept" if o and b else "reject", ordered, balanced).named("ab_verdict")


def tiny_calculator() -> rasp.SOp:
    """'digit op digit' at max_seq_len 3: the three tokens read by three (token, index) look-ups and
    evaluated ('err' if malformed)."""
    ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "%": lambda a, b: a % b}

    def evaluate(left, b):
        a, op = left
        if a.isdigit() and op in ops and b.isdigit():
            return str(ops[op](int(a), int(b)))
        return "err"

    at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tc_at")
    reads = [rasp.Aggregate(rasp.Select(at, rasp.indices, lambda k, q, j=j: k[1] == j).named(f"tc_sel{j}"),
                            rasp.tokens).named(f"tc_read{j}") for j in range(3)]
    left = rasp.SequenceMap(lambda a, o: (a, o), reads[0], reads[1]).named("tc_left")
    return rasp.SequenceMap(evaluate, left, reads[2]).named("tc_value")


# --- lib.py, sparingly ---------------------------------------------------------------------------------


def lib_sorted_prime_gaps() -> rasp.SOp:
    """Primes 2..13: sorted (`lib.make_sort`), then the gap to the sorted predecessor."""
    ordered = lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=6, min_key=1).named("pg_sorted")
    before = rasp.Aggregate(_back("pg_back"), ordered).named("pg_before")
    return rasp.SequenceMap(lambda s, b: s - b, ordered, before).named("pg_gap")


def lib_zigzag_moves() -> rasp.SOp:
    """Ints 0..5: each move up / down / flat from the previous token, and `lib.detect_pattern` of U D U."""
    prev = rasp.Aggregate(_back("zz_back"), rasp.tokens).named("zz_prev")
    move = rasp.SequenceMap(lambda p, t: "U" if t > p else ("D" if t < p else "F"), prev, rasp.tokens).named(
        "zz_move")
    zig = lib.detect_pattern(move, ["U", "D", "U"])
    return rasp.SequenceMap(lambda z, m: "zig" if z else m.lower(), zig, move).named("zz_out")


# --- causal and custom BOS / PAD -----------------------------------------------------------------------


def causal_vowel_harmony() -> rasp.SOp:
    """causal=True, syllables: the share so far of syllables whose vowel is front/back like the first one."""
    cls = rasp.Map(lambda s: "front" if s[-1] in "ei" else "back", rasp.tokens).named("vh_class")
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("vh_first_sel"),
                           cls).named("vh_first")
    agree = rasp.SequenceMap(lambda c, f: 1 if c == f else 0, cls, first).named("vh_agree")
    agree_num = rasp.numerical(rasp.Map(lambda a: a, agree)).named("vh_agree_num")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "vh_all"), agree_num, default=0)).named("vh_share")


def causal_cache_hit_rate() -> rasp.SOp:
    """causal=True, memory addresses: a hit if my address was used in the last three steps
    (`selector_and` of a match and a window), and the hit rate so far."""
    access = rasp.SequenceMap(lambda a, i: (a, i), rasp.tokens, rasp.indices).named("ca_access")
    match = rasp.Select(access, access, lambda k, q: k[0] == q[0]).named("ca_match")
    window = rasp.Select(access, access, lambda k, q: q[1] - 3 <= k[1] < q[1]).named("ca_window")
    hits = rasp.SelectorWidth(rasp.selector_and(match, window).named("ca_recent")).named("ca_hits")
    hit = rasp.numerical(rasp.Map(lambda n: 1 if n > 0 else 0, hits)).named("ca_hit")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "ca_all"), hit, default=0)).named("ca_rate")


def causal_points_custom_bos() -> rasp.SOp:
    """causal=True, BOS '<start>', PAD '<none>': football results W / D / L, points so far per game / 3."""
    points = rasp.numerical(rasp.Map(lambda r: {"W": 1, "D": 1 / 3, "L": 0}[r], rasp.tokens)).named("fp_points")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "fp_all"), points, default=0)).named("fp_average")


def symbol_pointer_custom_bos() -> rasp.SOp:
    """BOS '§', PAD '¶', five symbols: the symbol at the position named by the number of '@' (clamped to
    the end), joined with mine."""
    at_count = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "@").named(
        "sp_at_sel")).named("sp_at_count")
    n = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("sp_all")).named(
        "sp_n")
    target = rasp.SequenceMap(lambda c, n: min(c, n - 1), at_count, n).named("sp_target")
    found = rasp.Aggregate(rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named("sp_sel"),
                           rasp.tokens).named("sp_found")
    return rasp.SequenceMap(lambda f, t: f + t, found, rasp.tokens).named("sp_pair")


PROGRAMS = [
    SuiteProgram("dna_hairpin_mirror", "DNA: does my base pair with the base at my mirror position",
                 dna_hairpin_mirror, DNA, 8),
    SuiteProgram("rps_outcome_wins", "rock-paper-scissors against the previous move, and wins in the game",
                 rps_outcome_wins, RPS, 7),
    SuiteProgram("html_tag_depth", "HTML tag depth by two widths over (tag, index) keys, 'broken' below 0",
                 html_tag_depth, TAGS, 9),
    SuiteProgram("mixed_case_rotate_fold", "mixed case: letter rotated by i, repeated by its case-blind count",
                 mixed_case_rotate_fold, MIXED_PQRS, 6),
    SuiteProgram("uppercase_share_same_letter", "share of upper-case among my letter's occurrences (numerical)",
                 uppercase_share_same_letter, MIXED_KMN, 6),
    SuiteProgram("last_vowel_broadcast_len11", "max_seq_len 11: the last vowel (suffix mean flag), marked",
                 last_vowel_broadcast_len11, LETTERS_BADEGO, 11),
    SuiteProgram("morse_shorter_codes", "Morse: dotty/dashy/even and how many codes are shorter",
                 morse_shorter_codes, MORSE_LETTERS, 5),
    SuiteProgram("alliteration_with_last", "12 words at 3: my initial and words sharing the last word's",
                 alliteration_with_last, NATURE12, 3),
    SuiteProgram("emoticon_mood", "emoticon ending here, else the mood by happy and sad counts",
                 emoticon_mood, FACES, 9),
    SuiteProgram("case_blind_rank", "two lines: letters later in the alphabet, case ignored",
                 case_blind_rank, CASE_MIX, 7),
    SuiteProgram("gcd_first_coprime", "gcd with the first token and the count coprime to it",
                 gcd_first_coprime, INTS_2_10, 9),
    SuiteProgram("local_peaks_count", "local peaks (look-back and clamped look-ahead) and their number",
                 local_peaks_count, INTS_0_7, 8),
    SuiteProgram("ternary_increment", "base-3 digits plus one (carry from a strict-prefix mean)",
                 ternary_increment, TRITS, 6),
    SuiteProgram("sign_change_rate_len10", "max_seq_len 10: share of sign flips so far (numerical)",
                 sign_change_rate_len10, SIGNED7, 10),
    SuiteProgram("rolling_hash_collisions", "hash of three tokens mod 7 (one look-back read twice), collisions",
                 rolling_hash_collisions, INTS_0_4, 7),
    SuiteProgram("brightness_band_mean_30", "30 intensities: mean t / 30 within 4 levels of mine",
                 brightness_band_mean_30, INTENSITY30, 4),
    SuiteProgram("kth_smallest_by_first", "the k-th smallest token, k the first token, against mine",
                 kth_smallest_by_first, INTS_0_5, 6),
    SuiteProgram("chess_side_material", "chess: mean value of my side minus the other's (selector_not)",
                 chess_side_material, CHESS, 5),
    SuiteProgram("tic_tac_toe_lines", "3x3 board: full row/column of my mark, rival marks on my lines",
                 tic_tac_toe_lines, BOARD, 9),
    SuiteProgram("anbn_recognizer", "a^n b^n: equal counts and no a after a b",
                 anbn_recognizer, AB, 8),
    SuiteProgram("tiny_calculator", "'digit op digit' evaluated by three (token, index) look-ups",
                 tiny_calculator, CALC, 3),
    SuiteProgram("lib_sorted_prime_gaps", "primes sorted by lib.make_sort, gap to the predecessor",
                 lib_sorted_prime_gaps, PRIMES, 6),
    SuiteProgram("lib_zigzag_moves", "up/down/flat moves and lib.detect_pattern of U D U",
                 lib_zigzag_moves, INTS_0_5, 7),
    SuiteProgram("causal_vowel_harmony", "causal: share so far of syllables harmonising with the first",
                 causal_vowel_harmony, SYLLABLES, 8, causal=True),
    SuiteProgram("causal_cache_hit_rate", "causal: hit if my address was used in the last 3 steps, hit rate",
                 causal_cache_hit_rate, ADDRESSES, 9, causal=True),
    SuiteProgram("causal_points_custom_bos", "causal, BOS '<start>': points per game / 3 so far",
                 causal_points_custom_bos, RESULTS, 9, compiler_bos="<start>", compiler_pad="<none>",
                 causal=True),
    SuiteProgram("symbol_pointer_custom_bos", "BOS '§': the symbol at the position named by the '@' count",
                 symbol_pointer_custom_bos, SYMBOLS, 5, compiler_bos="§", compiler_pad="¶"),
]
