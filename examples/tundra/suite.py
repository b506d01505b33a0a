"""A tundra suite: held-out Tracr programs, written to measure whether TraDe generalises to programs it never saw.

Why: the twenty older suites (`tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`,
`large/`, `horizon/`, `outlook/`, `itself/`, `vista/`, `meridian/`, `zenith/`, `bench/`, `summit/`,
`drift/`, `kestrel/`, `lagoon/`, `estuary/`, `fjord/`) have all been read while TraDe was being built, or were
written before this one. These were written afterwards, without reading how TraDe reads weights (nothing
under `trade/` but `trade/suites.py`, no tests, no reports), as small tasks an interpretability researcher
might compile to study a circuit, each with its own lambdas written for it (no lambda library), and chosen not
to repeat the tasks of the older suites' READMEs:

- strings: chess pieces ♕ ♖ ♘ ♙ / ♛ ♜ ♞ ♟ (enemies that outrank mine), HTML-ish tags '<b>' / '</i>' (two
  `make_pair_balance`), rhyming words (`shift_by(-1)`, a look-ahead), ions 'Na' / 'Cl' (opposite charges),
  units 'mm' / 'kg' / 'h' (`selector_and` of a same-dimension and a larger-scale Select), months (a causal
  calendar year under BOS '<log>' / PAD '<eof>'), solfège (causal `make_hist`), code tokens if / then /
  else (a causal skip-trigram check), dice faces ⚀..⚅ (a poker-dice hand, 22 lines), weather ☀ ☁ ☂ ❄,
  dynamics pp..ff, elements (a LinearSequenceMap of two shares; `make_sort` by atomic number), pitch classes
  (a triad's quality by `make_nary_sequencemap`), cards (a causal blackjack total, 18 lines), metals under
  BOS '[' / PAD ']', chess moves (`detect_pattern` of an opening), coloured squares, darts (a countdown from
  121, 16 lines), countries, traffic lights, coins (a causal vending machine, 15 lines);
- ints: {-7, -2, 0, 3, 11} (`make_reverse`, mirror sums), temperatures {-15, -4, 0, 6, 21, 30}, pH {2, 7,
  12} at max_seq_len 10, sparse signed readings {-40, -12, 0, 8, 100, 350}; floats 0.1..2.5 (causal, a float
  output); bools (a causal share of flips); tuples as tokens: (note, octave) pairs and (file, rank) squares;
- numerical: means of 0/1 values under GT, TRUE, NEQ, LEQ (`make_frac_prevs`) and
  `selector_or(FALSE, selector_not(...))`; a numerical-to-numerical Map of a mean read at 0, averaged again;
  numerical-to-categorical Maps of a mean and of two `make_pair_balance` read at 0; a LinearSequenceMap of two
  means as a numerical output;
- several heads in one layer (five widths in `causal_blackjack_running_total` and `long_darts_countdown`, four in
  `dice_hand_category` and `causal_vending_credit`, three look-ups in `lib_nary_triad_quality`, three widths in
  `causal_skip_trigram_else`), long programs (`dice_hand_category`, `causal_blackjack_running_total`,
  `causal_vending_credit`, `long_darts_countdown`);
- causal=True for eleven: a new high among (note, octave) tuples, calendar years, solfège repeats, the skip
  trigram, doubled floats, bool flips, dynamics after 'ff', blackjack, the running middle square, percentile
  records, the vending machine; custom BOS / PAD for four (three of them causal).

Every comparison is used (EQ, LT, LEQ, GT, GEQ, NEQ, TRUE, FALSE), and `selector_and`, `selector_or` and
`selector_not`, each only over Selects with the same keys and queries. README.md has the measurements.

Each builder makes new expressions on every call (`make_reverse` uses `lib.py`'s own `length`). The pitfalls
listed in the older suites' docstrings were avoided: no SelectorWidth past max_seq_len 9; categorical
Aggregates that select exactly one position, through a clamp or a fallback, except `shift_by` /
`detect_pattern`, whose None reaches only SequenceMaps and the output; small value sets aggregated; means of
0/1 values only; numerical-to-categorical or numerical-to-numerical Maps only of a mean or a balance read at 0;
no numerical SequenceMap; widths keyed by a flag select the value the BOS position does not carry. Writing this
suite found two more (README.md has the measurements):
- `make_count_less_freq(1)` beside `make_length` in one SequenceMap came out as the length at every position
  (each alone was faithful): it is now read alone;
- an EQ width keyed by a run number (itself a width over (start, index) pairs) was 0 for the last,
  high-numbered runs at max_seq_len 7 to 9, keyed by (run, token) pairs as well: that run-length encoder was
  dropped for `long_darts_countdown`.
Changed while writing: `lib_nary_triad_quality` (8 pitch classes to 6) and `causal_blackjack_running_total`
(sums clamped at 22) to keep d_model under 300.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

CHESS = ("♕", "♖", "♘", "♙", "♛", "♜", "♞", "♟")
CHESS_VALUE = {"♕": 9, "♖": 5, "♘": 3, "♙": 1, "♛": 9, "♜": 5, "♞": 3, "♟": 1}
WHITE = ("♕", "♖", "♘", "♙")
NOTE_OCTAVES = (("C", 4), ("E", 4), ("G", 4), ("A", 4), ("C", 5))
SEMITONE = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B♭": 10, "B": 11}
TAGS = ("<b>", "</b>", "<i>", "</i>", "txt")
RHYMES = ("cat", "hat", "dog", "log", "sun", "fun", "tree")
IONS = ("Na", "K", "Mg", "Ca", "F", "Cl", "O")
CHARGE = {"Na": 1, "K": 1, "Mg": 2, "Ca": 2, "F": -1, "Cl": -1, "O": -2}
UNITS = ("mm", "km", "g", "kg", "ms", "s", "h")
UNIT_INFO = {"mm": ("L", 0.001), "km": ("L", 1000), "g": ("M", 0.001), "kg": ("M", 1), "ms": ("T", 0.001),
             "s": ("T", 1), "h": ("T", 3600)}
MONTHS = ("Jan", "Mar", "May", "Jun", "Sep", "Nov")
MONTH_NUMBER = {"Jan": 1, "Mar": 3, "May": 5, "Jun": 6, "Sep": 9, "Nov": 11}
ODD_INTS = (-7, -2, 0, 3, 11)
DOUBLING = (0.1, 0.2, 0.4, 0.5, 1.0, 2.5)
BITS = (False, True)
SOLFEGE = ("do", "re", "mi", "fa", "sol", "la")
CODE = ("if", "then", "else", "x", "y")
DICE = ("⚀", "⚁", "⚂", "⚃", "⚄", "⚅")
WEATHER = ("☀", "☁", "☂", "❄")
TEMPERATURES = (-15, -4, 0, 6, 21, 30)
PH = (2, 7, 12)
DYNAMICS = ("pp", "p", "mf", "f", "ff")
LOUDNESS = {"pp": 0, "p": 1, "mf": 2, "f": 3, "ff": 4}
LIGHT_ELEMENTS = ("H", "He", "Li", "C", "Ne", "Na", "Ar")
PITCH_CLASSES = ("C", "D", "E", "F", "A", "B")
BLACKJACK = ("A", "2", "5", "9", "10", "K")
METALS = ("Fe", "Cu", "Zn", "Au", "Ag")
OPENING = ("e4", "e5", "Nf3", "Nc6", "Bb5", "d4")
ATOMIC = {"H": 1, "C": 6, "N": 7, "O": 8, "Fe": 26, "U": 92}
SORT_ELEMENTS = ("O", "C", "N", "H", "Fe", "U")
SQUARES = ("🟥", "🟧", "🟨", "🟩", "🟦", "🟪")
DARTS = ("T20", "D20", "S19", "BULL", "MISS")
KNIGHT_SQUARES = ((0, 0), (1, 2), (2, 1), (2, 2), (3, 3), (0, 1))
READINGS = (-40, -12, 0, 8, 100, 350)
COUNTRIES = ("FR", "DE", "JP", "BR", "AR", "AU", "ZA")
CONTINENT = {"FR": "EU", "DE": "EU", "JP": "AS", "BR": "SA", "AR": "SA", "AU": "OC", "ZA": "AF"}
SOUTHERN = ("BR", "AR", "AU", "ZA")
LIGHTS = ("red", "amber", "green")
COINS = ("5¢", "10¢", "25¢", "buy", "refund")


# --- strings and tuples -----------------------------------------------------------------------------------


def chess_outranked_by_enemy() -> rasp.SOp:
    """Chess pieces ♕ ♖ ♘ ♙ (white) and ♛ ♜ ♞ ♟ (black): a Map to (value, colour) pairs and a width of the enemy
    pieces worth more than mine, written 'safe' or '2 bigger'."""
    info = rasp.Map(lambda p: (CHESS_VALUE[p], p in WHITE), rasp.tokens).named("ch_info")
    bigger = rasp.SelectorWidth(rasp.Select(info, info, lambda k, q: k[1] != q[1] and k[0] > q[0]).named(
        "ch_bigger_sel")).named("ch_bigger")
    return rasp.Map(lambda b: "safe" if b == 0 else f"{b} bigger", bigger).named("ch_out")


def causal_note_new_high() -> rasp.SOp:
    """causal=True, (note, octave) tuples as tokens: a Map to MIDI pitch, a head on position 0 (the first
    note), the interval from it, and a GT width of earlier higher notes: '+7^' marks a new high."""
    pitch = rasp.Map(lambda n: 12 * (n[1] + 1) + SEMITONE[n[0]], rasp.tokens).named("nh_pitch")
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("nh_first_sel"),
                           pitch).named("nh_first")
    interval = rasp.SequenceMap(lambda p, f: p - f, pitch, first).named("nh_interval")
    higher = rasp.SelectorWidth(rasp.Select(pitch, pitch, rasp.Comparison.GT).named("nh_higher_sel")).named(
        "nh_higher")
    return rasp.SequenceMap(lambda d, h: f"{d:+d}" + ("^" if h == 0 else ""), interval, higher).named("nh_out")


def lib_html_tag_balance() -> rasp.SOp:
    """HTML-ish tags: `make_pair_balance` of '<b>' / '</b>' beside that of '<i>' / '</i>' (each a LinearSequenceMap
    of two prefix means), read at 0 by numerical-to-categorical Maps: 'b+i', 'b', 'i', 'plain' or 'bad'."""
    bold = lib.make_pair_balance(rasp.tokens, "<b>", "</b>").named("ht_bold")
    italic = lib.make_pair_balance(rasp.tokens, "<i>", "</i>").named("ht_italic")
    b = rasp.categorical(rasp.Map(lambda x: "open" if x > 0 else ("bad" if x < 0 else "shut"), bold)).named(
        "ht_b")
    i = rasp.categorical(rasp.Map(lambda x: "open" if x > 0 else ("bad" if x < 0 else "shut"), italic)).named(
        "ht_i")
    return rasp.SequenceMap(
        lambda x, y: "bad" if "bad" in (x, y) else {("open", "open"): "b+i", ("open", "shut"): "b",
                                                    ("shut", "open"): "i"}.get((x, y), "plain"), b, i).named(
        "ht_out")


def lib_shift_lookahead_rhyme() -> rasp.SOp:
    """Rhyming words: `shift_by(-1)` (a look-ahead: the next word; None at the last position) and whether it
    rhymes with mine (same last two letters): 'echo', 'rhyme' or '-'."""
    following = lib.shift_by(-1, rasp.tokens).named("rh_next")
    return rasp.SequenceMap(lambda n, w: "echo" if n == w else ("rhyme" if n[-2:] == w[-2:] else "-"), following,
                            rasp.tokens).named("rh_out")


def ion_opposite_partners() -> rasp.SOp:
    """Ions 'Na', 'Mg', 'Cl', 'O' ...: a Map to the charge, a width of the ions whose charge cancels mine
    (`k == -q`), written 'cation ×2' or 'anion alone'."""
    charge = rasp.Map(lambda e: CHARGE[e], rasp.tokens).named("io_charge")
    partners = rasp.SelectorWidth(rasp.Select(charge, charge, lambda k, q: k == -q).named("io_sel")).named(
        "io_partners")
    return rasp.SequenceMap(lambda c, p: ("cation" if c > 0 else "anion") + (f" ×{p}" if p else " alone"),
                            charge, partners).named("io_out")


def unit_larger_same_dimension() -> rasp.SOp:
    """Units of length, mass and time: a width of the `selector_and` of a same-dimension Select and a
    larger-scale Select over (dimension, scale) pairs: 'largest' or '2 larger'."""
    info = rasp.Map(lambda u: UNIT_INFO[u], rasp.tokens).named("un_info")
    larger = rasp.selector_and(
        rasp.Select(info, info, lambda k, q: k[0] == q[0]).named("un_same_dim"),
        rasp.Select(info, info, lambda k, q: k[1] > q[1]).named("un_bigger")).named("un_larger_sel")
    count = rasp.SelectorWidth(larger).named("un_larger")
    return rasp.Map(lambda c: "largest" if c == 0 else f"{c} larger", count).named("un_out")


def causal_month_calendar_year() -> rasp.SOp:
    """causal=True under BOS '<log>' / PAD '<eof>', a log of months: a clamped previous-month head, a flag where
    the month goes back in the calendar (a new year began), and a width of those flags so far: 'year 2'."""
    number = rasp.Map(lambda m: MONTH_NUMBER[m], rasp.tokens).named("cy_number")
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "cy_prev_sel"), number).named("cy_prev")
    wrapped = rasp.SequenceMap(lambda p, m: m < p, prev, number).named("cy_wrapped")
    years = rasp.SelectorWidth(rasp.Select(wrapped, wrapped, lambda k, q: k).named("cy_years_sel")).named(
        "cy_years")
    return rasp.Map(lambda y: f"year {y + 1}", years).named("cy_out")


def causal_lib_hist_solfege_repeats() -> rasp.SOp:
    """causal=True under BOS '𝄞' / PAD '𝄽', solfège: `make_hist` compiled causal counts my syllable so far,
    written 'mi×3' from the second time on."""
    hist = lib.make_hist().named("sf_hist")
    return rasp.SequenceMap(lambda n, h: n if h == 1 else f"{n}×{h}", rasp.tokens, hist).named("sf_out")


def causal_skip_trigram_else() -> rasp.SOp:
    """causal=True, a skip trigram over code tokens: three query-independent widths in one layer (ifs, thens,
    elses so far); a 'then' needs an open 'if', an 'else' an open 'then': 'ok', 'orphan' or '·'."""
    def count(word: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == word).named(
            f"sk_{word}_sel")).named(f"sk_{word}s")

    ifs, thens, elses = count("if"), count("then"), count("else")
    then_ok = rasp.SequenceMap(lambda i, t: i >= t, ifs, thens).named("sk_then_ok")
    else_ok = rasp.SequenceMap(lambda t, e: t >= e, thens, elses).named("sk_else_ok")
    both = rasp.SequenceMap(lambda a, b: (a, b), then_ok, else_ok).named("sk_both")
    return rasp.SequenceMap(
        lambda w, ok: ("ok" if ok[0] else "orphan") if w == "then" else (
            ("ok" if ok[1] else "orphan") if w == "else" else "·"), rasp.tokens, both).named("sk_out")


def dice_hand_category() -> rasp.SOp:
    """A poker-dice hand of up to five dice: `make_hist`, four widths over it (positions in pairs, triples,
    quads, quints: four heads in one layer beside `make_length` and two `make_count`), and the hand ('full
    house', 'straight', 'two pair', ...) by a chain of SequenceMaps (22 lines)."""
    hist = lib.make_hist().named("dh_hist")

    def with_count(c: int) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(hist, hist, lambda k, q: k == c).named(f"dh_in{c}_sel")).named(
            f"dh_in{c}")

    in2, in3, in4, in5 = with_count(2), with_count(3), with_count(4), with_count(5)
    n = lib.make_length().named("dh_n")
    ones = lib.make_count(rasp.tokens, "⚀").named("dh_ones")
    sixes = lib.make_count(rasp.tokens, "⚅").named("dh_sixes")
    big = rasp.SequenceMap(lambda a, b: "five" if b else ("four" if a else ""), in4, in5).named("dh_big")
    small = rasp.SequenceMap(lambda p, t: (p // 2, t // 3), in2, in3).named("dh_small")
    ends = rasp.SequenceMap(lambda o, s: o == 0 or s == 0, ones, sixes).named("dh_ends")
    run = rasp.SequenceMap(lambda e, m: e and m == 5, ends, n).named("dh_run")

    def name(b: str, s: tuple) -> str:
        pairs, triples = s
        if b:
            return f"{b} of a kind"
        if triples and pairs:
            return "full house"
        return "three of a kind" if triples else ("two pair" if pairs == 2 else ("pair" if pairs else ""))

    made = rasp.SequenceMap(name, big, small).named("dh_made")
    return rasp.SequenceMap(lambda m, r: m or ("straight" if r else "nothing"), made, run).named("dh_out")


def weather_umbrella_within_two() -> rasp.SOp:
    """Weather ☀ ☁ ☂ ❄: a width of a `selector_or` of rain and snow in the next two days, over (weather, index)
    pairs: 'umbrella', 'coat' (snow today) or '-'."""
    tagged = rasp.SequenceMap(lambda w, i: (w, i), rasp.tokens, rasp.indices).named("wu_tagged")
    soon = rasp.selector_or(
        rasp.Select(tagged, tagged, lambda k, q: k[0] == "☂" and q[1] < k[1] <= q[1] + 2).named("wu_rain"),
        rasp.Select(tagged, tagged, lambda k, q: k[0] == "❄" and q[1] < k[1] <= q[1] + 2).named("wu_snow")).named(
        "wu_soon_sel")
    wet = rasp.SelectorWidth(soon).named("wu_wet")
    return rasp.SequenceMap(lambda t, s: "umbrella" if s else ("coat" if t == "❄" else "-"), rasp.tokens,
                            wet).named("wu_out")


def lib_reverse_mirror_sum() -> rasp.SOp:
    """Ints {-7, -2, 0, 3, 11}: `make_reverse` of the tokens and my value plus my mirror's, an int output."""
    mirror = lib.make_reverse(rasp.tokens).named("ms_mirror")
    return rasp.SequenceMap(lambda a, b: a + b, rasp.tokens, mirror).named("ms_sum")


def causal_float_doubling_partner() -> rasp.SOp:
    """causal=True, float tokens 0.1..2.5: a width of earlier readings at least double mine; mine doubled
    when there is one (a float output)."""
    doubled = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k >= 2 * q).named(
        "fd_sel")).named("fd_count")
    return rasp.SequenceMap(lambda t, d: 2 * t if d else t, rasp.tokens, doubled).named("fd_out")


