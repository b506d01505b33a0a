"""An estuary suite: held-out Tracr programs, written to measure whether TraDe generalises to programs it never saw.

Why: the eighteen older suites (`tracr_lib/`, `handwritten/`, `fresh/`, `novel/`, `wild/`, `frontier/`,
`large/`, `horizon/`, `outlook/`, `itself/`, `vista/`, `meridian/`, `zenith/`, `bench/`, `summit/`,
`drift/`, `kestrel/`, `lagoon/`) have all been read while TraDe was being built, or were written before
this one. These were written afterwards, without reading how TraDe reads weights, as small tasks an
interpretability researcher might compile to study a circuit, each with its own lambdas written for it (no
lambda library):

- circuits from the literature: indirect-object identification (a duplicate-token width over
  (token, index) keys and a count: IO / S1 / S2), the greater-than task over two-digit years (a head that
  attends to position 0 only when its year is smaller, a GT width), successor heads over 12 month names at
  max_seq_len 4 (a (month, index) Select for 'the previous month is my predecessor'), negation of
  sentiment words after 'not' (a clamped previous-token head, two polarity widths, 9 lines);
- strings: weekdays (does the next day occur), ions 'Na+' / 'SO4 2-' (four charge widths in one layer,
  12 lines), a ledger of '+2' / '-1' entries (one prefix Select and-ed with four entry Selects, four
  widths, the running balance: 13 lines), SQL tokens numbered by keyword (a prefix width used as a
  look-up key; None where there is no keyword), 16 hex digits at max_seq_len 4 ranked by value, keystrokes with
  '⌫', a mixed-case capital share;
- ints: exam scores 40..100 graded by an LT width over the length, signed amounts -500..500 with refunds
  (k == -q) and signed int outputs, sensor readings 0..9 (`selector_or` of two offset comparisons),
  expenses {5, ..., 1000} (GEQ and LT widths), altitudes -400..8848 (a GEQ index mean), prices 97..103;
- bools: rule 30 for two generations (neighbours read as numerical means that default to 0 past the edge,
  thresholded at 0; the two neighbour Selects shared by both generations: 16 lines, 8 layers), a majority
  margin (a LinearSequenceMap of two means under one TRUE Select, a 3-way verdict at 0), prefix parity;
- numerical: means of 0/1 values under GEQ, TRUE, LEQ and `selector_and(selector_not(FALSE), NEQ)`, a
  LinearSequenceMap output (a poll's swing), numerical Maps of a mean or a balance thresholded at 0;
- `lib.py`: `make_shuffle_dyck` over '⟨⟩' and '⌈⌉' (31 lines, 9 layers), `detect_pattern` of a TCP
  handshake, `make_sort` of runners by a Map to their minutes, `make_hist` against `make_length`,
  `make_frac_prevs` of ERROR at max_seq_len 10, `make_pair_balance` of guillemets read three ways,
  `shift_by(2)` read by a Map;
- causal=True: prefix parity of bits, returns to the starting room (a position-0 head, a flag, a width),
  new lows and highs under BOS 'open' / PAD 'closed'; not causal: rule 30 under BOS '⟨s⟩' / PAD '∅', SQL
  under BOS '[START]' / PAD '[EMPTY]'.

Every comparison is used (EQ, LT, LEQ, GT, GEQ, NEQ, TRUE, FALSE), and `selector_and`, `selector_or` and
`selector_not`, each only over Selects with the same keys and queries. Vocabularies of 2 to 16 (words,
symbols, unicode brackets, mixed case, multi-character tokens, bools, ints with negatives and large sparse
ints), max_seq_len 4 to 10, 3 to 31 lines, d_model 19 to 209, 1 to 9 layers, input spaces 510 to 1.9 x 10^7.

Each builder makes new expressions on every call. `examples/check_suites.py examples/estuary/suite.py`
checks that Tracr compiles each faithfully. The pitfalls listed in the older suites' docstrings were
avoided: no SelectorWidth past max_seq_len 9; categorical Aggregates that select exactly one position
(clamped look-backs, a position-0 head, a look-up keyed by a keyword's ordinal; never a look-back that
selects nothing, except `lib.shift_by` read only by a Map and `lib.detect_pattern`, whose None reaches no
Select); means of 0/1 values only; numerical-to-categorical Maps only of a mean or a balance, thresholded
at 0; no numerical SequenceMap; no width keyed by another width's value. Changed while writing (README.md
has the details):
- `rule30_two_steps` first read the neighbours by clamped categorical look-ups (the left one at
  max(q - 1, 0), the right one at min(q + 1, n - 1) with n from `make_length`) masked by edge flags: 512 of
  8,194 positions wrong over all 1,022 inputs (for eight False then one True, the second generation's
  cell 7 was False where RASP gives True). It now reads them as numerical means under k == q - 1 and
  k == q + 1 with default 0 past the edge, thresholded at 0: faithful on every input.
- `backspace_keystrokes` first let a letter look ahead for a '⌫' (a clamped look-ahead with n from
  `make_length`, at max_seq_len 8) and counted the kept letters with a width: the width was one short at
  some query positions (114 of 1,298 positions in the 300-input check). A '⌫' now looks back at the
  letter it erases (no length), and two widths count letters and erasures.
- `ion_charge_balance` first wrote the net charge beside my ion's name (d_model 420); it writes the net
  charge alone (d_model 161).
- Two drafts did not compile: a Map of `sql_clause_of_token`'s looked-up keyword indexed a dict by the
  keyword (Tracr evaluates the Map on every token the Aggregate might carry: KeyError '30'), and
  `team_seat_neighbours` indexed a 3-list by a width (Tracr's width value set runs to max_seq_len:
  IndexError): both use `dict.get` now.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

IOI_WORDS = ("Mary", "John", "Anna", "went", "gave", "a", "book", "to")
IOI_NAMES = ("Mary", "John", "Anna")
YEARS = (11, 17, 23, 32, 45, 58, 61, 79, 84, 96)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
REVIEW = ("not", "good", "bad", "great", "awful", "movie", "very")
POLARITY = {"good": 1, "great": 1, "bad": -1, "awful": -1}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
IONS = ("Na+", "K+", "Mg2+", "Ca2+", "Cl-", "O2-", "SO4 2-", "H2O")
CHARGE = {"Na+": 1, "K+": 1, "Mg2+": 2, "Ca2+": 2, "Cl-": -1, "O2-": -2, "SO4 2-": -2, "H2O": 0}
LEDGER = ("+1", "+2", "-1", "-2", "0")
BITS = (False, True)
SQL = ("SELECT", "FROM", "WHERE", "name", "age", "users", "=", "30")
SQL_KEYWORDS = ("SELECT", "FROM", "WHERE")
HEX = tuple("0123456789abcdef")
SCORES = (40, 50, 60, 70, 80, 90, 100)
KEYS = ("h", "e", "l", "o", "⌫")
AMOUNTS = (-500, -50, -5, 5, 50, 500)
TEAMS = ("red", "blue")
SENSOR = tuple(range(10))
EXPENSES = (5, 20, 50, 100, 250, 1000)
ALTITUDES = (-400, -100, 0, 100, 500, 1000, 8848)
POLL = ("yes", "no", "undecided")
MIXED_CASE = ("a", "b", "k", "z", "A", "B", "K", "Z")
MATH_BRACKETS = ("⟨", "⟩", "⌈", "⌉", "x")
TCP = ("SYN", "SYN-ACK", "ACK", "FIN", "RST")
RUNNERS = ("Ann", "Bo", "Cy", "Dee", "Eli")
RUN_MINUTES = {"Ann": 31, "Bo": 27, "Cy": 35, "Dee": 29, "Eli": 40}
SPAM_WORDS = ("spam", "eggs", "ham", "bacon")
LOG_LEVELS = ("INFO", "WARN", "ERROR", "DEBUG")
GUILLEMETS = ("«", "»", "a", "b")
SOLFEGE = ("do", "re", "mi", "fa", "sol")
ROOMS = ("hall", "kitchen", "garden", "attic", "cellar")
PRICES = (97, 98, 99, 100, 101, 102, 103)


def _tagged(prefix: str) -> rasp.SOp:
    """(token, index) pairs, for Selects that look at both."""
    return rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named(f"{prefix}_tagged")


# --- circuits from interpretability papers -------------------------------------------------------------


def ioi_name_roles() -> rasp.SOp:
    """Indirect-object identification: each name is 'IO' if it occurs once, 'S1' / 'S2' for the first and
    later mentions of a repeated subject (a duplicate-token head over (token, index) keys), '-' otherwise."""
    tagged = _tagged("ioi")
    earlier = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[0] == q[0] and k[1] < q[1]).named(
        "ioi_dup_sel")).named("ioi_earlier")
    total = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "ioi_same_sel")).named("ioi_total")
    role = rasp.SequenceMap(lambda e, c: "IO" if c == 1 else ("S1" if e == 0 else "S2"), earlier, total).named(
        "ioi_role")
    return rasp.SequenceMap(lambda r, t: r if t in IOI_NAMES else "-", role, rasp.tokens).named("ioi_out")


def greater_than_first_year() -> rasp.SOp:
    """The greater-than task ('from 17XX to 17YY'): is my two-digit year after the first one (a head that
    attends to position 0 only when its year is smaller), and how many years are later than mine (GT)."""
    tagged = _tagged("gt")
    after_first = rasp.SelectorWidth(rasp.Select(tagged, tagged, lambda k, q: k[1] == 0 and k[0] < q[0]).named(
        "gt_first_sel")).named("gt_after_first")
    later = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "gt_later_sel")).named("gt_later")
    return rasp.SequenceMap(lambda a, n: (">" if a else "<=") + str(n), after_first, later).named("gt_out")


def month_successor_len4() -> rasp.SOp:
    """Successor heads over 12 month names at max_seq_len 4: does my month follow the previous one
    (Dec -> Jan too), and how many months share my quarter."""
    tagged = _tagged("mo")
    follows = rasp.SelectorWidth(rasp.Select(
        tagged, tagged,
        lambda k, q: k[1] == q[1] - 1 and MONTHS[(MONTHS.index(k[0]) + 1) % 12] == q[0]).named(
        "mo_succ_sel")).named("mo_follows")
    quarter = rasp.SelectorWidth(rasp.Select(
        rasp.tokens, rasp.tokens, lambda k, q: MONTHS.index(k) // 3 == MONTHS.index(q) // 3).named(
        "mo_quarter_sel")).named("mo_quarter")
    step = rasp.SequenceMap(lambda f, c: ("next" if f else "jump") + f"/q{c}", follows, quarter).named("mo_step")
    return rasp.SequenceMap(lambda s, t: f"{t}:{s}", step, rasp.tokens).named("mo_out")


def negation_sentiment() -> rasp.SOp:
    """Negation in reviews: an adjective's polarity, flipped after 'not' (a clamped previous-token head),
    and the review's verdict from a width of positive and a width of negative words."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "ns_back"), rasp.tokens).named("ns_prev")
    polarity = rasp.SequenceMap(
        lambda p, t: 0 if t not in POLARITY else (-POLARITY[t] if p == "not" else POLARITY[t]), prev,
        rasp.tokens).named("ns_polarity")
    pos = rasp.SelectorWidth(rasp.Select(polarity, polarity, lambda k, q: k > 0).named("ns_pos_sel")).named(
        "ns_pos")
    neg = rasp.SelectorWidth(rasp.Select(polarity, polarity, lambda k, q: k < 0).named("ns_neg_sel")).named(
        "ns_neg")
    verdict = rasp.SequenceMap(
        lambda p, n: "positive" if p > n else ("negative" if n > p else ("mixed" if p else "neutral")), pos,
        neg).named("ns_verdict")
    return rasp.SequenceMap(lambda v, s: v + ("+" if s > 0 else "-" if s < 0 else ""), verdict,
                            polarity).named("ns_out")


