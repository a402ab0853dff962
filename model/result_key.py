"""A result's key: everything its numbers depend on, hashed, so that the same key means the same
numbers (timing apart) and a result can be kept and served again for the same job.

    result_key(spec) = sha256 of
        the spec, validated and written canonically (every default filled in, keys sorted),
        the model's code (a hash of this package's files, its data included),
        the NumPy and SciPy versions, the network's dtype,
        this process's BLAS fingerprint (presets.blas_fingerprint: products of a training
        step's shapes; another kernel rounds them differently in the last bit)

Two specs that differ only in how they are written (a default left out or spelled out, keys in
another order) have one key; a change to any file of `model/` gives every spec a new key.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import scipy

from .job import as_spec
from .presets import blas_fingerprint


def result_key(spec: Any) -> str:
    parsed = as_spec(spec)
    canonical = json.dumps(parsed.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    parts = [canonical, code_version(), parsed.network.dtype, _fingerprint()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@cache
def code_version() -> str:
    """A hash of every file of the model package (its sources and its data), with the
    versions of the array libraries it computes with."""
    digest = hashlib.sha256(f"numpy {np.__version__} scipy {scipy.__version__}".encode())
    for path, data in sorted(_files(resources.files("model"))):
        digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def _files(folder, prefix: str = ""):
    for entry in folder.iterdir():
        name = prefix + entry.name
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _files(entry, name + "/")
        elif not entry.name.endswith((".pyc", ".pyo")):
            yield name, entry.read_bytes()


@cache
def _fingerprint() -> str:
    return blas_fingerprint()
