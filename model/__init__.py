"""backprop-lab's model: one NumPy network, vectorised backprop with wishes, naive nudging.

`run(spec) -> result` is the entry point (its arrays stay NumPy arrays; `jsonable(result)` gives
plain lists for `json.dumps`); see `model.spec` for the spec, docs/words.md for the
words with their formulas and shapes, and docs/contract.md for the result. Nothing here knows of
Flask, Celery or Redis; past `model.job` (the edge), nothing knows of pydantic either.
"""

from .job import Job, naive_count, prepare
from .naive import Cancelled
from .result_key import result_key
from .result_size import estimate_result, result_too_big
from .run import jsonable, naive_part, run
from .spec import JobSpec, Limits, SpecError, estimate_cost, parse_spec

__all__ = [
    "Cancelled",
    "Job",
    "JobSpec",
    "Limits",
    "SpecError",
    "estimate_cost",
    "estimate_result",
    "jsonable",
    "naive_count",
    "naive_part",
    "parse_spec",
    "prepare",
    "result_key",
    "result_too_big",
    "run",
]
