"""What an instructor picks in the deep-linking picker, and how it travels: as the resource
link's custom parameters (strings, as LTI carries them), back in every student launch, and
into the learner session's scope.

    preset  one of the presets (model.presets)
    digit   a held-out example's index, or "random": each student's launch draws one
    kinds   comma-separated exercise kinds, empty for all
    count   exercises in the round, the grade's maximum
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pydantic import ValidationError

from model.presets import PRESETS, describe
from model.spec import DIGITS_COUNT, MNIST_SPLITS

from ..learners import MAX_COUNT, Scope
from ..practice.schemas import KIND_NAMES
from .refusals import LaunchRefused

RANDOM = "random"
MOST = min(MAX_COUNT, 20)  # exercises in a round: the page's practice takes 1 to 20


def held_out(preset: str) -> int:
    """How many examples the preset was not trained on: the digits a student may be given."""
    recipe = describe(preset)["recipe"]
    if recipe["dataset"] == "mnist":
        return sum(n for split, n in MNIST_SPLITS.items() if split != recipe["split"])
    return DIGITS_COUNT


@dataclass(frozen=True)
class Choice:
    preset: str
    digit: str  # an index, or "random"
    kinds: tuple[str, ...]  # empty: every kind
    count: int

    def custom(self) -> dict[str, str]:
        return {
            "preset": self.preset,
            "digit": self.digit,
            "kinds": ",".join(self.kinds),
            "count": str(self.count),
        }

    @property
    def title(self) -> str:
        digit = "a random digit" if self.digit == RANDOM else f"digit {self.digit}"
        return f"backprop-lab practice: {self.preset}, {digit}, {self.count} exercises"

    def scope(self) -> Scope:
        """The learner session's scope; a random digit is drawn now, for this launch."""
        digit = secrets.randbelow(held_out(self.preset)) if self.digit == RANDOM else self.digit
        return Scope(
            preset=self.preset,
            digit=int(digit),
            kinds=",".join(self.kinds) or None,
            count=self.count,
        )


def parse(values: dict[str, str], where: str) -> Choice:
    """A choice from the picker's form or a launch's custom parameters; LaunchRefused naming
    the field otherwise."""

    def bad(field: str, message: str) -> LaunchRefused:
        return LaunchRefused(f"{where}: {field} {message}", status=400, field=field)

    preset = values.get("preset", "")
    if preset not in PRESETS:
        raise bad("preset", f"must be one of {', '.join(PRESETS)}")
    digit = values.get("digit", RANDOM) or RANDOM
    most = held_out(preset) - 1
    if digit != RANDOM and not (digit.isdigit() and int(digit) <= most):
        raise bad("digit", f"must be {RANDOM} or a whole number from 0 to {most}")
    kinds = tuple(k for k in values.get("kinds", "").split(",") if k)
    unknown = [k for k in kinds if k not in KIND_NAMES]
    if unknown:
        raise bad("kinds", f"has {unknown[0]!r}; the kinds are {', '.join(KIND_NAMES)}")
    count = values.get("count", "5")
    if not count.isdigit() or not 1 <= int(count) <= MOST:
        raise bad("count", f"must be a whole number from 1 to {MOST}")
    choice = Choice(preset, str(int(digit)) if digit != RANDOM else RANDOM, kinds, int(count))
    try:
        choice.scope()
    except ValidationError as error:  # the session's own rules, should they be stricter
        raise bad("(choice)", str(error)) from error
    return choice
