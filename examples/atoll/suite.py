"""An atoll suite: held-out Tracr programs, written blind to measure whether TraDe generalises.

Why: the older suites (`tracr_lib/` ... `moraine/`, `caldera/`) were read while TraDe was being built, or were
written before this one. These were written afterwards without reading how TraDe reads weights (nothing under
`trade/` but `trade/suites.py`, no tests, reports, benchmarks or checkpoints), as small tasks an
interpretability researcher might compile to study a circuit, each with its own lambdas (no lambda library and
no `lib.py`). Where the older suites lean on `lib.py`, vocabularies of 3 to 14 tokens and max_seq_len 4 to 9,
atoll stresses:

- vocabularies at the edges: two tokens (H / T, '0' / '1', yes / no, up / down, cat / dog, L / R, coin / push,
  ping / pong, Q / A) at max_seq_len 2 to 14, and 20 to 31 tokens (NATO words, '00'..'23' hours, ordinal days
  '1st'..'31st', IATA airport codes, element symbols, ':emoji:' shortcodes) at max_seq_len 3 to 6;
- tokens that look like numbers or punctuation ('42', '-3', '1e3', '0.5', '+1', '$100', '+', '*', '='),
  multi-character word tokens (HTTP methods, git verbs, SI prefixes, chess moves 'O-O-O', '&amp;');
- one-line programs (a Map to bools, to negative ints; a SequenceMap(tokens, indices) to floats) beside long
  chains: an unrolled finite-state machine (8 layers) and a doubling scan (a running max, 6 layers);
- every comparison (EQ, LT, LEQ, GT, GEQ, NEQ, TRUE, FALSE), `selector_or` / `selector_not` / `selector_and`;
- SelectorWidth as the output, as Select keys and queries, numerical, at max_seq_len 3 to 9; four heads in
  one layer; categorical Aggregates that pick exactly one position (position 0, clamped look-backs, a sort,
  a first occurrence); means of 0/1 flags under every index comparison; numerical Maps chained with
  `simplify=False`; LinearSequenceMaps; Map outputs that are strings, bools, negative ints and floats.

Causal=True for nine. Pitfalls avoided (from caldera's and moraine's lists): categorical Aggregates select
exactly one position; numerical-to-numerical / numerical-to-categorical Maps only where every actual input
value lies in Tracr's inferred value set (a categorical-to-numerical Map's outputs, a mean at max_seq_len 2)
or the Map is read at 0; categorical-to-numerical Maps have non-negative outputs; no numerical SequenceMap;
every lambda accepts every combination of its inputs' value sets. Found while writing: a categorical
Aggregate whose value set is wider than its Select's key and query spaces fails to assemble (numpy "could not
broadcast (n, 24) into (n, 7)"): the two position-0 look-ups of 7 and 24 values use the tokens as queries.
"""

from tracr.rasp import rasp

from trade.suites import SuiteProgram

# --- vocabularies -------------------------------------------------------------------------------------------

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
WEATHER_WORDS = ("freezing", "cold", "cool", "mild", "warm", "hot")
CELSIUS = {"freezing": -10, "cold": -2, "cool": 8, "mild": 15, "warm": 24, "hot": 35}
SI_PREFIXES = ("milli", "centi", "deci", "unit", "deka", "hecto", "kilo")
SI_EXPONENT = {"milli": -3, "centi": -2, "deci": -1, "unit": 0, "deka": 1, "hecto": 2, "kilo": 3}
COIN = ("H", "T")
BINARY_STRINGS = ("0", "1")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


