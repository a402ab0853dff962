"""The result key: one key for one job however it is written, another for anything that could
change its numbers."""

from __future__ import annotations

import importlib

import pytest

import model

keys = importlib.import_module("model.result_key")  # the module, not model.result_key()

DIGIT = {
    "network": {"preset": "lesson-trained"},
    "batch": {"dataset": "mnist", "split": "test", "indices": [7]},
}


def test_a_spec_written_another_way_has_the_same_key():
    spelled_out = {
        "methods": ["backprop"],
        "batch": {"indices": [7], "split": "test", "dataset": "mnist"},
        "network": {"dtype": "float64", "preset": "lesson-trained"},
        "include": {"wishes": True},
    }
    assert model.result_key(spelled_out) == model.result_key(DIGIT)
    assert model.result_key(model.parse_spec(DIGIT)) == model.result_key(DIGIT)


@pytest.mark.parametrize(
    "change",
    [
        {"batch": {"dataset": "mnist", "split": "test", "indices": [8]}},
        {"network": {"preset": "lesson-trained", "dtype": "float32"}},
        {"network": {"preset": "lesson-untrained"}},
        {"methods": ["backprop", "naive"], "naive": {"sample": 5}},
        {"include": {"per_example": True}},
        {"timing": {"repeats": 3}},
    ],
)
def test_anything_in_the_spec_changes_the_key(change):
    assert model.result_key(DIGIT | change) != model.result_key(DIGIT)


def test_the_code_and_the_blas_are_part_of_the_key(monkeypatch):
    before = model.result_key(DIGIT)
    monkeypatch.setattr(keys, "code_version", lambda: "another version of model/")
    changed_code = model.result_key(DIGIT)
    monkeypatch.undo()
    monkeypatch.setattr(keys, "_fingerprint", lambda: "another kernel's rounding")
    assert len({before, changed_code, model.result_key(DIGIT)}) == 3


def test_the_code_version_hashes_every_file_of_the_model_package():
    names = {name for name, _ in keys._files(keys.resources.files("model"))}
    assert {"run.py", "backprop.py", "spec/job.py", "data/presets.npz"} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
