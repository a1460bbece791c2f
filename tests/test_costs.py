"""Costs: values against an exact per-sample reference, any memory layout, checked direct calls, new costs.

The reference computes every sample's cost independently in Python (linear parts exactly with
``fractions.Fraction``, logs in float64) and sums the samples exactly with ``math.fsum``. Hypothesis
draws outputs of every magnitude up to 1e30 (logits), exact 0 and 1 (probabilities), integer labels,
one-hot and soft targets, in float32 and float64.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.costs import check_output, evaluate, evaluate_with_grad
from nnfunc.testing import check_grad

Arr = np.ndarray[Any, Any]
DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-12}


# -- exact references, one sample at a time -----------------------------------------------------


def _eps(dtype: Any) -> float:
    return float(np.finfo(dtype).eps)


def _ref_softmax_ce(z: list[float], t: list[float], eps: float) -> float:
    m = max(z)
    log_s = math.log(math.fsum(math.exp(zj - m) for zj in z))
    linear = sum((Fraction(tj) * (Fraction(m) - Fraction(zj)) for tj, zj in zip(t, z, strict=True)), Fraction(0))
    return float(linear) + math.fsum(t) * log_s


def _ref_cross_entropy(p: list[float], t: list[float], eps: float) -> float:
    return math.fsum(-tj * math.log(max(pj, eps)) for pj, tj in zip(p, t, strict=True))


def _ref_sigmoid_bce(z: list[float], t: list[float], eps: float) -> float:
    terms = []
    for zj, tj in zip(z, t, strict=True):
        linear = Fraction(max(zj, 0.0)) - Fraction(tj) * Fraction(zj)
        terms.append(float(linear) + math.log1p(math.exp(-abs(zj))))
    return math.fsum(terms)


def _ref_bce(p: list[float], t: list[float], eps: float) -> float:
    terms = []
    for pj, tj in zip(p, t, strict=True):
        q = min(max(pj, eps), 1 - eps)
        terms.append(-tj * math.log(q) - (1 - tj) * math.log1p(-q))
    return math.fsum(terms)


def _ref_mse(o: list[float], t: list[float], eps: float) -> float:
    return float(sum(((Fraction(a) - Fraction(b)) ** 2 for a, b in zip(o, t, strict=True)), Fraction(0)))


def _ref_mae(o: list[float], t: list[float], eps: float) -> float:
    return float(sum((abs(Fraction(a) - Fraction(b)) for a, b in zip(o, t, strict=True)), Fraction(0)))


def _ref_huber(delta: float) -> Callable[[list[float], list[float], float], float]:
    def ref(o: list[float], t: list[float], eps: float) -> float:
        d, total = Fraction(delta), Fraction(0)
        for a, b in zip(o, t, strict=True):
            r = abs(Fraction(a) - Fraction(b))
            total += r * r / 2 if r <= d else d * (r - d / 2)
        return float(total)

    return ref


# (cost, reference, outputs kind, labels kind, error floor: 1 where a log of a sum >= 1 is taken)
Spec = tuple[nf.Cost, Callable[[list[float], list[float], float], float], str, str, float]
SPECS: list[Spec] = [
    (nf.softmax_cross_entropy, _ref_softmax_ce, "logits", "classes", 1.0),
    (nf.cross_entropy, _ref_cross_entropy, "softmax", "classes", 1.0),
    (nf.sigmoid_binary_cross_entropy, _ref_sigmoid_bce, "logits", "binary", 0.0),
    (nf.binary_cross_entropy, _ref_bce, "sigmoid", "binary", 1.0),
    (nf.mean_squared_error, _ref_mse, "real", "real", 0.0),
    (nf.mean_absolute_error, _ref_mae, "real", "real", 0.0),
    (nf.huber(1.0), _ref_huber(1.0), "real", "real", 0.0),
    (nf.huber(0.25), _ref_huber(0.25), "real", "real", 0.0),
]
IDS = [s[0].name for s in SPECS]


@st.composite
def _magnitudes(draw: st.DrawFn, shape: tuple[int, int], top: float) -> Arr:
    """Signed values whose magnitudes spread over [1e-3, top] (log-uniform), zeros included."""
    n = shape[0] * shape[1]
    exps = draw(st.lists(st.floats(-3, math.log10(top)), min_size=n, max_size=n))
    signs = draw(st.lists(st.sampled_from([-1.0, 0.0, 1.0, 1.0]), min_size=n, max_size=n))
    return np.array([s * 10.0**e for s, e in zip(signs, exps, strict=True)]).reshape(shape)


@st.composite
def _case(draw: st.DrawFn, spec: Spec, dtype: Any) -> tuple[Arr, Arr]:
    """``(out, y)`` for ``spec``: outputs of the kind it takes, labels of a kind it accepts."""
    _, _, outputs, labels, _ = spec
    n = draw(st.integers(1, 6))
    k = draw(st.integers(2, 4)) if labels == "classes" else draw(st.integers(1, 3))
    top = {"logits": 1e30, "real": 1e30 if dtype == np.float64 else 1e15}.get(outputs, 1.0)
    if outputs in ("logits", "real"):
        out = draw(_magnitudes((n, k), top))
    else:
        raw = draw(st.lists(st.sampled_from([0.0, 1.0, 1e-9, 0.5, 0.999999, 0.3]), min_size=n * k, max_size=n * k))
        out = np.array(raw).reshape(n, k)
        if outputs == "softmax":
            out = out / np.maximum(out.sum(axis=1, keepdims=True), 1.0)
    form = draw(st.sampled_from(["index", "onehot", "soft"]))
    if labels == "classes":
        idx = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
        if form == "index":
            return out.astype(dtype), idx
        y = nf.smooth_labels(idx, k, draw(st.sampled_from([0.0, 0.1, 0.5])) if form == "soft" else 0.0)
        return out.astype(dtype), y.astype(dtype)
    if labels == "binary":
        vals = [0.0, 1.0] if form != "soft" else [0.0, 1.0, 0.25, 0.9999]
        t = np.array(draw(st.lists(st.sampled_from(vals), min_size=n * k, max_size=n * k))).reshape(n, k)
        return out.astype(dtype), t.astype(dtype)
    t = draw(_magnitudes((n, k), top))
    return out.astype(dtype), t.astype(dtype)


def _reference(spec: Spec, out: Arr, y: Arr) -> float:
    ref = spec[1]
    k = out.shape[1]
    t = nf.one_hot(y, k) if y.ndim == 1 else np.asarray(y, dtype=np.float64)
    eps = _eps(out.dtype)
    rows = [ref([float(v) for v in o], [float(v) for v in r], eps) for o, r in zip(out, t, strict=True)]
    return math.fsum(rows) / int(out.shape[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_value_matches_the_exact_per_sample_sum(spec: Spec, dtype: Any, data: st.DataObject) -> None:
    out, y = data.draw(_case(spec, dtype))
    expected = _reference(spec, out, y)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = spec[0](out, y)
        both, g = spec[0].value_and_grad(out, y)
    assert value.dtype == dtype and g.dtype == dtype
    assert value == both  # value and value_and_grad agree
    assert np.isfinite(g).all()
    tiny = float(np.finfo(dtype).tiny)  # below it, subnormals carry fewer digits
    assert abs(float(value) - expected) <= TOL[dtype] * (abs(expected) + spec[4]) + tiny, (float(value), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_bce_of_a_huge_logit_beside_a_zero_is_log2_over_2(dtype: Any) -> None:
    # The case that cancelled to 0.0: per-sample losses are now computed before they are summed.
    for scale in (1e8, 1e17, 1e30):
        z = np.array([[scale], [0.0]], dtype=dtype)
        value = nf.sigmoid_binary_cross_entropy(z, np.array([1.0, 0.0], dtype=dtype))
        assert float(value) == pytest.approx(math.log(2) / 2, rel=1e-6)


# -- memory layouts --------------------------------------------------------------------------------


def _layouts(a: Arr) -> list[Arr]:
    """``a``'s values in other memory layouts: Fortran order, a transposed view, a strided slice."""
    wide = np.zeros((a.shape[0], 2 * a.shape[1]), dtype=a.dtype)
    wide[:, ::2] = a
    return [np.asfortranarray(a), np.ascontiguousarray(a.T).T, wide[:, ::2], a[::-1][::-1]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_every_layout_gives_the_c_ordered_result(spec: Spec, dtype: Any, data: st.DataObject) -> None:
    out, y = data.draw(_case(spec, dtype))
    cost = spec[0]
    value, g = cost.value_and_grad(np.ascontiguousarray(out), y)
    for other in _layouts(out):
        v2, g2 = cost.value_and_grad(other, y)
        assert v2 == value
        np.testing.assert_array_equal(g2, g)
        v3, g3 = evaluate_with_grad(cost, other, y, None)
        assert v3 == value and evaluate(cost, other, y, None) == value
        np.testing.assert_array_equal(g3, g)


ACTIVATIONS = [nf.identity, nf.tanh, nf.sigmoid, nf.relu, nf.softmax, nf.leaky_relu(0.1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.name)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_activations_give_the_same_answer_in_every_layout(act: nf.Activation, dtype: Any, data: st.DataObject) -> None:
    shape = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4)))
    z = data.draw(_magnitudes(shape, 30.0)).astype(dtype)
    g = data.draw(_magnitudes(shape, 10.0)).astype(dtype)
    a = act(z)
    back = act.backward(a, g.copy(), None)
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    atol = rtol * float(np.abs(g).max(initial=0.0)) * shape[1]  # softmax's backward cancels: sum order shows
    for zl, gl in zip(_layouts(z), _layouts(g), strict=True):
        np.testing.assert_allclose(act(zl), a, rtol=rtol, atol=0)
        np.testing.assert_allclose(act.forward(zl, None), a, rtol=rtol, atol=0)
        al = act.forward(zl, None)
        np.testing.assert_allclose(act.backward(al, gl.copy(), None), back, rtol=rtol, atol=atol)
        g_out = gl.copy(order="K")  # the network passes its own temporary as ``out``
        np.testing.assert_allclose(act.backward(al, g_out, g_out), back, rtol=rtol, atol=atol)


