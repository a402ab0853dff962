"""Plain-text views of jobs for the terminal: a job line, the timing comparison, the layers."""

from __future__ import annotations

import math
from typing import Any


def table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; the first left-aligned, the rest right-aligned."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def number(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "-"
    if x == 0 or 1e-3 <= abs(x) < 1e6:
        return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"
    return f"{x:.{digits - 1}e}"


def seconds(x: float | None) -> str:
    if x is None:
        return "-"
    for unit, scale in (("h", 3600), ("min", 60)):
        if x >= 100 * scale / 60:
            return f"{x / scale:.3g} {unit}"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if x >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x * 1e9:.3g} ns"


def job_line(job: dict[str, Any]) -> str:
    """`<id>  <status>  <network>  <methods>  <progress>  <created>` on one line, from the job
    or from a listing's summary of it (which has `layers` and `methods` but no spec)."""
    spec = job.get("spec") or {}
    widths = job.get("layers") or (spec.get("network") or {}).get("layers") or []
    methods = job.get("methods") or spec.get("methods") or []
    parts = [
        str(job.get("id")),
        str(job.get("status")),
        "-".join(map(str, widths)),
        "+".join(methods),
    ]
    step = job.get("progress")
    if step and step.get("total") and job.get("status") == "running":
        parts.append(f"{step['done']}/{step['total']} passes")
    if job.get("created_at"):
        parts.append(str(job["created_at"]))
    parts += [f"(not started: {w['detail']})" for w in job.get("warnings") or []]
    return "  ".join(p for p in parts if p)


def summary(job: dict[str, Any]) -> str:
    """The job's network and cost, the timing comparison and the per-layer table."""
    lines = [job_line(job)]
    error = job.get("error")
    if error:
        lines.append(f"error: {error.get('title', '')}: {error.get('detail', '')}")
    result = job.get("result")
    if not result:
        return "\n".join(lines)
    net, batch = result["network"], result["batch"]
    lines.append(
        f"network  {'-'.join(map(str, net['layers']))}  "
        f"{', '.join(net['activations'])}  cost {net['cost']}  "
        f"{net['parameters']:,} parameters ({net['dtype']})"
    )
    lines.append(
        f"batch    {batch.get('size')} examples from {batch.get('source')}  "
        f"cost {number(result['cost'], 6)}"
    )
    if result.get("training"):
        lines += ["", training_lines(result["training"])]
    if result.get("averaging"):
        lines += ["", averaging_lines(result["averaging"])]
    lines += ["", timing_table(result)]
    if result.get("naive"):
        lines += ["", naive_check(result["naive"])]
    if result.get("layers"):
        lines += ["", layer_table(result)]
    return "\n".join(lines)


def training_lines(training: dict[str, Any]) -> str:
    """What gradient descent did before the report: the cost, the accuracy, a step's cost."""
    cost, accuracy = training["cost"], training["accuracy"]
    first, last = accuracy[0]["value"], accuracy[-1]["value"]
    steps = training["step_timing"]
    return "\n".join(
        [
            f"training {training['steps']:,} steps ({training['method']}, mini-batch "
            f"{training['batch_size']}, learning rate {number(training['learning_rate'])}) in "
            f"{seconds(training['seconds'])}",
            f"         mini-batch cost {number(cost[0])} -> {number(cost[-1])}; accuracy "
            f"({training['evaluated_on']}) {first:.1%} -> {last:.1%}",
            f"         one step: backprop {seconds(steps['backprop']['seconds'])}, naive "
            f"{seconds(steps['naive']['seconds'])} ({steps['naive']['basis']}, "
            f"{steps['naive']['passes']:,} passes): {steps['naive_to_backprop']:,.0f}x",
        ]
    )


def averaging_lines(averaging: dict[str, Any]) -> str:
    """The cosine of mini-batch gradients with the whole pool's, by batch size."""
    sizes = "  ".join(f"{s['batch_size']}: {number(s['overall'], 2)}" for s in averaging["sizes"])
    true, shuffled = averaging["consistency"]["true"], averaging["consistency"]["shuffled"]
    show = ", ".join
    return "\n".join(
        [
            f"averaging cosine with the {averaging['reference']['source']} gradient by batch size  "
            f"{sizes}",
            f"          consistency by layer, true labels {show(number(c, 2) for c in true)}; "
            f"shuffled {show(number(c, 2) for c in shuffled)}",
        ]
    )


def timing_table(result: dict[str, Any]) -> str:
    timing = result["timing"]
    forward, back, naive = timing["forward"], timing["backprop"], timing["naive"]
    rows = [
        ["forward pass", seconds(forward["seconds"]), "1", "1"],
        [
            "backprop (1 forward + 1 backward)",
            seconds(back["seconds"]),
            "2",
            number(back["backprop_to_forward"]),
        ],
    ]
    if naive.get("passes") and not naive["measured"]:
        rows.append(
            [
                f"naive {naive['difference']}, as run (cpu seconds)",
                seconds(naive["cpu_seconds"]),
                f"{naive['passes']:,}",
                number(naive["cpu_seconds"] / forward["seconds"]),
            ]
        )
    if naive.get("passes") and naive["wall_seconds"] < naive["cpu_seconds"]:
        rows.append(
            ["naive, wall clock (its parts side by side)", seconds(naive["wall_seconds"]), "", ""]
        )
    how = {
        "measured": "measured",
        "sample": "estimated from the sample",
        "forward_pass": "estimated from one forward pass",
    }.get(naive["basis"], naive["basis"])
    rows.append(
        [
            f"naive {naive['difference']}, all parameters ({how})",
            seconds(naive["full_seconds"]),
            f"{naive['full_passes']:,}",
            number(naive["full_seconds"] / forward["seconds"]),
        ]
    )
    text = table(["timing", "seconds", "passes", "x forward"], rows)
    return text + f"\n\nbackprop is {number(timing['speedup'])} times faster than naive nudging"


def naive_check(naive: dict[str, Any]) -> str:
    which = "a sample of" if naive["sampled"] else "all"
    return (
        f"naive check ({naive['difference']}, epsilon {naive['epsilon']:g}): nudged {which} "
        f"{naive['nudged']:,} of {naive['parameters']:,} parameters; "
        f"max |naive - backprop| {number(naive['max_abs_diff'])}, "
        f"relative error {number(naive['relative_error'])}"
    )


def layer_table(result: dict[str, Any]) -> str:
    """Per weighted layer: size of its wish, of each of the three ways, and its consistency."""
    wishes = result.get("wishes")
    rows = []
    for layer in result["layers"]:
        ways = layer["three_ways"]
        index = layer["layer"]
        rows.append(
            [
                str(index),
                str(layer["width"]),
                layer["activation"],
                number(_norm(wishes[index])) if wishes else "-",
                number(_norm(ways["bias"])),
                number(_norm(ways["weights"])),
                number(_norm(ways["previous"])),
                number(layer["consistency"]),
            ]
        )
    header = [
        "layer",
        "width",
        "activation",
        "|wish|",
        "|bias way|",
        "|weights way|",
        "|previous way|",
        "consistency",
    ]
    return table(header, rows)


def _norm(values: Any) -> float:
    """Euclidean norm of a nested list of numbers."""

    def squares(v: Any) -> float:
        return sum(squares(x) for x in v) if isinstance(v, list) else float(v) ** 2

    return math.sqrt(squares(values))
