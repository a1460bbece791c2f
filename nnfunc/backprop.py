"""The loss of a network on a batch, its gradient by hand-written backprop, and one SGD step.

``loss = cost(forward(params, x), y) + l2/2 * sum of squared weights`` (biases
are not penalised). One forward pass keeps every layer's output; one backward
pass turns the cost's gradient into a gradient for every layer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._checks import check_scalar
from ._ops import col_sum
from ._typing import Array
from .batch import Batch
from .costs import Cost, Scalar, check_labels, softmax_cross_entropy
from .model import MLP, Dense, activations, check_params

LayerGrads = list[tuple[Array, Array]]


def _check(params: MLP, batch: Batch, cost: Cost, l2: float) -> tuple[MLP, Array, float]:
    """Cheap O(1) checks at the boundary; returns the network, ``x`` in its dtype and ``l2``."""
    params = check_params(params)
    if not isinstance(batch, Batch):
        raise TypeError(f"batch: expected nf.Batch(x, y), got {type(batch).__name__}")
    if not isinstance(cost, Cost):
        raise TypeError(f"cost: expected an nf cost such as nf.softmax_cross_entropy, got {cost!r}")
    l2 = check_scalar("l2", l2)
    n_in, n_out = params.layers[0].w.shape[0], params.layers[-1].w.shape[1]
    if batch.x.shape[1] != n_in:
        raise ValueError(f"x: expected shape (n, {n_in}) for a network with {n_in} inputs, got {batch.x.shape}")
    check_labels(cost, batch.y, batch.y_range, n_out)
    if params.dtype == np.float32 and not batch.fits_float32:
        raise ValueError("batch: x or y has values beyond the float32 range (3.4e38) of this float32 network")
    return params, batch.x.astype(params.dtype, copy=False), l2


def _penalty(params: MLP, l2: float) -> Scalar | int:
    """``l2/2 * sum(w**2)`` over the weights, in their dtype (0 when ``l2`` is 0)."""
    if not l2:
        return 0
    total: Scalar = sum((np.vdot(layer.w, layer.w) for layer in params.layers), params.dtype.type(0))
    return l2 / 2 * total


def loss(params: MLP, batch: Batch, *, cost: Cost = softmax_cross_entropy, l2: float = 0.0) -> Scalar:
    """Mean ``cost`` over the batch plus ``l2/2 * sum(w**2)`` over the weights (not the biases).

    ``batch.x`` is ``(n, n_in)``; labels as in :class:`Batch`. Returns a NumPy scalar in the
    parameters' dtype.
    """
    params, x, l2 = _check(params, batch, cost, l2)
    value: Scalar = cost.value(activations(params.layers, x)[-1], batch.y) + _penalty(params, l2)
    return value


def _backprop(params: MLP, x: Array, batch: Batch, cost: Cost, scale: float = 1.0) -> tuple[Scalar, LayerGrads]:
    """Mean cost and ``scale`` times its ``[(d/dw, d/db), ...]`` per layer, from one forward and one
    backward pass.

    Backprop is linear in the output gradient, so scaling it once here scales every
    layer's gradient (``sgd_step`` passes ``-lr``). The L2 term is left to the callers,
    which fold it in where it is cheapest.
    """
    layers = params.layers
    outs = activations(layers, x)
    value, g = cost.value_and_grad(outs[-1], batch.y)  # g = d(cost)/d(output), an array we own
    if scale != 1.0:
        g *= scale
    grads: LayerGrads = []
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        g = layer.activation.backward(outs[i + 1], g, g)  # d(cost)/dz
        grads.append((outs[i].T @ g, col_sum(g)))
        if i:
            g = g @ layer.w.T  # d(cost)/d(previous output); the input needs none
    grads.reverse()
    return value, grads


def value_and_grad(
    params: MLP, batch: Batch, *, cost: Cost = softmax_cross_entropy, l2: float = 0.0
) -> tuple[Scalar, MLP]:
    """``(loss, grad)`` from one forward and one backward pass; ``grad`` is shaped like ``params``."""
    params, x, l2 = _check(params, batch, cost, l2)
    value, grads = _backprop(params, x, batch, cost)
    layers = []
    for layer, (dw, db) in zip(params.layers, grads, strict=True):
        if l2:
            dw += l2 * layer.w
        layers.append(Dense._trusted(dw, db, layer.activation))
    return value + _penalty(params, l2), MLP._trusted(tuple(layers))


def grad(params: MLP, batch: Batch, *, cost: Cost = softmax_cross_entropy, l2: float = 0.0) -> MLP:
    """Gradient of :func:`loss` with respect to every weight and bias: an ``MLP`` whose ``w`` and ``b``
    have the parameters' shapes and dtype (read-only arrays, like any parameters)."""
    return value_and_grad(params, batch, cost=cost, l2=l2)[1]


def check_finite_loss(value: float | np.floating[Any]) -> None:
    """Raise ``FloatingPointError`` when a step's loss is NaN or infinite (training diverged)."""
    if not math.isfinite(value):
        raise FloatingPointError(f"loss is {value}: training diverged (try a smaller learning rate)")


def sgd_step(params: MLP, batch: Batch, *, lr: float, cost: Cost = softmax_cross_entropy, l2: float = 0.0) -> MLP:
    """``params - lr * grad``: one step of gradient descent on ``batch``.

    Raises ``FloatingPointError`` instead of returning NaN parameters when the loss
    it computed on the way is not finite.
    """
    lr = check_scalar("lr", lr)
    params, x, l2 = _check(params, batch, cost, l2)
    value, steps = _backprop(params, x, batch, cost, scale=-lr)  # -lr * the cost's gradients
    # The cost part: NaN/inf parameters show in it at once; an update that overflows shows a step later.
    check_finite_loss(value)
    decay = 1 - lr * l2  # w - lr*(dw + l2*w) == decay*w - lr*dw
    layers = []
    for layer, (dw, db) in zip(params.layers, steps, strict=True):
        dw += layer.w * decay if l2 else layer.w  # dw and db are ours: add the old values in place
        db += layer.b
        layers.append(Dense._trusted(dw, db, layer.activation))
    return MLP._trusted(tuple(layers))
