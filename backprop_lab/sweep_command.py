"""`backprop-lab sweep SPEC --grid PATH=VALUES ...`: run a sweep, show the points' progress,
write the table (--csv, --npz) and end with the fitted exponents.

    backprop-lab sweep spec.json --grid 'network.layers=[[784,16,16,10],[784,64,64,10]]' \\
        --grid 'batch.size=[1,100]' --csv out.csv
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .progress import ProgressBar
from .sweeping import exponents_text, run_sweep


def grid_entry(text: str) -> tuple[str, list[Any]]:
    """`path=JSON list` -> (path, values); argparse shows a ValueError's message."""
    path, sep, values = text.partition("=")
    if not sep or not path.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: write PATH=[values, ...]")
    try:
        parsed = json.loads(values)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"{path}: the values are not JSON ({error.msg})") from None
    if not isinstance(parsed, list) or not parsed:
        raise argparse.ArgumentTypeError(f"{path}: give a non-empty JSON list of values")
    return path.strip(), parsed


def add(command, client_of, read_spec) -> None:
    """Declare the command with the CLI's `command(name, func, help)`; `client_of(args)` is the
    CLI's client, `read_spec(file)` its spec reader."""

    def cmd(args: argparse.Namespace, extra: list[str]) -> int:
        return cmd_sweep(args, client_of(args), read_spec(args.file))

    p = command("sweep", cmd, "run one job per point of a grid over a spec; fit the law")
    p.add_argument("file", help="the base job spec (a JSON file, or - for stdin)")
    p.add_argument(
        "--grid",
        type=grid_entry,
        action="append",
        required=True,
        metavar="PATH=VALUES",
        help="a dotted spec path and a JSON list of its values; repeat for more paths",
    )
    p.add_argument("--csv", type=Path, help="write the table as CSV here")
    p.add_argument("--npz", type=Path, help="write the table's columns as .npz here")
    p.add_argument("--timeout", type=float, default=None, help="give up waiting after S seconds")
    p.add_argument("--json", action="store_true", help="print the ended sweep as JSON")


def cmd_sweep(args: argparse.Namespace, client, base: Any) -> int:
    bar = ProgressBar(sys.stderr, unit="points")
    try:
        result = run_sweep(client, base, dict(args.grid), args.timeout, progress=bar)
    finally:
        bar.close()
    sweep = result.sweep
    if args.csv:
        args.csv.write_text(client.sweep_csv(sweep["id"]))
    if args.npz:
        import numpy as np

        np.savez(args.npz, **result.table)
    if args.json:
        print(json.dumps(sweep, indent=2))
    else:
        states = ", ".join(f"{n} {s}" for s, n in sweep["progress"]["by_state"].items() if n)
        print(f"sweep {sweep['id']}: {sweep['status']}, {states}")
        print(exponents_text(result.fit))
    return 0 if sweep["progress"]["by_state"]["succeeded"] == sweep["progress"]["total"] else 1
