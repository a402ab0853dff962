"""docker-compose.yml and the Dockerfile, checked without a Docker engine: they parse, the
services are wired as documented, and every command names an app that exists and is the one
`backprop-lab run` starts (backprop_lab/commands.py)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from backprop_lab.commands import API_APP, WORKER_APP, api_command, worker_command
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
PRODUCTION = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_services():
    assert set(SERVICES) == {"redis", "api", "worker", "flower"}
    assert SERVICES["flower"]["profiles"] == ["monitoring"]
    assert all("profiles" not in SERVICES[name] for name in ("redis", "api", "worker"))


def test_redis_is_append_only_on_a_named_volume_with_a_healthcheck():
    redis = SERVICES["redis"]
    assert redis["image"].split(":") == ["redis", "7"]
    assert " ".join(redis["command"]).endswith("--appendonly yes")
    volume, target = redis["volumes"][0].split(":")
    assert target == "/data" and volume in COMPOSE["volumes"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


@pytest.mark.parametrize("name", ["api", "worker", "flower"])
def test_services_wait_for_a_healthy_redis(name):
    assert SERVICES[name]["depends_on"] == {"redis": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", ["api", "worker"])
def test_app_services_use_the_image_and_the_compose_redis(name):
    assert SERVICES[name]["build"] == "."
    assert SERVICES[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_commands_are_the_run_commands():
    assert SERVICES["api"]["command"] == api_command("0.0.0.0:8000")
    assert SERVICES["worker"]["command"] == worker_command()
    assert re.search(r'CMD \["gunicorn", "--bind", "0.0.0.0:8000", "api:create_app\(\)"\]',
                     DOCKERFILE)


def test_the_worker_scales():
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker


def test_the_named_apps_exist():
    from celery import Celery
    from celery.app.utils import find_app

    module, call = API_APP.split(":")
    factory = getattr(__import__(module), call.removesuffix("()"))
    assert callable(factory) and call.endswith("()")
    assert isinstance(find_app(WORKER_APP), Celery)  # what `celery -A worker` resolves
    bin_dir = Path(sys.executable).parent
    for program in ("gunicorn", "celery"):
        assert (bin_dir / program).exists() or shutil.which(program)


def test_flower_watches_the_same_broker():
    command = SERVICES["flower"]["command"]
    assert command[0] == "celery" and "flower" in command
    assert "--broker=redis://redis:6379/0" in command


def test_dockerfile_is_slim_non_root_and_copies_what_exists():
    assert DOCKERFILE.startswith("#") and "\nFROM python:3.11-slim\n" in DOCKERFILE
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "useradd" in DOCKERFILE and users[-1] in DOCKERFILE.split("useradd")[1].split("\n")[0]
    for sources in re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.M):
        for source in sources.split():
            assert (ROOT / source).exists(), source
    # the API reads examples/ beside its package, and gunicorn its conf from the workdir
    assert "COPY examples" in DOCKERFILE and "gunicorn.conf.py" in DOCKERFILE


def test_environment_names_are_settings_the_service_reads():
    settings = {name.upper() for name in Settings.model_fields}
    for compose in (COMPOSE, PRODUCTION):
        for name, service in compose["services"].items():
            for variable in service.get("environment") or {}:
                assert variable in settings, (name, variable)


def test_production_requires_api_keys():
    api = PRODUCTION["services"]["api"]
    assert api["environment"]["API_KEYS"].startswith("${API_KEYS:?")
    assert set(PRODUCTION["services"]) <= set(SERVICES)


def test_gunicorn_finds_the_project_conf_from_any_directory(tmp_path, monkeypatch):
    from backprop_lab.commands import PROJECT_GUNICORN_CONF, gunicorn_config

    monkeypatch.chdir(PROJECT_GUNICORN_CONF.parent)
    assert gunicorn_config() == []  # gunicorn reads it from here by itself
    monkeypatch.chdir(tmp_path)
    assert gunicorn_config() == ["--config", str(PROJECT_GUNICORN_CONF)]
