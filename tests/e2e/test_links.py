"""Links come from configuration, never from the request's `Host`: over real HTTP (gunicorn as
deployed, and the API in a thread for the settings), every header and body of a submit, a get,
a list, an event stream, Werkzeug's redirects and problem documents, sent with
`Host: evil.example`."""

from __future__ import annotations

import requests

from tests.support.processes import api_server, gunicorn
from tests.support.specs import example

TINY = example("tiny-2-3-2")
EVIL = {"Host": "evil.example"}


def _answers(base: str, headers: dict) -> dict[str, requests.Response]:
    """Every kind of answer that could carry a link, each asked with `headers`."""
    get = lambda path, **kw: requests.get(  # noqa: E731
        f"{base}{path}", headers=headers, allow_redirects=False, timeout=30, **kw
    )
    submitted = requests.post(f"{base}/v1/jobs?wait=5", json=TINY, headers=headers, timeout=30)
    assert submitted.status_code == 200, submitted.text
    job = submitted.json()["id"]
    queued = requests.post(f"{base}/v1/jobs", json=TINY, headers=headers, timeout=30)
    assert queued.status_code in (200, 202), queued.text
    return {
        "submit": submitted,
        "submit 202": queued,
        "get": get(f"/v1/jobs/{job}"),
        "get fields": get(f"/v1/jobs/{job}?fields=status,links"),
        "list": get("/v1/jobs"),
        "events": get(f"/v1/jobs/{job}/events"),
        "cancel": requests.post(f"{base}/v1/jobs/{job}/cancel", headers=headers, timeout=30),
        "redirect": get(f"/v1//jobs/{job}"),  # Werkzeug merges the slashes with a redirect
        "not found": get("/v1/jobs/nope"),
        "invalid": requests.post(f"{base}/v1/jobs", json={}, headers=headers, timeout=30),
        "docs": get("/openapi.json"),
    }


def _links(answers: dict[str, requests.Response]) -> dict[str, str]:
    """The links: Location headers and every job's links.self."""
    out = {}
    for name, answer in answers.items():
        if "Location" in answer.headers:
            out[f"{name} Location"] = answer.headers["Location"]
        if answer.headers.get("Content-Type") == "application/json":
            body = answer.json()
            for i, job in enumerate(body.get("jobs", [body])):
                if isinstance(job, dict) and "links" in job:
                    out[f"{name} {i}"] = job["links"]["self"]
    return out


def _assert_no_evil(answers: dict[str, requests.Response]) -> None:
    for name, answer in answers.items():
        assert "evil" not in answer.text, name
        assert not any("evil" in v for v in answer.headers.values()), (name, answer.headers)


def _check(answers: dict[str, requests.Response], start: str) -> None:
    _assert_no_evil(answers)
    links = _links(answers)
    assert {"submit Location", "submit 0", "get 0", "list 0", "redirect Location"} <= set(links)
    assert all(link.startswith(f"{start}/v1/jobs/") for link in links.values()), links
    assert answers["redirect"].status_code == 308
    assert answers["submit"].headers["Location"] == answers["submit"].json()["links"]["self"]


def test_gunicorn_links_to_the_address_it_was_reached_at(redis_url, queue_prefix, worker, tmp_path):
    # as deployed, without settings: the address the connection came in on
    with gunicorn(tmp_path, REDIS_URL=redis_url, QUEUE_PREFIX=queue_prefix) as base:
        _check(_answers(base, EVIL), base)


def test_a_public_base_url_makes_every_link(redis_url, queue_prefix, worker):
    with api_server(
        redis_url, queue_prefix, max_wait=5.0, public_base_url="https://lab.example.org/lab/"
    ) as base:
        _check(_answers(base, EVIL), "https://lab.example.org/lab")


def test_trusted_proxies_links_follow_the_last_proxy(redis_url, queue_prefix, worker):
    with api_server(redis_url, queue_prefix, max_wait=5.0, trusted_proxies=1) as base:
        proxied = EVIL | {"X-Forwarded-Host": "proxy.example", "X-Forwarded-Proto": "https"}
        _check(_answers(base, proxied), "https://proxy.example")
        # only the last proxy's header counts: a client's own X-Forwarded-Host before it is not
        two = proxied | {"X-Forwarded-Host": "evil.example, proxy.example"}
        reply = requests.post(f"{base}/v1/jobs", json=TINY, headers=two, timeout=30)
        assert reply.headers["Location"].startswith("https://proxy.example/v1/jobs/")
