"""The naive nudging method: nudge one parameter, re-run the whole network, restore, repeat.

For each chosen parameter theta_k (indices in the network's flat order) and the batch cost C:

    forward difference: (C(theta + eps e_k) - C(theta)) / eps                 P + 1 passes
    central difference: (C(theta + eps e_k) - C(theta - eps e_k)) / (2 eps)   2P passes

A pass is one full forward run over the whole batch, and every one is counted. The divisor is
the step actually stored (in float32, theta + eps is rounded), so the quotient is honest.

Work is given as a list of flat indices, so a job can be cut into ranges of that list and the
ranges run anywhere and be joined. Every `check_seconds` the method reports progress and asks
whether to stop; stopping raises `Cancelled` with the parameters restored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .network import Network

Array = np.ndarray
Progress = Callable[[int, int], None]  # (passes done, passes in all)
ShouldStop = Callable[[], bool]


class Cancelled(Exception):
    """The naive method was asked to stop; `passes` were done before it did."""

    def __init__(self, passes: int):
        self.passes = passes
        super().__init__(f"stopped after {passes} passes")


@dataclass
class Nudged:
    """What the naive method found for the parameters at `indices`, and what it cost."""

    indices: Array
    values: Array  # dC/dtheta_k estimates, float64, one per index
    passes: int
    seconds: float  # wall-clock seconds
    base_cost: float | None = None  # C(theta), for forward differences
    cpu_seconds: float = 0.0  # this process's CPU seconds: what the passes cost, whatever ran
    #                           beside them (time.process_time; the workers use one BLAS thread)

    def __repr__(self) -> str:
        return (
            f"Nudged({len(self.indices)} parameters, passes={self.passes}, "
            f"seconds={self.seconds:.3g}, cpu_seconds={self.cpu_seconds:.3g})"
        )


def passes_needed(count: int, difference: str, base_cost_known: bool = False) -> int:
    """Forward passes the naive method makes for `count` parameters: 2 per parameter for a
    central difference; 1 per parameter, plus the base pass C(theta) unless its cost is
    already known (a part of a split job is given it), for a forward difference."""
    if difference == "central":
        return 2 * count
    return count + (0 if base_cost_known else 1)


def choose_indices(parameter_count: int, sample: int | None, seed: int) -> Array:
    """Every parameter, or `sample` of them drawn without replacement with `seed`, in order."""
    if sample is None:
        return np.arange(parameter_count)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(parameter_count, size=sample, replace=False))


def nudge(
    net: Network,
    x: Array,
    y: Array,
    indices: Array,
    epsilon: float,
    difference: str = "central",
    base_cost: float | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    check_seconds: float = 0.1,
) -> Nudged:
    """Estimate dC/dtheta_k for each flat parameter index k in `indices` by nudging it by
    `epsilon` (see the module's formulas) and re-running the network over the whole batch
    x (B, n_0), y (B, n_L).

    The parameters are nudged in place and restored after each index, even when the cost
    raises; `net` is unchanged afterwards. `base_cost` (forward differences) is C(theta) when
    the caller knows it, saving the base pass. Every `check_seconds`, `progress(passes done,
    passes in all)` is called and `should_stop()` asked; True raises `Cancelled`. Returns the
    estimates in the order of `indices`, the passes made, the wall and CPU seconds taken and
    C(theta)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    indices = np.asarray(indices, dtype=np.int64)
    flats = [p.reshape(-1) for p in net.parameters()]  # views: writing them nudges the network
    offsets = np.cumsum([0] + [f.size for f in flats])
    arrays = offsets.searchsorted(indices, side="right") - 1
    central = difference == "central"
    total = passes_needed(len(indices), difference, base_cost is not None)
    passes = 0
    if not central and base_cost is None:
        base_cost = net.cost(x, y)
        passes += 1
    # Everything but the passes is worked out before the loop, as whole arrays: each step is
    # the one actually stored (theta +- eps rounded to the parameter's dtype), and the loop
    # only writes a number, runs a pass, and restores.
    # Memoryviews of the flat parameter arrays: reading and writing one number through them
    # costs less than through numpy's indexing, and the loop does little else.
    views = [memoryview(f) for f in flats]
    chosen = [views[a] for a in arrays.tolist()]
    positions = (indices - offsets[arrays]).tolist()
    stored = np.concatenate(flats)[indices]  # one copy of the parameters beats a Python loop
    olds = stored.tolist()
    ups = (stored + epsilon).astype(stored.dtype)
    downs = (stored - epsilon).astype(stored.dtype) if central else stored
    steps = ups.astype(np.float64) - downs
    columns = (chosen, positions, olds, ups.tolist(), downs.tolist())
    plus: list[float] = []
    minus: list[float] = []
    began = last_check = time.perf_counter()
    done, every = 0, 1
    while done < len(indices):
        # a run of `every` parameters between two looks at the clock: about ten looks per
        # check_seconds, so that the loop itself stays a small part of a pass
        _nudge_run(
            net.cost,
            x,
            y,
            [c[done : done + every] for c in columns],
            plus,
            minus if central else None,
        )
        done += every
        now = time.perf_counter()
        every = max(1, int(check_seconds / 10 / ((now - began) / min(done, len(indices)))))
        if now - last_check >= check_seconds:
            last_check = now
            passes_so_far = passes + len(plus) + len(minus)
            if progress is not None:
                progress(passes_so_far, total)
            if should_stop is not None and should_stop():
                raise Cancelled(passes_so_far)
    passes += len(plus) + len(minus)
    values = (np.array(plus) - (np.array(minus) if central else base_cost)) / steps
    if progress is not None:
        progress(passes, total)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return Nudged(indices, values, passes, wall, base_cost, cpu)


def _nudge_run(
    cost: Callable[[Array, Array], float],
    x: Array,
    y: Array,
    columns: list[list],
    plus: list[float],
    minus: list[float] | None,
) -> None:
    """For each parameter, given as columns (flat parameter array, position, old, up, down):
    C at up (and at down, for central differences), then the old value back; the last one is
    restored even when a pass raises."""
    if not columns[0]:
        return
    flat, at, old = columns[0][0], columns[1][0], columns[2][0]
    to_plus = plus.append
    try:
        if minus is None:
            for flat, at, old, up, _ in zip(*columns):
                flat[at] = up
                to_plus(cost(x, y))
                flat[at] = old
        else:
            to_minus = minus.append
            for flat, at, old, up, down in zip(*columns):
                flat[at] = up
                to_plus(cost(x, y))
                flat[at] = down
                to_minus(cost(x, y))
                flat[at] = old
    finally:
        flat[at] = old
