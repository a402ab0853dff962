"""gunicorn's settings for `gunicorn 'api:create_app()'` run from the repository (read from
the current directory).

gevent workers: a request held by ?wait (up to MAX_WAIT seconds) or an event stream (while its
job runs) is a greenlet parked on a Redis socket, not a thread, so hundreds of them cost a few
megabytes and never hold up /v1/health or a submit. WEB_CONNECTIONS bounds the requests one
process holds at once; the worker timeout is well past MAX_WAIT.
"""

from worker.settings import Settings

_settings = Settings()
worker_class = "gevent"
workers = _settings.web_concurrency
worker_connections = _settings.web_connections
timeout = 60
graceful_timeout = 15
# gunicorn's control socket (for `gunicornc`) sits at one path per user, ~/.gunicorn, shared by
# every instance on the machine: stopping one deletes it for the others. Nothing here uses it.
control_socket_disable = True
