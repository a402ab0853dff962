"""The job spec: one schema, used by `model.run`, the API's validation and its OpenAPI document.

A spec, by example (every field but `network.layers` and `batch` has a default)::

    {"network": {"layers": [784, 16, 16, 10], "activation": "sigmoid",
                 "cost": "squared_error", "init": {"seed": 7}},
     "batch":   {"dataset": "digits", "resolution": 28, "size": 100, "seed": 0},
     "methods": ["backprop", "naive"],
     "naive":   {"difference": "central", "epsilon": 1e-6, "sample": null}}

Limits (layer count and width, batch size, naive cost) are not part of the schema's shape: the
caller passes them as validation context (`parse_spec(data, limits)`), so the library runs
unbounded and the service refuses what it will not run, with the limit in the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .spec_errors import FieldError, SpecError, describe, merge

ActivationName = Literal["sigmoid", "relu", "tanh", "identity", "softmax"]
CostName = Literal["squared_error", "cross_entropy"]
DIGITS_COUNT = 1797
DIGITS_CLASSES = 10
DIGITS_RESOLUTIONS = {8: 64, 28: 784}

Width = Annotated[int, Field(ge=1)]
Row = list[float]


@dataclass(frozen=True)
class Limits:
    """What a caller is willing to run; None means unbounded (the library's default)."""

    max_layers: int | None = None  # weighted layers, L
    max_width: int | None = None
    max_batch: int | None = None
    max_parameters: int | None = None
    max_naive_multiply_adds: int | None = None  # naive passes x multiply-adds per pass
    max_per_example_numbers: int | None = None  # B x (parameters + neurons) when per_example


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, strict=True)


def _limits(info: ValidationInfo) -> Limits:
    return (info.context or {}).get("limits") or Limits()


class Init(_Strict):
    """Seeded initialisation: W(l) ~ N(0, 1/n_{l-1}) ("scaled", default) or N(0, 1) ("normal");
    b(l) ~ N(0, 1). Layers are drawn in order from `np.random.default_rng(seed)`."""

    seed: int = Field(0, ge=0, le=2**63 - 1)
    scheme: Literal["scaled", "normal"] = "scaled"


class Network(_Strict):
    layers: list[Width] = Field(
        ..., min_length=2, description="Widths n_0 (input) .. n_L (output).",
        examples=[[784, 16, 16, 10]],
    )
    activation: ActivationName | list[ActivationName] = Field(
        "sigmoid",
        description="One name for every weighted layer, or a list with one per layer 1..L. "
        "With one name and cost cross_entropy, the output layer is softmax.",
    )
    cost: CostName = "squared_error"
    init: Init = Init()
    weights: list[list[Row]] | None = Field(
        None, description="Explicit W(1)..W(L), W(l) has n_l rows of n_{l-1} numbers."
    )
    biases: list[Row] | None = Field(None, description="Explicit b(1)..b(L), b(l) has n_l numbers.")
    dtype: Literal["float64", "float32"] = "float64"

    @field_validator("layers")
    @classmethod
    def _within_limits(cls, layers: list[int], info: ValidationInfo) -> list[int]:
        limits = _limits(info)
        if limits.max_layers is not None and len(layers) - 1 > limits.max_layers:
            raise FieldError("", f"{len(layers) - 1} weighted layers is over the limit of "
                             f"{limits.max_layers}", limit=limits.max_layers)
        if limits.max_width is not None and max(layers) > limits.max_width:
            raise FieldError("", f"width {max(layers)} is over the limit of {limits.max_width}",
                             limit=limits.max_width)
        return layers

    @property
    def activations(self) -> list[str]:
        """One activation name per weighted layer 1..L."""
        count = len(self.layers) - 1
        if isinstance(self.activation, list):
            return list(self.activation)
        if self.cost == "cross_entropy":
            return [self.activation] * (count - 1) + ["softmax"]
        return [self.activation] * count

    @property
    def parameter_count(self) -> int:
        return sum(n * (m + 1) for m, n in zip(self.layers[:-1], self.layers[1:]))

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Network:
        count = len(self.layers) - 1
        if isinstance(self.activation, list) and len(self.activation) != count:
            raise FieldError("activation", f"needs {count} names (one per weighted layer), "
                             f"got {len(self.activation)}")
        names = self.activations
        if "softmax" in names[:-1]:
            raise FieldError("activation", "softmax is only allowed on the output layer")
        if names[-1] == "softmax" and self.cost != "cross_entropy":
            raise FieldError("activation", "a softmax output needs cost 'cross_entropy'")
        if self.cost == "cross_entropy" and names[-1] != "softmax":
            raise FieldError("activation", "cost 'cross_entropy' needs a softmax output layer")
        if self.cost == "cross_entropy" and self.layers[-1] < 2:
            raise FieldError("layers", "cross_entropy needs at least 2 output neurons")
        if (self.weights is None) != (self.biases is None):
            raise FieldError("weights" if self.weights is None else "biases",
                             "weights and biases are given together or not at all")
        if self.weights is not None:
            _check_parameters(self.layers, self.weights, self.biases)
        limit = _limits(info).max_parameters
        if limit is not None and self.parameter_count > limit:
            raise FieldError("layers", f"{self.parameter_count} parameters is over the limit "
                             f"of {limit}", limit=limit)
        return self


