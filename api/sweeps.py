"""The sweep resource: one batch job per point of a grid over a base spec, a bounded number in
flight at a time, counted against the owner's batch quota as one sweep.

Submit validates the whole sweep first (the grid's shape, its point count against
MAX_SWEEP_POINTS, each point's spec against the job limits and the result size) and refuses it
(422) naming every offending point; then it records every child job (queued, class batch, none
sent), records the sweep, and releases its first SWEEP_IN_FLIGHT children. The workers release
the rest as children end (worker/sweeps.py); a read of the sweep releases too, so a release
lost with a worker is made again.
"""

from __future__ import annotations

import io
from typing import Any, NamedTuple

import numpy as np
from flask import Response, request, url_for

import model
from model import sweep_fit, sweep_table
from model.sweep_grid import GridError, Point, expand, grid_errors, point_count
from worker import keyspace, records, result_codec
from worker.names import RUN_JOB
from worker.problems import Slug
from worker.queues import BATCH
from worker.records import TERMINAL, StoreFull
from worker.sweeps import SweepStore

from .errors import Problem, invalid
from .jobs import admit, services

READS = ["timing", "provenance"]  # the result keys a table row reads whole (no arrays)
STATES = ("queued", "running", "succeeded", "failed", "cancelled")


class Planned(NamedTuple):
    """A validated sweep: the body as sent, and each point with its spec and result size."""

    data: dict[str, Any]
    points: list[tuple[Point, model.JobSpec, dict[str, Any]]]


def parse(data: Any) -> Planned:
    """The body validated whole, or 422 naming each offending point with its coordinates."""
    if not isinstance(data, dict) or set(data) != {"base", "grid"}:
        raise invalid(
            [{"field": "(body)", "message": 'send {"base": <a job spec>, "grid": {...}}'}]
        )
    if not isinstance(data["base"], dict):
        raise invalid([{"field": "base", "message": "send a job spec (an object)"}])
    grid = data["grid"]
    errors = grid_errors(grid)
    if errors:
        raise invalid(errors)
    settings = services().settings
    count, limit = point_count(grid), settings.max_sweep_points
    if count > limit:
        message = f"{count} points is over the limit of {limit}"
        raise invalid([{"field": "grid", "message": message, "limit": limit}])
    planned, errors = [], []
    try:
        expanded = expand(data["base"], grid)
    except GridError as exc:
        raise invalid(exc.errors) from None
    for point in expanded:
        where = {"point": point.index, "coordinates": point.coordinates}
        try:
            spec = model.parse_spec(point.spec, settings.limits)
        except model.SpecError as exc:
            errors += [e | where for e in exc.errors]
            continue
        size = model.estimate_result(spec)
        too_big = model.result_too_big(spec, settings.max_result_bytes, size)
        if too_big:
            errors.append(too_big | where)
            continue
        planned.append((point, spec, size))
    if errors:
        points = sorted({e["point"] for e in errors})
        detail = f"{len(points)} of {count} points break the limits or the spec: points {points}"
        raise invalid(errors, detail)
    return Planned(data, planned)


def store() -> SweepStore:
    s = services()
    return SweepStore(s.store.redis, s.settings.job_ttl)


def submit(planned: Planned, owner: str | None, holder: str | None) -> dict[str, Any]:
    """Record every child and the sweep, admitted as one batch entry, and release the first."""
    s = services()
    sweep_id = records.new_id()
    if holder is not None:
        admit(sweep_id, BATCH, holder)
    children, facts = [], []
    cache_use = "store" if s.settings.result_cache else None  # a sweep measures: it computes
    try:
        for point, spec, size in planned.points:
            record = s.store.create(
                point.spec,
                progress=_progress(spec),
                owner=owner,
                layers=list(spec.network.layers),
                methods=list(spec.methods),
                size={"estimate": size["json_bytes"], "reserved": result_codec.reserve(size)},
                job_class=BATCH,
                cache_use=cache_use,
                sweep=sweep_id,
            )
            children.append(record["id"])
            facts.append(sweep_table.point_facts(point.index, point.coordinates, spec))
    except StoreFull as full:
        for child in children:
            s.store.delete(child)
        if holder is not None:
            s.store.release(sweep_id, BATCH, holder)
        raise Problem(
            507,
            "Insufficient Storage",
            f"point {len(children)}: {full}",
            Slug.RESULT_STORE_FULL,
            headers={"Retry-After": "30"},
        ) from None
    sweeps = store()
    sweeps.create(
        sweep_id,
        points=facts,
        children=children,
        bound=s.settings.sweep_in_flight,
        queue=s.queues[BATCH],
        base=planned.data["base"],
        grid=planned.data["grid"],
        owner=owner,
        inflight=_holder_key(holder),
    )
    sweeps.release(sweep_id, _send)
    return read(sweep_id, owner, release=False)


