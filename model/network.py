"""A fully connected network: sizes, weights, biases, an activation per layer, a cost.

For sizes [2, 3, 1]: weights[0] is W(1) with shape (3, 2), biases[0] is b(1) with shape (3,),
weights[1] is W(2) with shape (1, 3). Examples are rows, so a batch of B inputs is (B, n_0) and

    z(l) = a(l-1) @ W(l).T + b(l)      (B, n_l)    # the book's W a + b, one example per row
    a(l) = f_l(z(l))

Parameters have one flat order, used by the naive method and its indices: W(1) row by row,
then b(1), then W(2), b(2), and so on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import costs, products, workspace
from .activations import ACTIVATIONS, Activation

Array = np.ndarray


@dataclass
class Network:
    sizes: list[int]
    weights: list[Array]
    biases: list[Array]
    activations: list[Activation]
    cost_name: str

    @classmethod
    def from_arrays(
        cls,
        weights: list[Array],
        biases: list[Array],
        activations: list[str],
        cost: str,
        dtype: str = "float64",
    ) -> Network:
        """The network with these parameters (W(l) of shape (n_l, n_{l-1}), b(l) of (n_l,)),
        one activation name per layer 1..L and a cost name, in `dtype`."""
        sizes = [weights[0].shape[1], *(w.shape[0] for w in weights)]
        return cls(
            sizes=sizes,
            weights=[np.asarray(w, dtype=dtype) for w in weights],
            biases=[np.asarray(b, dtype=dtype) for b in biases],
            activations=[ACTIVATIONS[name] for name in activations],
            cost_name=cost,
        )

    def __repr__(self) -> str:
        names = ",".join(a.name for a in self.activations)
        return (
            f"Network({self.sizes}, activations=[{names}], cost={self.cost_name!r}, "
            f"dtype={self.dtype}, parameters={self.parameter_count})"
        )

    @property
    def dtype(self) -> np.dtype:
        return self.weights[0].dtype

    @property
    def parameter_count(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    def parameters(self) -> list[Array]:
        """The parameter arrays in flat order: [W(1), b(1), W(2), b(2), ...]."""
        return [p for w, b in zip(self.weights, self.biases) for p in (w, b)]

    def locate(self, index: int) -> tuple[int, str, tuple[int, ...]]:
        """Flat parameter index -> (layer l, "weight" or "bias", position in that array)."""
        for l, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            if index < w.size:
                return l, "weight", tuple(int(i) for i in np.unravel_index(index, w.shape))
            index -= w.size
            if index < b.size:
                return l, "bias", (index,)
            index -= b.size
        raise IndexError("parameter index out of range")

    def label(self, index: int) -> str:
        """A readable name for a flat parameter index, such as W2[3,0] or b1[4]."""
        layer, kind, where = self.locate(index)
        return f"{'W' if kind == 'weight' else 'b'}{layer}[{','.join(map(str, where))}]"

    def feedforward(self, x: Array) -> tuple[list[Array], list[Array]]:
        """The plain forward pass, as Nielsen's backprop writes it: activations (a(0)..a(L))
        and zs (z(1)..z(L)) for a batch x of shape (B, n_0), every one kept in an array of its
        own. The reference that reads like the book; backprop runs `forward`."""
        activations, zs = [x], []
        for w, b, f in zip(self.weights, self.biases, self.activations):
            z = activations[-1] @ w.T
            z += b  # in place: the same sum without a second (B, n_l) array
            zs.append(z)
            activations.append(f.f(z))
        return activations, zs

    def forward(self, x: Array) -> tuple[list[Array], Array | None]:
        """The forward pass backprop runs: activations a(0)..a(L) for a batch x (B, n_0), each
        a(l) a new array of the caller's, made in place over z(l) (z(l) = a(l-1) W(l)^T + b(l),
        then f_l in the same memory); and z(L), kept apart only for a cost that reads it
        (cross-entropy), else None. `feedforward`'s pass up to rounding (`affine` may order the
        product otherwise), in about half its memory."""
        keep_z = self.cost_name in costs.READS_Z
        last = len(self.weights) - 1
        activations = [x]
        for l, (w, b, f) in enumerate(zip(self.weights, self.biases, self.activations)):
            z = affine(activations[-1], w, b)
            activations.append(f.f(z) if keep_z and l == last else f.apply(z))
        return activations, z if keep_z else None

    def cost(self, x: Array, y: Array) -> float:
        """The batch cost C: one forward pass that keeps nothing. It writes every layer into
        this thread's reused arrays (see `workspace`): the naive method calls it thousands of
        times on the same shapes."""
        # z(1)..z(L), and one more like z(L) for the cost
        *zs, scratch = workspace.rows(len(x), (*self.sizes[1:], self.sizes[-1]), self.dtype)
        a = x
        for w, b, f, z in zip(self.weights, self.biases, self.activations, zs):
            a = f.apply(affine(a, w, b, out=z))
        if self.cost_name in costs.READS_Z:  # z(L) is gone into a(L): once more, into scratch
            z = affine(zs[-2] if len(zs) > 1 else x, self.weights[-1], self.biases[-1], out=scratch)
        return costs.batch_cost(self.cost_name, z, a, y, scratch)


def affine(a: Array, w: Array, b: Array, out: Array | None = None) -> Array:
    """z = a @ W^T + b, (B, n_l) in C order, in `out` (a new array when None).

    np.dot rather than @ (less overhead per call on small arrays), the bias added as a (1, n_l)
    row. From `products.MID_BATCH` rows, the orientation (a @ W^T, or W @ a^T turned back into
    rows) is the one measured faster on this machine's BLAS kernel for layers of this width
    (`model.products`).
    """
    if len(a) < products.MID_BATCH:
        return products.affine_rows(a, w, b, out)
    return products.chosen(w.dtype).affine(a, w, b, out)


def initial_parameters(sizes: list[int], seed: int, scheme: str) -> tuple[list[Array], list[Array]]:
    """Seeded float64 parameters, drawn layer by layer: W(l) then b(l).

    "scaled": W ~ N(0, 1/n_{l-1}) so that z stays O(1) at any width; "normal": W ~ N(0, 1), as in
    Nielsen's network.py. Biases ~ N(0, 1) in both.
    """
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for m, n in zip(sizes[:-1], sizes[1:]):
        scale = 1 / np.sqrt(m) if scheme == "scaled" else 1.0
        weights.append(rng.standard_normal((n, m)) * scale)
        biases.append(rng.standard_normal(n))
    return weights, biases
