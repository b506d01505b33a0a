"""A moraine suite: held-out Tracr programs, written blind to measure whether TraDe generalises.

Why: the older suites (`tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`, `large/`,
`horizon/`, `outlook/`, `itself/`, `vista/`, `meridian/`, `zenith/`, `bench/`, `summit/`, `drift/`,
`kestrel/`, `lagoon/`, `estuary/`, `fjord/`, `tundra/`, `glacier/`) were read while TraDe was being built, or
were written before this one. These were written afterwards without reading how TraDe reads weights (nothing
under `trade/` but `trade/suites.py`, no tests, reports, benchmarks or checkpoints), as small tasks an
interpretability researcher might compile to study a circuit, each with its own lambdas (no lambda library),
chosen not to repeat the tasks named in the older suites' READMEs. Where glacier stayed at max_seq_len 5..9 and
vocabularies of 2..8, this suite stresses:

- long sequences over small vocabularies (max_seq_len 10 to 12: Morse, barcodes, knitting, tennis serves,
  heartbeats, a metronome, Morse letters) and large vocabularies over short ones (10 to 14 tokens at
  max_seq_len 4 or 5: constellations, bingo calls, keyboard shortcuts, exam scores, groceries, weather emoji);
- tokens that are strings with spaces and punctuation ('221B Baker St.', "who's there?", "rock 'n' roll",
  'Ctrl+Shift+T', ' '), mixed-case strings, negative floats, large ints (int32 limits, UNIX timestamps);
- Maps over `indices`, Selects whose keys are indices and queries a token-derived SOp (clamped pointers, a
  five-hop pointer chase) and the other way round (tokens naming positions);
- several numerical Aggregates (means of 0/1 values) in one layer, numerical Maps read at 0 of a mean,
  LinearSequenceMaps (one with coefficients 2 and -1), categorical SequenceMaps with large output tables;
- nested `selector_and` / `selector_or` / `selector_not`, only over Selects with the same keys and queries;
- `lib` in new combinations: `make_shuffle_dyck` of one pair among noise, `make_sort_freq`, `make_sort` with
  negative float keys, `make_sort_unique` feeding a median pointer from `make_length`, `make_hist` with
  `make_length` in large SequenceMap tables, `make_count` of a Map, `detect_pattern` with `shift_by` and
  (causal) alone, `make_pair_balance` in a `make_nary_sequencemap` with a Map over indices, `make_frac_prevs`
  twice under a custom BOS and once read at 0.

Causal=True for ten; custom BOS / PAD for four (two causal). Every comparison is used (EQ, LT, LEQ, GT, GEQ,
NEQ, TRUE, FALSE). README.md has the measurements.

Pitfalls of the older suites avoided: categorical Aggregates select exactly one position (clamped look-backs,
clamped pointers, a sort over unique keys, a median index below the length) except `shift_by` /
`detect_pattern`, whose None reaches only SequenceMaps that accept it and the output; no SelectorWidth past
max_seq_len 9 (the long programs use means and look-backs only); means of 0/1 values only;
numerical-to-categorical Maps only of a mean or a balance, read at 0; no numerical SequenceMap (flags are made
numerical through a Map); every lambda accepts every combination of its inputs' value sets.
Changed while writing: `bingo_hist_length_table` (d_model 610), `lib_count_ticket_case` (531) and
`number_words_name_positions` (387) were first one `make_nary_sequencemap` each, whose nested tuple SOps multiply
value sets; as plain SequenceMaps they are 202, 188 and 60. `lib_shuffle_dyck_braces` with both pairs '()' and
'{}' was 31 lines and 9 layers; with '{}' alone 19 and 7. `causal_grocery_cart`'s price comparison became a
lambda on the tokens so that its two widths share a layer.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

MORSE = (".", "-")
BARCODE = ("|", " ")
STITCHES = ("k", "p", "yo")
SERVES = ("ace", "fault", "in")
CONSTELLATIONS = ("Orion", "Taurus", "Gemini", "Leo", "Virgo", "Bootes", "Lyra", "Cygnus", "Aquila",
                  "Scorpius", "Pegasus", "Andromeda", "Perseus", "Crux")
SEASON = {"Orion": "winter", "Taurus": "winter", "Gemini": "winter", "Leo": "spring", "Virgo": "spring",
          "Bootes": "spring", "Crux": "spring", "Lyra": "summer", "Cygnus": "summer", "Aquila": "summer",
          "Scorpius": "summer", "Pegasus": "autumn", "Andromeda": "autumn", "Perseus": "autumn"}
SOUTHERN = ("Scorpius", "Crux")
BINGO = ("B 1", "B 7", "I 16", "I 22", "N 31", "N 40", "G 48", "G 55", "O 61", "O 75", "FREE", "B 12")
SHORTCUTS = ("Ctrl+C", "Ctrl+V", "Ctrl+Z", "Alt+Tab", "Cmd+Q", "F5", "Esc", "Ctrl+Shift+T", "Win+D", "Del")
INT32 = (2147483647, -2147483648, 65536, 1000000007, 0, -1)
THERMO = (-2.5, -0.75, -0.1, 0.0, 1.25)
FRUIT_CASE = ("Apple", "apple", "APPLE", "Pear", "pear", "PEAR")
ADDRESS = ("c/o Holmes", "221B Baker St.", "London,", "NW1 6XE", "UK")
ADDRESS_SLOT = {"c/o Holmes": 0, "221B Baker St.": 1, "London,": 2, "NW1 6XE": 3, "UK": 4}
BRACES = ("(", ")", "{", "}")
JOKE = ("knock knock", "who's there?", "Lettuce.", "Lettuce who?")
PARKING = ("enter", "exit", "pay", "lost ticket")
COLD = (-2.5, -1.0, -0.25, 0.5, 3.0)
TICKETS = ("Open", "open", "OPEN", "Closed", "WONTFIX")
SCORES = (40, 46, 52, 58, 64, 70, 76, 82, 88, 94, 100)
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five")
WORD_VALUE = {w: v for v, w in enumerate(NUMBER_WORDS)}
PIZZA = ("margherita", "pepperoni", "vegan", "gluten-free", "extra cheese")
POINTERS = (0, 1, 2, 3, 4, 5)
HEART = ("beat", "miss")
GROCERIES = ("milk", "eggs", "bread", "rice", "tofu", "salmon", "steak", "kale", "tea", "coffee", "cheese",
             "olive oil")
PRICE = {"milk": 1, "eggs": 3, "bread": 2, "rice": 2, "tofu": 3, "salmon": 9, "steak": 12, "kale": 2, "tea": 4,
         "coffee": 7, "cheese": 6, "olive oil": 8}
GAUGE = (-3.5, -1.25, -0.5, 0.0, 2.75)
SHOUT = ("hey", "HEY", "ok", "OK")
MORSE_WORDS = ("dot", "dash", "gap")
GPT_WORDS = ("the", "a", "cat", "sat", ",", ".")
WEATHER = ("☀️", "⛅", "☁️", "🌧️", "⛈️", "🌨️", "🌫️", "🌈", "🌪️", "❄️")
BEATS = ("tick", "tock", "rest")
TIMESTAMPS = (1699999999, 1700000000, 1700003600, 1700086400, 1893456000)
GENRES = ("hip hop", "lo-fi", "k-pop", "rock 'n' roll", "r&b", "drum & bass")
GENRE_FAMILY = {"hip hop": "urban", "r&b": "urban", "lo-fi": "chill", "drum & bass": "electronic",
                "k-pop": "pop", "rock 'n' roll": "rock"}


def _clamped_back(name: str, steps: int = 1) -> rasp.Selector:
    return rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - steps, 0)).named(name)


# --- non-causal: long sequences, large vocabularies ---------------------------------------------------------


def morse_dash_balance_len12() -> rasp.SOp:
    """Morse '.' / '-' at max_seq_len 12: the share of dashes strictly before me (LT mean) and strictly after
    me (GT mean), two numerical Aggregates in one layer, and before - after as a LinearSequenceMap."""
    dash = rasp.numerical(rasp.Map(lambda s: 1 if s == "-" else 0, rasp.tokens)).named("md_dash")
    before = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named(
        "md_before_sel"), dash, default=0)).named("md_before")
    after = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT).named(
        "md_after_sel"), dash, default=0)).named("md_after")
    return rasp.numerical(rasp.LinearSequenceMap(before, after, 1, -1)).named("md_balance")


def barcode_edges_len12() -> rasp.SOp:
    """Barcode cells '|' and ' ' (a space token) at max_seq_len 12: a clamped previous-cell head, an edge where
    the cell changes, and a Map over indices marking guard columns (every fourth): 'guard edge', '·', ..."""
    prev = rasp.Aggregate(_clamped_back("bc_prev_sel"), rasp.tokens).named("bc_prev")
    edge = rasp.SequenceMap(lambda t, p: t != p, rasp.tokens, prev).named("bc_edge")
    guard = rasp.Map(lambda i: i % 4 == 0, rasp.indices).named("bc_guard")
    return rasp.SequenceMap(lambda e, g: ("guard edge" if g else "edge") if e else ("guard" if g else "·"), edge,
                            guard).named("bc_out")


def knitting_repeat_len10() -> rasp.SOp:
    """Knitting stitches k / p / yo at max_seq_len 10: the first stitch of my three-stitch repeat (a Map over
    indices as the query of an index Select), a look-back of two after a yarn-over else one (a token-derived
    query, clamped at 0), two heads in one layer, and `make_nary_sequencemap` of the three."""
    start = rasp.Map(lambda i: i - i % 3, rasp.indices).named("kn_start")
    first = rasp.Aggregate(rasp.Select(rasp.indices, start, rasp.Comparison.EQ).named("kn_first_sel"),
                           rasp.tokens).named("kn_first")
    back = rasp.SequenceMap(lambda t, i: max(i - (2 if t == "yo" else 1), 0), rasp.tokens, rasp.indices).named(
        "kn_back")
    anchor = rasp.Aggregate(rasp.Select(rasp.indices, back, rasp.Comparison.EQ).named("kn_anchor_sel"),
                            rasp.tokens).named("kn_anchor")

    def read(t: str, f: str, a: str) -> str:
        if t == "yo":
            return "eyelet" if a == "k" else "loose yo"
        return "=" if t == f else f"{f}>{t}"

    return lib.make_nary_sequencemap(read, rasp.tokens, first, anchor).named("kn_out")


def serve_faults_ahead_len11() -> rasp.SOp:
    """Tennis serves ace / fault / in at max_seq_len 11: the share of faults at or after me (a GEQ mean on
    indices) read at 0 by a numerical-to-categorical Map (a clean finish), with my serve: 'ace, clean' ..."""
    fault = rasp.numerical(rasp.Map(lambda s: 1 if s == "fault" else 0, rasp.tokens)).named("sf_fault")
    ahead = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ).named(
        "sf_ahead_sel"), fault, default=0)).named("sf_ahead")
    clean = rasp.categorical(rasp.Map(lambda x: x == 0, ahead)).named("sf_clean")
    return rasp.SequenceMap(lambda s, c: f"{s}, clean" if c else f"{s}, faults ahead", rasp.tokens, clean).named(
        "sf_out")


def constellation_season_mates() -> rasp.SOp:
    """14 constellations at max_seq_len 4: a width of `selector_and(selector_or(same season, both southern),
    selector_not(EQ))`, the other listed constellations seen with mine: 'alone' or '2 mates'."""
    season = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: SEASON[k] == SEASON[q]).named("cs_season_sel")
    south = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k in SOUTHERN and q in SOUTHERN).named(
        "cs_south_sel")
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("cs_same_sel")
    mates_sel = rasp.selector_and(rasp.selector_or(season, south).named("cs_sky_sel"),
                                  rasp.selector_not(same).named("cs_other_sel")).named("cs_mates_sel")
    mates = rasp.SelectorWidth(mates_sel).named("cs_mates")
    return rasp.Map(lambda m: "alone" if m == 0 else f"{m} mates", mates).named("cs_out")


def bingo_hist_length_table() -> rasp.SOp:
    """12 bingo calls ('B 7', 'FREE', ...) at max_seq_len 5 under BOS 'BINGO!' / PAD '—': `make_hist`, a
    categorical SequenceMap of the call and its count (a 72-entry table, 'N 31×2'), and a second one with
    `make_length` naming the column, a repeat and the number of calls ('N dup 4')."""
    hist = lib.make_hist().named("bg_hist")
    n = lib.make_length().named("bg_n")

    seen = rasp.SequenceMap(lambda t, h: f"{t}×{h}", rasp.tokens, hist).named("bg_seen")
    return rasp.SequenceMap(
        lambda c, m: f"{c.split()[0]} dup {m}" if not c.endswith("×1") else f"{c.split()[0]} {m}", seen,
        n).named("bg_out")


def lib_sort_freq_shortcuts() -> rasp.SOp:
    """10 keyboard shortcuts ('Ctrl+Shift+T', 'F5', ...) at max_seq_len 5: `make_sort_freq` (most pressed
    first) and, against my own shortcut, '=' or the last key of the one sorted into my slot."""
    by_freq = lib.make_sort_freq(max_seq_len=5).named("kf_sorted")
    return rasp.SequenceMap(lambda s, t: "=" if s == t else s.split("+")[-1], by_freq, rasp.tokens).named(
        "kf_out")


def int32_limits_rank() -> rasp.SOp:
    """Large ints {2^31 - 1, -2^31, 65536, 10^9 + 7, 0, -1}: a GEQ width (at least mine, me included) and an
    LT width (smaller) in one layer, an int16-fit Map, and `make_nary_sequencemap`: 'i32 2 below 1 above'."""
    at_least = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named(
        "il_geq_sel")).named("il_at_least")
    below = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named(
        "il_lt_sel")).named("il_below")
    fits = rasp.Map(lambda x: -32768 <= x <= 32767, rasp.tokens).named("il_fits16")
    return lib.make_nary_sequencemap(
        lambda f, a, b: f"{'i16' if f else 'i32'} {b} below {max(a - 1, 0)} above", fits, at_least, below).named(
        "il_out")


def thermostat_subzero_share() -> rasp.SOp:
    """Negative floats {-2.5, -0.75, -0.1, 0.0, 1.25}: among the readings at most as warm as mine (an LEQ
    Select on the tokens, me included), the share below zero, a numerical output."""
    sub = rasp.numerical(rasp.Map(lambda t: 1 if t < 0 else 0, rasp.tokens)).named("th_sub")
    colder = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ).named("th_colder_sel")
    return rasp.numerical(rasp.Aggregate(colder, sub, default=0)).named("th_share")


def mixed_case_spellings() -> rasp.SOp:
    """Mixed-case words Apple / apple / APPLE / Pear / pear / PEAR: a width of `selector_and(same word ignoring
    case, NEQ)` (other spellings) and one of shouted spellings of other words, two heads in one layer."""
    same_word = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k.lower() == q.lower()).named("mc_word_sel")
    differ = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ).named("mc_neq_sel")
    variants = rasp.SelectorWidth(rasp.selector_and(same_word, differ).named("mc_variant_sel")).named(
        "mc_variants")
    loud = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens,
                                          lambda k, q: k.isupper() and k.lower() != q.lower()).named(
        "mc_loud_sel")).named("mc_loud")
    return rasp.SequenceMap(
        lambda v, l: ("consistent" if v == 0 else f"{v} variants") + (" among shouting" if l else ""), variants,
        loud).named("mc_out")


def address_slot_check() -> rasp.SOp:
    """Address parts with spaces and punctuation ('221B Baker St.', 'London,', ...) under BOS '<addr>' / PAD
    '</addr>': a Select whose keys are the indices and whose query is my part's slot (clamped to my index),
    reading the part that sits there: 'in place' or 'after London,'."""
    want = rasp.SequenceMap(lambda t, i: min(ADDRESS_SLOT[t], i), rasp.tokens, rasp.indices).named("ad_want")
    there = rasp.Aggregate(rasp.Select(rasp.indices, want, rasp.Comparison.EQ).named("ad_there_sel"),
                           rasp.tokens).named("ad_there")
    return rasp.SequenceMap(lambda t, w: "in place" if t == w else f"after {w}", rasp.tokens, there).named(
        "ad_out")


def lib_shuffle_dyck_braces() -> rasp.SOp:
    """Braces ( ) { } at max_seq_len 8: `make_shuffle_dyck` of '{}' alone (curly braces balanced, round ones
    ignored), with my brace: '( ok' or '} broken'. (Both pairs gave 31 lines and 9 layers.)"""
    balanced = lib.make_shuffle_dyck(["{}"]).named("sd_balanced")
    return rasp.SequenceMap(lambda b, t: f"{t} ok" if b else f"{t} broken", balanced, rasp.tokens).named("sd_out")


def lib_detect_knock_knock() -> rasp.SOp:
    """Joke lines with spaces and punctuation: `detect_pattern` of the three-line setup and `shift_by(1)` of
    the tokens (the line before), combined with my line: 'setup', 'punchline', 'heckle' or '-'."""
    setup = lib.detect_pattern(rasp.tokens, ["knock knock", "who's there?", "Lettuce."]).named("kk_setup")
    before = lib.shift_by(1, rasp.tokens).named("kk_before")
    cue = rasp.SequenceMap(lambda s, b: "setup" if s else ("after name" if b == "Lettuce." else "-"), setup,
                           before).named("kk_cue")
    return rasp.SequenceMap(
        lambda c, t: "setup" if c == "setup" else (
            ("punchline" if t == "Lettuce who?" else "heckle") if c == "after name" else "-"), cue,
        rasp.tokens).named("kk_out")


def lib_pair_balance_parking() -> rasp.SOp:
    """Car park events enter / exit / pay / 'lost ticket': `make_pair_balance` of enter and exit read at 0
    by a numerical-to-categorical Map, a Map over indices (the first two events are free), and my event."""
    balance = lib.make_pair_balance(rasp.tokens, "enter", "exit").named("pk_balance")
    state = rasp.categorical(rasp.Map(lambda x: "cars in" if x > 0 else ("ghost exit" if x < 0 else "empty"),
                                      balance)).named("pk_state")
    free = rasp.Map(lambda i: i < 2, rasp.indices).named("pk_free")
    return lib.make_nary_sequencemap(
        lambda s, f, t: s if t != "pay" else ("free ride" if f else ("pay ok" if s == "cars in" else "pay nobody")),
        state, free, rasp.tokens).named("pk_out")


def lib_sort_negative_floats_desc() -> rasp.SOp:
    """Floats {-2.5, -1.0, -0.25, 0.5, 3.0}: `make_sort` keyed by a negating Map (warmest first, ties in
    order, min_key 0.5 under the gap of 0.75) and how the sorted reading in my slot compares with mine."""
    key = rasp.Map(lambda x: -x, rasp.tokens).named("nf_key")
    ordered = lib.make_sort(rasp.tokens, key, max_seq_len=6, min_key=0.5).named("nf_sorted")
    return rasp.SequenceMap(lambda s, t: "same" if s == t else ("warmer" if s > t else "colder"), ordered,
                            rasp.tokens).named("nf_out")


def lib_count_ticket_case() -> rasp.SOp:
    """Ticket states Open / open / OPEN / Closed / WONTFIX: `make_count` of a lower-casing Map ('open' in any
    case) and of WONTFIX, and `make_length`, in two SequenceMaps (a 42-entry table): '3/5 open (wontfix)'."""
    lower = rasp.Map(lambda t: t.lower(), rasp.tokens).named("tc_lower")
    opens = lib.make_count(lower, "open").named("tc_open")
    wont = lib.make_count(rasp.tokens, "WONTFIX").named("tc_wontfix")
    n = lib.make_length().named("tc_n")
    status = rasp.SequenceMap(lambda o, m: f"{o}/{m} open", opens, n).named("tc_status")
    return rasp.SequenceMap(lambda s, w: s + (" (wontfix)" if w else ""), status, wont).named("tc_out")


def lib_sort_unique_exam_median() -> rasp.SOp:
    """11 exam scores 40..100 at max_seq_len 5: `make_sort_unique` keyed by score + index / 10, the middle
    slot (length - 1) // 2 from `make_length` as the query of an index Select, and mine against the median."""
    key = rasp.SequenceMap(lambda s, i: s + i / 10, rasp.tokens, rasp.indices).named("em_key")
    ordered = lib.make_sort_unique(rasp.tokens, key).named("em_sorted")
    n = lib.make_length().named("em_n")
    middle = rasp.Map(lambda m: (m - 1) // 2, n).named("em_middle")
    median = rasp.Aggregate(rasp.Select(rasp.indices, middle, rasp.Comparison.EQ).named("em_median_sel"),
                            ordered).named("em_median")
    return rasp.SequenceMap(lambda t, md: "above" if t > md else ("median" if t == md else "below"), rasp.tokens,
                            median).named("em_out")


def number_words_name_positions() -> rasp.SOp:
    """Number words zero..five: a width of a Select whose keys are the words' values and whose queries are the
    indices (how many words name my position) and one of indices below my value (keys indices, queries the
    value), two heads in one layer: 'named 2×', 'points past the end', ..."""
    value = rasp.Map(lambda w: WORD_VALUE[w], rasp.tokens).named("nw_value")
    naming = rasp.SelectorWidth(rasp.Select(value, rasp.indices, rasp.Comparison.EQ).named("nw_name_sel")).named(
        "nw_naming")
    reach = rasp.SelectorWidth(rasp.Select(rasp.indices, value, rasp.Comparison.LT).named("nw_reach_sel")).named(
        "nw_reach")
    named = rasp.Map(lambda c: "unnamed" if c == 0 else f"named {c}×", naming).named("nw_named")
    past = rasp.SequenceMap(lambda v, r: r != v, value, reach).named("nw_past")
    return rasp.SequenceMap(lambda a, p: a + (", points past the end" if p else ""), named, past).named("nw_out")


def long_pizza_order_flags() -> rasp.SOp:
    """Pizza orders: four means of 0/1 flags under one TRUE Select (four heads in one layer), each read at 0 by
    a numerical-to-categorical Map, then a vegan-cheese clash and the ovens needed (16 lines)."""
    everyone = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("pz_all")

    def present(name: str, test) -> rasp.SOp:
        flag = rasp.numerical(rasp.Map(lambda t: 1 if test(t) else 0, rasp.tokens)).named(f"pz_{name}_flag")
        share = rasp.numerical(rasp.Aggregate(everyone, flag, default=0)).named(f"pz_{name}_share")
        return rasp.categorical(rasp.Map(lambda x: x > 0, share)).named(f"pz_{name}")

    meat = present("meat", lambda t: t == "pepperoni")
    vegan = present("vegan", lambda t: t == "vegan")
    gluten_free = present("gf", lambda t: t == "gluten-free")
    cheese = present("cheese", lambda t: t in ("extra cheese", "margherita"))
    clash = rasp.SequenceMap(lambda v, c: v and c, vegan, cheese).named("pz_clash")
    ovens = rasp.SequenceMap(lambda m, g: "two ovens" if m and g else ("gf oven" if g else "one oven"), meat,
                             gluten_free).named("pz_ovens")
    return rasp.SequenceMap(lambda c, o: f"{o}, clean the cutter" if c else o, clash, ovens).named("pz_out")


def deep_pointer_chase_five_hops() -> rasp.SOp:
    """Pointers 0..5: five hops, each a Select whose keys are the indices and whose query is the pointer read
    so far clamped to my index, and 'home' when the fifth hop lands on me (6 layers)."""
    pointer = rasp.tokens
    for hop in range(1, 6):
        target = rasp.SequenceMap(lambda p, i: min(p, i), pointer, rasp.indices).named(f"pc_target{hop}")
        pointer = rasp.Aggregate(rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named(f"pc_sel{hop}"),
                                 rasp.tokens).named(f"pc_hop{hop}")
    return rasp.SequenceMap(lambda p, i: "home" if p == i else f"→{p}", pointer, rasp.indices).named("pc_out")


# --- causal=True -------------------------------------------------------------------------------------------


def causal_heartbeat_len12() -> rasp.SOp:
    """causal=True, beat / miss at max_seq_len 12: `make_frac_prevs` of misses read at 0 (any miss so far), a
    clamped previous-beat head, and 'flatline' (two misses running), 'arrhythmia' or 'sinus'."""
    missed = lib.make_frac_prevs(rasp.Map(lambda t: t == "miss", rasp.tokens).named("hb_is_miss")).named(
        "hb_missed")
    ever = rasp.categorical(rasp.Map(lambda x: x > 0, missed)).named("hb_ever")
    prev = rasp.Aggregate(_clamped_back("hb_prev_sel"), rasp.tokens).named("hb_prev")
    return lib.make_nary_sequencemap(
        lambda t, p, e: "flatline" if t == p == "miss" else ("arrhythmia" if e else "sinus"), rasp.tokens, prev,
        ever).named("hb_out")


def causal_grocery_cart() -> rasp.SOp:
    """causal=True, 12 groceries at max_seq_len 5: an EQ width (the how-many-th of my item) and a width on
    price (items so far at least as dear, a price lambda), two heads in one layer: '#2, top 3'."""
    again = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "gc_again_sel")).named("gc_again")
    dearer = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: PRICE[k] >= PRICE[q]).named(
        "gc_dear_sel")).named("gc_dearer")
    return rasp.SequenceMap(lambda a, d: f"#{a}, top {d}", again, dearer).named("gc_out")


