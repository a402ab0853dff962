"""Practice in the terminal: exercises shown as text, answers read from what a person types,
and a short round that the service checks answer by answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .client import ApiError, Client
from .report import number


def _numbers(data: dict[str, Any]) -> list[str]:
    """The exercise's numbers, one `name: value` line each (its indices are in the prompt)."""
    lines = []
    for name, value in data.items():
        if (
            name in ("layer", "neuron", "previous", "example", "quantity", "direction", "variant")
            or value is None
        ):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = "; ".join(", ".join(f"{k} {_cell(v)}" for k, v in row.items()) for row in value)
        elif isinstance(value, list):
            value = ", ".join(_cell(v) for v in value)
        lines.append(f"  {name.replace('_', ' ')}: {_cell(value)}")
    return lines


def _cell(value: Any) -> str:
    # six significant digits: sums of the shown (rounded) shares stay within the tolerance
    return number(value, 6) if isinstance(value, float) else str(value)


def show(exercise: dict[str, Any]) -> str:
    accepts = exercise["answer"]
    how = (
        "one of " + ", ".join(map(str, accepts["options"]))
        if accepts["type"] == "choice"
        else "a number"
        + (" (exact)" if accepts["tolerance"] == 0 else f" (within {accepts['tolerance']:.0%})")
    )
    return "\n".join(
        [
            f"[{exercise['kind']}] {exercise['prompt']}",
            *_numbers(exercise["data"]),
            f"  answer with {how}",
        ]
    )


def parse(text: str, exercise: dict[str, Any] | None = None) -> int | float | str:
    """What a person typed, as the answer the service expects: an option as it is written
    (an integer option from its digits), else a number, else the text."""
    text = text.strip().replace("\u2212", "-")
    options = (exercise or {}).get("answer", {}).get("options")
    if options is not None:
        for option in options:
            if str(option) == text:
                return option
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def verdict(check: dict[str, Any]) -> str:
    expected = check["expected"]
    shown = number(expected, 4) if isinstance(expected, float) else str(expected)
    head = "right." if check["correct"] else f"not quite: the answer is {shown}."
    return f"{head}\n  {check['explanation']}"


def practice_round(
    client: Client,
    job_id: str,
    count: int,
    seed: int,
    ask: Callable[[str], str] | None = None,
    say: Callable[[str], None] = print,
) -> tuple[int, int]:
    """Ask `count` exercises of the job one by one; (right, asked). An empty answer skips."""
    ask = ask or input
    right = asked = 0
    for exercise in client.exercises(job_id, count=count, seed=seed)["exercises"]:
        say("\n" + show(exercise))
        check = _ask_until_valid(client, job_id, exercise, ask, say)
        if check is None:
            say("skipped.")
            continue
        asked += 1
        right += check["correct"]
        say(verdict(check))
    say(f"\nscore: {right} of {asked}")
    return right, asked


def _ask_until_valid(
    client: Client,
    job_id: str,
    exercise: dict[str, Any],
    ask: Callable[[str], str],
    say: Callable[[str], None],
) -> dict | None:
    """The service's check of the first answer it accepts; None when the person skips."""
    while text := ask("> ").strip():
        try:
            return client.answer(job_id, exercise["id"], parse(text, exercise))
        except ApiError as error:
            if error.status != 422:
                raise
            say(f"{error.errors[0]['message'] if error.errors else error.detail}; try again")
    return None