def test_a_user_activation_returning_fortran_order_trains_like_c_order() -> None:
    # The case: the softmax cross-entropy gradient wrote into a reshape copy.
    fortran = nf.Activation(
        "fortran_identity", lambda z, out: np.asfortranarray(z.copy()), lambda a, g, out: np.asfortranarray(g)
    )
    x = nf.rng(nf.Key(0)).standard_normal((7, 3))
    y = np.array([0, 1, 2, 0, 1, 2, 0])
    plain = nf.init_mlp(nf.Key(1), (3, 4, 3))
    layers = (*plain.layers[:-1], dataclasses.replace(plain.layers[-1], activation=fortran))
    odd = dataclasses.replace(plain, layers=layers)
    v1, g1 = nf.value_and_grad(plain, nf.Batch(x, y))
    v2, g2 = nf.value_and_grad(odd, nf.Batch(x, y))
    assert float(v1) == pytest.approx(float(v2), rel=1e-12)
    for a, b in zip(nf.tree_leaves(g1), nf.tree_leaves(g2), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


# -- gradients -----------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_cost_gradients_match_finite_differences(spec: Spec, data: st.DataObject) -> None:
    cost, _, outputs, _, _ = spec
    out, y = data.draw(_case(spec, np.float64))
    if outputs in ("logits", "real"):  # moderate values; residuals away from the kinks of |r| and huber
        out = np.sign(out) * np.minimum(np.abs(out), 5.0)
        if outputs == "real":
            y = np.clip(y, -5, 5)
            r = out - y
            far = np.abs(np.abs(r) - (0.25 if "0.25" in cost.name else 1.0))
            out = np.where((np.abs(r) < 1e-2) | (far < 1e-2), out + 0.1, out)
    else:  # probabilities away from the clipping at 0 and 1
        out = np.clip(out, 0.05, 0.95)
    result = check_grad(lambda o: evaluate(cost, o, y, None), out, lambda o: evaluate_with_grad(cost, o, y, None)[1])
    assert result.max_rel_error < 1e-6, result


# -- the new costs and targets --------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    r=st.lists(st.floats(-1e-3, 1e-3), min_size=1, max_size=12),
    delta=st.floats(0.01, 10),
)
def test_huber_is_half_the_squared_error_for_small_residuals(r: list[float], delta: float) -> None:
    out = np.array(r).reshape(-1, 1)
    zeros = np.zeros(len(r))
    assert float(nf.huber(delta)(out, zeros)) == pytest.approx(float(nf.mean_squared_error(out, zeros)) / 2, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(r=st.floats(1e3, 1e30), sign=st.sampled_from([-1.0, 1.0]), delta=st.floats(0.01, 10))
def test_huber_grows_like_delta_times_the_residual(r: float, sign: float, delta: float) -> None:
    out = np.array([[sign * r]])
    value, g = nf.huber(delta).value_and_grad(out, np.zeros(1))
    assert float(value) == pytest.approx(delta * r - delta**2 / 2, rel=1e-12)
    assert float(g[0, 0]) == sign * delta


def test_mean_absolute_error_and_huber_reduce_like_mse() -> None:
    out = np.array([[1.0, -2.0], [3.0, 0.5]])
    y = np.zeros((2, 2))
    assert float(nf.mean_absolute_error(out, y)) == (3.0 + 3.5) / 2
    assert float(nf.huber(10.0)(out, y)) == float(nf.mean_squared_error(out, y)) / 2
    assert nf.huber().output == nf.mean_absolute_error.output == "any"
    assert nf.huber().targets == nf.mean_absolute_error.targets == "real"


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(0, 4), min_size=1, max_size=10),
    extra=st.integers(1, 2),
    alpha=st.floats(0, 1),
)
def test_smooth_labels_are_soft_targets_summing_to_one(labels: list[int], extra: int, alpha: float) -> None:
    k = max(labels) + 1 + extra
    soft = nf.smooth_labels(labels, k, alpha)
    np.testing.assert_allclose(soft, (1 - alpha) * nf.one_hot(labels, k) + alpha / k, rtol=1e-15)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-12)
    if alpha < 1:
        np.testing.assert_array_equal(soft.argmax(axis=1), labels)
    z = np.zeros((len(labels), k))
    assert float(nf.softmax_cross_entropy(z, soft)) == pytest.approx(math.log(k), rel=1e-12)
    assert nf.smooth_labels(labels, k, alpha, np.float32).dtype == np.float32


