"""The practice answers' shapes, for the OpenAPI document and the tests that validate replies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

KIND_NAMES = (
    "output-wish",
    "output-wish-size",
    "trace-back",
    "three-ways",
    "naive-cost",
    "averaging",
)
# the document says which kinds there are, so a schema-valid ?kinds= is one the API knows
_KIND = "|".join(sorted(KIND_NAMES, key=len, reverse=True))
KINDS_PATTERN = rf"^({_KIND})(,({_KIND}))*$"
Option = int | str
Number = float | None


class ChoiceAnswer(BaseModel):
    type: Literal["choice"]
    options: list[Option] = Field(description="Answer with one of these, as it is written.")


class NumberAnswer(BaseModel):
    type: Literal["number"]
    tolerance: float = Field(
        description="Relative: |answer - expected| <= tolerance x "
        "|expected| (+1e-12) is right; 0 means exact."
    )


Accepts = Annotated[ChoiceAnswer | NumberAnswer, Field(discriminator="type")]


class OutputWishData(BaseModel):
    layer: int = Field(description="L, the output layer.")
    direction: Literal["rise", "fall"]
    example: int | None = Field(description="The example, or null for the batch mean wishes[L].")
    activations: list[float] | None = Field(None, description="The example's a(L).")
    targets: list[float] | None = Field(None, description="The example's targets y.")


class OutputWishSizeData(BaseModel):
    layer: int = Field(description="L, the output layer.")
    neuron: int = Field(description="j, the output neuron.")
    example: int
    activation: float = Field(description="a_j of the example.")
    target: float = Field(description="y_j of the example.")


class TraceBackData(BaseModel):
    layer: int = Field(description="l, the layer of neuron j (1..L).")
    neuron: int = Field(description="j, in layer l.")
    previous: int = Field(description="k, in layer l-1.")
    quantity: Literal["share", "wish"]
    weight: Number = Field(None, description="share: W_jk (null when f'(z_j) wish_j is 0).")
    slope: float | None = Field(None, description="share, one example: f'(z_j).")
    wish: float | None = Field(None, description="share, one example: wish_j.")
    slope_times_wish: float | None = Field(
        None, description="share, otherwise: the batch mean of f'(z_j) wish_j, -dC/db_j."
    )
    shares: list[float] | None = Field(None, description="wish: the share from each j.")


class ThreeWaysData(BaseModel):
    layer: int
    neuron: int = Field(description="j, in layer l.")
    previous: int = Field(description="k, in layer l-1: the weight W_jk and the neuron k.")
    slope_times_wish: float = Field(description="-dC/db_j, the batch mean of f'(z_j) wish_j.")
    weight: Number = Field(description="W_jk (null when slope_times_wish is 0).")
    weight_way: float = Field(description="-dC/dW_jk.")


class NaiveCostData(BaseModel):
    layers: list[int]
    difference: Literal["forward", "central"]


class LayerAgreement(BaseModel):
    layer: int
    norm_of_mean: float = Field(description="||mean_i g_i|| over the layer's parameters.")
    mean_of_norms: float = Field(description="mean_i ||g_i||.")


class AveragingData(BaseModel):
    variant: Literal["layer", "example"]
    batch_size: int | None = Field(None, description="layer: B.")
    layers: list[LayerAgreement] | None = Field(None, description="layer: one row per layer.")
    layer: int | None = Field(None, description="example: l.")
    neuron: int | None = Field(None, description="example: j, in layer l.")
    example: int | None = Field(None, description="example: i.")
    example_wishes: list[float] | None = Field(
        None, description="example: every example's wish for neuron j, in batch order."
    )


class _Exercise(BaseModel):
    id: str = Field(description="Stable while the job lives: names the kind and its choices.")
    prompt: str
    answer: Accepts


class OutputWishExercise(_Exercise):
    kind: Literal["output-wish"]
    data: OutputWishData


class OutputWishSizeExercise(_Exercise):
    kind: Literal["output-wish-size"]
    data: OutputWishSizeData


class TraceBackExercise(_Exercise):
    kind: Literal["trace-back"]
    data: TraceBackData


class ThreeWaysExercise(_Exercise):
    kind: Literal["three-ways"]
    data: ThreeWaysData


class NaiveCostExercise(_Exercise):
    kind: Literal["naive-cost"]
    data: NaiveCostData


class AveragingExercise(_Exercise):
    kind: Literal["averaging"]
    data: AveragingData


Exercise = Annotated[
    OutputWishExercise
    | OutputWishSizeExercise
    | TraceBackExercise
    | ThreeWaysExercise
    | NaiveCostExercise
    | AveragingExercise,
    Field(discriminator="kind"),
]


class Exercises(BaseModel):
    job_id: str
    seed: int
    exercises: list[Exercise]


class AnswerBody(BaseModel):
    """An answer: a number, or one of the exercise's options."""

    model_config = ConfigDict(extra="forbid")
    answer: int | float | str

    @field_validator("answer", mode="before")
    @classmethod
    def _plain(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("answer with a number, or with one of the options as written")
        return value


class AnswerCheck(BaseModel):
    correct: bool
    expected: int | float | str = Field(description="The right answer.")
    explanation: str = Field(description="The answer worked out with the job's numbers.")


class Flashcard(BaseModel):
    front: str
    back: str
    tags: list[str]


class Flashcards(BaseModel):
    job_id: str | None = Field(description="The job whose numbers fill the cards, if any.")
    cards: list[Flashcard]


class ExercisesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    count: int = Field(
        5,
        ge=1,
        le=20,
        description="How many exercises (fewer when the network "
        "is too small to give that many different ones).",
    )
    kinds: str | None = Field(
        None,
        description="Comma-separated kinds: output-wish, "
        "output-wish-size, trace-back, three-ways, naive-cost, averaging. "
        "Default: every kind the job's result can give.",
        pattern=KINDS_PATTERN,
    )
    seed: int = Field(
        0, ge=0, le=2**63 - 1, description="The same job and seed give the same exercises."
    )

    @field_validator("kinds")
    @classmethod
    def _known(cls, kinds: str | None) -> str | None:
        unknown = [k for k in (kinds or "").split(",") if k and k not in KIND_NAMES]
        if unknown:
            raise ValueError(f"unknown kind {unknown[0]!r}; the kinds are {', '.join(KIND_NAMES)}")
        return kinds

    @property
    def kind_list(self) -> list[str] | None:
        return list(dict.fromkeys(self.kinds.split(","))) if self.kinds else None


class FlashcardsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    job: str | None = Field(
        None, min_length=1, description="A succeeded job whose numbers fill in the cards."
    )
