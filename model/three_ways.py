"""The three ways a layer grants its neurons' wishes, batch-averaged, per weighted layer l.

For neuron j of layer l and neuron k of layer l-1, with dC_i/dz_j its per-example z-gradient:

    bias      -dC/db_j    = mean_i -dC_i/dz_j                      raise its bias     (n_l,)
    weights   -dC/dW_jk   = mean_i -dC_i/dz_j a_ik(l-1)            raise weights on
                                                                   bright inputs      (n_l, n_{l-1})
    previous  share_jk    = W_jk mean_i -dC_i/dz_j                 wish the previous
                                                                   layer different    (n_l, n_{l-1})

For elementwise activations -dC_i/dz_j = f'(z_j) wish_j, so share_jk is the lesson's
W_jk f'(z_j) wish_j. Summing the shares over j gives the previous layer's wish:
sum_j share_jk = wishes[l-1][k]. That sum is what rolls backward.
"""

from __future__ import annotations

import numpy as np

from .backprop import Backprop

Array = np.ndarray


def three_ways(result: Backprop, weights: list[Array]) -> list[dict[str, Array]]:
    """One {"bias", "weights", "previous"} dict per weighted layer 1..L."""
    return [
        {"bias": -gb, "weights": -gw, "previous": w * -gb[:, None]}
        for w, gw, gb in zip(weights, result.weight_gradients, result.bias_gradients)
    ]
