"""A glacier suite: held-out Tracr programs, written blind to measure whether TraDe generalises.

Why: the older suites (`tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`, `large/`,
`horizon/`, `outlook/`, `itself/`, `vista/`, `meridian/`, `zenith/`, `bench/`, `summit/`, `drift/`,
`kestrel/`, `lagoon/`, `estuary/`, `fjord/`, `tundra/`) were read while TraDe was being built, or were written
before this one. These were written afterwards without reading how TraDe reads weights (nothing under `trade/`
but `trade/suites.py`, no tests, reports, benchmarks or checkpoints), as small tasks an interpretability
researcher might compile to study a circuit, each with its own lambdas (no lambda library), chosen not to
repeat the tasks named in the older suites' READMEs:

- strings: planets (LT and GT widths in one layer), amino acids (a window mean
  read at 0), birds (`selector_and` with a `selector_not`), zodiac signs (`selector_or` of two element
  relations), git commands (a causal work-tree state, four widths in one layer), chat turns (causal, BOS '<s>'
  / PAD '</s>'), log levels (causal `make_count` twice, BOS '<start>' / PAD '<pad>'), emoji (a causal
  `make_nary_sequencemap` of two look-backs), keyboard keys (a causal caps-lock), RPG moves (a causal battle,
  long), story words (`make_length` under BOS '§' / PAD '¶'), to-do tasks (`make_sort` by deadline under BOS
  '<todo>' / PAD '<done>'), scrabble tiles (`make_hist`), sandwich fillings (`shift_by(1)` and
  `shift_by(-1)`), SQL statements (`make_pair_balance` and `make_frac_prevs` read at 0), football events
  (three `make_count`), sentence words (`make_nary_sequencemap` of tokens, indices and length), recipe
  ingredients (five widths in one layer, long);
- ints: HTTP status codes {200, 204, 301, 404, 500, 503} (a GEQ mean), stock prices (a causal
  `make_frac_prevs` above the opening price), signed steps {-3, -1, 2, 5} (a causal LinearSequenceMap),
  elevations {-430, -28, 0, 8, 1345, 8849} (`make_sort_unique` on a unique int key, deep), redirect codes
  (`detect_pattern` twice), squares {1, 4, ..., 36} (a deep sorted-gap chain), tides {-2, -1, 0, 1, 3}
  (FALSE under `selector_or`); floats: readings -1.5..3.0 (a causal near-neighbour width) and battery volts
  (a numerical-to-numerical Map of a mean read at 0); bools (lonely lights, NEQ in a `selector_and`); tuples as
  tokens: (item, +1 / -1) pantry moves (causal) and RGB bit triples (dominating colours).

Causal=True for ten; custom BOS / PAD for four (two causal). Every comparison is used (EQ, LT, LEQ, GT, GEQ,
NEQ, TRUE, FALSE), and `selector_and` / `selector_or` / `selector_not` only over Selects with the same keys and
queries. README.md has the measurements.

Pitfalls of the older suites avoided: categorical Aggregates select exactly one position (clamped look-backs,
position 0, a sort over unique keys) except `shift_by` / `detect_pattern`, whose None reaches only SequenceMaps
and the output; no SelectorWidth past max_seq_len 9; means of 0/1 values only; numerical-to-categorical and
numerical-to-numerical Maps only of a mean or a balance, read at 0; no numerical SequenceMap (a flag
SequenceMap is turned numerical through a Map); every lambda accepts every combination of its inputs' value
sets (Tracr evaluates them all). Writing this suite found two more (README.md has the measurements):
- a hydrophobic window share (values 0, 1/3, 1/2, 2/3, 1) read at 1/2 by a numerical-to-categorical Map was
  wrong at 189 of 1,034 positions ('exposed' for a 2/3 window): `amino_hydrophobic_window` now reads it at 0;
- a numerical-to-numerical Map 1 - x of a TRUE mean of 0/1 values came out 0.7163 for 5/7 (0.7143), outside
  check_suites' 1e-3 tolerance at 580 of 1,275 positions: `float_battery_alive_share` now reads it at 0.
Changed while writing: `causal_rpg_battle` lost a final SequenceMap that prefixed the turn ('T3 KO'), which
took d_model from 388 to under 250.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

HTTP = (200, 204, 301, 404, 500, 503)
PLANETS = ("Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune")
PLANET_MOONS = {"Mercury": 0, "Venus": 0, "Earth": 1, "Mars": 2, "Jupiter": 95, "Saturn": 146, "Uranus": 28,
                "Neptune": 16}
AMINO = ("A", "L", "V", "K", "D", "G")
BIRDS = ("sparrow", "finch", "robin", "crow", "raven", "hawk", "eagle")
BIRD_SIZE = {"sparrow": "S", "finch": "S", "robin": "S", "crow": "M", "raven": "M", "hawk": "L", "eagle": "L"}
ZODIAC = ("Aries", "Taurus", "Gemini", "Cancer", "Leo", "Virgo", "Libra", "Scorpio")
ZODIAC_ELEMENT = {"Aries": "fire", "Taurus": "earth", "Gemini": "air", "Cancer": "water", "Leo": "fire",
                  "Virgo": "earth", "Libra": "air", "Scorpio": "water"}
GIT = ("edit", "add", "commit", "push", "status")
STOCK = (95, 98, 100, 103, 110)
CHAT = ("user:", "bot:", "?", "ok", "hi")
READINGS = (-1.5, -0.5, 0.25, 0.75, 3.0)
PANTRY = (("rice", 1), ("rice", -1), ("tea", 1), ("tea", -1), ("oil", 1))
LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
EMOJI = ("💬", "❤️", "😂", "👍")
KEYS = ("a", "b", "CAPS", "SHIFT")
RPG = ("hit", "crit", "heal", "miss", "potion")
STEPS = (-3, -1, 2, 5)
STORY = ("once", "upon", "a", "time", "end")
TASKS = ("tax", "gym", "mail", "code", "cook", "nap")
DEADLINE = {"tax": 1, "gym": 3, "mail": 2, "code": 5, "cook": 3, "nap": 8}
ELEVATIONS = (-430, -28, 0, 8, 1345, 8849)
TILES = ("E", "A", "S", "Q", "Z", "X")
TILE_POINTS = {"E": 1, "A": 1, "S": 1, "Q": 10, "Z": 10, "X": 8}
FILLINGS = ("bread", "ham", "cheese", "egg")
REDIRECTS = (200, 301, 302, 404)
SQL = ("BEGIN", "COMMIT", "ROLLBACK", "SELECT", "INSERT")
FOOTBALL = ("H", "A", "-", "VAR")
SENTENCE = ("the", "cat", "sat", ".")
RGB = ((0, 0, 0), (1, 0, 0), (0, 1, 1), (1, 1, 0), (1, 1, 1), (0, 0, 1))
VOLTS = (0.5, 0.9, 1.2, 1.5, 3.7)
BITS = (False, True)
PANTRY_INGREDIENTS = ("flour", "egg", "milk", "sugar", "butter", "salt")
SQUARE_INTS = (1, 4, 9, 16, 25, 36)
TIDES = (-2, -1, 0, 1, 3)


# --- non-causal: strings, ints, floats, bools, tuples -------------------------------------------------------


def http_error_suffix_share() -> rasp.SOp:
    """HTTP status codes {200, 204, 301, 404, 500, 503}: the share of errors (>= 400) among the responses at or
    after mine (a mean under GEQ on indices), a numerical output."""
    error = rasp.numerical(rasp.Map(lambda c: 1 if c >= 400 else 0, rasp.tokens)).named("he_error")
    later = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ).named("he_later_sel")
    return rasp.numerical(rasp.Aggregate(later, error, default=0)).named("he_share")


def planet_closer_and_moonier() -> rasp.SOp:
    """Planets: a width of listed planets closer to the sun (LT on an orbit Map) and one of planets with more
    moons (GT on a moon-count Map), two heads in one layer, written '2 in, 1 moonier'."""
    orbit = rasp.Map(lambda p: PLANETS.index(p), rasp.tokens).named("pm_orbit")
    moons = rasp.Map(lambda p: PLANET_MOONS[p], rasp.tokens).named("pm_moons")
    closer = rasp.SelectorWidth(rasp.Select(orbit, orbit, rasp.Comparison.LT).named("pm_closer_sel")).named(
        "pm_closer")
    moonier = rasp.SelectorWidth(rasp.Select(moons, moons, rasp.Comparison.GT).named("pm_moonier_sel")).named(
        "pm_moonier")
    return rasp.SequenceMap(lambda c, m: f"{c} in, {m} moonier", closer, moonier).named("pm_out")


def amino_hydrophobic_window() -> rasp.SOp:
    """Amino acids A L V K D G: the hydrophobic share of my window of three residues (a mean under |k - q| <= 1),
    read at 0 by a numerical-to-categorical Map (any hydrophobic contact), then with my residue: 'core' (a
    hydrophobic residue with contact), 'patch', 'shielded' (a polar one with contact) or 'surface'."""
    phobic = rasp.numerical(rasp.Map(lambda a: 1 if a in ("A", "L", "V") else 0, rasp.tokens)).named("am_phobic")
    window = rasp.Select(rasp.indices, rasp.indices, lambda k, q: abs(k - q) <= 1).named("am_window")
    share = rasp.numerical(rasp.Aggregate(window, phobic, default=0)).named("am_share")
    contact = rasp.categorical(rasp.Map(lambda x: x > 0, share)).named("am_contact")
    return rasp.SequenceMap(
        lambda a, c: ("core" if c else "patch") if a in ("A", "L", "V") else ("shielded" if c else "surface"),
        rasp.tokens, contact).named("am_out")


def bird_same_size_rivals() -> rasp.SOp:
    """Birds: a width of the `selector_and` of a same-size Select and the `selector_not` of an EQ Select (birds
    of my size but another species): 'unrivalled' or '3 rivals'."""
    same_size = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: BIRD_SIZE[k] == BIRD_SIZE[q]).named(
        "br_size_sel")
    other = rasp.selector_not(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "br_same_sel")).named("br_other_sel")
    rivals = rasp.SelectorWidth(rasp.selector_and(same_size, other).named("br_rival_sel")).named("br_rivals")
    return rasp.Map(lambda r: "unrivalled" if r == 0 else f"{r} rivals", rivals).named("br_out")


def zodiac_compatible_signs() -> rasp.SOp:
    """Zodiac signs: a Map to the element and a width of the `selector_or` of same element and complementary
    element (fire-air, earth-water): how many listed signs (me included) get on with mine, an int."""
    element = rasp.Map(lambda s: ZODIAC_ELEMENT[s], rasp.tokens).named("zc_element")
    same = rasp.Select(element, element, lambda k, q: k == q).named("zc_same_sel")
    complement = rasp.Select(element, element, lambda k, q: {k, q} in ({"fire", "air"}, {"earth", "water"})).named(
        "zc_complement_sel")
    return rasp.SelectorWidth(rasp.selector_or(same, complement).named("zc_sel")).named("zc_friends")


def lib_length_percent_story() -> rasp.SOp:
    """Story words under BOS '§' / PAD '¶': `make_length` and the indices give how far through the story each
    word sits ('50%'), with 'end!' where the word 'end' is the last one."""
    n = lib.make_length().named("ps_n")
    percent = rasp.SequenceMap(lambda i, m: 100 * (i + 1) // m if m else 0, rasp.indices, n).named("ps_percent")
    return rasp.SequenceMap(lambda p, w: "end!" if w == "end" and p == 100 else f"{p}%", percent,
                            rasp.tokens).named("ps_out")


def lib_sort_tasks_by_deadline() -> rasp.SOp:
    """To-do tasks under BOS '<todo>' / PAD '<done>': `make_sort` of the tasks keyed by a deadline Map (ties in
    order), and whether my slot already holds the task due there: 'keep' or '→tax'."""
    due = rasp.Map(lambda t: DEADLINE[t], rasp.tokens).named("td_due")
    ordered = lib.make_sort(rasp.tokens, due, max_seq_len=6, min_key=1).named("td_sorted")
    return rasp.SequenceMap(lambda s, t: "keep" if s == t else f"→{s}", ordered, rasp.tokens).named("td_out")


def lib_sort_unique_elevations() -> rasp.SOp:
    """Elevations {-430, -28, 0, 8, 1345, 8849} m: `make_sort_unique` of the tokens keyed by a unique int key
    (10 × elevation + index), whether the sorted elevation in my slot is above, at or below mine, a clamped
    previous-slot head on that, the places where it changes, and a width of them: '2 switches' (deep)."""
    key = rasp.SequenceMap(lambda e, i: 10 * e + i, rasp.tokens, rasp.indices).named("el_key")
    ordered = lib.make_sort_unique(rasp.tokens, key).named("el_sorted")
    move = rasp.SequenceMap(lambda s, e: "up" if s > e else ("level" if s == e else "down"), ordered,
                            rasp.tokens).named("el_move")
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "el_prev_sel"), move).named("el_prev_move")
    switch = rasp.SequenceMap(lambda p, m: p != m, prev, move).named("el_switch")
    switches = rasp.SelectorWidth(rasp.Select(switch, switch, lambda k, q: k).named("el_switch_sel")).named(
        "el_switches")
    return rasp.SequenceMap(lambda m, n: f"{m}, {n} switches", move, switches).named("el_out")


def lib_hist_scrabble_unique_points() -> rasp.SOp:
    """Scrabble tiles E A S Q Z X: `make_hist`, a points Map, and the points a tile scores only when it is the
    sole tile of its letter (else 0), an int output."""
    hist = lib.make_hist().named("sc_hist")
    points = rasp.Map(lambda t: TILE_POINTS[t], rasp.tokens).named("sc_points")
    return rasp.SequenceMap(lambda p, h: p if h == 1 else 0, points, hist).named("sc_out")


def lib_shift_sandwich() -> rasp.SOp:
    """Sandwich layers: `shift_by(1)` and `shift_by(-1)` (the layers below and above, None at the ends), paired,
    and whether I am a filling between two slices of bread: 'sandwiched', 'open' or '-'."""
    below = lib.shift_by(1, rasp.tokens).named("sw_below")
    above = lib.shift_by(-1, rasp.tokens).named("sw_above")
    pair = rasp.SequenceMap(lambda b, a: (b == "bread") + (a == "bread"), below, above).named("sw_breads")
    return rasp.SequenceMap(
        lambda n, t: "-" if t == "bread" else ("sandwiched" if n == 2 else ("open" if n == 1 else "-")), pair,
        rasp.tokens).named("sw_out")


def lib_detect_redirect_chain() -> rasp.SOp:
    """HTTP codes {200, 301, 302, 404}: `detect_pattern` of [301, 302, 200] (a resolved redirect chain) and of
    [301, 301] (a redirect loop), combined by a SequenceMap (None at the first two positions)."""
    resolved = lib.detect_pattern(rasp.tokens, [301, 302, 200]).named("rd_resolved")
    looping = lib.detect_pattern(rasp.tokens, [301, 301]).named("rd_loop")
    return rasp.SequenceMap(lambda r, l: "resolved" if r else ("loop" if l else "-"), resolved, looping).named(
        "rd_out")


def lib_pair_balance_sql_transaction() -> rasp.SOp:
    """SQL statements: `make_pair_balance` of BEGIN / COMMIT and `make_frac_prevs` of ROLLBACK, each read at 0
    by a numerical-to-categorical Map: 'in txn', 'rolled back', 'unmatched COMMIT' or 'autocommit'."""
    balance = lib.make_pair_balance(rasp.tokens, "BEGIN", "COMMIT").named("sq_balance")
    rollbacks = lib.make_frac_prevs(rasp.Map(lambda s: s == "ROLLBACK", rasp.tokens).named("sq_is_rb")).named(
        "sq_rollbacks")
    state = rasp.categorical(rasp.Map(lambda x: "open" if x > 0 else ("bad" if x < 0 else "shut"), balance)).named(
        "sq_state")
    rolled = rasp.categorical(rasp.Map(lambda x: x > 0, rollbacks)).named("sq_rolled")
    return rasp.SequenceMap(
        lambda s, r: "unmatched COMMIT" if s == "bad" else (
            "rolled back" if r else ("in txn" if s == "open" else "autocommit")), state, rolled).named("sq_out")


def lib_count_football_score() -> rasp.SOp:
    """Football events H (home goal), A (away goal), '-' and VAR: three `make_count` (three heads in one layer),
    the margin, and the result 'home by 2', 'draw' or 'away by 1', with '?' after any VAR review."""
    home = lib.make_count(rasp.tokens, "H").named("fb_home")
    away = lib.make_count(rasp.tokens, "A").named("fb_away")
    reviews = lib.make_count(rasp.tokens, "VAR").named("fb_var")
    margin = rasp.SequenceMap(lambda h, a: h - a, home, away).named("fb_margin")
    result = rasp.Map(lambda m: "draw" if m == 0 else (f"home by {m}" if m > 0 else f"away by {-m}"), margin).named(
        "fb_result")
    return rasp.SequenceMap(lambda r, v: r + "?" if v else r, result, reviews).named("fb_out")


def lib_nary_sentence_role() -> rasp.SOp:
    """Sentence words at max_seq_len 5: `make_nary_sequencemap` of tokens, indices and `make_length` gives each
    word its role: 'subject' (a noun after 'the'), 'verb', 'stop' (a final '.') or 'stray'."""
    n = lib.make_length().named("sr_n")

    def role(w: str, i: int, m: int) -> str:
        if w == ".":
            return "stop" if i == m - 1 else "stray"
        if w == "the":
            return "det" if i < m - 1 else "stray"
        if w == "cat":
            return "subject" if i > 0 else "bare noun"
        return "verb" if i > 0 else "stray"

    return lib.make_nary_sequencemap(role, rasp.tokens, rasp.indices, n).named("sr_role")


def tuple_rgb_dominated_by() -> rasp.SOp:
    """RGB bit triples as tokens: a width of the other colours that light every channel mine does (componentwise
    at least mine, not equal): 'maximal' or 'under 2'."""
    covers = rasp.Select(rasp.tokens, rasp.tokens,
                         lambda k, q: k != q and all(a >= b for a, b in zip(k, q))).named("rg_cover_sel")
    count = rasp.SelectorWidth(covers).named("rg_covers")
    return rasp.Map(lambda c: "maximal" if c == 0 else f"under {c}", count).named("rg_out")


def float_battery_alive_share() -> rasp.SOp:
    """Battery volts 0.5..3.7 (floats): the share of flat cells (< 1.0 V) by a TRUE mean, read at 0 by a
    numerical-to-numerical Map (1 when every cell is alive, else 0), a numerical output."""
    flat = rasp.numerical(rasp.Map(lambda v: 1 if v < 1.0 else 0, rasp.tokens)).named("ba_flat")
    flat_share = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "ba_all"), flat, default=0)).named("ba_flat_share")
    return rasp.numerical(rasp.Map(lambda x: 1 if x == 0 else 0, flat_share)).named("ba_all_alive")


def bool_lonely_lights() -> rasp.SOp:
    """Bools at max_seq_len 9 (lights on / off): (bit, index) pairs, a width of the `selector_and` of 'lit and
    within two places' and NEQ (another position), and 'lonely' for a lit light with no lit neighbour."""
    tagged = rasp.SequenceMap(lambda b, i: (b, i), rasp.tokens, rasp.indices).named("ll_tagged")
    near_lit = rasp.Select(tagged, tagged, lambda k, q: k[0] and abs(k[1] - q[1]) <= 2).named("ll_near_sel")
    other = rasp.Select(tagged, tagged, rasp.Comparison.NEQ).named("ll_other_sel")
    lit = rasp.SelectorWidth(rasp.selector_and(near_lit, other).named("ll_sel")).named("ll_lit")
    return rasp.SequenceMap(lambda b, n: ("lonely" if n == 0 else "grouped") if b else ("dark" if n == 0 else "lit"),
                            rasp.tokens, lit).named("ll_out")