def causal_float_echo_after_peak() -> rasp.SOp:
    """causal=True, negative floats {-3.5, -1.25, -0.5, 0.0, 2.75}: a GT width (earlier higher readings) and
    an EQ width (repeats of mine) in one layer: 'echo', 'dip' or 'peak'."""
    higher = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "fe_gt_sel")).named("fe_higher")
    same = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "fe_eq_sel")).named("fe_same")
    return rasp.SequenceMap(lambda h, s: "echo" if s > 1 else ("dip" if h > 0 else "peak"), higher, same).named(
        "fe_out")


def causal_shouting_share_len9() -> rasp.SOp:
    """causal=True, hey / HEY / ok / OK at max_seq_len 9: prefix shares of shouted words and of 'ok' in any
    case (two TRUE means in one layer) and 2 × shouted - ok as a LinearSequenceMap, a numerical output."""
    loud = rasp.numerical(rasp.Map(lambda t: 1 if t.isupper() else 0, rasp.tokens)).named("sh_loud")
    okay = rasp.numerical(rasp.Map(lambda t: 1 if t.lower() == "ok" else 0, rasp.tokens)).named("sh_ok")
    every = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("sh_all")
    loud_share = rasp.numerical(rasp.Aggregate(every, loud, default=0)).named("sh_loud_share")
    ok_share = rasp.numerical(rasp.Aggregate(every, okay, default=0)).named("sh_ok_share")
    return rasp.numerical(rasp.LinearSequenceMap(loud_share, ok_share, 2, -1)).named("sh_heat")