def causal_bool_flip_share() -> rasp.SOp:
    """causal=True, bools: a clamped previous-bit head, a flip flag, and its mean under TRUE (a prefix share
    under the mask), a numerical output."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "bf_prev_sel"), rasp.tokens).named("bf_prev")
    flip = rasp.SequenceMap(lambda p, b: p != b, prev, rasp.tokens).named("bf_flip")
    flip_num = rasp.numerical(rasp.Map(lambda f: 1 if f else 0, flip)).named("bf_flip_num")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "bf_all"), flip_num, default=0)).named("bf_share")


def later_frost_share() -> rasp.SOp:
    """Temperatures {-15, -4, 0, 6, 21, 30}: the share of frost among later days (a mean under GT on indices),
    read at 0 by a numerical-to-numerical Map, and the share of days still to see frost (a TRUE mean)."""
    frost = rasp.numerical(rasp.Map(lambda t: 1 if t < 0 else 0, rasp.tokens)).named("lf_frost")
    later = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT).named(
        "lf_later_sel"), frost, default=0)).named("lf_later")
    ahead = rasp.numerical(rasp.Map(lambda x: 1 if x > 0 else 0, later)).named("lf_ahead")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "lf_all"), ahead, default=0)).named("lf_share")


def ph_far_acid_share() -> rasp.SOp:
    """pH readings {2, 7, 12} at max_seq_len 10: the share of acids among readings more than one place away
    (`selector_or` of a FALSE Select and the `selector_not` of a window), a numerical output."""
    acid = rasp.numerical(rasp.Map(lambda p: 1 if p < 7 else 0, rasp.tokens)).named("pa_acid")
    far = rasp.selector_or(
        rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.FALSE).named("pa_never"),
        rasp.selector_not(rasp.Select(rasp.indices, rasp.indices, lambda k, q: abs(k - q) <= 1).named(
            "pa_window")).named("pa_outside")).named("pa_far")
    return rasp.numerical(rasp.Aggregate(far, acid, default=0)).named("pa_share")


def causal_dynamics_after_ff() -> rasp.SOp:
    """causal=True, dynamics pp..ff: `make_frac_prevs` of 'ff' read at 0 (has the music reached ff), and a
    clamped previous-marking head for '<' / '>' / '=': 'after ff <'."""
    seen = lib.make_frac_prevs(rasp.Map(lambda t: t == "ff", rasp.tokens).named("dy_is_ff")).named("dy_seen")
    reached = rasp.categorical(rasp.Map(lambda x: x > 0, seen)).named("dy_reached")
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "dy_prev_sel"), rasp.tokens).named("dy_prev")
    change = rasp.SequenceMap(
        lambda p, t: "<" if LOUDNESS[t] > LOUDNESS[p] else (">" if LOUDNESS[t] < LOUDNESS[p] else "="), prev,
        rasp.tokens).named("dy_change")
    return rasp.SequenceMap(lambda r, c: ("after ff " if r else "") + c, reached, change).named("dy_out")


def element_noble_metal_blend() -> rasp.SOp:
    """Light elements: the share of noble gases and the share of metals (two TRUE means in one layer), and
    2 × noble - metal as a LinearSequenceMap, a numerical output."""
    noble = rasp.numerical(rasp.Map(lambda e: 1 if e in ("He", "Ne", "Ar") else 0, rasp.tokens)).named(
        "nm_noble")
    metal = rasp.numerical(rasp.Map(lambda e: 1 if e in ("Li", "Na") else 0, rasp.tokens)).named("nm_metal")
    noble_share = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "nm_all_a"), noble, default=0)).named("nm_noble_share")
    metal_share = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE)
                                                .named("nm_all_b"), metal, default=0)).named("nm_metal_share")
    return rasp.numerical(rasp.LinearSequenceMap(noble_share, metal_share, 2, -1)).named("nm_blend")


def lib_nary_triad_quality() -> rasp.SOp:
    """Pitch classes at max_seq_len 4: three look-ups (positions 0, 1, 2, clamped to the last by `make_length`:
    three heads in one layer) folded by `make_nary_sequencemap` into the triad's quality."""
    n = lib.make_length().named("tq_n")

    def note(j: int) -> rasp.SOp:
        return rasp.Aggregate(rasp.Select(rasp.indices, n, lambda k, q: k == min(j, q - 1)).named(f"tq_sel{j}"),
                              rasp.tokens).named(f"tq_note{j}")

    def quality(r: str, t: str, f: str) -> str:
        third, fifth = (SEMITONE[t] - SEMITONE[r]) % 12, (SEMITONE[f] - SEMITONE[r]) % 12
        return {(4, 7): "major", (3, 7): "minor", (3, 6): "diminished", (4, 8): "augmented"}.get(
            (third, fifth), "other")

    return lib.make_nary_sequencemap(quality, note(0), note(1), note(2)).named("tq_quality")