def _check_parameters(layers: list[int], weights: list, biases: list) -> None:
    count = len(layers) - 1
    if len(weights) != count:
        raise FieldError("weights", f"needs {count} matrices, got {len(weights)}")
    if len(biases) != count:
        raise FieldError("biases", f"needs {count} vectors, got {len(biases)}")
    for l, (m, n, w, b) in enumerate(zip(layers[:-1], layers[1:], weights, biases)):
        if len(w) != n:
            raise FieldError(f"weights.{l}", f"W({l + 1}) needs {n} rows (n_{l + 1}), got {len(w)}")
        for j, row in enumerate(w):
            if len(row) != m:
                raise FieldError(f"weights.{l}.{j}",
                                 f"W({l + 1}) rows need {m} numbers (n_{l}), got {len(row)}")
        if len(b) != n:
            raise FieldError(f"biases.{l}",
                             f"b({l + 1}) needs {n} numbers (n_{l + 1}), got {len(b)}")


class Batch(_Strict):
    """Inline `inputs` with `targets` or `labels`, or a `dataset`: `digits` (the real handwritten
    digits, 8x8 or resampled to 28x28, chosen by `size` and `seed` or by `indices`) or `random`
    (inputs uniform in [0, 1); targets uniform in [0, 1) for squared_error, one-hot for
    cross_entropy)."""

    inputs: list[Row] | None = Field(None, description="B rows of n_0 numbers.")
    targets: list[Row] | None = Field(None, description="B rows of n_L numbers.")
    labels: list[Annotated[int, Field(ge=0)]] | None = Field(
        None, description="B class indices, one-hot encoded as targets."
    )
    dataset: Literal["digits", "random"] | None = None
    resolution: Literal[8, 28] | None = Field(
        None, description="digits only: 8 (64 inputs) or 28 (784 inputs); default from n_0."
    )
    size: Annotated[int, Field(ge=1)] | None = Field(None, description="B for a dataset.")
    seed: int = Field(0, ge=0, le=2**63 - 1)
    indices: list[Annotated[int, Field(ge=0, lt=DIGITS_COUNT)]] | None = Field(
        None, description="digits only: pick these examples instead of `size` and `seed`."
    )

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> Batch:
        if (self.inputs is None) == (self.dataset is None):
            raise FieldError("inputs",
                             "give either inline 'inputs' or a 'dataset', not both or neither")
        if self.inputs is not None:
            extra = [f for f in ("resolution", "size", "indices") if getattr(self, f) is not None]
            if extra:
                raise FieldError(extra[0], "only applies to a dataset, not to inline inputs")
            if (self.targets is None) == (self.labels is None):
                raise FieldError("targets", "inline inputs need either 'targets' or 'labels'")
            if not self.inputs:
                raise FieldError("inputs", "the batch is empty")
            answers = self.targets if self.targets is not None else self.labels
            if len(answers) != len(self.inputs):
                field = "targets" if self.targets is not None else "labels"
                raise FieldError(field, f"needs one row per input row ({len(self.inputs)}), "
                                 f"got {len(answers)}")
        else:
            for field in ("targets", "labels"):
                if getattr(self, field) is not None:
                    raise FieldError(field, "only applies to inline inputs, not to a dataset")
            if self.dataset == "random" and (self.resolution or self.indices is not None):
                raise FieldError("resolution" if self.resolution else "indices",
                                 "only applies to the digits dataset")
            if (self.size is None) == (self.indices is None or self.dataset == "random"):
                raise FieldError("size", "a dataset needs 'size' (or, for digits, 'indices')")
            if self.indices is not None and not self.indices:
                raise FieldError("indices", "the batch is empty")
            if self.dataset == "digits" and self.size is not None and self.size > DIGITS_COUNT:
                raise FieldError("size",
                                 f"digits has {DIGITS_COUNT} examples, asked for {self.size}")
        limit = _limits(info).max_batch
        if limit is not None and self.batch_size > limit:
            raise FieldError("size" if self.dataset else "inputs",
                             f"batch size {self.batch_size} is over the limit of {limit}",
                             limit=limit)
        return self

    @property
    def batch_size(self) -> int:
        if self.inputs is not None:
            return len(self.inputs)
        return len(self.indices) if self.indices is not None else self.size


class Naive(_Strict):
    difference: Literal["forward", "central"] = "central"
    epsilon: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None, description="The nudge; default by dtype and difference: central 1e-6 (float64) "
        "or 1e-2 (float32), forward 1e-8 (float64) or 1e-3 (float32)."
    )
    sample: Annotated[int, Field(ge=1)] | None = Field(
        None, description="null nudges every parameter; k nudges k parameters chosen with seed."
    )
    seed: int = Field(0, ge=0, le=2**63 - 1)


