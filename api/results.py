"""A job as JSON written piece by piece, only the fields asked for, and its result as `.npz`.

A stored result (worker/result_codec.py) is read from Redis in one call, still compressed, and
written out one top-level key at a time: a big result never exists whole in memory as Python
lists or as JSON text. Floats are written by `json.dumps` from the same float64 values the
worker stored, so they are the same text `model.run`'s result gives, bit for bit.

`result.npz` is NumPy's own format (a zip of `.npy` files, `numpy.load(f, allow_pickle=False)`):
every array of the result under its name (`gradients/weights/0`, `wishes/2`,
`layers/0/three_ways/previous`, ...), and `result.json`: the rest of the result, with
`{"$array": name, "shape": [...]}` where each array was.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from flask import Response, request

from worker import result_codec

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
)
CHUNK = 1 << 16  # characters (or bytes) gathered before a piece is sent
# result.npz's names: a zip (the default), or plain bytes for a client that asks for them (the
# name client generators read as a file)
MEDIA_NPZ = ("application/zip", "application/octet-stream")


def wanted(fields: list[str] | None, job_fields: Iterable[str]) -> tuple[set | None, list | None]:
    """Split ?fields= into job fields and result keys (None: all); 422 for an unknown name."""
    if fields is None:
        return None, None
    known = set(job_fields) | {"result"}
    allowed = ", ".join(sorted(known | set(RESULT_KEYS)))
    if "" in fields:  # `?fields=` or `cost,`: a client that asked for nothing by mistake
        raise Problem(
            422,
            "Invalid request",
            "an empty name in fields",
            "validation",
            [
                {
                    "field": "fields",
                    "message": "a comma-separated list of one or more "
                    f"names, none empty; each one of {allowed}",
                }
            ],
        )
    unknown = [f for f in fields if f not in known and f not in RESULT_KEYS]
    if unknown:
        raise Problem(
            422,
            "Invalid request",
            f"unknown field(s) {', '.join(unknown)}",
            "validation",
            [
                {
                    "field": "fields",
                    "message": f"{u!r} is neither a job field nor a result key; one of {allowed}",
                }
                for u in unknown
            ],
        )
    keys = [f for f in fields if f in RESULT_KEYS]
    return set(fields) - set(keys), (None if "result" in fields else keys)


def job_response(
    record: dict[str, Any],
    stored: dict[str, bytes] | None,
    job_fields: set | None,
    keys: list[str] | None,
) -> Response:
    """The job (only `job_fields`, and of the result only `keys`, when given) as JSON."""
    return Response(_buffered(_job(record, stored, job_fields, keys)), mimetype="application/json")


def job_pieces(record: dict[str, Any], stored: dict[str, bytes] | None) -> Iterator[str]:
    """The whole job as JSON text, in pieces of about CHUNK characters."""
    return _gathered(_job(record, stored, None, None))


def _job(
    record: dict[str, Any],
    stored: dict[str, bytes] | None,
    job_fields: set | None,
    keys: list[str] | None,
) -> Iterator[str]:
    show_result = job_fields is None or keys is None or bool(keys) or "result" in job_fields
    items = [(k, v) for k, v in record.items() if job_fields is None or k in job_fields]
    if show_result and "result" not in dict(items):
        items.insert(len(items) - ("links" in dict(items)), ("result", None))
    yield "{"
    for i, (name, value) in enumerate(items):
        yield ("," if i else "") + json.dumps(name) + ":"
        if name == "result" and stored is not None:
            yield from _result(stored, keys)
        else:
            yield _dumps(value)
    yield "}"


def _result(stored: dict[str, bytes], keys: list[str] | None) -> Iterator[str]:
    reader = result_codec.Reader(stored)
    yield "{"
    shown = [k for k in reader.skeleton if keys is None or k in keys]
    for i, key in enumerate(shown):
        yield ("," if i else "") + json.dumps(key) + ":"
        yield from _value(reader.skeleton[key], reader.arrays(key))  # decompressed now
    yield "}"


def _value(part: Any, arrays: dict[str, np.ndarray]) -> Iterator[str]:
    if isinstance(part, dict) and "$array" in part:
        yield from _array(arrays[part["$array"]])
    elif isinstance(part, dict):
        yield "{"
        for i, (k, v) in enumerate(part.items()):
            yield ("," if i else "") + json.dumps(k) + ":"
            yield from _value(v, arrays)
        yield "}"
    elif isinstance(part, list):
        yield "["
        for i, v in enumerate(part):
            if i:
                yield ","
            yield from _value(v, arrays)
        yield "]"
    else:
        yield _dumps(part)


def _array(a: np.ndarray) -> Iterator[str]:
    """`json.dumps(a.tolist())`, a block of rows at a time."""
    if a.ndim > 1 and a[0].size > CHUNK // 8:
        yield "["
        for i, row in enumerate(a):
            if i:
                yield ","
            yield from _array(row)
        yield "]"
        return
    step = max(1, (CHUNK // 8) // max(a[0].size if a.ndim > 1 else 1, 1))
    yield "["
    for start in range(0, len(a), step):
        yield ("," if start else "") + _dumps(a[start : start + step].tolist())[1:-1]
    yield "]"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _buffered(pieces: Iterable[str], size: int = CHUNK) -> Iterator[bytes]:
    for text in _gathered(pieces, size):
        yield text.encode()


def _gathered(pieces: Iterable[str], size: int = CHUNK) -> Iterator[str]:
    """The pieces joined into texts of at least `size` characters (the last may be shorter)."""
    gathered, length = [], 0
    for piece in pieces:
        gathered.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(gathered)
            gathered, length = [], 0
    yield "".join(gathered)


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
