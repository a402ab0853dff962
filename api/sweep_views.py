"""The sweep resource's routes (api.sweeps), declared once like every route (api.routes), on
the API's `v1` blueprint: submit, read, the table as JSON, CSV and .npz, cancel, delete."""

from __future__ import annotations

from . import sweeps
from .clients import owner, rate_key
from .inputs import Body
from .routes import route
from .sweep_schemas import CSV, TABLE, TABLE_NPZ, Sweep, SweepBody
from .views import v1

# A made sweep's answer names it: read, cancel, delete it or take its table next.
FOLLOW_THE_SWEEP = {
    op: {"sweep_id": "$response.body#/id"}
    for op in ("get_sweep", "cancel_sweep", "delete_sweep", "get_sweep_table")
}


@route(
    v1.post,
    "/sweeps",
    body=Body(SweepBody, sweeps.parse),
    answers={202: Sweep},
    headers={"Location": "The sweep's URL."},
    links=FOLLOW_THE_SWEEP,
    errors=(400, 413, 415, 422, 429, 503, 507),
    key="required",
)
def submit_sweep(body: sweeps.Planned):
    """Run one batch job per point of the grid over the base spec (docs/sweeps.md)."""
    sweep = sweeps.submit(body, owner(), rate_key())
    return sweep, 202, {"Location": sweep["links"]["self"]}


@route(v1.get, "/sweeps/<sweep_id>", answers={200: Sweep}, errors=(404, 503), key="required")
def get_sweep(sweep_id: str):
    """A sweep: progress (points done of total, by state), its points and children, the fit."""
    return sweeps.read(sweep_id, owner())


@route(v1.get, "/sweeps/<sweep_id>/table", answers={200: TABLE}, errors=(404, 503), key="required")
def get_sweep_table(sweep_id: str):
    """The table, one row per succeeded point: JSON, or CSV by Accept: text/csv."""
    return sweeps.table_response(sweep_id, owner())


@route(
    v1.get, "/sweeps/<sweep_id>/table.csv", answers={200: CSV}, errors=(404, 503), key="required"
)
def get_sweep_csv(sweep_id: str):
    """The table as CSV."""
    return sweeps.table_response(sweep_id, owner(), "csv")


@route(
    v1.get,
    "/sweeps/<sweep_id>/table.npz",
    answers={200: TABLE_NPZ},
    errors=(404, 503),
    key="required",
)
def get_sweep_npz(sweep_id: str):
    """The table's columns as NumPy arrays (.npz)."""
    return sweeps.table_response(sweep_id, owner(), "npz")


@route(
    v1.post, "/sweeps/<sweep_id>/cancel", answers={200: Sweep}, errors=(404, 503), key="required"
)
def cancel_sweep(sweep_id: str):
    """Cancel every child: queued ones never start, running ones stop soon."""
    return sweeps.cancel(sweep_id, owner())


@route(v1.delete, "/sweeps/<sweep_id>", answers={204: None}, errors=(404, 503), key="required")
def delete_sweep(sweep_id: str):
    """Remove the sweep and every child (cancelling them); afterwards it answers 404."""
    sweeps.delete(sweep_id, owner())
    return "", 204
