"""Mistakes users make with the core API; each marked line must fail ``mypy --strict``."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf

x: NDArray[np.float64] = np.zeros((8, 2))
y: NDArray[np.intp] = np.zeros(8, dtype=np.intp)
params = nf.init_mlp(nf.Key(0), (2, 3, 2))
batch = nf.Batch(x, y)

# a Batch where the parameters go
nf.forward(batch, x)  # E: arg-type
nf.grad(batch, batch)  # E: type-var
# an MLP where an array goes
nf.forward(params, params)  # E: arg-type
nf.Batch(params, y)  # E: arg-type
# a tuple (x, y) instead of nf.Batch
nf.loss(params, (x, y))  # E: arg-type
nf.sgd_step(params, (x, y), lr=0.1)  # E: arg-type
# a wrong or missing keyword
nf.loss(params, batch, l3=0.1)  # E: call-arg
nf.sgd_step(params, batch, learning_rate=0.1)  # E: call-arg
nf.batches(nf.Key(0), x, y)  # E: call-arg
# lr (or l2) as a string
nf.sgd_step(params, batch, lr="0.1")  # E: arg-type
nf.grad(params, batch, l2="1e-3")  # E: arg-type
# an activation where a cost goes, and a name where an activation goes
nf.loss(params, batch, cost=nf.softmax)  # E: arg-type
nf.init_mlp(nf.Key(0), (2, 3, 2), hidden="tanh")  # E: arg-type
# a seed where a key goes
nf.init_mlp(0, (2, 3, 2))  # E: arg-type
nf.split(0)  # E: arg-type
nf.Key("0")  # E: arg-type
# a network is immutable: no assignment to its fields
params.layers = ()  # E: misc

# a misspelt name (nnfunc loads some names on first use; mypy must still know every name)
nf.adma(1e-3)  # E: attr-defined
nf.layers.Dropuot(0.5)  # E: attr-defined
