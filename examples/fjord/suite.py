"""A fjord suite: held-out Tracr programs, written to measure whether TraDe generalises to programs it never saw.

Why: the nineteen older suites (`tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`,
`large/`, `horizon/`, `outlook/`, `itself/`, `vista/`, `meridian/`, `zenith/`, `bench/`, `summit/`,
`drift/`, `kestrel/`, `lagoon/`, `estuary/`) have all been read while TraDe was being built, or were written
before this one. These were written afterwards, without reading how TraDe reads weights, as small tasks an
interpretability researcher might compile to study a circuit, each with its own lambdas written for it (no
lambda library), and chosen not to repeat the tasks of the older suites' READMEs:

- circuits from the literature: an induction head (causal: copy the token after my token's first earlier
  occurrence, a clamped previous-token head, a first-occurrence width, a look-up with a fallback to position
  0), modular addition of the digits at positions 0 and 1 (two heads in one layer), docstring argument
  copying (the k-th 'param' copies the k-th argument), acronym formation (the initial of the (q+1)-th
  content word), pronoun resolution (the first name of the pronoun's gender), a plurality vote, bracket depth
  with a sticky 'broken' flag, a median filter, odd-even transposition sort, the calls of a tennis game;
- strings: syllables, code tokens, words with stopwords, cards 'A♠' / '10♥' (trumps, a lead-suit head),
  emoji fruit and 👍 / 👎 / 🤷, arrows ← → ↑ ↓, Greek letters, letters for Pig Latin, DNA, shiritori words;
- ints: digits mod 7, powers of two 2..256 (2048 tiles), golf scores -3..5, sparse signed -1000..1000,
  ±1 / ±64 / ±1000, temperatures -20..35, Luhn digits, signed clock steps; floats 0.125..4.0 as categorical
  tokens (a float ratio, a float spread as outputs); bools (a median filter);
- numerical: means of 0/1 values under LEQ, LT, TRUE and a nested `selector_and(selector_or(LEQ, FALSE),
  selector_not(...))`, a mean read at 0 by a numerical-to-numerical Map and averaged again, a
  LinearSequenceMap of two `make_frac_prevs` read at 0, a numerical output under `selector_and(..., NEQ)`;
- several heads in one layer (six widths in `luhn_checksum_valid`, five in `causal_clock_mod12`, four in
  `lib_chargaff_counts` and `causal_arrow_walk_distance`) and long programs (`long_odd_even_transposition_sort`
  24 lines, `luhn_checksum_valid` 22, `causal_lib_dyck_prefix` 19, `long_tennis_game_score` 18 lines and 9
  layers, `causal_clock_mod12` 15);
- `lib.py` used in new ways: `make_count` four times (Chargaff's rules), `make_frac_prevs` twice under a
  LinearSequenceMap, `make_shuffle_dyck` compiled causal (so it checks each prefix), `detect_pattern` over a
  Map to 'C' / 'V', `shift_by(2)` and `shift_by(3)` side by side, `make_sort` followed by widths on the sorted
  scores, `make_sort` of floats read at its two ends, `make_sort_unique` with (letter, index) tuple keys,
  `make_hist` against `make_length`, `make_length` for clamped partners, rotations and check digits;
- causal=True: the induction head, signed clock steps, shiritori, arrows, `make_shuffle_dyck` under BOS '⊢' /
  PAD '⊣', a star rating under BOS '<review>' / PAD '<none>'; not causal with custom BOS/PAD: docstring
  copying under '<s>' / '<pad>', the Luhn check under '#' / '_'.

Every comparison is used (EQ, LT, LEQ, GT, GEQ, NEQ, TRUE, FALSE), and `selector_and`, `selector_or` and
`selector_not` (nested once), each only over Selects with the same keys and queries. Vocabularies of 2 to 8,
max_seq_len 6 to 9, 3 to 24 lines, d_model 18 to 225, 1 to 9 layers, input spaces 1,022 to 6.7 x 10^6 (12
under 200,000, 4 over 10^6).

Each builder makes new expressions on every call (`make_shuffle_dyck` reuses `lib.py`'s own `length`).
`examples/check_suites.py examples/fjord/suite.py` checks that Tracr compiles each faithfully. The pitfalls
listed in the older suites' docstrings were avoided (no SelectorWidth past max_seq_len 9; categorical
Aggregates that select exactly one position, through a fallback to position 0 where a look-up might find
nothing, except `shift_by` / `detect_pattern`, whose None reaches only SequenceMaps and the output; means of
0/1 values only; numerical-to-categorical or numerical-to-numerical Maps only of a mean or a balance read at
0; no numerical SequenceMap), and writing this suite found four more (README.md has the measurements):
- a categorical Aggregate whose value set is larger than every head's query/key space does not assemble
  (Tracr sizes all heads' value matrices by the largest query/key space): aggregate small value sets;
- a SelectorWidth keyed by a flag that a Map computes also counts the BOS position when the BOS position's
  own value of the flag is selected (a mean is 0 there, so `x > 0` is False and `not x > 0` True there):
  select the value the BOS position does not carry;
- Tracr's value set for a numerical mean is {0, 1/m, 1}, not every fraction: a Map of a mean is faithful
  only where its output changes between 0 and 1 / max_seq_len, and a LinearSequenceMap of two means read at 0
  needs its value nearest 0, 1 / (max_seq_len (max_seq_len - 1)), above about 1/100, the discretising MLP's
  resolution (max_seq_len 8 here);
- widths over `make_sort`'s output were one short at the last position at max_seq_len 8 (faithful at 7).
Changed while writing: `tile_2048_neighbour_merge` and `long_odd_even_transposition_sort` (aggregated pairs,
did not assemble), `pig_latin_rotation` and `causal_shiritori_loser` (widths counted BOS),
`lib_frac_prevs_lead_change` (max_seq_len 12 to 8), `nested_selector_band_share` and
`causal_thumbs_star_rating` (Maps of means), `lib_sort_golf_ties` (max_seq_len 8 back to 7).
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

SYLLABLES = ("ka", "ri", "mo", "tu", "ne")
MOD7 = tuple(range(7))
DOCSTRING = ("def", "(", "x", "y", "z", "param")
DOC_ARGS = ("x", "y", "z")
ACRONYM = ("the", "of", "and", "North", "Atlantic", "Treaty", "World", "Health")
STOPWORDS = ("the", "of", "and")
CARDS = ("A♠", "K♠", "9♠", "A♥", "10♥", "2♥", "K♦", "7♣")
CARD_RANK = {"2": 2, "7": 7, "9": 9, "10": 10, "K": 13, "A": 14}
FRUIT = ("🍎", "🍌", "🍒", "🥝")
SQUARE = ("[", "]", "a")
FLOATS = (0.25, 0.5, 1.5, 2.75, 4.0)
BITS = (False, True)
TILES = (2, 4, 8, 16, 32, 64, 128, 256)
DNA = ("A", "C", "G", "T")
GOALS = ("H", "A", "-", "✖")
PARENS = ("(", ")", "x")
CV_LETTERS = ("b", "k", "t", "a", "o")
METRONOME = ("tick", "tock", "ding")
GOLF = (-3, -1, 0, 2, 5)
TENNIS = ("A", "B", "let")
SPARSE_SIGNED = (-1000, -10, 7, 1000)
PIG_LETTERS = ("s", "t", "r", "a", "o", "e")
SHIRITORI = ("apple", "egg", "goat", "tiger", "rabbit", "toad", "dog")
LUHN_DIGITS = (0, 1, 2, 5, 7, 9)
TEMPERATURES = (-20, -5, 0, 5, 18, 22, 35)
ARROWS = ("←", "→", "↑", "↓")
GREEK = ("α", "β", "γ", "δ")
FRACTIONS = (0.125, 0.25, 0.5, 0.75, 1.5)
THUMBS = ("👍", "👎", "🤷")
PRONOUNS = ("Alice", "Bob", "Carol", "Dave", "he", "she", "said")
NAME_GENDER = {"Alice": "f", "Carol": "f", "Bob": "m", "Dave": "m"}
PRONOUN_GENDER = {"she": "f", "he": "m"}
MAGNITUDES = (-1000, -64, -1, 1, 64, 1000)
FRUIT_WORDS = ("banana", "kiwi", "plum", "fig", "date")
CLOCK_STEPS = (-3, -1, 1, 2, 5)


# --- circuits from the literature -----------------------------------------------------------------------


def causal_induction_copy() -> rasp.SOp:
    """causal=True, an induction head over syllables: a clamped previous-token head, a width that marks each
    position as the first one (from 1 on) with its predecessor, and a head that copies the token after the
    first earlier occurrence of my token ('-' when there is none so far)."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "ind_prev_sel"), rasp.tokens).named("ind_prev")
    tagged = rasp.SequenceMap(lambda p, i: (p, i), prev, rasp.indices).named("ind_tagged")
    earlier = rasp.SelectorWidth(rasp.Select(
        tagged, tagged, lambda k, q: k[0] == q[0] and 1 <= k[1] < q[1]).named("ind_earlier_sel")).named(
        "ind_earlier")
    key = rasp.SequenceMap(lambda t, e: "start" if t[1] == 0 else (t[0] if e == 0 else "-"), tagged,
                           earlier).named("ind_key")
    has = rasp.SelectorWidth(rasp.Select(key, rasp.tokens, rasp.Comparison.EQ).named("ind_has_sel")).named(
        "ind_has")
    query = rasp.SequenceMap(lambda t, h: t if h > 0 else "start", rasp.tokens, has).named("ind_query")
    copied = rasp.Aggregate(rasp.Select(key, query, rasp.Comparison.EQ).named("ind_copy_sel"),
                            rasp.tokens).named("ind_copied")
    return rasp.SequenceMap(lambda c, h: c if h > 0 else "-", copied, has).named("ind_out")


