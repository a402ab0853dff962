"""Answers compressed as the client's Accept-Encoding allows, over real HTTP from a real worker:
the same JSON once decoded, event streams left as they are, big results sent plain."""

from __future__ import annotations

import json

import pytest
import requests

try:
    from compression import zstd  # Python 3.14
except ImportError:
    from backports import zstd  # Flask-Compress's dependency before 3.14

from tests.support.processes import api_server

PATIENCE = 120  # seconds: a timeout, not a speed claim
PAGE = {
    "network": {"preset": "lesson-untrained"},
    "batch": {"dataset": "mnist", "split": "test", "indices": [3]},
    "methods": ["backprop", "naive"],
    "naive": {"sample": 20},
    "include": {"gradients": False, "per_example": True},
}


def raw(url: str, encoding: str, **params) -> requests.Response:
    """The answer as sent (requests would decode it): its body bytes undecoded."""
    reply = requests.get(
        url, headers={"Accept-Encoding": encoding}, params=params, stream=True, timeout=PATIENCE
    )
    reply.raw_body = reply.raw.read(decode_content=False)
    return reply


@pytest.fixture(scope="module")
def job_url(live_api: str) -> str:
    job = requests.post(f"{live_api}/v1/jobs", json=PAGE, params={"wait": 5}, timeout=PATIENCE)
    assert job.json()["status"] == "succeeded", job.text
    return f"{live_api}/v1/jobs/{job.json()['id']}"


def test_a_job_in_zstd_decodes_to_the_same_json(job_url):
    plain = raw(job_url, "identity")
    packed = raw(job_url, "gzip, deflate, br, zstd")
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "zstd"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert zstd.decompress(packed.raw_body) == plain.raw_body
    assert len(packed.raw_body) < len(plain.raw_body) / 2
    assert json.loads(plain.raw_body)["status"] == "succeeded"


@pytest.mark.parametrize("encoding", ["br", "deflate", "gzip;q=0.5, br;q=1.0"])
def test_each_accepted_encoding_decodes_to_the_same_json(job_url, encoding):
    plain = requests.get(job_url, headers={"Accept-Encoding": "identity"}, timeout=PATIENCE)
    reply = requests.get(job_url, headers={"Accept-Encoding": encoding}, timeout=PATIENCE)
    # a streamed answer is never gzip (Flask-Compress streams deflate instead)
    assert reply.headers["Content-Encoding"] == ("deflate" if encoding == "deflate" else "br")
    assert reply.content == plain.content  # requests decodes it


def test_a_small_or_unaccepted_answer_is_sent_as_it_is(live_api):
    assert "Content-Encoding" not in raw(f"{live_api}/v1/health", "zstd").headers  # 16 bytes
    assert "Content-Encoding" not in raw(f"{live_api}/openapi.json", "compress").headers
    assert raw(f"{live_api}/openapi.json", "zstd").headers["Content-Encoding"] == "zstd"


def test_an_event_stream_is_not_compressed(job_url):
    with requests.get(
        f"{job_url}/events", headers={"Accept-Encoding": "zstd, br"}, stream=True, timeout=PATIENCE
    ) as reply:
        assert reply.headers["Content-Type"].startswith("text/event-stream")
        assert "Content-Encoding" not in reply.headers


def test_a_result_over_compress_max_bytes_is_sent_plain(redis_url, worker, job_url):
    job_id = job_url.rsplit("/", 1)[1]
    with api_server(redis_url, "", compress_max_bytes=1000) as small:
        over = raw(f"{small}/v1/jobs/{job_id}", "zstd")
        assert "Content-Encoding" not in over.headers and over.raw_body.startswith(b"{")
        # with fields too: the bound is the result's estimate, not the body's length
        fields = raw(f"{small}/v1/jobs/{job_id}", "zstd", fields="result")
        assert "Content-Encoding" not in fields.headers
        assert raw(f"{small}/openapi.json", "zstd").headers["Content-Encoding"] == "zstd"
    with api_server(redis_url, "", compress_max_bytes=0) as off:
        assert "Content-Encoding" not in raw(f"{off}/openapi.json", "zstd").headers