def tide_rank_false_or() -> rasp.SOp:
    """Tide heights {-2, -1, 0, 1, 3}: a width of `selector_or(FALSE, GT)` (higher readings) and a width of
    `selector_and(LEQ, selector_not(EQ))` (lower readings), two heads in one layer: 'high', 'low' or 'mid'."""
    higher = rasp.selector_or(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.FALSE).named("ti_never"),
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named("ti_gt")).named("ti_higher_sel")
    lower = rasp.selector_and(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ).named("ti_leq"),
        rasp.selector_not(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("ti_eq")).named(
            "ti_not_eq")).named("ti_lower_sel")
    above = rasp.SelectorWidth(higher).named("ti_above")
    below = rasp.SelectorWidth(lower).named("ti_below")
    return rasp.SequenceMap(lambda a, b: "flat" if a == 0 and b == 0 else (
        "high" if a == 0 else ("low" if b == 0 else "mid")), above, below).named("ti_out")


def long_recipe_pantry() -> rasp.SOp:
    """Ingredients: five widths in one layer (flour, eggs, milk, sugar, butter), batches of pancakes (flour,
    egg, milk), cookies (flour, sugar, butter) and crêpes (2 eggs, milk) by min-SequenceMaps, and the best dish
    with its batches (16 lines)."""
    def count(item: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == item).named(
            f"rp_{item}_sel")).named(f"rp_{item}")

    flour, egg, milk, sugar, butter = count("flour"), count("egg"), count("milk"), count("sugar"), count("butter")
    flour_egg = rasp.SequenceMap(lambda f, e: min(f, e), flour, egg).named("rp_flour_egg")
    pancakes = rasp.SequenceMap(lambda fe, m: min(fe, m), flour_egg, milk).named("rp_pancakes")
    sweet = rasp.SequenceMap(lambda s, b: min(s, b), sugar, butter).named("rp_sweet")
    cookies = rasp.SequenceMap(lambda f, s: min(f, s), flour, sweet).named("rp_cookies")
    crepes = rasp.SequenceMap(lambda e, m: min(e // 2, m), egg, milk).named("rp_crepes")
    baked = rasp.SequenceMap(lambda p, c: ("pancakes", p) if p >= c else ("cookies", c), pancakes,
                             cookies).named("rp_baked")
    return rasp.SequenceMap(
        lambda b, c: "nothing" if max(b[1], c) == 0 else (f"crêpes ×{c}" if c > b[1] else f"{b[0]} ×{b[1]}"),
        baked, crepes).named("rp_out")


def deep_sorted_square_gaps() -> rasp.SOp:
    """Squares {1, 4, 9, 16, 25, 36}: (value, index) keys, an LT width (sorted position), the sorted values by a
    head on it, a clamped previous-sorted head, the gap between neighbours, a width of big gaps (>= 10) and
    'gappy' / 'tight' (seven layers deep)."""
    key = rasp.SequenceMap(lambda v, i: (v, i), rasp.tokens, rasp.indices).named("dg_key")
    place = rasp.SelectorWidth(rasp.Select(key, key, rasp.Comparison.LT).named("dg_place_sel")).named("dg_place")
    ordered = rasp.Aggregate(rasp.Select(place, rasp.indices, rasp.Comparison.EQ).named("dg_sort_sel"),
                             rasp.tokens).named("dg_sorted")
    before = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "dg_prev_sel"), ordered).named("dg_before")
    gap = rasp.SequenceMap(lambda s, p: s - p, ordered, before).named("dg_gap")
    big = rasp.SelectorWidth(rasp.Select(gap, gap, lambda k, q: k >= 10).named("dg_big_sel")).named("dg_big")
    return rasp.Map(lambda b: "tight" if b == 0 else f"gappy {b}", big).named("dg_out")