def read(sweep_id: str, owner: str | None = None, release: bool = True) -> dict[str, Any]:
    """The sweep with its children's states, progress and, once it has ended, the fit."""
    sweeps = store()
    if release:
        sweeps.release(sweep_id, _send)  # a release lost with a worker is made here
    sweep = sweeps.get(sweep_id, owner)
    if sweep is None:
        raise not_found(sweep_id)
    redis = services().store.redis
    with redis.pipeline() as pipe:
        for child in sweep["children"]:
            pipe.hget(records.JobStore.key(child), "status")
        states = pipe.execute()
    by_state = dict.fromkeys(STATES, 0)
    for state in states:
        if state in by_state:
            by_state[state] += 1
    points = [
        facts | {"job": child, "status": state}
        for facts, child, state in zip(sweep["points"], sweep["children"], states)
    ]
    done = sum(by_state[s] for s in TERMINAL)
    ended = sweep["status"] != "running"
    return {
        "id": sweep_id,
        "status": sweep["status"],
        "created_at": sweep["created_at"],
        "finished_at": sweep["finished_at"],
        "in_flight": sweep["in_flight"],
        "progress": {"done": done, "total": len(points), "by_state": by_state},
        "children": sweep["children"],
        "points": points,
        "grid": sweep["grid"],
        "fit": sweep_fit.fits(table(sweep_id, owner)) if ended else None,
        "links": links(sweep_id),
    }


def table(sweep_id: str, owner: str | None = None) -> dict[str, Any]:
    """The table of the sweep's succeeded points (model/sweep_table.py)."""
    sweep = store().get(sweep_id, owner)
    if sweep is None:
        raise not_found(sweep_id)
    jobs = services().store
    rows = []
    for facts, child in zip(sweep["points"], sweep["children"]):
        record = jobs.get(child, result=False)
        if record is None or record["status"] != "succeeded":
            continue
        result = _row_numbers(child)
        if result is None:  # dropped from the result store since
            continue
        worker = jobs.redis.hget(jobs.key(child), "worker")
        rows.append(sweep_table.row(facts, child, result, worker))
    return sweep_table.table(list(sweep["grid"]), rows)


def table_response(sweep_id: str, owner: str | None, form: str | None = None) -> Any:
    """The table as JSON, CSV (`form` "csv", or Accept preferring text/csv) or .npz."""
    tab = table(sweep_id, owner)
    if form is None:
        best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
        form = "csv" if best == "text/csv" else "json"
    if form == "json":
        return tab
    if form == "csv":
        return Response(
            sweep_table.as_csv(tab),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="sweep-{sweep_id}.csv"'},
        )
    buffer = io.BytesIO()
    np.savez(buffer, **sweep_table.as_arrays(tab))
    return Response(
        buffer.getvalue(),
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="sweep-{sweep_id}.npz"'},
    )


def cancel(sweep_id: str, owner: str | None = None) -> dict[str, Any]:
    """No child is sent any more, and every child is cancelled (a running one stops soon)."""
    _stop(sweep_id, owner)
    return read(sweep_id, owner)


def delete(sweep_id: str, owner: str | None = None) -> None:
    """Cancel the sweep, remove every child and the sweep; afterwards it answers 404."""
    sweep, sweeps = _stop(sweep_id, owner)
    jobs = services().store
    holder = jobs.redis.hget(sweeps.keys(sweep_id)["sweep"], "inflight")
    for child in sweep["children"]:
        jobs.delete(child)
    sweeps.delete(sweep_id)
    if holder:
        jobs.redis.zrem(holder, sweep_id)


def _stop(sweep_id: str, owner: str | None) -> tuple[dict[str, Any], SweepStore]:
    """Release no more children and cancel each one; the sweep as it was, and its store."""
    sweeps = store()
    sweep = sweeps.get(sweep_id, owner)
    if sweep is None:
        raise not_found(sweep_id)
    sweeps.cancel(sweep_id)
    for child in sweep["children"]:
        services().store.cancel(child)
    return sweep, sweeps


def links(sweep_id: str) -> dict[str, str]:
    here = url_for("v1.get_sweep", sweep_id=sweep_id, _external=True)
    return {
        "self": here,
        "table": here + "/table",
        "csv": here + "/table.csv",
        "npz": here + "/table.npz",
    }


def not_found(sweep_id: str) -> Problem:
    return Problem(
        404,
        "Not Found",
        f"no sweep {sweep_id!r}: it was never made or has expired",
        Slug.SWEEP_NOT_FOUND,
    )


def _row_numbers(job_id: str) -> dict[str, Any] | None:
    """What a table row needs of a stored result: `timing` and `provenance`, and of `naive`
    its relative error only, read from the skeleton (a full naive run's gradient arrays are
    never read); None if the result is gone."""
    fields = services().store.results.fields(job_id, READS)
    if fields is None:
        return None
    naive = result_codec.skeleton(fields).get("naive") or {}
    return result_codec.unpack(fields, READS) | {
        "naive": {"relative_error": naive.get("relative_error")}
    }


def _send(child: str, queue: str) -> None:
    services().celery.send_task(RUN_JOB, args=[child], task_id=child, queue=queue)


def _progress(spec: model.JobSpec) -> dict[str, int] | None:
    estimate = model.estimate_cost(spec)
    passes = estimate["naive_passes"] + estimate.get("training_passes", 0)
    return {"done": 0, "total": passes} if passes else None


def _holder_key(holder: str | None) -> str | None:
    return keyspace.inflight(BATCH, holder) if holder else None
