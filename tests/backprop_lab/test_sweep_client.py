"""`Client.sweep` and `backprop-lab sweep` end to end on a tiny sweep (real API, Redis, workers)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from backprop_lab.cli import main
from backprop_lab.client import Client
from tests.support.specs import seeded

BASE = seeded([2, 3, 2], "sigmoid", "squared_error", 3, seed=4, batch_seed=5) | {
    "methods": ["backprop", "naive"]
}
LAYERS = [[2, 3, 2], [2, 6, 2], [2, 6, 6, 2]]
PARAMETERS = [17, 32, 74]  # 2*3+3+3*2+2; 2*6+6+6*2+2; 12+6+36+6+12+2


def test_client_sweep_returns_the_table_as_arrays_and_the_fit(live_api):
    seen = []
    result = Client(live_api).sweep(
        BASE, {"network.layers": LAYERS}, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (3, 3) and seen == sorted(seen)
    table = result.table
    assert table["parameters"].dtype == np.int64
    assert table["parameters"].tolist() == PARAMETERS
    assert [json.loads(v) for v in table["grid.network.layers"]] == LAYERS
    assert table["backprop_seconds"].dtype == np.float64 and (table["backprop_seconds"] > 0).all()
    assert table["naive_basis"].tolist() == ["measured"] * 3
    json_table = Client(live_api)._request("GET", f"/v1/sweeps/{result.sweep['id']}/table")
    column = json_table["columns"].index("speedup")
    assert table["speedup"].tolist() == [row[column] for row in json_table["rows"]]
    assert result.fit["backprop"]["used"] == [0, 1, 2]
    assert result.fit == result.sweep["fit"]


def test_the_sweep_command_writes_the_csv_and_ends_with_the_exponents(cli, tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(BASE))
    out_csv = tmp_path / "out.csv"
    code, out, err = cli(
        "sweep",
        str(spec),
        "--grid",
        f"network.layers={json.dumps(LAYERS)}",
        "--grid",
        "batch.size=[1,2]",
        "--csv",
        str(out_csv),
    )
    assert code == 0, err
    assert "6/6 points" in err and "100%" in err
    assert "finished, 6 succeeded" in out
    assert "naive: seconds per example ~" in out and "backprop: seconds per example ~" in out
    rows = list(csv.DictReader(out_csv.open()))
    assert [int(r["parameters"]) for r in rows] == [17, 17, 32, 32, 74, 74]
    assert [int(r["batch"]) for r in rows] == [1, 2] * 3


def test_a_bad_grid_argument_is_named(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["sweep", "spec.json", "--grid", "batch.size=1"])
    assert exited.value.code == 2
    assert "batch.size: give a non-empty JSON list of values" in capsys.readouterr().err
