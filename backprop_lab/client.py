"""A small `requests` client for the backprop-lab HTTP API (`/v1`), for scripts and notebooks.

Every method returns the service's JSON as plain dicts (a job is the job resource of
docs/contract.md); every error answer raises `ApiError` carrying the problem+json document.

    client = Client("http://127.0.0.1:8000")
    job = client.submit({"network": {"layers": [2, 3, 2]}, ...})
    job = client.wait(job["id"], progress=lambda done, total: print(done, total))
    job["result"]["timing"]["speedup"]
    client.arrays(job["id"])["gradients/weights/0"]  # NumPy arrays, from result.npz
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from .sse import parse_events

DEFAULT_URL = "http://127.0.0.1:8000"
FINISHED = ("succeeded", "failed", "cancelled")
Progress = Callable[[int, int], None]


class ApiError(Exception):
    """The service answered with an error: `status` and the problem+json `problem`
    ({"type", "title", "status", "detail", "errors": [{"field", "message", "limit"?}]})."""

    def __init__(self, status: int, problem: dict[str, Any]):
        self.status = status
        self.problem = problem
        super().__init__(str(self))

    @property
    def title(self) -> str:
        return self.problem.get("title") or f"HTTP {self.status}"

    @property
    def detail(self) -> str | None:
        return self.problem.get("detail")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.problem.get("errors") or []

    def __str__(self) -> str:
        lines = [f"{self.status} {self.title}" + (f": {self.detail}" if self.detail else "")]
        for error in self.errors:
            limit = f" (limit {error['limit']})" if error.get("limit") is not None else ""
            lines.append(f"  {error.get('field', '')}: {error.get('message', '')}{limit}")
        return "\n".join(lines)


class JobError(Exception):
    """A job finished without a result (failed or cancelled); `job` is its resource."""

    def __init__(self, job: dict[str, Any]):
        self.job = job
        error = job.get("error") or {}
        detail = error.get("detail") or error.get("title") or ""
        super().__init__(
            f"job {job.get('id')} {job.get('status')}" + (f": {detail}" if detail else "")
        )


class Client:
    """The API at `url` (default: $BACKPROP_LAB_URL, else http://127.0.0.1:8000)."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ):
        self.url = (url or os.environ.get("BACKPROP_LAB_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        api_key = api_key or os.environ.get("BACKPROP_LAB_API_KEY")
        if api_key:
            self.session.headers["X-API-Key"] = api_key

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    # jobs
    def submit(
        self, spec: Mapping[str, Any] | str | os.PathLike[str], wait: float | None = None
    ) -> dict[str, Any]:
        """Queue a job (a spec dict, or the path of a JSON spec file). With `wait`, the
        service holds the request up to that many seconds and returns the finished job
        when it finishes in time (else the queued or running job)."""
        if not isinstance(spec, Mapping):
            spec = json.loads(Path(spec).read_text())
        params = {"wait": wait} if wait is not None else None
        timeout = self.timeout + (wait or 0)
        return self._request("POST", "/v1/jobs", json=dict(spec), params=params, timeout=timeout)

    def get(self, job_id: str, fields: Sequence[str] | None = None) -> dict[str, Any]:
        """The job resource: status, progress, timestamps, and the result or the error; with
        `fields` (job fields and result keys, e.g. ["status", "cost"]) only those."""
        params = {"fields": ",".join(fields)} if fields is not None else None
        return self._request("GET", f"/v1/jobs/{job_id}", params=params)

    def download(self, job_id: str, path: str | os.PathLike[str]) -> int:
        """Write the result as NumPy's .npz to `path` (as it arrives); returns its bytes."""
        with self.session.get(
            f"{self.url}/v1/jobs/{job_id}/result.npz", stream=True, timeout=self.timeout
        ) as response:
            if response.status_code >= 400:
                raise ApiError(response.status_code, _problem(response))
            written = 0
            with open(path, "wb") as out:
                for chunk in response.iter_content(1 << 20):
                    written += out.write(chunk)
        return written

    def arrays(self, job_id: str) -> dict[str, Any]:
        """The result's arrays by name ("gradients/weights/0", "wishes/2", ...), as NumPy
        float64 arrays equal to the JSON result's numbers bit for bit (numpy is needed)."""
        import numpy as np

        response = self.session.get(f"{self.url}/v1/jobs/{job_id}/result.npz", timeout=self.timeout)
        if response.status_code >= 400:
            raise ApiError(response.status_code, _problem(response))
        with np.load(io.BytesIO(response.content), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files if not name.endswith(".json")}

    def wait(
        self,
        job: str | Mapping[str, Any],
        timeout: float | None = None,
        poll: float = 0.2,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Follow the job until it is succeeded, failed or cancelled and return it: its event
        stream, or polling every `poll` seconds if the stream fails.

        `progress(done, total)` is called whenever the naive method's pass count moves.
        Raises TimeoutError after `timeout` seconds (None: wait as long as it takes)."""
        job_id = job if isinstance(job, str) else job["id"]
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = None
        try:
            for name, data in self.events(job_id):
                step = (data or {}).get("progress")
                if progress is not None and step and (step["done"], step["total"]) != seen:
                    seen = (step["done"], step["total"])
                    progress(*seen)
                if name == "end":
                    return data
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"job {job_id} still {self.get(job_id)['status']} after {timeout} s"
                    )
        except (requests.RequestException, ValueError):
            pass  # no stream (an older service, a proxy that buffers): poll instead
        while True:
            current = self.get(job_id)
            step = current.get("progress")
            if progress is not None and step and (step["done"], step["total"]) != seen:
                seen = (step["done"], step["total"])
                progress(*seen)
            if current["status"] in FINISHED:
                return current
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} still {current['status']} after {timeout} s")
            time.sleep(poll)

    def run(
        self,
        spec: Mapping[str, Any] | str | os.PathLike[str],
        timeout: float | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Submit, wait, and return the result; raises JobError if the job did not succeed."""
        job = self.wait(self.submit(spec), timeout=timeout, progress=progress)
        if job["status"] != "succeeded":
            raise JobError(job)
        return job["result"]

    def events(self, job_id: str) -> Iterator[tuple[str, Any]]:
        """The job's server-sent events as (name, data): ("progress", {"id", "status",
        "progress"}) while it runs, ("keep-alive", None) every few seconds, and last ("end",
        the finished job)."""
        with self.session.get(
            f"{self.url}/v1/jobs/{job_id}/events", stream=True, timeout=self.timeout
        ) as response:
            if response.status_code >= 400:
                raise ApiError(response.status_code, _problem(response))
            for name, data in parse_events(response.iter_lines(decode_unicode=True)):
                yield name, data
                if name in ("end", "error"):
                    return

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job; returns the job (cancelled, or about to be)."""
        return self._request("POST", f"/v1/jobs/{job_id}/cancel")

    def delete(self, job_id: str) -> None:
        """Remove a job (cancelled first if it has not ended); it answers 404 afterwards."""
        self._request("DELETE", f"/v1/jobs/{job_id}")

    def list(self, limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
        """One page of job summaries, newest first: {"jobs": [...], "next": cursor or None};
        pass `cursor=page["next"]` for the next page."""
        params = {k: v for k, v in (("limit", limit), ("cursor", cursor)) if v is not None}
        return self._request("GET", "/v1/jobs", params=params or None)

    # practice
    def exercises(
        self,
        job_id: str,
        count: int | None = None,
        kinds: str | list[str] | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Exercises from a succeeded job's numbers: {"job_id", "seed", "exercises": [{"id",
        "kind", "prompt", "data", "answer"}]}; the same job and seed give the same ones."""
        if isinstance(kinds, list):
            kinds = ",".join(kinds)
        params = {
            k: v for k, v in (("count", count), ("kinds", kinds), ("seed", seed)) if v is not None
        }
        return self._request("GET", f"/v1/jobs/{job_id}/exercises", params=params or None)

    def answer(self, job_id: str, exercise_id: str, answer: int | float | str) -> dict[str, Any]:
        """Check an answer: {"correct", "expected", "explanation"}."""
        return self._request(
            "POST", f"/v1/jobs/{job_id}/exercises/{exercise_id}/answer", json={"answer": answer}
        )

    def flashcards(self, job_id: str | None = None) -> dict[str, Any]:
        """The lesson's ideas as cards ({"job_id", "cards": [{"front", "back", "tags"}]}),
        with that job's numbers when a job is given."""
        return self._request("GET", "/v1/flashcards", params={"job": job_id} if job_id else None)

    # the service
    def health(self) -> dict[str, Any]:
        """The API process is up."""
        return self._request("GET", "/v1/health")

    def ready(self) -> bool:
        """Redis answers and at least one worker is alive."""
        try:
            response = self.session.get(self.url + "/v1/ready", timeout=self.timeout)
        except requests.ConnectionError:
            return False
        return response.status_code == 200

    def examples(self) -> Any:
        """The ready job specs the service offers."""
        return self._request("GET", "/v1/examples")

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        response = self.session.request(method, self.url + path, **kwargs)
        if response.status_code >= 400:
            raise ApiError(response.status_code, _problem(response))
        return response.json() if response.content else None


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    return {
        "title": response.reason or "Error",
        "status": response.status_code,
        "detail": response.text[:500] or None,
    }
