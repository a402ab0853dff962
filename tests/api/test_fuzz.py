"""Schemathesis against /openapi.json on the real app, with every check it has: no 5xx, every
answer as documented, schema-valid requests accepted and invalid ones refused, and the
stateful checks on the links (a deleted job answers 404, a created one is found).

The app runs in process (WSGI) on the test Redis, with API keys on and the fuzzer holding one,
small limits so that a generated spec is refused or cheap, and a queue no worker takes: accepted
jobs stay queued and expire. Rate limits are off, so the fuzzer meets the API and not only 429s
(tests/api/test_clients.py covers those). Examples are bounded and derandomized: the same cases
every run; FUZZ_EXAMPLES=200 runs deeper (see docs/testing.md, the fuzz test).

One check is configured, not off: a job spec can be valid in the document's shape and still
break a rule JSON Schema cannot say (rows as long as network.layers[0], weights shaped like the
layers, the digits' 64 or 784 inputs) or a limit (parameters, the naive cost estimate), so
POST /v1/jobs may answer a schema-valid body with its documented 422.
"""

from __future__ import annotations

import os
import secrets

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api import create_app
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
        )
    )


# The document does not depend on Redis, so it is read at collection from an app that never
# connects; the requests go to an app on the test Redis (pytest 9 and schemathesis' lazy
# `from_fixture` loader do not agree yet).
CONFIG = SchemathesisConfig.from_str("""
[[operations]]
include-operation-id = "submit_job"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "409", "422", "429"]
""")
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
    case.call_and_validate(app=app)


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