# --- strings --------------------------------------------------------------------------------------------


def weekday_successor_present() -> rasp.SOp:
    """Days of the week: does the day after mine occur anywhere in the sequence, and am I a weekend day."""
    has_next = rasp.SelectorWidth(rasp.Select(
        rasp.tokens, rasp.tokens, lambda k, q: k == DAYS[(DAYS.index(q) + 1) % 7]).named("wd_next_sel")).named(
        "wd_has_next")
    weekend = rasp.categorical(rasp.Map(lambda d: d in ("Sat", "Sun"), rasp.tokens)).named("wd_weekend")
    return rasp.SequenceMap(lambda h, w: ("weekend" if w else "weekday") + ("+next" if h else ""), has_next,
                            weekend).named("wd_out")


def ion_charge_balance() -> rasp.SOp:
    """Ions 'Na+', 'Mg2+', 'SO4 2-', ...: four widths count the ions of charge +1, +2, -1 and -2, two
    SequenceMaps weigh them, a third takes the difference, and a Map writes the net charge ('+2', 'neutral')."""
    def width(charge: int, name: str) -> rasp.SOp:
        return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens,
                                              lambda k, q: CHARGE[k] == charge).named(f"io_{name}_sel")).named(
            f"io_{name}")

    plus1, plus2, minus1, minus2 = width(1, "p1"), width(2, "p2"), width(-1, "m1"), width(-2, "m2")
    cations = rasp.SequenceMap(lambda a, b: a + 2 * b, plus1, plus2).named("io_cations")
    anions = rasp.SequenceMap(lambda a, b: a + 2 * b, minus1, minus2).named("io_anions")
    net = rasp.SequenceMap(lambda c, a: c - a, cations, anions).named("io_net")
    return rasp.Map(lambda n: "neutral" if n == 0 else f"{n:+d}", net).named("io_out")


