"""`run(spec) -> result`: the one entry point. The spec is JSON-ready data (or a JobSpec); the
result is JSON's shape (dicts, lists, numbers, strings) with NumPy arrays where the numbers
are arrays: `gradients`, `wishes`, `layers[...].three_ways`, `examples`, the naive method's
values, the training's costs. They stay arrays to the edge, where one encoder writes them
(the service's API), or `jsonable(result)` makes plain lists for `json.dumps`. Each array is
the result's own (no later call writes into it) and keeps the network's dtype.

The naive method can also run in parts (`naive_part`) that `run` joins (`naive_parts=`), so
ranges of parameters can be nudged by several workers and give the same result as one process.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from .backprop import Backprop, backprop, consistency, example_gradients
from .finite import first_not_finite
from .job import Job, prepare
from .naive import Nudged, Progress, ShouldStop, nudge, passes_needed
from .network import Network
from .provenance import provenance
from .spec import Limits, SpecError, estimate_cost
from .three_ways import three_ways
from .timing import median_interval, repeat_seconds
from .train_job import averaging_block, training_block

Array = np.ndarray


def naive_part(
    spec: Any,
    start: int,
    stop: int,
    base_cost: float | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> dict[str, Any]:
    """Nudge the parameters at positions start..stop-1 of the job's naive index list.

    For forward differences without `base_cost`, the part also runs the base pass C(theta) and
    returns it as `base_cost`: an empty part (start == stop) is that one pass, done once, whose
    cost the other parts are given, so the joined passes stay P + 1."""
    job = prepare(spec)
    indices = job.naive_indices[start:stop]
    began = time.time()  # the epoch, to join the parts' wall time across processes
    done = nudge(
        job.net,
        job.x,
        job.y,
        indices,
        job.epsilon,
        job.spec.naive.difference,
        base_cost,
        progress,
        should_stop,
    )
    return {
        "start": start,
        "stop": stop,
        "values": done.values.tolist(),
        "passes": done.passes,
        "seconds": done.seconds,
        "cpu_seconds": done.cpu_seconds,
        "base_cost": done.base_cost,
        "began_at": began,
        "ended_at": time.time(),
    }


def run(
    spec: Any,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    limits: Limits | None = None,
    naive_parts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Train first when the spec says `train`; then run backprop (always) and the naive
    method (when asked) on the network and report both, timed."""
    job = prepare(spec, limits)
    spec = job.spec
    estimate = estimate_cost(spec)
    total = estimate.get("training_passes", 0) + estimate["naive_passes"]
    training = None
    if spec.train is not None:  # first: the report is the trained network's
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
            training = training_block(job, progress, should_stop, total)
        check_finite({"training": training}, spec.network.dtype)
        if progress is not None:  # the naive method's passes count on from the training's
            offset = estimate["training_passes"]
            progress = lambda done, _, report=progress: report(offset + done, total)  # noqa: E731
    result = checked_backprop(job)
    out: dict[str, Any] = {
        "network": {
            "layers": job.net.sizes,
            "activations": [a.name for a in job.net.activations],
            "cost": job.net.cost_name,
            "dtype": str(job.net.dtype),
            "parameters": job.net.parameter_count,
        },
        "batch": job.batch_info,
        "cost": result.cost,
    }
    if spec.include.gradients:
        out["gradients"] = {
            "weights": result.weight_gradients,
            "biases": result.bias_gradients,
        }
    if spec.include.wishes:
        out["wishes"] = result.wishes
    if spec.include.layers:
        out["layers"] = _layers(job, result)
    if spec.include.per_example:
        out["examples"] = _examples(job, result)
    if training is not None:
        out["training"] = training
    if spec.include.averaging:
        out["averaging"] = averaging_block(job)
    nudged, wall = None, None
    if "naive" in spec.methods:
        nudged, wall = _naive(job, naive_parts, progress, should_stop)
        out["naive"] = _compare(job, result, nudged)
    out["timing"] = _timing(job, nudged, wall)
    check_finite(out, spec.network.dtype)
    out["provenance"] = provenance()  # where the timings came from; cached per process
    return out


