"""Purity and structure: no public call mutates its inputs; parameters are frozen and read-only;
gradients mirror parameters; keys fix initialisation; float32 stays float32."""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import strategies as nst

LOGITS = st.sampled_from([nf.identity, nf.tanh, nf.relu, nf.leaky_relu(0.1)])
"""Output layers whose outputs the logits costs (the default softmax cross-entropy) accept."""

Arr = np.ndarray[Any, Any]


def _public_calls(params: nf.MLP, x: Arr, y: Arr, k: int) -> list[Any]:
    """Every public function of the core, fed the caller's raw ``x``, ``y`` (class labels) and ``params``."""
    batch = nf.Batch(x, y)
    hot = nf.one_hot(y, k)
    step = functools.partial(nf.sgd_step, lr=0.1, l2=0.01)
    out: list[Any] = [
        nf.forward(params, x),
        nf.loss(params, batch, l2=0.01),
        nf.loss(params, nf.Batch(x, hot)),
        *nf.tree_leaves(nf.grad(params, batch, l2=0.01)),
        nf.value_and_grad(params, nf.Batch(x, hot))[0],
        *nf.tree_leaves(step(params, batch)),
        nf.predict(params, x),
        nf.accuracy(params, x, y),
        nf.accuracy(params, x, hot),
        hot,
        *[b.x for b in nf.batches(nf.Key(3), x, y, batch_size=3, epochs=2)],
        *nf.tree_leaves(nf.train(step, params, nf.batches(nf.Key(4), x, hot, batch_size=2))),
        *nf.tree_leaves(nf.tree_map(lambda a: a * 2, params)),
    ]
    return out


@settings(max_examples=30, deadline=None)
@given(
    params=nst.networks(sizes=nst.layer_sizes(n_out=3), output=LOGITS),
    key=nst.keys(),
    x_dtype=st.sampled_from([np.float32, np.float64]),
    read_only=st.booleans(),
)
def test_no_public_call_mutates_its_inputs(params: nf.MLP, key: nf.Key, x_dtype: type, read_only: bool) -> None:
    gen = nf.rng(key)
    x: Arr = gen.standard_normal((7, params.sizes[0])).astype(x_dtype)
    y = gen.integers(0, 3, 7)
    if read_only:
        x.flags.writeable = False
        y.flags.writeable = False
    x0, y0, p0 = x.copy(), y.copy(), [a.copy() for a in nf.tree_leaves(params)]
    first = _public_calls(params, x, y, 3)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    assert x.dtype == x0.dtype
    assert x.flags.writeable == y.flags.writeable == (not read_only)
    for a, b in zip(nf.tree_leaves(params), p0, strict=True):
        np.testing.assert_array_equal(a, b)
    # Same inputs, bit-identical outputs.
    for a, b in zip(first, _public_calls(params, x, y, 3), strict=True):
        np.testing.assert_array_equal(a, b)