def mod7_operand_sum() -> rasp.SOp:
    """Modular addition (grokking-style) of the digits at positions 0 and 1, mod 7: one head reads position 0,
    another position min(q, 1), two heads in one layer; an int output (2a mod 7 at position 0)."""
    a = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("m7_a_sel"),
                       rasp.tokens).named("m7_a")
    b = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == min(q, 1)).named("m7_b_sel"),
                       rasp.tokens).named("m7_b")
    return rasp.SequenceMap(lambda x, y: (x + y) % 7, a, b).named("m7_sum")


def docstring_param_copy() -> rasp.SOp:
    """Docstring argument copying under BOS '<s>' / PAD '<pad>': the k-th 'param' copies the k-th argument
    name (x, y, z) by a look-up keyed by (argument ordinal, index) that falls back to position 0; '·' at
    other tokens and at a 'param' with no k-th argument."""
    tagged = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("doc_tagged")
    arg_ord = rasp.SelectorWidth(rasp.Select(
        tagged, tagged, lambda k, q: k[0] in DOC_ARGS and k[1] <= q[1]).named("doc_arg_sel")).named(
        "doc_arg_ord")
    param_ord = rasp.SelectorWidth(rasp.Select(
        tagged, tagged, lambda k, q: k[0] == "param" and k[1] <= q[1]).named("doc_param_sel")).named(
        "doc_param_ord")
    n_args = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k in DOC_ARGS).named(
        "doc_args_sel")).named("doc_n_args")
    capped = rasp.SequenceMap(lambda p, a: p if p <= a else 0, param_ord, n_args).named("doc_capped")
    want = rasp.SequenceMap(lambda t, c: c if t == "param" else 0, rasp.tokens, capped).named("doc_want")
    key = rasp.SequenceMap(lambda ti, o: (o if ti[0] in DOC_ARGS else -1, ti[1]), tagged, arg_ord).named(
        "doc_key")
    lookup = rasp.Select(key, want, lambda k, q: k[0] == q if q > 0 else k[1] == 0).named("doc_lookup")
    copied = rasp.Aggregate(lookup, rasp.tokens).named("doc_copied")
    return rasp.SequenceMap(lambda c, w: c if w > 0 else "·", copied, want).named("doc_out")


