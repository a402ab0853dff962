"""Costs per example, their batch mean C, and the output wish.

squared_error (the lesson's): C_i = sum_j (a_j(L) - y_j)^2, so dC_i/da_j(L) = 2 (a_j - y_j).
cross_entropy (softmax output): C_i = -sum_j y_j log a_j(L), so dC_i/da_j(L) = -y_j / a_j.
Both are per example; the batch cost C is their mean over the batch.

The output wish of a softmax output is taken at its input, -dC_i/dz(L) = y - a (for targets
that sum to 1), not -dC_i/da(L) = y / a. Two reasons: the softmax moves its outputs together
(they sum to 1), so a wish on one a_j alone asks for what the layer cannot do; and y / a is
unbounded: a_j underflows to 0 (z = [400, -400] gives a_2 = e^-800) while the cost (800) and
every gradient stay finite, so y / a would be infinite where the lesson's numbers are not.
y - a lies in [-1, 1], is what the softmax passes back, and names the same neuron as the one
that most wants to rise.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray
READS_Z = {"cross_entropy"}  # costs computed from z(L) (a stable log), so the forward pass keeps it


def log_softmax(z: Array) -> Array:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def per_example(name: str, z: Array, a: Array, y: Array) -> Array:
    """C_i for each example, shape (B,). cross_entropy reads z, for a stable log."""
    if name == "squared_error":
        return ((a - y) ** 2).sum(axis=-1)
    # 0 * log(0) is 0: only entries with y > 0 contribute
    return -np.where(y > 0, y * log_softmax(z), 0).sum(axis=-1)


def output_gradient(name: str, z: Array, a: Array, y: Array) -> Array:
    """dC_i/da(L) per example, shape (B, n_L), whose negative is the output wish; for a
    softmax output dC_i/dz(L) instead (see above), which is finite wherever the cost is."""
    if name == "squared_error":
        return 2 * (a - y)
    return output_z_gradient(name, z, a, y)


def output_z_gradient(name: str, z: Array, a: Array, y: Array) -> Array | None:
    """dC_i/dz(L) in closed form where that is more stable than the chain rule, else None.

    Softmax with cross-entropy: dC_i/dz_j = a_j sum_m y_m - y_j (a - y when y sums to 1).
    """
    if name == "cross_entropy":
        return a * y.sum(axis=-1, keepdims=True) - y
    return None


def output(name: str, z: Array, a: Array, y: Array) -> tuple[Array, Array, Array | None]:
    """(C_i, dC_i/da(L), dC_i/dz(L) or None) at once: what the backward sweep starts from."""
    if name == "squared_error":
        diff = a - y
        example_costs = np.vecdot(diff, diff)  # row sums of squares, no temporary
        diff *= 2.0
        return example_costs, diff, None
    return (
        per_example(name, z, a, y),
        output_gradient(name, z, a, y),
        output_z_gradient(name, z, a, y),
    )


def batch_cost(name: str, z: Array, a: Array, y: Array, scratch: Array) -> float:
    """The batch cost C without the per-example array; `scratch` is shaped like a and is
    overwritten. Squared error: one subtraction and one BLAS dot product over the batch."""
    if name == "squared_error":
        diff = np.subtract(a, y, out=scratch)
        return float(np.vdot(diff, diff)) / len(y)
    return float(per_example(name, z, a, y).mean())