def causal_blackjack_running_total() -> rasp.SOp:
    """causal=True, blackjack cards: five widths in one layer (aces, 2s, 5s, 9s, tens), the hard total by four
    SequenceMaps (clamped at 22, bust), one soft ace, and 'blackjack' / 'bust' / the total with `make_length`
    (18 lines)."""
    def count(name: str, ranks: tuple) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k in ranks).named(
            f"bj_{name}_sel")).named(f"bj_{name}")

    aces, twos, fives = count("aces", ("A",)), count("twos", ("2",)), count("fives", ("5",))
    nines, tens = count("nines", ("9",)), count("tens", ("10", "K"))
    low = rasp.SequenceMap(lambda a, t: a + 2 * t, aces, twos).named("bj_low")
    mid = rasp.SequenceMap(lambda s, f: min(s + 5 * f, 22), low, fives).named("bj_mid")
    high = rasp.SequenceMap(lambda s, n: min(s + 9 * n, 22), mid, nines).named("bj_high")
    hard = rasp.SequenceMap(lambda s, t: min(s + 10 * t, 22), high, tens).named("bj_hard")
    best = rasp.SequenceMap(lambda h, a: h + 10 if a and h + 10 <= 21 else h, hard, aces).named("bj_best")
    cards = lib.make_length().named("bj_cards")
    return rasp.SequenceMap(lambda t, c: "blackjack" if t == 21 and c == 2 else ("bust" if t > 21 else str(t)),
                            best, cards).named("bj_out")


