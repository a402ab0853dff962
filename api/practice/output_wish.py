"""`output-wish` (fixed semantics): which output neuron wishes most to rise, or to fall.

data = {"layer": L, "direction": "rise" | "fall", "example": i | null}, plus example i's
output "activations" and "targets" when the job kept per-example detail (include.per_example).
Expected: the output neuron whose wish is largest (rise) or smallest (fall), in example i's
wishes `examples.wishes[L][i]`, or in the batch mean `wishes[L]` when `example` is null (the
only form a job without per-example detail offers).
"""

from __future__ import annotations

import numpy as np

from .exercise import Exercise, UnknownExercise, choice
from .ids import index, one_of
from .reading import Reading, example_name, neuron_name, num

KIND = "output-wish"
DIRECTIONS = ("rise", "fall")
SHOWN = 10  # outputs listed one by one in an explanation


def missing(r: Reading) -> str | None:
    return None if r.has_wishes or r.has_examples else "needs the result's wishes"


def draw(r: Reading, rng: np.random.Generator) -> tuple[str, ...]:
    example = str(rng.integers(r.batch_size)) if r.has_examples else "mean"
    return DIRECTIONS[rng.integers(2)], example


def build(r: Reading, params: tuple[str, ...]) -> Exercise:
    if len(params) != 2:
        raise UnknownExercise(params)
    direction, top = one_of(params[0], DIRECTIONS), r.top
    if params[1] == "mean" and r.has_wishes:
        example, wishes = None, r.wishes(top)
    elif r.has_examples:
        example = index(params[1], r.batch_size)
        wishes = r.example_wishes(top, example)
    else:
        raise UnknownExercise(params)
    best = max(wishes) if direction == "rise" else min(wishes)
    accepted = tuple(j for j, w in enumerate(wishes) if w == best)
    data = {"layer": top, "direction": direction, "example": example}
    if example is not None:
        data |= {"activations": r.example_activations(top, example), "targets": r.targets(example)}
    most = (
        "rise (its wish is the largest)"
        if direction == "rise"
        else "fall (its wish is the smallest, the most negative)"
    )
    whose = (
        f"For {example_name(r, example)}"
        if example is not None
        else f"Averaged over the batch's {r.batch_size} examples"
    )
    prompt = f"{whose}: which output neuron wishes most to {most}?"
    return Exercise(
        KIND,
        prompt,
        data,
        choice(list(range(len(wishes)))),
        accepted[0],
        _explain(r, example, wishes, accepted[0], direction),
        accepted,
    )


def _explain(
    r: Reading, example: int | None, wishes: list[float], best: int, direction: str
) -> str:
    top = r.top
    # a softmax output's wish is taken at its input z (model/costs.py): y - a
    rule = "\u22122(a \u2212 y)" if r.cost_name == "squared_error" else "y \u2212 a"
    if example is not None:
        a, y = r.example_activations(top, example)[best], r.targets(example)[best]
        head = (
            f"An output neuron's wish is {rule} for the {r.cost_name.replace('_', ' ')} "
            f"cost. {neuron_name(r, top, best).capitalize()} has a = {num(a)} and "
            f"y = {num(y)}, so its wish is {num(wishes[best])}"
        )
    else:
        head = (
            f"The batch's wish is the mean of the {r.batch_size} examples' wishes; "
            f"{neuron_name(r, top, best)} has the mean wish {num(wishes[best])}"
        )
    extreme = "largest" if direction == "rise" else "smallest"
    order = sorted(range(len(wishes)), key=lambda j: wishes[j], reverse=direction == "rise")
    if len(wishes) <= SHOWN:
        rest = ", ".join(f"{j}: {num(wishes[j])}" for j in order)
        return f"{head}, the {extreme} of all the output wishes ({rest})."
    runner = order[1]
    return (
        f"{head}, the {extreme} of the {len(wishes)} output wishes; next comes neuron "
        f"{runner} with {num(wishes[runner])}."
    )
