"""Worker hosts on one machine: Linux network namespaces, each joined to this one by a veth
link of its own. This namespace is the server host (Redis, the broker, the API); a process run
with a host's `prefix` sees only its loopback and its link, so it reaches the server at
`host.server` and nothing else. Needs root and iproute2 (`ip`).

bench.brokers runs workers on them, and so does tests/e2e/test_worker_hosts.py: the one
definition lives here because bench stands on its own (it imports nothing of tests/), and this
module needs the standard library only.

Names carry a random suffix and the links a random 10.x.y.0/24 that no route here uses yet,
so that runs side by side never meet. Everything is deleted on the way out, even on failure.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass


def ip(*args: str) -> str:
    command = ["ip", *args]  # ip(8) from PATH, a list, no shell
    out = subprocess.run(command, capture_output=True, text=True, timeout=30)  # noqa: S603, S607
    if out.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


@dataclass(frozen=True)
class Host:
    namespace: str
    link: str  # this side's end of the host's veth link
    address: str  # the host's own, on its link
    server: str  # the server host's, on the same link

    @property
    def prefix(self) -> list[str]:
        """Run a command on this host: `[*host.prefix, "python", ...]`."""
        return ["ip", "netns", "exec", self.namespace]

    def cut(self) -> None:
        """Pull the cable: the link goes down, connections over it hang without a goodbye."""
        ip("link", "set", "dev", self.link, "down")


def why_no_hosts() -> str | None:
    """None when namespaces can be made here, else the reason (for a skip)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "ip (iproute2) is not installed"
    probe = f"bpl-probe-{secrets.token_hex(3)}"
    try:
        ip("netns", "add", probe)
        ip("netns", "del", probe)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot make a network namespace: {exc}"
    return None


def unused_subnet() -> str:
    """'10.x.y.' of a /24 that no address or route here mentions."""
    used = ip("-4", "route", "show", "table", "all") + ip("-4", "addr")
    while True:
        second, third = random.randint(64, 254), random.randint(0, 255)  # noqa: S311  no secret
        prefix = f"10.{second}.{third}."
        if prefix not in used:
            return prefix


@contextmanager
def worker_hosts(count: int) -> Iterator[list[Host]]:
    """`count` hosts, link i a /30 of one unused 10.x.y.0/24: server .4i+1, host .4i+2."""
    suffix, subnet = secrets.token_hex(3), unused_subnet()
    with ExitStack() as undo:
        hosts = []
        for i in range(count):
            namespace, link = f"bpl-{suffix}-{i}", f"bpl{suffix}h{i}"
            server, address = f"{subnet}{4 * i + 1}", f"{subnet}{4 * i + 2}"
            ip("netns", "add", namespace)
            undo.callback(ip, "netns", "del", namespace)  # takes the link's other end along
            ip("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            undo.callback(_quietly_delete, link)
            ip("addr", "add", f"{server}/30", "dev", link)
            ip("link", "set", "dev", link, "up")
            for args in (
                ["addr", "add", f"{address}/30", "dev", "eth0"],
                ["link", "set", "dev", "eth0", "up"],
                ["link", "set", "dev", "lo", "up"],
            ):
                ip("-n", namespace, *args)
            hosts.append(Host(namespace, link, address, server))
        yield hosts


def _quietly_delete(link: str) -> None:
    try:
        ip("link", "del", link)
    except RuntimeError:
        pass  # gone with its namespace already