# --- causal=True -------------------------------------------------------------------------------------------


def causal_git_worktree_state() -> rasp.SOp:
    """causal=True, git commands: four widths in one layer (edits, adds, commits, pushes so far) and the work
    tree's state by three comparisons: 'dirty', 'staged', 'ahead' or 'clean'."""
    def so_far(command: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == command).named(
            f"gw_{command}_sel")).named(f"gw_{command}s")

    edits, adds, commits, pushes = so_far("edit"), so_far("add"), so_far("commit"), so_far("push")
    dirty = rasp.SequenceMap(lambda e, a: e > a, edits, adds).named("gw_dirty")
    staged = rasp.SequenceMap(lambda a, c: a > c, adds, commits).named("gw_staged")
    ahead = rasp.SequenceMap(lambda c, p: c > p, commits, pushes).named("gw_ahead")
    pending = rasp.SequenceMap(lambda d, s: "dirty" if d else ("staged" if s else ""), dirty, staged).named(
        "gw_pending")
    return rasp.SequenceMap(lambda p, a: p or ("ahead" if a else "clean"), pending, ahead).named("gw_out")


def causal_stock_above_open_share() -> rasp.SOp:
    """causal=True, stock prices {95, 98, 100, 103, 110}: a head on position 0 (the opening price), a flag for
    a price above it (turned numerical by a Map) and `make_frac_prevs` of it, a numerical output."""
    opening = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("so_open_sel"),
                             rasp.tokens).named("so_open")
    above = rasp.SequenceMap(lambda p, o: p > o, rasp.tokens, opening).named("so_above")
    flag = rasp.numerical(rasp.Map(lambda a: 1 if a else 0, above)).named("so_flag")
    return lib.make_frac_prevs(flag).named("so_share")