ORDINAL_DAYS = tuple(_ordinal(n) for n in range(1, 32))
NATO = (
    "Alfa",
    "Bravo",
    "Charlie",
    "Delta",
    "Echo",
    "Foxtrot",
    "Golf",
    "Hotel",
    "India",
    "Juliett",
    "Kilo",
    "Lima",
    "Mike",
    "November",
    "Oscar",
    "Papa",
    "Quebec",
    "Romeo",
    "Sierra",
    "Tango",
    "Uniform",
    "Victor",
    "Whiskey",
    "X-ray",
    "Yankee",
    "Zulu",
)
ARITH_TOKENS = ("7", "42", "-3", "+", "-", "*", "=")
HOURS = tuple(f"{h:02d}" for h in range(24))
PING_PONG = ("ping", "pong")
GIT_VERBS = ("commit", "push", "pull", "merge", "rebase", "stash")
NUMBER_STRINGS = ("2", "10", "9", "100", "-1", "0.5", "1e3")
ENTITIES = ("&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "text")
TURNSTILE = ("coin", "push")
LEVELS = ("lo", "mid", "hi", "max")
DYNAMICS = ("pp", "p", "mp", "mf", "f", "ff")
ELEMENTS = (
    "H",
    "He",
    "Li",
    "Be",
    "B",
    "C",
    "N",
    "O",
    "F",
    "Ne",
    "Na",
    "Mg",
    "Al",
    "Si",
    "P",
    "S",
    "Cl",
    "Ar",
    "K",
    "Ca",
)
DICE = ("⚀", "⚁", "⚂", "⚃", "⚄", "⚅")
COFFEE = ("short", "tall", "grande", "venti", "trenta")
OUNCES = {"short": 8, "tall": 12, "grande": 16, "venti": 20, "trenta": 30}
FEET = ("L", "R")
KEYWORDS = ("if", "else", "for", "while", "return")
PETS = ("cat", "dog")
SWINGS = ("-3", "-1", "0", "+1", "+3")
AIRPORTS = (
    "JFK",
    "LAX",
    "ORD",
    "LHR",
    "CDG",
    "FRA",
    "AMS",
    "MAD",
    "DXB",
    "HND",
    "NRT",
    "PEK",
    "SIN",
    "HKG",
    "ICN",
    "SYD",
    "MEL",
    "AKL",
    "JNB",
    "CPT",
    "GRU",
    "EZE",
    "SCL",
    "LIM",
    "BOG",
)
SOUTHERN = {"SYD", "MEL", "AKL", "JNB", "CPT", "GRU", "EZE", "SCL", "LIM"}
FARE_CLASSES = ("economy", "premium", "business", "first")
BASE_FARE = {"economy": 100, "premium": 180, "business": 400, "first": 900}
ELEVATOR = ("up", "down")
VOTES = ("yes", "no")
CHESS_MOVES = ("e4", "Nf3", "O-O", "Bc4", "d4", "O-O-O")
REACTIONS = (
    ":thumbsup:",
    ":thumbsdown:",
    ":heart:",
    ":joy:",
    ":tada:",
    ":eyes:",
    ":rocket:",
    ":fire:",
    ":clap:",
    ":pray:",
    ":100:",
    ":wave:",
    ":ok_hand:",
    ":thinking:",
    ":sob:",
    ":skull:",
    ":sparkles:",
    ":white_check_mark:",
    ":x:",
    ":+1:",
)
SUITS = ("hearts", "spades", "clubs", "diamonds")
BIDS = ("$5", "$10", "$20", "$50", "$100")
STAR_RATINGS = ("★", "★★", "★★★", "★★★★", "★★★★★")
QA = ("Q", "A")


def _first(name: str) -> rasp.Selector:
    """Each query selects position 0 (exactly one position)."""
    return rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named(name)


def _first_by_token(name: str) -> rasp.Selector:
    """Each query selects position 0, with the tokens as queries (ignored): a categorical Aggregate whose
    value set is larger than its Select's key and query spaces does not assemble (see README.md)."""
    return rasp.Select(rasp.indices, rasp.tokens, lambda k, q: k == 0).named(name)


def _back(name: str, steps: int = 1) -> rasp.Selector:
    """Each query selects the position `steps` back, clamped at 0 (exactly one position)."""
    return rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - steps, 0)).named(name)


def _flag(name: str, sop: rasp.SOp, test) -> rasp.SOp:
    """A 0/1 numerical flag of a categorical SOp (a categorical-to-numerical Map)."""
    return rasp.numerical(rasp.Map(lambda x: 1 if test(x) else 0, sop)).named(name)


# --- non-causal: one-line programs --------------------------------------------------------------------------


def http_method_safe_flag() -> rasp.SOp:
    """HTTP methods: one Map to bool, whether the method is safe (GET, HEAD, OPTIONS)."""
    return rasp.Map(lambda m: m in SAFE_METHODS, rasp.tokens).named("hm_safe")


def weather_word_celsius() -> rasp.SOp:
    """Weather words: one Map to a typical temperature in Celsius, negative ints included (-10, -2, ...)."""
    return rasp.Map(lambda w: CELSIUS[w], rasp.tokens).named("wc_celsius")


def fare_by_class_and_row() -> rasp.SOp:
    """Seat classes: one SequenceMap(tokens, indices) to a float fare, 25% more per row further forward."""
    return rasp.SequenceMap(
        lambda c, i: round(BASE_FARE[c] * (1 + 0.25 * i), 2), rasp.tokens, rasp.indices
    ).named("fr_fare")


# --- non-causal: short everyday programs --------------------------------------------------------------------


def si_prefix_ratio_to_first() -> rasp.SOp:
    """SI prefix words: the exponent (a Map to negative ints), the first word's exponent (an Aggregate at
    position 0, queried by the tokens), and 10 ** (mine - first) as a float (a SequenceMap of two different
    SOps)."""
    exponent = rasp.Map(lambda p: SI_EXPONENT[p], rasp.tokens).named("si_exp")
    first = rasp.Aggregate(_first_by_token("si_first_sel"), exponent).named("si_first")
    return rasp.SequenceMap(lambda e, f: 10.0 ** (e - f), exponent, first).named("si_ratio")


