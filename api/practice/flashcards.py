"""The lesson's ideas as flashcards, in this project's own words.

Without a job the cards use the lesson's 784-16-16-10 network; with a finished job's result
they use its numbers: its widths and parameter count, the naive method's passes, the speedup
this job measured, its cost and its batch.
"""

from __future__ import annotations

from typing import Any

from .reading import num

LESSON = {"layers": [784, 16, 16, 10], "parameters": 13002}


def _numbers(result: dict[str, Any] | None) -> dict[str, Any]:
    network = result["network"] if result else LESSON
    layers, p = network["layers"], network["parameters"]
    timing = (result or {}).get("timing") or {}
    return {
        "net": "-".join(map(str, layers)),
        "inputs": layers[0],
        "outputs": layers[-1],
        "p": f"{p:,}",
        "forward": f"{p + 1:,}",
        "central": f"{2 * p:,}",
        "speedup": (
            f"On this job backprop measured {num(timing['speedup'])}\u00d7 faster than "
            "the naive method would take for every parameter."
            if "speedup" in timing
            else "On the lesson's network that is thousands of times faster."
        ),
        "cost": (f" This job's cost is {num(result['cost'])}." if result else ""),
        "batch": (result["batch"]["size"] if result else 100),
        "whose": "this job's" if result else "the lesson's",
    }


CARDS = [
    (
        "What is a neuron's wish?",
        "The nudge to its activation that would lower the cost fastest, with its strength: "
        "\u2212\u2202C/\u2202a. Positive means it wants to be higher, negative lower.",
        ["wish", "words"],
    ),
    (
        "What do the output neurons of {whose} {net} network wish, for one example?",
        "For the squared-error cost, \u22122(a \u2212 y) each: every one of the {outputs} outputs "
        "wants to move toward its target, more strongly the further away it is.{cost}",
        ["wish", "output"],
    ),
    (
        "Name the three ways a neuron can grant its wish.",
        "Raise its bias; raise the weights on its bright inputs (a weight's pull is proportional "
        "to the activation it carries); and wish that the previous layer were different.",
        ["three ways"],
    ),
    (
        "How much of previous neuron k's wish comes from neuron j?",
        "Its share W_jk \u00d7 f\u2032(z_j) \u00d7 wish_j: the weight that connects them, the "
        "slope of j's activation, and j's own wish.",
        ["three ways", "trace"],
    ),
    (
        "What is backpropagation, in one sentence?",
        "Each neuron's wish is the sum of the shares sent back by every neuron of the next layer; "
        "starting at the output, that sum rolls backward one layer at a time.",
        ["backprop"],
    ),
    (
        "Why does a gradient step average over examples?",
        "Each example wishes for its own changes. The batch's gradient is their mean, so wishes "
        "most examples share add up and one example's quirks cancel ({whose} batch: {batch} "
        "examples).",
        ["averaging"],
    ),
    (
        "What does a layer's consistency of 1 mean, and of 1/\u221aB?",
        "1: every example wants the same change to that layer. About 1/\u221aB: the B examples "
        "want unrelated things, and the average is mostly cancellation.",
        ["averaging", "consistency"],
    ),
    (
        "How does the naive method find the gradient?",
        "Nudge one parameter by a tiny \u03b5, run the whole network again, see how the cost "
        "moved, put the parameter back; repeat for every parameter.",
        ["naive"],
    ),
    (
        "How many passes does nudging need for {whose} {net} network?",
        "It has {p} parameters: {forward} passes with forward differences (one shared base pass), "
        "{central} with central ones. Backprop needs one forward and one backward pass. {speedup}",
        ["naive", "cost"],
    ),
    (
        "What is a pass?",
        "One full run of the network forward over the whole batch. The naive method and backprop "
        "are compared by counting them.",
        ["naive", "words"],
    ),
    (
        "Why do the input layer's wishes not change the network?",
        "Inputs are the data, not parameters: their wishes are the last sums of shares, and every "
        "weight and bias already has its gradient by the time the trace reaches them.",
        ["wish", "trace"],
    ),
]


def flashcards(result: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """[{"front", "back", "tags"}], filled in with the result's numbers when one is given."""
    numbers = _numbers(result)
    return [
        {"front": front.format(**numbers), "back": back.format(**numbers), "tags": tags}
        for front, back, tags in CARDS
    ]
