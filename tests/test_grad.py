"""Hand-written backprop against central finite differences, and gradient invariants."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import check_grad
from nnfunc.testing import strategies as nst

LOGITS = st.sampled_from([nf.identity, nf.tanh, nf.relu, nf.leaky_relu(0.1)])
"""Output layers whose outputs the logits costs (the default softmax cross-entropy) accept."""

F64 = st.just(np.dtype(np.float64))


KINKED = {nf.relu.name, nf.leaky_relu(0.1).name}


def _distance_to_kinks(params: nf.MLP, x: np.ndarray[Any, Any]) -> float:
    """The smallest |pre-activation| of any relu-like layer (inf when there are none)."""
    a, nearest = x, np.inf
    for layer in params.layers:
        z = a @ layer.w + layer.b
        if layer.activation.name in KINKED:
            nearest = min(nearest, float(np.abs(z).min()))
        a = layer.activation(z)
    return nearest


def _loss_fn(batch: nf.Batch, cost: nf.Cost, l2: float) -> Any:
    return functools.partial(nf.loss, batch=batch, cost=cost, l2=l2)


def _grad_fn(batch: nf.Batch, cost: nf.Cost, l2: float) -> Any:
    return functools.partial(nf.grad, batch=batch, cost=cost, l2=l2)


@pytest.mark.parametrize(
    ("cost", "output", "labels", "min_out"), nst.PAIRINGS, ids=lambda p: getattr(p, "name", str(p))
)
@settings(max_examples=25, deadline=None)
@given(data=st.data(), hidden=nst.activations(), l2=st.sampled_from([0.0, 0.3]))
def test_grad_matches_finite_differences(
    cost: nf.Cost,
    output: nf.Activation,
    labels: nst.LabelKind,
    min_out: int,
    data: st.DataObject,
    hidden: nf.Activation,
    l2: float,
) -> None:
    n_out = data.draw(st.integers(min_out, 4))
    sizes = data.draw(nst.layer_sizes(max_hidden=3, n_out=n_out))
    params = data.draw(nst.networks(st.just(sizes), hidden=st.just(hidden), output=st.just(output), dtype=F64))
    batch = data.draw(nst.batches(params, labels=labels, max_samples=6))
    assert isinstance(batch.x, np.ndarray)
    assume(_distance_to_kinks(params, batch.x) > 1e-2)  # finite differences need a smooth neighbourhood
    if output in (nf.sigmoid, nf.softmax):  # the probability costs clip outputs within eps of 0 and 1: flat there
        out = nf.forward(params, batch.x)
        assume(float(np.minimum(out, 1 - out).min()) > 1e-6)
    report = check_grad(_loss_fn(batch, cost, l2), params, _grad_fn(batch, cost, l2))
    assert report.max_rel_error < 1e-6, str(report)


@settings(max_examples=30, deadline=None)
@given(
    params=nst.networks(dtype=F64, sizes=nst.layer_sizes(n_out=3), output=LOGITS),
    key=nst.keys(),
    l2=st.sampled_from([0.0, 0.1]),
)
def test_gradient_of_mean_is_mean_of_per_sample_gradients(params: nf.MLP, key: nf.Key, l2: float) -> None:
    batch = nst.batch_for(params, key, labels="classes", n=5)
    whole = nf.tree_leaves(nf.grad(params, batch, l2=l2))
    singles = [
        nf.tree_leaves(nf.grad(params, nf.Batch(batch.x[i : i + 1], batch.y[i : i + 1]), l2=l2)) for i in range(5)
    ]
    for j, leaf in enumerate(whole):
        np.testing.assert_allclose(leaf, np.mean([s[j] for s in singles], axis=0), rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    params=nst.networks(dtype=F64, sizes=nst.layer_sizes(n_out=2), output=LOGITS), key=nst.keys(), perm_key=nst.keys()
)
def test_gradient_is_invariant_to_sample_order(params: nf.MLP, key: nf.Key, perm_key: nf.Key) -> None:
    batch = nst.batch_for(params, key, labels="onehot", n=7)
    order = nf.rng(perm_key).permutation(7)
    shuffled = nf.Batch(batch.x[order], batch.y[order])
    for a, b in zip(nf.tree_leaves(nf.grad(params, batch)), nf.tree_leaves(nf.grad(params, shuffled)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    params=nst.networks(sizes=nst.layer_sizes(n_out=3), output=LOGITS), key=nst.keys(), l2=st.sampled_from([0.0, 0.05])
)
def test_value_and_grad_agrees_with_loss_and_grad(params: nf.MLP, key: nf.Key, l2: float) -> None:
    batch = nst.batch_for(params, key, labels="classes")
    value, g = nf.value_and_grad(params, batch, l2=l2)
    assert value == nf.loss(params, batch, l2=l2)
    for a, b in zip(nf.tree_leaves(g), nf.tree_leaves(nf.grad(params, batch, l2=l2)), strict=True):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(
    params=nst.networks(sizes=nst.layer_sizes(n_out=2), output=LOGITS), key=nst.keys(), l2=st.sampled_from([0.0, 0.05])
)
def test_sgd_step_is_params_minus_lr_times_grad(params: nf.MLP, key: nf.Key, l2: float) -> None:
    batch = nst.batch_for(params, key, labels="classes")
    g = nf.grad(params, batch, l2=l2)
    stepped = nf.sgd_step(params, batch, lr=0.5, l2=l2)
    rtol = 1e-5 if params.dtype == np.float32 else 1e-12
    for new, p, d in zip(nf.tree_leaves(stepped), nf.tree_leaves(params), nf.tree_leaves(g), strict=True):
        np.testing.assert_allclose(new, p - 0.5 * d, rtol=rtol, atol=rtol)
    for new, p in zip(nf.tree_leaves(nf.sgd_step(params, batch, lr=0.0, l2=l2)), nf.tree_leaves(params), strict=True):
        np.testing.assert_array_equal(new, p)


def test_check_grad_catches_a_wrong_gradient() -> None:
    params = nf.init_mlp(nf.Key(1), (3, 4, 2), dtype=np.float64)
    batch = nst.batch_for(params, nf.Key(2), labels="classes")

    def wrong(p: nf.MLP) -> nf.MLP:
        return nf.tree_map(lambda a: a * 1.01, nf.grad(p, batch))

    report = check_grad(_loss_fn(batch, nf.softmax_cross_entropy, 0.0), params, wrong)
    assert report.max_rel_error > 1e-3
    assert report.where.startswith(".layers[")