def test_one_hot_reads_booleans_as_0_and_1() -> None:
    np.testing.assert_array_equal(nf.one_hot([True, False], 2), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(nf.one_hot(np.array([True, True]), 3), [[0, 1, 0], [0, 1, 0]])


def test_activations_called_directly_take_lists_and_integers_as_float64() -> None:
    for act in ACTIVATIONS:
        got = act([[1, 2], [3, -4]])
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, act(np.array([[1.0, 2.0], [3.0, -4.0]])))
        assert act(np.array([[1, 2]], dtype=np.int32)).dtype == np.float64
    with pytest.raises(ValueError, match=r"z: expected pre-activations of shape \(n, k\)"):
        nf.softmax([1.0, 2.0])


# -- cost and output layer ---------------------------------------------------------------------


PAIRS = [
    (nf.softmax_cross_entropy, nf.softmax, False),
    (nf.softmax_cross_entropy, nf.sigmoid, False),
    (nf.softmax_cross_entropy, nf.identity, True),
    (nf.softmax_cross_entropy, nf.relu, True),
    (nf.sigmoid_binary_cross_entropy, nf.sigmoid, False),
    (nf.sigmoid_binary_cross_entropy, nf.softmax, False),
    (nf.sigmoid_binary_cross_entropy, nf.identity, True),
    (nf.cross_entropy, nf.softmax, True),
    (nf.cross_entropy, nf.identity, False),
    (nf.cross_entropy, nf.sigmoid, False),
    (nf.binary_cross_entropy, nf.sigmoid, True),
    (nf.binary_cross_entropy, nf.identity, False),
    (nf.binary_cross_entropy, nf.softmax, False),
    (nf.mean_squared_error, nf.softmax, True),
    (nf.huber(), nf.sigmoid, True),
    (nf.mean_absolute_error, nf.tanh, True),
]