def causal_chat_unanswered_questions() -> rasp.SOp:
    """causal=True under BOS '<s>' / PAD '</s>', chat tokens: widths of '?' and of 'bot:' so far (two heads in
    one layer): '2 open' when questions outnumber bot turns, else 'answered' ('quiet' before any question)."""
    questions = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "?").named(
        "cq_q_sel")).named("cq_questions")
    replies = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "bot:").named(
        "cq_r_sel")).named("cq_replies")
    return rasp.SequenceMap(
        lambda qs, rs: "quiet" if qs == 0 else (f"{qs - rs} open" if qs > rs else "answered"), questions,
        replies).named("cq_out")


def causal_float_near_neighbours() -> rasp.SOp:
    """causal=True, float readings -1.5..3.0: a width of readings so far within 1.0 of mine (me included), less
    one: how many earlier readings corroborate mine, an int output."""
    near = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: abs(k - q) <= 1.0).named(
        "fn_sel")).named("fn_near")
    return rasp.Map(lambda n: n - 1, near).named("fn_out")


def causal_tuple_pantry_stock() -> rasp.SOp:
    """causal=True, (item, +1 / -1) tuples as tokens: widths of restocks and of uses of my item so far (two
    heads in one layer), and the stock left, 'short' when below zero."""
    restocks = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] == q[0] and k[1] > 0)
                                  .named("ps_in_sel")).named("ps_in")
    uses = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] == q[0] and k[1] < 0)
                              .named("ps_out_sel")).named("ps_used")
    return rasp.SequenceMap(lambda r, u: "short" if u > r else r - u, restocks, uses).named("ps_stock")


