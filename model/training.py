"""Gradient descent, the loop the lesson ends with: step after step on fresh mini-batches.

Each step draws a mini-batch of `batch_size` examples from the training pool, takes the
batch-averaged gradient (so the examples' wishes are averaged: consistent patterns add up,
single-image quirks cancel) and moves every parameter against it:

    W(l) -= learning_rate * dC/dW(l)        b(l) -= learning_rate * dC/db(l)

Mini-batches come from `numpy.random.default_rng(seed)`: each epoch is one permutation of the
pool cut into consecutive batches (a remainder shorter than a batch is left out), so every
example is seen once per epoch. The gradient comes from backprop (one forward pass and one
backward sweep) or from the naive method (every parameter nudged, central or forward
differences), which follows the same trajectory up to the nudge's error, many times slower.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .backprop import backprop
from .naive import Cancelled, Progress, ShouldStop, nudge, passes_needed
from .network import Network

Array = np.ndarray


@dataclass
class Training:
    """What a run of gradient descent did: the curves, its time and its passes."""

    cost: list[float] = field(default_factory=list)  # the mini-batch cost before each step
    accuracy: list[dict[str, float]] = field(default_factory=list)  # {"step", "value"}
    seconds: float = 0.0  # the steps' own time, without the accuracy evaluations
    passes: dict[str, int] = field(default_factory=dict)


def minibatches(count: int, batch_size: int, rng: np.random.Generator) -> Iterator[Array]:
    """Index arrays of `batch_size`, epoch after epoch, each epoch one permutation of count."""
    if not 0 < batch_size <= count:
        # no epoch would hold a whole mini-batch: the loop below would never yield
        raise ValueError(f"a mini-batch of {batch_size} needs 1 to {count} examples")
    while True:
        order = rng.permutation(count)
        for start in range(0, count - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


def accuracy(net: Network, x: Array, labels: Array) -> float:
    """The share of examples whose most active output neuron is their label."""
    activations, _ = net.feedforward(x)
    return float((activations[-1].argmax(axis=1) == labels).mean())


def step_passes(method: str, parameter_count: int, difference: str) -> dict[str, int]:
    """Passes of one step: backprop's forward pass (which gives the cost) and backward sweep;
    the naive method's nudged passes plus one forward pass for the cost before the step
    (forward differences take their base pass from it)."""
    if method == "backprop":
        return {"forward": 1, "backward": 1}
    return {
        "forward": passes_needed(parameter_count, difference, base_cost_known=True) + 1,
        "backward": 0,
    }


def train(
    net: Network,
    pool: tuple[Array, Array],
    steps: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    method: str = "backprop",
    evaluate: tuple[Array, Array] | None = None,
    eval_every: int = 1,
    epsilon: float = 1e-6,
    difference: str = "central",
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> Training:
    """Run `steps` steps of gradient descent on `net`, changing its parameters in place.

    pool is (x, y) to draw mini-batches from; evaluate is (x, labels) for the accuracy, taken
    before the first step, every `eval_every` steps and after the last. progress(done, total)
    counts steps; should_stop is asked after every step (and within a naive step)."""
    batches = minibatches(len(pool[0]), batch_size, np.random.default_rng(seed))
    gradient = (
        _backprop_gradient
        if method == "backprop"
        else _naive_gradient(epsilon, difference, should_stop)
    )
    out = Training()
    per_step = step_passes(method, net.parameter_count, difference)
    out.passes = {"forward": 0, "backward": 0, "evaluation": 0}
    for step in range(steps):
        if evaluate is not None and step % eval_every == 0:
            out.accuracy.append({"step": step, "value": accuracy(net, *evaluate)})
            out.passes["evaluation"] += 1
        began = time.perf_counter()
        chosen = next(batches)
        cost, weight_gradients, bias_gradients = gradient(net, pool[0][chosen], pool[1][chosen])
        for w, b, gw, gb in zip(net.weights, net.biases, weight_gradients, bias_gradients):
            w -= learning_rate * gw
            b -= learning_rate * gb
        out.seconds += time.perf_counter() - began
        out.cost.append(cost)
        for kind, count in per_step.items():
            out.passes[kind] += count
        if progress is not None:
            progress(step + 1, steps)
        if should_stop is not None and should_stop():
            raise Cancelled(step + 1)
    if evaluate is not None:
        out.accuracy.append({"step": steps, "value": accuracy(net, *evaluate)})
        out.passes["evaluation"] += 1
    return out


Gradient = Callable[[Network, Array, Array], tuple[float, list[Array], list[Array]]]


def _backprop_gradient(net: Network, x: Array, y: Array) -> tuple[float, list[Array], list[Array]]:
    result = backprop(net, x, y, input_wishes=False)
    return result.cost, result.weight_gradients, result.bias_gradients


def _naive_gradient(epsilon: float, difference: str, should_stop: ShouldStop | None) -> Gradient:
    def gradient(net: Network, x: Array, y: Array) -> tuple[float, list[Array], list[Array]]:
        cost = net.cost(x, y)
        nudged = nudge(
            net,
            x,
            y,
            np.arange(net.parameter_count),
            epsilon,
            difference,
            base_cost=cost,
            should_stop=should_stop,
        )
        weights, biases, at = [], [], 0
        for w, b in zip(net.weights, net.biases):
            weights.append(nudged.values[at : at + w.size].reshape(w.shape).astype(w.dtype))
            at += w.size
            biases.append(nudged.values[at : at + b.size].astype(b.dtype))
            at += b.size
        return cost, weights, biases

    return gradient
