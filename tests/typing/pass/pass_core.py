"""The core API as users call it: every return type pinned with ``assert_type``."""

from __future__ import annotations

from typing import assert_type

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf

x: NDArray[np.float64] = np.linspace(-1.0, 1.0, 16).reshape(8, 2)
y: NDArray[np.intp] = (x[:, 0] > 0).astype(np.intp)

key = nf.Key(0)
assert_type(nf.split(key), tuple[nf.Key, ...])
assert_type(nf.rng(key), np.random.Generator)

params = nf.init_mlp(key, (2, 3, 2), hidden=nf.relu, output=nf.identity, init=nf.he_normal, dtype=np.float32)
assert_type(params, nf.MLP)
assert_type(params.layers, tuple[nf.Dense, ...])

batch = nf.Batch(x, y)
assert_type(nf.forward(params, x), NDArray[np.floating])
assert_type(nf.loss(params, batch, cost=nf.softmax_cross_entropy, l2=1e-3), np.floating)
assert_type(nf.grad(params, batch), nf.MLP)
assert_type(nf.value_and_grad(params, batch), tuple[np.floating, nf.MLP])
assert_type(nf.sgd_step(params, batch, lr=0.1), nf.MLP)
assert_type(nf.predict(params, x), NDArray[np.intp])
assert_type(nf.accuracy(params, x, y), float)
assert_type(nf.tree_map(np.zeros_like, params), nf.MLP)
assert_type(nf.one_hot(y, 2), NDArray[np.floating])
