"""Every built-in layer: backward against finite differences, modes, state, dtype, purity, paths in errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.layers import ActivationLayer, Context
from nnfunc.testing import check_layer
from nnfunc.testing import strategies as nst

Arr = np.ndarray[Any, Any]
TRAIN = Context(training=True, key=nf.Key(3))
INFER = Context(training=False)


def _dense(gen: np.random.Generator, n_in: int, n_out: int, act: nf.Activation, dtype: Any) -> nf.Dense:
    return nf.Dense(gen.standard_normal((n_in, n_out)).astype(dtype), gen.standard_normal(n_out).astype(dtype), act)


LAYERS: dict[str, Callable[[np.random.Generator, int, Any], nf.Layer]] = {
    "dense_tanh": lambda g, n, dt: _dense(g, n, 3, nf.tanh, dt),
    "dense_identity": lambda g, n, dt: _dense(g, n, 2, nf.identity, dt),
    "activation_sigmoid": lambda g, n, dt: ActivationLayer(nf.sigmoid),
    "activation_softmax": lambda g, n, dt: ActivationLayer(nf.softmax),
    "dropout": lambda g, n, dt: nf.Dropout(0.4),
    "layer_norm": lambda g, n, dt: nf.LayerNorm(
        scale=g.standard_normal(n).astype(dt), shift=g.standard_normal(n).astype(dt)
    ),
    "batch_norm": lambda g, n, dt: nf.BatchNorm(
        scale=g.standard_normal(n).astype(dt),
        shift=g.standard_normal(n).astype(dt),
        running_mean=g.standard_normal(n).astype(dt),
        running_var=g.uniform(0.5, 2, n).astype(dt),
    ),
    "sequential": lambda g, n, dt: nf.Sequential(
        (_dense(g, n, 4, nf.tanh, dt), nf.Dropout(0.3), _dense(g, 4, 2, nf.sigmoid, dt))
    ),
    "residual": lambda g, n, dt: nf.Residual(nf.Sequential((_dense(g, n, n, nf.tanh, dt), nf.LayerNorm(n, dtype=dt)))),
    "concatenate": lambda g, n, dt: nf.Concatenate((_dense(g, n, 2, nf.tanh, dt), nf.BatchNorm(n, dtype=dt))),
    "mlp": lambda g, n, dt: nf.init_mlp(nf.Key(int(g.integers(1000))), (n, 3, 2), dtype=dt),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("training", [True, False])
@settings(max_examples=8, deadline=None)
@given(key=nst.keys(), n=st.integers(1, 7), n_in=st.integers(2, 5))
def test_backward_matches_finite_differences(name: str, training: bool, key: nf.Key, n: int, n_in: int) -> None:
    gen = nf.rng(key)
    layer = LAYERS[name](gen, n_in, np.float64)
    x = gen.standard_normal((n, n_in))
    report = check_layer(layer, x, key=key, training=training)
    assert report.max_rel_error < 1e-6, str(report)


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("training", [True, False])
def test_float32_stays_float32_and_inputs_and_leaves_unchanged(name: str, training: bool) -> None:
    gen = np.random.default_rng(0)
    layer = LAYERS[name](gen, 3, np.float32)
    before = [np.array(leaf, copy=True) for leaf in nf.tree_leaves(layer)]
    x = gen.standard_normal((6, 3)).astype(np.float32)
    x_copy = x.copy()
    ctx = Context(training=training, key=nf.Key(1))
    y, saved = layer.forward(x, ctx)
    grad, g_in = layer.backward(saved, np.ones_like(y), True)
    assert y.dtype == np.float32 and g_in is not None and g_in.dtype == np.float32
    assert all(leaf.dtype == np.float32 for leaf in nf.tree_leaves(grad) if isinstance(leaf, np.ndarray))
    assert np.array_equal(x, x_copy)
    for old, leaf in zip(before, nf.tree_leaves(layer), strict=True):
        assert np.array_equal(old, leaf)
        assert not leaf.flags.writeable
    for leaf in nf.tree_leaves(grad):
        assert not leaf.flags.writeable


@settings(max_examples=25, deadline=None)
@given(params=nst.networks(), key=nst.keys(), dtype=nst.dtypes())
def test_sequential_of_mlp_layers_is_the_mlp(params: nf.MLP, key: nf.Key, dtype: np.dtype[Any]) -> None:
    seq = nf.Sequential(params.layers)
    pairing = next(p for p in nst.PAIRINGS if p.output == params.layers[-1].activation)
    if params.sizes[-1] < pairing.min_outputs:
        return
    batch = nst.batch_for(params, key, labels=pairing.labels)
    kw: dict[str, Any] = {"cost": pairing.cost, "l2": 0.1}
    np.testing.assert_allclose(nf.forward(seq, batch.x), nf.forward(params, batch.x), rtol=1e-6, atol=1e-6)
    assert nf.loss(seq, batch, **kw) == pytest.approx(float(nf.loss(params, batch, **kw)), rel=1e-5, abs=1e-6)
    g_seq, g_mlp = nf.grad(seq, batch, **kw), nf.grad(params, batch, **kw)
    assert type(g_seq) is nf.Sequential
    for a, b in zip(nf.tree_leaves(g_seq), nf.tree_leaves(g_mlp), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    s_seq, s_mlp = nf.sgd_step(seq, batch, lr=0.1, **kw), nf.sgd_step(params, batch, lr=0.1, **kw)
    for a, b in zip(nf.tree_leaves(s_seq), nf.tree_leaves(s_mlp), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_dropout_rate_zero_and_inference_are_the_identity() -> None:
    x = np.random.default_rng(0).standard_normal((5, 4))
    np.testing.assert_array_equal(nf.Dropout(0.0).forward(x, TRAIN)[0], x)
    np.testing.assert_array_equal(nf.Dropout(0.7).forward(x, INFER)[0], x)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_keeps_units_with_probability_one_minus_rate_and_scales_them(rate: float) -> None:
    x = np.ones((400, 250))
    y, _ = nf.Dropout(rate).forward(x, TRAIN)
    kept = y != 0
    # 100 000 Bernoulli draws: the kept fraction is within 5 standard deviations of 1 - rate.
    sd = np.sqrt(rate * (1 - rate) / x.size)
    assert abs(kept.mean() - (1 - rate)) < 5 * sd
    np.testing.assert_allclose(y[kept], 1 / (1 - rate))


def test_dropout_same_key_same_mask_and_layers_differ() -> None:
    x = np.ones((50, 20))
    net = nf.Sequential((nf.Dropout(0.5), nf.Dropout(0.5)))
    a, _ = nf.Dropout(0.5).forward(x, TRAIN)
    b, _ = nf.Dropout(0.5).forward(x, TRAIN)
    np.testing.assert_array_equal(a, b)
    (_, saved) = net.forward(x, TRAIN)
    assert not np.array_equal(saved[0], saved[1])
    c, _ = nf.Dropout(0.5).forward(x, Context(training=True, key=nf.Key(4)))
    assert not np.array_equal(a, c)


def test_dropout_training_without_a_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="key"):
        nf.Dropout(0.5).forward(np.ones((2, 2)), Context(training=True))


@settings(max_examples=30, deadline=None)
@given(key=nst.keys(), n=st.integers(2, 20), k=st.integers(1, 6), momentum=st.floats(0.0, 1.0))
def test_batch_norm_normalises_the_batch_and_moves_its_running_statistics(
    key: nf.Key, n: int, k: int, momentum: float
) -> None:
    gen = nf.rng(key)
    x = gen.standard_normal((n, k)) * 3 + 5
    bn = nf.BatchNorm(k, momentum=momentum, eps=1e-12)
    y, saved = bn.forward(x, TRAIN)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-8)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-6)
    new = bn.updated(saved)
    np.testing.assert_allclose(new.running_mean, momentum * x.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new.running_var, (1 - momentum) + momentum * x.var(axis=0, ddof=1), rtol=1e-12)
    y_inf, _ = new.forward(x, INFER)
    np.testing.assert_allclose(y_inf, (x - new.running_mean) / np.sqrt(new.running_var + 1e-12))
    assert bn.updated(bn.forward(x, INFER)[1]) is bn  # inference moves nothing


@settings(max_examples=30, deadline=None)
@given(key=nst.keys(), n=st.integers(1, 10), k=st.integers(2, 8))
def test_layer_norm_normalises_each_sample(key: nf.Key, n: int, k: int) -> None:
    x = nf.rng(key).standard_normal((n, k)) * 4 - 2
    y, _ = nf.LayerNorm(k, eps=1e-12).forward(x, TRAIN)
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-8)
    v = x.var(axis=1)  # a row of nearly equal values has a variance near eps: var / (var + eps), not 1
    np.testing.assert_allclose(y.var(axis=1), v / (v + 1e-12), rtol=1e-6)


def test_training_steps_thread_batch_norm_state_and_never_train_it() -> None:
    gen = np.random.default_rng(1)
    net = nf.Sequential(
        (
            nf.Dense(gen.standard_normal((3, 4)), np.zeros(4)),
            nf.BatchNorm(4),
            nf.relu,
            nf.Dense(gen.standard_normal((4, 2)), np.zeros(2)),
        )
    )
    x = gen.standard_normal((16, 3)) + 2
    batch = nf.Batch(x, gen.integers(0, 2, 16))
    g = nf.grad(net, batch, l2=0.5)
    bn_grad = g.layers[1]
    assert isinstance(bn_grad, nf.BatchNorm)
    assert not bn_grad.running_mean.any() and not bn_grad.running_var.any()
    stepped = nf.sgd_step(net, batch, lr=0.1, l2=0.5)
    bn_old, bn_new = net.layers[1], stepped.layers[1]
    assert isinstance(bn_old, nf.BatchNorm) and isinstance(bn_new, nf.BatchNorm)
    _, saved = net.forward(x, Context(training=True))
    expected = bn_old.updated(saved[1])
    np.testing.assert_allclose(bn_new.running_mean, expected.running_mean)
    np.testing.assert_allclose(bn_new.running_var, expected.running_var)
    opt = nf.adamw(0.1, weight_decay=0.5)
    stepped2, _ = nf.optimizer_step(opt)((net, opt.init(net)), batch)
    bn2 = stepped2.layers[1]
    assert isinstance(bn2, nf.BatchNorm)
    np.testing.assert_allclose(bn2.running_mean, expected.running_mean)
    np.testing.assert_allclose(bn2.running_var, expected.running_var)


def test_l2_penalises_weights_only() -> None:
    gen = np.random.default_rng(2)
    net = nf.Sequential(
        (
            nf.Dense(gen.standard_normal((3, 4)), gen.standard_normal(4)),
            nf.LayerNorm(4),
            nf.Dense(gen.standard_normal((4, 2)), gen.standard_normal(2)),
        )
    )
    batch = nf.Batch(gen.standard_normal((5, 3)), gen.integers(0, 2, 5))
    d0, d1 = net.layers[0], net.layers[2]
    assert isinstance(d0, nf.Dense) and isinstance(d1, nf.Dense)
    penalty = 0.25 * (np.sum(d0.w**2) + np.sum(d1.w**2))
    assert float(nf.loss(net, batch, l2=0.5)) == pytest.approx(float(nf.loss(net, batch)) + penalty)
    mask = nf.l2_mask(net)
    assert nf.tree_leaves(mask) == [True, False, False, False, True, False]


def test_errors_name_the_layer_path() -> None:
    net = nf.Sequential(
        (nf.Dense(np.ones((3, 4)), np.zeros(4)), nf.Residual(nf.Sequential((nf.relu, nf.Dropout(0.5)))))
    )
    with pytest.raises(ValueError, match=r"\.layers\[1\]\.inner\.layers\[1\]: key"):
        nf.grad(net, nf.Batch(np.ones((2, 3)), np.array([0, 1])))
    with pytest.raises(ValueError, match=r"layers\[1\] expects 5 inputs"):
        nf.Sequential((nf.Dense(np.ones((3, 4)), np.zeros(4)), nf.Dense(np.ones((5, 2)), np.zeros(2))))
    with pytest.raises(TypeError, match=r"layers\[1\]"):
        nf.Sequential((nf.Dense(np.ones((3, 4)), np.zeros(4)), np.tanh))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_repr_and_summary_show_shapes_not_arrays(name: str) -> None:
    layer = LAYERS[name](np.random.default_rng(0), 40, np.float64)
    text = repr(layer)
    assert "array(" not in text and "[[" not in text and len(text) < 600
    table = nf.summary(layer)
    assert "total:" in table and "array(" not in table
    count = sum(leaf.size for leaf in nf.tree_leaves(layer) if isinstance(leaf, np.ndarray))
    state = 80 if name in ("batch_norm", "concatenate") else 0
    assert f"total: {count - state} trained parameters" in table


CONSTRUCTORS: dict[str, Callable[[list[Arr]], nf.Layer]] = {
    "dense": lambda a: nf.Dense(a[0].reshape(3, 2), a[1][:2]),
    "layer_norm": lambda a: nf.LayerNorm(scale=a[1][:3], shift=a[2][:3]),
    "batch_norm": lambda a: nf.BatchNorm(scale=a[1][:3], shift=a[2][:3], running_mean=a[3][:3], running_var=a[4][:3]),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
@settings(max_examples=40, deadline=None)
@given(key=nst.keys(), read_only_view=st.booleans(), value=st.floats(-1e6, 1e6))
def test_a_layer_never_changes_when_the_caller_writes_its_arrays(
    name: str, key: nf.Key, read_only_view: bool, value: float
) -> None:
    gen = nf.rng(key)
    owners = [gen.standard_normal(6) for _ in range(5)]
    handed = []
    for owner in owners:
        view = owner[:]
        if read_only_view:  # read-only is not immutable: the owner still writes the memory
            view.flags.writeable = False
        handed.append(view)
    layer = CONSTRUCTORS[name](handed)
    before = [np.array(leaf, copy=True) for leaf in nf.tree_leaves(layer)]
    for owner in owners:
        owner[:] = value
    for old, leaf in zip(before, nf.tree_leaves(layer), strict=True):
        np.testing.assert_array_equal(leaf, old)
        assert not leaf.flags.writeable
