"""Picking a digit by its label: the documented order of the splits, read from the data files
themselves, and the batch it gives."""

from __future__ import annotations

import numpy as np

from model import digits, mnist, parse_spec
from model.by_label import indices_by_label, per_label
from model.job import build_batch
from model.spec.batch import DIGITS_PER_LABEL


def test_the_mnist_splits_hold_their_digits_in_label_order():
    # docs/reference.md: image 100 l + k of the test split is the k-th l (400 l + k in train)
    for split, each in (("test", 100), ("train", 400)):
        labels = mnist.labels(split)
        assert labels.tolist() == np.repeat(np.arange(10), each).tolist()
        assert per_label("mnist", split) == [each] * 10


def test_the_digits_keep_the_collections_order_and_their_counts():
    labels = digits.labels()
    assert tuple(per_label("digits", "train")) == DIGITS_PER_LABEL
    assert labels[:10].tolist() == list(range(10))  # not sorted by label: by_label counts
    sevens = np.flatnonzero(labels == 7)
    assert indices_by_label("digits", "", [7, 7, 0], [0, 178, 1]) == [7, sevens[178], 10]


def test_by_label_gives_the_images_of_those_indices():
    picks = [{"label": 7, "index": 0}, {"label": 3, "index": 99}, {"label": 0, "index": 5}]
    spec = parse_spec(
        {
            "network": {"layers": [784, 10]},
            "batch": {"dataset": "mnist", "split": "test", "by_label": picks},
        }
    )
    inputs, targets, info = build_batch(spec)
    assert info["indices"] == [700, 399, 5] and info["labels"] == [7, 3, 0]
    assert np.array_equal(inputs, mnist.images("test")[[700, 399, 5]])
    assert targets.argmax(axis=1).tolist() == [7, 3, 0]
    assert spec.batch.batch_size == 3
