"""`three-ways`: which of a neuron's three ways to grant its wish moves the cost most.

For neuron j of layer l and an incoming neuron k, per unit of nudge the cost falls by
|-dC/db_j| (raise the bias), |-dC/dW_jk| (raise the weight from k) or |share_jk| (wish that k
were different), all read from `layers[l-1].three_ways`. Shown: "slope_times_wish" (-dC/db_j,
the batch mean of f'(z_j) wish_j), "weight" W_jk and "weight_way" -dC/dW_jk; the share
W_jk x slope_times_wish is left for the student. Options "bias", "weight", "previous".
"""

from __future__ import annotations

import numpy as np

from .exercise import Exercise, UnknownExercise, choice
from .ids import connection, draw_connection
from .reading import Reading, factor, layer_name, neuron_name, num

KIND = "three-ways"
WAYS = ("bias", "weight", "previous")
TRIES = 20  # draws that look for a clear winner before settling for a near tie


def missing(r: Reading) -> str | None:
    return None if r.has_layers else "needs the result's per-layer detail (include.layers)"


def _sizes(r: Reading, l: int, j: int, k: int) -> list[float]:
    ways = r.ways(l)
    return [abs(ways["bias"][j]), abs(ways["weights"][j][k]), abs(ways["previous"][j][k])]


def draw(r: Reading, rng: np.random.Generator) -> tuple[str, ...]:
    for _ in range(TRIES):
        tokens = draw_connection(r.sizes, rng)
        first, second = sorted(_sizes(r, *map(int, tokens)), reverse=True)[:2]
        if first > 1.05 * second:
            break
    return tokens


def build(r: Reading, params: tuple[str, ...]) -> Exercise:
    if len(params) != 3:
        raise UnknownExercise(params)
    l, j, k = connection(params, r.sizes)
    ways = r.ways(l)
    sizes = _sizes(r, l, j, k)
    accepted = tuple(way for way, size in zip(WAYS, sizes) if size == max(sizes))
    data = {
        "layer": l,
        "neuron": j,
        "previous": k,
        "slope_times_wish": ways["bias"][j],
        "weight": r.weight(l, j, k),
        "weight_way": ways["weights"][j][k],
    }
    prompt = (
        f"{neuron_name(r, l, j)[0].upper()}{neuron_name(r, l, j)[1:]} can grant its wish "
        f"three ways: raise its bias, raise its weight from neuron {k} of "
        f"{layer_name(r, l - 1)}, or wish that neuron were different. Per unit of nudge, "
        "which moves the cost most?"
    )
    share = ways["previous"][j][k]
    explanation = (
        f"Per unit of nudge the cost falls by: bias |\u2212\u2202C/\u2202b_j| = "
        f"{num(sizes[0])}; weight |\u2212\u2202C/\u2202W_jk| = {num(sizes[1])} (f\u2032(z) wish "
        f"times the input's activation{', averaged over the batch' if r.batch_size > 1 else ''}"
        f"); previous neuron |W_jk \u00d7 f\u2032(z) wish| = |{factor(data['weight'] or 0)} "
        f"\u00d7 {factor(ways['bias'][j])}| = {num(abs(share))}. The largest is the "
        f"{' and the '.join(accepted)}."
    )
    return Exercise(KIND, prompt, data, choice(list(WAYS)), accepted[0], explanation, accepted)
