"""The search modes of `trade evaluate`: repair never does worse than the beam, and workers change nothing."""

from trade.compiling import compile_program
from trade.decompile import DEFAULT_CHECKPOINT, load_decompiler
from trade.evaluate_model import BEAM, REPAIRED, EvaluationJob, predict
from trade.program.program import canonicalize
from trade.program.text import parse_program
from trade.verify import VERDICTS
from trade.weights import weights_of
from tests.conftest import FRAC_ONES, REVERSE


def test_search_modes_in_parallel_match_one_process():
    checkpoint = load_decompiler()
    truths = [canonicalize(parse_program(source)) for source in (REVERSE, FRAC_ONES)]
    weights = [weights_of(compile_program(p)) for p in truths]
    serial = EvaluationJob(modes=(BEAM, REPAIRED), beam_size=4)
    predictions, _, verdicts = predict(checkpoint, weights, truths, serial, progress=False)
    rank = {verdict: index for index, verdict in enumerate(VERDICTS)}
    for beam, repaired in zip(verdicts[BEAM], verdicts[REPAIRED]):
        assert rank[repaired] <= rank[beam]
    parallel = EvaluationJob(modes=(BEAM,), beam_size=4, workers=2, checkpoint_dir=str(DEFAULT_CHECKPOINT))
    in_parallel, _, parallel_verdicts = predict(checkpoint, weights, truths, parallel, progress=False)
    assert in_parallel[BEAM] == predictions[BEAM] and parallel_verdicts[BEAM] == verdicts[BEAM]
