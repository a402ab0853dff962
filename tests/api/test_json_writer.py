"""The API's JSON writer (orjson from NumPy arrays) against the standard library's json.dumps of
the same numbers as lists: every float64 reads back to the same bits, the same decimal digits
(only an exponent's notation may differ), -0.0 included; float32 as the float64 it is."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from api.results import ROW_BLOCK, _array


def written(array: np.ndarray, negate: bool = False) -> str:
    return b"".join(_array(array, negate)).decode()


def tokens(text: str) -> list[str]:
    return json.loads(text, parse_float=str)


EDGES = np.array(
    [
        0.0,
        -0.0,
        5e-324,  # the smallest subnormal
        -2.2250738585072014e-308,  # the smallest normal
        1.7976931348623157e308,
        0.1,
        1 / 3,
        1e-7,
        2.5e-5,
        1e16,
        123456789012345680.0,
        1e22,
    ]
)


def random_floats(count: int, seed: int) -> np.ndarray:
    """Finite float64s of every exponent and sign: random bit patterns."""
    bits = np.random.default_rng(seed).integers(0, 2**64, size=count, dtype=np.uint64)
    values = bits.view(np.float64)
    return values[np.isfinite(values)]


@pytest.mark.parametrize("values", [EDGES, random_floats(200_000, 0)], ids=["edges", "random"])
def test_every_float64_reads_back_to_its_bits_with_json_dumps_digits(values):
    text = written(values)
    back = np.array(json.loads(text))
    assert back.view(np.uint64).tolist() == values.view(np.uint64).tolist()
    old = tokens(json.dumps(values.tolist()))
    for new, was in zip(tokens(text), old, strict=True):
        assert Decimal(new) == Decimal(was), (new, was)  # the same number, 1e-7 or 1e-07


def test_negative_zero_and_a_negation_keep_their_sign():
    values = np.array([0.0, -0.0, 1.5, -2.0])
    assert tokens(written(values)) == ["0.0", "-0.0", "1.5", "-2.0"]
    assert tokens(written(values, negate=True)) == ["-0.0", "0.0", "-1.5", "2.0"]


def test_float32_is_written_as_the_float64_it_holds():
    values = np.array([0.1, -0.0, 3.4028235e38, 1e-45], dtype=np.float32)
    text = written(values)
    assert text == json.dumps(values.tolist(), separators=(",", ":"))  # as json.dumps wrote it
    assert tokens(text)[0] == "0.10000000149011612"  # not float32's shortest, 0.1


def test_a_big_matrix_is_written_in_blocks_of_rows_that_join_into_the_whole():
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((3 * ROW_BLOCK // 100 + 7, 100))
    pieces = list(_array(matrix))
    assert len(pieces) > 4  # blocks of rows, not one string
    assert json.loads(b"".join(pieces)) == matrix.tolist()
    wide = rng.standard_normal((2, ROW_BLOCK + 3))  # rows longer than a block: row by row
    assert json.loads(b"".join(_array(wide))) == wide.tolist()
