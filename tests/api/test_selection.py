"""?fields= paths into a result's skeleton: what each keeps, and the paths that lead nowhere."""

from __future__ import annotations

import pytest

from api.selection import Unreachable, project, top_level, well_formed

A = {"$array": "wishes/0", "shape": [2]}
SKELETON = {
    "network": {"layers": [2, 3, 1], "dtype": "float64"},
    "cost": 0.25,
    "wishes": [A, {"$array": "wishes/1", "shape": [3]}, {"$array": "wishes/2", "shape": [1]}],
    "layers": [
        {"layer": 1, "consistency": 0.5, "three_ways": {"bias": {"$array": "b1", "shape": [3]}}},
        {"layer": 2, "consistency": None, "three_ways": {"bias": {"$array": "b2", "shape": [1]}}},
    ],
}


@pytest.mark.parametrize(
    "paths, expected",
    [
        (["cost"], {"cost": 0.25}),
        (["wishes.2"], {"wishes": [None, None, SKELETON["wishes"][2]]}),
        (["wishes.0", "wishes.2"], {"wishes": [A, None, SKELETON["wishes"][2]]}),
        (["wishes", "wishes.1"], {"wishes": SKELETON["wishes"]}),  # the whole wins
        (["layers.consistency"], {"layers": [{"consistency": 0.5}, {"consistency": None}]}),
        (
            ["layers.1.three_ways.bias", "layers.layer"],
            {
                "layers": [
                    {"layer": 1},
                    {"layer": 2, "three_ways": SKELETON["layers"][1]["three_ways"]},
                ]
            },
        ),
        (["network.dtype", "cost"], {"network": {"dtype": "float64"}, "cost": 0.25}),
        (["naive", "timing.speedup"], {}),  # keys this result has not: left out
        (["cost", "network"], {"network": SKELETON["network"], "cost": 0.25}),  # skeleton order
    ],
)
def test_each_path_keeps_what_it_names(paths, expected):
    assert project(SKELETON, paths) == expected


@pytest.mark.parametrize(
    "path, where",
    [
        ("wishes.3", "wishes.3"),
        ("wishes.0.1", "wishes.0.1"),  # into an array
        ("cost.x", "cost.x"),  # into a number
        ("layers.5.consistency", "layers.5"),
    ],
)
def test_a_path_that_leads_nowhere_is_named(path, where):
    with pytest.raises(Unreachable) as caught:
        project(SKELETON, [path])
    assert caught.value.path == where


def test_top_level_keys_and_well_formed_names():
    assert top_level(["wishes.3", "cost", "wishes.0", "layers.consistency"]) == [
        "wishes",
        "cost",
        "layers",
    ]
    assert well_formed("wishes.3") and well_formed("layers.three_ways")
    assert not well_formed("wishes..3") and not well_formed("wishes.") and not well_formed("a b")