@pytest.mark.parametrize(("cost", "act", "ok"), PAIRS, ids=[f"{c.name}-{a.name}" for c, a, _ in PAIRS])
def test_check_output_refuses_costs_that_do_not_fit_the_output_layer(
    cost: nf.Cost, act: nf.Activation, ok: bool
) -> None:
    check_output(cost, None)  # an unknown output layer passes
    if ok:
        check_output(cost, act)
        return
    with pytest.raises(ValueError) as info:
        check_output(cost, act)
    message = str(info.value)
    assert message.startswith("cost: ") and cost.name in message and act.name in message
    assert "dataclasses.replace" in message and "output='any'" in message
    check_output(dataclasses.replace(cost, output="any"), act)  # the opt-out


def test_a_users_activation_named_softmax_is_not_softmax() -> None:
    impostor = nf.Activation("softmax", nf.identity.forward, nf.identity.backward)
    check_output(nf.softmax_cross_entropy, impostor)


def test_positional_user_costs_keep_working_and_default_to_any_output() -> None:
    def value(o: Arr, y: Arr) -> Any:
        return np.float64(np.sum((o - y) ** 2) / len(o))

    def vg(o: Arr, y: Arr) -> tuple[Any, Arr]:
        return value(o, y), 2 * (o - y) / len(o)

    cost = nf.Cost("my_mse", "real", value, vg)
    assert cost.output == "any" and cost.per_sample is None
    out, y = np.ones((3, 1)), np.zeros((3, 1))
    assert evaluate(cost, out, y, None) == 1.0
    v, g = evaluate_with_grad(cost, out, y, None)
    assert v == 1.0 and g.flags.writeable
    with pytest.raises(TypeError, match="sample_weight"):
        evaluate(cost, out, y, np.ones(3))


