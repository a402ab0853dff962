"""The model's edge: a validated spec becomes a Job, its network and batch built as arrays.

Past this module nothing knows of pydantic: `Network` is made from arrays, the batch sources
from plain values, and backprop and the naive method see only those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import digits, mnist, presets
from .batches import Batch, digits_batch, inline_batch, mnist_batch, one_hot, random_batch
from .by_label import indices_by_label
from .naive import choose_indices
from .network import Network, initial_parameters
from .spec import DIGITS_RESOLUTIONS, JobSpec, Limits, NetworkSpec, parse_spec

Array = np.ndarray
DEFAULT_EPSILON = {
    ("central", "float64"): 1e-6,
    ("central", "float32"): 1e-2,
    ("forward", "float64"): 1e-8,
    ("forward", "float32"): 1e-3,
}


@dataclass
class Job:
    """A validated spec with its network and batch built."""

    spec: JobSpec
    net: Network
    x: Array
    y: Array
    batch_info: dict[str, Any]

    def __repr__(self) -> str:
        return (
            f"Job({self.net!r}, batch={self.batch_info['source']} B={len(self.x)}, "
            f"methods={self.spec.methods})"
        )

    @property
    def epsilon(self) -> float:
        naive = self.spec.naive
        return naive.epsilon or DEFAULT_EPSILON[(naive.difference, self.spec.network.dtype)]

    @property
    def naive_indices(self) -> Array:
        naive = self.spec.naive
        return choose_indices(self.net.parameter_count, naive.sample, naive.seed)


def as_spec(spec: Any, limits: Limits | None = None) -> JobSpec:
    """A JobSpec as it is, or JSON-ready data validated into one."""
    return spec if isinstance(spec, JobSpec) else parse_spec(spec, limits)


def prepare(spec: Any, limits: Limits | None = None) -> Job:
    parsed = as_spec(spec, limits)
    x, y, info = build_batch(parsed)
    dtype = parsed.network.dtype
    # training and nudging change the parameters in place; nothing else does
    writes = parsed.train is not None or "naive" in parsed.methods
    net = build_network(parsed.network, writes)
    return Job(parsed, net, x.astype(dtype), y.astype(dtype), info)


def build_network(spec: NetworkSpec, writable: bool = True) -> Network:
    """The spec's network. A preset's parameters are shared by every job of the process
    (read-only); `writable` gives the network its own copy."""
    if spec.preset is not None:
        weights, biases = presets.parameters(spec.preset)
        if writable:
            weights, biases = [w.copy() for w in weights], [b.copy() for b in biases]
    elif spec.weights is not None:
        weights = [np.array(w, dtype=np.float64) for w in spec.weights]
        biases = [np.array(b, dtype=np.float64) for b in spec.biases]
    else:
        weights, biases = initial_parameters(spec.layers, spec.init.seed, spec.init.scheme)
    return Network.from_arrays(weights, biases, spec.activations, spec.cost, spec.dtype)


def build_batch(spec: JobSpec) -> Batch:
    """Inputs and targets (float64) and what the batch is."""
    batch, layers = spec.batch, spec.network.layers
    if batch.inputs is not None:
        return inline_batch(batch.inputs, layers[-1], batch.targets, batch.labels)
    indices = batch.indices
    if batch.by_label is not None:
        indices = indices_by_label(
            batch.dataset,
            batch.split or "train",
            [p.label for p in batch.by_label],
            [p.index for p in batch.by_label],
        )
    if batch.dataset == "mnist":
        return mnist_batch(batch.split or "train", batch.size, batch.seed, indices)
    if batch.dataset == "digits":
        return digits_batch(_resolution(spec), layers[-1], batch.size, batch.seed, indices)
    return random_batch(
        batch.size, batch.seed, layers[0], layers[-1], classes=spec.network.cost == "cross_entropy"
    )


def _resolution(spec: JobSpec) -> int:
    return spec.batch.resolution or next(
        r for r, n in DIGITS_RESOLUTIONS.items() if n == spec.network.layers[0]
    )


def training_pool(job: Job) -> tuple[Array, Array]:
    """(x, y) that `train` and `averaging` draw mini-batches from: the mnist train split, all
    of digits, or the spec's own batch."""
    dataset, dtype = job.spec.batch.dataset, job.net.dtype
    if dataset == "mnist":
        x, labels = mnist.images("train"), mnist.labels("train")
    elif dataset == "digits":
        resolution = _resolution(job.spec)
        x = digits.images(resolution).reshape(len(digits.labels()), -1)
        labels = digits.labels()
    else:
        return job.x, job.y
    return x.astype(dtype), one_hot(labels, job.net.sizes[-1]).astype(dtype)


def evaluation_set(job: Job) -> tuple[Array, Array, str]:
    """(x, labels, what) for the training's accuracy: the mnist test split, else the batch
    (its labels are the targets' largest entries)."""
    if job.spec.batch.dataset == "mnist":
        return mnist.images("test").astype(job.net.dtype), mnist.labels("test"), "mnist test split"
    return job.x, job.y.argmax(axis=1), "the batch"


def naive_count(spec: Any) -> int:
    """How many parameters the naive method nudges (the length of its index list)."""
    parsed = as_spec(spec)
    return parsed.naive.sample or parsed.network.parameter_count
