"""`naive-cost`: how many run-throughs the naive method needs for this network.

Nudging each of the P parameters and re-running the whole network costs P + 1 passes with
forward differences (one base pass, one per parameter) or 2P with central ones (one up, one
down per parameter); backprop needs one forward and one backward pass. Shown: the widths and
the difference; P = sum_l n_l (n_{l-1} + 1) is left for the student. Exact answer (tolerance 0).
"""

from __future__ import annotations

import numpy as np

from .exercise import Exercise, UnknownExercise, number
from .ids import one_of
from .reading import Reading, num

KIND = "naive-cost"
DIFFERENCES = ("forward", "central")


def missing(r: Reading) -> str | None:
    return None


def draw(r: Reading, rng: np.random.Generator) -> tuple[str, ...]:
    return (DIFFERENCES[rng.integers(2)],)


def build(r: Reading, params: tuple[str, ...]) -> Exercise:
    if len(params) != 1:
        raise UnknownExercise(params)
    difference = one_of(params[0], DIFFERENCES)
    sizes = r.sizes
    parameters = r.result["network"]["parameters"]
    passes = parameters + 1 if difference == "forward" else 2 * parameters
    data = {"layers": sizes, "difference": difference}
    how = (
        "C(\u03b8 + \u03b5) against one shared C(\u03b8)"
        if difference == "forward"
        else "C(\u03b8 + \u03b5) and C(\u03b8 \u2212 \u03b5)"
    )
    prompt = (
        f"The naive method finds the gradient of this {'-'.join(map(str, sizes))} network "
        f"by nudging every parameter and re-running the whole network ({difference} "
        f"differences: {how}). How many full run-throughs (passes) does it need?"
    )
    terms = " + ".join(f"{n}\u00d7({m}+1)" for m, n in zip(sizes[:-1], sizes[1:]))
    count = "P + 1" if difference == "forward" else "2P"
    speedup = r.result.get("timing", {}).get("speedup")
    timed = f" Timed on this job, backprop was {num(speedup)}\u00d7 faster." if speedup else ""
    explanation = (
        f"The network has P = {terms} = {parameters:,} parameters (a weight per connection, a "
        f"bias per neuron). {difference.capitalize()} differences need {count} = {passes:,} "
        f"passes; backprop needs 2 (one forward, one backward), {num(passes / 2)}\u00d7 fewer."
        f"{timed}"
    )
    return Exercise(KIND, prompt, data, number(0.0), passes, explanation)