def ledger_running_balance() -> rasp.SOp:
    """A ledger of '+2', '-1', ... entries: one prefix Select over (entry, index) keys and-ed with a Select
    per amount, four widths, the running balance, and 'overdrawn' (or the balance) after each entry."""
    tagged = _tagged("lg")
    so_far = rasp.Select(tagged, tagged, lambda k, q: k[1] <= q[1]).named("lg_so_far")

    def count(entry: str, name: str) -> rasp.SOp:
        kind = rasp.Select(tagged, tagged, lambda k, q: k[0] == entry).named(f"lg_{name}_kind")
        return rasp.SelectorWidth(rasp.selector_and(so_far, kind).named(f"lg_{name}_sel")).named(f"lg_{name}")

    credit = rasp.SequenceMap(lambda a, b: a + 2 * b, count("+1", "c1"), count("+2", "c2")).named("lg_credit")
    debit = rasp.SequenceMap(lambda a, b: a + 2 * b, count("-1", "d1"), count("-2", "d2")).named("lg_debit")
    balance = rasp.SequenceMap(lambda c, d: c - d, credit, debit).named("lg_balance")
    return rasp.Map(lambda b: "overdrawn" if b < 0 else str(b), balance).named("lg_out")


def rule30_two_steps() -> rasp.SOp:
    """Elementary cellular automaton rule 30 on bools, two generations, dead cells past the edges (BOS '⟨s⟩',
    PAD '∅'): each generation reads its left and right neighbours as numerical means of a 0/1 copy under
    k == q - 1 and k == q + 1 (default 0 past the edge), thresholds them at 0, and applies
    left XOR (centre OR right); the two neighbour Selects are shared by both generations (16 lines)."""
    left_sel = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1).named("ca_left_sel")
    right_sel = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1).named("ca_right_sel")

    def step(cells: rasp.SOp, g: int) -> rasp.SOp:
        alive = rasp.numerical(rasp.Map(lambda c: 1 if c else 0, cells)).named(f"ca{g}_alive")
        left = rasp.numerical(rasp.Aggregate(left_sel, alive, default=0)).named(f"ca{g}_left_mean")
        right = rasp.numerical(rasp.Aggregate(right_sel, alive, default=0)).named(f"ca{g}_right_mean")
        left = rasp.categorical(rasp.Map(lambda x: x > 0, left)).named(f"ca{g}_left")
        right = rasp.categorical(rasp.Map(lambda x: x > 0, right)).named(f"ca{g}_right")
        centre_or_right = rasp.SequenceMap(lambda c, r: bool(c) or r, cells, right).named(f"ca{g}_c_or_r")
        return rasp.SequenceMap(lambda l, cr: l != cr, left, centre_or_right).named(f"ca{g}_next")

    return step(step(rasp.tokens, 1), 2)


