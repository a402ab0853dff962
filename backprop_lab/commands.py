"""The process commands, in one place: the supervisor (`backprop-lab run`), `serve|worker` and
docker-compose.yml all start the service with these lists (tests/test_reads_docker_files.py
checks that the compose file says the same).

The fixed forms (docs/operations.md) are `gunicorn 'api:create_app()'`,
`celery -A worker worker -Q interactive` and `celery -A worker worker -Q batch` (a plain
`celery -A worker worker` takes both queues); the options around them are ours.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

API_APP = "api:create_app()"
WORKER_APP = "worker"


def api_command(bind: str = "127.0.0.1:8000") -> list[str]:
    """gunicorn serving the Flask app factory on `bind` (host:port). Its workers and threads
    come from gunicorn.conf.py, which gunicorn reads from the current directory."""
    return ["gunicorn", "--bind", bind, API_APP]


PROJECT_GUNICORN_CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def gunicorn_config() -> list[str]:
    """gunicorn reads gunicorn.conf.py from the current directory only: started from elsewhere,
    point it at the project's own, so ?wait requests never hold up the others."""
    if Path("gunicorn.conf.py").exists() or not PROJECT_GUNICORN_CONF.exists():
        return []
    return ["--config", str(PROJECT_GUNICORN_CONF)]


def worker_command(job_class: str | None = None, queue_prefix: str = "") -> list[str]:
    """One Celery worker process (its pool has one child per core) taking the queue of
    `job_class` (after QUEUE_PREFIX, as the API sends to it), or both queues. Each class's
    worker has a node name of its own, so two run side by side on one host."""
    if job_class is None:
        return ["celery", "-A", WORKER_APP, "worker", "--loglevel", "INFO"]
    return [
        "celery",
        "-A",
        WORKER_APP,
        "worker",
        "-Q",
        queue_prefix + job_class,
        "-n",
        f"{job_class}@%h",
        "--loglevel",
        "INFO",
    ]


def executable(name: str) -> str:
    """The program from this Python's environment (the venv), else from PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else (shutil.which(name) or name)
