"""The process commands, in one place: the run command, `backprop-lab serve|worker` and
docker-compose.yml all start the service with these lists (tests/test_reads_docker_files.py
checks that the compose file says the same).

The fixed forms (docs/operations.md) are `gunicorn 'api:create_app()'` and
`celery -A worker worker`; the options around them are ours.
"""

from __future__ import annotations

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


def worker_command() -> list[str]:
    """One Celery worker process (its pool has one child per core)."""
    return ["celery", "-A", WORKER_APP, "worker", "--loglevel", "INFO"]
