"""The tool with a worker of its own and the fake platform registered with it: what the LTI
flow and passback tests start (tests/e2e/test_lti_*.py, bench/lti.py does the same in its own
processes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from api.lti.platforms import Platform, Registry
from bench.lti_platform import FakePlatform, fake_platform
from tests.support.processes import api_server, purge_queues, worker_process

PREFIX = "lti-"  # queues of these tests' own


@dataclass
class LtiService:
    tool_url: str
    platform: FakePlatform
    store: redis.Redis


@contextmanager
def lti_service(redis_url: str, folder: Path, **worker_env: str) -> Iterator[LtiService]:
    purge_queues(redis_url, PREFIX)
    with worker_process(redis_url, PREFIX, folder, **worker_env):
        with api_server(redis_url, PREFIX, max_wait=5.0) as tool_url:
            with fake_platform(tool_url) as platform:
                store = redis.Redis.from_url(redis_url)
                registered = Platform(**platform.registration())
                Registry(store).add(registered)
                try:
                    yield LtiService(tool_url, platform, store)
                finally:
                    Registry(store).remove(registered.issuer, registered.client_id)
