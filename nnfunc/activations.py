"""Activations, each with its backward pass beside its forward pass.

An :class:`Activation` maps pre-activations ``z`` ``(n, k)`` to outputs ``a``
``(n, k)``. Its backward pass is written in terms of the *output* ``a``: given
``g = dL/da`` it returns ``dL/dz``, so the forward pass keeps only ``a``. Both
take ``out``: an array the caller owns that may be overwritten and returned (the
network passes its own temporaries), or ``None``; called with ``None`` they are pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ._checks import all_finite, check_number
from ._ops import row_max, row_sum
from ._typing import Array

Forward = Callable[[Array, "Array | None"], Array]
Backward = Callable[[Array, Array, "Array | None"], Array]


@dataclass(frozen=True)
class Activation:
    """An activation function with its backward pass; equal when names are equal."""

    name: str
    forward: Forward = field(compare=False, repr=False)
    backward: Backward = field(compare=False, repr=False)

    def __call__(self, z: ArrayLike) -> Array:
        """``a = f(z)``, a new array ``(n, k)``, for pre-activations ``z`` ``(n, k)`` (checked: a finite 2-D
        real array; integers and lists become float64). The network calls ``forward`` directly."""
        return self.forward(_as_pre_activations(z), None)


def _as_pre_activations(z: object) -> Array:
    """``z`` as a finite 2-D float32/float64 array (any memory layout)."""
    a = np.asarray(z)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"z: expected a real numeric array, got dtype {a.dtype}")
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float64)
    if a.ndim != 2:
        raise ValueError(f"z: expected pre-activations of shape (n, k), got shape {a.shape}")
    if not all_finite(a):
        raise ValueError("z: contains NaN or infinite values")
    return a


def _identity(z: Array, out: Array | None) -> Array:
    return z if out is z else z.copy()


def _identity_backward(a: Array, g: Array, out: Array | None) -> Array:
    return g


def _tanh(z: Array, out: Array | None) -> Array:
    return np.tanh(z, out=out)


def _tanh_backward(a: Array, g: Array, out: Array | None) -> Array:
    result: Array = np.multiply(g, 1 - a * a, out=out)
    return result


def _sigmoid(z: Array, out: Array | None) -> Array:
    # exp(-|z|) never overflows; 1/(1+e) and e/(1+e) are the two halves of sigmoid.
    e = np.exp(-np.abs(z))
    r = 1 / (1 + e)
    return np.where(z >= 0, r, e * r)


def _sigmoid_backward(a: Array, g: Array, out: Array | None) -> Array:
    result: Array = np.multiply(g, a * (1 - a), out=out)
    return result


def _relu(z: Array, out: Array | None) -> Array:
    result: Array = np.maximum(z, 0, out=out)
    return result


def _relu_backward(a: Array, g: Array, out: Array | None) -> Array:
    result: Array = np.multiply(g, a > 0, out=out)
    return result


def _softmax(z: Array, out: Array | None) -> Array:
    e: Array = np.subtract(z, row_max(z), out=out)
    np.exp(e, out=e)
    e /= row_sum(e)
    return e


def _softmax_backward(a: Array, g: Array, out: Array | None) -> Array:
    # Vector-Jacobian product a * (g - <g, a>) row by row: O(n k), no Jacobian.
    dot = row_sum(g * a)
    result: Array = np.multiply(a, g - dot, out=out)
    return result


identity = Activation("identity", _identity, _identity_backward)
"""``f(z) = z``: the output layer of a network that outputs logits.

>>> nf.identity(np.array([[-1.0, 2.0]])).tolist()
[[-1.0, 2.0]]
"""
tanh = Activation("tanh", _tanh, _tanh_backward)
"""Hyperbolic tangent, values in ``(-1, 1)``; its derivative ``1 - a**2`` comes from the output ``a``.

>>> nf.tanh(np.array([[0.0]])).tolist()
[[0.0]]
"""
sigmoid = Activation("sigmoid", _sigmoid, _sigmoid_backward)
"""Logistic sigmoid ``1 / (1 + exp(-z))``, computed without overflow; values in ``(0, 1)``.

>>> nf.sigmoid(np.array([[0.0, -1000.0]])).tolist()
[[0.5, 0.0]]
"""
relu = Activation("relu", _relu, _relu_backward)
"""``max(z, 0)``.

>>> nf.relu(np.array([[-1.0, 2.0]])).tolist()
[[0.0, 2.0]]
"""
softmax = Activation("softmax", _softmax, _softmax_backward)
"""Row-wise softmax; its backward pass is a vector-Jacobian product, O(n k), no Jacobian.

>>> nf.softmax(np.array([[0.0, 0.0]])).tolist()
[[0.5, 0.5]]
"""


def leaky_relu(alpha: float = 0.01) -> Activation:
    """``max(z, alpha z)`` for a slope ``0 < alpha < 1`` on the negative side."""
    alpha = check_number("alpha", alpha, high=1.0, open_low=True, open_high=True)

    def forward(z: Array, out: Array | None) -> Array:
        result: Array = np.maximum(z, alpha * z, out=out)
        return result

    def backward(a: Array, g: Array, out: Array | None) -> Array:
        # a has the sign of z because alpha > 0.
        result: Array = np.multiply(g, np.where(a > 0, 1, alpha).astype(a.dtype, copy=False), out=out)
        return result

    return Activation(f"leaky_relu({alpha!r})", forward, backward)