def acronym_initials() -> rasp.SOp:
    """Acronym formation: position q gets the initial of the (q+1)-th content word (stopwords skipped), '.'
    past the last one; a look-up keyed by (content ordinal, index) with a fallback to position 0."""
    tagged = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("ac_tagged")
    ordinal = rasp.SelectorWidth(rasp.Select(
        tagged, tagged, lambda k, q: k[0] not in STOPWORDS and k[1] <= q[1]).named("ac_ord_sel")).named(
        "ac_ordinal")
    total = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k not in STOPWORDS).named(
        "ac_total_sel")).named("ac_total")
    want = rasp.SequenceMap(lambda i, n: i + 1 if i + 1 <= n else 0, rasp.indices, total).named("ac_want")
    key = rasp.SequenceMap(lambda ti, o: (-1 if ti[0] in STOPWORDS else o, ti[1]), tagged, ordinal).named(
        "ac_key")
    initial = rasp.Map(lambda w: w[0].upper(), rasp.tokens).named("ac_initial")
    letter = rasp.Aggregate(rasp.Select(key, want, lambda k, q: k[0] == q if q else k[1] == 0).named(
        "ac_lookup"), initial).named("ac_letter")
    return rasp.SequenceMap(lambda l, w: l if w else ".", letter, want).named("ac_out")


def trick_taking_winner() -> rasp.SOp:
    """A card trick ('A♠', '10♥', ...; spades are trumps): the lead suit from a head on position 0, and a card
    wins when no card beats it (a width of a Select whose query carries the lead suit); a bool Map."""
    lead = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("tt_lead_sel"),
                          rasp.tokens).named("tt_lead")
    mine = rasp.SequenceMap(lambda c, l: (c, l[-1]), rasp.tokens, lead).named("tt_mine")

    def power(card: str, lead_suit: str) -> tuple:
        suit, rank = card[-1], CARD_RANK[card[:-1]]
        return (2 if suit == "♠" else (1 if suit == lead_suit else 0), rank)

    beaten = rasp.SelectorWidth(rasp.Select(
        rasp.tokens, mine, lambda k, q: power(k, q[1]) > power(q[0], q[1])).named("tt_beats_sel")).named(
        "tt_beaten")
    return rasp.Map(lambda b: b == 0, beaten).named("tt_wins")


def emoji_fruit_plurality() -> rasp.SOp:
    """Plurality vote among 🍎 🍌 🍒 (🥝 abstains): three query-independent widths in one layer, folded by two
    SequenceMaps into the winning fruit or 'tie'."""
    def count(fruit: str, name: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == fruit).named(
            f"fr_{name}_sel")).named(f"fr_{name}")

    apple, banana, cherry = count("🍎", "apple"), count("🍌", "banana"), count("🍒", "cherry")
    leader = rasp.SequenceMap(
        lambda a, b: ("🍎", a) if a > b else (("🍌", b) if b > a else ("tie", a)), apple, banana).named(
        "fr_leader")
    return rasp.SequenceMap(
        lambda ab, c: ab[0] if ab[1] > c else ("🍒" if c > ab[1] else "tie"), leader, cherry).named("fr_winner")


def bracket_first_break() -> rasp.SOp:
    """Square brackets with a filler: the depth so far from two prefix widths, and 'broken' from the first
    position where the depth went negative on (a numerical LEQ-prefix mean of a negative flag, read at 0)."""
    tagged = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("br_tagged")
    opens = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == "[" and k[1] <= q[1]).named(
        "br_open_sel")).named("br_opens")
    closes = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == "]" and k[1] <= q[1]).named(
        "br_close_sel")).named("br_closes")
    depth = rasp.SequenceMap(lambda o, c: o - c, opens, closes).named("br_depth")
    negative = rasp.numerical(rasp.Map(lambda d: 1 if d < 0 else 0, depth)).named("br_negative")
    ever = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named(
        "br_prefix"), negative, default=0)).named("br_ever")
    broken = rasp.categorical(rasp.Map(lambda x: x > 0, ever)).named("br_broken")
    return rasp.SequenceMap(lambda b, d: "broken" if b else f"depth {d}", broken, depth).named("br_out")


def bool_median_filter() -> rasp.SOp:
    """Bools: a median filter over the window q-1..q+1 (a `selector_or` of 'same index' and 'adjacent' gives
    the window size; a lambda over (bit, index) counts the True bits in it); a bool output."""
    window = rasp.selector_or(
        rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ).named("md_self"),
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: abs(k - q) == 1).named("md_adjacent")).named(
        "md_window")
    size = rasp.SelectorWidth(window).named("md_size")
    tagged = rasp.SequenceMap(lambda b, i: (b, i), rasp.tokens, rasp.indices).named("md_tagged")
    ones = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] and abs(k[1] - q[1]) <= 1).named(
        "md_ones_sel")).named("md_ones")
    return rasp.SequenceMap(lambda o, s: 2 * o > s, ones, size).named("md_median")


