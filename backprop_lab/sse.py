"""Server-sent events (text/event-stream), read line by line: what the client and the tests use
to follow `GET /v1/jobs/<id>/events`."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from typing import Any

KEEP_ALIVE = "keep-alive"  # the name given to a block that holds only comments
CHUNK = 1 << 16


def lines_of(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text lines of a byte stream, in time linear in its length however long a line is
    (requests' `iter_lines` joins its pending bytes to every new chunk: an event of megabytes,
    read in its default 512-byte chunks, takes quadratic time)."""
    partial: list[bytes] = []
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            partial.append(chunk[start:end])
            yield b"".join(partial).removesuffix(b"\r").decode()
            partial, start = [], end + 1
        if start < len(chunk):
            partial.append(chunk[start:])
    if partial:
        yield b"".join(partial).decode()


def parse_events(lines: Iterable[str], until: Collection[str] = ()) -> Iterator[tuple[str, Any]]:
    """(event name, JSON data) for each block of lines ended by a blank line; a block with
    comments only (the service's keep-alive) is (KEEP_ALIVE, None), so a reader can check a
    deadline between events. An event named in `until` is yielded as (name, None) as soon as
    its `event:` line arrives, and the parse ends there: its data is never read."""
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
            if name in until:
                yield name, None
                return
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
