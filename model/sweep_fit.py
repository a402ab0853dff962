"""The cost law fitted to a sweep's table, per method: seconds per example ~ c P^k
(model/costlaw.py), with the law's seconds at the lesson's network and at a million parameters.

- `backprop`: backprop's seconds over the batch size, every row;
- `naive`: the naive method's seconds for every parameter over the batch size, from the rows
  where the naive method ran (`naive_basis` measured or sample: a sampled run's seconds are
  extrapolated from its passes); rows where it did not run are an estimate from the forward
  pass, not a timing of the method, and are left out.

A method with fewer than three such rows at two or more sizes has no fit: `null`, and the
reason. A fit whose points ran on different hosts or BLAS kernels is flagged (`mixed`), and
its notes say so."""

from __future__ import annotations

from typing import Any

from .costlaw import fit_cost_law

LESSON_PARAMETERS = 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10  # 784-16-16-10: 13,002
AT = {"lesson": LESSON_PARAMETERS, "million": 1_000_000}
MEASURED = ("measured", "sample")


def fits(tab: dict[str, Any]) -> dict[str, Any]:
    """{"backprop": ..., "naive": ...}: each the law as JSON with its points' rows (`rows`, the
    table's row numbers used and left out), `at` (estimate, low, high seconds per example), the
    hosts and kernels and `mixed`; or {"fit": None, "reason": ...}."""
    rows = [dict(zip(tab["columns"], cells)) for cells in tab["rows"]]
    chosen = {
        "backprop": [(i, r, r["backprop_seconds"]) for i, r in enumerate(rows)],
        "naive": [
            (i, r, r["naive_full_seconds"])
            for i, r in enumerate(rows)
            if r["naive_basis"] in MEASURED
        ],
    }
    return {method: _fit(points) for method, points in chosen.items()}


def _fit(points: list[tuple[int, dict[str, Any], float]]) -> dict[str, Any]:
    hosts = [r["host"] for _, r, _ in points]
    kernels = [r["kernel"] for _, r, _ in points]
    try:
        law = fit_cost_law(
            [r["parameters"] for _, r, _ in points],
            [seconds / r["batch"] for _, r, seconds in points],
            hosts=hosts,
            kernels=kernels,
        )
    except ValueError as exc:
        return {"fit": None, "reason": str(exc), "points": len(points)}
    index = [i for i, _, _ in points]
    used_hosts = sorted({str(hosts[i]) for i in law.used})
    used_kernels = sorted({str(kernels[i]) for i in law.used})
    return law.as_json() | {
        "used": [index[i] for i in law.used],
        "left_out": [index[i] for i in law.left_out],
        "seconds_per_example_at": {
            name: dict(zip(("estimate", "low", "high"), law.seconds_at(p), strict=True))
            | {"parameters": p}
            for name, p in AT.items()
        },
        "hosts": used_hosts,
        "kernels": used_kernels,
        "mixed": len(used_hosts) > 1 or len(used_kernels) > 1,
    }
