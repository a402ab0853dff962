"""The `backprop-lab` commands against the real service (in this process, over HTTP)."""

from __future__ import annotations

import io
import json
import secrets
from pathlib import Path

from backprop_lab.cli import main
from backprop_lab.client import Client
from backprop_lab.progress import ProgressBar
from tests.support.specs import EXAMPLES
from tests.support.waiting import PATIENCE, wait_until
from worker.records import JobStore, new_id
from worker.settings import Settings

TINY = str(EXAMPLES / "tiny-2-3-2.json")
LESSON = str(EXAMPLES / "lesson-784-16-16-10.json")


def test_submit_wait_prints_progress_and_the_summary_tables(cli):
    code, out, err = cli("submit", TINY, "--wait")
    assert code == 0, err
    assert "succeeded" in out.splitlines()[0]
    assert "backprop is" in out and "times faster than naive nudging" in out
    assert "|bias way|" in out and "consistency" in out
    assert "34/34 passes" in err and "100%" in err


def test_submit_prints_the_id_then_show_summary_and_list_find_it(cli):
    code, out, _ = cli("submit", TINY)
    job_id = out.strip()
    assert code == 0 and job_id and " " not in job_id
    code, out, _ = cli("submit", TINY, "--wait", "--json")  # waits for the worker's queue
    assert code == 0 and json.loads(out)["status"] == "succeeded"
    code, out, _ = cli("show", job_id, "--json")
    assert code == 0 and json.loads(out)["status"] == "succeeded"
    code, out, _ = cli("show", job_id)
    assert out.startswith(f"{job_id}  succeeded")
    code, out, _ = cli("summary", job_id)
    assert code == 0 and "forward pass" in out and "naive central, all parameters" in out
    code, out, _ = cli("list", "--limit", "100")
    assert code == 0 and job_id in out


def test_submit_reads_stdin(cli, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(Path(TINY).read_text()))
    code, out, _ = cli("submit", "-", "--wait")
    assert code == 0 and "succeeded" in out


def test_cancel_prints_the_state_it_left_the_job_in(cli, live_api, redis_url):
    queued = JobStore.from_settings(Settings(redis_url=redis_url)).create(
        json.loads(Path(TINY).read_text())
    )["id"]
    code, out, _ = cli("cancel", queued)  # a record no worker will take: it stays queued
    assert code == 0 and out.strip() == f"job {queued} is cancelled"

    code, out, _ = cli("submit", LESSON)
    running = out.strip()
    client = Client(live_api)
    status = wait_until(
        lambda: (s := client.get(running)["status"]) != "queued" and s, "the lesson's job started"
    )
    assert status == "running"  # the lesson's naive pass takes seconds
    code, out, _ = cli("cancel", running)
    assert code == 0 and out.startswith(f"job {running} is running and asked to stop")
    assert client.wait(running, timeout=PATIENCE)["status"] == "cancelled"

    code, out, _ = cli("cancel", running)  # again: nothing changes
    assert code == 0 and out.strip() == f"job {running} is cancelled"


def test_an_id_that_starts_with_a_dash_works_as_it_is_and_after_dash_dash(cli, monkeypatch):
    dashed = "-" + secrets.token_urlsafe(16)[1:]
    monkeypatch.setattr("worker.records.new_id", lambda: dashed)  # the API runs in this process
    code, out, err = cli("submit", TINY, "--wait")
    assert code == 0, err
    for args in (
        ("show", dashed),
        ("show", "--json", dashed),
        ("show", "--", dashed),
        ("summary", dashed),
        ("summary", "--wait", dashed),
    ):
        code, out, err = cli(*args)
        assert code == 0, (args, err)
        assert dashed in out, args
    code, out, _ = cli("cancel", dashed)
    assert code == 0 and out.strip() == f"job {dashed} had already succeeded: nothing to cancel"


def test_new_ids_never_start_with_a_dash(monkeypatch):
    tokens = iter(["-first", "-second", "third"])
    monkeypatch.setattr("worker.records.secrets.token_urlsafe", lambda n: next(tokens))
    assert new_id() == "third"


def test_a_spec_file_that_is_not_json_names_the_file_and_the_place(cli, tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "network": {"layers": [2, 3, 2]},\n  "batch": \n}\n')
    code, out, err = cli("submit", str(bad))
    assert code == 1 and out == ""
    assert err.strip() == f"error: {bad} is not valid JSON: Expecting value at line 4, column 1"
    monkeypatch.setattr("sys.stdin", io.StringIO("{]"))
    code, _, err = cli("submit", "-")
    assert code == 1 and "<stdin> is not valid JSON" in err and "line 1, column 2" in err


def test_summary_of_an_unfinished_job_says_so(cli, redis_url):
    queued = JobStore.from_settings(Settings(redis_url=redis_url)).create(
        json.loads(Path(TINY).read_text())
    )["id"]
    code, out, err = cli("summary", queued)
    assert code == 1 and out == ""
    assert err.startswith(f"job {queued} is still queued: its summary comes when it has ended")
    code, out, err = cli("summary", "--wait", "--timeout", "0.2", queued)
    assert code == 1 and f"job {queued} still queued after 0.2 s" in err
    cli("cancel", queued)


def test_list_shows_the_network_and_methods_as_show_does(cli):
    code, out, _ = cli("submit", TINY, "--wait", "--json")
    job_id = json.loads(out)["id"]
    _, shown, _ = cli("show", job_id)
    assert "  2-3-2  backprop+naive  " in shown
    _, listed, _ = cli("list", "--limit", "100")
    assert shown.strip() in listed.splitlines()


def test_invalid_spec_exits_1_naming_the_field(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"network": {"layers": [2, 0, 2]}, "batch": {"dataset": "random", "size": 2, "seed": 0}}
        )
    )
    code, out, err = cli("submit", str(bad))
    assert code == 1 and out == ""
    assert err.startswith("error: 422") and "network.layers" in err


def test_unknown_job_and_unreachable_service_exit_1(cli, capsys):
    code, _, err = cli("show", "no-such-job")
    assert code == 1 and "404" in err
    assert main(["--url", "http://127.0.0.1:9", "list"]) == 1
    assert "error:" in capsys.readouterr().err


def test_progress_bar_off_a_terminal_writes_a_line_per_tenth():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    for done in range(0, 101):
        bar(done, 100)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1].endswith("100/100 passes")


def test_list_prints_the_next_cursor_and_follows_it_then_delete(cli):
    older = cli("submit", TINY, "--wait", "--json")[1]
    newer = cli("submit", TINY, "--wait", "--json")[1]
    older, newer = json.loads(older)["id"], json.loads(newer)["id"]
    code, out, err = cli("list", "--limit", "1")
    assert code == 0 and out.startswith(newer)
    cursor = err.split("--cursor ")[1].strip()
    code, out, _ = cli("list", "--limit", "1", "--cursor", cursor)
    assert code == 0 and out.startswith(older)
    code, out, _ = cli("delete", older)
    assert code == 0 and out.strip() == f"{older}  deleted"
    assert cli("show", older)[0] == 1
