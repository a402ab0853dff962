"""The model's BLAS product forms (model/products.py), chosen once in the worker's main process,
before its pool forks: every pool process then computes with the same forms (the same rounding),
and no job pays for the short measurement that chooses them."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def choose(**_: object) -> None:
    """worker_init: measure the forms for both dtypes a job may ask for, and log them."""
    import numpy as np

    from model import products

    for dtype in (np.float64, np.float32):
        products.chosen(dtype)
        log.info("BLAS product forms: %s", products.describe(dtype))
