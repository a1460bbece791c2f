"""Numerics at the edges: huge logits and inputs, probabilities of exactly 0 and 1, divergence.

Every computation runs with NumPy overflow, invalid and divide-by-zero raised
(underflow to zero is fine) and warnings as errors.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import check_grad
from nnfunc.testing import strategies as nst

DTYPES = [np.float32, np.float64]


@contextmanager
def strict() -> Iterator[None]:
    """NumPy floating-point errors (but underflow) raised, every warning an error."""
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _finite(*values: Any) -> None:
    for v in values:
        for leaf in nf.tree_leaves(v):
            assert np.isfinite(leaf).all(), leaf


def _signs(shape: tuple[int, ...], key: nf.Key) -> np.ndarray[Any, Any]:
    return np.where(nf.rng(key).random(shape) < 0.5, -1.0, 1.0)


# -- costs on extreme outputs ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1e4, 1e30])
def test_logit_costs_are_finite_and_exact_at_huge_logits(dtype: type, scale: float) -> None:
    z: np.ndarray[Any, Any] = (_signs((6, 3), nf.Key(0)) * scale).astype(dtype)
    labels = np.array([0, 1, 2, 0, 1, 2])
    with strict():
        for y in (labels, nf.one_hot(labels, 3, dtype)):
            value, g = nf.softmax_cross_entropy.value_and_grad(z.copy(), y)
            _finite(value, g)
            assert value.dtype == dtype and g.dtype == dtype
            assert value == nf.softmax_cross_entropy(z, y)
        binary: np.ndarray[Any, Any] = (labels % 2).astype(dtype)
        value, g = nf.sigmoid_binary_cross_entropy.value_and_grad(z[:, :1].copy(), binary)
        _finite(value, g)
        assert value.dtype == dtype
    # Exact where we can say: with logits (+s, -s) the loss of the wrong class is 2s, of the right one 0.
    two: np.ndarray[Any, Any] = np.array([[scale, -scale]], dtype=dtype)
    with strict():
        assert float(nf.softmax_cross_entropy(two, np.array([1]))) == pytest.approx(2 * scale, rel=1e-6)
        assert float(nf.softmax_cross_entropy(two, np.array([0]))) == 0.0
        assert float(nf.sigmoid_binary_cross_entropy(two[:, :1], np.array([0.0], dtype))) == pytest.approx(scale)


@pytest.mark.parametrize("dtype", DTYPES)
def test_probability_costs_are_finite_at_exactly_0_and_1(dtype: type) -> None:
    labels = np.array([0, 1, 2, 2])
    right = nf.one_hot(labels, 3, dtype)  # the true class gets probability exactly 1
    wrong = nf.one_hot((labels + 1) % 3, 3, dtype)  # ... or exactly 0
    eps = float(np.finfo(dtype).eps)
    with strict():
        for p, expected in ((right, 0.0), (wrong, -math.log(eps))):
            for y in (labels, nf.one_hot(labels, 3, dtype)):
                value, g = nf.cross_entropy.value_and_grad(p.copy(), y)
                _finite(value, g)
                assert float(value) == pytest.approx(expected, rel=1e-5, abs=1e-6)
        for p in (right, wrong):
            value, g = nf.binary_cross_entropy.value_and_grad(p.copy(), right)
            _finite(value, g)
            value, g = nf.binary_cross_entropy.value_and_grad(p[:, :1].copy(), right[:, 0])
            _finite(value, g)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", nst.ALL_ACTIVATIONS, ids=lambda a: a.name)
def test_activations_and_their_backward_are_finite_at_huge_inputs(dtype: type, act: nf.Activation) -> None:
    z = (_signs((5, 4), nf.Key(1)) * np.array([1e4, 1e6, 1e30, 1.0])).astype(dtype)
    with strict():
        a = act(z)
        g = act.backward(a, np.ones_like(a), None)
    _finite(a, g)
    assert a.dtype == dtype and g.dtype == dtype


@settings(max_examples=30, deadline=None)
@given(z=st.lists(st.floats(-60, 60), min_size=4, max_size=4), t=st.lists(st.sampled_from([0.0, 1.0]), min_size=4))
def test_stable_sigmoid_cross_entropy_gradient_is_right_where_naive_formulas_fail(
    z: list[float], t: list[float]
) -> None:
    logits = np.array(z).reshape(2, 2)
    targets = np.array(t[:4]).reshape(2, 2)
    cost = nf.sigmoid_binary_cross_entropy
    report = check_grad(lambda q: cost.value(q, targets), logits, lambda q: cost.value_and_grad(q.copy(), targets)[1])
    assert report.max_rel_error < 1e-6, str(report)


# -- whole networks at huge inputs ----------------------------------------------------------


@pytest.mark.parametrize(
    ("cost", "output", "labels", "min_out"), nst.PAIRINGS, ids=lambda p: getattr(p, "name", str(p))
)
@settings(max_examples=15, deadline=None)
@given(data=st.data(), scale=st.sampled_from([1e6, -1e6, 1e3]), l2=st.sampled_from([0.0, 1e-3]))
def test_loss_and_gradients_stay_finite_at_huge_inputs(
    cost: nf.Cost, output: nf.Activation, labels: nst.LabelKind, min_out: int, data: st.DataObject, scale: float,
    l2: float,
) -> None:  # fmt: skip
    n_out = data.draw(st.integers(min_out, 4))
    params = data.draw(nst.networks(nst.layer_sizes(max_hidden=2, n_out=n_out), output=st.just(output)))
    batch = nst.batch_for(params, data.draw(nst.keys()), labels=labels, n=6, scale=scale)
    with strict():
        value, g = nf.value_and_grad(params, batch, cost=cost, l2=l2)
        stepped = nf.sgd_step(params, batch, lr=1e-3, cost=cost, l2=l2)
        out = nf.forward(params, batch.x)
    _finite(value, g, stepped, out)
    assert value.dtype == params.dtype
    assert all(leaf.dtype == params.dtype for leaf in nf.tree_leaves(g))


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_network_with_logits_of_1e4_gives_the_exact_loss(dtype: type) -> None:
    w: np.ndarray[Any, Any] = np.array([[1e4, -1e4]], dtype=dtype)
    params = nf.MLP((nf.Dense(w, np.zeros(2, dtype=dtype)),))
    batch = nf.Batch(np.array([[1.0], [-1.0]], dtype=dtype), np.array([1, 1]))
    with strict():
        value, g = nf.value_and_grad(params, batch)
    _finite(value, g)
    assert float(value) == pytest.approx(1e4)  # (2e4 + 0) / 2
    np.testing.assert_allclose(g.layers[0].w, [[0.5, -0.5]])


# -- divergence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_diverging_training_stops_with_the_step_named(dtype: type) -> None:
    params = nf.init_mlp(nf.Key(0), (2, 8, 2), hidden=nf.relu, dtype=dtype)
    batch = nst.batch_for(params, nf.Key(1), labels="classes", n=32)
    step = functools.partial(nf.sgd_step, lr=1e30, cost=nf.mean_squared_error)
    # The overflow on the way is NumPy's to report; nnfunc's job is to stop at the first non-finite loss.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(FloatingPointError, match=r"^step \d+: loss is (nan|inf)") as info:
            nf.train(step, params, itertools.repeat(batch, 100))
    assert int(str(info.value).split()[1].rstrip(":")) >= 1  # the first step was fine


def test_sgd_step_refuses_to_step_from_a_non_finite_loss() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 2))
    broken = nf.tree_map(lambda a: np.full_like(a, np.inf), params)
    batch = nst.batch_for(params, nf.Key(1), labels="classes")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(FloatingPointError, match="diverged"):
            nf.sgd_step(broken, batch, lr=0.1)


def test_diverging_optimizer_training_stops_with_the_step_named() -> None:
    from nnfunc import momentum, optimizer_step

    params = nf.init_mlp(nf.Key(0), (2, 8, 2), hidden=nf.relu)
    batch = nst.batch_for(params, nf.Key(1), labels="classes", n=32)
    opt = momentum(1e30)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(FloatingPointError, match=r"^step \d+: loss is (nan|inf)"):
            nf.train(optimizer_step(opt, cost=nf.mean_squared_error), (params, opt.init(params)), [batch] * 100)