def lib_count_singletons_custom_bos() -> rasp.SOp:
    """Metals under BOS '[' / PAD ']': `make_count_less_freq(1)` (how many positions hold a metal that occurs
    once), written 'all repeated' or '3 unique'."""
    once = lib.make_count_less_freq(1).named("cs_once")
    return rasp.Map(lambda o: "all repeated" if o == 0 else f"{o} unique", once).named("cs_out")


def lib_detect_chess_opening() -> rasp.SOp:
    """Chess moves: `detect_pattern` of 'e4 e5' and of 'Nf3 Nc6 Bb5' (the Ruy Lopez's knights and bishop),
    combined by a SequenceMap (None at the first two positions)."""
    kings_pawn = lib.detect_pattern(rasp.tokens, ["e4", "e5"]).named("op_open_game")
    ruy = lib.detect_pattern(rasp.tokens, ["Nf3", "Nc6", "Bb5"]).named("op_ruy")
    return rasp.SequenceMap(lambda r, k: "Ruy Lopez" if r else ("open game" if k else "-"), ruy,
                            kings_pawn).named("op_out")


def lib_sort_elements_by_number() -> rasp.SOp:
    """Elements 'H'..'U': `make_sort` of the symbols keyed by a Map to the atomic number, each written with
    its place: '1:H'."""
    number = rasp.Map(lambda e: ATOMIC[e], rasp.tokens).named("se_number")
    ordered = lib.make_sort(rasp.tokens, number, max_seq_len=6, min_key=1).named("se_sorted")
    return rasp.SequenceMap(lambda s, i: f"{i + 1}:{s}", ordered, rasp.indices).named("se_out")


