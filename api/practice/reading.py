"""What exercises read from a finished job's result (`model.run`'s JSON), by the lesson's names.

Reading only: the API computes no gradient. Indices follow the result: `wishes[l]` for layers
0..L, `layers[l-1]` for weighted layer l, `examples.wishes[l][i][j]` for example i. A part the
job did not include (`include` in its spec) reads as None, and the kinds that need it are not
offered for that job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ELEMENTWISE = ("sigmoid", "tanh", "relu", "identity")  # f'(z) is a number per neuron


@dataclass(frozen=True)
class Reading:
    result: dict[str, Any]

    def __repr__(self) -> str:
        return f"Reading(layers={self.sizes}, batch={self.batch_size})"

    @property
    def sizes(self) -> list[int]:
        return self.result["network"]["layers"]

    @property
    def top(self) -> int:
        """L, the output layer's number."""
        return len(self.sizes) - 1

    @property
    def batch_size(self) -> int:
        return self.result["batch"]["size"]

    @property
    def cost_name(self) -> str:
        return self.result["network"]["cost"]

    def activation(self, l: int) -> str:
        """f_l of weighted layer l (1..L)."""
        return self.result["network"]["activations"][l - 1]

    @property
    def has_wishes(self) -> bool:
        return self.result.get("wishes") is not None

    @property
    def has_layers(self) -> bool:
        return self.result.get("layers") is not None

    @property
    def has_examples(self) -> bool:
        """Per-example detail, each example's wishes included (one example's are the batch's
        `wishes`, which the result then does not repeat in `examples`)."""
        examples = self.result.get("examples")
        return examples is not None and ("wishes" in examples or self.has_wishes)

    def wishes(self, l: int) -> list[float]:
        return self.result["wishes"][l]

    def ways(self, l: int) -> dict[str, list]:
        """The three ways of weighted layer l: {"bias": (n_l,), "weights", "previous":
        (n_l, n_{l-1})}."""
        return self.result["layers"][l - 1]["three_ways"]

    def consistency(self, l: int) -> float | None:
        return self.result["layers"][l - 1]["consistency"]

    def example_wishes(self, l: int, i: int) -> list[float]:
        examples = self.result["examples"]
        return examples["wishes"][l][i] if "wishes" in examples else self.result["wishes"][l]

    def example_activations(self, l: int, i: int) -> list[float]:
        return self.result["examples"]["activations"][l][i]

    def targets(self, i: int) -> list[float]:
        return self.result["examples"]["targets"][i]

    def weight(self, l: int, j: int, k: int) -> float | None:
        """W_jk(l), read back from the result: share_jk = W_jk x (-dC/db_j), so W_jk is their
        ratio; None when neuron j's -dC/db_j is 0 (every share is then 0 whatever W is)."""
        ways = self.ways(l)
        bias = ways["bias"][j]
        return ways["previous"][j][k] / bias if bias != 0 else None

    def label(self, i: int) -> int | None:
        """Example i's digit, for a digits batch."""
        labels = self.result["batch"].get("labels")
        return labels[i] if labels else None

    @property
    def digits(self) -> bool:
        return self.result["batch"].get("source") in ("digits", "mnist")


def layer_name(reading: Reading, l: int) -> str:
    return (
        "the input layer"
        if l == 0
        else "the output layer"
        if l == reading.top
        else f"hidden layer {l}"
    )


def neuron_name(reading: Reading, l: int, j: int) -> str:
    if l == reading.top and reading.digits:
        return f"output neuron {j} (the digit {j})"
    return f"neuron {j} of {layer_name(reading, l)}"


def example_name(reading: Reading, i: int) -> str:
    label = reading.label(i)
    return f"example {i}" + (f" (a handwritten {label})" if label is not None else "")


def num(x: float) -> str:
    """A number as the explanations show it: four significant digits (large ones whole, with
    thousands separators), a real minus sign."""
    if x == 0:
        return "0"
    text = f"{abs(x):,.0f}" if 1e4 <= abs(x) < 1e15 else f"{abs(x):.4g}"
    return ("\u2212" if x < 0 else "") + text


def factor(x: float) -> str:
    """A number as a factor in a written product: negative ones in parentheses."""
    return f"({num(x)})" if x < 0 else num(x)
