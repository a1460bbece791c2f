"""Optimisers: a learning rate is a number or a schedule, the carry is ``(params, opt_state)``."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf
from nnfunc import optimizer_step
from nnfunc.optim import adam, sgd

x: NDArray[np.float64] = np.zeros((8, 2))
y: NDArray[np.intp] = np.zeros(8, dtype=np.intp)
params = nf.init_mlp(nf.Key(0), (2, 3, 2))
data = nf.batches(nf.Key(1), x, y, batch_size=4)
opt = adam(1e-3)

# lr as a string, or a schedule of the wrong kind
adam("1e-3")  # E: arg-type
sgd(lambda t: "0.1")  # E: arg-type, return-value
# a misspelt keyword
optimizer_step(opt, lr=0.1)  # E: call-arg
adam(1e-3, beta1=0.9)  # E: call-arg
# the carry is (params, opt_state), not params alone
nf.train(optimizer_step(opt), params, data)  # E: arg-type
# the optimiser's state is not the optimiser
nf.train(optimizer_step(opt), (params, opt), data)  # E: arg-type
# batches as (x, y) tuples
nf.train(optimizer_step(opt), (params, opt.init(params)), [(x, y)])  # E: arg-type
# the result is (params, state): not a network
trained: nf.MLP = nf.train(optimizer_step(opt), (params, opt.init(params)), data)  # E: assignment
