"""The naive nudging method: exact pass counts, agreement, sampling, parts, progress, stop."""

import time

import numpy as np
import pytest

import model
from model.backprop import backprop
from model.naive import Cancelled, choose_indices, nudge

SPEC = {
    "network": {"layers": [5, 4, 3], "activation": "sigmoid", "init": {"seed": 2}},
    "batch": {"dataset": "random", "size": 6, "seed": 4},
}
P = 4 * 6 + 3 * 5  # 39 parameters


class CountingNetwork:
    """Wraps a network and counts every forward pass it is asked for."""

    def __init__(self, net):
        self.net, self.calls = net, 0

    def parameters(self):
        return self.net.parameters()

    def cost(self, x, y):
        self.calls += 1
        return self.net.cost(x, y)


@pytest.mark.parametrize("difference,expected", [("forward", P + 1), ("central", 2 * P)])
def test_pass_counts_are_exact(difference, expected):
    job = model.prepare(SPEC)
    counter = CountingNetwork(job.net)
    done = nudge(counter, job.x, job.y, np.arange(P), 1e-6, difference)
    assert job.net.parameter_count == P
    assert done.passes == expected == counter.calls
    out = model.run({**SPEC, "methods": ["backprop", "naive"], "naive": {"difference": difference}})
    assert out["naive"]["passes"] == expected
    assert out["timing"]["naive"]["full_passes"] == expected


