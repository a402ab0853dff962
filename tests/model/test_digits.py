"""The real digits: 1797 images, pixels in [0, 1], and the 28x28 resampling."""

import numpy as np
import pytest

import model
from model import digits


def test_the_data_set_is_sklearn_digits():
    images, labels = digits.images(8), digits.labels()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 1
    np.testing.assert_array_equal(
        np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    # the first image is a zero; its top row is 0 0 5 13 9 1 0 0 in sixteenths
    assert labels[0] == 0
    np.testing.assert_allclose(images[0, 0], np.array([0, 0, 5, 13, 9, 1, 0, 0]) / 16)


def test_resampling_rows_are_interpolation_weights():
    r = digits.resample_matrix(28)
    assert r.shape == (28, 8)
    np.testing.assert_allclose(r.sum(axis=1), 1)
    assert (r >= 0).all()
    # a constant image stays constant, and the corners keep the corner pixels
    np.testing.assert_allclose(r @ np.full((8, 8), 0.25) @ r.T, 0.25)
    big = digits.images(28)
    assert big.shape == (1797, 28, 28)
    np.testing.assert_allclose(big[:, 0, 0], digits.images(8)[:, 0, 0])
    np.testing.assert_allclose(big.mean(axis=(1, 2)), digits.images(8).mean(axis=(1, 2)), atol=0.03)


@pytest.mark.parametrize("resolution,width", [(8, 64), (28, 784)])
def test_batches_are_seeded_samples_with_one_hot_targets(resolution, width):
    spec = {
        "network": {"layers": [width, 10]},
        "batch": {"dataset": "digits", "size": 30, "seed": 5},
    }
    job = model.prepare(spec)
    assert job.x.shape == (30, width) and job.y.shape == (30, 10)
    assert job.batch_info["resolution"] == resolution
    assert len(set(job.batch_info["indices"])) == 30
    np.testing.assert_array_equal(job.y.argmax(axis=1), job.batch_info["labels"])
    np.testing.assert_array_equal(job.y.sum(axis=1), 1)
    again = model.prepare(spec)
    assert again.batch_info["indices"] == job.batch_info["indices"]
    other = model.prepare({**spec, "batch": {**spec["batch"], "seed": 6}})
    assert other.batch_info["indices"] != job.batch_info["indices"]


def test_indices_pick_those_examples():
    job = model.prepare(
        {"network": {"layers": [64, 10]}, "batch": {"dataset": "digits", "indices": [0, 10, 3]}}
    )
    assert job.batch_info["labels"] == digits.labels()[[0, 10, 3]].tolist()
    np.testing.assert_allclose(job.x[1], digits.images(8)[10].ravel())
