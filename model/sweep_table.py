"""A sweep's table: one row per succeeded point, the same cells as JSON, as CSV and as arrays.

A table is `{"columns": [names], "rows": [[cell, ...], ...]}`; every cell is a number, a
string or null (JSON), so the three forms hold the same values:

- JSON: as it is;
- CSV: a header of the names, then a line per row; null is an empty cell;
- arrays (for `.npz`): one array per column, float64 for the numbers (NaN where JSON has
  null), int64 for the counts, unicode for the strings ("" where JSON has null); no objects,
  so `numpy.load(..., allow_pickle=False)` reads them.

A point's grid coordinates are the columns `grid.<path>`, each value as JSON text (`[784, 16,
16, 10]`, `100`), so that a list of widths is one cell. The naive method's full seconds are
labelled by `naive_basis`: `measured` (every parameter nudged), `sample` (extrapolated from the
sampled passes' seconds) or `forward_pass` (naive did not run: the forward pass's seconds times
the passes a full run needs)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

# name -> kind: "int" (int64), "float" (float64, NaN for null) or "str"
COLUMNS: dict[str, str] = {
    "point": "int",
    "job": "str",
    "parameters": "int",
    "batch": "int",
    "method": "str",
    "dtype": "str",
    "forward_seconds": "float",
    "backprop_seconds": "float",
    "naive_seconds_per_pass": "float",
    "naive_full_seconds": "float",
    "naive_basis": "str",
    "naive_passes": "int",
    "speedup": "float",
    "relative_error": "float",
    "host": "str",
    "kernel": "str",
}
GRID = "grid."  # a coordinate column's name: GRID + the dotted path


def point_facts(index: int, coordinates: dict[str, Any], spec: Any) -> dict[str, Any]:
    """What the table says of a point before it runs, from its validated spec (a JobSpec)."""
    return {
        "index": index,
        "coordinates": coordinates,
        "parameters": spec.network.parameter_count,
        "batch": spec.batch.batch_size,
        "method": "+".join(spec.methods),
        "dtype": spec.network.dtype,
    }


def row(point: dict[str, Any], job_id: str, result: dict[str, Any], worker: str | None) -> dict:
    """A succeeded point's row: its facts (`point_facts`), and from its result the timings,
    the naive method's error, and where it ran (the result's provenance, else the worker's
    name)."""
    timing = result["timing"]
    naive = timing["naive"]
    provenance = result.get("provenance") or {}
    coordinates = {GRID + p: json.dumps(v) for p, v in point["coordinates"].items()}
    return coordinates | {
        "point": point["index"],
        "job": job_id,
        "parameters": point["parameters"],
        "batch": point["batch"],
        "method": point["method"],
        "dtype": point["dtype"],
        "forward_seconds": timing["forward"]["seconds"],
        "backprop_seconds": timing["backprop"]["seconds"],
        "naive_seconds_per_pass": naive.get("seconds_per_pass"),
        "naive_full_seconds": naive["full_seconds"],
        "naive_basis": naive["basis"],
        "naive_passes": naive.get("full_passes"),
        "speedup": timing["speedup"],
        "relative_error": (result.get("naive") or {}).get("relative_error"),
        "host": provenance.get("host") or worker,
        "kernel": kernel_of(provenance),
    }


def kernel_of(provenance: dict[str, Any]) -> str | None:
    """The BLAS kernel a provenance block names (model/provenance.py: the kernel of the BLAS
    NumPy loaded, else of the first one listed), None if it names none."""
    blas = provenance.get("blas") or []
    ordered = sorted(blas, key=lambda b: b.get("loaded_by") != "numpy")
    return next((str(b["kernel"]) for b in ordered if b.get("kernel")), None)


def table(paths: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The table of `rows` (from `row`), the coordinate columns first, in the grid's order."""
    names = [GRID + p for p in paths] + list(COLUMNS)
    return {"columns": names, "rows": [[r.get(n) for n in names] for r in rows]}


def kind(name: str) -> str:
    return COLUMNS.get(name, "str")


def as_csv(tab: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(tab["columns"])
    for cells in tab["rows"]:
        writer.writerow(
            ["" if c is None else repr(c) if isinstance(c, float) else c for c in cells]
        )
    return out.getvalue()


def as_arrays(tab: dict[str, Any]) -> dict[str, np.ndarray]:
    """One array per column (see the module's doc for the dtypes)."""
    arrays = {}
    for i, name in enumerate(tab["columns"]):
        cells = [r[i] for r in tab["rows"]]
        if kind(name) == "float":
            arrays[name] = np.array([np.nan if c is None else c for c in cells], np.float64)
        elif kind(name) == "int":
            arrays[name] = np.array([-1 if c is None else c for c in cells], np.int64)
        else:
            arrays[name] = np.array(["" if c is None else str(c) for c in cells], np.str_)
    return arrays
