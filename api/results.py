"""A job as JSON written piece by piece, only the fields asked for, and its result as `.npz`.

A stored result (worker/result_codec.py) is read from Redis in one call, still compressed, and
written out one top-level key at a time, each array straight from its NumPy form by orjson
(OPT_SERIALIZE_NUMPY) a block of rows at a time: a big result never exists whole in memory as
Python lists or as JSON text, and a key's arrays are let go once written.

Floats: orjson writes each float64 as the shortest decimal that reads back to the same bits
(as Python's `repr`, and so `json.dumps`, does; -0.0 as `-0.0`), so every number parses to
the float the worker stored, bit for bit. The digits are `repr`'s; only the notation of some
small and large magnitudes differs (`1e-7` where `json.dumps` writes `1e-07`, `0.00002` for
`2e-05`), which a JSON reader does not see. A float32 array is written as the float64 values
it holds (0.10000000149011612 for float32's 0.1), as `json.dumps` wrote them, not as
float32's own shortest decimal (0.1), which would read back as another float64.

Why orjson: it writes a NumPy array without making Python floats of it (OPT_SERIALIZE_NUMPY),
the page's 650 kB answer in 1.5 ms where `json.dumps` of its lists took 35 ms; its floats are
the shortest round-trip decimals, exact (tests/api/test_json_writer.py: 200,000 random bit
patterns, subnormals, -0.0); it is maintained release after release with wheels for every
platform this runs on, and has no dependency. The others fall short on one of these: the
standard library is exact but builds a Python float per number; ujson and python-rapidjson
take no arrays; msgspec's arrays go through lists too.

`result.npz` is NumPy's own format (a zip of `.npy` files, `numpy.load(f, allow_pickle=False)`):
every array of the result under its name (`gradients/weights/0`, `wishes/2`,
`layers/0/three_ways/previous`, ...), and `result.json`: the rest of the result, with
`{"$array": name, "shape": [...]}` where each array was.
"""

from __future__ import annotations

import difflib
import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import orjson
from flask import Response, request

from worker import result_codec

from . import compression, selection
from .errors import Problem

# Top-level keys a result may have (model.run); anything else asked of ?fields= is a job field.
RESULT_KEYS = (
    "network",
    "batch",
    "cost",
    "gradients",
    "wishes",
    "layers",
    "examples",
    "naive",
    "training",
    "averaging",
    "timing",
    "provenance",
)
CHUNK = 1 << 16  # bytes gathered before a piece is sent
ROW_BLOCK = 1 << 13  # floats written by one orjson call (about 200 kB of JSON at most)
# result.npz's names: a zip (the default), or plain bytes for a client that asks for them (the
# name client generators read as a file)
MEDIA_NPZ = ("application/zip", "application/octet-stream")


def wanted(fields: list[str] | None, job_fields: Iterable[str]) -> tuple[set | None, list | None]:
    """Split ?fields= into job fields and result names (None: all); 422 for an unknown name,
    with the known names closest to it. A result name is a top-level key or a path into one
    (api/selection.py: `wishes.3`). A name that is both (`layers`: the job's widths and the
    result's per-layer detail) gives both, each where the job shows it."""
    if fields is None:
        return None, None
    known = set(job_fields) | {"result"}
    allowed = ", ".join(sorted(known | set(RESULT_KEYS)))
    if "" in fields:  # `?fields=` or `cost,`: a client that asked for nothing by mistake
        raise _bad_fields(
            "an empty name in fields",
            [f"a comma-separated list of one or more names, none empty; each one of {allowed}"],
        )
    unknown = [f for f in fields if f not in known and not _result_name(f)]
    if unknown:
        raise _bad_fields(
            f"unknown field(s) {', '.join(unknown)}",
            [
                f"{u!r} is neither a job field nor a result key (or a path into one, such "
                f"as wishes.3); one of {allowed}.{_did_you_mean(u, known)}"
                for u in unknown
            ],
        )
    keys = [f for f in fields if _result_name(f)]
    return {f for f in fields if f in known}, (None if "result" in fields else keys)


def _did_you_mean(name: str, known: set[str]) -> str:
    """` Did you mean 'wishes'?` for `wishs` or `wishs.3` (difflib's closest names); empty
    with no name near it."""
    first, dot, rest = name.partition(".")
    close = difflib.get_close_matches(first, sorted(known | set(RESULT_KEYS)), n=3, cutoff=0.7)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c + dot + rest) for c in close) + "?"


def _result_name(name: str) -> bool:
    return name.split(".")[0] in RESULT_KEYS and selection.well_formed(name)


def _bad_fields(detail: str, messages: list[str]) -> Problem:
    errors = [{"field": "fields", "message": m} for m in messages]
    return Problem(422, "Invalid request", detail, "validation", errors)


def job_response(
    record: dict[str, Any],
    stored: dict[str, bytes] | None,
    job_fields: set | None,
    keys: list[str] | None,
) -> Response:
    """The job (only `job_fields`, and of the result only what `keys` name, when given) as
    JSON; 422 for a result path that leads nowhere (before anything is sent)."""
    shown = _shown(stored, keys, record.get("cache") == "hit")
    response = Response(
        _buffered(_job(record, shown, job_fields, keys)), mimetype="application/json"
    )
    return compression.result_bytes(response, (record.get("result_size") or {}).get("estimate"))