def causal_lib_length_midpoint() -> rasp.SOp:
    """causal=True, coloured squares: `make_length` compiled causal is the prefix length; a head keyed by it
    reads the prefix's middle square ((n - 1) // 2), written with '=' when it is mine."""
    n = lib.make_length().named("mp_n")
    middle = rasp.Aggregate(rasp.Select(rasp.indices, n, lambda k, q: k == (q - 1) // 2).named("mp_sel"),
                            rasp.tokens).named("mp_middle")
    return rasp.SequenceMap(lambda m, t: "=" + m if m == t else m, middle, rasp.tokens).named("mp_out")


def long_darts_countdown() -> rasp.SOp:
    """Darts from 121 ('T20' 60, 'D20' 40, 'S19' 19, 'BULL' 50, 'MISS' 0): five prefix widths over (dart,
    index) pairs (five heads in one layer), the points so far by four SequenceMaps clamped at 122, and what
    remains with the misses: 'out' on a double finishing at 0, 'bust' below 2, else '61 left (cold)'
    (16 lines)."""
    tagged = rasp.SequenceMap(lambda d, i: (d, i), rasp.tokens, rasp.indices).named("dt_tagged")

    def so_far(dart: str, name: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == dart and k[1] <= q[1]).named(
            f"dt_{name}_sel")).named(f"dt_{name}")

    t20, d20, s19, bull = so_far("T20", "t20"), so_far("D20", "d20"), so_far("S19", "s19"), so_far("BULL", "bull")
    misses = so_far("MISS", "misses")
    trebles = rasp.SequenceMap(lambda t, d: min(60 * t + 40 * d, 122), t20, d20).named("dt_trebles")
    singles = rasp.SequenceMap(lambda s, b: min(19 * s + 50 * b, 122), s19, bull).named("dt_singles")
    points = rasp.SequenceMap(lambda x, y: min(x + y, 122), trebles, singles).named("dt_points")
    left = rasp.SequenceMap(lambda p, m: (121 - p, m >= 2), points, misses).named("dt_left")

    def call(lm: tuple, dart: str) -> str:
        rest, missed = lm
        if rest == 0:
            return "out" if dart in ("D20", "BULL") else "bust"
        return "bust" if rest < 2 else f"{rest} left" + (" (cold)" if missed else "")

    return rasp.SequenceMap(call, left, rasp.tokens).named("dt_out")


