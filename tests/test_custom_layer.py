"""A user's own layer is first-class: a PReLU written as in ``examples/custom_layer.py`` (a copy here)
trains with every optimiser through ``nf.optimizer_step``, saves and loads, keeps float32, and passes
``check_layer`` for the shapes, slopes and inputs hypothesis draws, alone and on top of drawn stacks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import nnfunc as nf
from nnfunc.layers import Context
from nnfunc.testing import check_layer
from nnfunc.testing import strategies as nst

Floats = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class PReLU(nf.Layer):
    """``x`` where ``x > 0``, ``slope * x`` elsewhere; ``slope`` ``(n,)`` is learned, one per unit."""

    slope: Floats = nf.param()  # noqa: RUF009 (a dataclasses.field, like static_field)

    def forward(self, x: Floats, ctx: nf.Context) -> tuple[Floats, Any]:
        return np.where(x > 0, x, self.slope * x), x

    def backward(self, x: Floats, g: Floats, need_input: bool) -> tuple[PReLU, Floats | None]:
        negative = x <= 0
        grad = PReLU(np.where(negative, g * x, 0).sum(axis=0))
        return grad, (np.where(negative, g * self.slope, g) if need_input else None)


OPTIMISERS: dict[str, Callable[[], nf.Optimizer[Any]]] = {
    "sgd": lambda: nf.sgd(0.5),
    "momentum": lambda: nf.momentum(0.1, beta=0.9),
    "adagrad": lambda: nf.adagrad(0.1),
    "rmsprop": lambda: nf.rmsprop(0.01),
    "adam": lambda: nf.adam(0.01),
    "adamw": lambda: nf.adamw(0.01, weight_decay=1e-3),
}


def _net(key: nf.Key, width: int = 8, dtype: Any = np.float64) -> nf.Sequential:
    k1, k2 = nf.split(key)
    dt = np.dtype(dtype)
    return nf.Sequential(
        [
            nf.Dense(nf.glorot_normal(nf.rng(k1), 2, width, dt), np.zeros(width, dtype=dt)),
            PReLU(np.full(width, 0.25, dtype=dt)),
            nf.Dense(nf.glorot_normal(nf.rng(k2), width, 2, dt), np.zeros(2, dtype=dt)),
        ]
    )


def _moons(n: int = 64) -> tuple[Floats, NDArray[np.intp]]:
    """Two interleaved half circles with noise (make_moons' shape, from a key)."""
    gen = nf.rng(nf.Key(7))
    t = gen.uniform(0, np.pi, n)
    y = np.arange(n) % 2
    x = np.column_stack([np.cos(t) + y, np.sin(t) * (1 - 2 * y) + 0.5 * y]) + 0.1 * gen.standard_normal((n, 2))
    return x, y


def _slope(net: nf.Sequential) -> Floats:
    layer = net.layers[1]
    assert isinstance(layer, PReLU)
    return layer.slope


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_prelu_trains_with_every_optimiser(name: str) -> None:
    x, y = _moons()
    batch = nf.Batch(x, y)
    net = _net(nf.Key(0))
    opt = OPTIMISERS[name]()
    step = nf.optimizer_step(opt)
    before = float(nf.loss(net, batch))
    trained, _ = nf.train(step, (net, opt.init(net)), [batch] * 200)
    assert type(trained) is nf.Sequential and isinstance(trained.layers[1], PReLU)
    assert float(nf.loss(trained, batch)) < 0.7 * before
    assert not np.array_equal(_slope(trained), _slope(net))  # the optimiser moved the user's parameter
    np.testing.assert_array_equal(_slope(net), np.full(8, 0.25))  # and left the original alone


def test_one_sgd_step_moves_the_slope_by_minus_lr_times_its_gradient() -> None:
    x, y = _moons()
    batch = nf.Batch(x, y)
    net = _net(nf.Key(1))
    grad = nf.grad(net, batch)
    assert type(grad) is nf.Sequential
    for stepped in (
        nf.optimizer_step(nf.sgd(0.3))((net, nf.sgd(0.3).init(net)), batch)[0],
        nf.sgd_step(net, batch, lr=0.3),
    ):
        np.testing.assert_allclose(_slope(stepped), _slope(net) - 0.3 * _slope(grad), rtol=1e-12)


def test_prelu_network_saves_and_loads(tmp_path: Path) -> None:
    x, y = _moons()
    net = nf.sgd_step(_net(nf.Key(2)), nf.Batch(x, y), lr=0.5)
    path = tmp_path / "prelu.npz"
    nf.save(path, net)
    loaded = nf.load(path, _net(nf.Key(3)))
    assert type(loaded.layers[1]) is PReLU
    for a, b in zip(nf.tree_leaves(loaded), nf.tree_leaves(net), strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype and not a.flags.writeable
    np.testing.assert_array_equal(nf.forward(loaded, x), nf.forward(net, x))
    with pytest.raises(ValueError):
        nf.load(path, _net(nf.Key(3), width=5))


def test_float32_stays_float32_through_the_user_layer() -> None:
    x, y = _moons()
    net = _net(nf.Key(4), dtype=np.float32)
    batch = nf.Batch(x.astype(np.float32), y)
    assert nf.forward(net, batch.x).dtype == np.float32
    opt = nf.adam(0.01)
    trained, state = nf.optimizer_step(opt)((net, opt.init(net)), batch)
    arrays = [leaf for leaf in nf.tree_leaves((nf.grad(net, batch), trained, state)) if isinstance(leaf, np.ndarray)]
    assert len(arrays) >= 3 * 5 and all(a.dtype == np.float32 for a in arrays)


@settings(max_examples=40, deadline=None)
@given(key=nst.keys(), n=st.integers(1, 6), width=st.integers(1, 5), training=st.booleans())
def test_prelu_backward_matches_finite_differences(key: nf.Key, n: int, width: int, training: bool) -> None:
    gen = nf.rng(key)
    layer = PReLU(gen.uniform(-1.0, 1.0, width))
    x = gen.standard_normal((n, width))
    assume(np.abs(x).min() > 1e-3)  # finite differences step 2 * eps: not across the kink at 0
    report = check_layer(layer, x, key=key, training=training, eps=1e-5)
    assert report.max_rel_error < 1e-6, str(report)


@settings(max_examples=30, deadline=None)
@given(
    stack=nst.layer_stacks(
        dtype=np.float64,
        hidden=st.sampled_from(nst.SMOOTH_ACTIVATIONS),
        blocks=("dense", "activation", "dropout", "residual"),
    ),
    key=nst.keys(),
)
def test_prelu_on_a_drawn_stack_matches_finite_differences(stack: nf.Sequential, key: nf.Key) -> None:
    assert stack.n_out is not None
    net = nf.Sequential([stack, PReLU(nf.rng(key).uniform(-1.0, 1.0, stack.n_out))])
    x = nst.batch_for(stack, key, labels="real").x
    assert isinstance(x, np.ndarray)
    inner, _ = stack.forward(x, Context(training=True, key=key))
    assume(np.abs(inner).min() > 1e-2)  # (no normalisation in the stack: it could amplify a step 100-fold)
    # eps=1e-5 keeps the differences off PReLU's kink; their rounding error (~1e-11 |L| / eps) then
    # needs an absolute floor of 1e-3 for entries with tiny gradients.
    report = check_layer(net, x, key=key, eps=1e-5, floor=1e-3)
    assert report.max_rel_error < 1e-6, str(report)


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_a_float32_user_layer_between_float64_layers_keeps_float32_through_every_step(name: str) -> None:
    """PReLU does not cast its input: after a float64 layer it computes in float64. Its gradient, its
    parameters after any step, and the optimiser's state for it stay float32 all the same."""
    net = _net(nf.Key(3))
    net = nf.Sequential([net.layers[0], PReLU(np.full(8, 0.25, dtype=np.float32)), net.layers[2]])
    want = [a.dtype for a in nf.tree_leaves(net)]
    assert want.count(np.dtype(np.float32)) == 1
    batch = nf.Batch(nf.rng(nf.Key(4)).standard_normal((16, 2)), np.arange(16) % 2)
    _, grad = nf.value_and_grad(net, batch, l2=1e-3)
    assert [a.dtype for a in nf.tree_leaves(grad)] == want
    assert [a.dtype for a in nf.tree_leaves(nf.sgd_step(net, batch, lr=0.1, l2=1e-3))] == want
    opt = OPTIMISERS[name]()
    params, state = nf.train(nf.optimizer_step(opt), (net, opt.init(net)), [batch, batch])
    assert [a.dtype for a in nf.tree_leaves(params)] == want
    # every tree the state holds (moments, traces) is shaped like the parameters, dtypes included
    kinds = Counter((a.shape, a.dtype) for a in nf.tree_leaves(net))
    state_kinds = Counter((a.shape, a.dtype) for a in nf.tree_leaves(state) if isinstance(a, np.ndarray) and a.ndim)
    trees = sum(state_kinds.values()) // sum(kinds.values())
    assert state_kinds == Counter({k: n * trees for k, n in kinds.items()})
    updates, _ = opt.update(grad, opt.init(net), net)  # the tree path accepts the gradient as it is
    assert [a.dtype for a in nf.tree_leaves(updates)] == want
