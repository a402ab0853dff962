"""Every setting of the API, read from the environment in one place (the README's table).

Defaults work on a bare machine: a Redis on localhost, limits that keep one job under about a
minute on a laptop, and CORS open to every origin (the API holds no cookies or user data).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

import model

_LIMITS = ("max_layers", "max_width", "max_batch", "max_parameters", "max_naive_multiply_adds",
           "max_per_example_numbers")  # model.Limits fields, each an env var in upper case


@dataclass(frozen=True)
class Config:
    redis_url: str = "redis://127.0.0.1:6379/0"
    queue: str = "backprop-lab"  # the Celery queue; the worker reads the same variable
    job_ttl: int = 24 * 3600  # seconds a job record lives after it is created or finishes
    max_wait: float = 10.0  # upper bound of POST /v1/jobs?wait=S
    max_body_bytes: int = 8 * 1024 * 1024
    max_layers: int = 16
    max_width: int = 4096
    max_batch: int = 2000
    max_parameters: int = 1_000_000  # results carry several numbers per parameter
    max_naive_multiply_adds: int = 500_000_000_000
    max_per_example_numbers: int = 5_000_000
    cors_origins: tuple[str, ...] = ("*",)
    api_keys: tuple[str, ...] = field(default=(), repr=False)  # empty: jobs are open to all
    rate_limit: str = ""  # POST and DELETE per key or address, e.g. "60/minute"; empty: none
    rate_limit_read: str = ""  # the other /v1 requests (not health, ready), e.g. "600/minute"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None or raw.strip() == "":
                continue
            if f.type.startswith("tuple"):
                values[f.name] = tuple(p.strip() for p in raw.split(",") if p.strip())
            elif f.type == "float":
                values[f.name] = float(raw)
            elif f.type == "int":
                values[f.name] = int(float(raw))  # accepts 5e11
            else:
                values[f.name] = raw.strip()
        return cls(**values)

    @property
    def limits(self) -> model.Limits:
        return model.Limits(**{name: getattr(self, name) for name in _LIMITS})
