"""Purity under stress: many threads on shared parameters and batches get identical results."""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

import nnfunc as nf
from nnfunc.testing import strategies as nst

THREADS = 8
CALLS = 48


def _snapshot(tree: object) -> list[np.ndarray[Any, Any]]:
    return [np.array(leaf, copy=True) for leaf in nf.tree_leaves(tree)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("cost", "output", "labels"),
    [
        (nf.softmax_cross_entropy, nf.identity, "classes"),
        (nf.cross_entropy, nf.softmax, "onehot"),
        (nf.binary_cross_entropy, nf.sigmoid, "binary"),
        (nf.mean_squared_error, nf.tanh, "real"),
    ],
    ids=lambda p: getattr(p, "name", str(p)),
)
def test_many_threads_get_identical_gradients_and_leave_params_unchanged(
    dtype: type, cost: nf.Cost, output: nf.Activation, labels: nst.LabelKind
) -> None:
    params = nf.init_mlp(nf.Key(0), (12, 32, 16, 3), hidden=nf.relu, output=output, dtype=dtype)
    batch = nst.batch_for(params, nf.Key(1), labels=labels, n=128)
    before_params, before_x, before_y = _snapshot(params), batch.x.copy(), batch.y.copy()
    expected = nf.value_and_grad(params, batch, cost=cost, l2=1e-3)

    def work(i: int) -> tuple[Any, nf.MLP, nf.MLP]:
        value, g = nf.value_and_grad(params, batch, cost=cost, l2=1e-3)
        stepped = nf.sgd_step(params, batch, lr=0.1, cost=cost, l2=1e-3)
        return value, nf.grad(params, batch, cost=cost, l2=1e-3) if i % 2 else g, stepped

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(CALLS)))

    stepped0 = results[0][2]
    for value, g, stepped in results:
        assert value == expected[0]
        for a, b in zip(nf.tree_leaves(g), nf.tree_leaves(expected[1]), strict=True):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(nf.tree_leaves(stepped), nf.tree_leaves(stepped0), strict=True):
            np.testing.assert_array_equal(a, b)
    for a, b in zip(_snapshot(params), before_params, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(batch.x, before_x)
    np.testing.assert_array_equal(batch.y, before_y)
    assert not any(leaf.flags.writeable for leaf in nf.tree_leaves(params))


def test_many_threads_training_from_one_start_reach_the_same_parameters() -> None:
    params = nf.init_mlp(nf.Key(2), (4, 16, 3), hidden=nf.tanh)
    x = nf.rng(nf.Key(3)).standard_normal((120, 4))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    data = nf.batches(nf.Key(4), x, y, batch_size=16, epochs=3)
    step = functools.partial(nf.sgd_step, lr=0.2)
    before = _snapshot(params)

    with ThreadPoolExecutor(THREADS) as pool:
        finals = list(pool.map(lambda _: nf.train(step, params, data), range(THREADS * 2)))

    for final in finals[1:]:
        for a, b in zip(nf.tree_leaves(final), nf.tree_leaves(finals[0]), strict=True):
            np.testing.assert_array_equal(a, b)
    for a, b in zip(_snapshot(params), before, strict=True):
        np.testing.assert_array_equal(a, b)