def checked_backprop(job: Job) -> Backprop:
    """Backprop as a job's report needs it: the input layer's mean wish only (every example's
    when `include.per_example` asks), refused with a SpecError when the network overflows.
    With the wishes, three ways and consistency, this is the report's path that bench/ times."""
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        result = backprop(
            job.net, job.x, job.y, input_wishes=True if job.spec.include.per_example else "mean"
        )
    # refuse an overflowing network before the naive method spends its passes on it
    check_finite(
        {
            "cost": result.cost,
            "gradients": {"weights": result.weight_gradients, "biases": result.bias_gradients},
        },
        job.spec.network.dtype,
    )
    return result


def _naive(
    job: Job,
    parts: list[dict[str, Any]] | None,
    progress: Progress | None,
    should_stop: ShouldStop | None,
) -> tuple[Nudged, float]:
    """The naive gradient (its `cpu_seconds` the parts' CPU seconds, summed), and the wall
    seconds it took: in one process its own seconds; in parts, from the first part's start to
    the last one's end (the parts ran side by side, so their seconds add up to more)."""
    indices = job.naive_indices
    if parts is None:
        done = nudge(
            job.net,
            job.x,
            job.y,
            indices,
            job.epsilon,
            job.spec.naive.difference,
            progress=progress,
            should_stop=should_stop,
        )
        return done, done.seconds
    parts = sorted(parts, key=lambda p: (p["start"], p["stop"]))  # an empty base part first
    covered = [(p["start"], p["stop"]) for p in parts]
    expected = list(zip([0] + [s for _, s in covered[:-1]], [s for _, s in covered]))
    if covered != expected or covered[-1][1] != len(indices):
        raise ValueError(f"naive parts {covered} do not cover 0..{len(indices)} exactly once")
    values = np.concatenate([np.asarray(p["values"], dtype=np.float64) for p in parts])
    wall = max(p["ended_at"] for p in parts) - min(p["began_at"] for p in parts)
    return Nudged(
        indices,
        values,
        sum(p["passes"] for p in parts),
        sum(p["seconds"] for p in parts),
        cpu_seconds=sum(p.get("cpu_seconds", p["seconds"]) for p in parts),  # an older part: wall
    ), wall


def _compare(job: Job, result: Backprop, nudged: Nudged) -> dict[str, Any]:
    flat = np.concatenate([g.ravel() for g in _interleave(result)]).astype(np.float64)
    reference = flat[nudged.indices]
    diff = nudged.values - reference
    scale = np.linalg.norm(nudged.values) + np.linalg.norm(reference)
    naive = job.spec.naive
    out: dict[str, Any] = {
        "difference": naive.difference,
        "epsilon": job.epsilon,
        "parameters": job.net.parameter_count,
        "nudged": len(nudged.indices),
        "sampled": naive.sample is not None,
        "passes": nudged.passes,
        "max_abs_diff": float(np.abs(diff).max()),
        "relative_error": float(np.linalg.norm(diff) / max(scale, np.finfo(np.float64).tiny)),
    }
    if naive.sample is None:
        out["gradients"] = _unflatten(job.net, nudged.values)
    else:
        out["indices"] = nudged.indices.tolist()
        out["labels"] = _labels(job.net, nudged.indices)
        out["values"] = nudged.values
        out["backprop_values"] = reference
    return out


