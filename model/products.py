"""The matrix products of a pass whose fastest form depends on the BLAS kernel, chosen here.

OpenBLAS picks its kernels by CPU (SkylakeX on AVX-512, Haswell or Zen on AVX2, Sandybridge on
AVX, or whatever OPENBLAS_CORETYPE forces), and the same product written two ways can differ by
a factor of six on one kernel and not at all on another: the weight gradient of one example is
an outer product, which scipy's BLAS gemm (k = 1) computes fastest on SkylakeX and several
times slower than a broadcast multiply on Haswell on some CPUs. So each product below has a few
forms that compute the same numbers, and the first time a dtype is used in a process, a short
measurement (about 20 ms on one thread: the fastest of a few rounds of each form on the shapes
of a 784-16 and a 784-128 layer) chooses one form per product. It is never chosen by CPU name.
The choice is kept for the process, and `describe` reports it (the benchmarks print it).

For a layer l with B examples, dC_i/dz(l) rows `grad_z` (B, n_l) and a(l-1) rows `a`
(B, n_{l-1}); every form returns a new C-ordered array:

    outer(grad_z, a)       B = 1: dC/dz(l) outer a(l-1), (n_l, n_{l-1})     exactly equal forms
    mean_outer(grad_z, a)  B > 1: grad_z^T @ a / B, (n_l, n_{l-1})          equal up to rounding
    affine(a, w, b, out)   B >= BIG_BATCH: a @ W^T + b, (B, n_l)            equal up to rounding

(an outer product's entries are single products, so its forms agree bit for bit; sums of
products are rounded differently by different BLAS paths). Below BIG_BATCH rows the layer
product is always a @ W^T: both orientations take the same time there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import blas

Array = np.ndarray
BIG_BATCH = 256  # rows from which the layer product's orientation is chosen
ROUNDS = 5  # of each form, alternately; the fastest round of each counts
BUDGET = 0.05  # seconds per product: fewer rounds (at least 2) where the calls are slow
TIE = 0.05  # a later form must be this much faster than an earlier one to be chosen


def _gemm(dtype: np.dtype) -> Callable:
    return blas.get_blas_funcs("gemm", dtype=dtype)


# BLAS is column-major: gemm computes the transpose, a^T @ grad_z, from the transposed views
# (no copies), and the result's transpose is the C-ordered (n_l, n_{l-1}) array.
def _outer_gemm(grad_z: Array, a: Array) -> Array:
    return _gemm(a.dtype)(1.0, a.T, grad_z.T, trans_b=True).T


def _outer_dot(grad_z: Array, a: Array) -> Array:
    return np.dot(grad_z.T, a)


def _outer_broadcast(grad_z: Array, a: Array) -> Array:
    return np.multiply(grad_z.T, a)  # (n_l, 1) * (1, n_{l-1})


def _mean_outer_gemm(grad_z: Array, a: Array) -> Array:
    # alpha = 1/B divides in the same pass
    return _gemm(a.dtype)(1 / len(a), a.T, grad_z.T, trans_b=True).T


def _mean_outer_dot(grad_z: Array, a: Array) -> Array:
    # numpy's own BLAS, then the division in place. Not on grad_z's side, though that is
    # smaller at small batches: this form must round like gemm's alpha, which scales the sum
    # (the presets are trained at batch 20 and reproduced bit for bit, whichever form is chosen)
    product = np.dot(grad_z.T, a)
    product *= 1 / len(a)
    return product


def affine_rows(a: Array, w: Array, b: Array, out: Array | None = None) -> Array:
    z = np.dot(a, w.T, out=out)
    z += b[None]  # a (1, n_l) row: numpy adds that faster than an (n_l,) one
    return z


def _affine_columns(a: Array, w: Array, b: Array, out: Array | None = None) -> Array:
    # W @ a^T (n_l, B), turned back into rows in the pass that adds the bias
    return np.add(np.dot(w, a.T).T, b[None], out=out, order="C")


FORMS: dict[str, dict[str, Callable]] = {  # per product, its forms; the first is the default
    "outer": {"dot": _outer_dot, "gemm": _outer_gemm, "broadcast": _outer_broadcast},
    "mean_outer": {"dot": _mean_outer_dot, "gemm": _mean_outer_gemm},
    "affine": {"rows": affine_rows, "columns": _affine_columns},
}


@dataclass
class Chosen:
    """One form per product for one dtype, with what each form took when it was measured."""

    dtype: np.dtype
    names: dict[str, str]
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    outer: Callable = field(init=False, repr=False)
    mean_outer: Callable = field(init=False, repr=False)
    affine: Callable = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for product, name in self.names.items():
            setattr(self, product, FORMS[product][name])

    def __repr__(self) -> str:
        return f"Chosen({self.dtype}, {self.names})"


_measured: dict[np.dtype, Chosen] = {}  # per dtype, as measured
_forced: dict[str, str] = {}  # product -> form, inside `forced`
_chosen: dict[np.dtype, Chosen] = {}  # what is used: the measured forms, unless forced
_lock = threading.Lock()


def chosen(dtype: np.dtype) -> Chosen:
    """The forms for `dtype`, measured on the first call in this process (thread-safe)."""
    found = _chosen.get(dtype)  # an array's dtype: the one lookup of every later call
    if found is not None:
        return found
    dtype = np.dtype(dtype)
    with _lock:
        if dtype not in _measured:
            _measured[dtype] = _measure(dtype)
        measured = _measured[dtype]
        if _forced:
            measured = Chosen(dtype, {**measured.names, **_forced}, measured.seconds)
        _chosen[dtype] = measured
        return measured


def _samples(dtype: np.dtype) -> dict[str, list[tuple]]:
    """Arguments shaped like the first layer of a 784-16 and a 784-128 network: one example,
    100 examples, BIG_BATCH rows."""
    rng = np.random.default_rng(0)
    many = rng.random((BIG_BATCH, 784)).astype(dtype)
    samples: dict[str, list[tuple]] = {product: [] for product in FORMS}
    for width in (16, 128):
        w = rng.standard_normal((width, 784)).astype(dtype)
        b = rng.standard_normal(width).astype(dtype)
        grad_z = rng.standard_normal((100, width)).astype(dtype)
        samples["outer"].append((grad_z[:1], many[:1]))
        samples["mean_outer"].append((grad_z, many[:100]))
        samples["affine"].append((many, w, b))
    return samples


def _measure(dtype: np.dtype) -> Chosen:
    """Per product, each form on every sample in turn, ROUNDS times; a form's time is the sum
    over the samples of its fastest round (the fastest is the one other processes disturbed
    least). The first form stays unless another is faster by more than TIE."""
    samples, names, seconds = _samples(dtype), {}, {}
    for product, forms in FORMS.items():
        best = {(name, i): np.inf for name in forms for i in range(len(samples[product]))}
        began_product = time.perf_counter()
        for round_ in range(ROUNDS):
            if round_ >= 2 and time.perf_counter() - began_product > BUDGET:
                break
            for name, form in forms.items():
                for i, args in enumerate(samples[product]):
                    began = time.perf_counter()
                    form(*args)
                    best[name, i] = min(best[name, i], time.perf_counter() - began)
        total = {name: sum(best[name, i] for i in range(len(samples[product]))) for name in forms}
        pick = next(iter(forms))
        for name in forms:
            if total[name] < total[pick] * (1 - TIE):
                pick = name
        names[product] = pick
        seconds[product] = total
    return Chosen(dtype, names, seconds)


def describe(dtype: np.dtype) -> str:
    """The chosen forms for `dtype` and their measured times, one line: what the benchmarks
    print beside their numbers."""
    c = chosen(np.dtype(dtype))
    parts = []
    for product, name in c.names.items():
        times = ", ".join(f"{n} {s * 1e6:.3g} us" for n, s in c.seconds.get(product, {}).items())
        forced = " (forced)" if product in _forced else ""
        parts.append(f"{product} {name}{forced} [{times}]")
    return f"{np.dtype(dtype)}: " + "; ".join(parts)


@contextmanager
def forced(**names: str):
    """Use these forms (product=form name) for every dtype inside the block, whatever was
    measured; the measured choice returns after it. For tests and benchmarks: not for use
    while other threads compute."""
    for product, name in names.items():
        if name not in FORMS[product]:
            raise ValueError(f"{product} has no form {name!r}: one of {list(FORMS[product])}")
    with _lock:
        before = dict(_forced)
        _forced.update(names)
        _chosen.clear()
    try:
        yield
    finally:
        with _lock:
            _forced.clear()
            _forced.update(before)
            _chosen.clear()
