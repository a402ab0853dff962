"""`averaging` (a batch of two or more examples): do the examples agree?

Two forms, chosen by the draw:
- `layer`: which weighted layer's examples agree most, i.e. has the largest consistency
  ||mean_i g_i|| / mean_i ||g_i||. Shown per layer: "norm_of_mean" (||mean_i g_i||, from the
  batch gradient's three ways) and "mean_of_norms" (mean_i ||g_i||, that divided by the
  result's consistency). Options: the layers 1..L. Needs two weighted layers.
- `example` (with per-example detail): does example i's wish for neuron j of layer l point the
  same way as the batch's (their mean)? Shown: every example's wish for that neuron.
  Options "agrees", "disagrees".
"""

from __future__ import annotations

import math

import numpy as np

from .exercise import Exercise, UnknownExercise, choice
from .ids import index
from .reading import Reading, example_name, neuron_name, num

KIND = "averaging"
MOST_SHOWN = 100  # examples whose wishes an `example` exercise lists


def _layers(r: Reading) -> list[int]:
    """Weighted layers whose consistency is defined (not every per-example gradient zero)."""
    return [l for l in range(1, r.top + 1) if r.consistency(l)] if r.has_layers else []


def _examples_form(r: Reading) -> bool:
    return r.has_examples and r.batch_size <= MOST_SHOWN


def missing(r: Reading) -> str | None:
    if r.batch_size < 2:
        return "needs a batch of at least 2 examples"
    if len(_layers(r)) < 2 and not _examples_form(r):
        return (
            "needs two weighted layers with per-layer detail (include.layers), or "
            f"per-example detail (include.per_example) for at most {MOST_SHOWN} examples"
        )
    return None


def draw(r: Reading, rng: np.random.Generator) -> tuple[str, ...]:
    if len(_layers(r)) < 2 or (_examples_form(r) and rng.integers(2)):
        for _ in range(20):  # an example whose wish is 0 agrees with nothing: draw another
            l = int(rng.integers(1, r.top + 1))
            j, i = int(rng.integers(r.sizes[l])), int(rng.integers(r.batch_size))
            if r.example_wishes(l, i)[j] != 0 and _mean(r, l, j) != 0:
                break
        return "example", str(l), str(j), str(i)
    return ("layer",)


def build(r: Reading, params: tuple[str, ...]) -> Exercise:
    if params == ("layer",) and len(_layers(r)) >= 2:
        return _layer(r)
    if len(params) == 4 and params[0] == "example" and _examples_form(r) and r.batch_size > 1:
        l = index(params[1], r.top + 1)
        return _example(r, l, index(params[2], r.sizes[l]), index(params[3], r.batch_size))
    raise UnknownExercise(params)


def _layer(r: Reading) -> Exercise:
    rows, ratios = [], {}
    for l in _layers(r):
        ways = r.ways(l)
        norm = float(np.sqrt(np.square(ways["weights"]).sum() + np.square(ways["bias"]).sum()))
        rows.append({"layer": l, "norm_of_mean": norm, "mean_of_norms": norm / r.consistency(l)})
        ratios[l] = r.consistency(l)
    best = max(ratios.values())
    accepted = tuple(l for l, c in ratios.items() if c == best)
    prompt = (
        f"Each of the batch's {r.batch_size} examples wants its own gradient g_i. For each "
        "layer you see the size of their average, ||mean g_i||, and the average size, "
        "mean ||g_i||. In which layer do the examples agree most?"
    )
    listing = "; ".join(f"layer {l}: {num(c)}" for l, c in ratios.items())
    explanation = (
        f"Consistency = ||mean g_i|| / mean ||g_i||: {listing}. It is 1 when every example "
        f"wants the same and about 1/\u221aB = {num(1 / math.sqrt(r.batch_size))} when they want "
        f"unrelated things; layer {accepted[0]} comes closest to agreement."
    )
    return Exercise(
        KIND,
        prompt,
        {"variant": "layer", "batch_size": r.batch_size, "layers": rows},
        choice(list(ratios)),
        accepted[0],
        explanation,
        accepted,
    )


def _mean(r: Reading, l: int, j: int) -> float:
    """The batch's wish for neuron j of layer l: the mean of the examples' wishes."""
    return float(np.mean([r.example_wishes(l, e)[j] for e in range(r.batch_size)]))


def _example(r: Reading, l: int, j: int, i: int) -> Exercise:
    wishes = [r.example_wishes(l, e)[j] for e in range(r.batch_size)]
    mine, batch = wishes[i], _mean(r, l, j)
    agrees = (mine > 0 and batch > 0) or (mine < 0 and batch < 0)
    expected = "agrees" if agrees else "disagrees"
    data = {"variant": "example", "layer": l, "neuron": j, "example": i, "example_wishes": wishes}
    prompt = (
        f"The batch's {r.batch_size} examples each have a wish for {neuron_name(r, l, j)} "
        f"(shown, in order). Does {example_name(r, i)}'s wish point the same way as the "
        "batch's?"
    )
    way = lambda w: "up" if w > 0 else "down" if w < 0 else "nowhere"  # noqa: E731
    explanation = (
        f"The batch's wish is the mean of the examples' wishes: {num(batch)} ({way(batch)}). "
        f"{example_name(r, i)[0].upper()}{example_name(r, i)[1:]} wishes {num(mine)} "
        f"({way(mine)}), so it {expected}"
        + ("." if agrees else ": averaging lets the majority outvote it, and its quirk cancels.")
    )
    return Exercise(KIND, prompt, data, choice(["agrees", "disagrees"]), expected, explanation)
