"""`python -m model.reproduce [NAME ...] [--write]`: train the presets again from their recipe
and check every number against the shipped file, bit for bit (see `model.presets`); `--write`
writes the file instead, after a change to the model's arithmetic."""

from __future__ import annotations

import argparse
import io
import sys
from importlib import resources

import numpy as np

from . import mnist, presets
from .presets import PRESETS, blas_fingerprint, reproduce
from .training import accuracy


def write() -> None:
    arrays = {"blas_fingerprint": np.array(blas_fingerprint())}
    for name, recipe in PRESETS.items():
        if recipe.steps:
            net = reproduce(name)
            for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
                arrays[f"{name}/W{l}"], arrays[f"{name}/b{l}"] = w, b
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    resources.files("model").joinpath(presets.FILE).write_bytes(buffer.getvalue())


def check(names: list[str]) -> bool:
    same = True
    for name in names:
        net = reproduce(name)
        weights, biases = presets.parameters(name)
        diffs = [
            float(np.abs(got - want).max())
            for got, want in zip(net.weights + net.biases, weights + biases)
        ]
        equal = all(
            np.array_equal(got, want)
            for got, want in zip(net.weights + net.biases, weights + biases)
        )
        same &= equal
        shown = "equal bit for bit" if equal else f"DIFFERENT, max |diff| {max(diffs):.3g}"
        again = accuracy(net, mnist.images("test"), mnist.labels("test"))
        print(f"{name}: {shown}; test accuracy {again:.3f}")
    if not same and blas_fingerprint() != presets.shipped_fingerprint():
        print(
            "this BLAS rounds matrix products differently from the one that wrote the file, "
            "so bits may differ; the recipe is the same"
        )
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Train the presets again from their recipe "
        "and check them against the shipped file."
    )
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(PRESETS)} (default: all)")
    parser.add_argument("--write", action="store_true", help="write the file instead")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(PRESETS)
    if unknown:
        parser.error(f"no preset named {', '.join(sorted(unknown))}")
    if args.write:
        write()
        presets._shipped.cache_clear()
        presets.describe.cache_clear()
    return 0 if check(args.names or list(PRESETS)) else 1


if __name__ == "__main__":
    sys.exit(main())
