"""A lagoon suite: held-out Tracr programs, written to measure whether TraDe generalises to programs it never saw.

Why: the seventeen older suites (`tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`,
`large/`, `horizon/`, `outlook/`, `itself/`, `vista/`, `meridian/`, `zenith/`, `bench/`, `summit/`,
`drift/`, `kestrel/`) have all been read while TraDe was being built. These were written afterwards,
without looking at how TraDe reads weights, as small tasks an interpretability researcher might compile to
study a circuit, each with its own lambdas written for it (no lambda library):

- strings: traffic-light violations (a legal-successor table against a look-back), compass turns and the
  net rotation, Roman numerals with the subtractive rule (a clamped look-ahead), playing cards spelled in
  two or three characters (flush and the top card of my suit), a vote with a quorum (`selector_or` with a
  FALSE Select, an NEQ dissent count), RNA stop codons read in frame by two look-backs then a strict-prefix
  mean, password character classes counted by first occurrences over (class, index) keys, 24 keyboard
  letters by row, subject-verb agreement with the previous word, musical intervals between notes, sock
  colours paired off, distances in mixed units ranked (two lines), Greek letters ranked by GEQ under a
  custom BOS 'Ω' / PAD '·';
- ints: negatives (-4..4 ranked by absolute value with opposite pairs, freezing onsets, temperatures
  under `selector_not`), large sparse ints ({0, 10, 100, 1000, 5000}: bigger tokens and decade
  neighbours), a 12-hour clock offset by the first hour at max_seq_len 3 (a (token, index) key), dice
  sevens;
- numerical: means of 0/1 values under LEQ, LT, TRUE, `selector_and` and `selector_not`, a numerical
  Map of a mean only thresholded at 0, a LinearSequenceMap of two means (an elevator's drift), a
  valence mean over neighbouring atoms of another element;
- `lib.py`: `make_hist`, `make_sort_unique` of sparse ints, `make_sort` by absolute value,
  `make_frac_prevs` of vowels (syllable onsets), `shift_by` of a stress flag, `make_length` under a
  BERT-like BOS '[CLS]' / PAD '[PAD]';
- causal=True: dice sevens, freezing onsets, an elevator's drift at 12, a queue's size under a custom
  BOS '<q>' / PAD '<nil>'.

Vocabularies of 2 to 24 (letters, mixed case, Greek, words, cards, units, ints with negatives and large
sparse ints), max_seq_len 3 to 12, 2 to 12 lines, input spaces from 1,884 to 1.1 x 10^10.

Each builder makes new expressions on every call. `examples/check_suites.py examples/lagoon/suite.py`
checks that Tracr compiles each faithfully. The pitfalls listed in the older suites' docstrings were
avoided: no SelectorWidth past max_seq_len 9 (the two programs at 12 use means only); categorical
Aggregates that select exactly one position (clamped look-backs and look-aheads, never a look-back that
selects nothing, except `lib.shift_by` read only by a Map, so None reaches no Select and no SequenceMap),
and that move no more values than their key space holds (a (token, index) key where the tokens outnumber
the positions, as in `clock_offset_first_len3`); means of 0/1 values or of values in [0, 1] only;
numerical Maps of a mean only thresholded at 0; no numerical SequenceMap; `selector_and` / `selector_or`
/ `selector_not` only of Selects over the same keys and queries. Two of the first drafts were unfaithful
and were changed (all 29 compile faithfully now; README.md has the checks):
- A numerical mean under a `selector_and` that can select nothing (my neighbours of another element, over
  (atom, index) keys) leaks about 0.001 from the unselected keys where it should be its default 0 at
  length 7 and 8 (13 of 1,360 positions off by more than the check's 1e-3), so
  `atom_neighbour_valence` now averages over `selector_or(me, selector_and(beside, other))`, which always
  selects my own position.
- A SelectorWidth whose Select is keyed by another SelectorWidth (or a Map of one) miscounts at some
  full selections: the width of `Select(odd, odd, lambda k, q: k)`, `odd` the parity of a per-token
  count, gave 0 for seven equal tokens at max_seq_len 8 (expected 7) and 1 for seven equal and one other
  (expected 8); `Select(count, count, lambda k, q: k % 2 == 1)` straight on the count failed alike (51
  of the 9,840 inputs over three colours). `sock_pairs` now counts an LT width over the tokens instead.
  `password_classes` (a width keyed by a Map of a width) has the same shape but was faithful on all its
  299,592 inputs.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

LIGHTS = ("red", "amber", "green")
DIE = (1, 2, 3, 4, 5, 6)
GREEK = ("α", "β", "γ", "δ", "ε", "ζ", "η")
SPARSE = (0, 10, 100, 1000, 5000)
CELSIUS10 = (-5, -4, -3, -2, -1, 0, 1, 2, 3, 4)
COMPASS = ("N", "E", "S", "W")
ROMAN = ("I", "V", "X", "L", "C")
CARDS = ("AS", "KS", "10S", "2H", "QH", "7D", "JC", "9C")
BALLOT = ("yes", "no", "abstain")
RNA = ("A", "C", "G", "U")
PASSWORD = ("a", "q", "K", "Z", "3", "7", "#", "!")
KEYBOARD24 = tuple("qwertyuio") + tuple("asdfghjkl") + tuple("zxcvbn")
HOURS12 = tuple(range(12))
SIGNED9 = (-4, -3, -2, -1, 0, 1, 2, 3, 4)
SENTENCE = ("the", "dog", "dogs", "cat", "cats", "runs", "run", "fast")
NOTES = ("C", "D", "E", "F", "G", "A", "B")
LIFT = ("up", "down", "stay")
COIN = ("H", "T")
QUEUE = ("push", "pop", "peek")
LETTERS_VWXYZ = ("v", "w", "x", "y", "z")
SPARSE_SIGNED = (-100, 0, 10, 100, 1000)
STRESS = ("ba", "BA", "na", "NA", "to", "TO")
ONSET = ("s", "t", "r", "p", "l", "a", "e", "i")
FOX = ("the", "quick", "brown", "fox", "jumps")
SIGNED7 = (-3, -2, -1, 0, 1, 2, 3)
SOCKS = ("red", "blue", "grey", "black", "white")
DISTANCES = ("5m", "20m", "50m", "500m", "1km", "2km", "3km")
ATOMS = ("H", "O", "C", "N")
TEMPERATURES = (-20, -10, 0, 10, 20, 30)


def _clamped_back(name: str, steps: int = 1) -> rasp.Select:
    """The position `steps` back, the first position where there is none (selects exactly one)."""
    return rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - steps, 0)).named(name)


# --- strings -------------------------------------------------------------------------------------------


def traffic_light_violations() -> rasp.SOp:
    """Traffic lights: is my light a legal successor of the previous one (green -> amber -> red -> green or
    unchanged), and how many lights in the sequence ran the cycle."""
    legal = {("red", "green"), ("green", "amber"), ("amber", "red")}
    prev = rasp.Aggregate(_clamped_back("tl_back"), rasp.tokens).named("tl_prev")
    ok = rasp.SequenceMap(lambda p, t: p == t or (p, t) in legal, prev, rasp.tokens).named("tl_ok")
    runs = rasp.SelectorWidth(rasp.Select(ok, ok, lambda k, q: not k).named("tl_bad_sel")).named("tl_runs")
    return rasp.SequenceMap(lambda o, r: ("ok" if o else "RUN") + str(r), ok, runs).named("tl_report")


def compass_turns() -> rasp.SOp:
    """Headings N / E / S / W: the turn from the previous heading (R, L, U-turn, -) and whether the walk
    turned clockwise or counter-clockwise more often."""
    prev = rasp.Aggregate(_clamped_back("cp_back"), rasp.tokens).named("cp_prev")
    turn = rasp.SequenceMap(lambda p, t: "-RUL"[("NESW".index(t) - "NESW".index(p)) % 4], prev,
                            rasp.tokens).named("cp_turn")
    rights = rasp.SelectorWidth(rasp.Select(turn, turn, lambda k, q: k == "R").named("cp_r_sel")).named("cp_rights")
    lefts = rasp.SelectorWidth(rasp.Select(turn, turn, lambda k, q: k == "L").named("cp_l_sel")).named("cp_lefts")
    spin = rasp.SequenceMap(lambda r, l: "cw" if r > l else ("ccw" if l > r else "even"), rights,
                            lefts).named("cp_spin")
    return rasp.SequenceMap(lambda t, s: f"{t}:{s}", turn, spin).named("cp_out")


def roman_subtractive() -> rasp.SOp:
    """Roman numerals: my numeral's signed contribution (negative before a larger one, read by a clamped
    look-ahead), and how many numerals subtract."""
    worth = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    n = lib.make_length()
    ahead = rasp.SequenceMap(lambda i, n: min(i + 1, n - 1), rasp.indices, n).named("ro_ahead")
    nxt = rasp.Aggregate(rasp.Select(rasp.indices, ahead, rasp.Comparison.EQ).named("ro_next_sel"),
                         rasp.tokens).named("ro_next")
    part = rasp.SequenceMap(lambda t, x: -worth[t] if worth[x] > worth[t] else worth[t], rasp.tokens,
                            nxt).named("ro_part")
    minus = rasp.SelectorWidth(rasp.Select(part, part, lambda k, q: k < 0).named("ro_minus_sel")).named(
        "ro_minus")
    return rasp.SequenceMap(lambda p, m: p * 10 + m if p > 0 else p * 10 - m, part, minus).named("ro_out")


def card_flush_top() -> rasp.SOp:
    """Playing cards spelled 'AS', '10S', 'QH': 'flush' if every card shares my suit, and whether mine is
    the top card of its suit, else how many of my suit beat it."""
    rank = {"A": 14, "K": 13, "Q": 12, "J": 11, "10": 10, "9": 9, "7": 7, "2": 2}
    mates = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[-1] == q[-1]).named(
        "cf_suit_sel")).named("cf_mates")
    n = lib.make_length()
    flush = rasp.SequenceMap(lambda m, n: m == n, mates, n).named("cf_flush")
    beaten = rasp.SelectorWidth(rasp.Select(
        rasp.tokens, rasp.tokens, lambda k, q: k[-1] == q[-1] and rank[k[:-1]] > rank[q[:-1]]).named(
        "cf_beat_sel")).named("cf_beaten")
    return rasp.SequenceMap(lambda f, b: ("flush" if f else "") + ("top" if b == 0 else f"-{b}"), flush,
                            beaten).named("cf_out")


def vote_quorum() -> rasp.SOp:
    """Yes / no / abstain ballots: pass / tie / fail by yes against no (a `selector_or` with a disabled
    FALSE rule, folded by Tracr), and how many ballots differ from mine (NEQ)."""
    yes_sel = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "yes").named("vq_yes_sel")
    proxy = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.FALSE).named("vq_proxy_sel")
    yes = rasp.SelectorWidth(rasp.selector_or(yes_sel, proxy).named("vq_yes_or_proxy")).named("vq_yes")
    no = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "no").named(
        "vq_no_sel")).named("vq_no")
    dissent = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ).named(
        "vq_neq")).named("vq_dissent")
    result = rasp.SequenceMap(lambda y, n: "pass" if y > n else ("tie" if y == n else "fail"), yes,
                              no).named("vq_result")
    return rasp.SequenceMap(lambda r, d: f"{r}{d}", result, dissent).named("vq_out")


def rna_stop_codons() -> rasp.SOp:
    """RNA read in frame from the first base: 'stop' / 'sense' at each codon's third base ('.' elsewhere),
    'x' once a stop codon came before (a strict-prefix mean thresholded at 0)."""
    p1 = rasp.Aggregate(_clamped_back("rn_back1"), rasp.tokens).named("rn_p1")
    p2 = rasp.Aggregate(_clamped_back("rn_back2", 2), rasp.tokens).named("rn_p2")
    pair = rasp.SequenceMap(lambda a, b: a + b, p2, p1).named("rn_pair")
    codon = rasp.SequenceMap(lambda ab, c: ab + c, pair, rasp.tokens).named("rn_codon")
    frame = rasp.SequenceMap(lambda c, i: ("stop" if c in ("UAA", "UAG", "UGA") else "sense") if i % 3 == 2
                             else ".", codon, rasp.indices).named("rn_frame")
    stop = rasp.numerical(rasp.Map(lambda f: 1 if f == "stop" else 0, frame)).named("rn_stop")
    before = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named(
        "rn_before_sel"), stop, default=0)).named("rn_before")
    halted = rasp.Map(lambda x: x > 0, before).named("rn_halted")
    return rasp.SequenceMap(lambda f, h: "x" if h else f, frame, halted).named("rn_out")


def password_classes() -> rasp.SOp:
    """Password characters: lower / upper / digit / symbol, the number of classes used (first occurrences
    over (class, index) keys) named as a strength."""
    def kind(c):
        return "lower" if c.islower() else "upper" if c.isupper() else "digit" if c.isdigit() else "symbol"

    cls = rasp.Map(kind, rasp.tokens).named("pw_class")
    at = rasp.SequenceMap(lambda c, i: (c, i), cls, rasp.indices).named("pw_at")
    seen = rasp.SelectorWidth(rasp.Select(at, at, lambda k, q: k[0] == q[0] and k[1] < q[1]).named(
        "pw_earlier_sel")).named("pw_seen")
    new = rasp.Map(lambda n: n == 0, seen).named("pw_new")
    kinds = rasp.SelectorWidth(rasp.Select(new, new, lambda k, q: k).named("pw_new_sel")).named("pw_kinds")
    return rasp.Map(lambda n: ("none", "weak", "weak", "fair", "strong")[min(n, 4)], kinds).named("pw_strength")


def keyboard_rows_24() -> rasp.SOp:
    """24 letters at max_seq_len 4: my keyboard row, and 'one-row' when every letter is typed on it."""
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    row = rasp.Map(lambda c: next(r for r in range(3) if c in rows[r]), rasp.tokens).named("kb_row")
    same = rasp.SelectorWidth(rasp.Select(row, row, rasp.Comparison.EQ).named("kb_same_sel")).named("kb_same")
    n = lib.make_length()
    one_row = rasp.SequenceMap(lambda s, n: s == n, same, n).named("kb_one_row")
    return rasp.SequenceMap(lambda r, o: "one-row" if o else "top home bottom".split()[r], row,
                            one_row).named("kb_out")


def subject_verb_agreement() -> rasp.SOp:
    """A toy sentence: does each verb agree in number with the word before it ('ok' / 'bad' / '?' when no
    noun precedes, '-' for other words), and how many verbs disagree."""
    def agree(p, t):
        if t not in ("runs", "run"):
            return "-"
        if p in ("dog", "cat"):
            return "ok" if t == "runs" else "bad"
        if p in ("dogs", "cats"):
            return "ok" if t == "run" else "bad"
        return "?"

    prev = rasp.Aggregate(_clamped_back("sv_back"), rasp.tokens).named("sv_prev")
    label = rasp.SequenceMap(agree, prev, rasp.tokens).named("sv_label")
    errors = rasp.SelectorWidth(rasp.Select(label, label, lambda k, q: k == "bad").named("sv_bad_sel")).named(
        "sv_errors")
    return rasp.SequenceMap(lambda l, e: f"{l}{e}", label, errors).named("sv_out")


def note_intervals() -> rasp.SOp:
    """Notes C..B: the signed interval in semitones from the previous note (-6..5), and how many leaps
    (more than two semitones) the melody makes."""
    semitone = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
    prev = rasp.Aggregate(_clamped_back("ni_back"), rasp.tokens).named("ni_prev")
    step = rasp.SequenceMap(lambda p, t: (semitone[t] - semitone[p] + 6) % 12 - 6, prev,
                            rasp.tokens).named("ni_step")
    kind = rasp.Map(lambda s: "unison" if s == 0 else ("step" if abs(s) <= 2 else "leap"), step).named("ni_kind")
    leaps = rasp.SelectorWidth(rasp.Select(kind, kind, lambda k, q: k == "leap").named("ni_leap_sel")).named(
        "ni_leaps")
    return rasp.SequenceMap(lambda s, n: f"{s:+d}/{n}", step, leaps).named("ni_out")


def sock_pairs() -> rasp.SOp:
    """Sock colours: the pairs of my colour, '+' if one is left over, and my drawer slot (socks of colours
    earlier in the alphabet, LT on strings)."""
    count = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == q).named(
        "sk_same_sel")).named("sk_count")
    slot = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("sk_lt")).named(
        "sk_slot")
    return rasp.SequenceMap(lambda c, s: f"{c // 2}p{'+' if c % 2 else ''}@{s}", count, slot).named("sk_out")


def distance_units_rank() -> rasp.SOp:
    """Distances in metres and kilometres: how many are shorter than mine (two lines, one custom Select)."""
    def metres(d):
        return int(d[:-2]) * 1000 if d.endswith("km") else int(d[:-1])

    shorter = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: metres(k) < metres(q)).named("du_shorter")
    return rasp.SelectorWidth(shorter).named("du_rank")


def greek_geq_custom_bos() -> rasp.SOp:
    """BOS 'Ω', PAD '·', Greek letters: how many letters are at or after mine in the alphabet (GEQ), 'min'
    where that is every letter."""
    at_or_after = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named(
        "gk_geq")).named("gk_at_or_after")
    n = lib.make_length()
    return rasp.SequenceMap(lambda w, n: "min" if w == n else f"{w}/{n}", at_or_after, n).named("gk_out")


# --- ints ----------------------------------------------------------------------------------------------


def sparse_decades() -> rasp.SOp:
    """Large sparse ints {0, 10, 100, 1000, 5000}: how many tokens are bigger (GT), and how many other
    values lie within a factor of 10 of mine, packed as bigger * 10 + near."""
    bigger = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "sd_gt")).named("sd_bigger")
    near = rasp.SelectorWidth(rasp.Select(
        rasp.tokens, rasp.tokens, lambda k, q: k != q and max(k, q) <= 10 * min(k, q)).named("sd_near_sel")
    ).named("sd_near")
    return rasp.SequenceMap(lambda b, n: b * 10 + n, bigger, near).named("sd_out")


def clock_offset_first_len3() -> rasp.SOp:
    """A 12-hour clock at max_seq_len 3: each hour shifted by the first hour (read over (hour, index) keys,
    12 hours at 3 positions), and how many shifted hours are earlier (LT)."""
    at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("cl_at")
    first = rasp.Aggregate(rasp.Select(at, rasp.indices, lambda k, q: k[1] == 0).named("cl_first_sel"),
                           rasp.tokens).named("cl_first")
    shifted = rasp.SequenceMap(lambda t, f: (t + f) % 12, rasp.tokens, first).named("cl_shifted")
    earlier = rasp.SelectorWidth(rasp.Select(shifted, shifted, rasp.Comparison.LT).named("cl_lt")).named(
        "cl_earlier")
    return rasp.SequenceMap(lambda s, e: f"{s}h#{e}", shifted, earlier).named("cl_out")


def abs_rank_opposites() -> rasp.SOp:
    """Ints -4..4: how many tokens are closer to zero than mine, '±' if my opposite also occurs."""
    closer = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: abs(k) < abs(q)).named(
        "ar_closer_sel")).named("ar_closer")
    opposite = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == -q and k != 0).named(
        "ar_opp_sel")).named("ar_opposite")
    return rasp.SequenceMap(lambda c, o: f"{c}{'±' if o else ''}", closer, opposite).named("ar_out")


def temperature_far_hot_share() -> rasp.SOp:
    """Temperatures -20..30: the share of hot days (>= 20) among days more than 10 degrees from mine
    (`selector_not` of a band; 0 when there are none)."""
    near = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: abs(k - q) <= 10).named("tf_near")
    far = rasp.selector_not(near).named("tf_far")
    hot = rasp.numerical(rasp.Map(lambda t: 1 if t >= 20 else 0, rasp.tokens)).named("tf_hot")
    return rasp.numerical(rasp.Aggregate(far, hot, default=0)).named("tf_share")


def atom_neighbour_valence() -> rasp.SOp:
    """A chain of atoms H / O / C / N: the mean valence / 4 of my atom and of my neighbours that are
    another element (`selector_or` of myself and a `selector_and`, over (atom, index) keys)."""
    valence = {"H": 1, "O": 2, "N": 3, "C": 4}
    at = rasp.SequenceMap(lambda a, i: (a, i), rasp.tokens, rasp.indices).named("av_at")
    beside = rasp.Select(at, at, lambda k, q: abs(k[1] - q[1]) == 1).named("av_beside")
    other = rasp.Select(at, at, lambda k, q: k[0] != q[0]).named("av_other")
    me = rasp.Select(at, at, lambda k, q: k[1] == q[1]).named("av_me")
    bonded = rasp.selector_or(me, rasp.selector_and(beside, other).named("av_bonded")).named("av_me_or_bonded")
    weight = rasp.numerical(rasp.Map(lambda a: valence[a] / 4, rasp.tokens)).named("av_weight")
    return rasp.numerical(rasp.Aggregate(bonded, weight, default=0)).named("av_mean")


def coin_triples_len12() -> rasp.SOp:
    """Coin flips at max_seq_len 12: the share of positions that end three equal flips in a row (two clamped
    look-backs, a mean over all positions)."""
    p1 = rasp.Aggregate(_clamped_back("ct_back1"), rasp.tokens).named("ct_p1")
    p2 = rasp.Aggregate(_clamped_back("ct_back2", 2), rasp.tokens).named("ct_p2")
    pair = rasp.SequenceMap(lambda a, b: a + b, p2, p1).named("ct_pair")
    triple = rasp.SequenceMap(lambda ab, t: ab == t + t, pair, rasp.tokens).named("ct_triple")
    ends = rasp.SequenceMap(lambda f, i: 1 if f and i >= 2 else 0, triple, rasp.indices).named("ct_ends")
    ends_num = rasp.numerical(rasp.Map(lambda e: e, ends)).named("ct_ends_num")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "ct_all"), ends_num, default=0)).named("ct_share")


# --- lib.py --------------------------------------------------------------------------------------------


def lib_hist_singleton_share() -> rasp.SOp:
    """`lib.make_hist`: the share of positions whose letter occurs exactly once (numerical)."""
    single = rasp.numerical(rasp.Map(lambda h: 1 if h == 1 else 0, lib.make_hist())).named("hs_single")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "hs_all"), single, default=0)).named("hs_share")


def lib_sort_unique_sparse() -> rasp.SOp:
    """`lib.make_sort_unique` of sparse ints {-100, 0, 10, 100, 1000}, each named (None past the distinct
    values)."""
    names = {-100: "minus-hundred", 0: "zero", 10: "ten", 100: "hundred", 1000: "thousand"}
    ordered = lib.make_sort_unique(rasp.tokens, rasp.tokens)
    return rasp.Map(lambda v: names[v], ordered).named("su_named")


def lib_sort_by_magnitude() -> rasp.SOp:
    """`lib.make_sort` of -3..3 keyed by the absolute value (ties by position), written with a sign."""
    magnitude = rasp.Map(abs, rasp.tokens).named("sm_abs")
    ordered = lib.make_sort(rasp.tokens, magnitude, max_seq_len=7, min_key=1)
    return rasp.Map(lambda v: f"{v:+d}", ordered).named("sm_signed")


def lib_frac_prevs_onsets() -> rasp.SOp:
    """`lib.make_frac_prevs` of vowels: letters before the first vowel (the syllable onset) upper-cased."""
    vowel = rasp.Map(lambda c: c in "aei", rasp.tokens).named("on_vowel")
    seen = rasp.Map(lambda x: x > 0, lib.make_frac_prevs(vowel)).named("on_seen")
    return rasp.SequenceMap(lambda s, c: c if s else c.upper(), seen, rasp.tokens).named("on_out")


def lib_shift_stress() -> rasp.SOp:
    """`lib.shift_by(1)` of a stress flag (upper-case syllables are stressed): what my syllable follows
    (None at the first)."""
    stressed = rasp.Map(lambda s: s.isupper(), rasp.tokens).named("ss_stressed")
    before = lib.shift_by(1, stressed)
    return rasp.Map(lambda b: "after-stress" if b else "after-weak", before).named("ss_out")


def lib_length_centre_cls() -> rasp.SOp:
    """BOS '[CLS]', PAD '[PAD]': `lib.make_length`, the word at the centre broadcast, and my side of it."""
    n = lib.make_length()
    centre = rasp.Map(lambda n: (n - 1) // 2, n).named("lc_centre")
    middle = rasp.Aggregate(rasp.Select(rasp.indices, centre, rasp.Comparison.EQ).named("lc_mid_sel"),
                            rasp.tokens).named("lc_middle")
    side = rasp.SequenceMap(lambda i, c: "L" if i < c else ("C" if i == c else "R"), rasp.indices,
                            centre).named("lc_side")
    return rasp.SequenceMap(lambda s, w: f"{s}:{w}", side, middle).named("lc_out")


# --- causal and custom BOS / PAD -----------------------------------------------------------------------


def causal_dice_sevens() -> rasp.SOp:
    """causal=True, a die: my roll plus the previous one, and the share of sums of seven so far."""
    prev = rasp.Aggregate(_clamped_back("ds_back"), rasp.tokens).named("ds_prev")
    total = rasp.SequenceMap(lambda p, t: p + t, prev, rasp.tokens).named("ds_total")
    seven = rasp.numerical(rasp.Map(lambda s: 1 if s == 7 else 0, total)).named("ds_seven")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named(
        "ds_so_far"), seven, default=0)).named("ds_share")


def causal_frost_onsets() -> rasp.SOp:
    """causal=True, temperatures -5..4 at max_seq_len 10: the share of days so far that drop below zero
    from a day at or above it."""
    prev = rasp.Aggregate(_clamped_back("fr_back"), rasp.tokens).named("fr_prev")
    onset = rasp.SequenceMap(lambda p, t: 1 if t < 0 <= p else 0, prev, rasp.tokens).named("fr_onset")
    onset_num = rasp.numerical(rasp.Map(lambda o: o, onset)).named("fr_onset_num")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named(
        "fr_so_far"), onset_num, default=0)).named("fr_share")


def causal_elevator_drift_len12() -> rasp.SOp:
    """causal=True, max_seq_len 12: the share of 'up' so far minus the share of 'down' so far
    (LinearSequenceMap of two means under one Select)."""
    up = rasp.numerical(rasp.Map(lambda m: 1 if m == "up" else 0, rasp.tokens)).named("el_up")
    down = rasp.numerical(rasp.Map(lambda m: 1 if m == "down" else 0, rasp.tokens)).named("el_down")
    so_far = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("el_so_far")
    ups = rasp.numerical(rasp.Aggregate(so_far, up, default=0)).named("el_ups")
    downs = rasp.numerical(rasp.Aggregate(so_far, down, default=0)).named("el_downs")
    return rasp.numerical(rasp.LinearSequenceMap(ups, downs, 1, -1)).named("el_drift")


def causal_queue_custom_bos() -> rasp.SOp:
    """causal=True, BOS '<q>', PAD '<nil>': a queue's size after each push / pop (widths so far),
    'underflow' below zero, 'top<n>' at a peek."""
    pushes = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "push").named(
        "qu_push_sel")).named("qu_pushes")
    pops = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "pop").named(
        "qu_pop_sel")).named("qu_pops")
    size = rasp.SequenceMap(lambda a, b: a - b, pushes, pops).named("qu_size")
    return rasp.SequenceMap(lambda s, t: "underflow" if s < 0 else (f"top{s}" if t == "peek" else str(s)), size,
                            rasp.tokens).named("qu_out")


PROGRAMS = [
    SuiteProgram("traffic_light_violations", "traffic lights: legal successor of the previous light, runs",
                 traffic_light_violations, LIGHTS, 8),
    SuiteProgram("compass_turns", "N/E/S/W: turn from the previous heading, net rotation",
                 compass_turns, COMPASS, 9),
    SuiteProgram("roman_subtractive", "Roman numerals: signed contribution by a look-ahead, subtractors",
                 roman_subtractive, ROMAN, 7),
    SuiteProgram("card_flush_top", "cards 'AS', '10S': flush, and cards of my suit that beat mine",
                 card_flush_top, CARDS, 5),
    SuiteProgram("vote_quorum", "ballots: pass/tie/fail (selector_or with FALSE), NEQ dissent",
                 vote_quorum, BALLOT, 9),
    SuiteProgram("rna_stop_codons", "RNA: stop/sense codons in frame, 'x' after a stop (prefix mean)",
                 rna_stop_codons, RNA, 9),
    SuiteProgram("password_classes", "password characters: classes used (first occurrences), strength",
                 password_classes, PASSWORD, 6),
    SuiteProgram("keyboard_rows_24", "24 letters at 4: keyboard row, 'one-row' words",
                 keyboard_rows_24, KEYBOARD24, 4),
    SuiteProgram("subject_verb_agreement", "verbs agreeing with the previous noun, disagreements",
                 subject_verb_agreement, SENTENCE, 8),
    SuiteProgram("note_intervals", "notes: signed semitone interval from the previous, leaps",
                 note_intervals, NOTES, 8),
    SuiteProgram("sock_pairs", "sock colours: pairs of my colour, odd one out, drawer slot (LT)",
                 sock_pairs, SOCKS, 8),
    SuiteProgram("distance_units_rank", "two lines: distances in m / km shorter than mine",
                 distance_units_rank, DISTANCES, 6),
    SuiteProgram("greek_geq_custom_bos", "BOS 'Ω': Greek letters at or after mine (GEQ), 'min'",
                 greek_geq_custom_bos, GREEK, 7, compiler_bos="Ω", compiler_pad="·"),
    SuiteProgram("sparse_decades", "{0, 10, 100, 1000, 5000}: bigger tokens (GT), values within 10x",
                 sparse_decades, SPARSE, 8),
    SuiteProgram("clock_offset_first_len3", "12 hours at 3: shifted by the first hour, earlier ones (LT)",
                 clock_offset_first_len3, HOURS12, 3),
    SuiteProgram("abs_rank_opposites", "-4..4: tokens closer to zero, '±' if my opposite occurs",
                 abs_rank_opposites, SIGNED9, 7),
    SuiteProgram("temperature_far_hot_share", "share of hot days among days far from mine (selector_not)",
                 temperature_far_hot_share, TEMPERATURES, 7),
    SuiteProgram("atom_neighbour_valence", "atoms: mean valence / 4 of me and my other-element neighbours",
                 atom_neighbour_valence, ATOMS, 8),
    SuiteProgram("coin_triples_len12", "coins at 12: share of positions ending three equal flips",
                 coin_triples_len12, COIN, 12),
    SuiteProgram("lib_hist_singleton_share", "make_hist: share of positions whose letter occurs once",
                 lib_hist_singleton_share, LETTERS_VWXYZ, 7),
    SuiteProgram("lib_sort_unique_sparse", "make_sort_unique of sparse ints, named",
                 lib_sort_unique_sparse, SPARSE_SIGNED, 5),
    SuiteProgram("lib_sort_by_magnitude", "make_sort of -3..3 by absolute value, signed strings",
                 lib_sort_by_magnitude, SIGNED7, 7),
    SuiteProgram("lib_frac_prevs_onsets", "make_frac_prevs of vowels: onset letters upper-cased",
                 lib_frac_prevs_onsets, ONSET, 8),
    SuiteProgram("lib_shift_stress", "shift_by(1) of a stress flag over mixed-case syllables",
                 lib_shift_stress, STRESS, 7),
    SuiteProgram("lib_length_centre_cls", "BOS '[CLS]': make_length, the centre word and my side",
                 lib_length_centre_cls, FOX, 9, compiler_bos="[CLS]", compiler_pad="[PAD]"),
    SuiteProgram("causal_dice_sevens", "causal: share so far of roll + previous roll == 7",
                 causal_dice_sevens, DIE, 9, causal=True),
    SuiteProgram("causal_frost_onsets", "causal, -5..4 at 10: share so far of drops below zero",
                 causal_frost_onsets, CELSIUS10, 10, causal=True),
    SuiteProgram("causal_elevator_drift_len12", "causal at 12: share of up minus share of down so far",
                 causal_elevator_drift_len12, LIFT, 12, causal=True),
    SuiteProgram("causal_queue_custom_bos", "causal, BOS '<q>': queue size, underflow, top at a peek",
                 causal_queue_custom_bos, QUEUE, 8, compiler_bos="<q>", compiler_pad="<nil>", causal=True),
]
