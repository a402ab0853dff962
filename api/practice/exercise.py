"""An exercise, what a client sees of it, and how an answer to it is checked.

A client sees `{"id", "kind", "prompt", "data", "answer"}`, where `answer` describes what is
accepted: `{"type": "choice", "options"}` or `{"type": "number", "tolerance"}`. The expected
answer and its explanation stay on the server until an answer comes.

A number is right when |answer - expected| <= tolerance x |expected| (plus 1e-12, so that an
expected 0 can be hit): `tolerance` is relative, 0 means exact. A choice is right when it is
one of the `accepted` options: usually the expected one alone, every tied option on a tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Value = int | float | str
FLOOR = 1e-12


class UnknownExercise(LookupError):
    """The id names no exercise of this job (malformed, out of range, or another job's)."""


class BadAnswer(ValueError):
    """The answer is not of the kind the exercise accepts (a message for the client)."""


class Unavailable(ValueError):
    """This job's result cannot give this kind of exercise (a message for the client)."""


@dataclass(frozen=True)
class Exercise:
    kind: str
    prompt: str
    data: dict[str, Any]
    answer: dict[str, Any]
    expected: Value
    explanation: str
    accepted: tuple[Value, ...] = ()

    def __repr__(self) -> str:
        return f"Exercise({self.kind!r}, {self.data})"

    def public(self, exercise_id: str) -> dict[str, Any]:
        return {
            "id": exercise_id,
            "kind": self.kind,
            "prompt": self.prompt,
            "data": self.data,
            "answer": self.answer,
        }

    def check(self, given: Any) -> dict[str, Any]:
        """{"correct", "expected", "explanation"}; BadAnswer when `given` cannot be an answer."""
        if self.answer["type"] == "number":
            if not _finite_number(given):
                raise BadAnswer("this exercise takes a finite number")
            slack = self.answer["tolerance"] * abs(self.expected) + FLOOR
            correct = abs(given - self.expected) <= slack
        else:
            options = self.answer["options"]
            if (
                isinstance(given, bool)
                or given not in options
                or type(given) is not type(options[options.index(given)])
            ):
                raise BadAnswer(f"answer one of the options {options}")
            correct = given in (self.accepted or (self.expected,))
        return {
            "correct": bool(correct),
            "expected": self.expected,
            "explanation": self.explanation,
        }


def _finite_number(given: Any) -> bool:
    """An int or float that is finite as a float: JSON allows integers of any length, and
    math.isfinite raises on one past float's range (10**400)."""
    if isinstance(given, bool) or not isinstance(given, int | float):
        return False
    try:
        return math.isfinite(given)
    except OverflowError:
        return False


def choice(options: list[Value]) -> dict[str, Any]:
    return {"type": "choice", "options": options}


def number(tolerance: float) -> dict[str, Any]:
    return {"type": "number", "tolerance": tolerance}
