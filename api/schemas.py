"""The answers' shapes, for the OpenAPI document (the request's shape is `model.JobSpec`, the
result's `api.result_schema.Result`): JSON classes, and the answers that are not JSON (the
event stream, result.npz, pages and text)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .result_schema import Result


class JobStatus(StrEnum):
    """queued -> running -> succeeded | failed | cancelled (queued -> cancelled too)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Progress(BaseModel):
    done: int = Field(description="Naive passes done.")
    total: int = Field(description="Naive passes in all.")


class JobError(BaseModel):
    type: str
    title: str
    detail: str


class Links(BaseModel):
    self: str = Field(description="The job's absolute URL.")


class JobWarning(BaseModel):
    """Why a queued job may not start soon (the job is kept and starts when it can)."""

    type: str = Field(description="A problem type, e.g. /problems/no-worker.")
    detail: str


class JobSummary(BaseModel):
    id: str = Field(description="Unguessable job id.")
    job_class: Literal["interactive", "batch"] = Field(
        alias="class",
        description="From the cost estimate at submit: `interactive` (small "
        "work, its own queue and workers) or `batch`.",
    )
    status: JobStatus
    created_at: str = Field(description="ISO 8601, UTC.")
    started_at: str | None
    finished_at: str | None
    progress: Progress | None = Field(
        description="Passes of training and of the naive method; null when the job has neither."
    )
    layers: list[int] | None = Field(None, description="The network's widths n_0 .. n_L.")
    methods: list[str] | None = Field(None, description="The methods the job runs.")
    cache: Literal["hit", "computed"] | None = Field(
        None,
        description="`hit`: served from the result cache, the result (its timing too) that "
        "of an earlier run of the same job; `computed`: computed and kept for the same job "
        "to come; null while it runs, when it did not succeed or when the cache is off.",
    )
    links: Links
    warnings: list[JobWarning] = Field(
        description="Empty, or why a queued job has not started (no worker alive)."
    )


class ResultSize(BaseModel):
    estimate: int = Field(description="The result's estimated JSON bytes, known at submit.")
    reserved: int = Field(description="Bytes of the result store held for it while it runs.")
    stored: int | None = Field(None, description="Bytes it takes in the store (compact).")


class Job(JobSummary):
    # The spec as submitted is a JobSpec: the document says so by reference (api.openapi reads
    # x-schema), rather than with an object of its own that a generator would also call JobSpec.
    spec: dict[str, Any] = Field(
        description="The spec as submitted.", json_schema_extra={"x-schema": "JobSpec"}
    )
    result: Result | None = Field(
        description="`model.run`'s result once succeeded; null "
        "again once it expired (see result_expired)."
    )
    error: JobError | None = Field(description="Why the job failed.")
    result_size: ResultSize | None = Field(None, description="How big the result is.")
    result_expired: str | None = Field(
        None, description="When the result was dropped to make room for newer ones (ISO 8601)."
    )