def causal_lib_detect_morse_o_len10() -> rasp.SOp:
    """causal=True, dot / dash / gap at max_seq_len 10: `detect_pattern` of dash dash dash (the letter O)
    compiled causal, with my symbol: 'O', 'space' or '·' (None at the first two positions)."""
    letter_o = lib.detect_pattern(rasp.tokens, ["dash", "dash", "dash"]).named("mo_o")
    return rasp.SequenceMap(lambda o, t: "O" if o else ("space" if t == "gap" else "·"), letter_o,
                            rasp.tokens).named("mo_out")


def causal_lib_frac_prevs_gpt_bos() -> rasp.SOp:
    """causal=True under BOS '<|endoftext|>' / PAD '<|pad|>', words and punctuation: `make_frac_prevs` of
    stopwords and of punctuation (two means in one layer) summed by a LinearSequenceMap (the share of
    non-content tokens so far), a numerical output."""
    stop = lib.make_frac_prevs(rasp.Map(lambda t: t in ("the", "a"), rasp.tokens).named("gp_is_stop")).named(
        "gp_stop")
    punct = lib.make_frac_prevs(rasp.Map(lambda t: t in (",", "."), rasp.tokens).named("gp_is_punct")).named(
        "gp_punct")
    return rasp.numerical(rasp.LinearSequenceMap(stop, punct, 1, 1)).named("gp_filler")