# -- label messages ---------------------------------------------------------------------------------


def test_a_regression_target_with_a_class_cost_points_to_regression_costs() -> None:
    with pytest.raises(ValueError, match=r"cost=nf.mean_squared_error"):
        nf.softmax_cross_entropy(np.zeros((3, 2)), np.array([0.5, 1.7, -2.25]))
    with pytest.raises(ValueError, match=r"y.astype\(int\)"):
        nf.softmax_cross_entropy(np.zeros((3, 2)), np.array([0.0, 1.0, 1.0]))


def test_string_labels_point_to_label_encoder() -> None:
    with pytest.raises(TypeError, match="LabelEncoder"):
        nf.Batch(np.zeros((2, 2)), np.array(["cat", "dog"]))
    with pytest.raises(TypeError, match="LabelEncoder"):
        nf.Batch(np.zeros((2, 2)), np.array(["cat", None], dtype=object))


def test_column_labels_for_several_outputs_suggest_ravel() -> None:
    with pytest.raises(ValueError, match=r"y.ravel\(\)"):
        nf.softmax_cross_entropy(np.zeros((3, 3)), np.array([[0], [1], [2]]))


def test_a_huge_unsigned_label_is_reported_as_itself() -> None:
    y = np.array([0, 2**64 - 1], dtype=np.uint64)
    with pytest.raises(ValueError, match="18446744073709551615"):
        nf.Batch(np.zeros((2, 2)), y)
    with pytest.raises(ValueError, match="18446744073709551615"):
        nf.softmax_cross_entropy(np.zeros((2, 2)), y)
