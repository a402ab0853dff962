"""How big a job's result will be, known from the spec before anything runs.

The result is mostly float lists whose JSON length depends on how Python writes each float
(`repr`: the shortest text that reads back to the same float64, about 21 characters for the
gradient-sized numbers a result holds, with its comma) and on exact zeros ("0.0"). Zeros are
predictable where they matter: an input that is 0 in every example of the batch (the digits'
blank border) makes its whole column of dC/dW(1) exactly 0, in the gradient, the three ways and
the naive gradient. So the estimate counts the numbers of each top-level result key from the
layer widths and the batch size, and the zero columns from the batch itself (built here, unless
it is seeded random numbers, which are never 0).

What it cannot foresee: units that are 0 for every example (a relu network's dead units), which
make the JSON shorter than estimated. The estimate errs on the large side there.

`estimate_result(spec)` -> {"json_bytes", "keys": {key: bytes}, "floats": {key: count},
"skeleton_bytes"}.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .job import build_batch
from .spec import JobSpec

FLOAT_CHARS = 21.7  # mean JSON length of a non-zero result float with its comma (measured)
ZERO_CHARS = 4.5  # "0.0," or "-0.0,"
RANDOM_CHARS = 19.5  # a uniform [0, 1) input or target
SAMPLE_ROWS = 16  # rows of inputs and targets formatted to measure their length
FIXED = {"network": 100, "timing": 420, "naive": 260}  # the short dicts' keys and scalars
LAYER_CHARS = 130  # a layer entry's keys, width, activation and consistency
TRAINING_CHARS = 600  # training's keys, settings, passes and step timing
ACCURACY_CHARS = 36  # one {"step": ..., "value": ...} point
AVERAGING_CHARS = 260  # averaging's keys, reference, the batch's overall cosine
SIZE_CHARS = 80  # one size's keys, batch size and overall cosine
# the provenance block (model/provenance.py): about 600 bytes with two BLAS libraries; its
# strings (host, CPU, versions) differ between machines, so this is a generous bound
PROVENANCE_CHARS = 900


def estimate_result(spec: JobSpec) -> dict[str, Any]:
    """Estimated JSON bytes of `model.run(spec)`'s result, in all and per top-level key, and
    what a compact store needs to bound its size: the floats of each key, and the JSON bytes of
    everything that is not a float (the skeleton)."""
    shape = _Shape(spec)
    keys = {
        "network": FIXED["network"] + 8 * len(spec.network.layers),
        "batch": shape.batch_info,
        "cost": 25,
        "timing": FIXED["timing"],
        "provenance": PROVENANCE_CHARS,
    }
    skeleton, floats = sum(keys.values()), {}
    for key, (count, chars, other) in shape.parts().items():
        keys[key], floats[key] = round(chars), count
        skeleton += other
    return {
        "json_bytes": sum(keys.values()) + 12 * len(keys),  # + "key": and braces
        "keys": keys,
        "floats": floats,
        "skeleton_bytes": round(skeleton),
    }


class _Shape:
    """The counts behind the estimate: widths, parameters, batch, zero input columns."""

    def __init__(self, spec: JobSpec):
        self.spec, self.sizes = spec, list(spec.network.layers)
        self.batch = spec.batch.batch_size
        self.weights = sum(m * n for m, n in zip(self.sizes[:-1], self.sizes[1:]))
        self.biases = sum(self.sizes[1:])
        self.neurons = sum(self.sizes)
        (
            self.zero_columns,
            self.zero_inputs,
            self.input_chars,
            self.target_chars,
            self.batch_info,
        ) = _batch_facts(spec)

    def parts(self) -> dict[str, tuple[int, float, float]]:
        """(floats, JSON chars, chars of what is not a float) of each array-holding key the
        spec's include asks for."""
        include, out = self.spec.include, {}
        zeros = self.zero_columns * self.sizes[1]  # of dC/dW(1)
        rows = 2 * (self.neurons - self.sizes[0]) + 40  # brackets and keys
        gradients = (
            self.weights + self.biases,
            _floats(self.weights + self.biases, zeros) + rows,
            rows,
        )
        if include.gradients:
            out["gradients"] = gradients
        if include.wishes:
            out["wishes"] = (self.neurons, _floats(self.neurons, 0) + 2 * len(self.sizes), 0)
        if include.layers:
            count = self.biases + 2 * self.weights
            other = LAYER_CHARS * (len(self.sizes) - 1) + 4 * (self.neurons - self.sizes[0])
            out["layers"] = (count, _floats(count, zeros) + other, other)
        if include.per_example:
            out["examples"] = self._examples()
        if "naive" in self.spec.methods:
            out["naive"] = self._naive(gradients)
        if self.spec.train is not None:
            out["training"] = self._training()
        if include.averaging:
            out["averaging"] = self._averaging()
        return out

    def _training(self) -> tuple[int, float, float]:
        """The cost before each step, the final parameters when asked; the accuracy points
        ({"step", "value"}) and the step timing are not float lists: the skeleton's."""
        train = self.spec.train
        count = train.steps + (self.weights + self.biases if self.spec.include.parameters else 0)
        other = TRAINING_CHARS + ACCURACY_CHARS * (-(-train.steps // train.every) + 1)
        return count, _floats(count, 0) + other, other

    def _averaging(self) -> tuple[int, float, float]:
        """Per size: the layers' cosines and each draw's; for the batch, its layers' cosines;
        consistency with true and shuffled labels. The overall cosines are single floats."""
        options, layers = self.spec.averaging, len(self.sizes) - 1
        count = len(options.sizes) * (layers + options.draws) + 3 * layers
        other = AVERAGING_CHARS + SIZE_CHARS * len(options.sizes)
        return count, _floats(count, 0) + other, other

    def _examples(self) -> tuple[int, float, float]:
        """Activations, targets and costs; with two or more examples also their wishes and
        gradients (one example's are the batch's, not repeated)."""
        b, inner = self.batch, self.neurons - self.sizes[0]
        own = 0 if b == 1 else self.neurons + self.weights + self.biases
        count = b * (self.neurons + self.sizes[-1] + 1 + own)
        zeros = 0 if b == 1 else self.zero_inputs * self.sizes[1]  # dC_i/dW(1) at 0 inputs
        other = 2 * b * (len(self.sizes) + (len(self.sizes) + self.neurons if own else 0)) + 120
        chars = (
            self.input_chars
            + self.target_chars  # activations a(0), targets
            + _floats(b * (inner + 1 + own), zeros)
        )
        return count, chars + other, other

    def _naive(self, gradients: tuple[int, float, float]) -> tuple[int, float, float]:
        sample = self.spec.naive.sample
        if sample is None:
            return gradients[0], gradients[1] + FIXED["naive"], gradients[2] + FIXED["naive"]
        index_chars = len(str(self.weights + self.biases)) + 1
        label_chars = 10 + len(str(max(self.sizes)))
        share = self.zero_columns * self.sizes[1] / (self.weights + self.biases)
        other = sample * (index_chars + label_chars) + FIXED["naive"]
        return 2 * sample, _floats(2 * sample, round(2 * sample * share)) + other, other


def _floats(count: int, zeros: int) -> float:
    return (count - zeros) * FLOAT_CHARS + zeros * ZERO_CHARS


def _batch_facts(spec: JobSpec) -> tuple[int, int, float, float, int]:
    """Zero input columns, zero inputs, JSON chars of the inputs and of the targets, and of the
    result's `batch` description. Seeded random inputs are never 0 and are not built."""
    if spec.batch.dataset == "random":
        b, n0, nl = spec.batch.batch_size, spec.network.layers[0], spec.network.layers[-1]
        one_hot = spec.network.cost == "cross_entropy"
        return (0, 0, b * n0 * RANDOM_CHARS, b * nl * (ZERO_CHARS if one_hot else RANDOM_CHARS), 60)
    x, y, info = build_batch(spec)
    zero = x == 0
    return (
        int(zero.all(axis=0).sum()),
        int(zero.sum()),
        _sampled_chars(x),
        _sampled_chars(y),
        len(json.dumps(info, separators=(",", ":"))),
    )


def _sampled_chars(rows: np.ndarray) -> float:
    """JSON length of all rows, from the first SAMPLE_ROWS formatted."""
    head = rows[:SAMPLE_ROWS]
    return len(json.dumps(head.tolist(), separators=(",", ":"))) * len(rows) / max(len(head), 1)


SWITCHES = {
    "gradients": "include.gradients",
    "wishes": "include.wishes",
    "layers": "include.layers",
    "examples": "include.per_example",
    "averaging": "include.averaging",
}


def switches_to_fit(spec: JobSpec, estimate: dict[str, Any], limit: int) -> list[str] | None:
    """The fewest include switches (biggest parts first) to turn off so that the estimate fits
    `limit`, e.g. ["include.layers"]; None if turning off every one is not enough."""
    total, chosen = estimate["json_bytes"], []
    parts = sorted(((b, k) for k, b in estimate["keys"].items() if k in SWITCHES), reverse=True)
    for size, key in parts:
        if total <= limit:
            break
        total -= size
        chosen.append(SWITCHES[key])
    return chosen if total <= limit else None


def result_too_big(
    spec: JobSpec, limit: int, size: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """None if the result's estimated JSON (`size`, else estimated here) fits `limit` bytes,
    else the error naming the estimate and, in "fit", the include switches to turn off."""
    size = size or estimate_result(spec)
    if size["json_bytes"] <= limit:
        return None
    fit = switches_to_fit(spec, size, limit)
    advice = (
        "set " + " and ".join(f"{s} to false" for s in fit) + " to make it fit"
        if fit
        else "no include switch makes it fit: use a smaller network or batch"
    )
    return {
        "field": "include",
        "message": f"the result is estimated at {size['json_bytes']} "
        f"bytes of JSON, over the limit of {limit}; {advice}",
        "limit": limit,
        "estimate": {"result_bytes": size["json_bytes"]},
        "fit": fit or [],
    }
