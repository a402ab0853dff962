"""The stable functions, hand-written against scipy.special: time and accuracy side by side.

sigmoid (model.activations) vs `scipy.special.expit`, softmax vs `scipy.special.softmax`, and
log-softmax (model.costs) vs `scipy.special.log_softmax` and `z - logsumexp(z)`, on the shapes
the lesson's network gives them: z of (B, 16) for the hidden layers, (B, 10) for the output.
Accuracy is the largest error in units of the last place (ulps) against the same function in
numpy's long double (80-bit on x86), over z drawn from N(0, 4^2) with a tail out to +-800, so
the overflow-prone corners are in every batch.

Measured here (see docs/benchmarks.md): expit is at least as accurate as the hand-written
sigmoid and faster at the lesson's mini-batch shapes, so the model's sigmoid is expit; scipy's
softmax and log_softmax are as accurate but slower than the hand-written ones, and
`z - logsumexp(z)` is less accurate, so the model keeps its own softmax and log-softmax.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from bench import common
from model import costs
from model.activations import ACTIVATIONS


def hand_sigmoid(z: np.ndarray) -> np.ndarray:
    """The stable sigmoid the model had before it took expit: exp of -|z| never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


HAND = {
    "sigmoid": hand_sigmoid,
    "softmax": ACTIVATIONS["softmax"].f,
    "log_softmax": costs.log_softmax,
}
SCIPY = {
    "sigmoid": [("expit", special.expit)],
    "softmax": [("softmax", lambda z: special.softmax(z, axis=-1))],
    "log_softmax": [
        ("log_softmax", lambda z: special.log_softmax(z, axis=-1)),
        ("z - logsumexp", lambda z: z - special.logsumexp(z, axis=-1, keepdims=True)),
    ],
}


def reference(name: str, z: np.ndarray) -> np.ndarray:
    z = z.astype(np.longdouble)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    shifted = z - z.max(axis=-1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted - log_sum if name == "log_softmax" else np.exp(shifted - log_sum)


def ulps(got: np.ndarray, want: np.ndarray, floor: float) -> float:
    """Largest |got - want| in ulps of max(|want|, floor).

    log-softmax is measured with floor 1: its largest entry is about 0, where both versions
    lose the same absolute 1e-16 to cancellation, so an error relative to 0 would say nothing."""
    scale = np.maximum(np.abs(want.astype(np.float64)), floor)
    return float((np.abs(got.astype(np.longdouble) - want) / np.spacing(scale)).max())


def inputs(batch: int, width: int, seed: int = 0) -> np.ndarray:
    """z ~ N(0, 4^2), one entry in ten replaced by -800, -40, 40 or 800."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 4, size=(batch, width))
    far = rng.random(z.shape) < 0.1
    z[far] = rng.choice([-800.0, -40.0, 40.0, 800.0], size=int(far.sum()))
    return z


def main() -> None:
    args = common.arguments(__doc__.splitlines()[0])
    rows = []
    for name in HAND:
        for batch, width in ((1, 16), (20, 16), (100, 16), (100, 10), (1000, 10)):
            z = inputs(batch, width)
            want = reference(name, z)
            floor = 1.0 if name == "log_softmax" else np.finfo(np.float64).tiny
            with np.errstate(over="ignore"):
                fns = {
                    "hand": lambda z=z, n=name: HAND[n](z),
                    **{label: (lambda z=z, f=f: f(z)) for label, f in SCIPY[name]},
                }
                times = common.interleaved(fns, args.budget / 3)
                for label in fns:
                    if label == "hand":
                        continue
                    r = common.ratio(times[label], times["hand"])
                    rows.append(
                        [
                            name,
                            f"{batch}x{width}",
                            label,
                            common.seconds(common.median(times[label])),
                            common.seconds(common.median(times["hand"])),
                            common.spread(r),
                            f"{ulps(fns[label](), want, floor):.2f}",
                            f"{ulps(fns['hand'](), want, floor):.2f}",
                        ]
                    )
    common.print_table(
        [
            "function",
            "z",
            "scipy",
            "scipy time",
            "hand time",
            "scipy/hand",
            "scipy max ulps",
            "hand max ulps",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
