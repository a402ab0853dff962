"""The e2e fixtures: the page's browser, and a rabbitmq-server node of this run's own.

One headless Chromium serves every test of the page (tests/support/browser.py), on `base_url`,
the live API's address.

The rabbitmq-server node is shared by the tests that stop it or cut its links.

It listens on loopback and, where network namespaces can be made (root), on the links of two
worker hosts (bench/hosts.py), so that one node boot (several seconds) serves the broker
restart test and the worker hosts test alike. Its heartbeat is short, so that a worker host
cut off loses its messages to the others within seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from bench import hosts
from tests.support import rabbitmq
from tests.support.browser import chromium
from tests.support.processes import unavailable

HEARTBEAT = 5  # seconds; RabbitMQ's default is 60


@pytest.fixture(scope="session")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def base_url(live_api) -> str:
    return live_api.rstrip("/")


@dataclass
class OwnBroker:
    node: rabbitmq.Node
    hosts: list[hosts.Host]  # empty where namespaces cannot be made
    why_no_hosts: str | None


@pytest.fixture(scope="session")
def own_rabbitmq(tmp_path_factory) -> Iterator[OwnBroker]:
    if rabbitmq.server_script() is None:
        unavailable("rabbitmq-server is not installed")
    with ExitStack() as stack:
        reason = hosts.why_no_hosts()
        made = [] if reason else stack.enter_context(hosts.worker_hosts(2))
        node = stack.enter_context(
            rabbitmq.node(
                tmp_path_factory.mktemp("rabbitmq"),
                ("127.0.0.1", *(h.server for h in made)),
                HEARTBEAT,
            )
        )
        yield OwnBroker(node, made, reason)
