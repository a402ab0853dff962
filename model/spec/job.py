"""The job spec: a network, a batch, the methods and options; the rules across them (the batch
fits the network, the naive cost is within the limits); and `parse_spec`, the one way in."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from .batch import (
    DIGITS_CLASSES,
    DIGITS_COUNT,
    DIGITS_RESOLUTIONS,
    MNIST_CLASSES,
    MNIST_INPUTS,
    MNIST_SPLITS,
    BatchSpec,
)
from .conditions import Schema, absent, add_rules, at, both, equals, given, inside, when
from .errors import FieldError, SpecError, describe, merge
from .estimate import estimate_cost
from .limits import Limits, limits_of
from .network import NetworkSpec
from .options import NORMAL, AveragingSpec, IncludeSpec, NaiveSpec, TimingSpec, TrainSpec
from .strict import Strict


def _rules(schema: Schema) -> None:
    """What `_fits` checks across the parts, as far as JSON Schema can say it: a data set's
    input width (its output width is the last of the widths, which JSON Schema cannot name),
    cross_entropy's targets, `train` for the trained parameters, and mini-batches within the
    mnist or digits pool. The rest (rows against widths, labels against n_L, the sample against
    the parameters, a pool of the batch itself, the limits) is listed in docs/contract.md."""

    def first_width(width: Schema) -> Schema:
        return at("network.layers", {"prefixItems": [width]})

    def pool(count: int) -> Schema:
        return {
            **at("train.batch_size", {"maximum": count}),
            **when(
                inside("include", equals("averaging", True)),
                at("averaging.sizes", {"items": {"maximum": count}}),
            ),
        }

    digits = DIGITS_RESOLUTIONS
    add_rules(
        schema,
        when(inside("batch", equals("dataset", "mnist")), first_width({"const": MNIST_INPUTS})),
        when(
            inside("batch", equals("dataset", "digits")),
            when(
                inside("batch", equals("resolution", 8)),
                both(first_width({"const": digits[8]}), at("network", absent("preset"))),
                when(
                    inside("batch", equals("resolution", 28)),
                    first_width({"const": digits[28]}),
                    first_width({"enum": list(digits.values())}),
                ),
            ),
        ),
        when(
            inside("network", equals("cost", "cross_entropy")),
            at("batch.targets", {"items": {"items": {"minimum": 0}}}),
        ),
        when(inside("include", equals("parameters", True)), given("train")),
        when(inside("batch", equals("dataset", "mnist")), pool(MNIST_SPLITS["train"])),
        when(inside("batch", equals("dataset", "digits")), pool(DIGITS_COUNT)),
    )


class JobSpec(Strict):
    model_config = ConfigDict(json_schema_extra=_rules)

    network: NetworkSpec
    batch: BatchSpec
    methods: list[Literal["backprop", "naive"]] = Field(
        ["backprop"],
        min_length=1,
        description="backprop always runs (it is the reference); add 'naive' to compare.",
    )
    naive: NaiveSpec = NaiveSpec()
    include: IncludeSpec = IncludeSpec()
    timing: TimingSpec = TimingSpec()
    train: TrainSpec | None = None
    averaging: AveragingSpec = AveragingSpec()

    @property
    def pool_size(self) -> int:
        """The training pool's size: what `train` and `averaging` draw mini-batches from."""
        if self.batch.dataset == "mnist":
            return MNIST_SPLITS["train"]
        if self.batch.dataset == "digits":
            return DIGITS_COUNT
        return self.batch.batch_size

    @property
    def evaluation_size(self) -> int:
        """Examples the training's accuracy is measured on: the mnist test split, or the batch."""
        return MNIST_SPLITS["test"] if self.batch.dataset == "mnist" else self.batch.batch_size

    @model_validator(mode="after")
    def _fits(self, info: ValidationInfo) -> JobSpec:
        layers = self.network.layers
        batch = self.batch
        width = layers[-1]
        if batch.inputs is not None:
            for i, row in enumerate(batch.inputs):
                if len(row) != layers[0]:
                    raise FieldError(
                        f"batch.inputs.{i}", f"needs {layers[0]} numbers (n_0), got {len(row)}"
                    )
            for i, row in enumerate(batch.targets or []):
                if len(row) != width:
                    raise FieldError(
                        f"batch.targets.{i}", f"needs {width} numbers (n_L), got {len(row)}"
                    )
            for i, label in enumerate(batch.labels or []):
                if label >= width:
                    raise FieldError(
                        f"batch.labels.{i}", f"label {label} needs an output neuron; n_L is {width}"
                    )
        elif batch.dataset == "mnist":
            if layers[0] != MNIST_INPUTS or width != MNIST_CLASSES:
                raise FieldError(
                    "network.layers",
                    f"mnist needs n_0 = {MNIST_INPUTS} (28x28 "
                    f"pixels) and n_L = {MNIST_CLASSES}, got {layers[0]} and {width}",
                )
        elif batch.dataset == "digits":
            resolution = batch.resolution or next(
                (r for r, n in DIGITS_RESOLUTIONS.items() if n == layers[0]), None
            )
            if resolution is None or DIGITS_RESOLUTIONS[resolution] != layers[0]:
                want = " or ".join(str(n) for n in DIGITS_RESOLUTIONS.values())
                raise FieldError(
                    "network.layers",
                    f"digits need n_0 = {want} (resolution 8 or 28), got {layers[0]}",
                )
            if width != DIGITS_CLASSES:
                raise FieldError(
                    "network.layers", f"digits need n_L = 10 (one per digit), got {width}"
                )
        if self.network.cost == "cross_entropy" and batch.targets is not None:
            for i, row in enumerate(batch.targets):
                if min(row) < 0:
                    raise FieldError(f"batch.targets.{i}", "cross_entropy targets must be >= 0")
        epsilon, dtype = self.naive.epsilon, self.network.dtype
        if epsilon is not None and epsilon < NORMAL[dtype]:
            raise FieldError(
                "naive.epsilon",
                f"a {dtype} nudge must be a normal {dtype} number, at least {NORMAL[dtype]!r}; "
                f"got {epsilon!r}",
                limit=NORMAL[dtype],
            )
        limits = limits_of(info)
        if "naive" in self.methods and self.naive.sample is not None:
            if self.naive.sample > self.network.parameter_count:
                raise FieldError(
                    "naive.sample",
                    f"the network has {self.network.parameter_count} "
                    f"parameters, asked to sample {self.naive.sample}",
                )
        if self.include.parameters and self.train is None:
            raise FieldError("include.parameters", "the trained parameters need 'train'")
        # before the estimate: a mini-batch is bounded by its pool only, and JSON integers are
        # not bounded at all (the estimate of a 10**400 mini-batch overflows a float)
        for field, size in self._drawn_sizes():
            if size > self.pool_size:
                raise FieldError(
                    field,
                    f"a mini-batch of {size} from a training pool of {self.pool_size} examples",
                )
        estimate = estimate_cost(self)
        limit = limits.max_naive_multiply_adds
        if limit is not None and estimate["naive_multiply_adds"] > limit:
            raise FieldError(
                "naive",
                f"the naive method is estimated at "
                f"{estimate['naive_multiply_adds']:.3g} multiply-adds "
                f"({estimate['naive_passes']} passes), over the limit of {limit:.3g}; "
                "sample fewer parameters with naive.sample",
                limit=limit,
                estimate=estimate,
            )
        limit = limits.max_training_multiply_adds
        if (
            self.train is not None
            and limit is not None
            and estimate["training_multiply_adds"] > limit
        ):
            raise FieldError(
                "train",
                f"training is estimated at "
                f"{estimate['training_multiply_adds']:.3g} multiply-adds "
                f"({estimate['training_passes']} passes), over the limit of "
                f"{limit:.3g}; take fewer steps or smaller mini-batches",
                limit=limit,
                estimate=estimate,
            )
        limit = limits.max_per_example_numbers
        numbers = estimate["per_example_numbers"]
        if limit is not None and self.include.per_example and numbers > limit:
            raise FieldError(
                "include.per_example",
                f"{numbers} numbers per example detail is over the limit of {limit}",
                limit=limit,
            )
        return self

    def _drawn_sizes(self) -> list[tuple[str, int]]:
        sizes = [("train.batch_size", self.train.batch_size)] if self.train else []
        if self.include.averaging:
            sizes += [(f"averaging.sizes.{i}", n) for i, n in enumerate(self.averaging.sizes)]
        return sizes


def parse_spec(data: Any, limits: Limits | None = None) -> JobSpec:
    """Validate JSON-ready data into a JobSpec, or raise SpecError naming each field."""
    try:
        return JobSpec.model_validate(data, context={"limits": limits or Limits()})
    except ValidationError as exc:
        raise SpecError(merge([describe(e) for e in exc.errors(include_url=False)])) from None
