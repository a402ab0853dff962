"""The grid expands to exactly the expected specs, in order, and never touches its base."""

import copy

import pytest

from model.sweep_grid import GridError, expand, grid_errors, point_count, with_value

BASE = {
    "network": {"layers": [2, 3, 2], "init": {"seed": 1}},
    "batch": {"dataset": "random", "size": 4},
}


def test_the_product_in_order_first_path_slowest():
    grid = {"network.layers": [[2, 3, 2], [2, 8, 8, 2]], "batch.size": [1, 10, 100]}
    before = copy.deepcopy(BASE)
    points = expand(BASE, grid)
    assert BASE == before
    assert [p.index for p in points] == list(range(6))
    assert [tuple(p.coordinates.values()) for p in points] == [
        ([2, 3, 2], 1),
        ([2, 3, 2], 10),
        ([2, 3, 2], 100),
        ([2, 8, 8, 2], 1),
        ([2, 8, 8, 2], 10),
        ([2, 8, 8, 2], 100),
    ]
    assert points[4].spec == {
        "network": {"layers": [2, 8, 8, 2], "init": {"seed": 1}},
        "batch": {"dataset": "random", "size": 10},
    }
    assert point_count(grid) == 6


def test_missing_objects_are_made_and_list_elements_named():
    points = expand(
        BASE, {"naive.sample": [3], "network.layers.1": [5, 7], "methods": [["backprop", "naive"]]}
    )
    assert [p.spec["network"]["layers"] for p in points] == [[2, 5, 2], [2, 7, 2]]
    assert all(p.spec["naive"] == {"sample": 3} for p in points)
    assert all(p.spec["methods"] == ["backprop", "naive"] for p in points)
    points[0].spec["network"]["layers"].append(9)  # each point's spec is its own copy
    assert points[1].spec["network"]["layers"] == [2, 7, 2]


def test_a_path_that_cannot_be_followed_is_named():
    with pytest.raises(GridError) as caught:
        with_value(BASE, "network.layers.7", 4)
    assert caught.value.errors == [
        {"field": "grid.network.layers.7", "message": "network.layers has no element 7"}
    ]
    with pytest.raises(GridError) as caught:
        with_value(BASE, "batch.size.x", 4)
    assert caught.value.errors[0]["field"] == "grid.batch.size.x"


def test_bad_grids():
    assert grid_errors({}) == [
        {"field": "grid", "message": "send an object of dotted paths to lists of values"}
    ]
    assert [e["field"] for e in grid_errors({"a..b": [1], "batch.size": [], "x": 3})] == [
        "grid.a..b",
        "grid.batch.size",
        "grid.x",
    ]
