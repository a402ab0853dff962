"""Backprop vs torch autograd on the same network, batch, dtype and thread count.

Runs only when torch is importable (it is not a dependency). Torch computes the same cost from
the same arrays (shared memory, no copy) with `F.linear` and its own activations, and
`torch.autograd.grad` gives the parameters' gradient only, like backprop(input_wishes=False).
The two gradients are checked equal before timing. Both use `bench.THREADS` threads; with more
than one, the two are interleaved in stretches of 0.2 s rather than call by call (see
`common.interleaved`), and "rounds" counts stretches.
Target: backprop faster than torch autograd at batch 100 and 1000 in float64.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import common
from model.backprop import backprop

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the benchmark says so and skips
    torch = None


def torch_gradient(j: common.Job) -> Callable[[], list]:
    """A function that runs forward + backward in torch and returns [dW1, db1, dW2, ...]."""
    fs = [getattr(torch, name) for name in common.twin_activations(j, "torch")]
    params = [torch.from_numpy(p).requires_grad_() for p in j.net.parameters()]
    x, y = torch.from_numpy(j.x), torch.from_numpy(j.y)

    def gradient() -> list:
        a = x
        for w, b, f in zip(params[0::2], params[1::2], fs):
            a = f(F.linear(a, w, b))  # a W^T + b, as in Network.feedforward
        cost = ((a - y) ** 2).sum(dim=1).mean()
        return torch.autograd.grad(cost, params)

    return gradient


# more than one thread: numpy's and torch's thread pools would fight if called alternately
BLOCK = 0.2 if common.THREADS > 1 else 0.0


def timers(j: common.Job) -> dict[str, Callable[[], object]]:
    if torch is None:
        return {}
    gradient = torch_gradient(j)
    common.check_gradient(j, gradient())
    return {"backprop": lambda: backprop(j.net, j.x, j.y, input_wishes=False), "torch": gradient}


def verdict(r: float, batch: int, dtype: str) -> str:
    if batch < 100 or dtype != "float64":
        return "(no target)"
    return "ok" if r < 1 else "MISSED"


if __name__ == "__main__":
    if torch is None:
        print("torch is not importable: nothing to compare")
    else:
        common.compare(
            __doc__.splitlines()[0],
            timers,
            "backprop",
            "torch",
            verdict,
            "backprop/torch (< 1 at 100, 1000)",
            block=BLOCK,
        )
        print("(torch's gradient was checked equal to model.backprop's, rtol 1e-10, each time)")
