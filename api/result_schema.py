"""The job's `result` in the OpenAPI document: every field `model.run` returns, typed.

One class per block of the result, one line per field. To add a field to the result, add one
line to the class of its block (a new block: one class here and one line in `Result`); the
tests validate real results against the document, whose objects forbid unknown fields, so a
field the document does not list fails them. Names: see the result table of docs/reference.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Vector = list[float]
Matrix = list[Vector]


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid")  # additionalProperties: false in the document


class NetworkSummary(_Block):
    layers: list[int] = Field(description="Widths n_0 .. n_L.")
    activations: list[str] = Field(description="One name per weighted layer 1..L.")
    cost: str
    dtype: str
    parameters: int


class BatchSummary(_Block):
    source: Literal["inline", "digits", "mnist", "random"]
    size: int = Field(description="B, the examples in the batch.")
    resolution: int | None = Field(None, description="digits: 8 or 28.")
    split: Literal["train", "test"] | None = Field(None, description="mnist: the split.")
    indices: list[int] | None = Field(None, description="digits, mnist: the examples chosen.")
    labels: list[int] | None = Field(None, description="digits, mnist: their labels.")
    seed: int | None = Field(None, description="random: the seed.")


class Gradients(_Block):
    """dC/dW(l) and dC/db(l) for l = 1..L, shaped like the parameters."""

    weights: list[Matrix] = Field(description="L matrices of n_l rows of n_{l-1} numbers.")
    biases: list[Vector] = Field(description="L vectors of n_l numbers.")


class ThreeWays(_Block):
    bias: Vector = Field(description="-dC/db_j: raise the bias, (n_l,).")
    weights: Matrix = Field(description="-dC/dW_jk: raise the weights on bright inputs.")
    previous: Matrix = Field(
        description="Neuron j's share of previous neuron k's wish; "
        "summed over j it is the previous layer's wish."
    )


class LayerReport(_Block):
    layer: int = Field(description="l, 1..L.")
    width: int
    activation: str
    consistency: float | None = Field(
        description="||mean_i g_i|| / mean_i ||g_i||; null when no example wants anything."
    )
    three_ways: ThreeWays


class ExampleGradients(_Block):
    weights: list[list[Matrix]] = Field(description="L arrays of B matrices n_l x n_{l-1}.")
    biases: list[Matrix] = Field(description="L arrays of B rows of n_l numbers.")


class ExampleDetail(_Block):
    """Every example's numbers (include.per_example): B x ... per layer."""

    activations: list[Matrix] = Field(description="L+1 arrays of B rows of n_l numbers.")
    targets: Matrix
    costs: Vector
    wishes: list[Matrix] | None = Field(
        None,
        description="L+1 arrays of B rows of n_l numbers; left out for one example, whose "
        "wishes are the batch's `wishes`.",
    )
    gradients: ExampleGradients | None = Field(
        None, description="Left out for one example, whose gradients are the batch's."
    )


class NaiveReport(_Block):
    difference: Literal["forward", "central"]
    epsilon: float
    parameters: int
    nudged: int
    sampled: bool
    passes: int
    max_abs_diff: float
    relative_error: float
    gradients: Gradients | None = Field(None, description="Every parameter nudged.")
    indices: list[int] | None = Field(None, description="A sample: the flat indices nudged.")
    labels: list[str] | None = Field(None, description="A sample: W(l)[j,k] or b(l)[j].")
    values: Vector | None = Field(None, description="A sample: the naive gradient's entries.")
    backprop_values: Vector | None = Field(None, description="A sample: backprop's entries.")


class MedianInterval(_Block):
    """A distribution-free confidence interval of the median time (model/timing.py)."""

    low: float
    high: float
    level: float = Field(description="Its exact coverage, e.g. 0.988 for 11 repeats.")


class ForwardTiming(_Block):
    seconds: float
    passes: int
    repeats: int
    ci: MedianInterval


class BackpropPasses(_Block):
    forward: int
    backward: int


class BackpropTiming(_Block):
    seconds: float
    passes: BackpropPasses
    repeats: int
    ci: MedianInterval
    backprop_to_forward: float


