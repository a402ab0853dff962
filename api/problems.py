"""The problem types' pages: `GET /problems/<slug>` for every `type` the API answers or records.

The slugs and their URI (`/problems/<slug>`, relative to the API's URL: RFC 9457 resolves it
against the answer's URL) are worker/problems.py's; here is what each page says: its title and
what it means and what to do. The types are identifiers: compare them, do not parse them. HTTP
errors with nothing to add (404 of an unknown path, 405, 413, 415) keep `about:blank`.
"""

from __future__ import annotations

from html import escape

from flask import Response, abort

from worker.problems import Slug, uri

# slug -> (title, what it means and what to do)
TYPES: dict[Slug, tuple[str, str]] = {
    Slug.VALIDATION: (
        "Invalid request",
        "The body or the query breaks the schema, a rule across "
        "fields, or a limit. `errors` lists each field (a dotted path such as "
        "network.layers.1) with a message, and the limit or the naive cost estimate "
        "where one applies. Fix those fields and send it again.",
    ),
    Slug.MALFORMED_JSON: (
        "Malformed JSON",
        "The body is not strict JSON (NaN, Infinity and numbers "
        "too large for a float are refused). The detail gives the position.",
    ),
    Slug.JOB_NOT_FOUND: (
        "Job not found",
        "No job has this id: it was never issued, it expired "
        "(JOB_TTL after it ended), it was deleted, or it belongs to another API "
        "key.",
    ),
    Slug.SWEEP_NOT_FOUND: (
        "Sweep not found",
        "No sweep has this id: it was never made, it expired (JOB_TTL), it was deleted, or "
        "it belongs to another API key.",
    ),
    Slug.JOB_NOT_SUCCEEDED: (
        "Job has not succeeded",
        "Practice (exercises, answers, a job's "
        "flashcards) is built from a succeeded job's result; this job is "
        "queued, running, failed or cancelled. Wait for it to finish, or run "
        "a new one.",
    ),
    Slug.EXERCISE_NOT_FOUND: (
        "Exercise not found",
        "The job has no exercise with this id: take the ids from GET /v1/jobs/<id>/exercises.",
    ),
    Slug.NO_RESULT: (
        "No result",
        "The job has not succeeded (it is queued, running, failed or "
        "cancelled), so it has no result to give; wait for it to finish.",
    ),
    Slug.RESULT_EXPIRED: (
        "Result expired",
        "The result was dropped from the result store "
        "(RESULT_STORE_BYTES) to make room for newer ones; the job's "
        "`result_expired` says when. Run the spec again for a new result.",
    ),
    Slug.RESULT_STORE_FULL: (
        "Result store full",
        "Jobs in flight hold the result store's room "
        "(RESULT_STORE_BYTES, RESULT_OWNER_BYTES per key): retry after "
        "Retry-After, or ask for less (include, naive.sample).",
    ),
    Slug.EMBED_TOKEN: (
        "Embed token refused",
        "The embed token (POST /v1/embed-tokens) cannot open a learner session: it is unknown, "
        "expired (it lives `expires_in` seconds), already used (each works once), or the page "
        "that presents it is on another origin or asks for another scope than the token names. "
        "The detail says which; have the platform mint a new token for this learner.",
    ),
    Slug.LEARNER_SESSION: (
        "Learner session refused",
        "The X-Learner-Session credential is missing, unknown or expired, or the request is "
        "outside the session's scope: a session practises on its one job, or on jobs of its one "
        "preset, and reads its own score. Open a new session for anything else.",
    ),
    Slug.API_KEY: (
        "API key needed",
        "The service runs with API_KEYS: send one as "
        "`Authorization: Bearer <key>` or `X-API-Key: <key>`.",
    ),
    Slug.QUOTA: (
        "Too many jobs in flight",
        "This API key (or, with keys off, this address) "
        "already has as many jobs of the refused job's class queued or running as "
        "BATCH_QUOTA or INTERACTIVE_QUOTA allow; `in_flight` and `limit` say how many. "
        "Submit again when one has finished (or cancel one).",
    ),
    Slug.HELD: (
        "Too many held requests",
        "This API key (or, with keys off, this address) already holds as many event streams "
        "and `?wait` requests open as HELD_PER_OWNER allows, over all the API's processes; "
        "`held` and `limit` say how many. Close one (or poll `GET /v1/jobs/<id>`), and retry "
        "after Retry-After.",
    ),
    Slug.RATE_LIMIT: (
        "Too many requests",
        "Over RATE_LIMIT (submissions and cancels) or "
        "RATE_LIMIT_READ (reads) for this key or address. Wait the seconds that "
        "Retry-After says.",
    ),
    Slug.UNAVAILABLE: (
        "Service unavailable",
        "The job store or the queue (Redis) does not "
        "answer. Retry after Retry-After seconds; accepted jobs are kept.",
    ),
    Slug.NOT_READY: (
        "Not ready",
        "Redis does not answer, or no worker answered a ping: jobs are "
        "accepted but wait in the queue until a worker starts.",
    ),
    Slug.NO_WORKER: (
        "No worker",
        "A warning on a queued job: no worker answers, so the job waits "
        "in the queue and starts when one does. Start one (`backprop-lab worker`).",
    ),
    Slug.SPEC: (
        "The spec cannot run",
        "The job was accepted but cannot run as given, e.g. the "
        "network overflows on this batch (the cost or a gradient is not finite).",
    ),
    Slug.TIME_LIMIT: (
        "Time limit",
        "The job ran past JOB_SOFT_TIME_LIMIT (or the hard limit) "
        "and was stopped. Sample fewer parameters (naive.sample) or use a smaller "
        "batch.",
    ),
    Slug.NOT_FINITE: (
        "Result not finite",
        "The result held NaN or infinity, which JSON cannot carry; use smaller weights or inputs.",
    ),
    Slug.INTERNAL: (
        "Internal error",
        "A bug in the service; it is logged. Report it with the request that caused it.",
    ),
    Slug.LTI_LAUNCH: (
        "LTI launch refused",
        "A course platform's LTI 1.3 login or launch did not pass: its id_token's signature, "
        "issuer, audience, times, nonce, deployment or the browser's state. `detail` names "
        "what failed. No session was opened; start the activity again from the course, and "
        "if it fails again the platform's registration (backprop-lab lti list) needs a look.",
    ),
}


def page(slug: str) -> Response:
    """The page of one problem type (404 for an unknown one)."""
    if slug not in TYPES:
        abort(404, f"no problem type {slug!r}")
    title, text = TYPES[slug]
    body = (
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{escape(title)}'
        f"</title><h1>{escape(title)}</h1><p><code>{escape(uri(slug))}</code></p>"
        f"<p>{escape(text)}</p></html>\n"
    )
    return Response(body, mimetype="text/html")
