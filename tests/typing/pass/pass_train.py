"""``nf.train``'s result type follows its carry, whatever the carry is."""

from __future__ import annotations

import functools
import itertools
from typing import assert_type

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf

x: NDArray[np.float64] = np.linspace(-1.0, 1.0, 16).reshape(8, 2)
y: NDArray[np.intp] = (x[:, 0] > 0).astype(np.intp)
params = nf.init_mlp(nf.Key(0), (2, 3, 2))
data = nf.batches(nf.Key(1), x, y, batch_size=4, epochs=2)
assert_type(data, nf.Batches)
assert_type(len(data), int)

step = functools.partial(nf.sgd_step, lr=0.1, l2=1e-4)
assert_type(nf.train(step, params, data), nf.MLP)
assert_type(nf.train(step, params, itertools.repeat(nf.Batch(x, y), 3)), nf.MLP)


def counting_step(carry: tuple[nf.MLP, int], batch: nf.Batch) -> tuple[nf.MLP, int]:
    """A carry of (parameters, steps taken)."""
    p, n = carry
    return nf.sgd_step(p, batch, lr=0.1), n + 1


assert_type(nf.train(counting_step, (params, 0), data), tuple[nf.MLP, int])


def losses_step(carry: tuple[nf.MLP, list[float]], batch: nf.Batch) -> tuple[nf.MLP, list[float]]:
    """A carry that also collects the loss of each step (a new list each time)."""
    p, seen = carry
    value, g = nf.value_and_grad(p, batch)
    return nf.tree_map(lambda w, dw: w - 0.1 * dw, p, g), [*seen, float(value)]


start: tuple[nf.MLP, list[float]] = (params, [])
final, curve = nf.train(losses_step, start, data)
assert_type(final, nf.MLP)
assert_type(curve, list[float])