class JobFields(BaseModel):
    """A job with ?fields=: only the job fields asked for, and of the result only the keys
    asked for (each as in Job and its result)."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    job_class: Literal["interactive", "batch"] | None = Field(None, alias="class")
    status: JobStatus | None = None
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    progress: Progress | None = None
    layers: list[int] | None = None
    methods: list[str] | None = None
    links: Links | None = None
    warnings: list[JobWarning] | None = None
    spec: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: JobError | None = None
    result_size: ResultSize | None = None
    result_expired: str | None = None
    cache: Literal["hit", "computed"] | None = None


# a job's fields by their JSON names (`class`, not job_class): what ?fields= may name
JOB_FIELDS = tuple(field.alias or name for name, field in Job.model_fields.items())


class JobList(BaseModel):
    jobs: list[JobSummary]
    next: str | None = Field(
        description="The next page's cursor: an opaque token to pass as "
        "?cursor=; null on the last page."
    )


class FieldError(BaseModel):
    field: str = Field(description="Dotted path into the body or query, e.g. network.layers.1.")
    message: str
    limit: float | None = None
    estimate: dict[str, int] | None = Field(None, description="The naive cost estimate.")
    point: int | None = Field(None, description="A sweep's point that breaks the rule.")
    coordinates: dict[str, Any] | None = Field(None, description="That point's grid values.")


class ProblemDocument(BaseModel):
    """application/problem+json (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(None, max_length=20)
    errors_omitted: int | None = Field(
        None, ge=1, description="Validation: how many more errors there were than `errors` lists."
    )
    job_class: Literal["interactive", "batch"] | None = Field(
        None, alias="class", description="Over the quota (429): the class of the refused job."
    )
    in_flight: int | None = Field(
        None,
        description="Over the quota: the jobs of that class "
        "queued or running for this key or address.",
    )
    limit: int | None = Field(None, description="Over the quota: the most that may be in flight.")


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    redis: Literal["ok"]
    broker: Literal["ok"]  # the same Redis, or RabbitMQ (BROKER_URL)
    workers: int


class Resolution(BaseModel):
    resolution: int
    inputs: int


class Split(BaseModel):
    name: str
    count: int
    description: str


class Dataset(BaseModel):
    name: str
    description: str
    count: int | None
    classes: int | None
    resolutions: list[Resolution]
    splits: list[Split] = []


class Datasets(BaseModel):
    datasets: list[Dataset]


class Recipe(BaseModel):
    steps: int
    init_seed: int
    init_scheme: str
    dataset: str
    split: str
    batch_size: int
    learning_rate: float
    seed: int
    method: str


class Preset(BaseModel):
    name: str
    description: str
    layers: list[int]
    activation: str
    cost: str
    parameters: int
    test_accuracy: float = Field(description="Accuracy on the mnist test split (1,000 digits).")
    recipe: Recipe


class Presets(BaseModel):
    presets: list[Preset]


class Example(BaseModel):
    name: str
    spec: dict[str, Any]
    estimate: dict[str, int]


class Examples(BaseModel):
    examples: list[Example]


class ProgressEvent(BaseModel):
    """The data of a `progress` event: the job's status and passes done."""

    model_config = ConfigDict(extra="forbid")
    id: str
    status: JobStatus
    progress: Progress | None


@dataclass(frozen=True)
class Content:
    """An answer that is not one JSON class: its media types (each with its OpenAPI media type
    object), what it is, and the classes it refers to (so that the document holds them)."""

    media: Mapping[str, Mapping[str, Any]]
    description: str | None = None
    models: tuple[type[BaseModel], ...] = ()


def _event(name: str, data: type[BaseModel]) -> dict[str, Any]:
    """An event named `name` whose data is the JSON of `data`."""
    return {
        "properties": {
            "event": {"const": name},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"$ref": f"#/components/schemas/{data.__name__}"},
            },
            "id": {"type": "string"},
            "retry": {"type": "integer"},
        },
        "additionalProperties": False,
    }


# OpenAPI 3.1 has no word for one item of a stream (3.2's itemSchema), so `schema` describes each
# event, as server-sent events are read (WHATWG): its `event` name and its `data` text, here JSON
# (a comment, or the opening `retry:` alone, is no event). Without a `type` of its own a client
# generator reads the stream as text.
EVENTS = Content(
    {
        "text/event-stream": {
            "schema": {
                "description": "Each event: `progress` (ProgressEvent) while the job runs, then "
                "one `end` (the finished Job), or `error` (a ProblemDocument) if the job "
                "expired under the stream.",
                "required": ["event", "data"],
                "if": {"properties": {"event": {"const": "progress"}}},
                "then": _event("progress", ProgressEvent),
                "else": {
                    "if": {"properties": {"event": {"const": "end"}}},
                    "then": _event("end", Job),
                    "else": _event("error", ProblemDocument),
                },
            }
        }
    },
    models=(ProgressEvent, Job, ProblemDocument),
)
_BINARY = {"schema": {"type": "string", "format": "binary"}}
NPZ = Content(
    # the same bytes under either name: application/zip unless Accept prefers the other, which
    # is the name client generators read as bytes
    {"application/zip": _BINARY, "application/octet-stream": _BINARY},
    "NumPy's .npz (a zip of .npy files): every array of the result under its name "
    "(gradients/weights/0, wishes/2, ...), the rest in the member result.json",
)
HTML = Content({"text/html": {"schema": {"type": "string"}}})
TEXT = Content({"text/plain": {"schema": {"type": "string"}}})


class NeuronWays(BaseModel):
    """What neuron j of layer l asks of its bias, its incoming weights and the previous layer:
    -dC/db_j, the row -dC/dW_j (n_{l-1}), and its shares of the previous layer's wishes."""

    model_config = ConfigDict(extra="forbid")
    bias: float
    weights: list[float]
    previous: list[float]


class Neuron(BaseModel):
    """One neuron of a succeeded job's result: what the page shows for a clicked neuron."""

    model_config = ConfigDict(extra="forbid")
    layer: int = Field(description="0 (input) .. L (output).")
    neuron: int
    wish: float | None = Field(description="wishes[layer][neuron]; null without wishes.")
    three_ways: NeuronWays | None = Field(description="Null for the input layer.")
    received: list[float] | None = Field(
        description="The shares each neuron of the next layer sends back (n_{l+1}), whose "
        "sum is this neuron's wish; null for the output layer."
    )