def sql_clause_of_token() -> rasp.SOp:
    """SQL tokens under BOS '[START]' / PAD '[EMPTY]': the clause each token belongs to (the last keyword at
    or before it, found by numbering the keywords with a prefix width and looking the number up; before the
    first keyword, the first one; None without keywords)."""
    tagged = _tagged("sq")
    ordinal = rasp.SelectorWidth(rasp.Select(
        tagged, tagged, lambda k, q: k[0] in SQL_KEYWORDS and k[1] <= q[1]).named("sq_kw_sel")).named(
        "sq_ordinal")
    key = rasp.SequenceMap(lambda t, c: c if t in SQL_KEYWORDS else -1, rasp.tokens, ordinal).named("sq_key")
    query = rasp.Map(lambda c: max(c, 1), ordinal).named("sq_query")
    keyword = rasp.Aggregate(rasp.Select(key, query, rasp.Comparison.EQ).named("sq_lookup"),
                             rasp.tokens).named("sq_keyword")
    return rasp.Map(lambda w: {"SELECT": "projection", "FROM": "source", "WHERE": "filter"}.get(w, "?"), keyword).named(
        "sq_clause")


def hex_digit_rank_len4() -> rasp.SOp:
    """16 hex digits at max_seq_len 4: how many digits are larger by value, '*' if mine repeats."""
    larger = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: int(k, 16) > int(q, 16)).named(
        "hx_larger_sel")).named("hx_larger")
    same = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "hx_same_sel")).named("hx_same")
    return rasp.SequenceMap(lambda l, s: str(l) + ("*" if s > 1 else ""), larger, same).named("hx_out")