def _shown(
    stored: dict[str, bytes] | None, keys: list[str] | None, from_cache: bool = False
) -> tuple[result_codec.Reader, dict[str, Any]] | None:
    """The stored result's reader and its skeleton cut down to `keys` (None: all of it); the
    timing of a result served from the cache says so."""
    if stored is None:
        return None
    reader = result_codec.Reader(stored, consume=True)  # each block let go once read
    skeleton = reader.skeleton
    if from_cache and "timing" in skeleton:
        skeleton = skeleton | {"timing": skeleton["timing"] | {"from_cache": True}}
    if keys is None:
        return reader, skeleton
    try:
        return reader, selection.project(skeleton, keys)
    except selection.Unreachable as exc:
        raise _bad_fields(f"fields: {exc}", [str(exc)]) from None


def job_pieces(record: dict[str, Any], stored: dict[str, bytes] | None) -> Iterator[bytes]:
    """The whole job as JSON, in pieces of about CHUNK bytes."""
    return _buffered(_job(record, _shown(stored, None, record.get("cache") == "hit"), None, None))


def _job(
    record: dict[str, Any],
    shown: tuple[result_codec.Reader, dict[str, Any]] | None,
    job_fields: set | None,
    keys: list[str] | None,
) -> Iterator[bytes]:
    show_result = job_fields is None or keys is None or bool(keys) or "result" in job_fields
    items = [(k, v) for k, v in record.items() if job_fields is None or k in job_fields]
    if show_result and "result" not in dict(items):
        items.insert(len(items) - ("links" in dict(items)), ("result", None))
    yield b"{"
    for i, (name, value) in enumerate(items):
        yield (b"," if i else b"") + orjson.dumps(name) + b":"
        if name == "result" and shown is not None:
            yield from _result(*shown)
        else:
            yield _dumps(value)
    yield b"}"


def _result(reader: result_codec.Reader, skeleton: dict[str, Any]) -> Iterator[bytes]:
    yield b"{"
    for i, (key, part) in enumerate(skeleton.items()):
        yield (b"," if i else b"") + orjson.dumps(key) + b":"
        yield from _value(part, reader.parts(key))  # decompressed now
        reader.done(key)
    yield b"}"


def _value(part: Any, arrays: dict[str, tuple[np.ndarray, bool]]) -> Iterator[bytes]:
    if isinstance(part, dict) and "$array" in part:
        yield from _array(*arrays[part["$array"]])
    elif isinstance(part, dict):
        yield b"{"
        for i, (k, v) in enumerate(part.items()):
            yield (b"," if i else b"") + orjson.dumps(k) + b":"
            yield from _value(v, arrays)
        yield b"}"
    elif isinstance(part, list):
        yield b"["
        for i, v in enumerate(part):
            if i:
                yield b","
            yield from _value(v, arrays)
        yield b"]"
    else:
        yield _dumps(part)


def _array(a: np.ndarray, negate: bool = False) -> Iterator[bytes]:
    """The array as JSON (its negation when `negate`), ROW_BLOCK floats at a time; float32 as
    the float64 values it holds."""
    if a.ndim > 1 and a[0].size > ROW_BLOCK:
        yield b"["
        for i, row in enumerate(a):
            if i:
                yield b","
            yield from _array(row, negate)
        yield b"]"
        return
    step = max(1, ROW_BLOCK // max(a[0].size if a.ndim > 1 else 1, 1))
    yield b"["
    for start in range(0, len(a), step):
        block = np.ascontiguousarray(a[start : start + step], dtype=np.float64)
        if negate:
            block = np.negative(block)
        json_block = orjson.dumps(block, option=orjson.OPT_SERIALIZE_NUMPY)
        yield (b"," if start else b"") + json_block[1:-1]
    yield b"]"


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _buffered(pieces: Iterable[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """The pieces joined into pieces of at least `size` bytes (the last may be shorter)."""
    gathered, length = [], 0
    for piece in pieces:
        gathered.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(gathered)
            gathered, length = [], 0
    yield b"".join(gathered)


def npz_response(job_id: str, stored: dict[str, bytes]) -> Response:
    return Response(
        _npz(stored),
        mimetype=request.accept_mimetypes.best_match(MEDIA_NPZ, default=MEDIA_NPZ[0]),
        headers={"Content-Disposition": f'attachment; filename="{job_id}.npz"'},
    )


class _Sink:
    """A write-only, unseekable file for zipfile: what is written is taken in pieces."""

    def __init__(self):
        self.pieces: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.pieces.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self.pieces = b"".join(self.pieces), []
        return out


def _npz(stored: dict[str, bytes]) -> Iterator[bytes]:
    sink, reader = _Sink(), result_codec.Reader(stored)
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as npz:
        npz.writestr(
            "result.json", json.dumps(result_codec.public(reader.skeleton), separators=(",", ":"))
        )
        for key in reader.skeleton:
            for name, array in reader.arrays(key).items():
                with npz.open(f"{name}.npy", "w", force_zip64=array.nbytes > 1 << 30) as out:
                    np.lib.format.write_array(out, array, allow_pickle=False)
                yield sink.take()
    yield sink.take()
