"""A small `requests` client for the backprop-lab HTTP API (`/v1`), for scripts and notebooks.

Every method returns the service's JSON as plain dicts (a job is the job resource of
docs/contract.md); every error answer raises `ApiError` carrying the problem+json document.

    client = Client("http://127.0.0.1:8000")
    job = client.submit({"network": {"layers": [2, 3, 2]}, ...})
    job = client.wait(job["id"], progress=True)  # a progress bar on stderr
    job["result"]["timing"]["speedup"]
    client.arrays(job["id"])["gradients/weights/0"]  # NumPy arrays, from result.npz
    for i, job in client.submit_many(specs, max_in_flight=4):  # a study, within the quota
        ...

A 429 (over the quota of jobs in flight, or a rate limit) is retried after its Retry-After,
up to `retries` times; then it raises ApiError with `retry_after`.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as first_done
from pathlib import Path
from typing import Any

import requests

from .progress import ProgressBar
from .sse import CHUNK, lines_of, parse_events
from .sweeping import SweepResult, arrays_of, run_sweep

DEFAULT_URL = "http://127.0.0.1:8000"
FINISHED = ("succeeded", "failed", "cancelled")
Progress = Callable[[int, int], None]
Spec = Mapping[str, Any] | str | os.PathLike[str]
JOB_FIELDS = ("id", "status", "progress", "error")  # what a wait needs, whatever else is asked


class ApiError(Exception):
    """The service answered with an error: `status` and the problem+json `problem`
    ({"type", "title", "status", "detail", "errors": [{"field", "message", "limit"?}]})."""

    def __init__(self, status: int, problem: dict[str, Any], retry_after: float | None = None):
        self.status = status
        self.problem = problem
        self.retry_after = retry_after  # seconds, from Retry-After (429, 503, 507), else None
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
        retries: int = 5,
        max_retry_wait: float = 60.0,
    ):
        """`retries`: how many times a 429 is retried after its Retry-After (at most
        `max_retry_wait` seconds each) before ApiError is raised."""
        self.url = (url or os.environ.get("BACKPROP_LAB_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.retries, self.max_retry_wait = retries, max_retry_wait
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
                raise ApiError(response.status_code, _problem(response), _retry_after(response))
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
            raise ApiError(response.status_code, _problem(response), _retry_after(response))
        with np.load(io.BytesIO(response.content), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files if not name.endswith(".json")}

    def wait(
        self,
        job: str | Mapping[str, Any],
        timeout: float | None = None,
        poll: float = 0.2,
        progress: Progress | bool | None = None,
        fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Follow the job until it is succeeded, failed or cancelled and return it: its event
        stream, or polling every `poll` seconds if the stream fails. The finished job is read
        once, when the stream says it ended (with `fields`, only those, besides its id,
        status and error), so the wait costs what one `get` of it does.

        `progress(done, total)` is called whenever the pass count moves; `progress=True`
        draws a progress bar on stderr. Raises TimeoutError after `timeout` seconds (None:
        wait as long as it takes)."""
        job_id = job if isinstance(job, str) else job["id"]
        wanted = None if fields is None else [*JOB_FIELDS, *fields]
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = ProgressBar() if progress is True else None
        report = _Moves(bar or progress or None)
        try:
            if self._stream_until_end(job_id, deadline, timeout, report):
                return report.last(self.get(job_id, wanted))
            while True:  # no stream (an older service, a proxy that buffers): poll instead
                current = self.get(job_id, ["status", "progress"])
                report(current.get("progress"))
                if current["status"] in FINISHED:
                    return report.last(self.get(job_id, wanted))
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError(f"job {job_id} still {current['status']} after {timeout} s")
                time.sleep(poll)
        finally:
            if bar is not None:
                bar.close()

    def _stream_until_end(
        self, job_id: str, deadline: float | None, timeout: float | None, report: _Moves
    ) -> bool:
        """Follow the job's events until its `end` (True), or False when no stream is to
        be had; the `end` event's data (the whole job) is left unread."""
        try:
            for name, data in self._events(job_id, until=("end",)):
                if name == "end":
                    return True
                if name == "error":  # the job expired under the stream: get() says 404
                    return False
                report((data or {}).get("progress"))
                if deadline is not None and time.monotonic() >= deadline:
                    status = self.get(job_id, ["status"])["status"]
                    raise TimeoutError(f"job {job_id} still {status} after {timeout} s")
        except (requests.RequestException, ValueError):
            return False
        return False

    def run(
        self,
        spec: Spec,
        timeout: float | None = None,
        progress: Progress | bool | None = None,
        fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Submit, wait, and return the finished job (its `id`, and its `result`); raises
        JobError if the job did not succeed."""
        job = self.wait(self.submit(spec), timeout=timeout, progress=progress, fields=fields)
        if job["status"] != "succeeded":
            raise JobError(job)
        return job

    def submit_many(
        self,
        specs: Iterable[Spec],
        max_in_flight: int = 4,
        timeout: float | None = None,
        fields: Sequence[str] | None = None,
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Run many specs, at most `max_in_flight` of them queued or running at a time (keep
        it within the service's quota: BATCH_QUOTA is 4 by default; a 429 is retried anyway),
        and yield (the spec's position, the finished job) as each one finishes. A job that
        failed or was cancelled is yielded too (see its `status`); a spec the service refuses
        raises ApiError when its turn comes."""
        pool = ThreadPoolExecutor(max_in_flight, thread_name_prefix="backprop-lab")
        try:
            running: dict[Future, int] = {}
            specs = iter(enumerate(specs))
            for position, spec in specs:
                running[pool.submit(self._copy().run_to_end, spec, timeout, fields)] = position
                if len(running) == max_in_flight:
                    break
            while running:
                done, _ = first_done(running, return_when=FIRST_COMPLETED)
                for future in done:
                    position = running.pop(future)
                    for more, spec in specs:  # keep max_in_flight going
                        running[pool.submit(self._copy().run_to_end, spec, timeout, fields)] = more
                        break
                    yield position, future.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def as_completed(
        self,
        jobs: Iterable[str | Mapping[str, Any]],
        timeout: float | None = None,
        fields: Sequence[str] | None = None,
        max_streams: int = 8,
    ) -> Iterator[dict[str, Any]]:
        """Yield each of these submitted jobs once it has finished, as they finish (followed
        by up to `max_streams` event streams at a time)."""
        jobs = list(jobs)
        if not jobs:
            return
        pool = ThreadPoolExecutor(min(max_streams, len(jobs)), thread_name_prefix="backprop-lab")
        try:
            futures = [
                pool.submit(self._copy().wait, job, timeout, 0.5, None, fields) for job in jobs
            ]
            pending = set(futures)
            while pending:
                done, pending = first_done(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def run_to_end(
        self, spec: Spec, timeout: float | None = None, fields: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Submit (retrying a 429 after its Retry-After) and wait: the finished job, however
        it finished."""
        return self.wait(self.submit(spec), timeout=timeout, fields=fields)

    def events(self, job_id: str) -> Iterator[tuple[str, Any]]:
        """The job's server-sent events as (name, data): ("progress", {"id", "status",
        "progress"}) while it runs, ("keep-alive", None) every few seconds, and last ("end",
        the finished job)."""
        return self._events(job_id)

    def _events(self, job_id: str, until: Sequence[str] = ()) -> Iterator[tuple[str, Any]]:
        with self.session.get(
            f"{self.url}/v1/jobs/{job_id}/events", stream=True, timeout=self.timeout
        ) as response:
            if response.status_code >= 400:
                raise ApiError(response.status_code, _problem(response), _retry_after(response))
            lines = lines_of(response.iter_content(CHUNK))
            for name, data in parse_events(lines, until):
                yield name, data
                if name in ("end", "error"):
                    return

    def _copy(self) -> Client:
        """A client like this one on a session of its own, for another thread (a requests
        Session is not meant to be shared between threads)."""
        session = requests.Session()
        session.headers.update(self.session.headers)
        return Client(
            self.url,
            timeout=self.timeout,
            session=session,
            retries=self.retries,
            max_retry_wait=self.max_retry_wait,
        )

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

    # sweeps (backprop_lab/sweeping.py)
    def sweep(
        self,
        base: Mapping[str, Any],
        grid: Mapping[str, list[Any]],
        timeout: float | None = None,
        progress: Progress | bool | None = None,
    ) -> SweepResult:
        """Run a sweep to its end: the table as NumPy arrays and the fit (`SweepResult`);
        `progress=True` draws a bar of points on stderr."""
        bar = ProgressBar(unit="points") if progress is True else None
        try:
            return run_sweep(self, base, grid, timeout, progress=bar or progress or None)
        finally:
            if bar is not None:
                bar.close()

    def submit_sweep(self, base: Mapping[str, Any], grid: Mapping[str, list[Any]]) -> dict:
        return self._request("POST", "/v1/sweeps", json={"base": dict(base), "grid": dict(grid)})

    def get_sweep(self, sweep_id: str) -> dict[str, Any]:
        return self._request("GET", f"/v1/sweeps/{sweep_id}")

    def cancel_sweep(self, sweep_id: str) -> dict[str, Any]:
        return self._request("POST", f"/v1/sweeps/{sweep_id}/cancel")

    def delete_sweep(self, sweep_id: str) -> None:
        self._request("DELETE", f"/v1/sweeps/{sweep_id}")

    def sweep_arrays(self, sweep_id: str) -> dict[str, Any]:
        """The sweep's table, column name -> NumPy array (from table.npz)."""
        return arrays_of(self._raw(f"/v1/sweeps/{sweep_id}/table.npz").content)

    def sweep_csv(self, sweep_id: str) -> str:
        return self._raw(f"/v1/sweeps/{sweep_id}/table.csv").text

    def _raw(self, path: str) -> requests.Response:
        response = self.session.get(self.url + path, timeout=self.timeout)
        if response.status_code >= 400:
            raise ApiError(response.status_code, _problem(response), _retry_after(response))
        return response

    def examples(self) -> Any:
        """The ready job specs the service offers."""
        return self._request("GET", "/v1/examples")

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        for attempt in range(self.retries + 1):
            response = self.session.request(method, self.url + path, **kwargs)
            if response.status_code != 429 or attempt == self.retries:
                break
            # nothing was done: the quota or the rate limit says when to come back
            time.sleep(min(_retry_after(response) or 1.0, self.max_retry_wait))
        if response.status_code >= 400:
            raise ApiError(response.status_code, _problem(response), _retry_after(response))
        return response.json() if response.content else None


class _Moves:
    """Calls `progress(done, total)` when the pass count has moved since the last call."""

    def __init__(self, progress: Progress | None):
        self.progress, self.seen = progress, None

    def __call__(self, step: Mapping[str, int] | None) -> None:
        if self.progress is not None and step and (step["done"], step["total"]) != self.seen:
            self.seen = (step["done"], step["total"])
            self.progress(*self.seen)

    def last(self, job: dict[str, Any]) -> dict[str, Any]:
        """The finished job, after its final count is reported."""
        self(job.get("progress"))
        return job


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds (the service sends whole seconds), or None."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


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
