"""The tool over real HTTP and the offline fake platform beside it, registered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from api.lti.platforms import Platform, Registry
from bench.lti_platform import FakePlatform, fake_platform
from tests.support.processes import api_server


@pytest.fixture(scope="module")
def tool_url(redis_url: str) -> Iterator[str]:
    with api_server(redis_url, "lti-no-worker-") as url:
        yield url


@pytest.fixture(scope="module")
def platform(tool_url: str, redis_url: str) -> Iterator[FakePlatform]:
    with fake_platform(tool_url) as made:
        registry = Registry(redis.Redis.from_url(redis_url))
        registered = Platform(**made.registration())
        registry.add(registered)
        yield made
        registry.remove(registered.issuer, registered.client_id)


@pytest.fixture
def store(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)
