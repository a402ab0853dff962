"""The batch's spec: inline inputs with targets or labels, or a built-in data set."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationInfo, model_validator

from .conditions import Schema, absent, add_rules, at, both, equals, given, when
from .errors import FieldError
from .limits import limits_of
from .network import Row
from .strict import Seed, Strict

DIGITS_COUNT = 1797
DIGITS_CLASSES = 10
DIGITS_RESOLUTIONS = {8: 64, 28: 784}  # resolution -> inputs n_0
MNIST_SPLITS = {"train": 4000, "test": 1000}  # model/mnist.py: 400 and 100 of each class
DIGITS_PER_LABEL = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)  # images of 0..9
MNIST_INPUTS, MNIST_CLASSES = 784, 10
INLINE = ("inputs", "targets", "labels")  # every other field but seed belongs to a dataset


def _one_source(schema: Schema) -> None:
    """Say "inline inputs or a dataset" in the JSON Schema itself: a batch is one of two
    objects, each with its own fields and the other's as null (as the validator below reads
    a null as absent), each with the rules within it (targets or labels, size or indices, the
    data set's count). That the answers are as many as the inputs, and the limit, JSON Schema
    cannot say."""
    fields = schema.pop("properties")
    del schema["type"], schema["additionalProperties"]
    dataset = tuple(name for name in fields if name not in (*INLINE, "seed"))

    def variant(title: str, own: tuple[str, ...], other: tuple[str, ...]) -> Schema:
        given = {name: fields[name] for name in own}
        first = given[own[0]]  # required, so not null
        given[own[0]] = next(s for s in first["anyOf"] if s.get("type") != "null") | {
            k: v for k, v in first.items() if k in ("title", "description")
        }
        return {
            "title": title,
            "type": "object",
            "required": [own[0]],
            "properties": given | {name: {"type": "null"} for name in other},
            "additionalProperties": False,
        }

    inline, data_set = (
        variant("InlineBatch", INLINE, dataset),
        variant("DatasetBatch", (*dataset, "seed"), INLINE),  # a seed draws a dataset's
    )
    inline["properties"]["inputs"]["minItems"] = 1
    data_set["properties"]["indices"]["minItems"] = 1
    data_set["properties"]["by_label"]["minItems"] = 1
    add_rules(inline, when(given("targets"), absent("labels"), given("labels")))
    add_rules(data_set, *_dataset_rules())
    schema["oneOf"] = [inline, data_set]


def _dataset_rules() -> list[Schema]:
    """What the validator checks of a dataset batch: which fields each data set takes, `size`
    or `indices`, and how many examples there are to choose from."""

    def counts(n: int, per_label: tuple[int, ...]) -> Schema:
        picks = [
            when(equals("label", k), at("index", {"maximum": m - 1}))
            for k, m in enumerate(per_label)
        ]
        return {
            "properties": {
                "size": {"maximum": n},
                "indices": {"items": {"maximum": n - 1}},
                "by_label": {"items": {"allOf": picks}},
            }
        }

    def mnist(split: str) -> Schema:
        return counts(MNIST_SPLITS[split], (MNIST_SPLITS[split] // MNIST_CLASSES,) * MNIST_CLASSES)

    return [
        when(
            equals("dataset", "random"),
            both(absent("indices", "by_label"), given("size")),
            when(
                given("size"),
                absent("indices", "by_label"),
                when(given("indices"), absent("by_label"), given("by_label")),
            ),
        ),
        # indices and by_label are drawn by no seed
        when(given("indices"), {"not": {"required": ["seed"]}}),
        when(given("by_label"), {"not": {"required": ["seed"]}}),
        when(
            equals("dataset", "digits"),
            counts(DIGITS_COUNT, DIGITS_PER_LABEL),
            absent("resolution"),
        ),
        when(
            equals("dataset", "mnist"),
            when(equals("split", "test"), mnist("test"), mnist("train")),
            absent("split"),
        ),
    ]


class LabelPick(Strict):
    """One example by its label: the `index`-th image of digit `label`, in the data's order
    (mnist: of the split, so index 0..99 of the test split, 0..399 of the train split)."""

    label: Annotated[int, Field(ge=0, le=9)]
    index: Annotated[int, Field(ge=0)]


class BatchSpec(Strict):
    """Inline `inputs` with `targets` or `labels`, or a `dataset`: `mnist` (5,000 real MNIST
    digits at 28x28, its `split` "train" = the first 400 of each class or "test" = the last
    100), `digits` (the real handwritten digits, 8x8 or resampled to 28x28), both chosen by
    `size` and `seed` or by `indices`, or `random` (inputs uniform in [0, 1); targets uniform in
    [0, 1) for squared_error, one-hot for cross_entropy)."""

    model_config = ConfigDict(json_schema_extra=_one_source)

    inputs: list[Row] | None = Field(None, description="B rows of n_0 numbers.")
    targets: list[Row] | None = Field(None, description="B rows of n_L numbers.")
    labels: list[Annotated[int, Field(ge=0)]] | None = Field(
        None, description="B class indices, one-hot encoded as targets."
    )
    dataset: Literal["mnist", "digits", "random"] | None = None
    split: Literal["train", "test"] | None = Field(
        None, description="mnist only: 'train' (4,000 images, the default) or 'test' (1,000)."
    )
    resolution: Literal[8, 28] | None = Field(
        None, description="digits only: 8 (64 inputs) or 28 (784 inputs); default from n_0."
    )
    size: Annotated[int, Field(ge=1)] | None = Field(None, description="B for a dataset.")
    seed: Seed = 0
    indices: list[Annotated[int, Field(ge=0)]] | None = Field(
        None,
        description="mnist and digits: pick these examples (of the split, for mnist) "
        "instead of `size` and `seed`.",
    )
    by_label: list[LabelPick] | None = Field(
        None,
        description="mnist and digits: pick examples by their digit, e.g. "
        '[{"label": 7, "index": 0}] for the first 7 (of the split, for mnist), instead of '
        "`size`, `seed` or `indices`.",
    )

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> BatchSpec:
        if (self.inputs is None) == (self.dataset is None):
            raise FieldError(
                "inputs", "give either inline 'inputs' or a 'dataset', not both or neither"
            )
        if self.inputs is not None:
            extra = [
                f
                for f in ("resolution", "size", "indices", "by_label", "split")
                if getattr(self, f) is not None
            ]
            if "seed" in self.model_fields_set:
                extra.append("seed")
            if extra:
                raise FieldError(extra[0], "only applies to a dataset, not to inline inputs")
            if (self.targets is None) == (self.labels is None):
                raise FieldError("targets", "inline inputs need either 'targets' or 'labels'")
            if not self.inputs:
                raise FieldError("inputs", "the batch is empty")
            answers = self.targets if self.targets is not None else self.labels
            if len(answers) != len(self.inputs):
                field = "targets" if self.targets is not None else "labels"
                raise FieldError(
                    field, f"needs one row per input row ({len(self.inputs)}), got {len(answers)}"
                )
        else:
            for field in ("targets", "labels"):
                if getattr(self, field) is not None:
                    raise FieldError(field, "only applies to inline inputs, not to a dataset")
            for field in ("indices", "by_label"):
                if self.dataset == "random" and getattr(self, field) is not None:
                    raise FieldError(field, "only applies to the mnist and digits datasets")
            if self.by_label is not None and (self.size is not None or self.indices is not None):
                raise FieldError("by_label", "give one of 'size', 'indices' and 'by_label'")
            if self.dataset != "digits" and self.resolution is not None:
                raise FieldError("resolution", "only applies to the digits dataset")
            if self.dataset != "mnist" and self.split is not None:
                raise FieldError("split", "only applies to the mnist dataset")
            picked = self.indices if self.by_label is None else self.by_label
            if (self.size is None) == (picked is None or self.dataset == "random"):
                raise FieldError(
                    "size", "a dataset needs 'size' (or, for mnist and digits, 'indices')"
                )
            for field in ("indices", "by_label"):
                if getattr(self, field) is not None and not getattr(self, field):
                    raise FieldError(field, "the batch is empty")
                if getattr(self, field) is not None and "seed" in self.model_fields_set:
                    raise FieldError(
                        "seed", f"'{field}' pick the examples, a seed draws 'size' of them"
                    )
            count = self.source_count
            name = (
                f"the mnist {self.split or 'train'} split"
                if self.dataset == "mnist"
                else self.dataset
            )
            if count is not None and self.size is not None and self.size > count:
                raise FieldError("size", f"{name} has {count} examples, asked for {self.size}")
            per_label = self.per_label
            for i, pick in enumerate(self.by_label or []):
                if pick.index >= per_label[pick.label]:
                    raise FieldError(
                        f"by_label.{i}.index",
                        f"{name} has {per_label[pick.label]} images of {pick.label} "
                        f"(0..{per_label[pick.label] - 1}), got {pick.index}",
                        limit=per_label[pick.label] - 1,
                    )
            for i, index in enumerate(self.indices or []):
                if index >= count:
                    raise FieldError(
                        f"indices.{i}", f"{name} has {count} examples (0..{count - 1}), got {index}"
                    )
        limit = limits_of(info).max_batch
        if limit is not None and self.batch_size > limit:
            raise FieldError(
                "size" if self.dataset else "inputs",
                f"batch size {self.batch_size} is over the limit of {limit}",
                limit=limit,
            )
        return self

    @property
    def source_count(self) -> int | None:
        """How many examples the data set (or mnist split) holds; None for random."""
        if self.dataset == "mnist":
            return MNIST_SPLITS[self.split or "train"]
        return DIGITS_COUNT if self.dataset == "digits" else None

    @property
    def per_label(self) -> tuple[int, ...]:
        """How many images each digit 0..9 has in the data set (or mnist split)."""
        if self.dataset == "mnist":
            return (MNIST_SPLITS[self.split or "train"] // MNIST_CLASSES,) * MNIST_CLASSES
        return DIGITS_PER_LABEL

    @property
    def batch_size(self) -> int:
        if self.inputs is not None:
            return len(self.inputs)
        if self.by_label is not None:
            return len(self.by_label)
        return len(self.indices) if self.indices is not None else self.size