def tile_2048_neighbour_merge() -> rasp.SOp:
    """2048 tiles (powers of two): a tile equal to its left neighbour doubles (a clamped previous-token head,
    compared with my (tile, index) pair), '*' when mine is the only largest tile (a GEQ width): '512*'."""
    tagged = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tl_tagged")
    left = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "tl_left_sel"), rasp.tokens).named("tl_left")
    merged = rasp.SequenceMap(lambda me, l: 2 * me[0] if me[1] > 0 and l == me[0] else me[0], tagged,
                              left).named("tl_merged")
    at_least = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named(
        "tl_geq_sel")).named("tl_at_least")
    return rasp.SequenceMap(lambda m, g: f"{m}*" if g == 1 else str(m), merged, at_least).named("tl_out")


def lib_chargaff_counts() -> rasp.SOp:
    """DNA: `make_count` of A, T, G and C (four heads in one layer), and whether Chargaff's rules hold."""
    a, t = lib.make_count(rasp.tokens, "A"), lib.make_count(rasp.tokens, "T")
    g, c = lib.make_count(rasp.tokens, "G"), lib.make_count(rasp.tokens, "C")
    at = rasp.SequenceMap(lambda x, y: x == y, a, t).named("cg_at")
    gc = rasp.SequenceMap(lambda x, y: x == y, g, c).named("cg_gc")
    return rasp.SequenceMap(
        lambda p, q: "chargaff" if p and q else ("A=T" if p else ("G=C" if q else "skewed")), at, gc).named(
        "cg_out")


def lib_frac_prevs_lead_change() -> rasp.SOp:
    """Goals 'H' / 'A' (a miss '-', a disallowed goal '✖') at max_seq_len 8: `make_frac_prevs` of home goals
    minus that of away goals (a LinearSequenceMap), read at 0 as who leads."""
    home = lib.make_frac_prevs(rasp.numerical(rasp.Map(lambda t: 1 if t == "H" else 0, rasp.tokens)).named(
        "lc_is_home")).named("lc_home")
    away = lib.make_frac_prevs(rasp.numerical(rasp.Map(lambda t: 1 if t == "A" else 0, rasp.tokens)).named(
        "lc_is_away")).named("lc_away")
    margin = rasp.numerical(rasp.LinearSequenceMap(home, away, 1, -1)).named("lc_margin")
    return rasp.categorical(rasp.Map(lambda m: "home leads" if m > 0 else ("away leads" if m < 0 else "level"),
                                     margin)).named("lc_out")


def causal_lib_dyck_prefix() -> rasp.SOp:
    """causal=True under BOS '⊢' / PAD '⊣': `make_shuffle_dyck` of '()' with a filler, which under the causal
    mask checks each prefix (its length is the prefix's), read as words."""
    dyck = lib.make_shuffle_dyck(pairs=["()"]).named("cd_dyck")
    return rasp.Map(lambda d: "closed" if d == 1 else "open-or-broken", dyck).named("cd_out")


def lib_cv_pattern() -> rasp.SOp:
    """`detect_pattern` over a Map of letters to 'C' / 'V' (a consonant-vowel-consonant syllable ends here),
    written with my letter (None at the first two positions)."""
    shape = rasp.Map(lambda c: "V" if c in "aeiou" else "C", rasp.tokens).named("cv_shape")
    cvc = lib.detect_pattern(shape, ["C", "V", "C"]).named("cv_cvc")
    return rasp.SequenceMap(lambda h, c: c.upper() if h else c, cvc, rasp.tokens).named("cv_out")


def lib_shift_period_two_three() -> rasp.SOp:
    """A metronome: `shift_by(2)` and `shift_by(3)` (two heads in one layer), whether my beat repeats the one
    two and three back ('2&3', '2', '3' or '-'; None at the first three positions)."""
    p2 = rasp.SequenceMap(lambda s, t: s == t, lib.shift_by(2, rasp.tokens).named("pd_back2"),
                          rasp.tokens).named("pd_same2")
    p3 = rasp.SequenceMap(lambda s, t: s == t, lib.shift_by(3, rasp.tokens).named("pd_back3"),
                          rasp.tokens).named("pd_same3")
    return rasp.SequenceMap(lambda a, b: "2&3" if a and b else ("2" if a else ("3" if b else "-")), p2,
                            p3).named("pd_out")


def lib_sort_golf_ties() -> rasp.SOp:
    """Golf scores to par (-3..5): `make_sort` of the scores, then on the sorted scores an LT width (place) and
    an EQ width (ties): 'T2 (+0)'-style leaderboard entries."""
    board = lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=7, min_key=1).named("gf_board")
    better = rasp.SelectorWidth(rasp.Select(board, board, rasp.Comparison.LT).named("gf_better_sel")).named(
        "gf_better")
    tied = rasp.SelectorWidth(rasp.Select(board, board, rasp.Comparison.EQ).named("gf_tied_sel")).named(
        "gf_tied")
    place = rasp.SequenceMap(lambda b, t: ("T" if t > 1 else "") + str(b + 1), better, tied).named("gf_place")
    return rasp.SequenceMap(lambda p, s: f"{p} ({s:+d})", place, board).named("gf_out")


# --- long programs ----------------------------------------------------------------------------------------


