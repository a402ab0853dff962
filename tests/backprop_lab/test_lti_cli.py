"""`backprop-lab lti`: platforms registered, listed and removed in the service's Redis, as the
launch reads them (api.lti.platforms)."""

from __future__ import annotations

import json

import pytest
import redis

from api.lti.platforms import Platform, Registry
from backprop_lab.cli import main

ISSUER = "https://moodle.school.test"


def test_add_list_remove(redis_url, monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", redis_url)
    registry = Registry(redis.Redis.from_url(redis_url))
    registry.remove(ISSUER, "tool-1")
    argv = ["lti", "add-platform", "--issuer", ISSUER, "--client-id", "tool-1"]
    argv += ["--deployment", "1", "--deployment", "7"]
    argv += ["--jwks-url", ISSUER + "/mod/lti/certs.php", "--login-url", ISSUER + "/auth"]
    argv += ["--token-url", ISSUER + "/token"]
    assert main(argv) == 0
    assert registry.get(ISSUER, "tool-1") == Platform(
        ISSUER,
        "tool-1",
        ("1", "7"),
        ISSUER + "/mod/lti/certs.php",
        ISSUER + "/auth",
        ISSUER + "/token",
    )
    capsys.readouterr()
    assert main(["lti", "list", "--json"]) == 0
    listed = [p for p in json.loads(capsys.readouterr().out) if p["issuer"] == ISSUER]
    assert listed[0]["deployment_ids"] == ["1", "7"]
    assert main(["lti", "remove", "--issuer", ISSUER, "--client-id", "tool-1"]) == 0
    assert registry.get(ISSUER, "tool-1") is None
    assert main(["lti", "remove", "--issuer", ISSUER, "--client-id", "tool-1"]) == 1


def test_a_url_that_is_no_url_is_refused(redis_url, monkeypatch, capsys):
    monkeypatch.setenv("REDIS_URL", redis_url)
    argv = ["lti", "add-platform", "--issuer", ISSUER, "--client-id", "c", "--deployment", "1"]
    argv += ["--jwks-url", "certs.php", "--login-url", ISSUER, "--token-url", ISSUER]
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "'certs.php' is not an http(s) URL" in capsys.readouterr().err
    assert Registry(redis.Redis.from_url(redis_url)).get(ISSUER, "c") is None
