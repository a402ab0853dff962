"""Every setting of the service, read from the environment once, each with one default.

`Settings()` reads the environment (a variable per field, the field's name in upper case; an
empty variable counts as unset); `Settings(redis_url=..., max_wait=...)` overrides fields and
reads the rest. The API, the worker and the `backprop-lab` command all take their settings
from here, and docs/settings.md lists every field.

It lives in `worker/` because the worker is the lowest layer that has settings (`model/` has
none, it takes `Limits` as an argument) and the API and the command already depend on the
worker: importing this module starts nothing, configures no Celery app and loads no NumPy.
Defaults work on a bare machine: a Redis on localhost, limits that keep one job under about a
minute on a laptop, and CORS open to every origin (the API holds no cookies or user data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from model import Limits


def _whole(value: Any) -> Any:
    """Counts may be written as 5e11 or 5_000."""
    return int(float(value)) if isinstance(value, str) else value


def _comma_list(value: Any) -> Any:
    """`a, b` -> ("a", "b"): lists are comma-separated in the environment."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


@dataclass(frozen=True)
class Budget:
    """What stored results may take in Redis (worker/results.py), from the settings."""

    total: int  # bytes for every stored result together
    per_owner: int  # bytes for one API key's results; 0: no bound of their own


Count = Annotated[int, BeforeValidator(_whole)]
CommaList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_list)]

