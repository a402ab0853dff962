"""The `backprop-lab` commands against the real service (in this process, over HTTP)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from backprop_lab.cli import ProgressBar, main

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "examples" / "tiny-2-3-2.json")
LESSON = str(ROOT / "examples" / "lesson-784-16-16-10.json")


@pytest.fixture
def cli(live_api, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--url", live_api, *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


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


def test_cancel_a_running_job(cli):
    code, out, _ = cli("submit", LESSON)
    job_id = out.strip()
    code, out, _ = cli("cancel", job_id)
    assert code == 0 and out.startswith(job_id)
    code, out, _ = cli("submit", TINY, "--wait")  # the worker is free again
    code, out, _ = cli("show", job_id)
    assert "cancelled" in out


def test_invalid_spec_exits_1_naming_the_field(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"network": {"layers": [2, 0, 2]},
                               "batch": {"dataset": "random", "size": 2, "seed": 0}}))
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
