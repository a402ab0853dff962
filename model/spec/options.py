"""What a job runs and reports besides backprop: the naive method's options, the parts of the
report to include, and the timing's repeats."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .strict import Seed, Strict


class NaiveSpec(Strict):
    difference: Literal["forward", "central"] = "central"
    epsilon: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None, description="The nudge; default by dtype and difference: central 1e-6 (float64) "
        "or 1e-2 (float32), forward 1e-8 (float64) or 1e-3 (float32)."
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


class TimingSpec(Strict):
    repeats: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        None, description="Repeats for the forward and backprop timings (median is reported); "
        "default: as many as fit in about 0.2 s, at most 11."
    )
