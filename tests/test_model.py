"""The network: ``init_mlp``, initialisers, ``forward``, ``predict``, ``accuracy``, bad input, seed 000."""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.testing import strategies as nst

Arr = np.ndarray[Any, Any]


@settings(max_examples=50, deadline=None)
@given(
    key=nst.keys(),
    sizes=nst.layer_sizes(),
    hidden=nst.activations(),
    output=nst.activations(),
    dtype=nst.dtypes(),
)
def test_init_mlp_sizes_activations_dtype_and_zero_biases(
    key: nf.Key, sizes: tuple[int, ...], hidden: nf.Activation, output: nf.Activation, dtype: np.dtype[Any]
) -> None:
    params = nf.init_mlp(key, sizes, hidden=hidden, output=output, dtype=dtype)
    assert type(params) is nf.MLP and isinstance(params.layers, tuple)
    assert params.sizes == sizes
    assert len(params.layers) == len(sizes) - 1
    for i, layer in enumerate(params.layers):
        assert layer.w.shape == (sizes[i], sizes[i + 1])
        assert layer.b.shape == (sizes[i + 1],)
        assert layer.w.dtype == layer.b.dtype == dtype
        assert not layer.b.any()
        assert layer.activation == (output if i == len(params.layers) - 1 else hidden)


# (initialiser, expected std for (fan_in, fan_out) = (400, 300))
FAN_IN, FAN_OUT = 400, 300
SCALES = [
    (nf.lecun_normal, 1 / math.sqrt(FAN_IN)),
    (nf.he_normal, math.sqrt(2 / FAN_IN)),
    (nf.glorot_normal, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (nf.glorot_uniform, math.sqrt(6 / (FAN_IN + FAN_OUT)) / math.sqrt(3)),
    (nf.normal(0.01), 0.01),
    (nf.normal(), 0.01),
]


@pytest.mark.parametrize(("init", "std"), SCALES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_initialiser_scale_on_a_big_layer(init: nf.Initializer, std: float, dtype: type) -> None:
    # 120 000 draws: the sample std is within 0.3% of the true one (1 sigma); allow 2%.
    w = nf.init_mlp(nf.Key(5), (FAN_IN, FAN_OUT), init=init, dtype=dtype).layers[0].w.astype(np.float64)
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)


def test_glorot_uniform_stays_within_its_bounds() -> None:
    limit = math.sqrt(6 / (FAN_IN + FAN_OUT))
    w = nf.init_mlp(nf.Key(6), (FAN_IN, FAN_OUT), init=nf.glorot_uniform).layers[0].w
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit  # fills the interval


@settings(max_examples=40, deadline=None)
@given(params=nst.networks(), key=nst.keys(), n=st.integers(1, 12))
def test_forward_shape_and_dtype(params: nf.MLP, key: nf.Key, n: int) -> None:
    x = nf.rng(key).standard_normal((n, params.sizes[0]))
    out = nf.forward(params, x)
    assert out.shape == (n, params.sizes[-1])
    assert out.dtype == params.dtype
    assert np.isfinite(out).all()


@settings(max_examples=40, deadline=None)
@given(params=nst.networks(nst.layer_sizes(n_out=3)), key=nst.keys())
def test_predict_is_the_argmax_of_several_outputs(params: nf.MLP, key: nf.Key) -> None:
    x = nf.rng(key).standard_normal((10, params.sizes[0]))
    labels = nf.predict(params, x)
    assert labels.shape == (10,) and labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, nf.forward(params, x).argmax(axis=1))


def _single_unit(activation: nf.Activation) -> nf.MLP:
    return nf.MLP((nf.Dense(np.ones((1, 1)), np.zeros(1), activation),))


def test_predict_threshold_for_one_output() -> None:
    z = np.array([[-2.0], [-0.3], [0.3], [2.0]])
    # logits: positive means class 1 (a threshold of 0.5 on logits would call 0.3 class 0)
    np.testing.assert_array_equal(nf.predict(_single_unit(nf.identity), z), [0, 0, 1, 1])
    # probabilities: sigmoid(-0.3) = 0.43 is class 0 (a threshold of 0 would call it class 1)
    np.testing.assert_array_equal(nf.predict(_single_unit(nf.sigmoid), z), [0, 0, 1, 1])
    np.testing.assert_array_equal(nf.predict(_single_unit(nf.tanh), np.array([[0.1], [-0.1]])), [1, 0])


