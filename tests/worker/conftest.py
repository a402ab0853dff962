import pytest

from worker.records import JobStore


@pytest.fixture
def store(redis_url):
    return JobStore.from_url(redis_url, ttl=600)
