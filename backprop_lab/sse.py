"""Server-sent events (text/event-stream), read line by line: what the client and the tests use
to follow `GET /v1/jobs/<id>/events`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

KEEP_ALIVE = "keep-alive"  # the name given to a block that holds only comments


def parse_events(lines: Iterable[str]) -> Iterator[tuple[str, Any]]:
    """(event name, JSON data) for each block of lines ended by a blank line; a block with
    comments only (the service's keep-alive) is (KEEP_ALIVE, None), so a reader can check a
    deadline between events."""
    name, data, seen = "message", [], False
    for line in lines:
        if line == "":
            if data:
                yield name, json.loads("\n".join(data))
            elif seen:
                yield KEEP_ALIVE, None
            name, data, seen = "message", [], False
            continue
        seen = True
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
