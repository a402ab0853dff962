"""On RabbitMQ a queued job outlives a broker restart: its queue is durable and its message
persistent (the restart itself: tests/e2e/test_broker_restart.py)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import rabbitmq
from processes import sender_app

from worker.names import RUN_JOB


def test_a_job_waits_in_a_durable_queue_as_a_persistent_message(redis_url, rabbitmq_url, queue):
    queue = f"{queue}-durable"  # no worker takes from it
    app = sender_app(redis_url, queue, rabbitmq_url)
    try:
        app.send_task(RUN_JOB, args=["never-issued"])
        rows = rabbitmq.rabbitmqctl("list_queues", "-p", unquote(urlsplit(rabbitmq_url).path[1:]),
                                    "name", "durable", "messages", "messages_persistent")
        assert [queue, "true", "1", "1"] in [row.split("\t") for row in rows.splitlines()]
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
