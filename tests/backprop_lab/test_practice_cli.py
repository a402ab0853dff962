"""`backprop-lab exercises | answer | practice | flashcards` against the real service."""

from __future__ import annotations

import json

import pytest

from backprop_lab.client import Client
from backprop_lab.practice import parse
from tests.support.specs import example

TINY = example("tiny-2-3-2") | {"include": {"per_example": True}}


@pytest.fixture(scope="module")
def job_id(live_api) -> str:
    client = Client(live_api)
    job = client.wait(client.submit(TINY, wait=5), timeout=60)
    assert job["status"] == "succeeded"
    return job["id"]


def test_exercises_and_answers_from_the_command_line(cli, job_id):
    code, out, _ = cli("exercises", job_id, "--kinds", "naive-cost", "--count", "1", "--json")
    exercise = json.loads(out)["exercises"][0]
    layers = exercise["data"]["layers"]
    parameters = sum(n * (m + 1) for m, n in zip(layers[:-1], layers[1:]))
    passes = parameters + 1 if exercise["data"]["difference"] == "forward" else 2 * parameters
    code, out, _ = cli("answer", job_id, exercise["id"], str(passes))
    assert code == 0 and out.startswith("right.") and f"{parameters:,} parameters" in out
    code, out, _ = cli("answer", job_id, exercise["id"], str(passes + 1))
    assert code == 1 and out.startswith(f"not quite: the answer is {passes}.")
    code, out, _ = cli("exercises", job_id, "--count", "3")
    assert code == 0 and out.count("answer with") == 3
    code, _, err = cli("answer", job_id, "naive-cost.central.00000000", "34")
    assert code == 1 and "404" in err and "no exercise" in err


def test_a_practice_round_in_the_terminal(cli, job_id, monkeypatch):
    # answer, skip, answer (a refused answer is asked again: "0" fits numbers and neurons,
    # "bias" the three ways, "agrees" averaging)
    typed = iter(["0", "", "0", "bias", "agrees"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    code, out, _ = cli("practice", job_id, "--count", "3", "--seed", "2")
    assert code == 0
    assert out.count("answer with") == 3 and out.count("skipped.") == 1
    assert out.rstrip().endswith("of 2") and out.count("right.") + out.count("not quite") <= 2


def test_flashcards_with_the_jobs_numbers(cli, job_id):
    code, out, _ = cli("flashcards", "--job", job_id)
    assert code == 0 and "17 parameters" in out and out.count("Q: ") >= 10


@pytest.mark.parametrize(
    "text, exercise, value",
    [
        ("3", None, 3),
        ("-0.25", None, -0.25),
        ("\u22120.5", None, -0.5),
        ("bias", None, "bias"),
        ("2", {"answer": {"type": "choice", "options": ["1", "2"]}}, "2"),
        ("1e-3", None, 0.001),
    ],
)
def test_what_a_person_types_becomes_the_answer(text, exercise, value):
    assert parse(text, exercise) == value and type(parse(text, exercise)) is type(value)
