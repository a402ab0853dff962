"""A body's structure is bounded before it is validated: too many keys, containers or levels
are a 413 naming the limit, and a validation problem lists at most 20 errors and counts the
rest."""

from __future__ import annotations

import json

import pytest

from api import create_app
from tests.api.conftest import SMALL
from tests.support.problems import problem

TINY = {"network": {"layers": [2, 3, 2]}, "batch": {"dataset": "random", "size": 4}}


@pytest.fixture
def few_containers(redis_url, no_worker_prefix):
    """`client`'s app with room for at most 500 objects and arrays."""
    settings = SMALL.model_copy(
        update={
            "redis_url": redis_url,
            "queue_prefix": no_worker_prefix,
            "max_body_containers": 500,
        }
    )
    return create_app(settings).test_client()


def _post(client, body: bytes):
    return client.post("/v1/jobs", data=body, content_type="application/json")


def test_thirty_unknown_keys_list_twenty_and_count_ten(client):
    body = {**TINY, **{f"extra{i:02d}": 0 for i in range(30)}}
    reply = problem(_post(client, json.dumps(body).encode()), 422)
    assert [e["field"] for e in reply["errors"]] == [f"extra{i:02d}" for i in range(20)]
    assert reply["errors_omitted"] == 10
    assert reply["detail"].startswith("30 problem(s) at: extra00, ")


def test_a_few_errors_have_no_count_of_the_rest(client):
    reply = problem(_post(client, json.dumps({**TINY, "extra": 1}).encode()), 422)
    assert len(reply["errors"]) == 1 and "errors_omitted" not in reply


def test_too_many_keys_is_413_naming_the_limit(client):
    body = {**TINY, **{f"k{i}": 0 for i in range(1001 - 5)}}  # TINY has 5 keys: 1,001 in all
    raw = json.dumps(body).encode()
    assert raw.count(b":") == 1001
    reply = problem(_post(client, raw), 413)
    assert reply["errors"] == [
        {
            "field": "(body)",
            "message": "the request body holds 1001 keys, over the limit of 1000 (MAX_BODY_KEYS)",
            "limit": 1000,
        }
    ]
    # one key fewer is read, parsed and validated: 995 unknown keys, 20 of them listed
    del body["k0"]
    reply = problem(_post(client, json.dumps(body).encode()), 422)
    assert len(reply["errors"]) == 20 and reply["errors_omitted"] == 975


def test_too_many_containers_is_413(few_containers):
    def lists(count: int) -> bytes:  # count - 5 lists, and the body, network, layers, batch
        return json.dumps({**TINY, "extra": [[]] * (count - 5)}).encode()

    assert lists(501).count(b"[") + lists(501).count(b"{") == 501
    reply = problem(_post(few_containers, lists(501)), 413)
    assert reply["errors"][0]["limit"] == 500
    assert "501 objects and arrays" in reply["detail"] and "MAX_BODY_CONTAINERS" in reply["detail"]
    assert problem(_post(few_containers, lists(500)), 422)["errors"][0]["field"] == "extra"


def test_too_deep_is_413_and_32_levels_are_not(client):
    def nested(levels: int) -> bytes:
        # TINY is 2 levels deep at "batch"; `extra` adds a level per list
        return json.dumps({**TINY, "extra": json.loads("[" * levels + "]" * levels)}).encode()

    reply = problem(_post(client, nested(32)), 413)  # 33 levels with the body's own
    assert reply["errors"][0]["limit"] == 32 and "MAX_BODY_DEPTH" in reply["detail"]
    assert problem(_post(client, nested(31)), 422)["errors"][0]["field"] == "extra"


def test_deep_members_after_a_row_of_numbers_are_found(client):
    # the walk passes over rows of scalars, but not over a container among them
    deep = json.loads("[" * 40 + "]" * 40)
    raw = json.dumps({**TINY, "extra": [1, 2.5, "x", None, True, deep]}).encode()
    assert problem(_post(client, raw), 413)["errors"][0]["limit"] == 32
