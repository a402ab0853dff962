import pytest
from celery import current_app

from worker.celery_config import sender
from worker.records import JobStore
from worker.settings import Settings


@pytest.fixture
def store(redis_url):
    return JobStore.from_settings(Settings(redis_url=redis_url, job_ttl=600))


@pytest.fixture
def app(redis_url):
    """An app on the test Redis as the current app: the tasks, called as plain functions, find
    their store and time limits through it."""
    previous = current_app._get_current_object()
    sender(Settings(redis_url=redis_url)).set_current()
    yield
    previous.set_current()