def coin_toss_repeat_share_len14() -> rasp.SOp:
    """Coin tosses H / T at max_seq_len 14: a clamped previous-toss head, a repeat flag, and the share of
    repeats at or before me (an index LEQ mean): a numerical output."""
    prev = rasp.Aggregate(_back("ct_prev_sel"), rasp.tokens).named("ct_prev")
    repeat = rasp.SequenceMap(lambda t, p: t == p, rasp.tokens, prev).named("ct_repeat")
    flag = _flag("ct_flag", repeat, bool)
    upto = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("ct_upto_sel")
    return rasp.numerical(rasp.Aggregate(upto, flag, default=0)).named("ct_share")


def ordinal_days_earlier_count() -> rasp.SOp:
    """31 ordinal days '1st'..'31st' at max_seq_len 3: the day number (a Map), the width of days earlier than
    mine (LT on the Map), and a Map naming the count ('none', 'one', ...)."""
    day = rasp.Map(lambda t: int(t[:-2]), rasp.tokens).named("od_day")
    earlier = rasp.SelectorWidth(rasp.Select(day, day, rasp.Comparison.LT).named("od_sel")).named(
        "od_earlier"
    )
    return rasp.Map(lambda n: ("none", "one", "two", "three")[n], earlier).named("od_out")


def nato_sorted_initials() -> rasp.SOp:
    """26 NATO words at max_seq_len 4: a unique (word, index) key folded to an int, its LT width as a rank,
    and the initial letter of the word whose rank is my index (a categorical Aggregate): sorted initials."""
    key = rasp.SequenceMap(lambda w, i: 4 * NATO.index(w) + i, rasp.tokens, rasp.indices).named("na_key")
    rank = rasp.SelectorWidth(rasp.Select(key, key, rasp.Comparison.LT).named("na_rank_sel")).named("na_rank")
    initial = rasp.Map(lambda w: w[0], rasp.tokens).named("na_initial")
    return rasp.Aggregate(
        rasp.Select(rank, rasp.indices, rasp.Comparison.EQ).named("na_sort_sel"), initial
    ).named("na_sorted")


def arith_token_valid_bigrams_len8() -> rasp.SOp:
    """Calculator tokens '7' '42' '-3' '+' '-' '*' '=' at max_seq_len 8 ('-' and '-3' look alike): a class Map
    (num / op / eq), the previous class (clamped), a valid-bigram bool, and the share of valid bigrams."""
    cls = rasp.Map(
        lambda t: "num" if t.lstrip("-").isdigit() else ("eq" if t == "=" else "op"), rasp.tokens
    ).named("ab_class")
    prev = rasp.Aggregate(_back("ab_prev_sel"), cls).named("ab_prev")
    valid = rasp.SequenceMap(
        lambda p, c: (p, c) in {("num", "op"), ("op", "num"), ("num", "eq"), ("eq", "num")}, prev, cls
    ).named("ab_valid")
    flag = _flag("ab_flag", valid, bool)
    every = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("ab_all_sel")
    return rasp.numerical(rasp.Aggregate(every, flag, default=0)).named("ab_share")


def hour_strings_offset_from_first() -> rasp.SOp:
    """24 hour tokens '00'..'23' at max_seq_len 5: the hour, the first hour (position 0, queried by the tokens
    since its 24 values do not fit a 7-wide index head), hours since it modulo
    24, and a Map to strings '+0h'..'+23h'."""
    hour = rasp.Map(lambda t: int(t), rasp.tokens).named("ho_hour")
    first = rasp.Aggregate(_first_by_token("ho_first_sel"), hour).named("ho_first")
    offset = rasp.SequenceMap(lambda h, f: (h - f) % 24, hour, first).named("ho_offset")
    return rasp.Map(lambda d: f"+{d}h", offset).named("ho_out")


def ping_pong_len2_verdict() -> rasp.SOp:
    """ping / pong at max_seq_len 2: the ping share (a TRUE mean; 0, 1/2 and 1 are all its values and all in
    Tracr's value set) and a numerical-to-categorical Map with thresholds at 0.25 and 0.75."""
    ping = _flag("pp_ping", rasp.tokens, lambda t: t == "ping")
    share = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("pp_all_sel"), ping, default=0
        )
    ).named("pp_share")
    return rasp.Map(lambda x: "all ping" if x > 0.75 else ("split" if x > 0.25 else "all pong"), share).named(
        "pp_verdict"
    )


def git_verbs_pushed_later() -> rasp.SOp:
    """git verbs at max_seq_len 7: the share of pushes at or after me (an index GEQ mean), read at 0 (a
    numerical-to-bool Map), and a SequenceMap marking each commit 'pushed' / 'local' (others '-')."""
    push = _flag("gv_push", rasp.tokens, lambda t: t == "push")
    later = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ).named("gv_later_sel")
    share = rasp.numerical(rasp.Aggregate(later, push, default=0)).named("gv_share")
    pushed = rasp.Map(lambda x: x > 0, share).named("gv_pushed")
    return rasp.SequenceMap(
        lambda t, p: ("pushed" if p else "local") if t == "commit" else "-", rasp.tokens, pushed
    ).named("gv_out")


