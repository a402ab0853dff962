"""JAX's jitted gradient of the same cost, the second comparison partner of `bench.versus`.

Runs only when JAX is importable (it is not a dependency). The gradient is `jax.jit(jax.grad)`
of the batch cost over [W1, b1, W2, b2, ...], compiled once before timing; a call includes
copying nothing in (the arrays are on the device already) and waiting for the results
(`block_until_ready`). float64 needs JAX's x64 mode, switched on at import here.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import common

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:  # the benchmarks say so and skip JAX's columns
    jax = None


def jax_gradient(j: common.Job) -> Callable[[], list]:
    """A function that runs the compiled gradient and returns [dW1, db1, dW2, ...]."""
    fs = [getattr(jax.nn, name) for name in common.twin_activations(j, "JAX")]
    params = [jnp.asarray(p) for p in j.net.parameters()]
    x, y = jnp.asarray(j.x), jnp.asarray(j.y)

    def cost(params: list) -> jax.Array:
        a = x
        for w, b, f in zip(params[0::2], params[1::2], fs):
            a = f(a @ w.T + b)
        return ((a - y) ** 2).sum(axis=1).mean()

    grad = jax.jit(jax.grad(cost))

    def gradient() -> list:
        return [g.block_until_ready() for g in grad(params)]

    return gradient
