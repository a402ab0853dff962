"""What a valid launch opens, by its message type."""

from __future__ import annotations

from flask import Response

from . import claims, deep_linking, resource_launch
from .launch import Launch
from .refusals import LaunchRefused


def handle(launch: Launch) -> Response:
    if launch.message_type == claims.RESOURCE_LINK_REQUEST:
        return resource_launch.open_practice(launch)
    if launch.message_type == claims.DEEP_LINKING_REQUEST:
        return deep_linking.picker(launch)
    raise LaunchRefused(
        f"the message type {launch.message_type!r} is not one this tool takes",
        status=400,
        field="message_type",
    )