def number_strings_lex_vs_numeric_rank() -> rasp.SOp:
    """Number-like strings '2' '10' '9' '100' '-1' '0.5' '1e3': a width of tokens smaller as strings and a
    width of tokens smaller as numbers (LT on a float Map, a layer later), and their difference (negative
    ints)."""
    lexical = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named("ns_lex_sel")
    ).named("ns_lex")
    value = rasp.Map(lambda t: float(t), rasp.tokens).named("ns_value")
    numeric = rasp.SelectorWidth(rasp.Select(value, value, rasp.Comparison.LT).named("ns_num_sel")).named(
        "ns_num"
    )
    return rasp.SequenceMap(lambda a, b: a - b, lexical, numeric).named("ns_out")


def html_entity_context_four_heads() -> rasp.SOp:
    """HTML entities '&amp;' '&lt;' ... and 'text' at max_seq_len 6: an entity-name Map ('amp', 'lt', ...,
    'text') and a text flag, then four heads in one layer (the previous name, the first name, a NEQ width of
    other names, a GT mean of text after me), three SequenceMaps and a numerical-to-bool Map read at 0."""
    name = rasp.Map(lambda t: t.strip("&;"), rasp.tokens).named("he_name")
    text = _flag("he_text", rasp.tokens, lambda t: t == "text")
    prev = rasp.Aggregate(_back("he_prev_sel"), name).named("he_prev")
    first = rasp.Aggregate(_first("he_first_sel"), name).named("he_first")
    others = rasp.SelectorWidth(rasp.Select(name, name, rasp.Comparison.NEQ).named("he_others_sel")).named(
        "he_others"
    )
    text_after = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT).named("he_after_sel"), text, default=0
        )
    ).named("he_text_after")
    escaped = rasp.SequenceMap(lambda p, n: p == "amp" and n != "text", prev, name).named("he_escaped")
    opener = rasp.SequenceMap(lambda f, n: f == "lt" and n > 0, first, others).named("he_opener")
    closed = rasp.Map(lambda x: x > 0, text_after).named("he_closed")
    kind = rasp.SequenceMap(
        lambda e, o: ("double-escaped" if e else "tag") if o else ("amp" if e else "plain"), escaped, opener
    ).named("he_kind")
    return rasp.SequenceMap(lambda k, c: f"{k}+text" if c else k, kind, closed).named("he_out")


def dynamics_far_apart_or_not() -> rasp.SOp:
    """Dynamics pp..ff at max_seq_len 6: a level Map; the width of `selector_or(two or more softer, two or
    more louder)` and of `selector_and(selector_not(that or-ed with a FALSE Select, a switched-off rule),
    NEQ)` (near but not the same level), two heads in one layer; near minus far (negative ints)."""
    level = rasp.Map(lambda d: DYNAMICS.index(d), rasp.tokens).named("dy_level")
    softer = rasp.Select(level, level, lambda k, q: k <= q - 2).named("dy_softer_sel")
    louder = rasp.Select(level, level, lambda k, q: k >= q + 2).named("dy_louder_sel")
    far = rasp.selector_or(softer, louder).named("dy_far_sel")
    off = rasp.Select(level, level, rasp.Comparison.FALSE).named("dy_off_sel")
    not_far = rasp.selector_not(rasp.selector_or(far, off).named("dy_far_or_off_sel")).named("dy_not_far_sel")
    other = rasp.Select(level, level, rasp.Comparison.NEQ).named("dy_other_sel")
    near = rasp.selector_and(not_far, other).named("dy_near_sel")
    n_far = rasp.SelectorWidth(far).named("dy_far")
    n_near = rasp.SelectorWidth(near).named("dy_near")
    return rasp.SequenceMap(lambda n, f: n - f, n_near, n_far).named("dy_out")


def element_symbols_is_mode() -> rasp.SOp:
    """20 element symbols at max_seq_len 6: my symbol's count (an EQ width), the width of positions whose
    count is greater than mine (a width as a Select's keys and queries), and a bool: is my symbol a mode."""
    count = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("es_count_sel")
    ).named("es_count")
    commoner = rasp.SelectorWidth(
        rasp.Select(count, count, rasp.Comparison.GT).named("es_commoner_sel")
    ).named("es_commoner")
    return rasp.Map(lambda n: n == 0, commoner).named("es_mode")


def dice_face_score_linear() -> rasp.SOp:
    """Dice faces ⚀..⚅: pips 1..6 (a categorical-to-numerical Map), a numerical EQ width (copies of my face),
    and pips + 10 × copies as a LinearSequenceMap: a numerical output."""
    pips = rasp.numerical(rasp.Map(lambda d: DICE.index(d) + 1, rasp.tokens)).named("df_pips")
    copies = rasp.numerical(
        rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("df_same_sel"))
    ).named("df_copies")
    return rasp.numerical(rasp.LinearSequenceMap(pips, copies, 1, 10)).named("df_score")