def _assert_read_only_params(params: nf.MLP) -> None:
    for leaf in nf.tree_leaves(params):
        assert not leaf.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        params.layers[0].w[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        params.layers[-1].b[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(params, "layers", ())  # noqa: B010
    for field in ("w", "b", "activation"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(params.layers[0], field, None)


@settings(max_examples=25, deadline=None)
@given(params=nst.networks(sizes=nst.layer_sizes(n_out=2), output=LOGITS), key=nst.keys())
def test_every_network_nnfunc_returns_is_frozen_and_read_only(params: nf.MLP, key: nf.Key) -> None:
    batch = nst.batch_for(params, key, labels="classes")
    step = functools.partial(nf.sgd_step, lr=0.1)
    for net in (
        params,
        nf.grad(params, batch),
        nf.value_and_grad(params, batch)[1],
        step(params, batch),
        nf.train(step, params, [batch, batch]),
        nf.tree_map(np.copy, params),
    ):
        _assert_read_only_params(net)


def test_batch_is_frozen_and_read_only_and_does_not_touch_caller_flags() -> None:
    x, y = np.ones((4, 2)), np.array([0, 1, 1, 0])
    batch = nf.Batch(x, y)
    assert x.flags.writeable and y.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        batch.x[0, 0] = 2.0
    with pytest.raises(ValueError, match="read-only"):
        batch.y[0] = 1
    for field in ("x", "y"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(batch, field, x)


def test_dense_does_not_change_the_callers_array_flags() -> None:
    w, b = np.ones((2, 3)), np.zeros(3)
    layer = nf.Dense(w, b, nf.tanh)
    assert w.flags.writeable and b.flags.writeable
    assert not layer.w.flags.writeable and not layer.b.flags.writeable


@settings(max_examples=40, deadline=None)
@given(params=nst.networks(), key=nst.keys(), l2=st.sampled_from([0.0, 0.1]))
def test_grad_has_the_parameters_type_and_structure(params: nf.MLP, key: nf.Key, l2: float) -> None:
    batch = nst.batch_for(params, key, labels="real")
    for g in (
        nf.grad(params, batch, cost=nf.mean_squared_error, l2=l2),
        nf.value_and_grad(params, batch, cost=nf.mean_squared_error, l2=l2)[1],
    ):
        assert type(g) is nf.MLP
        assert len(g.layers) == len(params.layers)
        for gl, pl in zip(g.layers, params.layers, strict=True):
            assert type(gl) is nf.Dense
            assert gl.activation == pl.activation
            assert gl.w.shape == pl.w.shape and gl.b.shape == pl.b.shape
            assert gl.w.dtype == gl.b.dtype == params.dtype
        # structurally compatible: tree_map over both does not raise
        nf.tree_map(lambda a, b: a - b, params, g)


INITS = [nf.glorot_normal, nf.glorot_uniform, nf.he_normal, nf.lecun_normal, nf.normal(0.3)]


@settings(max_examples=40, deadline=None)
@given(
    key=nst.keys(),
    other=nst.keys(),
    sizes=nst.layer_sizes(),
    init=st.sampled_from(INITS),
    dtype=nst.dtypes(),
)
def test_same_key_same_init_different_keys_different_params(
    key: nf.Key, other: nf.Key, sizes: tuple[int, ...], init: nf.Initializer, dtype: np.dtype[Any]
) -> None:
    a = nf.init_mlp(key, sizes, init=init, dtype=dtype)
    b = nf.init_mlp(nf.Key(key.seed), sizes, init=init, dtype=dtype)
    for la, lb in zip(nf.tree_leaves(a), nf.tree_leaves(b), strict=True):
        assert la.tobytes() == lb.tobytes()
    if other != key:
        c = nf.init_mlp(other, sizes, init=init, dtype=dtype)
        for la, lc in zip(a.layers, c.layers, strict=True):
            assert not np.array_equal(la.w, lc.w)


# cost, its output activations, the label kinds it takes, its minimum number of outputs
DTYPE_CASES: list[tuple[nf.Cost, tuple[nf.Activation, ...], tuple[nst.LabelKind, ...], int]] = [
    (nf.softmax_cross_entropy, (nf.identity,), ("classes", "onehot"), 2),
    (nf.cross_entropy, (nf.softmax,), ("classes", "onehot"), 2),
    (nf.sigmoid_binary_cross_entropy, (nf.identity,), ("binary",), 1),
    (nf.binary_cross_entropy, (nf.sigmoid,), ("binary",), 1),
    (nf.mean_squared_error, (nf.tanh, nf.relu), ("real",), 1),
]


def _dtype_cases() -> list[Any]:
    cases = []
    for cost, outputs, label_kinds, min_out in DTYPE_CASES:
        for output, labels, data in itertools.product(outputs, label_kinds, ("float32", "float64")):
            name = f"{cost.name}-{output.name}-{labels}-{data}"
            cases.append(pytest.param(cost, output, labels, min_out, data, id=name))
    return cases


@pytest.mark.parametrize(("cost", "output", "labels", "min_out", "data_dtype"), _dtype_cases())
@settings(max_examples=10, deadline=None)
@given(data=st.data(), key=nst.keys(), l2=st.sampled_from([0.0, 0.1]))
def test_float32_parameters_stay_float32(
    cost: nf.Cost,
    output: nf.Activation,
    labels: nst.LabelKind,
    min_out: int,
    data_dtype: str,
    data: st.DataObject,
    key: nf.Key,
    l2: float,
) -> None:
    sizes = data.draw(nst.layer_sizes(n_out=data.draw(st.integers(min_out, 4))))
    params = data.draw(nst.networks(st.just(sizes), output=st.just(output), dtype=st.just(np.dtype(np.float32))))
    batch = nst.batch_for(params, key, labels=labels)
    if data_dtype == "float64":
        y = batch.y.astype(np.float64) if batch.y.dtype.kind == "f" else batch.y
        batch = nf.Batch(batch.x.astype(np.float64), y)
    f32 = np.dtype(np.float32)
    assert nf.forward(params, batch.x).dtype == f32
    assert nf.loss(params, batch, cost=cost, l2=l2).dtype == f32
    value, g = nf.value_and_grad(params, batch, cost=cost, l2=l2)
    assert value.dtype == f32
    step = functools.partial(nf.sgd_step, lr=0.1, cost=cost, l2=l2)
    for tree in (g, nf.grad(params, batch, cost=cost, l2=l2), step(params, batch), nf.train(step, params, [batch] * 3)):
        assert [leaf.dtype for leaf in nf.tree_leaves(tree)] == [f32] * len(nf.tree_leaves(params))


def test_a_batch_does_not_change_when_the_caller_later_changes_its_arrays() -> None:
    x, y = np.ones((4, 2)), np.array([0, 1, 1, 0])
    batch = nf.Batch(x, y)
    x[0, 0], y[0] = np.nan, 7  # after the checks: a NaN and a label out of range would slip through
    assert batch.x[0, 0] == 1.0
    assert batch.y[0] == 0
