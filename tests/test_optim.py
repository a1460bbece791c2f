"""Optimisers against their formulas, their state, their dtypes, and refusal of bad input."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnfunc as nf
from nnfunc.optim import (
    AdamState,
    CountState,
    Optimizer,
    OptState,
    TraceState,
    adagrad,
    adam,
    adamw,
    add_decayed_weights,
    apply_updates,
    chain,
    momentum,
    rmsprop,
    scale,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    sgd,
    trace,
)
from nnfunc.schedules import Schedule, constant_schedule, exponential_decay, inverse_time_decay, step_decay
from nnfunc.testing import strategies as nst
from nnfunc.training import optimizer_step

Leaves = list[np.ndarray[Any, Any]]
Hyper = dict[str, Any]

# ---------------------------------------------------------------------------------------------------------------
# Reference implementations: the formulas of issue 3, leaf by leaf in float64, written for reading, not speed.


def _reference(kind: str, h: Hyper, lr: Callable[[int], float], params: Leaves, grads: list[Leaves]) -> list[Leaves]:
    """The updates of each step for gradients ``grads[t]``, parameters moving by those updates."""
    p = [a.astype(np.float64) for a in params]
    s1 = [np.zeros_like(a) for a in p]  # v (momentum), s (adagrad, rmsprop), m (adam)
    s2 = [np.zeros_like(a) for a in p]  # v (adam)
    out = []
    for t, gs in enumerate(grads):
        lr_t, step = lr(t), []
        for i, g in enumerate(a.astype(np.float64) for a in gs):
            if kind == "sgd":
                u = -lr_t * g
            elif kind == "momentum":
                s1[i] = h["beta"] * s1[i] + g
                u = -lr_t * (g + h["beta"] * s1[i]) if h["nesterov"] else -lr_t * s1[i]
            elif kind == "adagrad":
                s1[i] = s1[i] + g**2
                u = -lr_t * g / (np.sqrt(s1[i]) + h["eps"])
            elif kind == "rmsprop":
                s1[i] = h["decay"] * s1[i] + (1 - h["decay"]) * g**2
                u = -lr_t * g / (np.sqrt(s1[i]) + h["eps"])
            else:  # adam, adamw
                s1[i] = h["b1"] * s1[i] + (1 - h["b1"]) * g
                s2[i] = h["b2"] * s2[i] + (1 - h["b2"]) * g**2
                m_hat = s1[i] / (1 - h["b1"] ** (t + 1))
                v_hat = s2[i] / (1 - h["b2"] ** (t + 1))
                u = -lr_t * m_hat / (np.sqrt(v_hat) + h["eps"])
                if kind == "adamw":
                    u = u - lr_t * h["weight_decay"] * p[i]
            step.append(u)
        p = [a + u for a, u in zip(p, step, strict=True)]
        out.append(step)
    return out


FACTORIES: dict[str, Callable[..., Optimizer[OptState]]] = {
    "sgd": sgd,
    "momentum": momentum,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
}
EPS = st.sampled_from([1e-8, 1e-4, 0.1])
UNIT = st.floats(0.0, 0.99)
HYPER: dict[str, st.SearchStrategy[Hyper]] = {
    "sgd": st.just({}),
    "momentum": st.fixed_dictionaries({"beta": st.floats(0.0, 1.0), "nesterov": st.booleans()}),
    "adagrad": st.fixed_dictionaries({"eps": EPS}),
    "rmsprop": st.fixed_dictionaries({"decay": UNIT, "eps": EPS}),
    "adam": st.fixed_dictionaries({"b1": UNIT, "b2": st.floats(0.5, 0.9999), "eps": EPS}),
    "adamw": st.fixed_dictionaries(
        {"b1": UNIT, "b2": st.floats(0.5, 0.9999), "eps": EPS, "weight_decay": st.floats(0.0, 1.0)}
    ),
}
LEARNING_RATES: st.SearchStrategy[float | Schedule] = st.one_of(
    st.floats(0.0, 1.0),
    st.sampled_from([constant_schedule(0.3), inverse_time_decay(0.5, 1.0), step_decay(0.2, 0.5, 2)]),
)
SMALL_NETS = nst.layer_sizes(max_hidden=2, max_width=5)


def _lr_fn(lr: float | Schedule) -> Callable[[int], float]:
    return lr if callable(lr) else (lambda t: lr)


def _random_like(params: nf.MLP, key: nf.Key, scale: float) -> nf.MLP:
    gen = nf.rng(key)
    return nf.tree_map(lambda a: (gen.standard_normal(a.shape) * scale).astype(a.dtype), params)


def _array_leaves(tree: object) -> Leaves:
    return [a for a in nf.tree_leaves(tree) if isinstance(a, np.ndarray)]


@pytest.mark.parametrize("kind", list(FACTORIES))
@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    dtype=nst.dtypes(),
    lr=LEARNING_RATES,
    n_steps=st.integers(1, 5),
    key=nst.keys(),
    grad_scale=st.sampled_from([1e-3, 1.0, 30.0]),
)
def test_optimiser_follows_its_formula(
    kind: str,
    data: st.DataObject,
    dtype: np.dtype[Any],
    lr: float | Schedule,
    n_steps: int,
    key: nf.Key,
    grad_scale: float,
) -> None:
    hyper = data.draw(HYPER[kind])
    params = data.draw(nst.networks(SMALL_NETS, dtype=st.just(dtype)))
    opt = FACTORIES[kind](lr, **hyper)
    grads = [_random_like(params, k, grad_scale) for k in nf.split(key, n_steps)]
    expected = _reference(kind, hyper, _lr_fn(lr), nf.tree_leaves(params), [nf.tree_leaves(g) for g in grads])

    state = opt.init(params)
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (2e-4, 1e-6)
    for t, g in enumerate(grads):
        updates, new_state = opt.update(g, state, params)
        assert {a.dtype for a in _array_leaves(updates) + _array_leaves(new_state)} == {dtype}
        assert type(updates) is type(params)
        for ours, ref in zip(nf.tree_leaves(updates), expected[t], strict=True):
            size = max(float(np.max(np.abs(ref))), 1e-30)
            np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol * size, err_msg=f"step {t}")
        params, state = apply_updates(params, updates), new_state
        assert params.dtype == dtype


@settings(max_examples=25, deadline=None)
@given(params=nst.networks(SMALL_NETS), key=nst.keys(), lr=LEARNING_RATES, nesterov=st.booleans())
def test_momentum_with_beta_zero_is_sgd(params: nf.MLP, key: nf.Key, lr: float | Schedule, nesterov: bool) -> None:
    heavy, plain = momentum(lr, beta=0.0, nesterov=nesterov), sgd(lr)
    s_heavy, s_plain = heavy.init(params), plain.init(params)
    for k in nf.split(key, 3):
        g = _random_like(params, k, 1.0)
        u_heavy, s_heavy = heavy.update(g, s_heavy, params)
        u_plain, s_plain = plain.update(g, s_plain, params)
        for a, b in zip(nf.tree_leaves(u_heavy), nf.tree_leaves(u_plain), strict=True):
            np.testing.assert_array_equal(a, b)
        params = apply_updates(params, u_plain)


@pytest.mark.parametrize("kind", list(FACTORIES))
@settings(max_examples=10, deadline=None)
@given(
    params=nst.networks(SMALL_NETS),
    key=nst.keys(),
    schedule=st.sampled_from([exponential_decay(0.5, 0.3, 2), inverse_time_decay(1.0, 3.0), step_decay(1.0, 0.1, 3)]),
    n_steps=st.integers(1, 6),
)
def test_schedule_value_is_the_learning_rate_at_step_t(
    kind: str, params: nf.MLP, key: nf.Key, schedule: Schedule, n_steps: int
) -> None:
    """Every update is linear in lr_t: with a schedule it is schedule(t) times the update with lr = 1."""
    scheduled, unit = FACTORIES[kind](schedule), FACTORIES[kind](1.0)
    s_scheduled, s_unit = scheduled.init(params), unit.init(params)
    rtol = 1e-5 if params.dtype == np.float32 else 1e-13
    for t, k in enumerate(nf.split(key, n_steps)):
        g = _random_like(params, k, 1.0)
        u_scheduled, s_scheduled = scheduled.update(g, s_scheduled, params)
        u_unit, s_unit = unit.update(g, s_unit, params)
        assert s_scheduled[-1] == CountState(t + 1)
        for a, b in zip(nf.tree_leaves(u_scheduled), nf.tree_leaves(u_unit), strict=True):
            np.testing.assert_allclose(a, schedule(t) * b, rtol=rtol, atol=1e-30)
        params = apply_updates(params, u_unit)


def _same_structure(a: object, b: object) -> bool:
    nf.tree_map(lambda x, y: None, a, b)  # raises ValueError when they differ
    return [np.shape(x) for x in nf.tree_leaves(a)] == [np.shape(y) for y in nf.tree_leaves(b)]


@settings(max_examples=20, deadline=None)
@given(params=nst.networks(SMALL_NETS), key=nst.keys(), nesterov=st.booleans())
def test_state_has_the_parameters_structure_and_a_step_count(params: nf.MLP, key: nf.Key, nesterov: bool) -> None:
    g = _random_like(params, key, 1.0)
    opt = adamw(0.1)
    state = opt.init(params)
    assert isinstance(state[0], AdamState) and state[0].step == 0
    assert _same_structure(state[0].mu, params) and _same_structure(state[0].nu, params)
    _, state = opt.update(g, state, params)
    assert state[0].step == 1 and state[-1] == CountState(1)
    assert _same_structure(state[0].mu, params) and _same_structure(state[0].nu, params)
    heavy = momentum(0.1, nesterov=nesterov)
    m_state = heavy.init(params)
    assert isinstance(m_state[0], TraceState) and _same_structure(m_state[0].trace, params)
    for opt in (sgd(0.1), adagrad(0.1), rmsprop(0.1)):
        s = opt.init(params)
        params_shaped = [x for x in s if not isinstance(x, CountState)]
        assert all(_same_structure(x[0], params) for x in params_shaped)
        assert s[-1] == CountState(0)


@pytest.mark.parametrize("kind", list(FACTORIES))
@settings(max_examples=10, deadline=None)
@given(params=nst.networks(SMALL_NETS), key=nst.keys())
def test_update_is_pure(kind: str, params: nf.MLP, key: nf.Key) -> None:
    opt = FACTORIES[kind](0.1)
    g = _random_like(params, key, 1.0)
    state = opt.init(params)
    state, _ = opt.update(g, state, params)[1], None
    snapshot = [a.copy() for a in _array_leaves((g, state, params))]
    first = opt.update(g, state, params)
    second = opt.update(g, state, params)
    for a, b in zip(_array_leaves((g, state, params)), snapshot, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(_array_leaves(first), _array_leaves(second), strict=True):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------------------------
# They optimise.

CONVERGING: list[tuple[str, Optimizer[OptState]]] = [
    ("sgd", sgd(0.1)),
    ("momentum", momentum(0.05)),
    ("nesterov", momentum(0.05, nesterov=True)),
    ("adagrad", adagrad(1.0)),
    ("rmsprop", rmsprop(0.05)),
    ("adam", adam(0.05)),
    ("adamw", adamw(0.05, weight_decay=1e-3)),
]
# a classification loss is not a quadratic: adagrad's first steps move every weight by about lr
CLASSIFYING = [(name, adagrad(0.05) if name == "adagrad" else opt) for name, opt in CONVERGING]


@pytest.mark.parametrize(("name", "opt"), CONVERGING, ids=[c[0] for c in CONVERGING])
@settings(max_examples=15, deadline=None)
@given(key=nst.keys(), dtype=nst.dtypes())
def test_reduces_a_convex_quadratic(name: str, opt: Optimizer[OptState], key: nf.Key, dtype: np.dtype[Any]) -> None:
    gen = nf.rng(key)
    curvature = gen.uniform(0.5, 5.0, 6).astype(dtype)
    params = {"x": (gen.standard_normal(6) * 3).astype(dtype), "y": np.array(2.0, dtype=dtype)}

    def loss(p: dict[str, np.ndarray[Any, Any]]) -> float:
        return float(0.5 * np.sum(curvature * p["x"] ** 2) + 0.5 * p["y"] ** 2)

    start, state = loss(params), opt.init(params)
    for _ in range(300):
        grads = {"x": curvature * params["x"], "y": params["y"] * dtype.type(1)}
        updates, state = opt.update(grads, state, params)
        params = apply_updates(params, updates)
    assert params["x"].dtype == dtype
    assert loss(params) < 0.05 * start


@pytest.mark.parametrize(("name", "opt"), CLASSIFYING, ids=[c[0] for c in CLASSIFYING])
@settings(max_examples=8, deadline=None)
@given(
    params=nst.networks(nst.layer_sizes(max_hidden=2, n_out=3), hidden=st.just(nf.tanh), output=st.just(nf.identity)),
    key=nst.keys(),
)
def test_reduces_a_classification_loss(name: str, opt: Optimizer[OptState], params: nf.MLP, key: nf.Key) -> None:
    batch = nst.batch_for(params, key, labels="classes", n=32)
    step = optimizer_step(opt, l2=1e-4)
    before = float(nf.loss(params, batch, l2=1e-4))
    trained, _ = nf.train(step, (params, opt.init(params)), [batch] * 60)
    assert trained.dtype == params.dtype
    assert float(nf.loss(trained, batch, l2=1e-4)) < before


def test_optimizer_step_threads_params_and_state_through_train() -> None:
    params = nf.init_mlp(nf.Key(0), (3, 4, 2), dtype=np.float32)
    batches = [nst.batch_for(params, k, labels="classes") for k in nf.split(nf.Key(1), 4)]
    opt = adam(1e-2)
    trained, state = nf.train(optimizer_step(opt), (params, opt.init(params)), batches)
    manual, manual_state = params, opt.init(params)
    for b in batches:
        updates, manual_state = opt.update(nf.grad(manual, b), manual_state, manual)
        manual = apply_updates(manual, updates)
    for a, b2 in zip(nf.tree_leaves((trained, state)), nf.tree_leaves((manual, manual_state)), strict=True):
        np.testing.assert_array_equal(a, b2)
    assert state[0].step == 4 and trained.dtype == np.float32


def test_chain_composes_transformations() -> None:
    """A new optimiser in a few lines: weight decay, momentum, then the learning rate."""
    params = {"w": np.array([1.0, -2.0])}
    grads = {"w": np.array([0.5, 0.5])}
    opt = chain(add_decayed_weights(0.1), trace(0.5), scale(2.0), scale_by_learning_rate(0.1))
    updates, state = opt.update(grads, opt.init(params), params)
    np.testing.assert_allclose(updates["w"], -0.1 * 2.0 * (np.array([0.5, 0.5]) + 0.1 * params["w"]))
    updates, state = opt.update(grads, state, params)
    v1 = np.array([0.5, 0.5]) + 0.1 * params["w"]
    np.testing.assert_allclose(updates["w"], -0.2 * (0.5 * v1 + v1))
    adagrad_by_hand = chain(scale_by_rss(1e-8), scale_by_learning_rate(0.5))
    u1, _ = adagrad_by_hand.update(grads, adagrad_by_hand.init(params), params)
    u2, _ = adagrad(0.5).update(grads, adagrad(0.5).init(params), params)
    np.testing.assert_array_equal(u1["w"], u2["w"])


def test_optimisers_are_immutable_values() -> None:
    opt = adam(0.1)
    assert isinstance(opt, tuple) and isinstance(opt, Optimizer)
    field = "update"
    with pytest.raises(AttributeError):
        setattr(opt, field, None)


# ---------------------------------------------------------------------------------------------------------------
# Bad input.

BAD_HYPER: list[tuple[Callable[..., Any], dict[str, Any], str, type[Exception]]] = []
for bad in (-0.5, math.nan, math.inf):
    BAD_HYPER += [
        (sgd, {"lr": bad}, "lr", ValueError),
        (momentum, {"lr": bad}, "lr", ValueError),
        (momentum, {"lr": 0.1, "beta": bad}, "beta", ValueError),
        (adagrad, {"lr": bad}, "lr", ValueError),
        (adagrad, {"lr": 0.1, "eps": bad}, "eps", ValueError),
        (rmsprop, {"lr": bad}, "lr", ValueError),
        (rmsprop, {"lr": 0.1, "decay": bad}, "decay", ValueError),
        (rmsprop, {"lr": 0.1, "eps": bad}, "eps", ValueError),
        (adam, {"lr": bad}, "lr", ValueError),
        (adam, {"lr": 0.1, "b1": bad}, "b1", ValueError),
        (adam, {"lr": 0.1, "b2": bad}, "b2", ValueError),
        (adam, {"lr": 0.1, "eps": bad}, "eps", ValueError),
        (adamw, {"lr": 0.1, "weight_decay": bad}, "weight_decay", ValueError),
        (trace, {"decay": bad}, "decay", ValueError),
        (scale_by_rms, {"decay": bad}, "decay", ValueError),
        (add_decayed_weights, {"weight_decay": bad}, "weight_decay", ValueError),
        (scale_by_learning_rate, {"lr": bad}, "lr", ValueError),
    ]
BAD_HYPER += [
    (momentum, {"lr": 0.1, "beta": 1.5}, "beta", ValueError),
    (rmsprop, {"lr": 0.1, "decay": 1.0}, "decay", ValueError),
    (adam, {"lr": 0.1, "b1": 1.0}, "b1", ValueError),
    (adam, {"lr": 0.1, "b2": 1.0}, "b2", ValueError),
    (adam, {"lr": 0.1, "eps": 0.0}, "eps", ValueError),
    (adagrad, {"lr": 0.1, "eps": 0.0}, "eps", ValueError),
    (scale, {"factor": math.nan}, "factor", ValueError),
    (sgd, {"lr": "0.1"}, "lr", TypeError),
    (adam, {"lr": 0.1, "b1": None}, "b1", TypeError),
    (momentum, {"lr": True}, "lr", TypeError),
]


@pytest.mark.parametrize(("factory", "kwargs", "name", "error"), BAD_HYPER)
def test_bad_hyper_parameters_are_refused_by_name(
    factory: Callable[..., Any], kwargs: dict[str, Any], name: str, error: type[Exception]
) -> None:
    with pytest.raises(error, match=f"^{name}: "):
        factory(**kwargs)


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf])
def test_a_schedule_returning_a_bad_rate_is_refused_at_its_step(bad: float) -> None:
    def schedule(t: int) -> float:
        return 0.1 if t < 2 else bad

    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    opt = adam(schedule)
    state = opt.init(params)
    for _ in range(2):
        _, state = opt.update(params, state, params)
    with pytest.raises(ValueError, match=r"^lr: .* at step 2"):
        opt.update(params, state, params)


def test_a_growing_schedule_that_overflows_is_refused() -> None:
    opt = sgd(exponential_decay(1.0, 1e6, 1))
    params = {"w": np.ones(2)}
    state = opt.init(params)
    with pytest.raises(ValueError, match=r"^lr: "):
        for _ in range(100):
            _, state = opt.update(params, state, params)


def test_a_schedule_returning_numpy_float64_keeps_float32() -> None:
    opt = sgd(lambda t: np.float64(0.5))
    params = {"w": np.ones(3, dtype=np.float32)}
    updates, _ = opt.update(params, opt.init(params), params)
    assert updates["w"].dtype == np.float32


def _other_net(params: nf.MLP) -> nf.MLP:
    sizes = params.sizes
    return nf.init_mlp(nf.Key(9), (sizes[0], sizes[1] + 1, *sizes[2:]), dtype=params.dtype)


def test_apply_updates_refuses_another_structure_or_shape() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    deeper = nf.init_mlp(nf.Key(0), (2, 3, 3, 2))
    with pytest.raises(ValueError, match=r"^updates: .*\.layers"):
        apply_updates(params, deeper)
    with pytest.raises(ValueError, match=r"^updates: .*shape \(2, 4\) at \.layers\[0\]\.w"):
        apply_updates(params, _other_net(params))
    with pytest.raises(ValueError, match=r"^updates: .*\['[ab]'\]"):
        apply_updates({"a": np.ones(2)}, {"b": np.ones(2)})


def test_apply_updates_keeps_the_parameters_dtype() -> None:
    params = {"w": np.ones(3, dtype=np.float32)}
    out = apply_updates(params, {"w": np.full(3, 0.5)})
    assert out["w"].dtype == np.float32
    np.testing.assert_array_equal(out["w"], 1.5)


def test_update_refuses_grads_or_state_of_another_network() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    other = _other_net(params)
    for opt in (sgd(0.1), momentum(0.1), adam(0.1)):
        with pytest.raises(ValueError, match=r"^grads: .*\.layers\[0\]\.w"):
            opt.update(other, opt.init(params), params)
        with pytest.raises(ValueError, match=r"^grads: .*dtype float32"):
            opt.update(nf.tree_map(lambda a: a.astype(np.float32), params), opt.init(params), params)
    for opt in (momentum(0.1), adam(0.1), rmsprop(0.1), adagrad(0.1)):
        with pytest.raises(ValueError, match=r"^state: .*\.layers\[0\]\.w"):
            opt.update(params, opt.init(other), params)
        with pytest.raises(ValueError, match=r"^state: "):
            opt.update(params, (), params)


def test_optimizer_step_validates_and_catches_divergence() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    batch = nst.batch_for(params, nf.Key(1), labels="classes")
    with pytest.raises(TypeError, match=r"^opt: "):
        not_an_optimiser: Any = functools.partial(nf.sgd_step, lr=0.1)
        optimizer_step(not_an_optimiser)
    with pytest.raises(ValueError, match=r"^l2: "):
        optimizer_step(sgd(0.1), l2=-1.0)
    broken = nf.MLP((nf.Dense(np.full((2, 3), np.nan), np.zeros(3), nf.tanh), params.layers[1]))
    opt = adam(0.1)
    with pytest.raises(FloatingPointError, match="step 0"):
        nf.train(optimizer_step(opt), (broken, opt.init(broken)), [batch])


ALL_OPTIMISERS = {
    "sgd": lambda: sgd(0.1),
    "momentum": lambda: momentum(0.1),
    "adagrad": lambda: adagrad(0.1),
    "rmsprop": lambda: rmsprop(0.1),
    "adam": lambda: adam(0.1),
    "adamw": lambda: adamw(0.1),
}


@pytest.mark.parametrize("given_name", sorted(ALL_OPTIMISERS))
@pytest.mark.parametrize("opt_name", sorted(ALL_OPTIMISERS))
def test_another_optimisers_state_is_refused_by_name(opt_name: str, given_name: str) -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    opt, other = ALL_OPTIMISERS[opt_name](), ALL_OPTIMISERS[given_name]()
    grads = nf.tree_map(np.ones_like, params)
    if opt_name == given_name:
        opt.update(grads, other.init(params), params)  # its own state works
        return
    with pytest.raises(ValueError, match="state: expected"):
        opt.update(grads, other.init(params), params)
