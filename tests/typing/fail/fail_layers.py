"""Mistakes users make with layers; each marked line must fail ``mypy --strict``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf

x: NDArray[np.float64] = np.zeros((8, 2))
y: NDArray[np.intp] = np.zeros(8, dtype=np.intp)
dense = nf.Dense(np.zeros((2, 2)), np.zeros(2))
net = nf.Sequential([dense, nf.relu])
batch = nf.Batch(x, y)

# a layer, an array or a number where a sequence of layers goes
nf.Sequential(dense)  # E: arg-type
nf.Sequential([dense, x])  # E: list-item
nf.Residual(3)  # E: arg-type
# a string rate, a float width
nf.Dropout("0.5")  # E: arg-type
nf.LayerNorm(2.0)  # E: arg-type
# a Batch where inputs go, a bool where the context goes
net.forward(batch, nf.Context(training=True))  # E: arg-type
net.forward(x, True)  # E: arg-type
# the gradient of a Sequential is a Sequential, not an MLP
mlp_grad: nf.MLP = nf.grad(net, batch)  # E: assignment


@dataclass(frozen=True)
class Bad(nf.Layer):
    """A backward pass that returns a number instead of (gradient, input gradient)."""

    def forward(self, x: NDArray[np.floating[Any]], ctx: nf.Context) -> tuple[NDArray[np.floating[Any]], Any]:
        return x, None

    def backward(self, saved: Any, g: NDArray[np.floating[Any]], need_input: bool) -> float:  # E: override
        return 0.0