def backspace_keystrokes() -> rasp.SOp:
    """Keystrokes with '⌫': a '⌫' erases the letter just before it (a clamped previous-token head); two
    widths count letters and erasures, and each keystroke is reported with the number of surviving letters."""
    prev = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == max(q - 1, 0)).named(
        "bk_back"), rasp.tokens).named("bk_prev")
    status = rasp.SequenceMap(lambda t, p: "letter" if t != "⌫" else ("noop" if p == "⌫" else "erase"),
                              rasp.tokens, prev).named("bk_status")
    letters = rasp.SelectorWidth(rasp.Select(status, status, lambda k, q: k == "letter").named(
        "bk_letter_sel")).named("bk_letters")
    erased = rasp.SelectorWidth(rasp.Select(status, status, lambda k, q: k == "erase").named(
        "bk_erase_sel")).named("bk_erased")
    survivors = rasp.SequenceMap(lambda l, e: l - e, letters, erased).named("bk_survivors")
    return rasp.SequenceMap(lambda s, k: f"{s}/{k}", status, survivors).named("bk_out")


# --- ints -----------------------------------------------------------------------------------------------


def exam_percentile_grade() -> rasp.SOp:
    """Exam scores 40..100: a letter grade from the share of scores strictly below mine (LT width over
    the length)."""
    below = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named(
        "ex_below_sel")).named("ex_below")
    n = lib.make_length().named("ex_length")
    return rasp.SequenceMap(
        lambda b, m: "A" if 4 * b >= 3 * m else ("B" if 2 * b >= m else ("C" if 4 * b >= m else "D")), below,
        n).named("ex_grade")


def refund_matching() -> rasp.SOp:
    """Signed amounts -500..500: charges of my amount minus the refunds that cancel them (k == -q), read
    from a refund's side with the sign flipped: signed int outputs."""
    same = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "rf_same_sel")).named("rf_same")
    opposite = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == -q).named(
        "rf_opp_sel")).named("rf_opposite")
    open_ = rasp.SequenceMap(lambda s, o: s - o, same, opposite).named("rf_open")
    return rasp.SequenceMap(lambda d, t: d if t > 0 else -d, open_, rasp.tokens).named("rf_out")


def team_seat_neighbours() -> rasp.SOp:
    """Players of two teams in a row of seats: neighbours on my team (`selector_and` of an adjacency and a
    same-team Select over (team, seat) keys)."""
    tagged = _tagged("ts")
    beside = rasp.Select(tagged, tagged, lambda k, q: abs(k[1] - q[1]) == 1).named("ts_beside")
    mate = rasp.Select(tagged, tagged, lambda k, q: k[0] == q[0]).named("ts_mate")
    mates = rasp.SelectorWidth(rasp.selector_and(beside, mate).named("ts_sel")).named("ts_mates")
    return rasp.SequenceMap(lambda m, t: t + {0: "-alone", 1: "-edge"}.get(m, "-flanked"), mates,
                            rasp.tokens).named("ts_out")


def sensor_outlier_votes() -> rasp.SOp:
    """Sensor readings 0..9: a reading is an outlier when more than half the readings are over 2 away from it
    (`selector_or` of two offset comparisons)."""
    far = rasp.selector_or(
        rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k < q - 2).named("so_low"),
        rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k > q + 2).named("so_high")).named("so_far")
    votes = rasp.SelectorWidth(far).named("so_votes")
    n = lib.make_length().named("so_length")
    return rasp.SequenceMap(lambda v, m: "outlier" if 2 * v > m else "ok", votes, n).named("so_out")


