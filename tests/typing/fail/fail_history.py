"""``scan`` needs a step returning ``(carry, y)``; ``fit`` needs ``evaluate`` returning metrics."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf
from nnfunc.history import fit, scan

x: NDArray[np.float64] = np.zeros((8, 2))
y: NDArray[np.intp] = np.zeros(8, dtype=np.intp)
params = nf.init_mlp(nf.Key(0), (2, 3, 2))
batch = nf.Batch(x, y)


def step(p: nf.MLP, b: nf.Batch) -> nf.MLP:
    """One SGD step (returns the carry only)."""
    return nf.sgd_step(p, b, lr=0.1)


def accuracy_only(p: nf.MLP) -> float:
    """A metric, but not a mapping of metrics."""
    return nf.accuracy(p, x, y)


scan(step, params, [batch])  # E: arg-type
fit(step, params, [[batch]], evaluate=accuracy_only)  # E: arg-type
fit(step, params, [[batch]], evaluate=lambda p: {"val_loss": 0.0}, patience="5")  # E: arg-type
fit(step, params, [[batch]], evaluate=lambda p: {"val_loss": 0.0}, mode="lowest")  # E: arg-type
fit(step, params, [batch], evaluate=lambda p: {"val_loss": 0.0})  # E: list-item
best: nf.MLP = fit(step, params, [[batch]], evaluate=lambda p: {"val_loss": 0.0})  # E: assignment