def causal_lib_hist_weather_custom_bos() -> rasp.SOp:
    """causal=True under BOS '⟨s⟩' / PAD '⟨p⟩', 10 weather emoji at max_seq_len 5: `make_hist` (days of my
    weather so far) and `make_count` of ⛈️ (storms so far): 'storm warning', 'spell of 3' or 'new'."""
    hist = lib.make_hist().named("wh_hist")
    storms = lib.make_count(rasp.tokens, "⛈️").named("wh_storms")
    return rasp.SequenceMap(
        lambda h, s: "storm warning" if s >= 2 else (f"spell of {h}" if h > 1 else "new"), hist, storms).named(
        "wh_out")


def causal_metronome_len11() -> rasp.SOp:
    """causal=True, tick / tock / rest at max_seq_len 11: the expected beat by a Map over indices, an on-beat
    flag (a rest counts) made numerical through a Map, and its prefix share under TRUE, a numerical output."""
    expected = rasp.Map(lambda i: "tick" if i % 2 == 0 else "tock", rasp.indices).named("mt_expected")
    on = rasp.SequenceMap(lambda t, e: t == e or t == "rest", rasp.tokens, expected).named("mt_on")
    on_num = rasp.numerical(rasp.Map(lambda b: 1 if b else 0, on)).named("mt_on_num")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "mt_all"), on_num, default=0)).named("mt_share")