def causal_lib_count_log_alerts() -> rasp.SOp:
    """causal=True under BOS '<start>' / PAD '<pad>', log levels: `make_count` of ERROR and of WARN compiled
    causal (so far), and the escalation: 'page', 'ticket' or 'ok'."""
    errors = lib.make_count(rasp.tokens, "ERROR").named("la_errors")
    warnings = lib.make_count(rasp.tokens, "WARN").named("la_warnings")
    return rasp.SequenceMap(
        lambda e, w: "page" if e >= 2 or (e >= 1 and w >= 2) else ("ticket" if e or w >= 2 else "ok"), errors,
        warnings).named("la_out")


def causal_lib_nary_emoji_trigram() -> rasp.SOp:
    """causal=True, emoji 💬 ❤️ 😂 👍: two clamped look-back heads (one and two back) and
    `make_nary_sequencemap` of them with the token: 'meme' (three 😂), 'reply' (💬 then a reaction), 'like'."""
    back1 = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "et_back1_sel"), rasp.tokens).named("et_back1")
    back2 = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 2, 0)).named(
        "et_back2_sel"), rasp.tokens).named("et_back2")

    def read(a: str, b: str, c: str) -> str:
        if a == b == c == "😂":
            return "meme"
        if b == "💬" and c != "💬":
            return "reply"
        return "like" if c in ("❤️", "👍") else "-"

    return lib.make_nary_sequencemap(read, back2, back1, rasp.tokens).named("et_out")


