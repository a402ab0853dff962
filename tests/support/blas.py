"""The BLAS kernel the tests compute with, and how far another kernel's numbers may be.

OpenBLAS picks a kernel per CPU (OPENBLAS_CORETYPE forces one). Kernels sum a matrix product's
terms in different orders, so two kernels agree to rounding, not bit for bit. The tests compare
bit for bit only numbers made with one kernel: this process's own, its workers' (they inherit
its environment; tests/worker/test_blas_kernel.py checks that they report its kernel) and the
shipped presets' where the file's fingerprint says the kernel that wrote it is this one.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from model import mnist, presets
from tests.support import reference

# The kernel that wrote model/data/presets.npz is this process's.
SAME_AS_PRESETS = presets.blas_fingerprint() == presets.shipped_fingerprint()

# How far 200 steps of the presets' recipe (learning rate 3) may end from the shipped
# parameters on another kernel. Each product differs by a few units in the last place (the
# parameters stay below 3.3, where one unit is 4.4e-16), and the 200 steps grew that to at most
# 2.7e-15 on the Haswell, Sandybridge, Nehalem and Prescott kernels against the SkylakeX one
# that wrote the file. 1e-12 leaves a factor of 300 over that, while a real change of the
# recipe moves the parameters by far more: one step more or less by 0.08 or more, a learning
# rate changed in its ninth digit by 2.5e-9.
PRESET_200_STEPS_ATOL = 1e-12


def kernels() -> list[str]:
    """The kernel of every OpenBLAS loaded in this process (NumPy's, SciPy's)."""
    return sorted(
        {i["architecture"] for i in threadpool_info() if i.get("internal_api") == "openblas"}
    )


def assert_like_the_preset(weights: list, biases: list, name: str) -> None:
    """Trained parameters are the shipped preset's: bit for bit where the kernel that wrote the
    file is this one, else within PRESET_200_STEPS_ATOL."""
    want_weights, want_biases = presets.parameters(name)
    pairs = list(zip(list(weights) + list(biases), want_weights + want_biases, strict=True))
    if SAME_AS_PRESETS:
        for got, want in pairs:
            np.testing.assert_array_equal(got, want, err_msg="bit for bit on the writer's kernel")
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=0, atol=PRESET_200_STEPS_ATOL)


def assert_same_argmax_on_the_test_split(weights: list, biases: list, name: str) -> None:
    """A network within rounding of the preset picks the same digit for every test image, so
    its accuracy is the preset's exactly: the two networks' outputs differ by less than half of
    the smallest gap between an image's two largest outputs (7.7e-5 for lesson-partly-trained),
    and only a smaller gap could let rounding swap the top two."""
    layers = [presets.PRESETS[name].activation] * len(weights)
    x = mnist.images("test")
    ours = reference.outputs([np.asarray(w) for w in weights], biases, layers, x)
    theirs = reference.outputs(*presets.parameters(name), layers, x)
    top_two = np.sort(theirs, axis=1)[:, -2:]
    gap = float((top_two[:, 1] - top_two[:, 0]).min())
    assert float(np.abs(ours - theirs).max()) < gap / 2, gap
    np.testing.assert_array_equal(ours.argmax(axis=1), theirs.argmax(axis=1))