def coffee_size_deviation_square() -> rasp.SOp:
    """Coffee sizes short..trenta: ounces 8..30 (categorical-to-numerical), (oz - 16) / 4 (negative values
    from a numerical Map), its square (chained, `simplify=False`) and square + deviation (a
    LinearSequenceMap)."""
    ounces = rasp.numerical(rasp.Map(lambda s: OUNCES[s], rasp.tokens)).named("cs_oz")
    deviation = rasp.numerical(rasp.Map(lambda x: (x - 16) / 4, ounces, simplify=False)).named("cs_dev")
    square = rasp.numerical(rasp.Map(lambda d: d * d, deviation, simplify=False)).named("cs_square")
    return rasp.numerical(rasp.LinearSequenceMap(square, deviation, 1, 1)).named("cs_out")


def footsteps_in_step_len12() -> rasp.SOp:
    """Footsteps L / R at max_seq_len 12: the expected foot (a Map over indices to strings), an in-step bool
    (a SequenceMap of tokens and that Map), and the share in step (a TRUE mean)."""
    expected = rasp.Map(lambda i: "L" if i % 2 == 0 else "R", rasp.indices).named("fs_expected")
    in_step = rasp.SequenceMap(lambda t, e: t == e, rasp.tokens, expected).named("fs_in_step")
    flag = _flag("fs_flag", in_step, bool)
    every = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("fs_all_sel")
    return rasp.numerical(rasp.Aggregate(every, flag, default=0)).named("fs_share")


def keyword_since_first_occurrence() -> rasp.SOp:
    """Code keywords if / else / for / while / return at max_seq_len 6: my occurrence number (a width over
    (token, index) tuples), 'kw#n' tags, the index of my keyword's first occurrence (an Aggregate of indices
    selecting the one 'kw#0' position), and positions since it."""
    pair = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("kf_pair")
    earlier_same = rasp.Select(pair, pair, lambda k, q: k[0] == q[0] and k[1] < q[1]).named("kf_occ_sel")
    occurrence = rasp.SelectorWidth(earlier_same).named("kf_occ")
    tag = rasp.SequenceMap(lambda t, o: f"{t}#{o}", rasp.tokens, occurrence).named("kf_tag")
    wanted = rasp.Map(lambda t: f"{t}#0", rasp.tokens).named("kf_wanted")
    first = rasp.Aggregate(
        rasp.Select(tag, wanted, rasp.Comparison.EQ).named("kf_first_sel"), rasp.indices
    ).named("kf_first")
    return rasp.SequenceMap(lambda i, f: i - f, rasp.indices, first).named("kf_since")


def cat_dog_majority_len9() -> rasp.SOp:
    """cat / dog at max_seq_len 9: the width of cats (a key-only predicate) and the length (a TRUE width), two
    heads in one layer, and a SequenceMap naming the majority ('cat', 'dog', 'tie')."""
    cats = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "cat").named("cd_cat_sel")
    ).named("cd_cats")
    length = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("cd_all_sel")
    ).named("cd_length")
    return rasp.SequenceMap(
        lambda c, n: "cat" if 2 * c > n else ("dog" if 2 * c < n else "tie"), cats, length
    ).named("cd_majority")


def signed_swing_strings_bigger() -> rasp.SOp:
    """Signed strings '-3' '-1' '0' '+1' '+3': magnitude and sign Maps, the width of bigger swings (GT on the
    magnitude), and that width signed by my own sign (negative ints)."""
    magnitude = rasp.Map(lambda t: abs(int(t)), rasp.tokens).named("sw_mag")
    sign = rasp.Map(lambda t: (int(t) > 0) - (int(t) < 0), rasp.tokens).named("sw_sign")
    bigger = rasp.SelectorWidth(rasp.Select(magnitude, magnitude, rasp.Comparison.GT).named("sw_sel")).named(
        "sw_bigger"
    )
    return rasp.SequenceMap(lambda b, s: b * s, bigger, sign).named("sw_out")


def airport_hemisphere_legs() -> rasp.SOp:
    """25 IATA airport codes at max_seq_len 3: a hemisphere Map, the previous airport's hemisphere (clamped),
    and 'cross' / 'stay' for each leg."""
    hemisphere = rasp.Map(lambda a: "S" if a in SOUTHERN else "N", rasp.tokens).named("ap_hemi")
    prev = rasp.Aggregate(_back("ap_prev_sel"), hemisphere).named("ap_prev")
    return rasp.SequenceMap(lambda h, p: "stay" if h == p else "cross", hemisphere, prev).named("ap_leg")