class Include(_Strict):
    """Which parts of the backprop report to return (cost, timing and naive always come)."""

    gradients: bool = True
    wishes: bool = True
    layers: bool = Field(True, description="Per-layer detail: the three ways and consistency.")
    per_example: bool = Field(False, description="Every example's wishes and gradients.")


class Timing(_Strict):
    repeats: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        None, description="Repeats for the forward and backprop timings (median is reported); "
        "default: as many as fit in about 0.2 s, at most 11."
    )


class JobSpec(_Strict):
    network: Network
    batch: Batch
    methods: list[Literal["backprop", "naive"]] = Field(
        ["backprop"], min_length=1,
        description="backprop always runs (it is the reference); add 'naive' to compare.",
    )
    naive: Naive = Naive()
    include: Include = Include()
    timing: Timing = Timing()

    @model_validator(mode="after")
    def _fits(self, info: ValidationInfo) -> JobSpec:
        layers = self.network.layers
        batch = self.batch
        width = layers[-1]
        if batch.inputs is not None:
            for i, row in enumerate(batch.inputs):
                if len(row) != layers[0]:
                    raise FieldError(f"batch.inputs.{i}",
                                     f"needs {layers[0]} numbers (n_0), got {len(row)}")
            for i, row in enumerate(batch.targets or []):
                if len(row) != width:
                    raise FieldError(f"batch.targets.{i}",
                                     f"needs {width} numbers (n_L), got {len(row)}")
            for i, label in enumerate(batch.labels or []):
                if label >= width:
                    raise FieldError(f"batch.labels.{i}",
                                     f"label {label} needs an output neuron; n_L is {width}")
        elif batch.dataset == "digits":
            resolution = batch.resolution or next(
                (r for r, n in DIGITS_RESOLUTIONS.items() if n == layers[0]), None)
            if resolution is None or DIGITS_RESOLUTIONS[resolution] != layers[0]:
                want = " or ".join(str(n) for n in DIGITS_RESOLUTIONS.values())
                raise FieldError("network.layers",
                                 f"digits need n_0 = {want} (resolution 8 or 28), got {layers[0]}")
            if width != DIGITS_CLASSES:
                raise FieldError("network.layers",
                                 f"digits need n_L = 10 (one per digit), got {width}")
        if self.network.cost == "cross_entropy" and batch.targets is not None:
            for i, row in enumerate(batch.targets):
                if min(row) < 0:
                    raise FieldError(f"batch.targets.{i}", "cross_entropy targets must be >= 0")
        limits = _limits(info)
        if "naive" in self.methods and self.naive.sample is not None:
            if self.naive.sample > self.network.parameter_count:
                raise FieldError("naive.sample", f"the network has {self.network.parameter_count} "
                                 f"parameters, asked to sample {self.naive.sample}")
        estimate = estimate_cost(self)
        limit = limits.max_naive_multiply_adds
        if limit is not None and estimate["naive_multiply_adds"] > limit:
            raise FieldError("naive", f"the naive method is estimated at "
                             f"{estimate['naive_multiply_adds']:.3g} multiply-adds "
                             f"({estimate['naive_passes']} passes), over the limit of {limit:.3g}; "
                             "sample fewer parameters with naive.sample",
                             limit=limit, estimate=estimate)
        limit = limits.max_per_example_numbers
        numbers = estimate["per_example_numbers"]
        if limit is not None and self.include.per_example and numbers > limit:
            raise FieldError("include.per_example", f"{numbers} numbers per "
                             f"example detail is over the limit of {limit}", limit=limit)
        return self


def estimate_cost(spec: JobSpec) -> dict[str, int]:
    """Pass counts and multiply-adds, known before anything runs (for limits and progress)."""
    layers, batch = spec.network.layers, spec.batch.batch_size
    parameters = spec.network.parameter_count
    per_pass = batch * sum(m * n for m, n in zip(layers[:-1], layers[1:]))
    nudged = spec.naive.sample or parameters
    passes = 0
    if "naive" in spec.methods:
        passes = 2 * nudged if spec.naive.difference == "central" else nudged + 1
    return {
        "parameters": parameters,
        "multiply_adds_per_pass": per_pass,
        "naive_passes": passes,
        "naive_multiply_adds": passes * per_pass,
        "per_example_numbers": batch * (parameters + sum(layers)),
    }


def parse_spec(data: Any, limits: Limits | None = None) -> JobSpec:
    """Validate JSON-ready data into a JobSpec, or raise SpecError naming each field."""
    try:
        return JobSpec.model_validate(data, context={"limits": limits or Limits()})
    except ValidationError as exc:
        raise SpecError(merge([describe(e) for e in exc.errors(include_url=False)])) from None
