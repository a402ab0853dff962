"""Will the configured Redis keep what it is given? Checked when the API and a worker start.

Job records carry a TTL and queued messages sit in lists, so any eviction policy but
`noeviction` lets Redis drop them silently once it reaches `maxmemory` (the `volatile-*`
policies pick exactly the keys with a TTL: job records and results). Results are kept within
RESULT_STORE_BYTES by the service itself (worker/results.py), so Redis never needs to evict:
with `noeviction`, a Redis that is full refuses writes (the API answers 503) and loses nothing.

    eviction_problems(client, budget) -> warnings; raises RedisWillEvict if Redis evicts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import redis

if TYPE_CHECKING:
    from .settings import Budget

log = logging.getLogger(__name__)
HEADROOM = 512 * 1024**2  # beyond the results: job records, queues, Celery's own keys


class RedisWillEvict(RuntimeError):
    """The Redis evicts keys when full: job records and queued jobs could vanish."""


def eviction_problems(client: redis.Redis, budget: Budget) -> list[str]:
    """What is wrong with the Redis' memory settings, as warnings; an evicting policy raises.
    A Redis that does not answer, or hides CONFIG, is a warning: it cannot be checked."""
    where = _where(client)
    try:
        config = client.config_get("maxmemory*")
    except redis.ResponseError as exc:  # CONFIG renamed or forbidden (managed Redis, ACLs)
        return [
            f"cannot read the memory settings of the Redis at {where} ({exc}); make sure "
            "its maxmemory-policy is noeviction"
        ]
    except redis.RedisError as exc:
        return [
            f"the Redis at {where} does not answer ({exc}); its memory settings are not checked"
        ]
    policy, limit = config.get("maxmemory-policy"), int(config.get("maxmemory") or 0)
    if limit and policy != "noeviction":
        raise RedisWillEvict(
            f"the Redis at {where} evicts keys when it is full (maxmemory {limit} bytes, "
            f"maxmemory-policy {policy}): job records and queued jobs could vanish without "
            "a trace. Set `maxmemory-policy noeviction` (results are kept within "
            "RESULT_STORE_BYTES by the service itself)"
        )
    want = budget.total + HEADROOM
    if not limit:
        return [
            f"the Redis at {where} has no maxmemory: set it to at least {want} bytes "
            f"(RESULT_STORE_BYTES + {HEADROOM // 1024**2} MiB for records and queues), "
            "with maxmemory-policy noeviction, so that a full Redis refuses writes "
            "instead of exhausting the machine"
        ]
    if limit < want:
        return [
            f"the Redis at {where} has maxmemory {limit} bytes, below RESULT_STORE_BYTES "
            f"({budget.total}) + {HEADROOM // 1024**2} MiB for records and queues: it may "
            "refuse writes (503) before the result store is full"
        ]
    return []


def _where(client: redis.Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"


def at_worker_start(sender=None, **_) -> None:
    """Celery's worker_init hook (connected by worker/celery.py's make_app): a worker on an
    evicting Redis exits."""
    settings = sender.app.settings
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, decode_responses=True)
    try:
        for warning in eviction_problems(client, settings.budget):
            log.warning(warning)
    except RedisWillEvict as exc:
        log.critical("%s", exc)
        raise SystemExit(f"refusing to start: {exc}") from None