def elevator_ups_before_minus_after_len10() -> rasp.SOp:
    """up / down at max_seq_len 10: the share of ups strictly before me (LT mean) minus strictly after me (GT
    mean), two means in one layer, as a LinearSequenceMap (1, -1)."""
    up = _flag("el_up", rasp.tokens, lambda t: t == "up")
    before = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named("el_before_sel"), up, default=0
        )
    ).named("el_before")
    after = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GT).named("el_after_sel"), up, default=0
        )
    ).named("el_after")
    return rasp.numerical(rasp.LinearSequenceMap(before, after, 1, -1)).named("el_balance")


# --- non-causal: hard ones ----------------------------------------------------------------------------------


def running_max_doubling_scan_len14() -> rasp.SOp:
    """Levels lo / mid / hi / max at max_seq_len 14: a Hillis-Steele scan of max (look-backs of 1, 2, 4 and 8
    positions, clamped at 0, each followed by a max SequenceMap: four rounds, one per layer) and a Map back to
    the level's name: the running maximum."""
    level = rasp.Map(lambda t: LEVELS.index(t), rasp.tokens).named("rm_level")
    best = level
    for step in (1, 2, 4, 8):
        earlier = rasp.Aggregate(_back(f"rm_back{step}_sel", step), best).named(f"rm_back{step}")
        best = rasp.SequenceMap(lambda a, b: max(a, b), best, earlier).named(f"rm_max{step}")
    return rasp.Map(lambda v: LEVELS[v], best).named("rm_out")


def causal_turnstile_unrolled_len7() -> rasp.SOp:
    """A turnstile at max_seq_len 7, causal: a coin unlocks it, a push locks an unlocked one, marks a locked
    one 'pushed' and turns 'pushed' into 'alarm' (which only a coin clears). The state machine unrolled: a
    step from 'locked' on (token, index), then six rounds of 'previous state (a clamped look-back), one step
    on (token, index)' (position 0 starts from 'locked'): one head per layer, 8 layers."""

    def step(prev: str, token_index: tuple) -> str:
        token, index = token_index
        state = "locked" if index == 0 else prev
        if token == "coin":
            return "unlocked"
        if state == "unlocked":
            return "locked"
        return "alarm" if state in ("pushed", "alarm") else "pushed"

    token_index = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("ts_token_index")
    state = rasp.Map(lambda ti: step("locked", ti), token_index).named("ts_state0")
    for round_ in range(1, 7):
        prev = rasp.Aggregate(_back(f"ts_prev{round_}_sel"), state).named(f"ts_prev{round_}")
        state = rasp.SequenceMap(step, prev, token_index).named(f"ts_state{round_}")
    return state


# --- causal -------------------------------------------------------------------------------------------------


def causal_vote_agree_first_len12() -> rasp.SOp:
    """yes / no votes at max_seq_len 12, causal: the first vote (position 0), an agreement bool, and the
    running share of votes agreeing with the first (a TRUE mean, a prefix mean under the causal mask)."""
    first = rasp.Aggregate(_first("vf_first_sel"), rasp.tokens).named("vf_first")
    agree = rasp.SequenceMap(lambda t, f: t == f, rasp.tokens, first).named("vf_agree")
    flag = _flag("vf_flag", agree, bool)
    every = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("vf_all_sel")
    return rasp.numerical(rasp.Aggregate(every, flag, default=0)).named("vf_share")


def causal_chess_castled_yet() -> rasp.SOp:
    """Chess moves ('e4', 'Nf3', 'O-O', 'O-O-O', ...) at max_seq_len 8, causal: a castling flag, its running
    mean (TRUE), read at 0 by a numerical-to-categorical Map: 'castled' / 'uncastled'."""
    castle = _flag("cc_castle", rasp.tokens, lambda m: m.startswith("O-O"))
    seen = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("cc_all_sel"), castle, default=0
        )
    ).named("cc_seen")
    return rasp.Map(lambda x: "castled" if x > 0 else "uncastled", seen).named("cc_out")


def causal_reaction_repeat_tags() -> rasp.SOp:
    """20 ':emoji:' shortcodes at max_seq_len 5, causal: how many times my reaction has occurred so far (an EQ
    width) and a SequenceMap tagging repeats (':fire:x2')."""
    count = rasp.SelectorWidth(
        rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("rr_same_sel")
    ).named("rr_count")
    return rasp.SequenceMap(lambda t, c: t if c <= 1 else f"{t}x{c}", rasp.tokens, count).named("rr_out")


def causal_follow_suit_len14() -> rasp.SOp:
    """Card suits as words at max_seq_len 14, causal: the led suit (position 0), a follows-suit bool, and a
    SequenceMap with the indices naming each card 'lead' / 'follow' / 'discard'."""
    led = rasp.Aggregate(_first("su_led_sel"), rasp.tokens).named("su_led")
    follows = rasp.SequenceMap(lambda t, s: t == s, rasp.tokens, led).named("su_follows")
    return rasp.SequenceMap(
        lambda f, i: "lead" if i == 0 else ("follow" if f else "discard"), follows, rasp.indices
    ).named("su_out")


