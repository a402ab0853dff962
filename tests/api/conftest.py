import pytest

from api import create_app
from worker.settings import Settings

SMALL = Settings(
    max_layers=3,
    max_width=100,
    max_batch=10,
    max_parameters=5000,
    max_naive_multiply_adds=1_000_000,
    max_per_example_numbers=1000,
    max_body_bytes=20_000,
    api_keys=(),
)


@pytest.fixture
def no_worker_prefix() -> str:
    """The queue prefix of `client`'s app: queues that no worker takes."""
    return "unit-no-worker-"


@pytest.fixture
def client(redis_url, no_worker_prefix):
    """The app with small limits, on the test Redis but with no worker: submit only bad input."""
    settings = SMALL.model_copy(update={"redis_url": redis_url, "queue_prefix": no_worker_prefix})
    return create_app(settings).test_client()