@settings(max_examples=40, deadline=None)
@given(params=nst.networks(), key=nst.keys())
def test_accuracy_with_labels_one_hot_and_column_targets(params: nf.MLP, key: nf.Key) -> None:
    gen = nf.rng(key)
    x = gen.standard_normal((12, params.sizes[0]))
    pred = nf.predict(params, x)
    k = params.sizes[-1]
    wrong = (pred + 1) % max(k, 2)
    assert nf.accuracy(params, x, pred) == 1.0
    assert nf.accuracy(params, x, wrong) == 0.0
    truth = gen.integers(0, max(k, 2), 12)
    assert nf.accuracy(params, x, truth) == pytest.approx(np.mean(pred == truth))
    if k > 1:
        assert nf.accuracy(params, x, nf.one_hot(pred, k)) == 1.0
        assert nf.accuracy(params, x, nf.one_hot(truth, k)) == pytest.approx(np.mean(pred == truth))
    else:
        assert nf.accuracy(params, x, pred[:, None].astype(float)) == 1.0
        assert nf.accuracy(params, x, wrong[:, None].astype(float)) == 0.0
        assert nf.accuracy(params, x, pred.astype(float)) == 1.0


def test_seed_000_script_reaches_the_tutorial_accuracy() -> None:
    from sklearn.datasets import make_moons

    x, y = make_moons(200, noise=0.20, random_state=0)
    params = nf.init_mlp(nf.Key(0), (2, 3, 2), hidden=nf.tanh)
    step = functools.partial(nf.sgd_step, lr=2.0, cost=nf.softmax_cross_entropy, l2=5e-5)
    params = nf.train(step, params, itertools.repeat(nf.Batch(x, y), 20_000))
    assert nf.accuracy(params, x, y) >= 0.97


# -- bad input: ValueError naming the argument and the expected shape -------------------------

NET = nf.init_mlp(nf.Key(0), (3, 4, 2))
X = np.ones((5, 3))
Y = np.array([0, 1, 1, 0, 1])


def _pure_calls(params: nf.MLP, x: Arr, y: Arr) -> list[Any]:
    batch = nf.Batch(x, y)
    return [
        functools.partial(nf.loss, params, batch),
        functools.partial(nf.grad, params, batch),
        functools.partial(nf.value_and_grad, params, batch),
        functools.partial(nf.sgd_step, params, batch, lr=0.1),
    ]


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.ones((5, 4)), r"x: expected shape \(n, 3\).*\(5, 4\)"),
        (np.ones((5, 1)), r"x: expected shape \(n, 3\)"),
        (np.ones(3), r"x: expected a 2-D array of shape \(n_samples, n_features\).*\(3,\)"),
        (np.ones((2, 3, 1)), r"x: expected a 2-D array of shape \(n_samples, n_features\)"),
    ],
)
def test_forward_rejects_bad_x(x: Arr, match: str) -> None:
    for call in (nf.forward, nf.predict):
        with pytest.raises(ValueError, match=match):
            call(NET, x)
    if x.ndim == 2:  # loss and friends check the batch against the network
        for call in _pure_calls(NET, x, Y):
            with pytest.raises(ValueError, match=match):
                call()


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.array([0, 1, 2, 0, 1]), r"y: class labels must lie in \[0, 2\).*2"),
        (np.ones((5, 3)), r"y: expected targets of shape \(n, 2\).*\(5, 3\)"),
    ],
)
def test_loss_and_grad_reject_labels_that_do_not_fit_the_network(y: Arr, match: str) -> None:
    for call in _pure_calls(NET, X, y):
        with pytest.raises(ValueError, match=match):
            call()


def test_mismatched_lengths_of_x_and_y() -> None:
    with pytest.raises(ValueError, match=r"y: expected 5 rows.*\(4,\)"):
        nf.Batch(X, Y[:4])
    with pytest.raises(ValueError, match=r"y: expected 5 labels \(n,\).*\(4,\)"):
        nf.accuracy(NET, X, Y[:4])


def test_negative_labels() -> None:
    with pytest.raises(ValueError, match="y: class labels must be >= 0"):
        nf.Batch(X, Y - 1)


@pytest.mark.parametrize("sizes", [(3,), (), (3, 0), (0, 2), (3, -1, 2)])
def test_init_mlp_rejects_bad_sizes(sizes: Any) -> None:
    with pytest.raises(ValueError, match=r"sizes(\[\d\])?: expected"):
        nf.init_mlp(nf.Key(0), sizes)


@pytest.mark.parametrize("sizes", [(3, 2.0), (3, True), (3, "2"), 3, "32"])
def test_init_mlp_rejects_sizes_of_the_wrong_kind(sizes: Any) -> None:
    with pytest.raises(TypeError, match=r"sizes(\[\d\])?: expected"):
        nf.init_mlp(nf.Key(0), sizes)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "complex128"])
def test_init_mlp_rejects_other_dtypes(dtype: Any) -> None:
    with pytest.raises(ValueError, match=r"dtype: expected np\.float32 or np\.float64"):
        nf.init_mlp(nf.Key(0), (2, 2), dtype=dtype)


def test_a_network_refuses_layers_of_mixed_dtypes() -> None:
    f32 = nf.init_mlp(nf.Key(0), (2, 3), dtype=np.float32).layers[0]
    f64 = nf.init_mlp(nf.Key(0), (3, 2), dtype=np.float64).layers[0]
    with pytest.raises(TypeError, match="layers: expected one float dtype"):
        nf.MLP((f32, f64))
