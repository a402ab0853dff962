"""At start-up the API and the worker refuse a Redis that would evict job records or queued jobs
(a private redis-server each time: its memory settings are changed)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import redis

from api import create_app
from tests.support.processes import ROOT, redis_server
from worker.redis_check import RedisWillEvict, eviction_problems
from worker.settings import Budget, Settings

BUDGET = Budget(64 * 1024**2, 16 * 1024**2)


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("evicting-redis")) as url:
        yield url


def configured(url: str, policy: str, maxmemory: int) -> redis.Redis:
    client = redis.Redis.from_url(url, decode_responses=True)
    client.config_set("maxmemory-policy", policy)
    client.config_set("maxmemory", maxmemory)
    return client


@pytest.mark.parametrize(
    "policy", ["allkeys-lru", "volatile-lru", "volatile-ttl", "allkeys-random"]
)
def test_an_evicting_policy_is_refused_by_the_api(url, policy):
    configured(url, policy, 1024**3)
    with pytest.raises(RedisWillEvict, match=f"maxmemory-policy {policy}.*noeviction"):
        create_app(Settings(redis_url=url, result_store_bytes=BUDGET.total))


def test_noeviction_passes_and_a_low_or_missing_maxmemory_is_a_warning(url):
    assert eviction_problems(configured(url, "noeviction", 1024**3), BUDGET) == []
    low = eviction_problems(configured(url, "noeviction", 100 * 1024**2), BUDGET)
    assert len(low) == 1 and "below RESULT_STORE_BYTES" in low[0]
    unset = eviction_problems(configured(url, "allkeys-lru", 0), BUDGET)  # no limit: no eviction
    assert len(unset) == 1 and "no maxmemory" in unset[0]


def test_a_redis_that_does_not_answer_is_a_warning_not_a_refusal():
    client = redis.Redis(port=1, socket_connect_timeout=0.2)
    assert "does not answer" in eviction_problems(client, BUDGET)[0]


def test_a_worker_on_an_evicting_redis_exits_saying_why(url):
    configured(url, "volatile-lru", 1024**3)
    env = {"REDIS_URL": url, "QUEUE_PREFIX": "never-used-", "PATH": "/usr/bin:/bin"}
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        configured(url, "noeviction", 0)
    assert done.returncode != 0
    assert "maxmemory-policy volatile-lru" in done.stderr + done.stdout
