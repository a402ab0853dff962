"""gunicorn's settings for `gunicorn 'api:create_app()'` run from the repository (read from
the current directory). Threads, so that a request held by ?wait (at most MAX_WAIT seconds)
never stops other requests; a worker timeout well past MAX_WAIT."""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 60
graceful_timeout = 15
