"""`GET /v1/jobs/<id>/events`: a job's progress pushed as server-sent events (text/event-stream).

The stream sends `progress` events (`{"id", "status", "progress"}`) whenever the job's status or
passes done change, then one `end` event carrying the finished job (as `GET /v1/jobs/<id>`
shows it), and closes. A job that expires under the stream ends it with an `error` event (the
404 problem document). Between events a comment line every KEEPALIVE seconds keeps proxies
from closing an idle stream and finds a client that went away: the write fails and the stream
stops, freeing its place among the held requests.

It wakes at once when the job ends (the process's one subscriber, api/wakeups.py) and looks
at the progress every TICK seconds otherwise, so under gunicorn's gevent worker a stream costs
one greenlet and a short Redis read each tick, neither a thread nor a connection of its own. A
stream never lives longer than `lifetime` seconds (the job time limit plus the wait limit): a
client still interested then opens a new one. A stream is a held request of its owner
(api/holds.py): over HELD_PER_OWNER it is refused with 429 before it starts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context

from . import holds, jobs, problems, results
from .errors import Problem

TICK = 0.5
KEEPALIVE = 2.0
RETRY_MS = 2000  # EventSource's reconnect delay


def event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def stream(job_id: str, owner: str | None, holder: str, lifetime: float) -> Response:
    jobs.find(job_id, owner)  # 404 (or another owner's job) before the stream starts
    hold = holds.take(
        jobs.services().store.redis,
        "stream",
        holder,
        jobs.services().settings.held_per_owner,
        holds.HOLD_HORIZON,
    )  # 429 before the stream starts
    try:
        body = stream_with_context(_events(job_id, owner, lifetime, hold))
        response = Response(
            body,
            mimetype="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    except BaseException:
        hold.release()
        raise
    response.call_on_close(hold.release)  # also when the body never started
    return response


def _events(
    job_id: str, owner: str | None, lifetime: float, hold: holds.Hold
) -> Iterator[str | bytes]:
    s = jobs.services()
    store = s.store
    deadline = time.monotonic() + lifetime
    with s.wakeups.watch(job_id) as ended:
        yield f"retry: {RETRY_MS}\n\n"
        last, written, refreshed = None, time.monotonic(), time.monotonic()
        while time.monotonic() < deadline:
            status, progress = store.redis.hmget(store.key(job_id), ("status", "progress"))
            if status is None:
                yield event("error", _gone(job_id))
                return
            if status in jobs.TERMINAL:
                yield from _end(job_id, owner)
                return
            now = time.monotonic()
            if (status, progress) != last:
                last, written = (status, progress), now
                yield event(
                    "progress",
                    {"id": job_id, "status": status, "progress": json.loads(progress or "null")},
                )
            elif now - written >= KEEPALIVE:
                written = now
                yield ": keep-alive\n\n"
            if now - refreshed >= holds.HOLD_HORIZON / 3:
                refreshed = now
                hold.renew()
            ended.wait(TICK)


def _end(job_id: str, owner: str | None) -> Iterator[str | bytes]:
    """The `end` event: its name first, then the finished job as GET shows it, written from
    the stored result piece by piece (one line: JSON escapes every newline). A reader that
    only wants to know that the job ended has it before the job's megabytes are made."""
    yield "event: end\ndata: "
    record, stored = jobs.read(job_id, owner)
    yield from results.job_pieces(record, stored)
    yield "\n\n"


def _gone(job_id: str) -> dict[str, Any]:
    problem: Problem = jobs.not_found(job_id)
    return {
        "type": problems.uri(problem.slug),
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