@pytest.mark.parametrize("difference,tolerance", [("forward", 1e-6), ("central", 1e-9)])
def test_naive_agrees_with_backprop(difference, tolerance):
    out = model.run({**SPEC, "methods": ["backprop", "naive"], "naive": {"difference": difference}})
    naive = out["naive"]
    assert naive["relative_error"] < tolerance
    assert naive["nudged"] == naive["parameters"] == P and not naive["sampled"]
    for ours, theirs in zip(naive["gradients"]["weights"], out["gradients"]["weights"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-9)
    flat = np.concatenate([np.ravel(g) for g in out["gradients"]["weights"]])
    assert naive["max_abs_diff"] <= np.abs(flat).max()


def test_parameters_are_restored_exactly():
    job = model.prepare(SPEC)
    before = [p.copy() for p in job.net.parameters()]
    nudge(job.net, job.x, job.y, np.arange(P), 1e-3, "central")
    for p, q in zip(before, job.net.parameters()):
        np.testing.assert_array_equal(p, q)


def test_a_seeded_sample_compares_the_chosen_entries():
    spec = {**SPEC, "methods": ["naive"], "naive": {"sample": 7, "seed": 3}}
    out = model.run(spec)
    naive = out["naive"]
    assert naive["sampled"] and naive["nudged"] == 7 and naive["passes"] == 14
    assert naive["indices"] == choose_indices(P, 7, 3).tolist()
    assert naive["indices"] == sorted(set(naive["indices"]))
    np.testing.assert_allclose(naive["values"], naive["backprop_values"], rtol=1e-6)
    assert model.run(spec)["naive"]["indices"] == naive["indices"]
    # labels name the parameter: W1[j,k] is row j, column k of W(1)
    job = model.prepare(spec)
    flat = np.concatenate([p.ravel() for p in job.net.parameters()])
    for index, label in zip(naive["indices"], naive["labels"]):
        layer, kind, where = job.net.locate(index)
        array = (job.net.weights if kind == "weight" else job.net.biases)[layer - 1]
        assert array[where] == flat[index]
        assert label.startswith("W" if kind == "weight" else "b")
    # the time for every parameter is estimated from the sample's passes
    timing = out["timing"]["naive"]
    assert timing["basis"] == "sample" and timing["full_passes"] == 2 * P
    np.testing.assert_allclose(timing["full_seconds"], timing["seconds_per_pass"] * 2 * P)


def test_parts_join_into_the_single_process_result():
    spec = {**SPEC, "methods": ["naive"], "naive": {"difference": "forward"}}
    whole = model.run(spec)
    n = model.naive_count(spec)
    job = model.prepare(spec)
    base = job.net.cost(job.x, job.y)
    parts = [model.naive_part(spec, a, b, base_cost=base) for a, b in [(20, n), (0, 7), (7, 20)]]
    assert sum(p["passes"] for p in parts) == n  # the base pass was done once, outside
    joined = model.run(spec, naive_parts=parts)
    assert model.jsonable(joined["naive"]["gradients"]) == model.jsonable(
        whole["naive"]["gradients"]
    )
    assert joined["naive"]["relative_error"] == whole["naive"]["relative_error"]
    with pytest.raises(ValueError, match="cover"):
        model.run(spec, naive_parts=parts[:2])


def test_an_empty_base_part_counts_the_base_pass_once():
    spec = {**SPEC, "methods": ["naive"], "naive": {"difference": "forward"}}
    whole = model.run(spec)
    n = model.naive_count(spec)
    base = model.naive_part(spec, 0, 0)
    assert base["passes"] == 1 and base["values"] == []
    np.testing.assert_allclose(base["base_cost"], whole["cost"], rtol=1e-12)
    parts = [model.naive_part(spec, a, b, base_cost=base["base_cost"]) for a, b in [(9, n), (0, 9)]]
    joined = model.run(spec, naive_parts=[*parts, base])
    assert joined["naive"]["passes"] == whole["naive"]["passes"] == n + 1
    assert model.jsonable(joined["naive"]["gradients"]) == model.jsonable(
        whole["naive"]["gradients"]
    )


def test_progress_rises_and_stop_cancels_with_parameters_restored():
    job = model.prepare(
        {"network": {"layers": [64, 32, 10]}, "batch": {"dataset": "digits", "size": 200}}
    )
    seen = []
    before = [p.copy() for p in job.net.parameters()]
    with pytest.raises(Cancelled) as stopped:
        nudge(
            job.net,
            job.x,
            job.y,
            np.arange(job.net.parameter_count),
            1e-6,
            progress=lambda done, total: seen.append((done, total)),
            should_stop=lambda: len(seen) >= 3,
            check_seconds=0.0,
        )
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[0][0] < seen[-1][0]
    assert all(total == 2 * job.net.parameter_count for _, total in seen)
    assert stopped.value.passes == seen[-1][0] < 2 * job.net.parameter_count
    for p, q in zip(before, job.net.parameters()):
        np.testing.assert_array_equal(p, q)


def test_float32_naive_divides_by_the_step_actually_taken():
    spec = {
        "network": {"layers": [6, 5, 3], "dtype": "float32", "init": {"seed": 1}},
        "batch": {"dataset": "random", "size": 20},
        "methods": ["naive"],
    }
    out = model.run(spec)
    assert out["naive"]["epsilon"] == 1e-2
    # float32 cost differences carry about 1e-7 / 1e-2 relative noise, plus O(eps^2) bias
    assert out["naive"]["relative_error"] < 1e-3


def test_backprop_grads_unchanged_by_naive_run():
    job = model.prepare(SPEC)
    before = backprop(job.net, job.x, job.y).weight_gradients
    nudge(job.net, job.x, job.y, np.arange(P), 1e-6)
    after = backprop(job.net, job.x, job.y).weight_gradients
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_parts_side_by_side_report_cpu_seconds_summed_and_wall_seconds_spanned():
    spec = {**SPEC, "methods": ["naive"]}
    n = model.naive_count(spec)
    parts = [model.naive_part(spec, a, b) for a, b in [(0, 9), (9, n)]]
    # as if two workers ran them at once: 10.0 -> 12.5 and 10.5 -> 13.0 on the epoch clock
    # each waited for a core: 2.5 s on the wall clock for 2.0 and 1.5 s of CPU
    parts[0] |= {"seconds": 2.5, "cpu_seconds": 2.0, "began_at": 10.0, "ended_at": 12.5}
    parts[1] |= {"seconds": 2.5, "cpu_seconds": 1.5, "began_at": 10.5, "ended_at": 13.0}
    naive = model.run(spec, naive_parts=parts)["timing"]["naive"]
    assert naive["cpu_seconds"] == 3.5 and naive["wall_seconds"] == 3.0
    assert naive["measured"] and naive["full_seconds"] == 3.5  # the speedup's basis: cpu
    assert naive["seconds_per_pass"] == 3.5 / naive["passes"]


def test_naive_cpu_seconds_are_the_process_cpu_time_not_the_wall_clock():
    spec = {**SPEC, "methods": ["naive"]}
    cpu = time.process_time()
    alone = model.run(spec)["timing"]["naive"]
    assert 0 < alone["cpu_seconds"] <= time.process_time() - cpu
    # a part that sleeps between its passes spends wall seconds and no CPU
    job = model.prepare(spec)
    slept = nudge(job.net, job.x, job.y, np.arange(3), 1e-6, progress=lambda *_: time.sleep(0.2))
    assert slept.seconds >= 0.2 > 0.1 > slept.cpu_seconds
