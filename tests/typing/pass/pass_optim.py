"""Optimisers: ``nf.train`` over ``optimizer_step`` returns ``(params, opt_state)``."""

from __future__ import annotations

from typing import assert_type

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf
from nnfunc import optimizer_step
from nnfunc.optim import Optimizer, OptState, adam, apply_updates, momentum, sgd
from nnfunc.schedules import exponential_decay

x: NDArray[np.float64] = np.linspace(-1.0, 1.0, 16).reshape(8, 2)
y: NDArray[np.intp] = (x[:, 0] > 0).astype(np.intp)
params = nf.init_mlp(nf.Key(0), (2, 3, 2))
data = nf.batches(nf.Key(1), x, y, batch_size=4, epochs=2)

opt = adam(1e-2)
assert_type(opt, Optimizer[OptState])
state = opt.init(params)
assert_type(state, OptState)
trained, final_state = nf.train(optimizer_step(opt, l2=1e-4), (params, state), data)
assert_type(trained, nf.MLP)
assert_type(final_state, OptState)

updates, state = opt.update(nf.grad(params, nf.Batch(x, y)), state, params)
assert_type(updates, nf.MLP)
assert_type(apply_updates(params, updates), nf.MLP)

annealed = momentum(exponential_decay(0.5, 0.1, 100), beta=0.9, nesterov=True)
assert_type(nf.train(optimizer_step(annealed), (params, annealed.init(params)), data)[0], nf.MLP)
assert_type(sgd(lambda t: 0.1 / (1 + t)), Optimizer[OptState])
