"""Reads docker-compose.yml, docker-compose.prod.yml and the Dockerfile as files (no Docker
engine runs here): they parse, the services are wired as documented, and every command is the
one `backprop-lab run` starts (backprop_lab/commands.py). Each test's name says which file it
reads; what the files say is not proof that the containers run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from backprop_lab.commands import WORKER_APP, api_command, worker_command
from backprop_lab.supervisor import WORKERS
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
PRODUCTION = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_reads_compose_services():
    assert set(SERVICES) == {"redis", "api", *WORKERS, "flower"}
    assert SERVICES["flower"]["profiles"] == ["monitoring"]
    assert all("profiles" not in SERVICES[name] for name in ("redis", "api", *WORKERS))


def test_reads_compose_redis_is_append_only_fsynced_on_a_named_volume_with_a_healthcheck():
    redis = SERVICES["redis"]
    assert redis["image"].split(":") == ["redis", "7"]
    assert "--appendonly yes --appendfsync always" in " ".join(redis["command"])
    volume, target = redis["volumes"][0].split(":")
    assert target == "/data" and volume in COMPOSE["volumes"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


@pytest.mark.parametrize("name", ["api", *WORKERS, "flower"])
def test_reads_compose_services_wait_for_a_healthy_redis(name):
    assert SERVICES[name]["depends_on"] == {"redis": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", ["api", *WORKERS])
def test_reads_compose_app_services_use_the_image_and_the_compose_redis(name):
    assert SERVICES[name]["build"] == "."
    assert SERVICES[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_reads_compose_and_dockerfile_commands_are_the_run_commands():
    assert SERVICES["api"]["command"] == api_command("0.0.0.0:8000")
    for name, job_class in WORKERS.items():
        assert SERVICES[name]["command"] == worker_command(job_class)
    assert re.search(
        r'CMD \["gunicorn", "--bind", "0.0.0.0:8000", "api:create_app\(\)"\]', DOCKERFILE
    )


@pytest.mark.parametrize("name", WORKERS)
def test_reads_compose_the_workers_scale(name):
    worker = SERVICES[name]
    assert "container_name" not in worker and "ports" not in worker


def test_reads_compose_flower_runs_the_workers_app_on_its_broker_with_credentials():
    flower = SERVICES["flower"]
    assert flower["command"][:4] == ["celery", "-A", WORKER_APP, "flower"]
    assert not any(part.startswith("--broker") for part in flower["command"])  # from the env
    assert flower["build"] == "." and flower["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert flower["environment"]["FLOWER_BASIC_AUTH"] == "${FLOWER_BASIC_AUTH:-flower:flower}"
    assert "monitoring" in DOCKERFILE  # the image holds Flower
    production = PRODUCTION["services"]["flower"]
    assert "command" not in production  # the same app, on the production broker
    assert (
        production["environment"]["BROKER_URL"]
        == PRODUCTION["services"]["worker-batch"]["environment"]["BROKER_URL"]
    )


def test_reads_dockerfile_slim_non_root_and_copies_what_exists():
    assert DOCKERFILE.startswith("#") and "\nFROM python:3.11-slim\n" in DOCKERFILE
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "useradd" in DOCKERFILE and users[-1] in DOCKERFILE.split("useradd")[1].split("\n")[0]
    for sources in re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.M):
        for source in sources.split():
            assert (ROOT / source).exists(), source
    # the API reads examples/ beside its package, and gunicorn its conf from the workdir
    assert "COPY examples" in DOCKERFILE and "gunicorn.conf.py" in DOCKERFILE


def test_reads_compose_environment_names_are_settings_the_service_reads():
    settings = {name.upper() for name in Settings.model_fields}
    for compose in (COMPOSE, PRODUCTION):
        for name in ("api", *WORKERS, "flower"):
            for variable in compose["services"][name].get("environment") or {}:
                if name == "flower" and variable.startswith("FLOWER_"):
                    continue  # Flower's own settings
                assert variable in settings, (name, variable)


def test_reads_compose_production_requires_api_keys():
    api = PRODUCTION["services"]["api"]
    assert api["environment"]["API_KEYS"].startswith("${API_KEYS:?")
    assert set(PRODUCTION["services"]) == set(SERVICES) | {"rabbitmq"}


def test_reads_compose_production_queues_on_a_durable_rabbitmq_the_plain_one_on_redis():
    rabbitmq = PRODUCTION["services"]["rabbitmq"]
    assert rabbitmq["image"].startswith("rabbitmq:3.")
    volume, target = rabbitmq["volumes"][0].split(":")
    assert target == "/var/lib/rabbitmq" and volume in PRODUCTION["volumes"]
    assert rabbitmq["hostname"]  # the node's data is kept under its host name
    assert rabbitmq["healthcheck"]["test"][:2] == ["CMD", "rabbitmq-diagnostics"]
    user, password = (rabbitmq["environment"][f"RABBITMQ_DEFAULT_{k}"] for k in ("USER", "PASS"))
    url = f"amqp://{user}:{password}@rabbitmq:5672//"
    for name in ("api", *WORKERS):
        service = PRODUCTION["services"][name]
        assert service["environment"]["BROKER_URL"] == url
        assert service["depends_on"] == {"rabbitmq": {"condition": "service_healthy"}}
        assert "BROKER_URL" not in SERVICES[name]["environment"]
    assert PRODUCTION["services"]["flower"]["environment"]["BROKER_URL"] == url
    assert "rabbitmq" not in SERVICES


SECRETS = ("API_KEYS", "REDIS_PASSWORD", "RABBITMQ_PASSWORD", "FLOWER_BASIC_AUTH")


def test_reads_compose_production_refuses_to_start_without_its_secrets():
    """Every use of a secret in the production file is `${NAME:?message}`: compose stops with
    the message when it is unset or empty, and no default stands in for it."""
    text = (ROOT / "docker-compose.prod.yml").read_text()
    uses = re.findall(r"\$\{(\w+)([^}]*)\}", text)
    for secret in SECRETS:
        forms = {rest for name, rest in uses if name == secret}
        assert forms and all(rest.startswith(":?") for rest in forms), (secret, forms)


def test_reads_compose_production_redis_requires_a_password_every_component_gives():
    services = PRODUCTION["services"]
    password = "${REDIS_PASSWORD:?set REDIS_PASSWORD}"
    command = services["redis"]["command"]
    assert command[0] == "redis-server"  # the image's entrypoint then drops root
    assert command[command.index("--requirepass") + 1] == password
    assert command[command.index("--appendfsync") + 1] == "always"  # as the base file's
    assert services["redis"]["environment"]["REDISCLI_AUTH"] == password  # the healthcheck's
    assert SERVICES["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    for name in ("api", *WORKERS, "flower"):
        url = services[name]["environment"]["REDIS_URL"]
        assert url == f"redis://:{password}@redis:6379/0", name


def test_reads_compose_production_flower_has_no_default_credentials():
    flower = PRODUCTION["services"]["flower"]["environment"]["FLOWER_BASIC_AUTH"]
    assert flower.startswith("${FLOWER_BASIC_AUTH:?") and "flower:flower" not in flower
