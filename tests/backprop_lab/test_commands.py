"""The process commands (backprop_lab/commands.py): the apps they name exist, and gunicorn
finds the project's conf from any directory."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from backprop_lab.commands import API_APP, PROJECT_GUNICORN_CONF, WORKER_APP, gunicorn_config


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


def test_gunicorn_finds_the_project_conf_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT_GUNICORN_CONF.parent)
    assert gunicorn_config() == []  # gunicorn reads it from here by itself
    monkeypatch.chdir(tmp_path)
    assert gunicorn_config() == ["--config", str(PROJECT_GUNICORN_CONF)]


def test_a_class_worker_takes_its_queue_after_the_prefix():
    from backprop_lab.commands import worker_command

    assert worker_command("batch")[4:6] == ["-Q", "batch"]
    assert worker_command("batch", "test-")[4:6] == ["-Q", "test-batch"]
