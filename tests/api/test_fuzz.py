"""Schemathesis against /openapi.json on the real app, with every check it has: no 5xx, every
answer as documented, schema-valid requests accepted and invalid ones refused, and the
stateful checks on the links (a deleted job answers 404, a created one is found).

The app runs in process (WSGI) on the test Redis, with API keys on and the fuzzer holding one,
the default limits, and a queue no worker takes: accepted jobs stay queued and expire. Rate
limits are off, so the fuzzer meets the API and not only 429s (tests/api/test_clients.py covers
those). Every phase runs: the document's examples, coverage, fuzzing (bounded and
derandomized: the same cases every run; FUZZ_EXAMPLES=200 runs deeper, see docs/testing.md)
and the stateful links.

One check is configured, and narrowed by one of our own: a job spec can be valid by the
document and still break a rule JSON Schema cannot say (rows as long as network.layers[0],
weights shaped like the layers, an output width of 10 for mnist) or a limit (parameters, the
naive cost estimate), so positive data acceptance lets POST /v1/jobs answer 422, and
`refused_only_for_listed_rules` (tests/api/refusals.py) fails every such 422 that names a rule
not in docs/contract.md's table "What the document cannot say".
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api import create_app
from tests.api import refusals
from worker.settings import Settings

KEY = secrets.token_urlsafe(24)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))  # per operation; more for a deeper run


QUEUE = f"fuzz-no-worker-{secrets.token_hex(4)}-"  # the queues' prefix: no worker takes them


def fuzz_app(redis_url: str):
    return create_app(
        Settings(
            redis_url=redis_url,
            queue_prefix=QUEUE,
            job_ttl=120,
            max_wait=0.05,
            max_body_bytes=100_000,
            api_keys=(KEY,),
            # schemathesis reads a WSGI answer's body as sent, undecoded: the fuzz checks the
            # JSON, the compression is tested over HTTP (tests/e2e/test_compression.py)
            compress_max_bytes=0,
        )
    )


# The document does not depend on Redis, so it is read at collection from an app that never
# connects; the requests go to an app on the test Redis (pytest 9 and schemathesis' lazy
# `from_fixture` loader do not agree yet).
CONFIG = SchemathesisConfig.from_path(Path(__file__).with_name("schemathesis.toml"))

schema = schemathesis.openapi.from_wsgi(
    "/openapi.json", fuzz_app("redis://127.0.0.1:1/0"), config=CONFIG
)


@schema.auth()
class FuzzerKey:
    """The fuzzer's key, in the header the page sends; schemathesis also probes each job
    request without it and with a made-up one, and expects 401."""

    def get(self, case, ctx):
        return KEY

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "X-API-Key": data}


@pytest.fixture(scope="module")
def app(redis_url, worker):
    app = fuzz_app(redis_url)
    yield app
    services = app.extensions["backprop-lab"]
    services.store.redis.delete(*services.queues.values())  # the jobs no worker took


SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@SETTINGS
def test_every_answer_is_documented(case, app):
    case.call_and_validate(app=app)  # every check, refusals' (registered at import) too


def test_jobs_followed_by_their_links_answer_as_documented(app):
    """Submit, then read, cancel and delete the job through the document's links: the Job
    schema is checked on real jobs, not only on 404s for made-up ids."""

    class Chains(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"app": app}

    Chains.run(settings=settings(SETTINGS, stateful_step_count=4))


def test_a_real_job_through_every_operation_passes_every_check(app):
    """Generated bodies rarely make a job (most break a rule across fields), so one is made on
    purpose from the document's own example, and every job operation is called on it with all
    checks: its answers are the documented ones, and once deleted it is gone."""
    key = {"X-API-Key": KEY}
    body = schema["/v1/jobs"]["POST"].definition.raw["requestBody"]["content"]["application/json"][
        "examples"
    ]["tiny-2-3-2"]["value"]
    made = schema["/v1/jobs"]["POST"].Case(body=body, query={"wait": 0}, headers=key)
    job_id = made.call_and_validate(app=app).json()["id"]
    for method, path in (
        ("GET", "/v1/jobs/{job_id}"),
        ("POST", "/v1/jobs/{job_id}/cancel"),
        ("GET", "/v1/jobs"),
        ("DELETE", "/v1/jobs/{job_id}"),
    ):
        case = schema[path][method].Case(
            path_parameters={"job_id": job_id} if "{" in path else None, headers=key
        )
        case.call_and_validate(app=app)
    gone = schema["/v1/jobs/{job_id}"]["GET"].Case(path_parameters={"job_id": job_id}, headers=key)
    assert gone.call_and_validate(app=app).status_code == 404


def test_only_the_rules_the_contract_lists_may_refuse_a_valid_body(app):
    """The narrowing check itself: it reads docs/contract.md's table, and fails a 422 to a
    schema-valid body that names a rule the document says (here: size or indices)."""
    assert len(refusals.listed_rules()) >= 20
    listed = {"field": "network.layers", "message": "width 5000 is over the limit of 4096"}
    said = {"field": "batch.size", "message": "a dataset needs 'size' (or, for mnist and ...)"}
    assert refusals.unlisted([listed, said]) == [said]
    submit = schema["/v1/jobs"]["POST"]
    sized = {"network": {"layers": [784, 10]}, "batch": {"dataset": "mnist", "size": 2}}
    case = submit.Case(body=sized, query={}, headers={"X-API-Key": KEY})
    reply = case.call(app=app)
    assert reply.status_code == 202
    refused = type("Reply", (), {"status_code": 422, "json": lambda self: {"errors": [said]}})()
    with pytest.raises(AssertionError, match="could say"):
        refusals.refused_only_for_listed_rules(None, refused, case)
    # a body the document refuses is not this check's to judge
    unsized = submit.Case(body={**sized, "batch": {"dataset": "mnist"}}, query={})
    assert refusals.refused_only_for_listed_rules(None, refused, unsized) is None
