"""The compact form of a result: its JSON skeleton, and its float arrays as raw bytes.

Every NumPy float array of the result (float64 or float32, as `model.run` made it) is stored
as it is; so is every list that is a non-empty rectangular nest of floats (a result made of
plain lists, as `model.jsonable` gives), as float64. Each leaves the skeleton, which keeps a
placeholder `{"$array": "<name>", "shape": [...]}` in its place (with `"dtype": "float32"` for
a float32 array). The name is the array's path in the result, keys and list positions joined
by "/": `gradients/weights/0`, `wishes/2`, `layers/1/three_ways/previous`. A list with one
entry per layer (LAYER_LISTS) is never one array, even when every layer has the same width,
so `wishes/2` is always layer 2's wish. Everything else (ints, strings, scalars, ragged
lists, arrays of ints) stays in the skeleton as JSON.

Stored, the arrays of each top-level key are one block per dtype (`arrays:<key>` for
float64, `arrays:<key>:float32`): their values, little-endian, concatenated in skeleton
order, byte-shuffled (the first byte of every float, then the second, ...: the sign and
exponent bytes of similar numbers sit together and compress) and zlib-compressed; a block
under COMPRESS_FROM bytes is kept as it is, after the byte RAW: a copy, where compressing a
page's result would cost milliseconds. Floats go in and come out bit for
bit: -0.0 stays -0.0, float32 stays float32.

    pack(result) -> {"skeleton": bytes, "arrays:<key>": bytes, ...}
    unpack(fields) -> result (lists; `arrays=True`: NumPy arrays, as packed)
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

Array = np.ndarray
SKELETON = "skeleton"
ARRAYS = "arrays:"  # + a top-level key (+ ":float32")
KEY_OVERHEAD, FIELD_OVERHEAD = 256, 32  # a hash key's and a field's bytes beyond the values
LEVEL = 1  # zlib: level 1 compresses shuffled floats almost as well as 9, many times faster
COMPRESS_FROM = 1 << 20  # raw bytes: a smaller block is kept as it is, behind RAW, since
#                          compressing it costs more CPU (milliseconds) than its bytes cost
RAW = b"R"  # a block's first byte when kept as it is (a zlib stream starts with 0x78)
DTYPES = {"float64": np.dtype("<f8"), "float32": np.dtype("<f4")}
FLOAT = DTYPES["float64"]
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
    """The skeleton of `value` and its arrays (name, float64 or float32 array) in skeleton
    order."""
    arrays: list[tuple[str, Array]] = []

    def keep(array: Array, at: str) -> dict[str, Any]:
        arrays.append((at, array))
        placeholder = {"$array": at, "shape": list(array.shape)}
        if array.dtype != FLOAT:
            placeholder["dtype"] = array.dtype.name
        return placeholder

    def walk(v: Any, at: str) -> Any:
        if isinstance(v, np.ndarray):
            if v.dtype.name in DTYPES and v.size:
                return keep(v, at)
            return v.tolist()
        if isinstance(v, dict):
            return {k: walk(x, f"{at}/{k}" if at else k) for k, x in v.items()}
        if isinstance(v, list | tuple):
            if not any(isinstance(x, CONTAINERS) for x in v):
                return list(v)  # names, indices, counts: JSON as they are
            if at not in LAYER_LISTS and _shape(v) is not None:
                return keep(np.array(v, dtype=FLOAT), at)
            return [walk(x, f"{at}/{i}") for i, x in enumerate(v)]
        if isinstance(v, np.generic):
            return v.item()
        return v

    return walk(value, path), arrays


CONTAINERS = (float, dict, list, tuple, np.ndarray, np.floating)


def _shape(v: list | tuple) -> tuple[int, ...] | None:
    """The shape of a non-empty rectangular nest of floats (never bool or int), else None."""
    if not v:
        return None
    if isinstance(v[0], list):
        inner = [_shape(x) if isinstance(x, list) else None for x in v]
        first = inner[0]
        return (len(v), *first) if first is not None and all(s == first for s in inner) else None
    return (len(v),) if set(map(type, v)) == {float} else None


def block_name(key: str, dtype: str = "float64") -> str:
    return ARRAYS + key + ("" if dtype == "float64" else ":" + dtype)


def _dtype(placeholder: dict[str, Any]) -> str:
    return placeholder.get("dtype", "float64")


def pack(result: dict[str, Any]) -> dict[str, bytes]:
    """The stored fields of a result: the compressed skeleton and one block per key and dtype.
    An array that is bit for bit the negation of one met before (the three ways' `bias` and
    `weights` are -dC/db and -dC/dW) is not stored again: its placeholder names the other
    (`"negative_of"`), and reading negates it back, sign bits and all."""
    skeleton, arrays = split(result)
    placeholders = {name: p for name, p in _placeholders_of(skeleton)}
    seen: dict[tuple, list[tuple[str, Array]]] = {}
    blocks: dict[str, list[Array]] = {}
    for name, array in arrays:
        other = _negation_among(array, seen.get(_signature(array, negate=True), []))
        if other is not None:
            placeholders[name]["negative_of"] = other
            continue
        seen.setdefault(_signature(array), []).append((name, array))
        blocks.setdefault(block_name(name.split("/")[0], array.dtype.name), []).append(array)
    fields = {SKELETON: zlib.compress(json.dumps(skeleton, allow_nan=False).encode(), LEVEL)}
    for key in result:
        for dtype in DTYPES:
            name = block_name(key, dtype)
            if name in blocks:
                fields[name] = compress(blocks[name])
    return fields


def _bits(array: Array) -> Array:
    return array.view(np.uint64 if array.itemsize == 8 else np.uint32)


def _signature(array: Array, negate: bool = False) -> tuple:
    """What an array (or its negation) is known by before it is compared whole: dtype, shape
    and its first and last few numbers' bits."""
    flat = array.reshape(-1)
    ends = np.concatenate([flat[:8], flat[-8:]])
    return array.dtype.str, array.shape, (-ends if negate else ends).tobytes()


