"""The LTI tool's parts for one app: the platforms' registry, their kept key sets and the
settings the launch checks with, kept on the app (`current()`)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from redis import Redis

from worker.settings import Settings

from .platform_keys import PlatformKeys
from .platforms import Registry

EXTENSION = "backprop-lab-lti"


@dataclass
class Tool:
    settings: Settings
    redis: Redis
    registry: Registry
    keys: PlatformKeys


def attach(app: Flask, settings: Settings, redis: Redis) -> Tool:
    tool = Tool(settings, redis, Registry(redis), PlatformKeys(settings.lti_platform_keys_seconds))
    app.extensions[EXTENSION] = tool
    return tool


def current() -> Tool:
    return current_app.extensions[EXTENSION]
