"""The matrix products of a pass whose fastest form depends on the BLAS kernel, chosen here.

OpenBLAS picks its kernels by CPU (SkylakeX on AVX-512, Haswell or Zen on AVX2, Sandybridge on
AVX, or whatever OPENBLAS_CORETYPE forces), and the same product written two ways can differ by
a factor of six on one kernel and not at all on another: the weight gradient of one example is
an outer product, which scipy's BLAS gemm (k = 1) computes fastest on SkylakeX and several
times slower than a broadcast multiply on Haswell on some CPUs. So each product below has a few
forms that compute the same numbers, and the first time a dtype is used in a process, a short
measurement (tens of milliseconds on one thread: the fastest of a few rounds of each form on
the shapes of a narrow 784-16 and a wide 784-128 layer) chooses one form per product and layer
width class (n_l below WIDE, or not). It is never chosen by CPU name. The choice is kept for the
process, and `describe` reports it (the benchmarks print it).

For a layer l with B examples, dC_i/dz(l) rows `grad_z` (B, n_l) and a(l-1) rows `a`
(B, n_{l-1}); every form returns a new C-ordered array:

    outer(grad_z, a)       B = 1: dC/dz(l) outer a(l-1), (n_l, n_{l-1})     exactly equal forms
    mean_outer(grad_z, a)  B > 1: grad_z^T @ a / B, (n_l, n_{l-1})          equal up to rounding
    affine(a, w, b, out)   MID_BATCH <= B < BIG_BATCH: a @ W^T + b, (B, n_l)   equal up to rounding
    affine_big(...)        B >= BIG_BATCH: the same                            equal up to rounding

(an outer product's entries are single products, so its forms agree bit for bit; sums of
products are rounded differently by different BLAS paths, so two processes that chose
differently can differ in the last bits of a large batch's numbers). The layer product's
orientation is chosen twice, for about a hundred rows and for several hundred, as the faster
one can differ between the two; below MID_BATCH rows it is always a @ W^T, where the
orientations take the same time (and the presets' training, at batch 20, keeps its
arithmetic: there the two forms of mean_outer round alike).
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
MID_BATCH = 64  # rows from which the layer product's orientation is chosen (`affine`)
BIG_BATCH = 256  # rows from which it is chosen apart (`affine_big`)
WIDE = 64  # layer widths n_l from which the wide layer's choice holds
SAMPLE_WIDTHS = {"narrow": 16, "wide": 128}  # the n_l the two width classes are measured at
ROUNDS = 5  # of each form, alternately; the fastest round of each counts
BUDGET = 0.05  # seconds per product: fewer rounds (at least 3) where the calls are slow
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
    "affine_big": {"rows": affine_rows, "columns": _affine_columns},
}


@dataclass
class Chosen:
    """One form per product and width class for one dtype, with the seconds each form took
    on each class's sample when it was measured."""

    dtype: np.dtype
    names: dict[str, dict[str, str]]  # product -> {"narrow": form, "wide": form}
    seconds: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    _table: dict[str, tuple[Callable, Callable]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._table = {
            product: (FORMS[product][by["narrow"]], FORMS[product][by["wide"]])
            for product, by in self.names.items()
        }

    def weight_gradient(self, grad_z: Array, a: Array) -> Array:
        """mean_i dC_i/dz(l) outer a_i(l-1), (n_l, n_{l-1}), shaped like W(l)."""
        forms = self._table["outer" if len(a) == 1 else "mean_outer"]
        return forms[grad_z.shape[1] >= WIDE](grad_z, a)

    def affine(self, a: Array, w: Array, b: Array, out: Array | None = None) -> Array:
        """a @ W^T + b, (B, n_l), in `out` when given."""
        if len(a) < MID_BATCH:
            return affine_rows(a, w, b, out)
        forms = self._table["affine" if len(a) < BIG_BATCH else "affine_big"]
        return forms[w.shape[0] >= WIDE](a, w, b, out)

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
            names = {
                product: {width: _forced.get(product, name) for width, name in by.items()}
                for product, by in measured.names.items()
            }
            measured = Chosen(dtype, names, measured.seconds)
        _chosen[dtype] = measured
        return measured


def _samples(dtype: np.dtype) -> dict[str, dict[str, tuple]]:
    """Per product and width class, arguments shaped like the first layer of a 784-16 or a
    784-128 network: one example (outer), 100 examples (mean_outer, affine), 1000 (affine_big,
    whose faster orientation at a thousand rows is not always the one at BIG_BATCH)."""
    rng = np.random.default_rng(0)
    many = rng.random((1000, 784)).astype(dtype)
    samples: dict[str, dict[str, tuple]] = {product: {} for product in FORMS}
    for width_class, width in SAMPLE_WIDTHS.items():
        w = rng.standard_normal((width, 784)).astype(dtype)
        b = rng.standard_normal(width).astype(dtype)
        grad_z = rng.standard_normal((100, width)).astype(dtype)
        samples["outer"][width_class] = (grad_z[:1], many[:1])
        samples["mean_outer"][width_class] = (grad_z, many[:100])
        samples["affine"][width_class] = (many[:100], w, b)
        samples["affine_big"][width_class] = (many, w, b)
    return samples


def _measure(dtype: np.dtype) -> Chosen:
    """Per product, each form on each width class's sample in turn, ROUNDS times; a form's
    time is its fastest round (the one other processes disturbed least). Per class, the first
    form stays unless another is faster by more than TIE."""
    samples, names, seconds = _samples(dtype), {}, {}
    for product, forms in FORMS.items():
        best = {c: {name: np.inf for name in forms} for c in SAMPLE_WIDTHS}
        began_product = time.perf_counter()
        for round_ in range(ROUNDS):
            if round_ >= 3 and time.perf_counter() - began_product > BUDGET:
                break
            for name, form in forms.items():
                for width_class, args in samples[product].items():
                    began = time.perf_counter()
                    form(*args)
                    spent = time.perf_counter() - began
                    best[width_class][name] = min(best[width_class][name], spent)
        names[product] = {c: pick(times) for c, times in best.items()}
        seconds[product] = best
    return Chosen(dtype, names, seconds)


def pick(times: dict[str, float]) -> str:
    """The fastest form, unless the first (the default) is within TIE of it."""
    default, fastest = next(iter(times)), min(times, key=times.get)
    return fastest if times[fastest] < times[default] * (1 - TIE) else default


def describe(dtype: np.dtype) -> str:
    """The chosen forms for `dtype` and their measured times, one line: what the benchmarks
    print beside their numbers."""
    c = chosen(np.dtype(dtype))
    parts = []
    for product, by in c.names.items():
        forced = " (forced)" if product in _forced else ""
        classes = []
        for width_class, name in by.items():
            times = c.seconds.get(product, {}).get(width_class, {})
            shown = ", ".join(f"{n} {t * 1e6:.3g}" for n, t in times.items())
            classes.append(f"{width_class} {name}{forced} ({shown} us)")
        parts.append(f"{product}: {', '.join(classes)}")
    return f"{np.dtype(dtype)}: " + "; ".join(parts)


@contextmanager
def forced(**names: str):
    """Use these forms (product=form name, for both width classes) for every dtype inside the
    block, whatever was measured; the measured choice returns after it. For tests and
    benchmarks: not for use while other threads compute."""
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