def causal_timestamps_out_of_order() -> rasp.SOp:
    """causal=True, UNIX timestamps (large ints 1699999999..1893456000): a GT width (earlier events stamped
    later than mine) and a width of events within the hour before mine, two heads: 'late by 2', '1 in hour'."""
    later = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "ts_gt_sel")).named("ts_later")
    hour = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: 0 <= q - k <= 3600).named(
        "ts_hour_sel")).named("ts_hour")
    return rasp.SequenceMap(lambda l, h: f"late by {l}" if l else f"{h} in hour", later, hour).named("ts_out")


def causal_playlist_family_false_or() -> rasp.SOp:
    """causal=True, genres with spaces and punctuation ('rock \\'n\\' roll', 'r&b', ...): a width of
    `selector_or(FALSE, selector_and(same family, selector_not(EQ)))`, earlier songs of my family but another
    genre: 'fresh' or 'segue 2'."""
    never = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.FALSE).named("pl_never")
    family = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: GENRE_FAMILY[k] == GENRE_FAMILY[q]).named(
        "pl_family_sel")
    repeat = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("pl_repeat_sel")
    sel = rasp.selector_or(never, rasp.selector_and(family, rasp.selector_not(repeat).named(
        "pl_new_sel")).named("pl_kin_sel")).named("pl_sel")
    kin = rasp.SelectorWidth(sel).named("pl_kin")
    return rasp.Map(lambda k: "fresh" if k == 0 else f"segue {k}", kin).named("pl_out")