def expense_top_spenders() -> rasp.SOp:
    """Expenses {5, 20, 50, 100, 250, 1000}: my rank from the top (GEQ width) and whether anything is cheaper
    (LT width)."""
    at_least = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named(
        "xp_geq_sel")).named("xp_at_least")
    cheaper = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named(
        "xp_lt_sel")).named("xp_cheaper")
    return rasp.SequenceMap(lambda a, c: f"top{a}" if c else "cheapest", at_least, cheaper).named("xp_out")


# --- numerical ------------------------------------------------------------------------------------------


def altitude_suffix_below_sea() -> rasp.SOp:
    """Altitudes -400..8848 m: the share of waypoints from mine to the end below sea level (a GEQ index
    mean)."""
    below = rasp.numerical(rasp.Map(lambda a: 1 if a < 0 else 0, rasp.tokens)).named("al_below")
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ).named(
        "al_from_me"), below, default=0)).named("al_share")


def poll_swing() -> rasp.SOp:
    """Poll answers: the final share of 'yes' (TRUE) minus the share so far (LEQ), a LinearSequenceMap."""
    yes = rasp.numerical(rasp.Map(lambda a: 1 if a == "yes" else 0, rasp.tokens)).named("pl_yes")
    overall = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "pl_all"), yes, default=0)).named("pl_overall")
    so_far = rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named(
        "pl_prefix"), yes, default=0)).named("pl_so_far")
    return rasp.numerical(rasp.LinearSequenceMap(overall, so_far, 1, -1)).named("pl_swing")


def bool_majority_margin() -> rasp.SOp:
    """Bools: the share of True minus the share of False under one TRUE Select, read as a verdict by a
    numerical-to-categorical Map thresholded at 0."""
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("bm_all")
    yes = rasp.numerical(rasp.Map(lambda b: 1 if b else 0, rasp.tokens)).named("bm_true")
    no = rasp.numerical(rasp.Map(lambda b: 0 if b else 1, rasp.tokens)).named("bm_false")
    margin = rasp.numerical(rasp.LinearSequenceMap(
        rasp.numerical(rasp.Aggregate(everyone, yes, default=0)).named("bm_true_share"),
        rasp.numerical(rasp.Aggregate(everyone, no, default=0)).named("bm_false_share"), 1, -1)).named("bm_margin")
    return rasp.categorical(rasp.Map(lambda m: "True" if m > 0 else ("tie" if m == 0 else "False"),
                                     margin)).named("bm_verdict")


def capital_share_among_others() -> rasp.SOp:
    """Mixed-case letters: the share of capitals among the other positions (`selector_and` of a
    `selector_not` of a FALSE Select and an NEQ Select)."""
    capital = rasp.numerical(rasp.Map(lambda c: 1 if c.isupper() else 0, rasp.tokens)).named("cs_capital")
    others = rasp.selector_and(
        rasp.selector_not(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.FALSE).named("cs_none")),
        rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.NEQ).named("cs_not_me")).named("cs_others")
    return rasp.numerical(rasp.Aggregate(others, capital, default=0)).named("cs_share")


# --- lib.py ---------------------------------------------------------------------------------------------


def lib_dyck_math_brackets() -> rasp.SOp:
    """`make_shuffle_dyck` over the mathematical brackets '⟨⟩' and '⌈⌉' with a filler 'x', read as words."""
    dyck = lib.make_shuffle_dyck(pairs=["⟨⟩", "⌈⌉"]).named("md_dyck")
    return rasp.Map(lambda d: "balanced" if d == 1 else "unbalanced", dyck).named("md_out")


def lib_tcp_handshake() -> rasp.SOp:
    """TCP flags: `detect_pattern` of SYN, SYN-ACK, ACK, reported as 'established' unless a RST occurs
    anywhere (None at the first two positions, as detect_pattern gives)."""
    handshake = lib.detect_pattern(rasp.tokens, ["SYN", "SYN-ACK", "ACK"]).named("tc_handshake")
    resets = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "RST").named(
        "tc_rst_sel")).named("tc_resets")
    return rasp.SequenceMap(lambda h, r: "reset" if r else ("established" if h else "-"), handshake,
                            resets).named("tc_out")


def lib_sort_runners_by_time() -> rasp.SOp:
    """`make_sort` of runners' names by their finishing minutes (a Map to the time as the key), then
    the place written before each name."""
    minutes = rasp.Map(lambda r: RUN_MINUTES[r], rasp.tokens).named("rn_minutes")
    ranked = lib.make_sort(rasp.tokens, minutes, max_seq_len=6, min_key=1).named("rn_sorted")
    return rasp.SequenceMap(lambda r, i: f"{i + 1}.{r}", ranked, rasp.indices).named("rn_out")