def _negation_among(array: Array, candidates: list[tuple[str, Array]]) -> str | None:
    """The name of the candidate that is bit for bit -array, if any."""
    for name, other in candidates:
        if np.array_equal(_bits(-array), _bits(other)):
            return name
    return None


def compress(arrays: list[Array]) -> bytes:
    """One block of arrays of one dtype, kept in that dtype (little-endian)."""
    dtype = arrays[0].dtype.newbyteorder("<")
    flat = np.concatenate([a.ravel() for a in arrays]).astype(dtype, copy=False)
    if not np.isfinite(flat).all():
        raise ValueError("NaN or infinity is not JSON")
    if flat.nbytes < COMPRESS_FROM:
        return RAW + flat.tobytes()
    shuffled = flat.view(np.uint8).reshape(-1, dtype.itemsize).T  # byte k of every float
    return zlib.compress(np.ascontiguousarray(shuffled).tobytes(), LEVEL)


def decompress(block: bytes, dtype: np.dtype = FLOAT, count: int | None = None) -> Array:
    """The block's numbers. Given their `count`, a compressed block is inflated one byte plane
    at a time straight into the array: the numbers and one plane (an eighth of them) are all
    it holds at once, never the whole inflated block beside them."""
    if block[:1] == RAW:
        return np.frombuffer(block, dtype, offset=1).copy()
    if count is None:
        shuffled = np.frombuffer(zlib.decompress(block), np.uint8).reshape(dtype.itemsize, -1)
        return np.ascontiguousarray(shuffled.T).view(dtype).ravel()
    out = np.empty(count, dtype)
    planes = out.view(np.uint8).reshape(count, dtype.itemsize)
    inflate, rest = zlib.decompressobj(), block
    for k in range(dtype.itemsize):
        plane, got = np.empty(count, np.uint8), 0
        while got < count:
            piece = inflate.decompress(rest, count - got)
            rest = inflate.unconsumed_tail
            if not piece:
                raise ValueError("a stored block is shorter than its arrays")
            plane[got : got + len(piece)] = np.frombuffer(piece, np.uint8)
            got += len(piece)
        planes[:, k] = plane
    return out


def skeleton(fields: dict[str, bytes]) -> dict[str, Any]:
    return json.loads(zlib.decompress(fields[SKELETON]))