class NaiveTiming(_Block):
    difference: Literal["forward", "central"]
    full_passes: int = Field(description="Passes for every parameter.")
    cpu_seconds: float | None = Field(
        description="CPU seconds the naive passes took (the process time of the worker that "
        "ran them, one BLAS thread), summed over the parts of a split job: other jobs on the "
        "same cores do not inflate it. The speedup uses this. Null when naive did not run."
    )
    wall_seconds: float | None = Field(
        description="Wall-clock seconds from the first part's start to the last part's end: "
        "about cpu_seconds for a job alone in one process, more while other jobs share its "
        "cores, less when parts ran side by side. Null when naive did not run."
    )
    passes: int
    seconds_per_pass: float | None = None
    pass_to_forward: float | None = None
    measured: bool
    full_seconds: float = Field(description="Naive cpu seconds for every parameter.")
    basis: Literal["measured", "sample", "forward_pass"]


class Accuracy(_Block):
    step: int
    value: float


class TrainingPasses(_Block):
    forward: int
    backward: int
    evaluation: int


class StepBackprop(_Block):
    seconds: float
    passes: BackpropPasses


class StepNaive(_Block):
    seconds: float
    passes: int
    basis: str


class StepTiming(_Block):
    backprop: StepBackprop
    naive: StepNaive
    naive_to_backprop: float


class Training(_Block):
    """`train`: gradient descent before the report (model/train.py)."""

    method: Literal["backprop", "naive"]
    steps: int
    batch_size: int
    learning_rate: float
    seed: int
    evaluated_on: str
    cost: Vector = Field(description="The mini-batch cost before each step.")
    accuracy: list[Accuracy]
    seconds: float
    passes: TrainingPasses
    step_timing: StepTiming
    parameters: Gradients | None = Field(
        None,
        description="include.parameters: the trained W(l) and b(l), shaped like the gradients.",
    )


class AveragingReference(_Block):
    size: int
    source: str


class AveragingBatch(_Block):
    batch_size: int
    overall: float
    layers: Vector


class AveragingSize(_Block):
    batch_size: int
    overall: float
    layers: Vector
    draws: Vector


class AveragingConsistency(_Block):
    true: Vector
    shuffled: Vector


class Averaging(_Block):
    """include.averaging: batch-mean gradients against a reference (model/averaging.py)."""

    reference: AveragingReference
    batch: AveragingBatch
    sizes: list[AveragingSize]
    consistency: AveragingConsistency


class TimingReport(_Block):
    forward: ForwardTiming
    backprop: BackpropTiming
    naive: NaiveTiming
    speedup: float = Field(description="timing.naive.full_seconds over backprop seconds.")
    from_cache: bool | None = Field(
        None,
        description="true when the job was served from the result cache: these times are "
        "those the run that computed the result measured, not this job's.",
    )


class BlasLibrary(_Block):
    library: str | None = Field(description="openblas, mkl, blis, ... (threadpoolctl).")
    version: str | None
    kernel: str | None = Field(description="The kernel it chose for this CPU: SkylakeX, ...")
    threads: int | None
    loaded_by: str = Field(description="numpy, scipy, or the library's file name.")


class PackageVersion(_Block):
    name: str
    version: str | None
    commit: str | None = Field(description="HEAD of the checkout it ran from; null if none.")


class CpuSummary(_Block):
    model: str
    cores: int | None
    usable: int | None = Field(description="Cores this process may run on (its affinity).")


class Provenance(_Block):
    """Where the numbers came from, recorded by the process that ran the job
    (model/provenance.py): timings compare only where these agree."""

    package: PackageVersion
    python: str
    numpy: str
    scipy: str
    blas: list[BlasLibrary]
    cpu: CpuSummary
    threads: dict[str, str | None] = Field(description="The BLAS thread variables, as set.")
    host: str = Field(description="The worker's host name.")
    system: str


class Result(_Block):
    """`model.run`'s result; which blocks come depends on the spec's `include` and `methods`."""

    network: NetworkSummary
    batch: BatchSummary
    cost: float
    gradients: Gradients | None = None
    wishes: list[Vector] | None = Field(None, description="L+1 vectors, -dC/da(l).")
    layers: list[LayerReport] | None = None
    examples: ExampleDetail | None = None
    naive: NaiveReport | None = None
    training: Training | None = None
    averaging: Averaging | None = None
    timing: TimingReport
    provenance: Provenance | None = Field(
        None, description="Always recorded; absent only from results stored before it was."
    )
