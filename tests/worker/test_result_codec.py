"""The compact form of a result: back to the same arrays (dtype and every bit) and the same JSON
text, and arrays named."""

from __future__ import annotations

import json

import numpy as np
import pytest

import model
from worker import result_codec

SPECS = [
    {
        "network": {"layers": [3, 3, 3]},
        "batch": {"dataset": "random", "size": 4},
        "include": {"per_example": True},
        "methods": ["backprop", "naive"],
    },
    {
        "network": {"layers": [64, 10, 10], "activation": "relu"},
        "batch": {"dataset": "digits", "size": 5},
        "methods": ["backprop", "naive"],
        "naive": {"sample": 7},
    },
    {
        "network": {"layers": [4, 2], "dtype": "float32"},
        "batch": {"inputs": [[0, 0, 1, 2]], "labels": [1]},
    },
    {
        "network": {"layers": [3, 4, 2]},
        "batch": {"dataset": "random", "size": 6},
        "train": {"steps": 30, "batch_size": 3},
        "include": {"parameters": True, "averaging": True},
        "averaging": {"sizes": [1, 3, 6], "draws": 4},
    },
]


def _leaves(value, path=""):
    """(path, leaf) of every array and number of a result, in order."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}/{i}")
    else:
        yield path, value


@pytest.mark.parametrize("spec", SPECS)
def test_unpack_gives_back_the_same_arrays_and_json_text(spec):
    result = model.run(spec)
    fields = result_codec.pack(result)
    assert json.dumps(result_codec.unpack(fields)) == json.dumps(model.jsonable(result))
    back = dict(_leaves(result_codec.unpack(fields, arrays=True)))
    for path, leaf in _leaves(result):
        if isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f":
            assert back[path].dtype == leaf.dtype and back[path].shape == leaf.shape, path
            assert back[path].tobytes() == leaf.tobytes(), path  # every bit
    dtype = spec["network"].get("dtype", "float64")
    assert set(fields) == {"skeleton"} | {
        result_codec.block_name(k, "float64" if k in ("averaging", "training") else dtype)
        for k in result
        if k in ("gradients", "wishes", "layers", "examples", "naive", "training", "averaging")
    }


def test_float32_arrays_are_stored_as_float32():
    result = {"wishes": [np.array([0.1, -0.0, 3e38], dtype=np.float32)]}
    fields = result_codec.pack(result)
    assert set(fields) == {"skeleton", "arrays:wishes:float32"}
    back = result_codec.unpack(fields, arrays=True)["wishes"][0]
    assert back.dtype == np.float32 and back.tobytes() == result["wishes"][0].tobytes()
    # as lists: the float64 values the float32 numbers are, as json.dumps wrote them
    assert json.dumps(result_codec.unpack(fields)) == json.dumps(model.jsonable(result))
    assert result_codec.unpack(fields)["wishes"][0][0] == 0.10000000149011612


def test_floats_keep_every_bit_and_ints_stay_ints():
    tricky = [-0.0, 0.0, 5e-324, -1.7976931348623157e308, 0.1, 1 / 3]
    result = {
        "cost": 0.5,
        "m": [tricky, tricky[::-1]],
        "ints": [1, 2, 3],
        "mixed": [1, 2.0],
        "ragged": [[1.0], [2.0, 3.0]],
        "empty": [],
        "label": ["W1[0,0]"],
    }
    back = result_codec.unpack(result_codec.pack(result))
    assert json.dumps(back) == json.dumps(result)
    assert (
        np.array(back["m"]).view(np.uint64).tolist()
        == np.array(result["m"]).view(np.uint64).tolist()
    )
    skeleton, arrays = result_codec.split(result)
    assert [name for name, _ in arrays] == ["m", "ragged/0", "ragged/1"]
    assert skeleton["ints"] == [1, 2, 3] and skeleton["mixed"] == [1, 2.0]


def test_a_list_per_layer_is_an_array_per_layer_even_when_widths_agree():
    result = model.run(SPECS[0])  # 3-3-3: wishes would be one 3 x 3 matrix
    names = [name for name, _ in result_codec.split(result)[1]]
    assert {
        "wishes/0",
        "wishes/1",
        "wishes/2",
        "gradients/weights/1",
        "layers/0/three_ways/previous",
        "examples/gradients/weights/0",
        "naive/gradients/biases/1",
    } <= set(names)
    assert "wishes" not in names


def test_nan_is_refused_like_json_refuses_it():
    with pytest.raises(ValueError):
        result_codec.pack({"cost": 1.0, "wishes": [[0.5, float("nan")]]})


def test_the_reserve_bounds_what_is_stored():
    for spec in SPECS:
        parsed = model.parse_spec(spec)
        stored = result_codec.stored_bytes(result_codec.pack(model.run(spec)))
        assert stored <= result_codec.reserve(model.estimate_result(parsed))


@pytest.mark.parametrize(
    "size, expected",
    [
        (0, 32),
        (111, 128),
        (112, 160),
        (1000, 1024),
        ((1 << 20) - 17, 1 << 20),
        ((1 << 20) - 16, 1_310_720),
    ],
)
def test_allocation_follows_jemalloc_size_classes(size, expected):
    assert result_codec.allocation(size) == expected


def test_the_three_ways_negated_gradients_are_stored_once_and_read_back_to_the_bit():
    result = model.run(
        {"network": {"layers": [64, 30, 10]}, "batch": {"dataset": "digits", "size": 20}}
    )
    fields = result_codec.pack(result)
    placeholders = dict(result_codec._placeholders_of(result_codec.skeleton(fields)))
    assert placeholders["layers/0/three_ways/weights"]["negative_of"] == "gradients/weights/0"
    assert placeholders["layers/1/three_ways/bias"]["negative_of"] == "gradients/biases/1"
    assert "negative_of" not in placeholders["layers/0/three_ways/previous"]
    # digits' blank border: dC/dW(1) has 0.0 there, so -dC/dW(1) has -0.0
    ways = np.array(result["layers"][0]["three_ways"]["weights"])
    assert np.signbit(ways[ways == 0]).all() and (ways == 0).any()
    only = {
        k: v
        for k, v in fields.items()
        if k in result_codec.blocks_for(result_codec.skeleton(fields), ["layers"])
        or k == "skeleton"
    }
    assert set(only) == {"skeleton", "arrays:layers", "arrays:gradients"}
    layers = result_codec.unpack(only, ["layers"])
    assert json.dumps(layers) == json.dumps(model.jsonable({"layers": result["layers"]}))
    assert "negative_of" not in json.dumps(result_codec.public(result_codec.skeleton(fields)))


def test_a_block_of_a_mebibyte_or_more_is_compressed_and_read_back_to_the_bit():
    rng = np.random.default_rng(3)
    big = rng.standard_normal((400, 500))  # 1.6 MB of float64
    big[:, :7] = 0.0  # zeros compress, as a digit's blank border does
    result = {"gradients": {"weights": [big], "biases": [rng.standard_normal(400)]}}
    result["layers"] = [{"three_ways": {"weights": -big, "previous": big * 0.5}}]
    fields = result_codec.pack(result)
    assert not fields["arrays:gradients"].startswith(result_codec.RAW)
    assert len(fields["arrays:gradients"]) < big.nbytes  # compressed
    small = result_codec.pack({"wishes": [rng.standard_normal(10)]})
    assert small["arrays:wishes"].startswith(result_codec.RAW)  # kept as it is
    back = result_codec.unpack(fields, arrays=True)
    assert back["gradients"]["weights"][0].tobytes() == big.tobytes()
    ways = back["layers"][0]["three_ways"]
    assert ways["weights"].tobytes() == (-big).tobytes()  # -0.0 where big is 0.0
    assert ways["previous"].tobytes() == (big * 0.5).tobytes()
    # the reader inflates plane by plane into the arrays, and the same numbers come out
    reader = result_codec.Reader(dict(fields))
    assert reader.arrays("gradients")["gradients/weights/0"].tobytes() == big.tobytes()
