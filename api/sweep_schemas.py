"""The sweep resource's shapes, for the OpenAPI document: the body of POST /v1/sweeps, the
sweep as read, and its table (JSON or CSV; the arrays as .npz)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

import model

from .schemas import Content, JobStatus


class SweepBody(BaseModel):
    """A base job spec and a grid: one job runs for each point of the grid's product."""

    model_config = ConfigDict(extra="forbid")
    base: model.JobSpec = Field(
        description="A job spec; each point's spec is this one with the grid's values set."
    )
    grid: dict[str, list[Any]] = Field(
        description="Dotted paths into the spec (`network.layers`, `batch.size`, "
        "`naive.sample`, `network.layers.1`), each with the values it takes; the first path "
        "varies slowest.",
        json_schema_extra={
            "minProperties": 1,
            "additionalProperties": {"type": "array", "items": {}, "minItems": 1},
        },
    )


class SweepProgress(BaseModel):
    done: int = Field(description="Points whose job has ended (succeeded, failed, cancelled).")
    total: int = Field(description="Points in the grid.")
    by_state: dict[JobStatus, int] = Field(description="Points by their job's status.")


class SweepPoint(BaseModel):
    index: int
    coordinates: dict[str, Any] = Field(description="The point's value on each grid path.")
    job: str = Field(description="The child job's id (GET /v1/jobs/<id>).")
    status: JobStatus | None = Field(description="The child's status; null once it expired.")
    parameters: int
    batch: int
    method: str = Field(description="The methods the job runs, joined by +.")
    dtype: str


class SweepLinks(BaseModel):
    self: str
    table: str = Field(description="The table: JSON, or CSV by Accept: text/csv.")
    csv: str
    npz: str


class Sweep(BaseModel):
    id: str
    status: Literal["running", "finished", "cancelled"] = Field(
        description="`running` while a child is queued or running, then `finished` (or "
        "`cancelled`: no child is sent any more)."
    )
    created_at: str
    finished_at: str | None
    in_flight: int = Field(description="Children queued or running at a time (SWEEP_IN_FLIGHT).")
    progress: SweepProgress
    children: list[str] = Field(description="The child jobs' ids, in grid order.")
    points: list[SweepPoint]
    grid: dict[str, list[Any]]
    fit: dict[str, Any] | None = Field(
        None,
        description="Once the sweep has ended: the cost law fitted per method (`backprop`, "
        "`naive`: seconds per example = c P^k, k with its interval, R², the rows used), or why "
        "a method has none; see docs/sweeps.md.",
    )
    links: SweepLinks


class SweepTable(BaseModel):
    columns: list[str] = Field(description="`grid.<path>` for each path, then the columns.")
    rows: list[list[int | float | str | None]] = Field(
        description="One row per succeeded point, its cells in the order of `columns`."
    )


TABLE = Content(
    {
        "application/json": {"schema": {"$ref": "#/components/schemas/SweepTable"}},
        "text/csv": {"schema": {"type": "string"}},
    },
    "The table as JSON, or as CSV (Accept: text/csv)",
    models=(SweepTable,),
)
CSV = Content({"text/csv": {"schema": {"type": "string"}}}, "The table as CSV")
TABLE_NPZ = Content(
    {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    "The table's columns as NumPy arrays in .npz (numpy.load(..., allow_pickle=False))",
)