def tuple_square_knight_links() -> rasp.SOp:
    """(file, rank) tuples as tokens: a width of the squares a knight's move from mine: 'isolated' or '2
    links'."""
    links = rasp.SelectorWidth(rasp.Select(
        rasp.tokens, rasp.tokens, lambda k, q: sorted((abs(k[0] - q[0]), abs(k[1] - q[1]))) == [1, 2]).named(
        "kn_sel")).named("kn_links")
    return rasp.Map(lambda n: "isolated" if n == 0 else (f"{n} links" if n > 1 else "1 link"), links).named("kn_out")


def causal_percentile_records() -> rasp.SOp:
    """causal=True, sparse signed readings -40..350: an LEQ width and a GEQ width (two heads in one layer,
    earlier readings at most / at least mine): 'first', 'record high', 'record low' or 'within'."""
    at_most = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ).named(
        "pr_leq_sel")).named("pr_at_most")
    at_least = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named(
        "pr_geq_sel")).named("pr_at_least")
    return rasp.SequenceMap(
        lambda lo, hi: "first" if lo == 1 and hi == 1 else (
            "record high" if hi == 1 else ("record low" if lo == 1 else "within")), at_most, at_least).named(
        "pr_out")


def country_other_continent_south_share() -> rasp.SOp:
    """Countries: the share of southern-hemisphere countries among those on another continent than mine (a
    mean under NEQ on a continent Map), a numerical output."""
    continent = rasp.Map(lambda c: CONTINENT[c], rasp.tokens).named("cc_continent")
    south = rasp.numerical(rasp.Map(lambda c: 1 if c in SOUTHERN else 0, rasp.tokens)).named("cc_south")
    return rasp.numerical(rasp.Aggregate(rasp.Select(continent, continent, rasp.Comparison.NEQ).named(
        "cc_other"), south, default=0)).named("cc_share")