def lib_hist_majority_word() -> rasp.SOp:
    """`make_hist` against `make_length`: is my word a majority, exactly half, or a minority."""
    hist = lib.make_hist().named("hm_hist")
    n = lib.make_length().named("hm_length")
    return rasp.SequenceMap(lambda h, m: "majority" if 2 * h > m else ("half" if 2 * h == m else "minority"),
                            hist, n).named("hm_out")


def lib_frac_prevs_error_log() -> rasp.SOp:
    """Log levels at max_seq_len 10: `make_frac_prevs` of ERROR, thresholded at 0 into 'alarm' / 'quiet',
    beside my level."""
    errors = lib.make_frac_prevs(rasp.Map(lambda t: 1 if t == "ERROR" else 0, rasp.tokens).named(
        "el_is_error")).named("el_frac")
    alarm = rasp.Map(lambda f: "alarm" if f > 0 else "quiet", errors).named("el_alarm")
    return rasp.SequenceMap(lambda a, t: f"{t}:{a}", alarm, rasp.tokens).named("el_out")


def lib_guillemet_balance() -> rasp.SOp:
    """`make_pair_balance` of '«' and '»', read three ways: broken (below 0), open (above 0), closed."""
    balance = lib.make_pair_balance(rasp.tokens, "«", "»").named("gu_balance")
    return rasp.Map(lambda b: "broken" if b < 0 else ("open" if b > 0 else "closed"), balance).named("gu_state")


def lib_shift_echo_delay() -> rasp.SOp:
    """A delay line: `shift_by(2)` of solfege syllables, upper-cased as the echo (None for the first two)."""
    echo = lib.shift_by(2, rasp.tokens).named("ec_delayed")
    return rasp.Map(lambda s: s.upper(), echo).named("ec_echo")


# --- causal=True ----------------------------------------------------------------------------------------


def causal_bool_prefix_parity() -> rasp.SOp:
    """causal=True: the parity of the number of True bits so far (a width of a Select of the True keys)."""
    ones = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k).named("cp_true_sel")).named(
        "cp_ones")
    return rasp.Map(lambda c: c % 2 == 1, ones).named("cp_odd")


def causal_return_to_start() -> rasp.SOp:
    """causal=True, rooms of a walk: how many times so far the walk came back to the room it started in
    (the first room by a position-0 head, a match flag, a width of the flags)."""
    start = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("rt_first_sel"),
                           rasp.tokens).named("rt_start")
    home = rasp.SequenceMap(lambda s, t: 1 if s == t else 0, start, rasp.tokens).named("rt_home")
    visits = rasp.SelectorWidth(rasp.Select(home, home, lambda k, q: k == 1).named("rt_home_sel")).named(
        "rt_visits")
    return rasp.Map(lambda v: f"returns:{v - 1}", visits).named("rt_out")


def causal_new_low_custom_bos() -> rasp.SOp:
    """causal=True, prices 97..103 under BOS 'open' / PAD 'closed': a new low (no earlier price below, LT),
    a new high (no earlier price above, GT), or neither."""
    lower = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT).named(
        "nl_lower_sel")).named("nl_lower")
    higher = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named(
        "nl_higher_sel")).named("nl_higher")
    return rasp.SequenceMap(
        lambda lo, hi: "first" if lo == 0 and hi == 0 else ("low" if lo == 0 else ("high" if hi == 0 else "-")),
        lower, higher).named("nl_out")


