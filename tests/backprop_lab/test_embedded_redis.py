"""The run command's Redis helpers (the run command's own test starts the server)."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from backprop_lab import embedded


def test_the_bundled_server_binary_is_executable():
    binary = embedded.server_binary()
    assert binary.name == "redis-server" and os.access(binary, os.X_OK)


def test_free_port_prefers_the_given_port_unless_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        other = embedded.free_port(port)
        assert other != port and other > 0
    assert embedded.free_port(port) == port


@pytest.mark.parametrize(
    "url, port",
    [
        ("redis://127.0.0.1:6390/2", 6390),
        ("redis://localhost/0", 6379),
        ("redis://redis.example:6390/0", 6379),
    ],
)
def test_port_of(url, port):
    assert embedded.port_of(url) == port


def test_local_url_keeps_the_database_number():
    assert embedded.local_url(7000, "redis://127.0.0.1:6379/11") == "redis://127.0.0.1:7000/11"
    assert embedded.local_url(7000, "redis://127.0.0.1:6379") == "redis://127.0.0.1:7000/0"


def test_answers_is_false_where_nothing_listens():
    assert embedded.answers("redis://127.0.0.1:9/0", timeout=0.2) is False
    assert embedded.answers("not a url") is False


def test_the_data_folder_is_made_private_with_what_an_older_server_left(tmp_path):
    data = tmp_path / "var" / "redis"
    data.mkdir(parents=True)
    (data / "appendonly.aof").write_text("*1\r\n")
    (data / "appendonly.aof").chmod(0o644)
    embedded.prepare_data_dir(data)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "appendonly.aof").stat().st_mode) == 0o600
