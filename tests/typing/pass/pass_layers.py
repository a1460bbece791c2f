"""A user's own layer and the layer combinators as users write them: every return type pinned."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, assert_type

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf
from nnfunc.testing import LayerCheck, check_layer

Floats = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class PReLU(nf.Layer):
    """``x`` where ``x > 0``, ``slope * x`` elsewhere; one learned slope per unit."""

    slope: Floats = nf.param()  # noqa: RUF009 (a dataclasses.field)

    def forward(self, x: Floats, ctx: nf.Context) -> tuple[Floats, Any]:
        return np.where(x > 0, x, self.slope * x), x

    def backward(self, x: Floats, g: Floats, need_input: bool) -> tuple[PReLU, Floats | None]:
        negative = x <= 0
        grad = PReLU(np.where(negative, g * x, 0).sum(axis=0))
        return grad, (np.where(negative, g * self.slope, g) if need_input else None)


gen = nf.rng(nf.Key(0))
x: NDArray[np.float64] = gen.standard_normal((8, 2))
y: NDArray[np.intp] = (x[:, 0] > 0).astype(np.intp)
batch = nf.Batch(x, y, key=nf.Key(1))

prelu = PReLU(np.full(4, 0.25))
net = nf.Sequential(
    [
        nf.Dense(gen.standard_normal((2, 4)), np.zeros(4)),
        prelu,
        nf.Dropout(0.1),
        nf.Residual(nf.Sequential([nf.LayerNorm(4), nf.Dense(gen.standard_normal((4, 4)), np.zeros(4)), nf.tanh])),
        nf.BatchNorm(4, momentum=0.1),
        nf.Dense(gen.standard_normal((4, 2)), np.zeros(2)),
    ]
)
assert_type(net, nf.Sequential)
assert_type(net.layers, tuple[nf.Layer, ...])

# the network functions keep the network's own type
assert_type(nf.forward(net, x), NDArray[np.floating])
assert_type(nf.loss(net, batch, training=False), np.floating)
assert_type(nf.grad(net, batch), nf.Sequential)
assert_type(nf.value_and_grad(net, batch, l2=1e-3), tuple[np.floating, nf.Sequential])
assert_type(nf.value_grad_and_state(net, batch), tuple[np.floating, nf.Sequential, nf.Sequential])
assert_type(nf.sgd_step(net, batch, lr=0.1), nf.Sequential)
assert_type(nf.l2_mask(net), nf.Sequential)
assert_type(nf.predict(net, x), NDArray[np.intp])
assert_type(nf.accuracy(net, x, y), float)
assert_type(nf.summary(net), str)

# ... and so does a user's layer on its own (two units: two logits)
prelu = PReLU(np.full(2, 0.25))
assert_type(nf.grad(prelu, nf.Batch(x, y)), PReLU)
assert_type(nf.sgd_step(prelu, nf.Batch(x, y), lr=0.1), PReLU)
assert_type(nf.tree_map(np.zeros_like, prelu), PReLU)
out, saved = prelu.forward(x, nf.Context(training=True))
assert_type(prelu.backward(saved, np.ones_like(out), True), tuple[PReLU, Floats | None])
assert_type(check_layer(prelu, x + 3.0), LayerCheck)

# training with an optimiser, saving and loading
opt = nf.adam(1e-3)
params, state = nf.train(nf.optimizer_step(opt), (net, opt.init(net)), [batch, batch])
assert_type(params, nf.Sequential)
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "net.npz"
    nf.save(path, params)
    assert_type(nf.load(path, net), nf.Sequential)
