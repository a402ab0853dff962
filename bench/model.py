"""Forward pass vs backprop: is the backward sweep about as cheap as the forward pass?

Forward is one pass, `Network.cost`: the pass the naive method repeats. Backprop is
`model.backprop.backprop(..., input_wishes=False)`: one forward pass and one backward sweep,
without the input layer's wishes, which no gradient needs (`run()` times it the same way).
Target: backprop at most 2.5x one forward pass at batch 100 and above.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import common
from model.backprop import backprop

TARGET = 2.5


def timers(j: common.Job) -> dict[str, Callable[[], object]]:
    return {
        "forward": lambda: j.net.cost(j.x, j.y),
        "backprop": lambda: backprop(j.net, j.x, j.y, input_wishes=False),
    }


def verdict(r: float, batch: int, dtype: str) -> str:
    if batch < 100:
        return "(no target)"
    return "ok" if r <= TARGET else "MISSED"


if __name__ == "__main__":
    common.compare(
        __doc__.splitlines()[0],
        timers,
        "backprop",
        "forward",
        verdict,
        f"backprop/forward (<= {TARGET} at >= 100)",
    )
