"""Every program of Tracr's `tracr/compiler/lib.py`, at the settings Tracr's own tests use.

Settings (vocabulary, max_seq_len) come from `tracr/compiler/test_cases.py` where a test
exists; strings where the function suggests them (brackets for the Dyck programs, letters
for reverse, hist and pattern detection). `examples/check_suites.py` checks that each one
compiles faithfully.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

from trade.suites import SuiteProgram

LETTERS4 = ("a", "b", "c", "d")


def _frac_prevs_x() -> rasp.SOp:
    return lib.make_frac_prevs(rasp.tokens == "x")


def _frac_prevs_l() -> rasp.SOp:
    return lib.make_frac_prevs(rasp.tokens == "l")


def _frac_prevs_open() -> rasp.SOp:
    return lib.make_frac_prevs(rasp.tokens == "(")


PROGRAMS: list[SuiteProgram] = [
    SuiteProgram("length", "number of tokens, at every position (make_length)",
                 lambda: lib.make_length(), LETTERS4, 5),
    SuiteProgram("length_numerical", "number of tokens as a numerical SOp (numerical(make_length()))",
                 lambda: rasp.numerical(lib.make_length()), LETTERS4, 3),
    SuiteProgram("reverse_letters", "tokens in reverse order (make_reverse)",
                 lambda: lib.make_reverse(rasp.tokens), LETTERS4, 5),
    SuiteProgram("reverse_abc", "tokens in reverse order over three letters (make_reverse)",
                 lambda: lib.make_reverse(rasp.tokens), ("a", "b", "c"), 5),
    SuiteProgram("reverse_bits", "bits in reverse order at max_seq_len 6 (make_reverse)",
                 lambda: lib.make_reverse(rasp.tokens), (0, 1), 6),
    SuiteProgram("pair_balance", "fraction of '(' minus fraction of ')' so far (make_pair_balance)",
                 lambda: lib.make_pair_balance(rasp.tokens, "(", ")"), ("(", ")"), 8),
    SuiteProgram("pair_balance_text", "pair balance over brackets and letters, as in Tracr's test",
                 lambda: lib.make_pair_balance(rasp.tokens, "(", ")"), ("a", "b", "c", "(", ")"), 10),
    SuiteProgram("shuffle_dyck1", "1 if the round brackets are balanced (make_shuffle_dyck(['()']))",
                 lambda: lib.make_shuffle_dyck(["()"]), ("(", ")"), 6),
    SuiteProgram("shuffle_dyck2", "1 if '()' and '{}' are each balanced (make_shuffle_dyck2)",
                 lambda: lib.make_shuffle_dyck2(), ("(", ")", "{", "}"), 5),
    SuiteProgram("shuffle_dyck3", "1 if '()', '{}' and '[]' are each balanced (make_shuffle_dyck)",
                 lambda: lib.make_shuffle_dyck(["()", "{}", "[]"]), ("(", ")", "{", "}", "[", "]"), 6),
    SuiteProgram("hist", "occurrences of each position's token (make_hist)",
                 lambda: lib.make_hist(), LETTERS4, 5),
    SuiteProgram("sort_unique", "tokens sorted; repeated tokens leave None (make_sort_unique)",
                 lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens), (1, 2, 3, 4), 5),
    SuiteProgram("sort_unique_by_index", "tokens sorted by key 1 - index, i.e. reversed (make_sort_unique)",
                 lambda: lib.make_sort_unique(rasp.tokens, 1 - rasp.indices), LETTERS4, 5),
    SuiteProgram("sort", "tokens sorted, ties broken by position (make_sort, min_key 1)",
                 lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1), (1, 2, 3, 4), 5),
    SuiteProgram("sort_by_index", "letters sorted by key 1 - index (make_sort)",
                 lambda: lib.make_sort(rasp.tokens, 1 - rasp.indices, max_seq_len=5, min_key=1), LETTERS4, 5),
    SuiteProgram("sort_freq", "tokens sorted by decreasing frequency (make_sort_freq)",
                 lambda: lib.make_sort_freq(max_seq_len=5), (1, 2, 3, 4), 5),
    SuiteProgram("frac_prevs_x", "fraction of tokens so far equal to 'x' (make_frac_prevs)",
                 _frac_prevs_x, ("x", "y", "z"), 6),
    SuiteProgram("frac_prevs_l", "fraction of letters so far equal to 'l' (make_frac_prevs, 'hello')",
                 _frac_prevs_l, ("h", "e", "l", "o"), 5),
    SuiteProgram("frac_prevs_open", "fraction of tokens so far equal to '(' (make_frac_prevs)",
                 _frac_prevs_open, ("a", "b", "c", "(", ")"), 10),
    SuiteProgram("shift_by_one", "previous token, None at the first position (shift_by(1))",
                 lambda: lib.shift_by(1, rasp.tokens), LETTERS4, 5),
    SuiteProgram("shift_by_two", "token two positions back (shift_by(2))",
                 lambda: lib.shift_by(2, rasp.tokens), LETTERS4, 5),
    SuiteProgram("detect_pattern_a", "True where a token is 'a' (detect_pattern(tokens, 'a'))",
                 lambda: lib.detect_pattern(rasp.tokens, "a"), LETTERS4, 5),
    SuiteProgram("detect_pattern_ab", "True where 'a', 'b' ends (detect_pattern(tokens, 'ab'))",
                 lambda: lib.detect_pattern(rasp.tokens, "ab"), ("a", "b"), 5),
    SuiteProgram("detect_pattern_abc", "True where 'a', 'b', 'c' ends (detect_pattern(tokens, 'abc'))",
                 lambda: lib.detect_pattern(rasp.tokens, "abc"), ("a", "b", "c"), 6),
    SuiteProgram("count_less_freq", "number of tokens that occur at most twice (make_count_less_freq(2))",
                 lambda: lib.make_count_less_freq(2), LETTERS4, 6),
    SuiteProgram("count_less_freq_numerical", "make_count_less_freq(2) as a numerical SOp",
                 lambda: rasp.numerical(lib.make_count_less_freq(2)), LETTERS4, 6),
    SuiteProgram("count_a", "number of 'a' tokens, everywhere (make_count(tokens, 'a'))",
                 lambda: lib.make_count(rasp.tokens, "a"), ("a", "b", "c"), 8),
    SuiteProgram("nary_sequencemap_sum", "x + y - z over (tokens, tokens, indices) (make_nary_sequencemap)",
                 lambda: lib.make_nary_sequencemap(lambda x, y, z: x + y - z, rasp.tokens, rasp.tokens,
                                                   rasp.indices), (1, 2, 3), 5),
    SuiteProgram("nary_sequencemap_ratio", "x * y / z over (indices, indices, tokens), make_nary_sequencemap",
                 lambda: lib.make_nary_sequencemap(lambda x, y, z: x * y / z, rasp.indices, rasp.indices,
                                                   rasp.tokens), (1, 2, 3), 3),
]
