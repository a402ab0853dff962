"""The Redis scripts in worker/lua/: read once (importlib.resources), registered per client.

Each script file opens, after its comment, with named locals for its KEYS and its ARGV, and
uses only those names:

    local record, ended = KEYS[1], KEYS[2]
    local job_id, size = ARGV[1], tonumber(ARGV[2])
    local fields = {unpack(ARGV, 3)}          -- the rest of ARGV, for a script that takes a list

`Script` reads that opening, and its caller passes every argument by the same name, so the
Python side names each one and cannot put one in another's place. What differs between calls,
constants included (the key prefix, expiries, budgets), is an argument; nothing is formatted
into a script's source.

The shared helpers are in worker/lua/lib/: each script runs as every helper file (in name
order; they define local functions and nothing else) followed by its own file. Redis sees the
concatenation, so the line number of an error in a script counts the helpers' lines first.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any, NamedTuple

import redis

LUA = files(__package__) / "lua"
_ITEM = r"(?:tonumber\()?(KEYS|ARGV)\[(\d+)\]\)?|\{unpack\(ARGV, (\d+)\)\}"
_OPENING = re.compile(rf"local ([\w, ]+?) = ((?:{_ITEM})(?:, (?:{_ITEM}))*)")


@cache
def helpers() -> str:
    return "".join(
        f.read_text()
        for f in sorted((LUA / "lib").iterdir(), key=lambda f: f.name)
        if f.name.endswith(".lua")
    )


@cache
def text(name: str) -> str:
    return (LUA / f"{name}.lua").read_text()


class Signature(NamedTuple):
    keys: tuple[str, ...]  # the names of KEYS[1], KEYS[2] ...
    args: tuple[str, ...]  # ... and of ARGV[1], ARGV[2] ...
    rest: str | None  # the name of the list of the ARGV after those, if the script takes one


@cache
def signature(name: str) -> Signature:
    """The names the script lua/<name>.lua gives its KEYS and its ARGV (see `opening`)."""
    return opening(text(name), name)


def opening(script: str, name: str = "script") -> Signature:
    """The names a script's opening gives its KEYS and its ARGV, in order. ValueError if the
    opening skips or reorders one, or if the rest of the script touches KEYS or ARGV itself."""
    found: dict[str, list[str]] = {"KEYS": [], "ARGV": []}
    rest = None
    lines = script.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.startswith("--")),
        len(lines),
    )
    end = start
    while end < len(lines) and (local_line := _OPENING.fullmatch(lines[end])):
        names = [n.strip() for n in local_line[1].split(",")]
        items = re.findall(_ITEM, local_line[2])
        if len(names) != len(items):
            raise ValueError(f"{name}.lua: {lines[end]!r} does not name one argument per local")
        for local, (table, index, rest_from) in zip(names, items):
            if rest is not None:
                raise ValueError(f"{name}.lua: {local} follows the rest of ARGV")
            if rest_from:
                table, index = "ARGV", rest_from
            if int(index) != len(found[table]) + 1:
                raise ValueError(f"{name}.lua: {local} is {table}[{index}], out of order")
            if rest_from:
                rest = local
            else:
                found[table].append(local)
        end += 1
    body = "\n".join(lines[end:])
    if end == start or re.search(r"\b(KEYS|ARGV)\b", body):
        raise ValueError(f"{name}.lua must open with named locals for all its KEYS and ARGV")
    return Signature(tuple(found["KEYS"]), tuple(found["ARGV"]), rest)


@cache
def source(name: str) -> str:
    """What Redis runs for the script `name`: the helpers, then lua/<name>.lua."""
    signature(name)  # a malformed opening fails here, at registration, not at the first call
    return helpers() + text(name)


class Script:
    """One script registered on one client (redis-py sends its SHA, and the source when the
    server does not know it yet), called with its arguments by name."""

    def __init__(self, client: redis.Redis, name: str):
        self.name = name
        self.keys, self.args, self.rest = signature(name)
        self._run = client.register_script(source(name))

    def __call__(self, **named: Any) -> Any:
        expected = {*self.keys, *self.args, *([self.rest] if self.rest else [])}
        if set(named) != expected:
            raise TypeError(
                f"{self.name}.lua takes {sorted(expected)}; missing {sorted(expected - set(named))}"
                f", unknown {sorted(set(named) - expected)}"
            )
        args = [named[a] for a in self.args] + list(named[self.rest] if self.rest else ())
        return self._run(keys=[named[k] for k in self.keys], args=args)

    def __repr__(self) -> str:
        rest = f", *{self.rest}" if self.rest else ""
        return f"Script({self.name}.lua: KEYS {list(self.keys)}, ARGV {list(self.args)}{rest})"