def blocks_for(skeleton: dict[str, Any], keys: list[str] | None) -> list[str]:
    """The stored blocks that reading top-level `keys` (None: all) needs: their own, and those
    of the arrays theirs are the negation of. A key may be a path into one (`wishes.3`)."""
    keys = None if keys is None else [k.split(".")[0] for k in keys]
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
        name
        for k in skeleton
        if k in needed
        for name in dict.fromkeys(
            block_name(k, _dtype(p))
            for _, p in _placeholders_of(skeleton[k])
            if "negative_of" not in p
        )
    ]


class Reader:
    """The arrays of a stored result, each block decompressed once, when first needed.

    A writer that goes through the keys in turn may call `done(key)` after each: the key's
    arrays and raw block are then let go, unless a key not yet done reads them (an array
    stored as the negation of another)."""

    def __init__(self, fields: dict[str, bytes], consume: bool = False):
        # with `consume`, the caller's dict itself: a block's bytes leave it once decompressed,
        # so a big result's compressed form is let go block by block while it is written
        self.fields, self.skeleton = fields if consume else dict(fields), skeleton(fields)
        self._own: dict[str, dict[str, Array]] = {}
        self._pending = set(self.skeleton)

    def own(self, key: str) -> dict[str, Array]:
        """The arrays stored in top-level `key`'s blocks, by name (not those that are the
        negation of another)."""
        if key not in self._own:
            named: dict[str, Array] = {}
            placeholders = [
                (n, p) for n, p in _placeholders_of(self.skeleton[key]) if "negative_of" not in p
            ]
            for dtype in dict.fromkeys(_dtype(p) for _, p in placeholders):
                count = sum(int(np.prod(p["shape"])) for _, p in placeholders if _dtype(p) == dtype)
                flat = decompress(self.fields.pop(block_name(key, dtype)), DTYPES[dtype], count)
                at = 0
                for name, p in placeholders:
                    if _dtype(p) == dtype:
                        size = int(np.prod(p["shape"]))
                        named[name] = flat[at : at + size].reshape(p["shape"])
                        at += size
            self._own[key] = named
        return self._own[key]

    def parts(self, key: str) -> dict[str, tuple[Array, bool]]:
        """Every array of top-level `key` in skeleton order, as (stored array, negate): an
        array kept as another's negation is that other array, to be negated when read."""
        out = {}
        for name, p in _placeholders_of(self.skeleton[key]):
            other = p.get("negative_of")
            if other is None:
                out[name] = (self.own(key)[name], False)
            else:
                out[name] = (self.own(other.split("/")[0])[other], True)
        return out

    def arrays(self, key: str) -> dict[str, Array]:
        """The arrays of top-level `key`, by name, in skeleton order."""
        return {name: -a if negate else a for name, (a, negate) in self.parts(key).items()}

    def done(self, key: str) -> None:
        self._pending.discard(key)
        needed = {
            p["negative_of"].split("/")[0]
            for k in self._pending
            for _, p in _placeholders_of(self.skeleton[k])
            if "negative_of" in p
        }
        for k in list(self._own):
            if k not in self._pending and k not in needed:
                del self._own[k]


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
    elif isinstance(part, list) and any(isinstance(v, dict | list) for v in part):
        for v in part:
            yield from _placeholders_of(v)


def fill(part: Any, named: dict[str, Array], arrays: bool = False) -> Any:
    """`part` of a skeleton with its placeholders replaced by the arrays (as lists, unless
    `arrays`)."""
    if isinstance(part, dict):
        if "$array" in part:
            array = named[part["$array"]]
            return array if arrays else array.tolist()
        return {k: fill(v, named, arrays) for k, v in part.items()}
    if isinstance(part, list):
        return [fill(v, named, arrays) for v in part]
    return part


def unpack(
    fields: dict[str, bytes], keys: list[str] | None = None, arrays: bool = False
) -> dict[str, Any]:
    """The result (or only its top-level `keys`) as it was packed: JSON-ready, its arrays as
    lists; with `arrays`, as NumPy arrays of the dtype they were packed in."""
    reader = Reader(fields)
    return {
        k: fill(v, reader.arrays(k), arrays)
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