def long_tennis_game_score() -> rasp.SOp:
    """A tennis game of points 'A' / 'B' ('let' replays): two prefix widths, the call ('30-15', 'deuce',
    'adv A'), a numerical LT-prefix mean that sees whether the game was already won, the winning point found
    by a look-up with a fallback to position 0, and 'game A' from then on (18 lines)."""
    tagged = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("tn_tagged")
    a = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == "A" and k[1] <= q[1]).named(
        "tn_a_sel")).named("tn_a")
    b = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == "B" and k[1] <= q[1]).named(
        "tn_b_sel")).named("tn_b")
    names = ("0", "15", "30", "40")

    def call(x: int, y: int) -> str:
        if (x >= 4 or y >= 4) and abs(x - y) >= 2:
            return "game A" if x > y else "game B"
        if x >= 3 and y >= 3:
            return "deuce" if x == y else ("adv A" if x > y else "adv B")
        return f"{names[min(x, 3)]}-{names[min(y, 3)]}"

    score = rasp.SequenceMap(call, a, b).named("tn_score")
    done = rasp.SequenceMap(lambda x, y: (x >= 4 or y >= 4) and abs(x - y) >= 2, a, b).named("tn_done")
    done_num = rasp.numerical(rasp.Map(lambda d: 1 if d else 0, done)).named("tn_done_num")
    before = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named(
        "tn_earlier"), done_num, default=0)).named("tn_before")
    over_before = rasp.categorical(rasp.Map(lambda x: x > 0, before)).named("tn_over_before")
    first = rasp.SequenceMap(lambda d, o: d and not o, done, over_before).named("tn_first")
    ended = rasp.SequenceMap(lambda d, o: d or o, done, over_before).named("tn_ended")
    first_tag = rasp.SequenceMap(lambda f, i: (f, i), first, rasp.indices).named("tn_first_tag")
    winner = rasp.Aggregate(rasp.Select(first_tag, ended, lambda k, q: k[0] if q else k[1] == 0).named(
        "tn_winner_sel"), rasp.tokens).named("tn_winner")
    won_by = rasp.SequenceMap(lambda e, w: w if e else "", ended, winner).named("tn_won_by")
    return rasp.SequenceMap(lambda w, s: f"game {w}" if w else s, won_by, score).named("tn_out")


def long_odd_even_transposition_sort() -> rasp.SOp:
    """Odd-even transposition sort of sparse signed ints (-1000..1000) at max_seq_len 6: six rounds, each a
    head that reads the partner's value (the partner index from `make_length`, clamped at the ends; one Select
    per phase, shared by three rounds) and two compare-exchange SequenceMaps of it and my value and index packed
    as 10 * value + index, one giving the new value, one the new packed code (24 lines)."""
    length = lib.make_length().named("oe_length")

    def partner(i: int, n: int, phase: int) -> int:
        j = i + 1 if (i - phase) % 2 == 0 else i - 1
        return j if 0 <= j < n else i

    even = rasp.SequenceMap(lambda i, n: partner(i, n, 0), rasp.indices, length).named("oe_partner_even")
    odd = rasp.SequenceMap(lambda i, n: partner(i, n, 1), rasp.indices, length).named("oe_partner_odd")
    selects = (rasp.Select(rasp.indices, even, rasp.Comparison.EQ).named("oe_even_sel"),
               rasp.Select(rasp.indices, odd, rasp.Comparison.EQ).named("oe_odd_sel"))
    def exchange_at(r: int, me: int, w: int) -> int:
        v, i = divmod(me, 10)  # my value and index, packed as 10 * value + index
        left = (i - r % 2) % 2 == 0  # the left one of my pair keeps the smaller value
        return min(v, w) if left else max(v, w)  # w == v where I have no partner

    code = rasp.SequenceMap(lambda v, i: 10 * v + i, rasp.tokens, rasp.indices).named("oe_code0")
    value = rasp.tokens
    for r in range(6):
        other = rasp.Aggregate(selects[r % 2], value).named(f"oe_partner{r + 1}")
        value = rasp.SequenceMap(lambda me, w, r=r: exchange_at(r, me, w), code, other).named(f"oe_value{r + 1}")
        if r < 5:
            code = rasp.SequenceMap(lambda me, w, r=r: 10 * exchange_at(r, me, w) + me % 10, code, other).named(
                f"oe_code{r + 1}")
    return value


def pig_latin_rotation() -> rasp.SOp:
    """Pig Latin's move: the consonant onset (n minus a width of the positions from the first vowel on, those
    where a numerical LEQ-prefix mean of vowels is above 0) rotated to the end of the word (a head reading index
    (q + onset) mod n, n from `make_length`), the moved letters upper-cased."""
    vowel = rasp.numerical(rasp.Map(lambda c: 1 if c in "aeiou" else 0, rasp.tokens)).named("pg_vowel")
    seen = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named(
        "pg_prefix"), vowel, default=0)).named("pg_seen")
    voiced = rasp.categorical(rasp.Map(lambda x: x > 0, seen)).named("pg_voiced")
    rest = rasp.SelectorWidth(rasp.Select(voiced, voiced, lambda k, q: k).named("pg_rest_sel")).named(
        "pg_rest")
    length = lib.make_length().named("pg_length")
    shift = rasp.SequenceMap(lambda r, n: (0 if r == 0 else n - r, n), rest, length).named("pg_shift")
    source = rasp.SequenceMap(lambda i, s: (i + s[0]) % max(s[1], 1), rasp.indices, shift).named("pg_source")
    rotated = rasp.Aggregate(rasp.Select(rasp.indices, source, rasp.Comparison.EQ).named("pg_rotate_sel"),
                             rasp.tokens).named("pg_rotated")
    moved = rasp.SequenceMap(lambda i, s: i >= s[1] - s[0], rasp.indices, shift).named("pg_moved")
    return rasp.SequenceMap(lambda c, m: c.upper() if m else c, rotated, moved).named("pg_out")


