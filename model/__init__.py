"""backprop-lab's model: one NumPy network, vectorised backprop with wishes, naive nudging.

`run(spec) -> result` is the entry point; see `model.spec` for the spec and DESIGN.md for the
words. Nothing here knows of Flask or Celery.
"""

from .job import Job, naive_count, prepare
from .naive import Cancelled
from .run import naive_part, run
from .spec import JobSpec, Limits, SpecError, estimate_cost, parse_spec

__all__ = ["Cancelled", "Job", "JobSpec", "Limits", "SpecError", "estimate_cost", "naive_count",
           "naive_part", "parse_spec", "prepare", "run"]
