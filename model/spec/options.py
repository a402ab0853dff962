"""What a job runs and reports besides backprop: the naive method's options, the parts of the
report to include, and the timing's repeats."""

from __future__ import annotations

import sys
from typing import Annotated, Literal

from pydantic import Field

from .strict import Seed, Strict

# the smallest normal float64 and float32: a smaller nudge (zero, or a subnormal such as
# 1e-320) is lost in w + epsilon or in the division by it, and the job would fail as overflowing
NORMAL = {"float64": sys.float_info.min, "float32": 2.0**-126}


class NaiveSpec(Strict):
    difference: Literal["forward", "central"] = "central"
    epsilon: (
        Annotated[float, Field(gt=0, lt=1, json_schema_extra={"minimum": NORMAL["float64"]})] | None
    ) = Field(
        None,
        description="The nudge; default by dtype and difference: central 1e-6 (float64) "
        "or 1e-2 (float32), forward 1e-8 (float64) or 1e-3 (float32). A normal number of "
        "the dtype: at least 2.2250738585072014e-308 (float64) or 1.1754943508222875e-38 "
        "(float32).",
    )
    sample: Annotated[int, Field(ge=1)] | None = Field(
        None, description="null nudges every parameter; k nudges k parameters chosen with seed."
    )
    seed: Seed = 0


class IncludeSpec(Strict):
    """Which parts of the backprop report to return (cost, timing and naive always come)."""

    gradients: bool = True
    wishes: bool = True
    layers: bool = Field(True, description="Per-layer detail: the three ways and consistency.")
    per_example: bool = Field(False, description="Every example's wishes and gradients.")
    averaging: bool = Field(
        False,
        description="The `averaging` block: the cosine of batch-mean "
        "gradients with the whole training pool's, by batch size, and "
        "consistency with true against shuffled labels (see `averaging`).",
    )
    parameters: bool = Field(
        False,
        description="With `train`: the trained weights and biases "
        "in `training.parameters`, to continue from.",
    )


class TimingSpec(Strict):
    repeats: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        None,
        description="Repeats for the forward and backprop timings (median is reported); "
        "default: as many as fit in about 0.2 s, at most 11.",
    )


class TrainSpec(Strict):
    """Gradient descent before the report: `steps` steps, each on a fresh mini-batch of
    `batch_size` from the batch source's training pool (the mnist train split; all of digits;
    the spec's own batch otherwise), W -= learning_rate * dC/dW with the batch-averaged
    gradient from backprop or from the naive method (`naive.difference`, `naive.epsilon`)."""

    steps: Annotated[int, Field(ge=1, le=100_000)]
    batch_size: Annotated[int, Field(ge=1)] = 20
    learning_rate: Annotated[float, Field(gt=0, le=1000)] = 3.0
    seed: Seed = 0
    method: Literal["backprop", "naive"] = "backprop"
    eval_every: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description="Steps between accuracy evaluations (on the mnist test split, or on "
        "the batch); default: about 20 points over the run. Always before the first step and "
        "after the last.",
    )

    @property
    def every(self) -> int:
        return self.eval_every or max(1, self.steps // 20)


class AveragingSpec(Strict):
    """How `include.averaging` samples: `draws` mini-batches of each size in `sizes` from the
    training pool, their cosines averaged."""

    sizes: list[Annotated[int, Field(ge=1)]] = Field([1, 10, 100, 1000], max_length=12)
    draws: Annotated[int, Field(ge=1, le=50)] = 5
    seed: Seed = 0