def causal_auction_outbid() -> rasp.SOp:
    """Bids '$5'..'$100' at max_seq_len 7, causal: the amount (a Map), widths of higher and of equal bids so
    far (GT and EQ on the Map, two heads in one layer), and 'leading' / 'tied' / 'outbid xN'."""
    amount = rasp.Map(lambda b: int(b[1:]), rasp.tokens).named("au_amount")
    higher = rasp.SelectorWidth(rasp.Select(amount, amount, rasp.Comparison.GT).named("au_higher_sel")).named(
        "au_higher"
    )
    equal = rasp.SelectorWidth(rasp.Select(amount, amount, rasp.Comparison.EQ).named("au_equal_sel")).named(
        "au_equal"
    )
    return rasp.SequenceMap(
        lambda h, e: ("leading" if e == 1 else "tied") if h == 0 else f"outbid x{h}", higher, equal
    ).named("au_out")


def causal_star_rating_running_mean() -> rasp.SOp:
    """Star ratings ★..★★★★★ at max_seq_len 8, causal: a weight 0.2..1.0 (a categorical-to-numerical Map) and
    its running mean under an index LEQ Select: a numerical output."""
    weight = rasp.numerical(rasp.Map(lambda s: len(s) / 5, rasp.tokens)).named("sr_weight")
    upto = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("sr_upto_sel")
    return rasp.numerical(rasp.Aggregate(upto, weight, default=0)).named("sr_mean")


def causal_question_answer_len2() -> rasp.SOp:
    """Q / A at max_seq_len 2, causal: the running share of questions (a TRUE mean: 0, 1/2, 1) and 2x - 1 of
    it (a numerical-to-numerical Map, -1 .. 1): a numerical output."""
    question = _flag("qa_question", rasp.tokens, lambda t: t == "Q")
    share = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("qa_all_sel"),
            question,
            default=0,
        )
    ).named("qa_share")
    return rasp.numerical(rasp.Map(lambda x: 2 * x - 1, share, simplify=False)).named("qa_balance")


def causal_binary_strings_ones_so_far_len10() -> rasp.SOp:
    """'0' / '1' strings at max_seq_len 10, causal: the share of '1's strictly before me (an index LT
    mean)."""
    one = _flag("bo_one", rasp.tokens, lambda t: t == "1")
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named("bo_before_sel")
    return rasp.numerical(rasp.Aggregate(before, one, default=0)).named("bo_share")


