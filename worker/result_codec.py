"""The compact form of a result: its JSON skeleton, and its float arrays as raw bytes.

Every list in the result that is a non-empty rectangular nest of floats (a vector, a matrix, a
stack of matrices) is an array; it leaves the skeleton, which keeps a placeholder
`{"$array": "<name>", "shape": [...]}` in its place. The name is the array's path in the result,
keys and list positions joined by "/": `gradients/weights/0`, `wishes/2`,
`layers/1/three_ways/previous`. A list with one entry per layer (LAYER_LISTS) is never one
array, even when every layer has the same width, so `wishes/2` is always layer 2's wish.
Everything else (ints, strings, scalars, ragged lists) stays in the skeleton as JSON.

Stored, the arrays of each top-level key are one block: their float64 values, little-endian,
concatenated in skeleton order, byte-shuffled (the first byte of every float, then the second,
...: the sign and exponent bytes of similar numbers sit together and compress) and
zlib-compressed. Floats go in and come out bit for bit: -0.0 stays -0.0, and the JSON written
from an array is exactly what `json.dumps` wrote from the original list.

    pack(result) -> {"skeleton": bytes, "arrays:<key>": bytes, ...}
    unpack(fields) -> result
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

Array = np.ndarray
SKELETON = "skeleton"
ARRAYS = "arrays:"  # + a top-level key
KEY_OVERHEAD, FIELD_OVERHEAD = 256, 32  # a hash key's and a field's bytes beyond the values
LEVEL = 1  # zlib: level 1 compresses shuffled floats almost as well as 9, many times faster
FLOAT = np.dtype("<f8")
LAYER_LISTS = frozenset({
    "wishes", "gradients/weights", "gradients/biases", "naive/gradients/weights",
    "naive/gradients/biases", "examples/activations", "examples/wishes",
    "examples/gradients/weights", "examples/gradients/biases"})


def split(value: Any, path: str = "") -> tuple[Any, list[tuple[str, Array]]]:
    """The skeleton of `value` and its arrays (name, float64 array) in skeleton order."""
    arrays: list[tuple[str, Array]] = []

    def walk(v: Any, at: str) -> Any:
        if isinstance(v, dict):
            return {k: walk(x, f"{at}/{k}" if at else k) for k, x in v.items()}
        if isinstance(v, list):
            if at not in LAYER_LISTS and _shape(v) is not None:
                array = np.array(v, dtype=FLOAT)
                arrays.append((at, array))
                return {"$array": at, "shape": list(array.shape)}
            return [walk(x, f"{at}/{i}") for i, x in enumerate(v)]
        return v

    return walk(value, path), arrays


def _shape(v: list) -> tuple[int, ...] | None:
    """The shape of a non-empty rectangular nest of floats (never bool or int), else None."""
    if not v:
        return None
    if isinstance(v[0], list):
        inner = [_shape(x) if isinstance(x, list) else None for x in v]
        first = inner[0]
        return (len(v), *first) if first is not None and all(s == first for s in inner) \
            else None
    return (len(v),) if set(map(type, v)) == {float} else None


def pack(result: dict[str, Any]) -> dict[str, bytes]:
    """The stored fields of a result: the compressed skeleton and one block per key."""
    skeleton, arrays = split(result)
    fields = {SKELETON: zlib.compress(json.dumps(skeleton, allow_nan=False).encode(), LEVEL)}
    for key in result:
        mine = [a for name, a in arrays if name == key or name.startswith(key + "/")]
        if mine:
            fields[ARRAYS + key] = compress(mine)
    return fields


def compress(arrays: list[Array]) -> bytes:
    flat = np.concatenate([a.ravel() for a in arrays]).astype(FLOAT, copy=False)
    if not np.isfinite(flat).all():
        raise ValueError("NaN or infinity is not JSON")
    shuffled = flat.view(np.uint8).reshape(-1, FLOAT.itemsize).T  # byte k of every float
    return zlib.compress(np.ascontiguousarray(shuffled).tobytes(), LEVEL)


def decompress(block: bytes) -> Array:
    shuffled = np.frombuffer(zlib.decompress(block), np.uint8).reshape(FLOAT.itemsize, -1)
    return np.ascontiguousarray(shuffled.T).view(FLOAT).ravel()


def skeleton(fields: dict[str, bytes]) -> dict[str, Any]:
    return json.loads(zlib.decompress(fields[SKELETON]))


def arrays(fields: dict[str, bytes], key: str, part: Any) -> Iterator[tuple[str, Array]]:
    """The arrays of top-level `key` (whose skeleton is `part`), by name, in skeleton order."""
    placeholders = list(_placeholders(part))
    if not placeholders:
        return
    flat, at = decompress(fields[ARRAYS + key]), 0
    for name, shape in placeholders:
        size = int(np.prod(shape))
        yield name, flat[at:at + size].reshape(shape)
        at += size


def _placeholders(part: Any) -> Iterator[tuple[str, list[int]]]:
    if isinstance(part, dict):
        if "$array" in part:
            yield part["$array"], part["shape"]
            return
        for v in part.values():
            yield from _placeholders(v)
    elif isinstance(part, list):
        for v in part:
            yield from _placeholders(v)


def fill(part: Any, named: dict[str, Array]) -> Any:
    """`part` of a skeleton with its placeholders replaced by the arrays as lists."""
    if isinstance(part, dict):
        if "$array" in part:
            return named[part["$array"]].tolist()
        return {k: fill(v, named) for k, v in part.items()}
    if isinstance(part, list):
        return [fill(v, named) for v in part]
    return part


def unpack(fields: dict[str, bytes], keys: list[str] | None = None) -> dict[str, Any]:
    """The result (or only its top-level `keys`), exactly as it was packed."""
    whole = skeleton(fields)
    return {k: fill(v, dict(arrays(fields, k, v))) for k, v in whole.items()
            if keys is None or k in keys}


def stored_bytes(fields: dict[str, bytes]) -> int:
    """The memory Redis gives the stored fields: each value's allocation (jemalloc rounds a
    size up to its class, up to 25 % more for big values) with the hash's own overhead."""
    return KEY_OVERHEAD + sum(allocation(len(v)) + FIELD_OVERHEAD for v in fields.values())


def reserve(estimate: dict[str, Any]) -> int:
    """An upper bound of `stored_bytes` from `model.estimate_result`: compression may gain
    nothing (8 bytes per float, zlib adds under 0.1 %), and the skeleton is kept as JSON."""
    blocks = [int(8.01 * count) + 64 for count in estimate["floats"].values() if count]
    return (KEY_OVERHEAD + allocation(2 * estimate["skeleton_bytes"] + 1024) + FIELD_OVERHEAD
            + sum(allocation(b) + FIELD_OVERHEAD for b in blocks))


def allocation(size: int) -> int:
    """jemalloc's size class for `size` bytes of an sds string (header and NUL added): 16-byte
    steps up to 128, then four classes per doubling."""
    n = size + 17
    if n <= 128:
        return (n + 15) // 16 * 16
    step = 1 << ((n - 1).bit_length() - 3)
    return -(-n // step) * step