LIMITS = (
    "max_layers",
    "max_width",
    "max_batch",
    "max_parameters",
    "max_naive_multiply_adds",
    "max_per_example_numbers",
    "max_training_multiply_adds",
)  # make model.Limits


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, extra="forbid")

    # -- where things are (API, worker, command)
    redis_url: str = "redis://127.0.0.1:6379/0"  # job records, rate counts, Celery results
    broker_url: str = ""  # the Celery broker; empty: the Redis at redis_url
    queue_prefix: str = ""  # before the queue names `interactive` and `batch` (worker/queues.py)
    job_ttl: Count = 24 * 3600  # seconds a job record lives after it is created or finishes

    # -- what a job may ask for (API)
    max_wait: float = 10.0  # upper bound of POST /v1/jobs?wait=S
    max_body_bytes: Count = 8 * 1024 * 1024
    max_body_keys: Count = 1000  # a body's object members, counted before parsing (api/body_shape)
    max_body_containers: Count = 100_000  # ... its objects and arrays
    max_body_depth: Count = 32  # ... how deep they nest
    max_layers: Count = 16
    max_width: Count = 4096
    max_batch: Count = 2000
    max_parameters: Count = 1_000_000  # results carry several numbers per parameter
    max_naive_multiply_adds: Count = 500_000_000_000
    max_per_example_numbers: Count = 5_000_000
    max_result_bytes: Count = 128 * 1024**2  # a result's estimated JSON (see result_size)
    max_training_multiply_adds: Count = 500_000_000_000  # train: steps and evaluations

    # -- what results may take in Redis (worker/results.py; API and worker)
    result_store_bytes: Count = 4 * 1024**3  # every stored (compact) result together
    result_owner_bytes: Count = -1  # one API key's results; -1: a quarter of the store; 0: none
    result_cache: bool = True  # a job whose result is stored is served it (worker/cache.py)

    # -- job classes (API): see api/classes.py
    interactive_seconds: float = 0.5  # estimated seconds of one core up to which a job is
    #                                   interactive (its own queue); above it, batch
    interactive_result_bytes: Count = 16 * 1024**2  # ... and whose result's estimated JSON is
    #                                                 at most this; above it, batch
    batch_quota: Count = 4  # an owner's (API key, else address) batch jobs queued or running
    interactive_quota: Count = 200  # ... and interactive ones: a class behind one address
    max_sweep_points: Count = 200  # points (child jobs) of one sweep's grid
    sweep_in_flight: Count = 2  # a sweep's children released (queued or running) at a time

    # -- who may call, and how often (API)
    cors_origins: CommaList = ("*",)
    api_keys: CommaList = Field(default=(), repr=False)  # empty: jobs are open to all
    rate_limit: str = ""  # POST and DELETE per key or address, e.g. "60/minute"; empty: none
    rate_limit_read: str = ""  # the other /v1 requests (not health, ready); empty: none
    frame_ancestors: CommaList = ()  # who may frame the page outside a learner session
    embed_token_seconds: Count = 300  # the longest an embed token waits to be used (api)
    learner_session_seconds: Count = 4 * 3600  # a learner session's life, its score's too

    # -- how the worker runs a job (worker)
    job_soft_time_limit: float = 300.0  # seconds before a running job is stopped, failed
    job_time_limit: float | None = None  # hard limit; None: soft + 30
    visibility_timeout: float | None = None  # see worker/celery_config.py; None: 2 x hard + 60
    naive_split_passes: Count = 10_000  # a naive job of this many passes runs as parts
    naive_parts: Count = 4  # ... cut into this many parts (worker/split.py)
    worker_lease_seconds: float = 5.0  # Redis broker: a dead worker's messages go back after
    #                                   this (worker/leases.py)
    batch_nice: int = 10  # a batch-only worker's CPU priority step (worker/priority.py)

    # -- answers (API): see api/compression.py
    compress_max_bytes: Count = 16 * 1024**2  # a job answer whose result's JSON is estimated
    #                                          above this is sent uncompressed; 0: none are

    # -- the links the API writes (api/public_url.py)
    public_base_url: str = ""  # e.g. https://lab.example.org; empty: see trusted_proxies
    trusted_proxies: Count = 0  # proxies whose X-Forwarded-* to trust; 0: the own address

    # -- the API's processes (gunicorn.conf.py)
    web_concurrency: Count = 2  # gunicorn processes
    web_connections: Count = 1000  # gevent: requests one process holds at once (waits, streams)
    held_per_owner: Count = 100  # streams and ?waits one owner holds open, over all processes
    api_redis_connections: Count = 50  # Redis connections one API process keeps at most
    api_redis_idle_seconds: float = 30.0  # ... closing each one idle this long (api/redis_pool.py)

    # -- LTI 1.3 launches (api/lti/)
    lti_clock_skew: float = 60.0  # seconds an id_token's exp and iat may be off by
    lti_login_seconds: Count = 600  # a login's state and nonce wait this long for the launch
    lti_platform_keys_seconds: Count = 300  # a platform's key set is kept this long (refetched
    #                                         at once for an unknown kid)
    lti_score_attempts: Count = 6  # tries to send a round's score before it is recorded failed
    lti_score_retry_seconds: float = 5.0  # the first wait before another try, doubled each time
    #                                       (a platform's Retry-After instead, when it gives one)

    # -- the `backprop-lab` command
    host: str = "127.0.0.1"  # `run` and `serve` bind here
    port: int = 8000
    backprop_lab_var: Path = Path("var")  # `run`'s embedded Redis keeps its data here

    @property
    def broker(self) -> str:
        return self.broker_url or self.redis_url

    @property
    def broker_name(self) -> str:
        """What holds the queues, for messages: Redis, or RabbitMQ (an amqp:// BROKER_URL)."""
        return "Redis" if is_redis(self.broker) else "RabbitMQ"

    @property
    def hard_time_limit(self) -> float:
        return self.job_time_limit or self.job_soft_time_limit + 30

    @property
    def visibility_seconds(self) -> float:
        """A message can wait unacked behind one running job (prefetch) and then run itself,
        so by default twice the hard limit, and a minute more."""
        return self.visibility_timeout or 2 * self.hard_time_limit + 60

    @property
    def budget(self) -> Budget:
        owner = self.result_owner_bytes
        return Budget(self.result_store_bytes, self.result_store_bytes // 4 if owner < 0 else owner)

    @property
    def limits(self) -> Limits:
        from model import Limits  # here, so that reading settings does not load NumPy

        return Limits(**{name: getattr(self, name) for name in LIMITS})
