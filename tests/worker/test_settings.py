"""The one settings object (worker/settings.py): read from the environment, each with its
default, and turned into the Celery configuration (worker/celery_config.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import model
from worker.celery_config import celery_config, sender
from worker.settings import Settings


@pytest.fixture
def env(monkeypatch):
    """Set environment variables on an environment without any of the settings."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)

    def set_env(**values: str) -> Settings:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return Settings()

    return set_env


@pytest.mark.parametrize(
    "variables, field, value",
    [
        ({"REDIS_URL": "redis://r:6379/2"}, "redis_url", "redis://r:6379/2"),
        ({"MAX_NAIVE_MULTIPLY_ADDS": "5e9"}, "max_naive_multiply_adds", 5_000_000_000),
        ({"MAX_WAIT": "2.5"}, "max_wait", 2.5),
        (
            {"CORS_ORIGINS": "https://a.example, https://b.example"},
            "cors_origins",
            ("https://a.example", "https://b.example"),
        ),
        ({"API_KEYS": ""}, "api_keys", ()),
        ({"QUEUE_PREFIX": ""}, "queue_prefix", ""),  # empty is unset
        ({"INTERACTIVE_SECONDS": ""}, "interactive_seconds", 0.5),
        ({"BATCH_QUOTA": "2"}, "batch_quota", 2),
        ({}, "redis_url", "redis://127.0.0.1:6379/0"),
        ({"NAIVE_SPLIT_PASSES": "5e3"}, "naive_split_passes", 5000),
    ],
)
def test_settings_read_the_environment(env, variables, field, value):
    assert getattr(env(**variables), field) == value


def test_a_malformed_setting_names_itself(env):
    with pytest.raises(ValidationError, match="max_batch"):
        env(MAX_BATCH="many")


def test_overrides_win_over_the_environment(env):
    env(QUEUE_PREFIX="from-env-", MAX_WAIT="3")
    settings = Settings(queue_prefix="given-")
    assert (settings.queue_prefix, settings.max_wait) == ("given-", 3.0)


def test_the_limits_are_model_limits(env):
    limits = env(MAX_LAYERS="4").limits
    assert isinstance(limits, model.Limits) and limits.max_layers == 4
    assert limits.max_width == Settings.model_fields["max_width"].default


def test_json_only_late_acks_and_a_visibility_timeout_beyond_the_hard_limit():
    conf = celery_config(
        Settings(redis_url="redis://r:6379/4", job_soft_time_limit=100, job_time_limit=7200)
    )
    assert conf["broker_url"] == conf["result_backend"] == "redis://r:6379/4"
    assert conf["accept_content"] == ["json"]
    assert conf["task_serializer"] == conf["result_serializer"] == "json"
    assert conf["task_acks_late"] and conf["task_reject_on_worker_lost"]
    assert conf["worker_prefetch_multiplier"] == 1 and conf["task_track_started"]
    assert conf["task_soft_time_limit"] == 100 < conf["task_time_limit"] == 7200
    for options in ("broker_transport_options", "result_backend_transport_options"):
        assert conf[options]["visibility_timeout"] == 2 * 7200 + 60


def test_defaults_work_on_a_bare_machine(env):
    conf = celery_config(env())
    assert conf["broker_url"] == "redis://127.0.0.1:6379/0"
    assert conf["task_soft_time_limit"] + 30 == conf["task_time_limit"]
    defaults = env()
    assert defaults.naive_parts > 1 and defaults.naive_split_passes > 1000


def test_a_broker_of_its_own_keeps_the_records_and_results_in_redis():
    conf = celery_config(Settings(redis_url="redis://r:6379/4", broker_url="amqp://b//"))
    assert conf["broker_url"] == "amqp://b//"
    assert conf["result_backend"] == "redis://r:6379/4"


def test_on_rabbitmq_messages_are_persistent_confirmed_acked_late_one_at_a_time():
    settings = Settings(redis_url="redis://r:6379/4", broker_url="amqp://u:p@q:5672/v")
    conf = celery_config(settings)
    assert conf["task_acks_late"] and conf["task_reject_on_worker_lost"]
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["task_default_delivery_mode"] == "persistent"
    # RabbitMQ confirms that it holds a job before the API answers 202; no visibility timeout
    assert conf["broker_transport_options"] == {"confirm_publish": True}
    assert settings.broker_name == "RabbitMQ"
    assert Settings(redis_url="redis://r:6379/4").broker_name == "Redis"


def test_the_redis_recovery_is_skipped_on_rabbitmq(monkeypatch):
    from types import SimpleNamespace

    from worker import recovery

    calls = []
    monkeypatch.setattr(recovery, "restore_orphans", lambda app, *_: calls.append(app) or 0)
    for broker_url in ("amqp://u:p@q:5672/v", ""):
        app = sender(Settings(redis_url="redis://r:6379/4", broker_url=broker_url))
        recovery.restore_at_ready(sender=SimpleNamespace(app=app, hostname="w@h"))
    assert [app.conf.broker_url for app in calls] == ["redis://r:6379/4"]  # Redis only


def test_the_visibility_setting():
    conf = celery_config(Settings(visibility_timeout=3))
    assert conf["broker_transport_options"]["visibility_timeout"] == 3
    assert conf["broker_transport_options"]["unacked_restore_interval"] <= 1


def test_the_sender_is_not_the_current_app():
    from celery import current_app

    app = sender(Settings(redis_url="redis://r:6379/5", queue_prefix="q-"))
    assert app.conf.task_default_queue == "q-batch" and app.conf.broker_url == "redis://r:6379/5"
    assert {q.name for q in app.conf.task_queues} == {"q-interactive", "q-batch"}
    assert current_app._get_current_object() is not app


def test_the_settings_table_lists_every_setting_reads_docs():
    from pathlib import Path

    table = (Path(__file__).resolve().parents[2] / "docs" / "settings.md").read_text()
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in table, name


def test_the_app_carries_its_settings_and_celery_s_configuration_only_celery_s():
    """The tasks and hooks read `app.settings`; no setting of ours hides among Celery's keys."""
    from celery.app.defaults import DEFAULTS

    for broker_url in ("", "amqp://u:p@q:5672/v"):
        settings = Settings(redis_url="redis://r:6379/4", broker_url=broker_url, naive_parts=8)
        assert set(celery_config(settings)) <= set(DEFAULTS)
        app = sender(settings)
        assert app.settings is settings and app.settings.naive_parts == 8
