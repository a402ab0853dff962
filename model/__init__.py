"""backprop-lab's model: one NumPy network, vectorised backprop with wishes, naive nudging.

`run(spec) -> result` is the entry point; see `model.spec` for the spec and DESIGN.md for the
words. Nothing here knows of Flask or Celery.
"""

from .naive import Cancelled
from .run import naive_count, naive_part, prepare, run
from .spec import JobSpec, Limits, SpecError, estimate_cost, parse_spec

__all__ = ["Cancelled", "JobSpec", "Limits", "SpecError", "estimate_cost", "naive_count",
           "naive_part", "parse_spec", "prepare", "run"]
