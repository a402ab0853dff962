"""On RabbitMQ a queued job outlives a broker restart: both class queues (`interactive`,
`batch`) are durable and the messages persistent (the restart itself:
tests/e2e/test_broker_restart.py)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from tests.support import rabbitmq
from tests.support.processes import sender_app
from worker.names import RUN_JOB
from worker.queues import names


def test_a_job_waits_in_a_durable_queue_as_a_persistent_message(
    redis_url, rabbitmq_url, queue_prefix
):
    queues = names(f"{queue_prefix}durable-")  # no worker takes from these
    app = sender_app(redis_url, f"{queue_prefix}durable-", rabbitmq_url)
    try:
        for queue in queues.values():
            app.send_task(RUN_JOB, args=["never-issued"], queue=queue)
        rows = rabbitmq.rabbitmqctl(
            "list_queues",
            "-p",
            unquote(urlsplit(rabbitmq_url).path[1:]),
            "name",
            "durable",
            "messages",
            "messages_persistent",
        )
        for queue in queues.values():
            assert [queue, "true", "1", "1"] in [row.split("\t") for row in rows.splitlines()]
    finally:
        with app.connection_for_write() as connection:
            for queue in queues.values():
                connection.default_channel.queue_delete(queue)
