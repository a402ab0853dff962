"""The job spec: the pydantic schema that `model.run`, the API's validation and its OpenAPI
document share. It is the model's edge: `model.job` turns a validated spec into arrays, and
nothing past it (the network, the batch, backprop, nudging) knows of pydantic.

A spec, by example (every field but `network.layers` and `batch` has a default)::

    {"network": {"layers": [784, 16, 16, 10], "activation": "sigmoid",
                 "cost": "squared_error", "init": {"seed": 7}},
     "batch":   {"dataset": "digits", "resolution": 28, "size": 100, "seed": 0},
     "methods": ["backprop", "naive"],
     "naive":   {"difference": "central", "epsilon": 1e-6, "sample": null}}

One idea a file: `network.py` (NetworkSpec), `batch.py` (BatchSpec), `options.py` (NaiveSpec,
IncludeSpec, TimingSpec, TrainSpec, AveragingSpec), `job.py` (JobSpec, parse_spec),
`estimate.py` (estimate_cost), `limits.py` (Limits), `errors.py` (SpecError and how pydantic's
errors become it), `strict.py` (the shared base).
"""

from .batch import (
    DIGITS_CLASSES,
    DIGITS_COUNT,
    DIGITS_RESOLUTIONS,
    MNIST_CLASSES,
    MNIST_INPUTS,
    MNIST_SPLITS,
    BatchSpec,
)
from .errors import SpecError
from .estimate import estimate_cost
from .job import JobSpec, parse_spec
from .limits import Limits
from .network import PRESET, InitSpec, NetworkSpec, PresetName
from .options import AveragingSpec, IncludeSpec, NaiveSpec, TimingSpec, TrainSpec

__all__ = [
    "DIGITS_CLASSES",
    "DIGITS_COUNT",
    "DIGITS_RESOLUTIONS",
    "MNIST_CLASSES",
    "MNIST_INPUTS",
    "MNIST_SPLITS",
    "PRESET",
    "AveragingSpec",
    "BatchSpec",
    "IncludeSpec",
    "InitSpec",
    "JobSpec",
    "Limits",
    "NaiveSpec",
    "NetworkSpec",
    "SpecError",
    "PresetName",
    "TimingSpec",
    "TrainSpec",
    "estimate_cost",
    "parse_spec",
]