PROGRAMS = [
    SuiteProgram("morse_dash_balance_len12", "Morse len 12: LT and GT dash means, before - after",
                 morse_dash_balance_len12, MORSE, 12),
    SuiteProgram("barcode_edges_len12", "barcode '|' / ' ' len 12: previous cell, edges, guard Map on indices",
                 barcode_edges_len12, BARCODE, 12),
    SuiteProgram("knitting_repeat_len10", "stitches len 10: repeat start (index Map) and token-derived look-back",
                 knitting_repeat_len10, STITCHES, 10),
    SuiteProgram("serve_faults_ahead_len11", "tennis serves len 11: GEQ fault mean read at 0",
                 serve_faults_ahead_len11, SERVES, 11),
    SuiteProgram("constellation_season_mates", "14 constellations: and(or(season, south), not EQ) width",
                 constellation_season_mates, CONSTELLATIONS, 4),
    SuiteProgram("bingo_hist_length_table", "12 bingo calls: hist, length, 72-entry tables, BOS 'BINGO!'",
                 bingo_hist_length_table, BINGO, 5, compiler_bos="BINGO!", compiler_pad="—"),
    SuiteProgram("lib_sort_freq_shortcuts", "10 keyboard shortcuts: make_sort_freq",
                 lib_sort_freq_shortcuts, SHORTCUTS, 5),
    SuiteProgram("int32_limits_rank", "int32 limits: GEQ and LT widths, int16 fit",
                 int32_limits_rank, INT32, 6),
    SuiteProgram("thermostat_subzero_share", "negative floats: subzero share under LEQ on tokens",
                 thermostat_subzero_share, THERMO, 7),
    SuiteProgram("mixed_case_spellings", "mixed case: and(same word, NEQ) width beside a shouting width",
                 mixed_case_spellings, FRUIT_CASE, 6),
    SuiteProgram("address_slot_check", "address parts: index keys, token-slot query, BOS '<addr>'",
                 address_slot_check, ADDRESS, 7, compiler_bos="<addr>", compiler_pad="</addr>"),
    SuiteProgram("lib_shuffle_dyck_braces", "braces: make_shuffle_dyck of {} with ( ) as noise",
                 lib_shuffle_dyck_braces, BRACES, 8),
    SuiteProgram("lib_detect_knock_knock", "knock-knock lines: detect_pattern of the setup and shift_by(1)",
                 lib_detect_knock_knock, JOKE, 8),
    SuiteProgram("lib_pair_balance_parking", "car park: make_pair_balance read at 0, index Map",
                 lib_pair_balance_parking, PARKING, 8),
    SuiteProgram("lib_sort_negative_floats_desc", "floats: make_sort descending by a negating Map",
                 lib_sort_negative_floats_desc, COLD, 6),
    SuiteProgram("lib_count_ticket_case", "tickets: make_count of a lower-casing Map, make_length",
                 lib_count_ticket_case, TICKETS, 6),
    SuiteProgram("lib_sort_unique_exam_median", "11 exam scores: make_sort_unique, median by make_length",
                 lib_sort_unique_exam_median, SCORES, 5),
    SuiteProgram("number_words_name_positions", "number words: value keys / index queries and the reverse",
                 number_words_name_positions, NUMBER_WORDS, 6),
    SuiteProgram("long_pizza_order_flags", "pizza orders: four TRUE means in a layer, each read at 0 (16 lines)",
                 long_pizza_order_flags, PIZZA, 7),
    SuiteProgram("deep_pointer_chase_five_hops", "pointers: five clamped hops (deep)",
                 deep_pointer_chase_five_hops, POINTERS, 6),
    SuiteProgram("causal_heartbeat_len12", "causal beats len 12: make_frac_prevs read at 0, previous beat",
                 causal_heartbeat_len12, HEART, 12, causal=True),
    SuiteProgram("causal_grocery_cart", "causal 12 groceries: EQ and GEQ-on-price widths",
                 causal_grocery_cart, GROCERIES, 5, causal=True),
    SuiteProgram("causal_float_echo_after_peak", "causal negative floats: GT and EQ widths",
                 causal_float_echo_after_peak, GAUGE, 7, causal=True),
    SuiteProgram("causal_shouting_share_len9", "causal hey/HEY/ok/OK: 2 × shouted - ok (LinearSequenceMap)",
                 causal_shouting_share_len9, SHOUT, 9, causal=True),
    SuiteProgram("causal_lib_detect_morse_o_len10", "causal Morse len 10: detect_pattern of dash dash dash",
                 causal_lib_detect_morse_o_len10, MORSE_WORDS, 10, causal=True),
    SuiteProgram("causal_lib_frac_prevs_gpt_bos", "causal words: two make_frac_prevs summed, BOS '<|endoftext|>'",
                 causal_lib_frac_prevs_gpt_bos, GPT_WORDS, 7, compiler_bos="<|endoftext|>",
                 compiler_pad="<|pad|>", causal=True),
    SuiteProgram("causal_lib_hist_weather_custom_bos", "causal 10 weather emoji: make_hist, make_count, BOS '⟨s⟩'",
                 causal_lib_hist_weather_custom_bos, WEATHER, 5, compiler_bos="⟨s⟩", compiler_pad="⟨p⟩",
                 causal=True),
    SuiteProgram("causal_metronome_len11", "causal beats len 11: on-beat share (index Map, TRUE mean)",
                 causal_metronome_len11, BEATS, 11, causal=True),
    SuiteProgram("causal_timestamps_out_of_order", "causal UNIX timestamps: GT width, within-the-hour width",
                 causal_timestamps_out_of_order, TIMESTAMPS, 7, causal=True),
    SuiteProgram("causal_playlist_family_false_or", "causal genres: or(FALSE, and(family, not EQ)) width",
                 causal_playlist_family_false_or, GENRES, 6, causal=True),
]
