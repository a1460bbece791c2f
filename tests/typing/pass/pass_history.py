"""``scan`` and ``fit`` keep the carry's type; ``scan`` collects what the step returns."""

from __future__ import annotations

import itertools
from typing import assert_type

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf
from nnfunc.history import Fit, fit, scan

x: NDArray[np.float64] = np.linspace(-1.0, 1.0, 16).reshape(8, 2)
y: NDArray[np.intp] = (x[:, 0] > 0).astype(np.intp)
params = nf.init_mlp(nf.Key(0), (2, 3, 2))
batch = nf.Batch(x, y)


def step_with_loss(p: nf.MLP, b: nf.Batch) -> tuple[nf.MLP, float]:
    """A gradient step that returns the loss it saw."""
    value, g = nf.value_and_grad(p, b)
    return nf.tree_map(lambda w, dw: w - 0.1 * dw, p, g), float(value)


def step(p: nf.MLP, b: nf.Batch) -> nf.MLP:
    """One SGD step."""
    return nf.sgd_step(p, b, lr=0.1)


def evaluate(p: nf.MLP) -> dict[str, float]:
    """The validation loss."""
    return {"val_loss": float(nf.loss(p, batch))}


trained, losses = scan(step_with_loss, params, itertools.repeat(batch, 3))
assert_type(trained, nf.MLP)
assert_type(losses, tuple[float, ...])

run = fit(step, params, [[batch], [batch]], evaluate=evaluate, patience=1)
assert_type(run, Fit[nf.MLP])
assert_type(run.best, nf.MLP)
assert_type(run.curve("val_loss"), tuple[float, ...])
