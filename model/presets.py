"""Shipped parameter sets for the lesson's 784-16-16-10 network, and the recipe that makes them.

Every preset is the lesson's network (sigmoid, squared error) started from the seeded scaled
initialisation (seed 0) and trained by this project's own backprop with plain mini-batch
gradient descent (`model.training.train`) on the mnist train split:

    lesson-untrained        0 steps      the seeded start
    lesson-partly-trained   200 steps    one epoch: the not-yet-good network (about 60 %)
    lesson-trained          6,000 steps  30 epochs (about 92 % on the test split)

with mini-batches of 20 drawn with seed 0 and learning rate 3. The partly trained network is
the trained run after its first 200 steps (the same seed draws the same batches).

The trained parameters ship in data/presets.npz (float64, as computed). `python -m
model.reproduce` trains them again from the recipe and checks that every number is equal, bit
for bit; `--write` writes the file instead. The arithmetic is NumPy's and its BLAS's: another
BLAS kernel (OpenBLAS picks one per CPU) rounds matrix products differently in the last bit,
and 6,000 steps grow that into visibly different (equally good) parameters. So the file also
keeps a fingerprint of the writer's BLAS (a hash of products of the training's shapes): where
the fingerprint matches, the presets must reproduce bit for bit, and a difference means the
model's arithmetic changed (rerun with `--write`); where it does not, only the first steps
are compared, to a tolerance.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

import numpy as np

from . import mnist
from .batches import one_hot
from .network import Network, initial_parameters
from .training import accuracy, train

Array = np.ndarray
FILE = "data/presets.npz"


@dataclass(frozen=True)
class Recipe:
    steps: int
    layers: tuple[int, ...] = (784, 16, 16, 10)
    activation: str = "sigmoid"
    cost: str = "squared_error"
    init_seed: int = 0
    init_scheme: str = "scaled"
    dataset: str = "mnist"
    split: str = "train"
    batch_size: int = 20
    learning_rate: float = 3.0
    seed: int = 0
    method: str = "backprop"


PRESETS = {
    "lesson-untrained": Recipe(steps=0),
    "lesson-partly-trained": Recipe(steps=200),
    "lesson-trained": Recipe(steps=6000),
}


def network(recipe: Recipe, weights: list[Array], biases: list[Array]) -> Network:
    """The recipe's network with its own (writable) copies of these parameters."""
    return Network.from_arrays(
        [w.copy() for w in weights],
        [b.copy() for b in biases],
        [recipe.activation] * (len(recipe.layers) - 1),
        recipe.cost,
    )


def reproduce(name: str) -> Network:
    """Train the preset again from its recipe."""
    recipe = PRESETS[name]
    net = network(
        recipe, *initial_parameters(list(recipe.layers), recipe.init_seed, recipe.init_scheme)
    )
    if recipe.steps:
        pool = (mnist.images(recipe.split), one_hot(mnist.labels(recipe.split), 10))
        train(
            net,
            pool,
            recipe.steps,
            recipe.batch_size,
            recipe.learning_rate,
            recipe.seed,
            recipe.method,
        )
    return net


@cache
def _shipped() -> dict[str, Array]:
    with resources.files("model").joinpath(FILE).open("rb") as raw:
        with np.load(raw) as data:
            return {key: _read_only(data[key]) for key in data.files}


@cache
def parameters(name: str) -> tuple[tuple[Array, ...], tuple[Array, ...]]:
    """A preset's weights and biases (float64): from the file, or the seeded start. Read once
    per process and shared by every caller, so they are read-only: a caller that changes
    parameters (training, nudging) works on its own copy."""
    recipe = PRESETS[name]
    if recipe.steps == 0:
        weights, biases = initial_parameters(
            list(recipe.layers), recipe.init_seed, recipe.init_scheme
        )
        return tuple(map(_read_only, weights)), tuple(map(_read_only, biases))
    count = len(recipe.layers) - 1
    stored = _shipped()
    return (
        tuple(stored[f"{name}/W{l}"] for l in range(1, count + 1)),
        tuple(stored[f"{name}/b{l}"] for l in range(1, count + 1)),
    )


def _read_only(array: Array) -> Array:
    array.flags.writeable = False
    return array


@cache
def describe(name: str) -> dict:
    """A preset's recipe and its accuracy on the mnist test split, JSON-ready."""
    recipe = PRESETS[name]
    net = network(recipe, *parameters(name))
    return {
        "name": name,
        "layers": list(recipe.layers),
        "activation": recipe.activation,
        "cost": recipe.cost,
        "parameters": net.parameter_count,
        "test_accuracy": accuracy(net, mnist.images("test"), mnist.labels("test")),
        "recipe": {
            k: v for k, v in asdict(recipe).items() if k not in ("layers", "activation", "cost")
        },
    }


def blas_fingerprint() -> str:
    """A hash of float64 matrix products shaped like a training step's (mini-batch 20)."""
    rng = np.random.default_rng(0)
    x, w = rng.random((20, 784)), rng.standard_normal((16, 784))
    gz, v = rng.standard_normal((20, 16)), rng.standard_normal((16, 16))
    products = [x @ w.T, gz.T @ x, gz @ w, gz @ v.T, gz.T @ gz]
    return hashlib.sha256(b"".join(p.tobytes() for p in products)).hexdigest()


def shipped_fingerprint() -> str:
    return str(_shipped()["blas_fingerprint"])
