"""Where BOS and PAD sit, read from the weights, against the truth on every suite program.

A plain file keeps no token names, and Tracr lays the embedding's rows out by sorting them, so
`trade.model_inputs.special_token_rows` reads BOS's row (every head's query `one` scores it) and PAD's
(nothing reads it) from the one-hot weights, and `special_token_names` names them to sort there. For each
program of the given suites (compiled by Tracr with the suite's own BOS and PAD), this counts rows read
right, left open (None) and WRONG, and whether the chosen names lay the rows out as the model has them.

    python benchmarks/special_tokens.py examples/*/
"""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from transformed_suites import _plain  # noqa: E402

from trade.compiled import CompileConfig  # noqa: E402
from trade.model_inputs import special_token_names, special_token_rows  # noqa: E402
from trade.suites import load_suite  # noqa: E402
from trade.verify import token_ids_for  # noqa: E402


def layout(config: CompileConfig) -> list:
    """The tokens row by row, BOS and PAD by role."""
    ids = token_ids_for(config)
    roles = {config.compiler_bos: "BOS", config.compiler_pad: "PAD"}
    return [roles.get(value, value) for value in sorted(ids, key=ids.get)]


def main() -> None:
    counts: collections.Counter = collections.Counter()
    began = time.perf_counter()
    for suite in sys.argv[1:]:
        for entry in load_suite(suite):
            try:
                _, plain = _plain(suite, entry.name)
            except Exception as error:  # what Tracr cannot compile is not a model
                print(f"skipped {suite} {entry.name}: {type(error).__name__}")
                counts["skipped"] += 1
                continue
            config = plain.compile_config
            ids = token_ids_for(config)
            rows = special_token_rows(plain.params)
            truth = (ids[config.compiler_bos], ids[config.compiler_pad])
            for token, got, want in zip(("BOS", "PAD"), rows, truth):
                outcome = "open" if got is None else "right" if got == want else \
                    "narrowed" if isinstance(got, frozenset) and want in got else "WRONG"
                counts[token, outcome] += 1
                if outcome == "WRONG":
                    print(f"WRONG {token} row: {suite} {entry.name} read {got}, is {want}")
            names = special_token_names(config.vocab, *rows)
            same = names is not None and layout(CompileConfig(vocab=config.vocab, compiler_bos=names[0],
                                                              compiler_pad=names[1])) == layout(config)
            counts["layout", "same" if same else "other"] += 1
            counts["names", "usual" if names and not any("\0" in name for name in names) else "made up"] += 1
            if not same:
                print(f"other layout: {suite} {entry.name} rows {rows}, names {names!r}")
    models = counts["layout", "same"] + counts["layout", "other"]
    print(f"\n{models} models, {counts['skipped']} skipped, {time.perf_counter() - began:.0f} s\n")
    print("| token | row read right | narrowed to rows holding it | left open | WRONG |")
    print("|---|---|---|---|---|")
    for token in ("BOS", "PAD"):
        print(f"| {token} | {counts[token, 'right']} | {counts[token, 'narrowed']} | {counts[token, 'open']} "
              f"| {counts[token, 'WRONG']} |")
    print(f"\nchosen names lay the rows out as the model has them: {counts['layout', 'same']} of {models} "
          f"(usual names {counts['names', 'usual']}, made up {counts['names', 'made up']})")


if __name__ == "__main__":
    main()
