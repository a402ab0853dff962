"""`backprop-lab`: start the service, or talk to a running one.

    backprop-lab run                       Redis (found or embedded) + worker + API, Ctrl-C stops
    backprop-lab serve | worker            the API (gunicorn) or one Celery worker, alone
    backprop-lab submit FILE [--wait]      queue a spec; --wait shows progress and the summary
    backprop-lab show ID | summary ID | cancel ID | delete ID | list [--cursor C]
    backprop-lab exercises ID | answer ID EXERCISE ANSWER | practice ID | flashcards [--job ID]
    backprop-lab keys rotate | list        the service's signing keys, in its Redis (REDIS_URL)
    backprop-lab lti add-platform | list | remove   LTI 1.3 platforms (backprop_lab/lti_cli.py)

An id is always read as an id, even one that starts with '-' (older ids may); `--` before it
works too, as for any command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from worker.settings import Settings

from . import lti_cli, practice, report, sweep_command
from .client import DEFAULT_URL, ApiError, Client
from .commands import api_command, executable, gunicorn_config, worker_command
from .progress import ProgressBar

FAILED = 1
ID_COMMANDS = ("show", "summary", "cancel", "delete", "download")
ID_COMMAND_OPTIONS = (
    "-h",
    "--help",
    "--json",
    "--wait",
    "--timeout",
    "-o",
    "--output",
)  # all they have
UNFINISHED = ("queued", "running")
FIELDS_HELP = "with --json: only these job fields and result keys, comma-separated (cost,timing)"


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(
        ids_as_positionals(sys.argv[1:] if argv is None else argv)
    )
    if extra and args.command not in ("serve", "worker"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args, extra)
    except ApiError as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    except requests.ConnectionError:
        print(
            f"error: no answer from {_client(args).url} (start it with `backprop-lab run`, "
            "or give --url / BACKPROP_LAB_URL)",
            file=sys.stderr,
        )
        return FAILED
    except (OSError, ValueError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        return 130


def ids_as_positionals(argv: list[str]) -> list[str]:
    """argparse reads `show -VSRH...` as an unknown option: after an id command, a word that
    starts with '-' and is none of its options is moved behind a `--`, where it is an id."""
    command = next(
        (
            i
            for i, word in enumerate(argv)
            if not word.startswith("-") and (i == 0 or argv[i - 1] not in ("--url", "--api-key"))
        ),
        None,
    )
    if command is None or argv[command] not in ID_COMMANDS or "--" in argv[command:]:
        return argv
    rest = argv[command + 1 :]
    ids = [w for w in rest if w.startswith("-") and w.split("=")[0] not in ID_COMMAND_OPTIONS]
    if not ids:
        return argv
    return argv[: command + 1] + [w for w in rest if w not in ids] + ["--", *ids]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backprop-lab", description=__doc__.split("\n")[0])
    # the client reads $BACKPROP_LAB_URL and $BACKPROP_LAB_API_KEY when these are not given
    parser.add_argument("--url", help=f"the API (default: $BACKPROP_LAB_URL or {DEFAULT_URL})")
    parser.add_argument(
        "--api-key", help="API key, when the service requires one (default: $BACKPROP_LAB_API_KEY)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    # the service's own defaults come from its settings (HOST, PORT, BACKPROP_LAB_VAR), read
    # only by the commands that start it
    p = command("run", cmd_run, "start Redis (if none answers), a worker and the API")
    p.add_argument("--host", help="bind address (default: $HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $PORT or 8000)")
    p.add_argument(
        "--var-dir",
        type=Path,
        help="where the embedded Redis keeps its data (default: $BACKPROP_LAB_VAR or ./var)",
    )
    p = command("serve", cmd_serve, "serve the API with gunicorn (extra options go to gunicorn)")
    p.add_argument("--host", help="bind address (default: $HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $PORT or 8000)")
    command("worker", cmd_worker, "run a Celery worker (extra options go to celery)")

    p = command("submit", cmd_submit, "submit a job spec (a JSON file, or - for stdin)")
    p.add_argument("file")
    p.add_argument("--wait", action="store_true", help="wait, show progress, print the summary")
    p.add_argument("--timeout", type=float, default=None, help="give up waiting after S seconds")
    p.add_argument("--json", action="store_true", help="print the job as JSON")
    p.add_argument("--fields", type=_names, help=FIELDS_HELP)
    for name, func, text in (
        ("show", cmd_show, "show a job"),
        ("summary", cmd_summary, "a finished job's timing and layers"),
        ("cancel", cmd_cancel, "cancel a queued or running job"),
        ("delete", cmd_delete, "remove a job (cancelled if unfinished)"),
    ):
        p = command(name, func, text)
        p.add_argument("id", help="the job's id (one that starts with '-' works too)")
        if name == "show":
            p.add_argument("--json", action="store_true", help="print the job as JSON")
            p.add_argument("--fields", type=_names, help=FIELDS_HELP)
        if name == "summary":
            p.add_argument("--wait", action="store_true", help="wait until the job has ended")
            p.add_argument(
                "--timeout", type=float, default=None, help="give up waiting after S seconds"
            )
    p = command("download", cmd_download, "write a finished job's result as NumPy's .npz")
    p.add_argument("id", help="the job's id (one that starts with '-' works too)")
    p.add_argument("-o", "--output", type=Path, help="the file (default: ID.npz)")
    p = command("list", cmd_list, "list jobs, newest first")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--cursor", help="the page after this cursor (printed under the last page)")
    p.add_argument("--json", action="store_true")

    for name, func, text in (
        ("exercises", cmd_exercises, "exercises from a succeeded job"),
        ("practice", cmd_practice, "a short practice round in the terminal"),
    ):
        p = command(name, func, text)
        p.add_argument("id")
        p.add_argument("--count", type=int, default=5)
        p.add_argument("--seed", type=int, default=0)
        if name == "exercises":
            p.add_argument("--kinds", help="comma-separated kinds (default: all the job gives)")
            p.add_argument("--json", action="store_true")
    p = command("answer", cmd_answer, "check an answer to one exercise")
    p.add_argument("id")
    p.add_argument("exercise")
    p.add_argument("answer", help="a number, or one of the exercise's options")
    p.add_argument("--json", action="store_true")
    p = command("flashcards", cmd_flashcards, "the lesson's ideas as cards")
    p.add_argument("--job", help="fill in this succeeded job's numbers")
    p = command("keys", cmd_keys, "the service's signing keys (in the Redis at REDIS_URL)")
    p.add_argument("action", choices=("rotate", "list"), help="make a new current key, or list")
    lti_cli.add_parser(sub)
    sweep_command.add(command, _client, read_spec)
    return parser


def cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    from .supervisor import supervise

    settings = Settings()
    return supervise(
        args.host or settings.host,
        args.port or settings.port,
        args.var_dir or settings.backprop_lab_var,
        settings.redis_url,
        settings.queue_prefix,
    )


def cmd_serve(args: argparse.Namespace, extra: list[str]) -> int:
    settings = Settings()
    bind = f"{args.host or settings.host}:{args.port or settings.port}"
    return _exec(api_command(bind) + gunicorn_config() + extra)


def cmd_worker(args: argparse.Namespace, extra: list[str]) -> int:
    return _exec(worker_command() + extra)


def _exec(argv: list[str]) -> int:
    os.execv(executable(argv[0]), argv)  # noqa: S606  our own argv, no shell
    return FAILED  # not reached


def read_spec(file: str) -> Any:
    """The JSON in `file` (- for stdin); not JSON: a ValueError naming the file and where."""
    name = "<stdin>" if file == "-" else file
    text = sys.stdin.read() if file == "-" else Path(file).read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{name} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None


def cmd_submit(args: argparse.Namespace, extra: list[str]) -> int:
    spec = read_spec(args.file)
    client = _client(args)
    job = client.submit(spec)
    if not args.wait:
        print(json.dumps(job, indent=2) if args.json else job["id"])
        return 0
    print(f"submitted {job['id']}", file=sys.stderr)
    for warning in job.get("warnings") or []:
        print(f"not started yet: {warning['detail']}", file=sys.stderr)
    fields = args.fields if args.json else None  # the summary reads the whole result
    bar = ProgressBar(sys.stderr)
    try:
        job = client.wait(job["id"], timeout=args.timeout, progress=bar, fields=fields)
    finally:
        bar.close()
    print(json.dumps(job, indent=2) if args.json else report.summary(job))
    return 0 if job["status"] == "succeeded" else FAILED


def cmd_show(args: argparse.Namespace, extra: list[str]) -> int:
    job = _client(args).get(args.id, args.fields if args.json else None)
    print(json.dumps(job, indent=2) if args.json else report.job_line(job))
    return 0


def cmd_summary(args: argparse.Namespace, extra: list[str]) -> int:
    client = _client(args)
    job = client.wait(args.id, timeout=args.timeout) if args.wait else client.get(args.id)
    if job["status"] in UNFINISHED:
        step = job.get("progress") or {}
        done = f" ({step['done']}/{step['total']} passes)" if step.get("total") else ""
        print(
            f"job {job['id']} is still {job['status']}{done}: its summary comes when it has "
            f"ended (`backprop-lab summary --wait {job['id']}` waits)",
            file=sys.stderr,
        )
        return FAILED
    print(report.summary(job))
    return 0 if job["status"] == "succeeded" else FAILED


def cmd_cancel(args: argparse.Namespace, extra: list[str]) -> int:
    print(cancel_outcome(_client(args).cancel(args.id)))
    return 0


def cancel_outcome(job: dict[str, Any]) -> str:
    """What the cancel left the job as."""
    status = job["status"]
    if status == "cancelled":
        return f"job {job['id']} is cancelled"
    if status == "running":
        return (
            f"job {job['id']} is running and asked to stop: it ends cancelled within a "
            "second or two (`backprop-lab show` it)"
        )
    return f"job {job['id']} had already {status}: nothing to cancel"


def cmd_download(args: argparse.Namespace, extra: list[str]) -> int:
    path = args.output or Path(f"{args.id}.npz")
    written = _client(args).download(args.id, path)
    print(f"{path} ({written} bytes): numpy.load({str(path)!r}, allow_pickle=False)")
    return 0


def cmd_delete(args: argparse.Namespace, extra: list[str]) -> int:
    _client(args).delete(args.id)
    print(f"{args.id}  deleted")
    return 0


def cmd_list(args: argparse.Namespace, extra: list[str]) -> int:
    page = _client(args).list(limit=args.limit, cursor=args.cursor)
    if args.json:
        print(json.dumps(page, indent=2))
        return 0
    for job in page["jobs"]:
        print(report.job_line(job))
    if page["next"]:
        print(
            f"more: backprop-lab list --limit {args.limit} --cursor {page['next']}", file=sys.stderr
        )
    return 0


def cmd_exercises(args: argparse.Namespace, extra: list[str]) -> int:
    page = _client(args).exercises(args.id, count=args.count, kinds=args.kinds, seed=args.seed)
    if args.json:
        print(json.dumps(page, indent=2))
        return 0
    for exercise in page["exercises"]:
        print(f"{exercise['id']}\n{practice.show(exercise)}\n")
    return 0


def cmd_answer(args: argparse.Namespace, extra: list[str]) -> int:
    check = _client(args).answer(args.id, args.exercise, practice.parse(args.answer))
    print(json.dumps(check, indent=2) if args.json else practice.verdict(check))
    return 0 if check["correct"] else FAILED


def cmd_practice(args: argparse.Namespace, extra: list[str]) -> int:
    try:
        practice.practice_round(_client(args), args.id, args.count, args.seed)
    except EOFError:
        print()
    return 0


def cmd_flashcards(args: argparse.Namespace, extra: list[str]) -> int:
    for card in _client(args).flashcards(args.job)["cards"]:
        print(f"Q: {card['front']}\nA: {card['back']}\n")
    return 0


def cmd_keys(args: argparse.Namespace, extra: list[str]) -> int:
    import redis

    from worker import tool_keys

    client = redis.Redis.from_url(Settings().redis_url)
    if args.action == "rotate":
        key = tool_keys.rotate(client)
        print(f"{key['kid']}  current (the one before it stays published)")
        return 0
    for key in tool_keys.listing(client):
        made = datetime.fromtimestamp(key["created"], UTC).isoformat(timespec="seconds")
        print(f"{key['kid']}  made {made}  {'current' if key['current'] else 'previous'}")
    return 0


def _client(args: argparse.Namespace) -> Client:
    return Client(args.url, api_key=args.api_key)


if __name__ == "__main__":
    sys.exit(main())
