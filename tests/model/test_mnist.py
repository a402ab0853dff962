"""The mnist data set: the shipped file, its classes, and the fixed train/test split."""

import hashlib
from importlib import resources

import numpy as np

from model import mnist


def test_the_file_is_the_documented_copy():
    data = resources.files("model").joinpath(mnist.FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == mnist.SHA256
    provenance = resources.files("model").joinpath("data/PROVENANCE.md").read_text()
    assert mnist.SHA256 in provenance


def test_500_images_per_class_at_28x28_in_the_unit_interval():
    images, labels = mnist._load()
    assert images.shape == (5000, 784) and labels.shape == (5000,)
    np.testing.assert_array_equal(np.bincount(labels), [500] * 10)
    assert images.min() == 0 and images.max() == 1
    # rows are sorted by class: 500 zeros, then 500 ones, ...
    np.testing.assert_array_equal(labels, np.repeat(np.arange(10), 500))
    # every pixel is a whole number of 255ths
    np.testing.assert_allclose(images * 255, np.round(images * 255), atol=1e-9)


def test_the_split_is_the_first_400_and_the_last_100_of_each_class():
    all_images, _ = mnist._load()
    train, test = mnist.split_rows("train"), mnist.split_rows("test")
    assert len(train) == 4000 and len(test) == 1000
    assert set(train).isdisjoint(test) and set(train) | set(test) == set(range(5000))
    np.testing.assert_array_equal(np.bincount(mnist.labels("train")), [400] * 10)
    np.testing.assert_array_equal(np.bincount(mnist.labels("test")), [100] * 10)
    assert train[:3].tolist() == [0, 1, 2] and train[399] == 399 and train[400] == 500
    assert test[:2].tolist() == [400, 401] and test[100] == 900
    np.testing.assert_array_equal(mnist.images("test")[100], all_images[900])
