"""Sample weights: ``sum(w_i c_i) / sum(w_i)`` for every cost, so integer weights are repeated samples,
equal weights change nothing and a zero weight drops a sample; weights travel with their samples; per-batch keys.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.costs import evaluate, evaluate_with_grad
from nnfunc.testing import check_grad
from nnfunc.testing import strategies as nst

Arr = np.ndarray[Any, Any]

# (cost, output activation, label kind, outputs)
CASES: list[tuple[nf.Cost, nf.Activation, str, int]] = [
    (nf.softmax_cross_entropy, nf.identity, "classes", 3),
    (nf.softmax_cross_entropy, nf.identity, "soft", 3),
    (nf.cross_entropy, nf.softmax, "classes", 3),
    (nf.sigmoid_binary_cross_entropy, nf.identity, "binary", 2),
    (nf.binary_cross_entropy, nf.sigmoid, "binary", 1),
    (nf.mean_squared_error, nf.tanh, "real", 2),
    (nf.mean_absolute_error, nf.identity, "real", 1),
    (nf.huber(0.5), nf.identity, "real", 2),
]
IDS = [f"{c.name}-{kind}" for c, _, kind, _ in CASES]


def _labels(kind: str, n: int, k: int, key: nf.Key) -> Arr:
    gen = nf.rng(key)
    if kind == "classes":
        return gen.integers(0, k, n)
    if kind == "soft":
        return nf.smooth_labels(gen.integers(0, k, n), k, 0.2)
    if kind == "binary":
        return gen.integers(0, 2, (n, k)).astype(np.float64)
    return gen.standard_normal((n, k))


def _outputs(act: nf.Activation, n: int, k: int, key: nf.Key) -> Arr:
    z = nf.rng(key).standard_normal((n, k)) * 2
    return act(z) if act is not nf.identity else z


@pytest.mark.parametrize(("cost", "act", "kind", "k"), CASES, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(weights=st.lists(st.integers(0, 3), min_size=1, max_size=8).filter(any), key=nst.keys())
def test_integer_weights_equal_repeated_samples_at_the_cost(
    cost: nf.Cost, act: nf.Activation, kind: str, k: int, weights: list[int], key: nf.Key
) -> None:
    n = len(weights)
    out, y = _outputs(act, n, k, key), _labels(kind, n, k, nf.split(key)[0])
    w = np.array(weights, dtype=np.float64)
    reps = np.repeat(np.arange(n), weights)
    value, g = evaluate_with_grad(cost, out, y, w)
    rep_value, rep_g = evaluate_with_grad(cost, out[reps], y[reps], None)
    assert float(value) == pytest.approx(float(rep_value), rel=1e-12)
    assert evaluate(cost, out, y, w) == value
    summed = np.zeros_like(g)
    np.add.at(summed, reps, rep_g)  # a repeated sample's gradient rows add up
    np.testing.assert_allclose(g, summed, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(g[w == 0], 0.0)


@pytest.mark.parametrize(("cost", "act", "kind", "k"), CASES, ids=IDS)
@settings(max_examples=15, deadline=None)
@given(
    weights=st.lists(st.integers(0, 3), min_size=1, max_size=6).filter(any),
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    key=nst.keys(),
)
def test_integer_weights_equal_repeated_samples_through_a_network(
    cost: nf.Cost, act: nf.Activation, kind: str, k: int, weights: list[int], hidden: list[int], key: nf.Key
) -> None:
    n = len(weights)
    k_in, k_lab, k_net = nf.split(key, 3)
    params = nf.init_mlp(k_net, (3, *hidden, k), output=act)
    x, y = nf.rng(k_in).standard_normal((n, 3)), _labels(kind, n, k, k_lab)
    reps = np.repeat(np.arange(n), weights)
    v1, g1 = nf.value_and_grad(params, nf.Batch(x, y, np.array(weights)), cost=cost, l2=0.01)
    v2, g2 = nf.value_and_grad(params, nf.Batch(x[reps], y[reps]), cost=cost, l2=0.01)
    assert float(v1) == pytest.approx(float(v2), rel=1e-12)
    for a, b in zip(nf.tree_leaves(g1), nf.tree_leaves(g2), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(("cost", "act", "kind", "k"), CASES, ids=IDS)
@settings(max_examples=20, deadline=None)
@given(c=st.floats(1e-3, 1e3), n=st.integers(1, 8), key=nst.keys())
def test_equal_weights_change_nothing(
    cost: nf.Cost, act: nf.Activation, kind: str, k: int, c: float, n: int, key: nf.Key
) -> None:
    out, y = _outputs(act, n, k, key), _labels(kind, n, k, nf.split(key)[0])
    v1, g1 = evaluate_with_grad(cost, out, y, np.full(n, c))
    v2, g2 = evaluate_with_grad(cost, out, y, None)
    assert float(v1) == pytest.approx(float(v2), rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize(("cost", "act", "kind", "k"), CASES, ids=IDS)
@settings(max_examples=20, deadline=None)
@given(
    drop=st.lists(st.booleans(), min_size=2, max_size=8).filter(lambda d: not all(d)),
    dtype=st.sampled_from([np.float32, np.float64]),
    key=nst.keys(),
)
def test_a_zero_weight_drops_its_sample(
    cost: nf.Cost, act: nf.Activation, kind: str, k: int, drop: list[bool], dtype: Any, key: nf.Key
) -> None:
    n = len(drop)
    out, y = _outputs(act, n, k, key).astype(dtype), _labels(kind, n, k, nf.split(key)[0])
    keep = ~np.array(drop)
    value = evaluate(cost, out, y, keep.astype(dtype))
    assert value.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert float(value) == pytest.approx(float(evaluate(cost, out[keep], y[keep], None)), rel=rtol)


def test_a_minibatch_of_zero_weights_costs_zero_with_a_zero_gradient() -> None:
    out, y = np.array([[0.3, -1.0], [2.0, 0.1]]), np.array([0, 1])
    for cost in (nf.softmax_cross_entropy, nf.mean_squared_error, nf.huber()):
        with np.errstate(all="raise"):
            value, g = evaluate_with_grad(cost, out, y, np.zeros(2))
        assert value == 0.0 and not g.any() and g.shape == out.shape
    data = nf.batches(nf.Key(0), np.eye(4), [0, 1, 0, 1], batch_size=2, shuffle=False, sample_weight=[0, 0, 1, 1])
    params = nf.init_mlp(nf.Key(1), (4, 2))
    first = next(iter(data))
    value, grad = nf.value_and_grad(params, first)
    assert value == 0.0 and all(not leaf.any() for leaf in nf.tree_leaves(grad))


@settings(max_examples=15, deadline=None)
@given(key=nst.keys(), n=st.integers(1, 6))
def test_weighted_gradients_match_finite_differences(key: nf.Key, n: int) -> None:
    k_net, k_x, k_w = nf.split(key, 3)
    params = nf.init_mlp(k_net, (3, 4, 3), hidden=nf.tanh)
    x = nf.rng(k_x).standard_normal((n, 3))
    w = nf.rng(k_w).uniform(0.1, 3.0, n)
    batch = nf.Batch(x, np.arange(n) % 3, w)
    result = check_grad(lambda p: nf.loss(p, batch, l2=0.01), params, lambda p: nf.grad(p, batch, l2=0.01))
    assert result.max_rel_error < 1e-6, result


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 20),
    batch_size=st.one_of(st.none(), st.integers(1, 7)),
    epochs=st.integers(1, 3),
    shuffle=st.booleans(),
    key=nst.keys(),
)
def test_weights_travel_with_their_samples(
    n: int, batch_size: int | None, epochs: int, shuffle: bool, key: nf.Key
) -> None:
    ids = np.arange(n, dtype=np.float64)
    x = np.column_stack([ids, np.zeros(n)])
    w = ids + 1.0  # the weight of sample i is i + 1
    seen = 0
    for b in nf.batches(
        key, x, np.arange(n) % 2, batch_size=batch_size, epochs=epochs, shuffle=shuffle, sample_weight=w
    ):
        assert isinstance(b.x, np.ndarray) and b.sample_weight is not None
        np.testing.assert_array_equal(b.sample_weight, b.x[:, 0] + 1)
        np.testing.assert_array_equal(b.y, b.x[:, 0].astype(int) % 2)
        assert not b.sample_weight.flags.writeable
        seen += len(b)
    assert seen == n * epochs


def test_weights_are_stored_read_only_in_xs_dtype_and_never_change() -> None:
    w = np.array([1, 2, 3])
    batch = nf.Batch(np.ones((3, 2), dtype=np.float32), [0, 1, 0], w)
    assert batch.sample_weight is not None
    assert batch.sample_weight.dtype == np.float32 and not batch.sample_weight.flags.writeable
    w[0] = 100
    assert batch.sample_weight[0] == 1
    assert nf.Batch(np.ones((3, 2)), [0, 1, 0]).sample_weight is None


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 12),
    batch_size=st.one_of(st.none(), st.integers(1, 5)),
    epochs=st.integers(1, 3),
    key=nst.keys(),
)
def test_every_batch_has_its_own_deterministic_key(n: int, batch_size: int | None, epochs: int, key: nf.Key) -> None:
    data = nf.batches(key, np.ones((n, 2)), np.zeros(n, dtype=int), batch_size=batch_size, epochs=epochs)
    keys = [b.key for b in data]
    assert all(isinstance(k, nf.Key) for k in keys)
    assert len(set(keys)) == len(keys) == len(data)  # distinct per batch and per epoch (full batches too)
    assert keys == [b.key for b in data]  # the same on every iteration
    assert key not in keys
    assert nf.Batch(np.ones((1, 1)), [0]).key is None
    assert nf.Batch(np.ones((1, 1)), [0], key=nf.Key(3)).key == nf.Key(3)
