"""Practice on a job: its exercises, the check of an answer, and flashcards with its numbers.

The exercises are built by `api.practice` from the job's stored result (the API computes no
gradient); this module finds the job for the caller and turns practice's refusals into problem
documents: a job that has not succeeded is 409, an exercise id that is not this job's is 404.
"""

from __future__ import annotations

from typing import Any

from . import jobs, practice
from .errors import Problem, invalid
from .practice.flashcards import flashcards
from .practice.schemas import ExercisesQuery

# the result's parts that practice reads (not the gradients or the naive method's numbers)
READS = ["network", "batch", "cost", "wishes", "layers", "examples", "timing"]


def result_of(job_id: str, owner: str | None) -> dict[str, Any]:
    """The result of a succeeded job; 404 for an unknown, expired or another key's job, 409 for
    one that has not succeeded (yet, or ever), 410 once its result was dropped."""
    job, _ = jobs.read(job_id, owner, with_result=False)
    if job["status"] != "succeeded":
        waiting = job["status"] in ("queued", "running")
        raise Problem(
            409,
            "Conflict",
            f"job {job_id!r} is {job['status']}: practice needs a "
            "succeeded job's result" + ("; try again when it has finished" if waiting else ""),
            "job-not-succeeded",
        )
    result = jobs.load_result(job_id, owner, READS)
    if result is None:  # dropped from the result store (result_expired): 410
        raise jobs.no_result(jobs.read(job_id, owner, with_result=False)[0])
    return result


def listing(job_id: str, query: ExercisesQuery, owner: str | None) -> dict[str, Any]:
    result = result_of(job_id, owner)
    try:
        items = practice.exercises(job_id, result, query.count, query.kind_list, query.seed)
    except practice.Unavailable as exc:
        raise invalid(
            [{"field": "kinds", "message": f"this job's result cannot give: {exc}"}]
        ) from None
    return {"job_id": job_id, "seed": query.seed, "exercises": items}


def check(job_id: str, exercise_id: str, given: Any, owner: str | None) -> dict[str, Any]:
    result = result_of(job_id, owner)
    try:
        return practice.answer(job_id, result, exercise_id, given)
    except practice.UnknownExercise:
        raise Problem(
            404,
            "Not Found",
            f"job {job_id!r} has no exercise {exercise_id!r}",
            "exercise-not-found",
        ) from None
    except practice.BadAnswer as exc:
        raise invalid([{"field": "answer", "message": str(exc)}]) from None


def cards(job_id: str | None, owner: str | None) -> dict[str, Any]:
    return {"job_id": job_id, "cards": flashcards(result_of(job_id, owner) if job_id else None)}