def lights_stops_ahead() -> rasp.SOp:
    """Traffic lights: widths of red lights ahead and of amber lights ahead over (light, index) pairs (an LT
    on the index inside the lambda): 'clear', '2 stops', '1 stop, 1 slow'."""
    tagged = rasp.SequenceMap(lambda l, i: (l, i), rasp.tokens, rasp.indices).named("ls_tagged")
    reds = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == "red" and q[1] < k[1]).named(
        "ls_red_sel")).named("ls_reds")
    ambers = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == "amber" and q[1] < k[1]).named(
        "ls_amber_sel")).named("ls_ambers")

    def say(r: int, a: int) -> str:
        parts = ([f"{r} stop" + ("s" if r > 1 else "")] if r else []) + ([f"{a} slow"] if a else [])
        return ", ".join(parts) or "clear"

    return rasp.SequenceMap(say, reds, ambers).named("ls_out")


def causal_vending_credit() -> rasp.SOp:
    """causal=True under BOS '<coin>' / PAD '<idle>', a vending machine: refunds so far (a width) tag each
    token with its epoch, three widths of 5¢ / 10¢ / 25¢ coins in my epoch (three heads in one layer), purchases
    in my epoch, the credit left, and at a 'buy' whether 35¢ covered it (15 lines)."""
    refunds = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "refund").named(
        "vc_refund_sel")).named("vc_refunds")
    tagged = rasp.SequenceMap(lambda t, r: (t, r), rasp.tokens, refunds).named("vc_tagged")

    def in_epoch(coin: str, name: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == coin and k[1] == q[1]).named(
            f"vc_{name}_sel")).named(f"vc_{name}")

    fives, tens, quarters, buys = in_epoch("5¢", "fives"), in_epoch("10¢", "tens"), in_epoch("25¢", "quarters"), \
        in_epoch("buy", "buys")
    small = rasp.SequenceMap(lambda f, t: 5 * f + 10 * t, fives, tens).named("vc_small")
    paid = rasp.SequenceMap(lambda s, q: s + 25 * q, small, quarters).named("vc_paid")
    credit = rasp.SequenceMap(lambda p, b: p - 35 * b, paid, buys).named("vc_credit")
    return rasp.SequenceMap(
        lambda t, c: ("vend" if c >= 0 else "short") if t == "buy" else f"{c}¢", rasp.tokens, credit).named(
        "vc_out")


