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

import hashlib
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
LAYER_LISTS = frozenset(
    {
        "wishes",
        "gradients/weights",
        "gradients/biases",
        "naive/gradients/weights",
        "naive/gradients/biases",
        "examples/activations",
        "examples/wishes",
        "examples/gradients/weights",
        "examples/gradients/biases",
        "training/parameters/weights",
        "training/parameters/biases",
    }
)


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
        return (len(v), *first) if first is not None and all(s == first for s in inner) else None
    return (len(v),) if set(map(type, v)) == {float} else None


def pack(result: dict[str, Any]) -> dict[str, bytes]:
    """The stored fields of a result: the compressed skeleton and one block per key. An array
    that is bit for bit the negation of one met before (the three ways' `bias` and `weights`
    are -dC/db and -dC/dW) is not stored again: its placeholder names the other
    (`"negative_of"`), and reading negates it back, sign bits and all."""
    skeleton, arrays = split(result)
    placeholders = {name: p for name, p in _placeholders_of(skeleton)}
    seen: dict[bytes, tuple[str, Array]] = {}
    blocks: dict[str, list[Array]] = {}
    for name, array in arrays:
        other = seen.get(_digest(-array))
        if other is not None and np.array_equal((-array).view(np.uint64), other[1].view(np.uint64)):
            placeholders[name]["negative_of"] = other[0]
            continue
        seen.setdefault(_digest(array), (name, array))
        blocks.setdefault(name.split("/")[0], []).append(array)
    fields = {SKELETON: zlib.compress(json.dumps(skeleton, allow_nan=False).encode(), LEVEL)}
    for key in result:
        if key in blocks:
            fields[ARRAYS + key] = compress(blocks[key])
    return fields


def _digest(array: Array) -> bytes:
    return hashlib.blake2b(
        array.tobytes(), digest_size=16, person=str(array.shape).encode()[:16]
    ).digest()


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


def blocks_for(skeleton: dict[str, Any], keys: list[str] | None) -> list[str]:
    """The stored blocks that reading top-level `keys` (None: all) needs: their own, and those
    of the arrays theirs are the negation of."""
    needed = set()
    for key, part in skeleton.items():
        if keys is None or key in keys:
            needed.add(key)
            needed |= {
                p["negative_of"].split("/")[0]
                for _, p in _placeholders_of(part)
                if "negative_of" in p
            }
    return [
        ARRAYS + k
        for k in skeleton
        if k in needed and any("negative_of" not in p for _, p in _placeholders_of(skeleton[k]))
    ]


class Reader:
    """The arrays of a stored result, each block decompressed once, when first needed."""

    def __init__(self, fields: dict[str, bytes]):
        self.fields, self.skeleton = fields, skeleton(fields)
        self._blocks: dict[str, dict[str, Array]] = {}

    def arrays(self, key: str) -> dict[str, Array]:
        """The arrays of top-level `key`, by name, in skeleton order."""
        if key not in self._blocks:
            placeholders = list(_placeholders_of(self.skeleton[key]))
            own = [(n, p) for n, p in placeholders if "negative_of" not in p]
            flat = decompress(self.fields[ARRAYS + key]) if own else np.empty(0, FLOAT)
            named, at = {}, 0
            for name, p in own:
                size = int(np.prod(p["shape"]))
                named[name] = flat[at : at + size].reshape(p["shape"])
                at += size
            self._blocks[key] = named
            for name, p in placeholders:
                if "negative_of" in p:
                    other = p["negative_of"]
                    named[name] = -self.arrays(other.split("/")[0])[other]
            self._blocks[key] = {n: named[n] for n, _ in placeholders}
        return self._blocks[key]


def public(part: Any) -> Any:
    """The skeleton as a reader sees it: placeholders without the store's `negative_of`."""
    if isinstance(part, dict):
        return {k: public(v) for k, v in part.items() if k != "negative_of"}
    if isinstance(part, list):
        return [public(v) for v in part]
    return part


def _placeholders_of(part: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(part, dict):
        if "$array" in part:
            yield part["$array"], part
            return
        for v in part.values():
            yield from _placeholders_of(v)
    elif isinstance(part, list):
        for v in part:
            yield from _placeholders_of(v)


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
    reader = Reader(fields)
    return {
        k: fill(v, reader.arrays(k))
        for k, v in reader.skeleton.items()
        if keys is None or k in keys
    }


def stored_bytes(fields: dict[str, bytes]) -> int:
    """The memory Redis gives the stored fields: each value's allocation (jemalloc rounds a
    size up to its class, up to 25 % more for big values) with the hash's own overhead."""
    return KEY_OVERHEAD + sum(allocation(len(v)) + FIELD_OVERHEAD for v in fields.values())


def reserve(estimate: dict[str, Any]) -> int:
    """An upper bound of `stored_bytes` from `model.estimate_result`: compression may gain
    nothing (8 bytes per float, zlib adds under 0.1 %), and the skeleton is kept as JSON."""
    blocks = [int(8.01 * count) + 64 for count in estimate["floats"].values() if count]
    return (
        KEY_OVERHEAD
        + allocation(2 * estimate["skeleton_bytes"] + 1024)
        + FIELD_OVERHEAD
        + sum(allocation(b) + FIELD_OVERHEAD for b in blocks)
    )


def allocation(size: int) -> int:
    """jemalloc's size class for `size` bytes of an sds string (header and NUL added): 16-byte
    steps up to 128, then four classes per doubling."""
    n = size + 17
    if n <= 128:
        return (n + 15) // 16 * 16
    step = 1 << ((n - 1).bit_length() - 3)
    return -(-n // step) * step
