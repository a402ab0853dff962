"""The batch's spec: inline inputs with targets or labels, or a built-in data set."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, model_validator

from .errors import FieldError
from .limits import limits_of
from .network import Row
from .strict import Seed, Strict

DIGITS_COUNT = 1797
DIGITS_CLASSES = 10
DIGITS_RESOLUTIONS = {8: 64, 28: 784}  # resolution -> inputs n_0


class BatchSpec(Strict):
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
    seed: Seed = 0
    indices: list[Annotated[int, Field(ge=0, lt=DIGITS_COUNT)]] | None = Field(
        None, description="digits only: pick these examples instead of `size` and `seed`."
    )

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> BatchSpec:
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
        limit = limits_of(info).max_batch
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
