"""`backprop-lab`: start the service, or talk to a running one.

    backprop-lab run                       Redis (found or embedded) + worker + API, Ctrl-C stops
    backprop-lab serve | worker            the API (gunicorn) or one Celery worker, alone
    backprop-lab submit FILE [--wait]      queue a spec; --wait shows progress and the summary
    backprop-lab show ID | summary ID | cancel ID | list
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import requests

from worker.settings import Settings

from . import report
from .client import DEFAULT_URL, ApiError, Client
from .commands import api_command, gunicorn_config, worker_command
from .run import executable

FAILED = 1


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in ("serve", "worker"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args, extra)
    except ApiError as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    except requests.ConnectionError:
        print(f"error: no answer from {args.url} (start it with `backprop-lab run`, or give "
              "--url / BACKPROP_LAB_URL)", file=sys.stderr)
        return FAILED
    except (OSError, ValueError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backprop-lab", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("BACKPROP_LAB_URL", DEFAULT_URL),
                        help="the API (default: $BACKPROP_LAB_URL or %(default)s)")
    parser.add_argument("--api-key", default=os.environ.get("BACKPROP_LAB_API_KEY"),
                        help="API key, when the service requires one "
                             "(default: $BACKPROP_LAB_API_KEY)")
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
    p.add_argument("--var-dir", type=Path,
                   help="where the embedded Redis keeps its data (default: $BACKPROP_LAB_VAR "
                        "or ./var)")
    p = command("serve", cmd_serve, "serve the API with gunicorn (extra options go to gunicorn)")
    p.add_argument("--host", help="bind address (default: $HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $PORT or 8000)")
    command("worker", cmd_worker, "run a Celery worker (extra options go to celery)")

    p = command("submit", cmd_submit, "submit a job spec (a JSON file, or - for stdin)")
    p.add_argument("file")
    p.add_argument("--wait", action="store_true", help="wait, show progress, print the summary")
    p.add_argument("--timeout", type=float, default=None, help="give up waiting after S seconds")
    p.add_argument("--json", action="store_true", help="print the job as JSON")
    for name, func, text in (("show", cmd_show, "show a job"),
                             ("summary", cmd_summary, "a finished job's timing and layers"),
                             ("cancel", cmd_cancel, "cancel a queued or running job")):
        p = command(name, func, text)
        p.add_argument("id")
        if name == "show":
            p.add_argument("--json", action="store_true", help="print the job as JSON")
    p = command("list", cmd_list, "list jobs, newest first")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    return parser


def cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    from .run import run

    settings = Settings()
    return run(args.host or settings.host, args.port or settings.port,
               args.var_dir or settings.backprop_lab_var, settings.redis_url)


def cmd_serve(args: argparse.Namespace, extra: list[str]) -> int:
    settings = Settings()
    bind = f"{args.host or settings.host}:{args.port or settings.port}"
    return _exec(api_command(bind) + gunicorn_config() + extra)


def cmd_worker(args: argparse.Namespace, extra: list[str]) -> int:
    return _exec(worker_command() + extra)


def _exec(argv: list[str]) -> int:
    os.execv(executable(argv[0]), argv)
    return FAILED  # not reached


def cmd_submit(args: argparse.Namespace, extra: list[str]) -> int:
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
    client = _client(args)
    job = client.submit(json.loads(text))
    if not args.wait:
        print(json.dumps(job, indent=2) if args.json else job["id"])
        return 0
    print(f"submitted {job['id']}", file=sys.stderr)
    bar = ProgressBar(sys.stderr)
    try:
        job = client.wait(job["id"], timeout=args.timeout, progress=bar)
    finally:
        bar.close()
    print(json.dumps(job, indent=2) if args.json else report.summary(job))
    return 0 if job["status"] == "succeeded" else FAILED


def cmd_show(args: argparse.Namespace, extra: list[str]) -> int:
    job = _client(args).get(args.id)
    print(json.dumps(job, indent=2) if args.json else report.job_line(job))
    return 0


def cmd_summary(args: argparse.Namespace, extra: list[str]) -> int:
    job = _client(args).get(args.id)
    print(report.summary(job))
    return 0 if job["status"] == "succeeded" else FAILED


def cmd_cancel(args: argparse.Namespace, extra: list[str]) -> int:
    print(report.job_line(_client(args).cancel(args.id)))
    return 0


def cmd_list(args: argparse.Namespace, extra: list[str]) -> int:
    page = _client(args).list(limit=args.limit)
    if args.json:
        print(json.dumps(page, indent=2))
    else:
        for job in page["jobs"]:
            print(report.job_line(job))
    return 0


def _client(args: argparse.Namespace) -> Client:
    return Client(args.url, api_key=args.api_key)


class ProgressBar:
    """Redraws one line on a terminal; elsewhere writes a line per tenth of the way."""

    def __init__(self, stream: Any):
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = -1
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        text = report.progress_bar(done, total)
        if self.tty:
            self.stream.write("\r" + text)
            self.drawn = True
        elif (tenth := 10 * done // max(total, 1)) > self.shown:
            self.shown = tenth
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


if __name__ == "__main__":
    sys.exit(main())
