"""Limits: what a caller is willing to run, passed to validation as its context.

They are not part of the spec's shape: the library runs unbounded, and the service refuses what
it will not run, naming the limit (`parse_spec(data, limits)`)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationInfo


@dataclass(frozen=True)
class Limits:
    """What a caller is willing to run; None means unbounded (the library's default)."""

    max_layers: int | None = None  # weighted layers, L
    max_width: int | None = None
    max_batch: int | None = None
    max_parameters: int | None = None
    max_naive_multiply_adds: int | None = None  # naive passes x multiply-adds per pass
    max_per_example_numbers: int | None = None  # B x (parameters + neurons) when per_example
    max_training_multiply_adds: int | None = None  # train: steps, evaluations (estimate_cost)


def limits_of(info: ValidationInfo) -> Limits:
    """The limits a validator runs under (unbounded when none were given)."""
    return (info.context or {}).get("limits") or Limits()
