"""Flashcards: the lesson's ideas as cards, with a job's own numbers when one is named; and the
practice operations in the OpenAPI document, typed."""

from __future__ import annotations

import pytest

from api import create_app
from api.practice.schemas import Flashcards
from tests.support.practice_jobs import KINDS, finished, result
from worker.records import JobStore
from worker.settings import Settings


@pytest.fixture(scope="module")
def client(redis_url):
    return create_app(Settings(redis_url=redis_url, queue_prefix="unit-no-worker-")).test_client()


def cards(client, url: str) -> list[dict]:
    reply = client.get(url)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return Flashcards.model_validate(reply.get_json()).model_dump()["cards"]


def test_the_cards_without_a_job_use_the_lessons_network(client):
    found = cards(client, "/v1/flashcards")
    assert len(found) >= 10
    assert all(card["front"] and card["back"] and card["tags"] for card in found)
    text = " ".join(card["front"] + " " + card["back"] for card in found)
    parameters = 16 * 785 + 16 * 17 + 10 * 17
    assert f"{parameters:,} parameters" in text and f"{2 * parameters:,}" in text
    assert "{" not in text  # every blank filled in
    assert {"wish", "three ways", "backprop", "averaging", "naive"} <= {
        tag for card in found for tag in card["tags"]
    }


def test_a_jobs_cards_carry_its_numbers(client, redis_url):
    job_id = finished(JobStore.from_settings(Settings(redis_url=redis_url, job_ttl=600)), "tiny")
    reply = client.get("/v1/flashcards", query_string={"job": job_id})
    assert reply.get_json()["job_id"] == job_id
    found = cards(client, f"/v1/flashcards?job={job_id}")
    text = " ".join(c["front"] + " " + c["back"] for c in found)
    res = result("tiny")
    assert "2-3-2 network" in text and "17 parameters" in text
    assert "18 passes with forward differences" in text and "34 with central" in text
    assert f"{res['timing']['speedup']:.4g}\u00d7 faster" in text
    assert "3 examples" in text


def test_an_unknown_job_gives_no_cards(client):
    reply = client.get("/v1/flashcards?job=never-issued")
    assert reply.status_code == 404 and reply.mimetype == "application/problem+json"


def test_the_practice_operations_are_documented_with_typed_schemas(client):
    doc = client.get("/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    listing = doc["paths"]["/v1/jobs/{job_id}/exercises"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"job_id", "count", "kinds", "seed"}
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Exercises"
    )
    assert {"404", "409", "422"} <= set(listing["responses"])
    kinds = {
        schemas[ref["$ref"].split("/")[-1]]["properties"]["kind"]["const"]
        for ref in schemas["Exercises"]["properties"]["exercises"]["items"]["oneOf"]
    }
    assert kinds == set(KINDS)
    assert schemas["TraceBackData"]["properties"]["quantity"]["enum"] == ["share", "wish"]
    answer = doc["paths"]["/v1/jobs/{job_id}/exercises/{exercise_id}/answer"]["post"]
    assert {p["name"] for p in answer["parameters"]} == {"job_id", "exercise_id"}
    assert answer["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AnswerBody"
    )
    assert set(schemas["AnswerCheck"]["required"]) == {"correct", "expected", "explanation"}
    cards_op = doc["paths"]["/v1/flashcards"]["get"]
    assert [p["name"] for p in cards_op["parameters"]] == ["job"]
    assert schemas["Flashcard"]["required"] == ["front", "back", "tags"]
