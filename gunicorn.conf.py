"""gunicorn's settings for `gunicorn 'api:create_app()'` run from the repository (read from
the current directory). Threads, so that a request held by ?wait (at most MAX_WAIT seconds)
never stops other requests; a worker timeout well past MAX_WAIT."""

from worker.settings import Settings

_settings = Settings()
worker_class = "gthread"
workers = _settings.web_concurrency
threads = _settings.web_threads
timeout = 60
graceful_timeout = 15