PROGRAMS = [
    SuiteProgram("ioi_name_roles", "IOI: names as IO / S1 / S2 by a duplicate-token width and a count",
                 ioi_name_roles, IOI_WORDS, 8),
    SuiteProgram("greater_than_first_year", "greater-than: my year after the first one, later years (GT)",
                 greater_than_first_year, YEARS, 6),
    SuiteProgram("month_successor_len4", "12 months at 4: successor of the previous month, same quarter",
                 month_successor_len4, MONTHS, 4),
    SuiteProgram("negation_sentiment", "reviews: polarity flipped after 'not', verdict from two widths",
                 negation_sentiment, REVIEW, 7),
    SuiteProgram("weekday_successor_present", "weekdays: does the next day occur, weekend flag",
                 weekday_successor_present, DAYS, 7),
    SuiteProgram("ion_charge_balance", "ions: four charge widths weighed, the net charge (12 lines)",
                 ion_charge_balance, IONS, 6),
    SuiteProgram("ledger_running_balance", "ledger: running balance from four prefix widths (selector_and)",
                 ledger_running_balance, LEDGER, 6),
    SuiteProgram("rule30_two_steps", "rule 30 on bools, two generations, BOS '⟨s⟩' / PAD '∅'",
                 rule30_two_steps, BITS, 9, compiler_bos="⟨s⟩", compiler_pad="∅"),
    SuiteProgram("sql_clause_of_token", "SQL: the clause of each token, BOS '[START]' / PAD '[EMPTY]'",
                 sql_clause_of_token, SQL, 7, compiler_bos="[START]", compiler_pad="[EMPTY]"),
    SuiteProgram("hex_digit_rank_len4", "16 hex digits at 4: larger digits by value, repeats",
                 hex_digit_rank_len4, HEX, 4),
    SuiteProgram("backspace_keystrokes", "keystrokes: '⌫' erasing the previous letter, survivors",
                 backspace_keystrokes, KEYS, 8),
    SuiteProgram("exam_percentile_grade", "scores 40..100: letter grade from the share below (LT)",
                 exam_percentile_grade, SCORES, 8),
    SuiteProgram("refund_matching", "signed amounts: charges minus the refunds cancelling them",
                 refund_matching, AMOUNTS, 7),
    SuiteProgram("team_seat_neighbours", "two teams in a row: neighbours on my team (selector_and)",
                 team_seat_neighbours, TEAMS, 8),
    SuiteProgram("sensor_outlier_votes", "readings 0..9: outlier by a selector_or of offsets, length",
                 sensor_outlier_votes, SENSOR, 7),
    SuiteProgram("expense_top_spenders", "expenses: rank from the top (GEQ), cheapest (LT)",
                 expense_top_spenders, EXPENSES, 6),
    SuiteProgram("altitude_suffix_below_sea", "altitudes: share below sea level from me on (GEQ mean)",
                 altitude_suffix_below_sea, ALTITUDES, 7),
    SuiteProgram("poll_swing", "poll: final share of yes minus the share so far (TRUE, LEQ, linear)",
                 poll_swing, POLL, 9),
    SuiteProgram("bool_majority_margin", "bools: share True minus share False, verdict at 0",
                 bool_majority_margin, BITS, 9),
    SuiteProgram("capital_share_among_others", "mixed case: share of capitals elsewhere (not FALSE, NEQ)",
                 capital_share_among_others, MIXED_CASE, 8),
    SuiteProgram("lib_dyck_math_brackets", "make_shuffle_dyck over '⟨⟩' and '⌈⌉', as words",
                 lib_dyck_math_brackets, MATH_BRACKETS, 8),
    SuiteProgram("lib_tcp_handshake", "detect_pattern of a TCP handshake, reset by any RST",
                 lib_tcp_handshake, TCP, 8),
    SuiteProgram("lib_sort_runners_by_time", "make_sort of runners by finishing minutes, placed",
                 lib_sort_runners_by_time, RUNNERS, 6),
    SuiteProgram("lib_hist_majority_word", "make_hist against make_length: majority / half / minority",
                 lib_hist_majority_word, SPAM_WORDS, 7),
    SuiteProgram("lib_frac_prevs_error_log", "make_frac_prevs of ERROR at 10, alarm at 0, my level",
                 lib_frac_prevs_error_log, LOG_LEVELS, 10),
    SuiteProgram("lib_guillemet_balance", "make_pair_balance of guillemets: broken / open / closed",
                 lib_guillemet_balance, GUILLEMETS, 8),
    SuiteProgram("lib_shift_echo_delay", "shift_by(2) of solfege, upper-cased echo",
                 lib_shift_echo_delay, SOLFEGE, 7),
    SuiteProgram("causal_bool_prefix_parity", "causal: parity of True bits so far",
                 causal_bool_prefix_parity, BITS, 8, causal=True),
    SuiteProgram("causal_return_to_start", "causal: returns so far to the starting room",
                 causal_return_to_start, ROOMS, 8, causal=True),
    SuiteProgram("causal_new_low_custom_bos", "causal, BOS 'open': new low (LT) / new high (GT) so far",
                 causal_new_low_custom_bos, PRICES, 8, compiler_bos="open", compiler_pad="closed", causal=True),
]
