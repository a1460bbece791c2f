"""``nf.train``: its result has the carry's type, and its batches must suit the step."""

from __future__ import annotations

from typing import assert_type

import numpy as np
from numpy.typing import NDArray

import nnfunc as nf

x: NDArray[np.float64] = np.zeros((8, 2))
y: NDArray[np.intp] = np.zeros(8, dtype=np.intp)
params = nf.init_mlp(nf.Key(0), (2, 3, 2))
data = nf.batches(nf.Key(1), x, y, batch_size=4)


def step(p: nf.MLP, batch: nf.Batch) -> nf.MLP:
    """One SGD step."""
    return nf.sgd_step(p, batch, lr=0.1)


def counting_step(carry: tuple[nf.MLP, int], batch: nf.Batch) -> tuple[nf.MLP, int]:
    """A carry of (parameters, steps taken)."""
    return nf.sgd_step(carry[0], batch, lr=0.1), carry[1] + 1


# the result is the carry's type, not the parameters'
assert_type(nf.train(counting_step, (params, 0), data), nf.MLP)  # E: assert-type
trained: nf.MLP = nf.train(counting_step, (params, 0), data)  # E: assignment
# a carry the step does not take
nf.train(counting_step, params, data)  # E: arg-type
# batches as (x, y) tuples rather than nf.Batch
nf.train(step, params, [(x, y)])  # E: arg-type
# a step that does not return its carry
nf.train(nf.loss, params, data)  # E: arg-type
