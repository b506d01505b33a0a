"""The paper's vector form: four tokens per line (function, argument 1, 2, 3).

Vocabulary (ids are stable for a given `LIBRARY_VERSION`):

| ids | tokens |
|---|---|
| 0-3 | `<pad>`, `<bos>`, `<eos>`, `<empty>` (an unused argument slot) |
| 4-8 | functions: Select, Aggregate, SelectorWidth, Map, SequenceMap |
| 9-25 | variables: tokens, indices, v1 ... v15 |
| 26-33 | comparisons: EQ, LT, LEQ, GT, GEQ, NEQ, TRUE, FALSE |
| 34- | library lambdas, in `LAMBDAS` order (token names `text|kind`) |

A program of n lines is `<bos>`, 4n line tokens, `<eos>`.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from trade.program.lambdas import COMPARISONS, LAMBDAS
from trade.program.program import (INPUTS, MAX_LINES, Line, Op, Program, ProgramError, variable_name,
                                   variable_positions)

PAD, BOS, EOS, EMPTY = "<pad>", "<bos>", "<eos>", "<empty>"
SPECIALS = (PAD, BOS, EOS, EMPTY)
FUNCTIONS = tuple(op.value for op in Op)
VARIABLES = INPUTS + tuple(variable_name(i) for i in range(MAX_LINES))
LAMBDA_TOKENS = tuple(lam.token for lam in LAMBDAS)

VOCABULARY: tuple[str, ...] = SPECIALS + FUNCTIONS + VARIABLES + COMPARISONS + LAMBDA_TOKENS
TOKEN_ID: dict[str, int] = {token: index for index, token in enumerate(VOCABULARY)}
PAD_ID, BOS_ID, EOS_ID, EMPTY_ID = (TOKEN_ID[t] for t in SPECIALS)
TOKENS_PER_LINE = 4
MAX_PROGRAM_TOKENS = 2 + TOKENS_PER_LINE * MAX_LINES


def program_to_tokens(program: Program) -> list[str]:
    """`<bos>`, then function and three argument tokens per line, then `<eos>`."""
    out = [BOS]
    for line in program.lines:
        out.append(line.op.value)
        out.extend(line.args)
        out.extend([EMPTY] * (TOKENS_PER_LINE - 1 - len(line.args)))
    out.append(EOS)
    return out


def program_to_ids(program: Program) -> list[int]:
    return [TOKEN_ID[token] for token in program_to_tokens(program)]


def tokens_to_program(tokens: list[str]) -> Program:
    """Inverse of `program_to_tokens`; `<bos>`/`<eos>`/`<pad>` around the lines are optional.

    Raises ProgramError on a malformed or ill-typed sequence.
    """
    body = [t for t in tokens if t not in (PAD,)]
    if body and body[0] == BOS:
        body = body[1:]
    if EOS in body:
        body = body[:body.index(EOS)]
    if len(body) % TOKENS_PER_LINE:
        raise ProgramError(f"{len(body)} line tokens is not a multiple of {TOKENS_PER_LINE}")
    ops = {op.value: op for op in Op}
    lines = []
    for start in range(0, len(body), TOKENS_PER_LINE):
        function, *args = body[start:start + TOKENS_PER_LINE]
        if function not in ops:
            raise ProgramError(f"line {start // 4 + 1}: '{function}' is not a function")
        while args and args[-1] == EMPTY:
            args.pop()
        if EMPTY in args:
            raise ProgramError(f"line {start // 4 + 1}: an empty slot before an argument")
        lines.append(Line(ops[function], tuple(args)))
    program = Program(tuple(lines))
    program.types()
    return program


def ids_to_program(ids: list[int]) -> Program:
    if any(not 0 <= i < len(VOCABULARY) for i in ids):
        raise ProgramError("token id outside the vocabulary")
    return tokens_to_program([VOCABULARY[i] for i in ids])


def argument_substitutions(program: Program) -> Iterator[dict[int, int]]:
    """Every change of one argument token, as {position: token} on the program's token ids.

    The new token is another variable defined above, another comparison or
    another lambda; some of the results are ill-typed (`ids_to_program` refuses
    them). The repair search and `trade.verify.undetermined_tokens` try such
    neighbours (`benchmarks/search_speed.py` times compiling them).
    """
    for index, line in enumerate(program.lines):
        start = 1 + TOKENS_PER_LINE * index
        variables = list(INPUTS) + [variable_name(j) for j in range(index)]
        for slot, arg in enumerate(line.args):
            if slot in variable_positions(line.op):
                options: Sequence[str] = variables
            elif line.op is Op.SELECT:
                options = COMPARISONS
            else:
                options = LAMBDA_TOKENS
            for option in options:
                if option != arg:
                    yield {start + 1 + slot: TOKEN_ID[option]}
