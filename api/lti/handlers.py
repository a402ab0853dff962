"""What a valid launch opens, by its message type."""

from __future__ import annotations

from flask import Response

from . import claims
from .launch import Launch
from .refusals import LaunchRefused


def handle(launch: Launch) -> Response:
    if launch.message_type == claims.RESOURCE_LINK_REQUEST:
        return Response(f"launched for {launch.sub}", mimetype="text/plain")
    raise LaunchRefused(
        f"the message type {launch.message_type!r} is not one this tool takes",
        status=400,
        field="message_type",
    )
