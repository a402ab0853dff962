"""The real handwritten digits (scikit-learn's 8x8 copy, see data/PROVENANCE.md).

Pixels are scaled from 0..16 to [0, 1]. At resolution 28 each image is resampled with separable
bilinear interpolation, image28 = R @ image8 @ R.T with R of shape (28, 8), so the lesson's
784-16-16-10 network has real input.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

import numpy as np

Array = np.ndarray
NATIVE = 8


@cache
def _load() -> tuple[Array, Array]:
    with resources.files("model").joinpath("data/digits.csv.gz").open("rb") as raw:
        table = np.loadtxt(gzip.open(raw), delimiter=",", dtype=np.float64)
    images = table[:, :-1].reshape(-1, NATIVE, NATIVE) / 16.0
    labels = table[:, -1].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def resample_matrix(size: int, native: int = NATIVE) -> Array:
    """R (size, native): row i holds the linear-interpolation weights for output pixel i,
    aligning pixel centres: x_in = (i + 0.5) * native / size - 0.5, clamped to the image."""
    x = np.clip((np.arange(size) + 0.5) * native / size - 0.5, 0, native - 1)
    left = np.minimum(np.floor(x).astype(int), native - 2)
    frac = x - left
    r = np.zeros((size, native))
    r[np.arange(size), left] = 1 - frac
    r[np.arange(size), left + 1] = frac
    return r


@cache
def images(resolution: int = NATIVE) -> Array:
    """All images as (1797, resolution, resolution), values in [0, 1]."""
    native, _ = _load()
    if resolution == NATIVE:
        return native
    r = resample_matrix(resolution)
    out = np.einsum("ij,njk,lk->nil", r, native, r)
    out.setflags(write=False)
    return out


def labels() -> Array:
    """The digit 0..9 of every image, shape (1797,)."""
    return _load()[1]
