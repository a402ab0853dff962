"""RabbitMQ for the tests (and bench): a virtual host of one test run on the machine's RabbitMQ,
and rabbitmq-server nodes of a test's own (their own name, port and data) to stop and restart.

The machine's RabbitMQ is at TEST_RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672). A
run makes its own vhost with `rabbitmqctl` (root, or the rabbitmq user) and deletes it at the
end, so its queues, messages and worker pings never meet another run's.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.processes import free_port
from tests.support.waiting import wait_until

SERVER = os.environ.get("TEST_RABBITMQ_URL") or "amqp://guest:guest@127.0.0.1:5672"
# the server script itself: Debian's /usr/sbin one re-runs it as the rabbitmq user
SERVER_SCRIPTS = ("/usr/lib/rabbitmq/bin/rabbitmq-server", "rabbitmq-server")


def answers(url: str, timeout: float = 1.0) -> bool:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=timeout) as connection:
            connection.connect()
        return True
    except Exception:
        return False


def rabbitmqctl(*args: str) -> str:
    out = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {out.stderr.strip() or out.stdout}")
    return out.stdout


def why_no_vhost(server: str = SERVER) -> str | None:
    """None when a vhost can be made here, else the reason (for a skip)."""
    if not answers(server):
        return f"no RabbitMQ answers at {urlsplit(server).hostname}:{urlsplit(server).port}"
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl is not installed (it makes the run's own vhost)"
    try:
        rabbitmqctl("list_vhosts")
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return f"rabbitmqctl cannot reach the node (run as root or rabbitmq): {exc}"
    return None


@contextmanager
def vhost(server: str = SERVER) -> Iterator[str]:
    """A vhost of its own on `server`, for its user; yields the URL, deletes it after."""
    name = f"backprop-lab-test-{secrets.token_hex(4)}"
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl(
            "set_permissions", "-p", name, urlsplit(server).username or "guest", ".*", ".*", ".*"
        )
        yield f"{server}/{name}"
    finally:
        rabbitmqctl("delete_vhost", name)


def server_script() -> str | None:
    for candidate in (os.environ.get("RABBITMQ_SERVER"), *SERVER_SCRIPTS):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


class Node:
    """A rabbitmq-server node of our own in `folder`, listening on `addresses` at one port.

    Stopped and started again on the same folder it keeps its durable queues and persistent
    messages, as a production broker does. `heartbeat` (seconds) is the broker's: a worker
    whose link is cut loses its unacknowledged messages to the others after about that long.
    """

    def __init__(
        self, folder: Path, addresses: tuple[str, ...] = ("127.0.0.1",), heartbeat: int = 60
    ):
        script = server_script()
        if script is None:
            raise RuntimeError("rabbitmq-server is not installed")
        self.script, self.folder, self.port = script, folder, free_port()
        self.url = f"amqp://guest:guest@{addresses[0]}:{self.port}//"
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)
        listeners = "\n".join(
            f"listeners.tcp.{i} = {address}:{self.port}" for i, address in enumerate(addresses, 1)
        )
        (folder / "rabbitmq.conf").write_text(
            f"{listeners}\nloopback_users.guest = false\nheartbeat = {heartbeat}\n"
        )
        (folder / "rabbitmq-env.conf").write_text("")  # not the machine's node's
        (folder / "enabled_plugins").write_text("[].\n")
        self.env = os.environ | {
            "HOME": str(folder),  # its own Erlang cookie
            "RABBITMQ_NODENAME": f"backprop-lab-{secrets.token_hex(4)}@localhost",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(folder / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(folder / "pid"),
        }

    def start(self) -> None:
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.script],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until(
                lambda: self.process.poll() is not None or answers(self.url),
                "rabbitmq-server",
            )
        except TimeoutError:
            self.stop()
            raise
        if self.process.poll() is not None:
            log = (self.folder / "server.log").read_text()[-2000:]
            raise RuntimeError(f"rabbitmq-server exited: {log}")

    def stop(self) -> None:
        """The node's own orderly stop (SIGTERM), SIGKILL past a bound."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def node(
    folder: Path, addresses: tuple[str, ...] = ("127.0.0.1",), heartbeat: int = 60
) -> Iterator[Node]:
    """A started Node, stopped at the end."""
    server = Node(folder, addresses, heartbeat)
    server.start()
    try:
        yield server
    finally:
        server.stop()