def _timing(job: Job, nudged: Nudged | None, wall: float | None) -> dict[str, Any]:
    """Forward is one pass (`Network.cost`). Backprop is timed as the gradient's cost: one
    forward pass and one backward sweep without the input layer's wishes (input_wishes=False),
    which no gradient needs and which the naive method never computes either.

    The naive method's `cpu_seconds` are the CPU seconds of its passes (time.process_time of
    the process that ran them, one BLAS thread), summed over the parts of a split job: the work
    it costs whatever else shared the cores, so the speedup uses them. `wall_seconds` is how
    long the client waited for them: jobs running side by side on the same cores stretch it.
    The naive method runs once (no repeats, no interval): its passes are its repeats."""
    repeats = job.spec.timing.repeats
    forward_times = repeat_seconds(lambda: job.net.cost(job.x, job.y), repeats)
    back_times = repeat_seconds(
        lambda: backprop(job.net, job.x, job.y, input_wishes=False), repeats
    )
    forward, back = statistics.median(forward_times), statistics.median(back_times)
    difference = job.spec.naive.difference
    full_passes = passes_needed(job.net.parameter_count, difference)
    naive: dict[str, Any] = {"difference": difference, "full_passes": full_passes}
    if nudged is not None and nudged.passes:
        per_pass = nudged.cpu_seconds / nudged.passes
        naive.update(
            cpu_seconds=nudged.cpu_seconds,
            wall_seconds=wall,
            passes=nudged.passes,
            seconds_per_pass=per_pass,
            pass_to_forward=per_pass / forward,
            measured=len(nudged.indices) == job.net.parameter_count,
        )
        full = nudged.cpu_seconds if naive["measured"] else per_pass * full_passes
    else:
        naive.update(cpu_seconds=None, wall_seconds=None, passes=0, measured=False)
        per_pass = forward
        full = forward * full_passes
    naive.update(
        full_seconds=full,
        basis="measured"
        if naive["measured"]
        else ("sample" if nudged is not None else "forward_pass"),
    )
    return {
        "forward": {
            "seconds": forward,
            "passes": 1,
            "repeats": len(forward_times),
            "ci": median_interval(forward_times),
        },
        "backprop": {
            "seconds": back,
            "passes": {"forward": 1, "backward": 1},
            "repeats": len(back_times),
            "ci": median_interval(back_times),
            "backprop_to_forward": back / forward,
        },
        "naive": naive,
        "speedup": full / back,
    }


def _layers(job: Job, result: Backprop) -> list[dict[str, Any]]:
    ways = three_ways(result, job.net.weights)
    return [
        {
            "layer": l,
            "width": job.net.sizes[l],
            "activation": job.net.activations[l - 1].name,
            "consistency": c,
            "three_ways": way,
        }
        for l, (way, c) in enumerate(zip(ways, consistency(result)), start=1)
    ]


def _examples(job: Job, result: Backprop) -> dict[str, Any]:
    """Every example's detail. With one example its wishes and gradients are the batch's
    (the mean of one), so they are left out: `wishes` and `gradients` say them."""
    out = {
        "activations": result.activations,
        "targets": job.y,
        "costs": result.example_costs,
    }
    if len(job.x) > 1:
        weights, biases = example_gradients(result)
        out["wishes"] = result.example_wishes
        out["gradients"] = {"weights": weights, "biases": biases}
    return out


def _interleave(result: Backprop) -> list[Array]:
    return [g for pair in zip(result.weight_gradients, result.bias_gradients) for g in pair]


def _unflatten(net: Network, values: Array) -> dict[str, list[Array]]:
    out: dict[str, list[Array]] = {"weights": [], "biases": []}
    at = 0
    for w, b in zip(net.weights, net.biases):
        out["weights"].append(values[at : at + w.size].reshape(w.shape))
        at += w.size
        out["biases"].append(values[at : at + b.size])
        at += b.size
    return out


def _labels(net: Network, indices: Array) -> list[str]:
    """Readable names of flat parameter indices (W2[3,0], b1[4], as `Network.label`), found
    for all of them at once: the parameter array each falls in, then its row and column."""
    arrays = net.parameters()
    starts = np.cumsum([0] + [p.size for p in arrays])
    which = np.searchsorted(starts, indices, side="right") - 1
    at = indices - starts[which]
    columns = np.array([p.shape[1] if p.ndim == 2 else 1 for p in arrays])[which]
    rows, cols = np.divmod(at, columns)
    return [
        f"W{k // 2 + 1}[{r},{c}]" if k % 2 == 0 else f"b{k // 2 + 1}[{i}]"
        for k, r, c, i in zip(which.tolist(), rows.tolist(), cols.tolist(), at.tolist())
    ]


def jsonable(value: Any) -> Any:
    """`value` (a result, or any part of one) with its arrays as lists and NumPy numbers as
    Python's: plain data for `json.dumps`, which then writes the numbers the service's JSON
    holds (float32 arrays as the float64 values they are)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def check_finite(result: dict[str, Any], dtype: str) -> None:
    """Raise SpecError naming the first number of `result` (its arrays included) that is NaN
    or infinite."""
    found = first_not_finite(result)
    if found is not None:
        path, number = found
        raise SpecError(
            [
                {
                    "field": "network",
                    "message": f"the result's {path} is {number} "
                    f"(not finite): the network overflows in {dtype} on this batch; use "
                    "smaller weights or inputs" + (", or float64" if dtype == "float32" else ""),
                }
            ]
        )
