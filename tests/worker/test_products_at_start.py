"""The worker's main process chooses the model's product forms before its pool forks."""

import logging

import numpy as np

from model import products
from worker import products_at_start


def test_the_forms_are_chosen_for_both_dtypes_and_logged(caplog):
    with caplog.at_level(logging.INFO, logger="worker.products_at_start"):
        products_at_start.choose()
    said = [record.getMessage() for record in caplog.records]
    assert said == [f"BLAS product forms: {products.describe(d)}" for d in (np.float64, np.float32)]
    # what a forked pool process inherits: the same choice, with nothing left to measure
    assert products.chosen(np.float64) is products.chosen(np.dtype("float64"))