def causal_keyboard_caps_lock() -> rasp.SOp:
    """causal=True, keys a / b / CAPS / SHIFT: a width of CAPS presses so far (its parity is the lock), a
    clamped previous-key head (SHIFT held), and the character typed: 'A', 'a', '⇪' or '⇧'."""
    presses = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "CAPS").named(
        "kc_caps_sel")).named("kc_presses")
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "kc_prev_sel"), rasp.tokens).named("kc_prev")
    shifted = rasp.SequenceMap(lambda p, s: (p % 2 == 1) != (s == "SHIFT"), presses, prev).named("kc_upper")
    return rasp.SequenceMap(
        lambda k, u: "⇪" if k == "CAPS" else ("⇧" if k == "SHIFT" else (k.upper() if u else k)), rasp.tokens,
        shifted).named("kc_out")


def causal_rpg_battle() -> rasp.SOp:
    """causal=True, RPG moves: five widths in one layer (hits, crits, heals, potions, misses so far) beside
    `make_length` (the turn, against which the misses make a lucky streak), damage and healing clamped at 20,
    hit points from 10 clamped to 0..15, a status Map, and 'KO' / 'hp 2!' / 'hp 7 (lucky)' (18 lines)."""
    def so_far(move: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == move).named(
            f"rb_{move}_sel")).named(f"rb_{move}s")

    hits, crits, heals, potions, misses = so_far("hit"), so_far("crit"), so_far("heal"), so_far("potion"), \
        so_far("miss")
    turn = lib.make_length().named("rb_turn")
    damage = rasp.SequenceMap(lambda h, c: min(2 * h + 5 * c, 20), hits, crits).named("rb_damage")
    healing = rasp.SequenceMap(lambda h, p: min(3 * h + 5 * p, 20), heals, potions).named("rb_healing")
    hp = rasp.SequenceMap(lambda d, h: min(15, max(0, 10 - d + h)), damage, healing).named("rb_hp")
    status = rasp.Map(lambda x: "KO" if x == 0 else (f"hp {x}" if x > 3 else f"hp {x}!"), hp).named("rb_status")
    lucky = rasp.SequenceMap(lambda m, t: 2 * m >= t, misses, turn).named("rb_lucky")
    return rasp.SequenceMap(lambda s, l: s + (" (lucky)" if l else ""), status, lucky).named("rb_out")


