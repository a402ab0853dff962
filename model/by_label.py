"""A data set's examples picked by their label: the `index`-th image of digit `label`.

Within a split (mnist) or the whole set (digits), the images of one label keep the data's order:
mnist's file is sorted by class, so its test split's image of label l and index k is image
100 l + k of the split (400 l + k of the train split); digits are in the collection's order,
so the k-th 7 is the k-th 7 met in the file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import digits, mnist

Array = np.ndarray


def labels_of(dataset: str, split: str) -> Array:
    return mnist.labels(split) if dataset == "mnist" else digits.labels()


def indices_by_label(
    dataset: str, split: str, labels: Sequence[int], within: Sequence[int]
) -> list[int]:
    """The indices (of the split, for mnist) of the `within[i]`-th image of `labels[i]`."""
    all_labels = labels_of(dataset, split)
    order = np.argsort(all_labels, kind="stable")  # by label, in the data's order within one
    starts = np.searchsorted(all_labels[order], np.arange(all_labels.max() + 1))
    return order[starts[np.asarray(labels)] + np.asarray(within)].tolist()


def per_label(dataset: str, split: str) -> list[int]:
    """How many images each label has."""
    return np.bincount(labels_of(dataset, split)).tolist()