PROGRAMS = [
    SuiteProgram("chess_outranked_by_enemy", "chess pieces: enemy pieces worth more than mine",
                 chess_outranked_by_enemy, CHESS, 6),
    SuiteProgram("causal_note_new_high", "causal (note, octave) tuples: interval to the first, new highs (GT)",
                 causal_note_new_high, NOTE_OCTAVES, 8, causal=True),
    SuiteProgram("lib_html_tag_balance", "HTML tags: two make_pair_balance read at 0, open bold / italic",
                 lib_html_tag_balance, TAGS, 8),
    SuiteProgram("lib_shift_lookahead_rhyme", "words: shift_by(-1), does the next word rhyme",
                 lib_shift_lookahead_rhyme, RHYMES, 7),
    SuiteProgram("ion_opposite_partners", "ions: how many ions cancel my charge",
                 ion_opposite_partners, IONS, 6),
    SuiteProgram("unit_larger_same_dimension", "units: larger units of my dimension (selector_and)",
                 unit_larger_same_dimension, UNITS, 6),
    SuiteProgram("causal_month_calendar_year", "causal months: calendar year from wraps, BOS '<log>'",
                 causal_month_calendar_year, MONTHS, 7, compiler_bos="<log>", compiler_pad="<eof>", causal=True),
    SuiteProgram("causal_lib_hist_solfege_repeats", "causal make_hist of solfège, BOS '𝄞' / PAD '𝄽'",
                 causal_lib_hist_solfege_repeats, SOLFEGE, 7, compiler_bos="𝄞", compiler_pad="𝄽", causal=True),
    SuiteProgram("causal_skip_trigram_else", "causal if / then / else: orphaned then or else",
                 causal_skip_trigram_else, CODE, 8, causal=True),
    SuiteProgram("dice_hand_category", "poker dice: make_hist, four widths over it, the hand (22 lines)",
                 dice_hand_category, DICE, 5),
    SuiteProgram("weather_umbrella_within_two", "weather: rain or snow in the next two days (selector_or)",
                 weather_umbrella_within_two, WEATHER, 9),
    SuiteProgram("lib_reverse_mirror_sum", "ints -7..11: make_reverse, my value plus my mirror's",
                 lib_reverse_mirror_sum, ODD_INTS, 8),
    SuiteProgram("causal_float_doubling_partner", "causal floats: doubled when an earlier one is twice mine",
                 causal_float_doubling_partner, DOUBLING, 7, causal=True),
    SuiteProgram("causal_bool_flip_share", "causal bools: share of flips so far (numerical)",
                 causal_bool_flip_share, BITS, 9, causal=True),
    SuiteProgram("later_frost_share", "temperatures: share of days with frost still ahead (GT mean, Map, mean)",
                 later_frost_share, TEMPERATURES, 7),
    SuiteProgram("ph_far_acid_share", "pH at max_seq_len 10: acid share outside my window (or FALSE, not)",
                 ph_far_acid_share, PH, 10),
    SuiteProgram("causal_dynamics_after_ff", "causal dynamics: make_frac_prevs of ff read at 0, < > =",
                 causal_dynamics_after_ff, DYNAMICS, 8, causal=True),
    SuiteProgram("element_noble_metal_blend", "elements: 2 x noble share - metal share (LinearSequenceMap)",
                 element_noble_metal_blend, LIGHT_ELEMENTS, 6),
    SuiteProgram("lib_nary_triad_quality", "pitch classes: make_nary_sequencemap of three look-ups",
                 lib_nary_triad_quality, PITCH_CLASSES, 4),
    SuiteProgram("causal_blackjack_running_total", "causal blackjack: five widths in a layer (18 lines)",
                 causal_blackjack_running_total, BLACKJACK, 6, causal=True),
    SuiteProgram("lib_count_singletons_custom_bos", "metals: make_count_less_freq(1) vs length, BOS '['",
                 lib_count_singletons_custom_bos, METALS, 7, compiler_bos="[", compiler_pad="]"),
    SuiteProgram("lib_detect_chess_opening", "chess moves: two detect_pattern, Ruy Lopez / open game",
                 lib_detect_chess_opening, OPENING, 7),
    SuiteProgram("lib_sort_elements_by_number", "elements: make_sort by atomic number, '1:H'",
                 lib_sort_elements_by_number, SORT_ELEMENTS, 6),
    SuiteProgram("causal_lib_length_midpoint", "causal squares: the prefix's middle square by make_length",
                 causal_lib_length_midpoint, SQUARES, 8, causal=True),
    SuiteProgram("long_darts_countdown", "darts from 121: five prefix widths in a layer, checkout (16 lines)",
                 long_darts_countdown, DARTS, 6),
    SuiteProgram("tuple_square_knight_links", "(file, rank) tuples: squares a knight's move away",
                 tuple_square_knight_links, KNIGHT_SQUARES, 6),
    SuiteProgram("causal_percentile_records", "causal readings -40..350: LEQ and GEQ widths, records",
                 causal_percentile_records, READINGS, 7, causal=True),
    SuiteProgram("country_other_continent_south_share", "countries: southern share on other continents (NEQ)",
                 country_other_continent_south_share, COUNTRIES, 6),
    SuiteProgram("lights_stops_ahead", "traffic lights: reds and ambers ahead",
                 lights_stops_ahead, LIGHTS, 9),
    SuiteProgram("causal_vending_credit", "causal vending machine: credit per refund epoch, BOS '<coin>'",
                 causal_vending_credit, COINS, 7, compiler_bos="<coin>", compiler_pad="<idle>", causal=True),
]