def causal_signed_step_balance() -> rasp.SOp:
    """causal=True, signed steps {-3, -1, 2, 5} at max_seq_len 9: the prefix shares of upward and downward
    steps (two TRUE means in one layer) and up - down as a LinearSequenceMap, a numerical output."""
    up = rasp.numerical(rasp.Map(lambda s: 1 if s > 0 else 0, rasp.tokens)).named("sb_up")
    down = rasp.numerical(rasp.Map(lambda s: 1 if s < 0 else 0, rasp.tokens)).named("sb_down")
    up_share = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "sb_all_a"), up, default=0)).named("sb_up_share")
    down_share = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "sb_all_b"), down, default=0)).named("sb_down_share")
    return rasp.numerical(rasp.LinearSequenceMap(up_share, down_share, 1, -1)).named("sb_balance")


PROGRAMS = [
    SuiteProgram("http_error_suffix_share", "HTTP codes: share of errors at or after me (GEQ mean)",
                 http_error_suffix_share, HTTP, 7),
    SuiteProgram("planet_closer_and_moonier", "planets: LT and GT widths on two Maps, one layer",
                 planet_closer_and_moonier, PLANETS, 6),
    SuiteProgram("amino_hydrophobic_window", "amino acids: window mean read at 0 (numerical to categorical)",
                 amino_hydrophobic_window, AMINO, 6),
    SuiteProgram("bird_same_size_rivals", "birds: same size and not same species (selector_and, not)",
                 bird_same_size_rivals, BIRDS, 6),
    SuiteProgram("zodiac_compatible_signs", "zodiac: same or complementary element (selector_or) width",
                 zodiac_compatible_signs, ZODIAC, 5),
    SuiteProgram("lib_length_percent_story", "story words: make_length percent through, BOS '§' / PAD '¶'",
                 lib_length_percent_story, STORY, 7, compiler_bos="§", compiler_pad="¶"),
    SuiteProgram("lib_sort_tasks_by_deadline", "to-do tasks: make_sort by deadline, BOS '<todo>'",
                 lib_sort_tasks_by_deadline, TASKS, 6, compiler_bos="<todo>", compiler_pad="<done>"),
    SuiteProgram("lib_sort_unique_elevations", "elevations: make_sort_unique on 10e + i, moves, switches (deep)",
                 lib_sort_unique_elevations, ELEVATIONS, 6),
    SuiteProgram("lib_hist_scrabble_unique_points", "scrabble tiles: make_hist, points of sole tiles",
                 lib_hist_scrabble_unique_points, TILES, 7),
    SuiteProgram("lib_shift_sandwich", "sandwich layers: shift_by(1) and shift_by(-1), bread on both sides",
                 lib_shift_sandwich, FILLINGS, 8),
    SuiteProgram("lib_detect_redirect_chain", "HTTP redirects: two detect_pattern (chain, loop)",
                 lib_detect_redirect_chain, REDIRECTS, 8),
    SuiteProgram("lib_pair_balance_sql_transaction", "SQL: make_pair_balance and make_frac_prevs read at 0",
                 lib_pair_balance_sql_transaction, SQL, 7),
    SuiteProgram("lib_count_football_score", "football events: three make_count, margin, VAR",
                 lib_count_football_score, FOOTBALL, 8),
    SuiteProgram("lib_nary_sentence_role", "sentence words: make_nary_sequencemap of tokens, indices, length",
                 lib_nary_sentence_role, SENTENCE, 5),
    SuiteProgram("tuple_rgb_dominated_by", "RGB bit triples: colours covering mine",
                 tuple_rgb_dominated_by, RGB, 6),
    SuiteProgram("float_battery_alive_share", "battery volts: flat share read at 0 (numerical-to-numerical Map)",
                 float_battery_alive_share, VOLTS, 7),
    SuiteProgram("bool_lonely_lights", "bools len 9: lit neighbours within two (selector_and with NEQ)",
                 bool_lonely_lights, BITS, 9),
    SuiteProgram("tide_rank_false_or", "tides: or(FALSE, GT) and and(LEQ, not EQ) widths",
                 tide_rank_false_or, TIDES, 7),
    SuiteProgram("long_recipe_pantry", "ingredients: five widths in a layer, best dish (16 lines)",
                 long_recipe_pantry, PANTRY_INGREDIENTS, 7),
    SuiteProgram("deep_sorted_square_gaps", "squares: sort, previous sorted, gaps, width of big gaps (deep)",
                 deep_sorted_square_gaps, SQUARE_INTS, 6),
    SuiteProgram("causal_git_worktree_state", "causal git commands: four widths in a layer, work-tree state",
                 causal_git_worktree_state, GIT, 7, causal=True),
    SuiteProgram("causal_stock_above_open_share", "causal prices: make_frac_prevs of above the opening price",
                 causal_stock_above_open_share, STOCK, 7, causal=True),
    SuiteProgram("causal_chat_unanswered_questions", "causal chat: open questions, BOS '<s>' / PAD '</s>'",
                 causal_chat_unanswered_questions, CHAT, 7, compiler_bos="<s>", compiler_pad="</s>", causal=True),
    SuiteProgram("causal_float_near_neighbours", "causal floats: earlier readings within 1.0",
                 causal_float_near_neighbours, READINGS, 7, causal=True),
    SuiteProgram("causal_tuple_pantry_stock", "causal (item, ±1) tuples: stock of my item",
                 causal_tuple_pantry_stock, PANTRY, 7, causal=True),
    SuiteProgram("causal_lib_count_log_alerts", "causal log levels: two make_count, BOS '<start>'",
                 causal_lib_count_log_alerts, LOG_LEVELS, 8, compiler_bos="<start>", compiler_pad="<pad>",
                 causal=True),
    SuiteProgram("causal_lib_nary_emoji_trigram", "causal emoji: make_nary_sequencemap of two look-backs",
                 causal_lib_nary_emoji_trigram, EMOJI, 7, causal=True),
    SuiteProgram("causal_keyboard_caps_lock", "causal keys: caps-lock parity and shift",
                 causal_keyboard_caps_lock, KEYS, 8, causal=True),
    SuiteProgram("causal_rpg_battle", "causal RPG moves: five widths and make_length, hit points (18 lines)",
                 causal_rpg_battle, RPG, 6, causal=True),
    SuiteProgram("causal_signed_step_balance", "causal steps: up share - down share (LinearSequenceMap)",
                 causal_signed_step_balance, STEPS, 9, causal=True),
]