def luhn_checksum_valid() -> rasp.SOp:
    """The Luhn check digit under BOS '#' / PAD '_': every second digit from the right doubled (n from
    `make_length`), six query-independent widths of the contributions (six heads in one layer) summed
    mod 10 by five SequenceMaps, 'valid' or how far off (22 lines)."""
    length = lib.make_length().named("lu_length")
    from_right = rasp.SequenceMap(lambda i, n: n - 1 - i, rasp.indices, length).named("lu_from_right")
    contrib = rasp.SequenceMap(lambda d, r: d if r % 2 == 0 else (2 * d if 2 * d < 10 else 2 * d - 9),
                               rasp.tokens, from_right).named("lu_contrib")

    def count(v: int) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(contrib, contrib, lambda k, q: k == v).named(
            f"lu_c{v}_sel")).named(f"lu_c{v}")

    c1, c2, c4, c5, c7, c9 = (count(v) for v in (1, 2, 4, 5, 7, 9))
    s12 = rasp.SequenceMap(lambda x, y: (x + 2 * y) % 10, c1, c2).named("lu_s12")
    s45 = rasp.SequenceMap(lambda x, y: (4 * x + 5 * y) % 10, c4, c5).named("lu_s45")
    s79 = rasp.SequenceMap(lambda x, y: (7 * x + 9 * y) % 10, c7, c9).named("lu_s79")
    s1245 = rasp.SequenceMap(lambda x, y: (x + y) % 10, s12, s45).named("lu_s1245")
    total = rasp.SequenceMap(lambda x, y: (x + y) % 10, s1245, s79).named("lu_total")
    return rasp.Map(lambda t: "valid" if t == 0 else f"off by {t}", total).named("lu_out")


def causal_clock_mod12() -> rasp.SOp:
    """causal=True, signed hour steps (-3, -1, 1, 2, 5) from 12 o'clock: five query-independent widths (five
    heads in one layer; the causal mask makes them prefix counts) summed mod 12 by four SequenceMaps, the
    hour as '3:00' (15 lines)."""
    def count(v: int, name: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == v).named(
            f"ck_{name}_sel")).named(f"ck_{name}")

    m3, m1, p1, p2, p5 = count(-3, "m3"), count(-1, "m1"), count(1, "p1"), count(2, "p2"), count(5, "p5")
    back = rasp.SequenceMap(lambda x, y: (-3 * x - y) % 12, m3, m1).named("ck_back")
    small = rasp.SequenceMap(lambda x, y: (x + 2 * y) % 12, p1, p2).named("ck_small")
    fwd = rasp.SequenceMap(lambda s, z: (s + 5 * z) % 12, small, p5).named("ck_forward")
    hour = rasp.SequenceMap(lambda b, f: (b + f) % 12, back, fwd).named("ck_hour")
    return rasp.Map(lambda h: f"{h or 12}:00", hour).named("ck_out")


# --- words, symbols and numbers ---------------------------------------------------------------------------


