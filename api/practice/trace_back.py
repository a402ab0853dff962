"""`trace-back` (fixed semantics): a wish traced one layer backward.

data = {"layer": l, "neuron": j, "previous": k, "quantity": "share" | "wish"} and the numbers
to work with. Expected: for "share", neuron j's share of previous neuron k's wish,
`layers[l-1].three_ways.previous[j][k]` = W_jk f'(z_j) wish_j (batch-averaged: W_jk times the
mean of f'(z_j) wish_j, which is -dC/db_j); for "wish", k's whole wish `wishes[l-1][k]`, the
sum of the shares from every neuron j of layer l.

Shown for a share: "weight" W_jk and, for one example through an elementwise activation,
"slope" f'(z_j) and "wish" wish_j; otherwise "slope_times_wish", the batch mean of
f'(z_j) wish_j. Shown for a wish: "shares", the n_l shares that k receives.
"""

from __future__ import annotations

import numpy as np

from .exercise import Exercise, UnknownExercise, number
from .ids import connection, draw_connection, one_of
from .reading import ELEMENTWISE, Reading, factor, layer_name, neuron_name, num

KIND = "trace-back"
QUANTITIES = ("share", "wish")
TOLERANCE = 0.01
LISTED = 12  # shares written out one by one in an explanation


def missing(r: Reading) -> str | None:
    return (
        None
        if r.has_layers and r.has_wishes
        else "needs the result's wishes and per-layer detail (include.wishes, include.layers)"
    )


def draw(r: Reading, rng: np.random.Generator) -> tuple[str, ...]:
    return (*draw_connection(r.sizes, rng), QUANTITIES[rng.integers(2)])


def _split(r: Reading, l: int, j: int) -> bool:
    """Whether slope and wish can be shown apart: one example, elementwise f, wish not 0."""
    return r.batch_size == 1 and r.activation(l) in ELEMENTWISE and r.wishes(l)[j] != 0


def build(r: Reading, params: tuple[str, ...]) -> Exercise:
    if len(params) != 4:
        raise UnknownExercise(params)
    l, j, k = connection(params, r.sizes)
    quantity = one_of(params[3], QUANTITIES)
    data: dict = {"layer": l, "neuron": j, "previous": k, "quantity": quantity}
    sender, receiver = neuron_name(r, l, j), neuron_name(r, l - 1, k)
    if quantity == "share":
        expected = r.ways(l)["previous"][j][k]
        data |= _share_numbers(r, l, j, k)
        prompt = (
            f"How much of {receiver}'s wish comes from {sender}? Work out its share "
            "W_jk \u00d7 f\u2032(z_j) \u00d7 wish_j from the numbers shown."
        )
        explanation = _explain_share(r, l, j, k, data, expected)
    else:
        shares = [row[k] for row in r.ways(l)["previous"]]
        expected = r.wishes(l - 1)[k]
        data["shares"] = shares
        prompt = (
            f"{receiver[0].upper()}{receiver[1:]} receives a share of its wish from each "
            f"of the {r.sizes[l]} neurons of {layer_name(r, l)}; the shares are shown. "
            "What is its whole wish?"
        )
        explanation = _explain_wish(r, l, k, shares, expected)
    return Exercise(KIND, prompt, data, number(TOLERANCE), expected, explanation)


def _share_numbers(r: Reading, l: int, j: int, k: int) -> dict:
    g = r.ways(l)["bias"][j]  # -dC/db_j: the batch mean of f'(z_j) wish_j
    numbers = {"weight": r.weight(l, j, k)}
    if _split(r, l, j):
        wish = r.wishes(l)[j]
        return numbers | {"slope": g / wish, "wish": wish}
    return numbers | {"slope_times_wish": g}


def _explain_share(r: Reading, l: int, j: int, k: int, data: dict, share: float) -> str:
    w = data["weight"]
    if w is None:
        return (
            f"f\u2032(z_j) \u00d7 wish_j of {neuron_name(r, l, j)} is 0, so every share it "
            "sends back is 0, whatever its weights."
        )
    if "slope" in data:
        how = (
            f"W_jk \u00d7 f\u2032(z_j) \u00d7 wish_j = {factor(w)} \u00d7 "
            f"{factor(data['slope'])} \u00d7 {factor(data['wish'])} = {num(share)}"
        )
    else:
        mean = "averaged over the batch's examples, " if r.batch_size > 1 else ""
        how = (
            f"W_jk \u00d7 f\u2032(z_j) wish_j ({mean}that product is \u2212\u2202C/\u2202b_j) "
            f"= {factor(w)} \u00d7 {factor(data['slope_times_wish'])} = {num(share)}"
        )
    total = r.wishes(l - 1)[k]
    return (
        f"{neuron_name(r, l, j)[0].upper()}{neuron_name(r, l, j)[1:]} sends back {how}. "
        f"Added to the shares from the other neurons of {layer_name(r, l)}, it makes "
        f"{neuron_name(r, l - 1, k)}'s wish, {num(total)}."
    )


def _explain_wish(r: Reading, l: int, k: int, shares: list[float], wish: float) -> str:
    if len(shares) <= LISTED:
        terms = " + ".join(f"({num(s)})" for s in shares)
    else:
        big = sorted(range(len(shares)), key=lambda j: -abs(shares[j]))[:5]
        terms = (
            " + ".join(f"({num(shares[j])} from {j})" for j in big)
            + f" + the {len(shares) - 5} smaller ones"
        )
    after = (
        "the inputs cannot change, so the trace ends here"
        if l == 1
        else f"{neuron_name(r, l - 1, k)} then sends shares of it further back"
    )
    return (
        f"A neuron's wish is the sum of the shares sent back by every neuron of the next "
        f"layer: {terms} = {num(wish)}. That sum, layer by layer, is backpropagation; "
        f"{after}."
    )
