"""The Redis scripts as files (worker/lua/, worker/scripts.py): each opens with named locals for
its KEYS and ARGV and touches them through those names only, is called by the same names, and
holds no constant of the service (those are arguments)."""

from __future__ import annotations

import re

import pytest

from worker import keyspace, scripts
from worker.records import ENDED_SECONDS
from worker.scripts import Script, Signature, opening

NAMES = sorted(
    p.name.removesuffix(".lua") for p in scripts.LUA.iterdir() if p.name.endswith(".lua")
)


def test_every_script_opens_with_named_locals_for_its_keys_and_argv():
    assert NAMES == [
        "admit",
        "cache",
        "cancel",
        "create",
        "delete",
        "finish",
        "hold",
        "part_progress",
        "progress",
        "start",
        "sweep_cancel",
        "sweep_release",
    ]
    for name in NAMES:
        signature = scripts.signature(name)  # raises for a script that reads KEYS[i] itself
        assert signature.keys and signature.args, name
    assert scripts.signature("finish") == Signature(
        ("record", "ended"),
        ("job_id", "outcome", "err", "now", "now_ms", "size", "budget", "owner_budget")
        + ("store_full", "prefix", "buckets", "ended_ttl"),
        "fields",
    )


@pytest.mark.parametrize(
    "script, why",
    [
        ("local a, b = KEYS[1], KEYS[3]\nreturn a", "out of order"),
        ("local a = ARGV[2]\nreturn a", "out of order"),
        ("local a = KEYS[1]\nreturn ARGV[1]", "named locals"),
        ("-- nothing named\nreturn KEYS[1]", "named locals"),
        ("local a, b = ARGV[1]\nreturn a", "one argument per local"),
        ("local r = {unpack(ARGV, 1)}\nlocal a = ARGV[1]\nreturn a", "follows the rest"),
    ],
)
def test_an_opening_that_skips_reorders_or_is_bypassed_is_refused(script, why):
    with pytest.raises(ValueError, match=why):
        opening(script)


def test_an_opening_reads_conversions_and_the_rest():
    script = (
        "-- doc\nlocal k = KEYS[1]\nlocal a, b = tonumber(ARGV[1]), ARGV[2]\n"
        "local r = {unpack(ARGV, 3)}\n\nreturn r"
    )
    assert opening(script) == Signature(("k",), ("a", "b"), "r")


def test_no_constant_of_the_service_is_written_into_a_script():
    """The prefix, problem types, expiries, budgets and buckets come in as arguments: the only
    numbers left (past subscripts and comments) are arithmetic and milliseconds per second."""
    for name in NAMES:
        source = scripts.source(name)
        assert keyspace.PREFIX not in source and "/problems/" not in source, name
        code = re.sub(r"--.*|\[\d+\]|unpack\(ARGV, \d+\)", "", source)
        numbers = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", code))
        assert numbers <= {"0", "1", "2", "1000"}, (name, numbers)
        assert str(ENDED_SECONDS) not in numbers


def test_every_script_runs_after_the_helpers():
    helpers = scripts.helpers()
    assert "local function count_end" in helpers and "local function make_room" in helpers
    for name in NAMES:
        assert scripts.source(name) == helpers + scripts.text(name)


def test_a_script_is_called_with_exactly_its_names(store):
    start = Script(store.redis, "start")
    with pytest.raises(TypeError, match=r"missing \['worker'\], unknown \['who'\]"):
        start(record=store.key("x"), now="t", now_epoch=1.0, who="w")
    job_id = store.create({"network": {"layers": [2, 2]}, "batch": {"dataset": "random"}})["id"]
    assert start(record=store.key(job_id), now="t", now_epoch=1.0, worker="w@h") == 1
    assert store.redis.hmget(store.key(job_id), ("status", "worker")) == ["running", "w@h"]
