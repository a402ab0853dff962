"""`output-wish-size`: the sign and size of one output neuron's wish, for one example.

data = {"layer": L, "neuron": j, "example": i, "activation": a_j, "target": y_j}; needs
per-example detail (include.per_example). Expected: `examples.wishes[L][i][j]`, which for the
squared-error cost is -2(a_j - y_j): positive when the neuron wants to rise, negative to fall.
"""

from __future__ import annotations

import numpy as np

from .exercise import Exercise, UnknownExercise, number
from .ids import index
from .reading import Reading, example_name, neuron_name, num

KIND = "output-wish-size"
TOLERANCE = 0.01


def missing(r: Reading) -> str | None:
    if not r.has_examples:
        return "needs per-example detail (include.per_example)"
    return None if r.cost_name == "squared_error" else "needs the squared-error cost"


def draw(r: Reading, rng: np.random.Generator) -> tuple[str, ...]:
    return str(rng.integers(r.batch_size)), str(rng.integers(r.sizes[r.top]))


def build(r: Reading, params: tuple[str, ...]) -> Exercise:
    if len(params) != 2 or missing(r):
        raise UnknownExercise(params)
    top = r.top
    i, j = index(params[0], r.batch_size), index(params[1], r.sizes[top])
    a, y = r.example_activations(top, i)[j], r.targets(i)[j]
    wish = r.example_wishes(top, i)[j]
    name = neuron_name(r, top, j)
    data = {"layer": top, "neuron": j, "example": i, "activation": a, "target": y}
    prompt = (
        f"For {example_name(r, i)}, {name} has activation a = {num(a)} and target "
        f"y = {num(y)}. What is its wish, sign and size?"
    )
    way = "rise" if wish > 0 else "fall" if wish < 0 else "stay"
    explanation = (
        f"For the squared-error cost (a \u2212 y)\u00b2 the wish is \u22122(a \u2212 y) "
        f"= \u22122({num(a)} \u2212 {num(y)}) = {num(wish)}: the neuron wants to "
        f"{way}, more strongly the further it is from its target."
    )
    return Exercise(KIND, prompt, data, number(TOLERANCE), wish, explanation)