def causal_shiritori_loser() -> rasp.SOp:
    """causal=True, shiritori (each word starts with the last letter of the one before): a clamped
    previous-word head, a failure flag, a numerical TRUE mean (a prefix under the mask) read at 0, a width
    of the positions since the first failure, and that failure's index naming who lost ('P1 lost' / 'P2 lost' /
    'ok')."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "sh_prev_sel"), rasp.tokens).named("sh_prev")
    mismatch = rasp.SequenceMap(lambda p, w: p[-1] != w[0], prev, rasp.tokens).named("sh_mismatch")
    fail = rasp.SequenceMap(lambda m, i: m and i > 0, mismatch, rasp.indices).named("sh_fail")
    fail_num = rasp.numerical(rasp.Map(lambda f: 1 if f else 0, fail)).named("sh_fail_num")
    share = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "sh_all"), fail_num, default=0)).named("sh_fail_share")
    failed = rasp.categorical(rasp.Map(lambda x: x > 0, share)).named("sh_failed")
    since = rasp.SelectorWidth(rasp.Select(failed, failed, lambda k, q: k).named("sh_since_sel")).named(
        "sh_since")
    first = rasp.SequenceMap(lambda s, i: i + 1 - s if s else -1, since, rasp.indices).named("sh_first")
    return rasp.Map(lambda f: "ok" if f < 0 else ("P1 lost" if f % 2 == 0 else "P2 lost"), first).named("sh_out")


def nested_selector_band_share() -> rasp.SOp:
    """Temperatures -20..35: is there a comfortable reading (18..25) at most 20 degrees below mine and not above
    it (a mean under a `selector_and` of a `selector_or` with FALSE and a `selector_not`, read at 0 by a
    numerical-to-numerical Map), and the share of readings for which there is one (a second mean, TRUE)."""
    comfy = rasp.numerical(rasp.Map(lambda t: 1 if 18 <= t <= 25 else 0, rasp.tokens)).named("bd_comfy")
    band = rasp.selector_and(
        rasp.selector_or(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ).named("bd_not_above"),
                         rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.FALSE).named("bd_never")).named(
            "bd_or"),
        rasp.selector_not(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: q - k > 20).named(
            "bd_far_below")).named("bd_not_far")).named("bd_band")
    share = rasp.numerical(rasp.Aggregate(band, comfy, default=0)).named("bd_comfy_share")
    reachable = rasp.numerical(rasp.Map(lambda x: 1 if x > 0 else 0, share)).named("bd_reachable")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "bd_all"), reachable, default=0)).named("bd_reachable_share")


def causal_arrow_walk_distance() -> rasp.SOp:
    """causal=True, a walk of arrows ← → ↑ ↓: four query-independent widths in one layer (prefix counts under
    the mask), the displacement, and the Manhattan distance from the start as an int."""
    def count(arrow: str, name: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == arrow).named(
            f"aw_{name}_sel")).named(f"aw_{name}")

    left, right, up, down = count("←", "left"), count("→", "right"), count("↑", "up"), count("↓", "down")
    dx = rasp.SequenceMap(lambda r, l: r - l, right, left).named("aw_dx")
    dy = rasp.SequenceMap(lambda u, d: u - d, up, down).named("aw_dy")
    return rasp.SequenceMap(lambda x, y: abs(x) + abs(y), dx, dy).named("aw_distance")


def lib_hist_bar_glyphs() -> rasp.SOp:
    """Greek letters: `make_hist` against `make_length` (two heads in one layer) drawn as a bar '▮▮▯'."""
    hist = lib.make_hist().named("hb_hist")
    length = lib.make_length().named("hb_length")
    return rasp.SequenceMap(lambda h, n: "▮" * h + "▯" * max(n - h, 0), hist, length).named("hb_bar")


def float_fraction_vs_first() -> rasp.SOp:
    """Fractions as float tokens (0.125..1.5): my token divided by the first one (a head on position 0), and a
    GT width counting larger fractions: 'x2.0 / 1 larger'."""
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("ff_first_sel"),
                           rasp.tokens).named("ff_first")
    ratio = rasp.SequenceMap(lambda t, f: t / f, rasp.tokens, first).named("ff_ratio")
    larger = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "ff_larger_sel")).named("ff_larger")
    return rasp.SequenceMap(lambda r, g: f"x{r:g} / {g} larger", ratio, larger).named("ff_out")


def causal_thumbs_star_rating() -> rasp.SOp:
    """causal=True under BOS '<review>' / PAD '<none>': stars from the share of 👍 so far (a width of 👍 over
    `make_length`, both prefix counts under the mask), '!' once any 👎 occurred (a TRUE mean read at 0)."""
    ups = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "👍").named(
        "st_up_sel")).named("st_ups")
    so_far = lib.make_length().named("st_so_far")
    stars = rasp.SequenceMap(lambda u, n: round(5 * u / max(n, 1)), ups, so_far).named("st_stars")
    down = rasp.numerical(rasp.Map(lambda t: 1 if t == "👎" else 0, rasp.tokens)).named("st_down")
    downs = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "st_all"), down, default=0)).named("st_down_share")
    warned = rasp.categorical(rasp.Map(lambda x: x > 0, downs)).named("st_warned")
    return rasp.SequenceMap(lambda s, w: "★" * s + "☆" * (5 - s) + ("!" if w else ""), stars, warned).named(
        "st_out")


def pronoun_antecedent() -> rasp.SOp:
    """Pronoun resolution: 'he' / 'she' copies the first name of its gender (a width marks first names per
    gender; a look-up keyed by (gender-if-first, index) with a fallback to position 0), '?' without one,
    '·' at other words."""
    ntag = rasp.SequenceMap(lambda t, i: (NAME_GENDER.get(t, "-"), i), rasp.tokens, rasp.indices).named(
        "pr_ntag")
    earlier = rasp.SelectorWidth(rasp.Select(
        ntag, ntag, lambda k, q: k[0] == q[0] and k[1] < q[1]).named("pr_earlier_sel")).named("pr_earlier")
    key = rasp.SequenceMap(lambda nt, e: (nt[0] if e == 0 else "-", nt[1]), ntag, earlier).named("pr_key")
    women = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: NAME_GENDER.get(k) == "f").named(
        "pr_women_sel")).named("pr_women")
    men = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: NAME_GENDER.get(k) == "m").named(
        "pr_men_sel")).named("pr_men")
    present = rasp.SequenceMap(lambda f, m: (f > 0, m > 0), women, men).named("pr_present")
    query = rasp.SequenceMap(
        lambda t, p: "start" if t not in PRONOUN_GENDER else (
            PRONOUN_GENDER[t] if p[0 if PRONOUN_GENDER[t] == "f" else 1] else "none"),
        rasp.tokens, present).named("pr_query")
    antecedent = rasp.Aggregate(rasp.Select(key, query, lambda k, q: k[0] == q if q in ("f", "m") else k[1] == 0)
                                .named("pr_lookup"), rasp.tokens).named("pr_antecedent")
    return rasp.SequenceMap(lambda a, q: a if q in ("f", "m") else ("?" if q == "none" else "·"), antecedent,
                            query).named("pr_out")


def signed_magnitude_positive_share() -> rasp.SOp:
    """Signed sparse ints (±1, ±64, ±1000): the share of positive values among the other values at least as
    large in magnitude (`selector_and` of a magnitude Select and an NEQ Select); a numerical output."""
    positive = rasp.numerical(rasp.Map(lambda x: 1 if x > 0 else 0, rasp.tokens)).named("sm_positive")
    others = rasp.selector_and(
        rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: abs(k) >= abs(q)).named("sm_at_least"),
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ).named("sm_other_value")).named("sm_others")
    return rasp.numerical(rasp.Aggregate(others, positive, default=0)).named("sm_share")


def lib_sort_unique_by_tuple_key() -> rasp.SOp:
    """`make_sort_unique` of fruit words by a (last letter, index) tuple key: a stable sort by last letter."""
    key = rasp.SequenceMap(lambda w, i: (w[-1], i), rasp.tokens, rasp.indices).named("su_key")
    return lib.make_sort_unique(rasp.tokens, key).named("su_sorted")


def lib_sort_float_spread() -> rasp.SOp:
    """Float tokens (0.25..4.0) used categorically: `make_sort`, then heads on the first sorted position and
    on position n - 1 (n from `make_length`) give the minimum and maximum; the spread, a float output."""
    ordered = lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=6, min_key=0.25).named("fs_sorted")
    length = lib.make_length().named("fs_length")
    low = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("fs_low_sel"),
                         ordered).named("fs_low")
    high = rasp.Aggregate(rasp.Select(rasp.indices, length, lambda k, q: k == q - 1).named("fs_high_sel"),
                          ordered).named("fs_high")
    return rasp.SequenceMap(lambda h, l: h - l, high, low).named("fs_spread")


PROGRAMS = [
    SuiteProgram("causal_induction_copy", "causal induction head: copy the token after my token's first occurrence",
                 causal_induction_copy, SYLLABLES, 8, causal=True),
    SuiteProgram("mod7_operand_sum", "digits 0..6: positions 0 and 1 added mod 7, two heads in a layer",
                 mod7_operand_sum, MOD7, 8),
    SuiteProgram("docstring_param_copy", "docstring: k-th 'param' copies the k-th argument, BOS '<s>'",
                 docstring_param_copy, DOCSTRING, 8, compiler_bos="<s>", compiler_pad="<pad>"),
    SuiteProgram("acronym_initials", "acronym: initial of the (q+1)-th content word, stopwords skipped",
                 acronym_initials, ACRONYM, 6),
    SuiteProgram("trick_taking_winner", "cards: does my card win the trick (lead suit head, trumps)",
                 trick_taking_winner, CARDS, 7),
    SuiteProgram("emoji_fruit_plurality", "emoji vote: three widths in a layer, the plurality fruit",
                 emoji_fruit_plurality, FRUIT, 9),
    SuiteProgram("bracket_first_break", "square brackets: depth so far, 'broken' after it went negative",
                 bracket_first_break, SQUARE, 9),
    SuiteProgram("bool_median_filter", "bools: median of the window q-1..q+1 (selector_or window)",
                 bool_median_filter, BITS, 9),
    SuiteProgram("tile_2048_neighbour_merge", "2048 tiles: doubled when equal to the left one, '*' if largest",
                 tile_2048_neighbour_merge, TILES, 6),
    SuiteProgram("lib_chargaff_counts", "DNA: make_count of A, T, G, C, Chargaff's rules",
                 lib_chargaff_counts, DNA, 9),
    SuiteProgram("lib_frac_prevs_lead_change", "goals: make_frac_prevs home minus away, who leads",
                 lib_frac_prevs_lead_change, GOALS, 8),
    SuiteProgram("causal_lib_dyck_prefix", "causal make_shuffle_dyck of '()', BOS '⊢' / PAD '⊣'",
                 causal_lib_dyck_prefix, PARENS, 8, compiler_bos="⊢", compiler_pad="⊣", causal=True),
    SuiteProgram("lib_cv_pattern", "detect_pattern of consonant-vowel-consonant over a Map",
                 lib_cv_pattern, CV_LETTERS, 8),
    SuiteProgram("lib_shift_period_two_three", "shift_by(2) and shift_by(3): does my beat repeat",
                 lib_shift_period_two_three, METRONOME, 9),
    SuiteProgram("lib_sort_golf_ties", "golf: make_sort, then place (LT) and ties (EQ) on the board",
                 lib_sort_golf_ties, GOLF, 7),
    SuiteProgram("long_tennis_game_score", "tennis game calls, 'game A' from the winning point on (18 lines)",
                 long_tennis_game_score, TENNIS, 9),
    SuiteProgram("long_odd_even_transposition_sort", "six rounds of odd-even transposition sort (24 lines)",
                 long_odd_even_transposition_sort, SPARSE_SIGNED, 6),
    SuiteProgram("pig_latin_rotation", "pig latin: the consonant onset rotated to the end, upper-cased",
                 pig_latin_rotation, PIG_LETTERS, 7),
    SuiteProgram("luhn_checksum_valid", "Luhn check digit, six widths in a layer, BOS '#' / PAD '_'",
                 luhn_checksum_valid, LUHN_DIGITS, 6, compiler_bos="#", compiler_pad="_"),
    SuiteProgram("causal_clock_mod12", "causal: signed hour steps summed mod 12, five widths in a layer",
                 causal_clock_mod12, CLOCK_STEPS, 8, causal=True),
    SuiteProgram("causal_shiritori_loser", "causal shiritori: who broke the word chain first",
                 causal_shiritori_loser, SHIRITORI, 7, causal=True),
    SuiteProgram("nested_selector_band_share", "temperatures: uncomfortable share in a band (and/or/not, FALSE)",
                 nested_selector_band_share, TEMPERATURES, 8),
    SuiteProgram("causal_arrow_walk_distance", "causal arrows: Manhattan distance from the start",
                 causal_arrow_walk_distance, ARROWS, 9, causal=True),
    SuiteProgram("lib_hist_bar_glyphs", "Greek letters: make_hist against make_length as a bar",
                 lib_hist_bar_glyphs, GREEK, 9),
    SuiteProgram("float_fraction_vs_first", "float fractions: my ratio to the first, larger ones (GT)",
                 float_fraction_vs_first, FRACTIONS, 8),
    SuiteProgram("causal_thumbs_star_rating", "causal 👍 share as five stars, BOS '<review>' / PAD '<none>'",
                 causal_thumbs_star_rating, THUMBS, 9, compiler_bos="<review>", compiler_pad="<none>",
                 causal=True),
    SuiteProgram("pronoun_antecedent", "he / she copies the first name of its gender",
                 pronoun_antecedent, PRONOUNS, 7),
    SuiteProgram("signed_magnitude_positive_share", "±1, ±64, ±1000: positive share among larger magnitudes",
                 signed_magnitude_positive_share, MAGNITUDES, 7),
    SuiteProgram("lib_sort_unique_by_tuple_key", "make_sort_unique of words by (last letter, index)",
                 lib_sort_unique_by_tuple_key, FRUIT_WORDS, 6),
    SuiteProgram("lib_sort_float_spread", "floats: make_sort, min and max heads, the spread",
                 lib_sort_float_spread, FLOATS, 6),
]