PROGRAMS = [
    SuiteProgram(
        "http_method_safe_flag",
        "HTTP methods: one Map to bool (safe method)",
        http_method_safe_flag,
        HTTP_METHODS,
        4,
    ),
    SuiteProgram(
        "weather_word_celsius",
        "weather words: one Map to negative and positive ints",
        weather_word_celsius,
        WEATHER_WORDS,
        3,
    ),
    SuiteProgram(
        "fare_by_class_and_row",
        "seat classes: one SequenceMap(tokens, indices) to floats",
        fare_by_class_and_row,
        FARE_CLASSES,
        5,
    ),
    SuiteProgram(
        "si_prefix_ratio_to_first",
        "SI prefixes: exponent Map, position-0 Aggregate, float ratio",
        si_prefix_ratio_to_first,
        SI_PREFIXES,
        4,
    ),
    SuiteProgram(
        "coin_toss_repeat_share_len14",
        "H / T len 14: look-back, repeat flag, LEQ mean",
        coin_toss_repeat_share_len14,
        COIN,
        14,
    ),
    SuiteProgram(
        "ordinal_days_earlier_count",
        "31 ordinal days len 3: LT width on a Map, Map to words",
        ordinal_days_earlier_count,
        ORDINAL_DAYS,
        3,
    ),
    SuiteProgram(
        "nato_sorted_initials",
        "26 NATO words: unique key, rank width, sorted initials",
        nato_sorted_initials,
        NATO,
        4,
    ),
    SuiteProgram(
        "arith_token_valid_bigrams_len8",
        "calculator tokens len 8: class look-back, valid share",
        arith_token_valid_bigrams_len8,
        ARITH_TOKENS,
        8,
    ),
    SuiteProgram(
        "hour_strings_offset_from_first",
        "24 hours '00'..'23': offset from the first, '+Nh' strings",
        hour_strings_offset_from_first,
        HOURS,
        5,
    ),
    SuiteProgram(
        "ping_pong_len2_verdict",
        "ping / pong len 2: TRUE mean, three-way numerical-to-categorical",
        ping_pong_len2_verdict,
        PING_PONG,
        2,
    ),
    SuiteProgram(
        "git_verbs_pushed_later",
        "git verbs: GEQ mean read at 0, commit marked pushed / local",
        git_verbs_pushed_later,
        GIT_VERBS,
        7,
    ),
    SuiteProgram(
        "number_strings_lex_vs_numeric_rank",
        "number-like strings: LT widths as strings and as floats",
        number_strings_lex_vs_numeric_rank,
        NUMBER_STRINGS,
        5,
    ),
    SuiteProgram(
        "html_entity_context_four_heads",
        "HTML entities: four heads in one layer (NEQ width, GT mean)",
        html_entity_context_four_heads,
        ENTITIES,
        6,
    ),
    SuiteProgram(
        "dynamics_far_apart_or_not",
        "dynamics: widths of or(softer, louder) and and(not(or(that, FALSE)), NEQ)",
        dynamics_far_apart_or_not,
        DYNAMICS,
        6,
    ),
    SuiteProgram(
        "element_symbols_is_mode",
        "20 element symbols: EQ width, GT width of it, is-mode bool",
        element_symbols_is_mode,
        ELEMENTS,
        6,
    ),
    SuiteProgram(
        "dice_face_score_linear",
        "dice faces: pips, numerical EQ width, LinearSequenceMap (1, 10)",
        dice_face_score_linear,
        DICE,
        6,
    ),
    SuiteProgram(
        "coffee_size_deviation_square",
        "coffee sizes: ounces, (x - 16) / 4, square, LinearSequenceMap",
        coffee_size_deviation_square,
        COFFEE,
        4,
    ),
    SuiteProgram(
        "footsteps_in_step_len12",
        "L / R len 12: index Map to strings, in-step share",
        footsteps_in_step_len12,
        FEET,
        12,
    ),
    SuiteProgram(
        "keyword_since_first_occurrence",
        "code keywords: occurrence width, first-occurrence pointer",
        keyword_since_first_occurrence,
        KEYWORDS,
        6,
    ),
    SuiteProgram(
        "cat_dog_majority_len9",
        "cat / dog len 9: key-only width and TRUE width, majority name",
        cat_dog_majority_len9,
        PETS,
        9,
    ),
    SuiteProgram(
        "signed_swing_strings_bigger",
        "'-3'..'+3' strings: GT width on magnitude, signed by a Map",
        signed_swing_strings_bigger,
        SWINGS,
        6,
    ),
    SuiteProgram(
        "airport_hemisphere_legs",
        "25 IATA codes len 3: hemisphere Map, look-back, cross / stay",
        airport_hemisphere_legs,
        AIRPORTS,
        3,
    ),
    SuiteProgram(
        "elevator_ups_before_minus_after_len10",
        "up / down len 10: LT and GT means, LinearSequenceMap",
        elevator_ups_before_minus_after_len10,
        ELEVATOR,
        10,
    ),
    SuiteProgram(
        "running_max_doubling_scan_len14",
        "levels len 14: Hillis-Steele running max, four rounds",
        running_max_doubling_scan_len14,
        LEVELS,
        14,
    ),
    SuiteProgram(
        "causal_turnstile_unrolled_len7",
        "coin / push len 7: a state machine unrolled, 8 layers",
        causal_turnstile_unrolled_len7,
        TURNSTILE,
        7,
        causal=True,
    ),
    SuiteProgram(
        "causal_vote_agree_first_len12",
        "yes / no len 12: agree with the first vote, running share",
        causal_vote_agree_first_len12,
        VOTES,
        12,
        causal=True,
    ),
    SuiteProgram(
        "causal_chess_castled_yet",
        "chess moves: castling flag, running TRUE mean read at 0",
        causal_chess_castled_yet,
        CHESS_MOVES,
        8,
        causal=True,
    ),
    SuiteProgram(
        "causal_reaction_repeat_tags",
        "20 ':emoji:' codes: EQ width so far, repeat tags",
        causal_reaction_repeat_tags,
        REACTIONS,
        5,
        causal=True,
    ),
    SuiteProgram(
        "causal_follow_suit_len14",
        "suits len 14: led suit at position 0, lead / follow / discard",
        causal_follow_suit_len14,
        SUITS,
        14,
        causal=True,
    ),
    SuiteProgram(
        "causal_auction_outbid",
        "'$5'..'$100' bids: GT and EQ widths so far, outbid labels",
        causal_auction_outbid,
        BIDS,
        7,
        causal=True,
    ),
    SuiteProgram(
        "causal_star_rating_running_mean",
        "star ratings: weights 0.2..1, running LEQ mean",
        causal_star_rating_running_mean,
        STAR_RATINGS,
        8,
        causal=True,
    ),
    SuiteProgram(
        "causal_question_answer_len2",
        "Q / A len 2: TRUE mean, 2x - 1 numerical Map",
        causal_question_answer_len2,
        QA,
        2,
        causal=True,
    ),
    SuiteProgram(
        "causal_binary_strings_ones_so_far_len10",
        "'0' / '1' len 10: LT mean of ones before me",
        causal_binary_strings_ones_so_far_len10,
        BINARY_STRINGS,
        10,
        causal=True,
    ),
]
