"""An independent reference for the tests: a plain forward pass written from docs/words.md's
formulas (not from model/), and central differences on it in float64."""

from __future__ import annotations

import numpy as np

F = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "identity": lambda z: z,
    "softmax": lambda z: (
        np.exp(z - z.max(1, keepdims=True))
        / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)
    ),
}


def outputs(weights, biases, activations, x) -> np.ndarray:
    """The output layer's activations, one row per example."""
    a = x
    for w, b, f in zip(weights, biases, activations):
        a = F[f](a @ w.T + b)
    return a


def cost(weights, biases, activations, cost_name, x, y) -> float:
    a = outputs(weights, biases, activations, x)
    if cost_name == "squared_error":
        return float(((a - y) ** 2).sum(1).mean())
    return float(-(y * np.log(a)).sum(1).mean())


def central_gradient(weights, biases, activations, cost_name, x, y, eps=1e-5):
    """dC/dW and dC/db by central differences, every parameter."""
    weights = [w.astype(np.float64).copy() for w in weights]
    biases = [b.astype(np.float64).copy() for b in biases]
    out = []
    for p in [q for pair in zip(weights, biases) for q in pair]:
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for k in range(flat.size):
            old = flat[k]
            flat[k] = old + eps
            up = cost(weights, biases, activations, cost_name, x, y)
            flat[k] = old - eps
            down = cost(weights, biases, activations, cost_name, x, y)
            flat[k] = old
            gflat[k] = (up - down) / (2 * eps)
        out.append(g)
    return out[0::2], out[1::2]


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))
