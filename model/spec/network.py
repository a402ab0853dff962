"""The network's spec: widths, activations, cost, and seeded or explicit parameters.

Only the shape of the JSON and its rules live here; `model.job` builds the arrays from it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .conditions import Schema, absent, add_rules, equals, given, when
from .errors import FieldError
from .limits import limits_of
from .strict import Seed, Strict

ActivationName = Literal["sigmoid", "relu", "tanh", "identity", "softmax"]
CostName = Literal["squared_error", "cross_entropy"]
# the shipped parameter sets (model/presets.py; a test checks the two lists agree)
PresetName = Literal["lesson-untrained", "lesson-partly-trained", "lesson-trained"]
PRESET = {"layers": [784, 16, 16, 10], "activation": "sigmoid", "cost": "squared_error"}
Width = Annotated[int, Field(ge=1)]
Row = list[float]


class InitSpec(Strict):
    """Seeded initialisation: W(l) ~ N(0, 1/n_{l-1}) ("scaled", default) or N(0, 1) ("normal");
    b(l) ~ N(0, 1). Layers are drawn in order from `np.random.default_rng(seed)`."""

    seed: Seed = 0
    scheme: Literal["scaled", "normal"] = "scaled"


def _rules(schema: Schema) -> None:
    """What `_consistent` checks across fields, as far as JSON Schema can say it (the number of
    activations, the parameters' shapes and the output width are listed in docs/contract.md)."""
    add_rules(
        schema,
        when(absent("preset"), given("layers")),
        when(
            given("preset"),
            {
                "not": {"anyOf": [{"required": [f]} for f in ("init", "weights", "biases")]},
                "properties": {field: {"const": value} for field, value in PRESET.items()},
            },
        ),
        when(given("weights"), given("biases"), absent("biases")),
        # explicit parameters are the network's own: no seed draws them
        when(given("weights"), {"not": {"required": ["init"]}}),
        # softmax only on the output, and there with cross_entropy: without cross_entropy no
        # softmax at all; with it one softmax in a list (the last, which JSON Schema cannot
        # say), or one name softmax for a single weighted layer
        when(
            equals("cost", "cross_entropy"),
            {
                "properties": {"activation": {"contains": {"const": "softmax"}, "maxContains": 1}},
                "if": equals("activation", "softmax"),
                "then": {"properties": {"layers": {"maxItems": 2}}},
            },
            {
                "properties": {
                    "activation": {
                        "not": {"const": "softmax"},
                        "items": {"not": {"const": "softmax"}},
                    }
                }
            },
        ),
    )


class NetworkSpec(Strict):
    model_config = ConfigDict(json_schema_extra=_rules)

    preset: PresetName | None = Field(
        None,
        description="A shipped parameter set of the lesson's 784-16-16-10 sigmoid, "
        "squared-error network (GET /v1/presets), instead of `init` or explicit parameters; "
        "`layers`, `activation` and `cost` may then be left out.",
    )
    layers: list[Width] | None = Field(
        None,
        min_length=2,
        description="Widths n_0 (input) .. n_L (output); required unless a preset gives them.",
        examples=[[784, 16, 16, 10]],
    )
    activation: ActivationName | list[ActivationName] = Field(
        "sigmoid",
        description="One name for every weighted layer, or a list with one per layer 1..L. "
        "With one name and cost cross_entropy, the output layer is softmax.",
        json_schema_extra={"minItems": 1},  # a list: L >= 1 names
    )
    cost: CostName = "squared_error"
    init: InitSpec = InitSpec()
    weights: list[list[Row]] | None = Field(
        None, description="Explicit W(1)..W(L), W(l) has n_l rows of n_{l-1} numbers."
    )
    biases: list[Row] | None = Field(None, description="Explicit b(1)..b(L), b(l) has n_l numbers.")
    dtype: Literal["float64", "float32"] = "float64"

    @field_validator("layers")
    @classmethod
    def _within_limits(cls, layers: list[int] | None, info: ValidationInfo) -> list[int] | None:
        limits = limits_of(info)
        if layers is None:
            return layers
        if limits.max_layers is not None and len(layers) - 1 > limits.max_layers:
            raise FieldError(
                "",
                f"{len(layers) - 1} weighted layers is over the limit of {limits.max_layers}",
                limit=limits.max_layers,
            )
        if limits.max_width is not None and max(layers) > limits.max_width:
            raise FieldError(
                "",
                f"width {max(layers)} is over the limit of {limits.max_width}",
                limit=limits.max_width,
            )
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

    @model_validator(mode="before")
    @classmethod
    def _from_preset(cls, data: Any) -> Any:
        """A preset gives the widths, activation and cost that are left out."""
        if isinstance(data, dict) and data.get("preset") is not None:
            return {**PRESET, **data}
        return data

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> NetworkSpec:
        if self.layers is None:
            raise FieldError("layers", "Field required (or give a preset)")
        if self.preset is not None:
            _check_preset(self)
        count = len(self.layers) - 1
        if isinstance(self.activation, list) and len(self.activation) != count:
            raise FieldError(
                "activation",
                f"needs {count} names (one per weighted layer), got {len(self.activation)}",
            )
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
            raise FieldError(
                "weights" if self.weights is None else "biases",
                "weights and biases are given together or not at all",
            )
        if self.weights is not None:
            if "init" in self.model_fields_set:
                raise FieldError("init", "explicit weights and biases need no 'init'; leave it out")
            _check_parameters(self.layers, self.weights, self.biases)
        limit = limits_of(info).max_parameters
        if limit is not None and self.parameter_count > limit:
            raise FieldError(
                "layers",
                f"{self.parameter_count} parameters is over the limit of {limit}",
                limit=limit,
            )
        return self


def _check_preset(spec: NetworkSpec) -> None:
    for field in ("init", "weights", "biases"):
        if field in spec.model_fields_set:
            raise FieldError(field, f"a preset brings its own parameters; leave out '{field}'")
    for field, value in PRESET.items():
        if getattr(spec, field) != value:
            raise FieldError(
                field,
                f"the preset {spec.preset!r} is the {value} network; got {getattr(spec, field)}",
            )


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
                raise FieldError(
                    f"weights.{l}.{j}", f"W({l + 1}) rows need {m} numbers (n_{l}), got {len(row)}"
                )
        if len(b) != n:
            raise FieldError(
                f"biases.{l}", f"b({l + 1}) needs {n} numbers (n_{l + 1}), got {len(b)}"
            )
