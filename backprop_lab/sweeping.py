"""Sweeps from Python: submit a base spec and a grid, follow the points' progress, and take the
table as NumPy arrays (from the sweep's .npz) with the fitted cost law per method.

    result = client.sweep(spec, {"network.layers": [[784, 16, 16, 10], [784, 64, 64, 10]]})
    result.table["parameters"], result.table["backprop_seconds"]   # NumPy arrays, a row a point
    result.fit["naive"]["k"], result.fit["backprop"]["k_interval"]

`Client.sweep` is `run_sweep(client, ...)`; the pieces (`Client.submit_sweep`, `get_sweep`,
`cancel_sweep`, `delete_sweep`, `sweep_arrays`) are the HTTP resource of docs/sweeps.md.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import Client

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SweepResult:
    sweep: dict[str, Any]  # the ended sweep as GET /v1/sweeps/<id> gives it
    table: dict[str, Any]  # column name -> NumPy array, one element per succeeded point
    fit: dict[str, Any]  # method -> the fitted law (or why there is none)


def run_sweep(
    client: Client,
    base: Mapping[str, Any],
    grid: Mapping[str, list[Any]],
    timeout: float | None = None,
    poll: float = 0.5,
    progress: Progress | None = None,
) -> SweepResult:
    """Submit the sweep, wait for every point to end (`progress(done, total)` as points end),
    and return the table and the fit. TimeoutError after `timeout` seconds (the sweep runs on:
    cancel it with `client.cancel_sweep(id)`)."""
    sweep = client.submit_sweep(base, grid)
    deadline = None if timeout is None else time.monotonic() + timeout
    seen = None
    while True:
        done, total = sweep["progress"]["done"], sweep["progress"]["total"]
        if progress is not None and (done, total) != seen:
            seen = (done, total)
            progress(done, total)
        if sweep["status"] != "running":
            break
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"sweep {sweep['id']}: {done} of {total} points done in {timeout} s")
        time.sleep(poll)
        sweep = client.get_sweep(sweep["id"])
    return SweepResult(sweep, client.sweep_arrays(sweep["id"]), sweep["fit"] or {})


def arrays_of(content: bytes) -> dict[str, Any]:
    """The .npz table's columns as NumPy arrays."""
    import numpy as np

    with np.load(io.BytesIO(content), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def exponents_text(fit: Mapping[str, Any]) -> str:
    """The fitted exponents, a line per method: `naive: k = 2.01 [1.95, 2.07], R² 0.998, ...`."""
    lines = []
    for method in ("naive", "backprop"):
        law = fit.get(method)
        if not law:
            continue
        if law.get("fit", True) is None:
            lines.append(f"{method}: no fit ({law['reason']})")
            continue
        low, high = law["k_interval"]
        lesson = law["seconds_per_example_at"]["lesson"]
        line = (
            f"{method}: seconds per example ~ {law['c']:.3g} P^{law['k']:.2f}, "
            f"k in [{low:.2f}, {high:.2f}] ({law['level']:.0%}), R² {law['r2']:.3f}, "
            f"{len(law['used'])} points used; at the lesson's {lesson['parameters']:,} "
            f"parameters {lesson['estimate']:.3g} s [{lesson['low']:.3g}, {lesson['high']:.3g}]"
        )
        lines.append(line + (" (points on different hosts or kernels)" if law["mixed"] else ""))
        lines += [f"  note: {note}" for note in law["notes"]]
    return "\n".join(lines)
