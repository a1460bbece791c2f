"""The toolkit: clipping, masking, gradient accumulation, AdamW's mask, state checks, aliasing, L-BFGS.

Each transformation is compared with its formula (optax's) over several steps of
hypothesis-drawn gradients, in float32 and float64.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pytest
from _optim_steps import run_updates
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnfunc as nf
from nnfunc.optim import Optimizer, scale_by_adam, scale_by_learning_rate, sgd
from nnfunc.testing import strategies as nst

Tree = dict[str, Any]
SHAPES = {"a": (3,), "b": (2, 2), "c": ()}
DTYPES: st.SearchStrategy[np.dtype[Any]] = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])


def _tree(draw: st.DrawFn, dtype: np.dtype[Any], scale: float = 10.0) -> Tree:
    elements = st.floats(-scale, scale, allow_nan=False, width=32)
    return {k: draw(hnp.arrays(dtype, shape, elements=elements)) for k, shape in SHAPES.items()}


@st.composite
def problems(draw: st.DrawFn, steps: int = 4) -> tuple[Tree, list[Tree]]:
    """Parameters and ``steps`` gradients, all of one drawn dtype."""
    dtype = draw(DTYPES)
    return _tree(draw, dtype), [_tree(draw, dtype) for _ in range(steps)]


def _close(got: Tree, want: Tree, dtype: np.dtype[Any]) -> None:
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for k in SHAPES:
        assert got[k].dtype == dtype, k
        np.testing.assert_allclose(got[k], want[k], rtol=tol, atol=tol)


def _leaves64(tree: Tree) -> list[Any]:
    return [np.asarray(tree[k], dtype=np.float64) for k in sorted(SHAPES)]


def _norm(tree: Tree) -> float:
    return math.sqrt(sum(float(np.sum(a * a)) for a in _leaves64(tree)))


@settings(max_examples=40, deadline=None)
@given(problem=problems(), max_delta=st.floats(0.0, 5.0))
def test_clip_follows_its_formula(problem: tuple[Tree, list[Tree]], max_delta: float) -> None:
    params, grads = problem
    dtype = params["a"].dtype
    for u, g in zip(run_updates(nf.clip(max_delta), params, grads), grads, strict=True):
        _close(u, {k: np.clip(g[k], -max_delta, max_delta) for k in SHAPES}, dtype)


@settings(max_examples=40, deadline=None)
@given(problem=problems(), max_norm=st.floats(0.01, 30.0))
def test_clip_by_global_norm_follows_its_formula(problem: tuple[Tree, list[Tree]], max_norm: float) -> None:
    params, grads = problem
    dtype = params["a"].dtype
    for u, g in zip(run_updates(nf.clip_by_global_norm(max_norm), params, grads), grads, strict=True):
        norm = _norm(g)
        factor = min(1.0, max_norm / norm) if norm else 1.0
        _close(u, {k: g[k] * factor for k in SHAPES}, dtype)
        assert _norm(u) <= max(norm, max_norm) * (1 + 1e-6)  # never increases the norm
        if norm <= max_norm:  # small gradients are left alone, exactly
            assert all(np.array_equal(u[k], g[k]) for k in SHAPES)


@settings(max_examples=25, deadline=None)
@given(problem=problems(), lr=st.floats(1e-3, 0.5))
def test_masked_with_every_leaf_is_the_inner_and_with_none_the_identity(
    problem: tuple[Tree, list[Tree]], lr: float
) -> None:
    params, grads = problem
    dtype = params["a"].dtype
    everything = {k: True for k in SHAPES}
    nothing = {k: False for k in SHAPES}
    for got, want in zip(
        run_updates(nf.masked(nf.adam(lr), everything), params, grads),
        run_updates(nf.adam(lr), params, grads),
        strict=True,
    ):
        _close(got, want, dtype)
    for got, g in zip(run_updates(nf.masked(nf.adam(lr), nothing), params, grads), grads, strict=True):
        assert all(np.array_equal(got[k], g[k]) for k in SHAPES)


@settings(max_examples=25, deadline=None)
@given(problem=problems(), lr=st.floats(1e-3, 0.5), which=st.lists(st.booleans(), min_size=3, max_size=3))
def test_masked_applies_the_inner_where_the_mask_is_true(
    problem: tuple[Tree, list[Tree]], lr: float, which: list[bool]
) -> None:
    params, grads = problem
    dtype = params["a"].dtype
    mask = dict(zip(sorted(SHAPES), which, strict=True))
    from_tree = run_updates(nf.masked(nf.momentum(lr, 0.9), mask), params, grads)
    from_function = run_updates(nf.masked(nf.momentum(lr, 0.9), lambda p: mask), params, grads)
    inner = run_updates(nf.momentum(lr, 0.9), {k: params[k] for k in SHAPES}, grads)
    for t, (a, b, ref, g) in enumerate(zip(from_tree, from_function, inner, grads, strict=True)):
        for k in SHAPES:
            want = ref[k] if mask[k] else g[k]
            np.testing.assert_allclose(a[k], want, rtol=2e-5, err_msg=f"step {t} {k}")
            np.testing.assert_array_equal(a[k], b[k])
            assert a[k].dtype == dtype


def test_masked_refuses_a_mask_of_another_structure_or_kind() -> None:
    params = {"w": np.ones((2, 2)), "b": np.zeros(2)}
    grads = {"w": np.ones((2, 2)), "b": np.ones(2)}
    opt = nf.masked(sgd(0.1), {"w": True})
    with pytest.raises(ValueError, match=r"^mask: does not match the parameters: .*\['b'\]"):
        opt.init(params)
    opt = nf.masked(sgd(0.1), {"w": True, "b": 1})
    with pytest.raises(TypeError, match=r"^mask: expected True or False at \['b'\], got 1"):
        opt.init(params)
    good = nf.masked(sgd(0.1), {"w": True, "b": False})
    updates, _ = good.update(grads, good.init(params), params)
    np.testing.assert_array_equal(updates["w"], -0.1 * grads["w"])
    np.testing.assert_array_equal(updates["b"], grads["b"])


@settings(max_examples=25, deadline=None)
@given(problem=problems(), lr=st.floats(1e-3, 0.5), wd=st.floats(0.0, 0.5), decay_b=st.booleans())
def test_adamw_decays_only_where_its_mask_says(
    problem: tuple[Tree, list[Tree]], lr: float, wd: float, decay_b: bool
) -> None:
    params, grads = problem
    dtype = params["a"].dtype
    mask = {"a": True, "b": decay_b, "c": False}
    got = run_updates(nf.adamw(lr, wd, mask=mask), params, grads)
    plain = run_updates(nf.adam(lr), params, grads)
    p = {k: params[k].astype(np.float64) for k in SHAPES}
    for u, a in zip(got, plain, strict=True):  # adam's direction does not depend on params: add the decay
        want = {k: a[k] - lr * wd * p[k] * mask[k] for k in SHAPES}
        _close(u, want, dtype)
        p = {k: p[k] + u[k] for k in SHAPES}


def test_adamw_with_l2_mask_decays_weights_not_biases() -> None:
    params = nf.init_mlp(nf.Key(0), (3, 4, 2))
    grads = nf.tree_map(np.zeros_like, params)
    opt = nf.adamw(0.1, weight_decay=0.5, mask=nf.l2_mask)
    updates, _ = opt.update(grads, opt.init(params), params)
    for layer, u in zip(params.layers, updates.layers, strict=True):
        np.testing.assert_allclose(u.w, -0.1 * 0.5 * layer.w)
        np.testing.assert_array_equal(u.b, 0.0)


@settings(max_examples=25, deadline=None)
@given(problem=problems(steps=6), k=st.integers(1, 3), lr=st.floats(1e-3, 0.5))
def test_multi_steps_feeds_the_mean_of_k_gradients_to_the_inner_every_kth_step(
    problem: tuple[Tree, list[Tree]], k: int, lr: float
) -> None:
    params, grads = problem
    dtype = params["a"].dtype
    got = run_updates(nf.multi_steps(nf.adam(lr), k), params, grads)
    means = [
        {key: np.mean([g[key].astype(np.float64) for g in grads[i : i + k]], axis=0).astype(dtype) for key in SHAPES}
        for i in range(0, len(grads) - k + 1, k)
    ]
    want_inner = iter(run_updates(nf.adam(lr), params, means))
    for t, u in enumerate(got):
        if (t + 1) % k:
            assert all(np.array_equal(u[key], np.zeros(SHAPES[key])) for key in SHAPES)
        else:
            tol = 1e-4 if dtype == np.float32 else 1e-7  # Adam divides by sqrt(v): rounding of the mean shows
            want = next(want_inner)
            for key in SHAPES:
                np.testing.assert_allclose(u[key], want[key], rtol=tol, atol=tol)


@settings(max_examples=10, deadline=None)
@given(k=st.integers(2, 4), key=nst.keys())
def test_accumulating_k_equal_batches_is_one_step_on_their_mean(k: int, key: nf.Key) -> None:
    params = nf.init_mlp(key, (3, 5, 2))
    batch = nst.batch_for(params, nf.split(key)[0], labels="classes", n=8)
    accumulated = nf.multi_steps(nf.momentum(0.3), k)
    params_k, _ = nf.train(nf.optimizer_step(accumulated), (params, accumulated.init(params)), [batch] * k)
    one = nf.momentum(0.3)
    params_1, _ = nf.train(nf.optimizer_step(one), (params, one.init(params)), [batch])
    for a, b in zip(nf.tree_leaves(params_k), nf.tree_leaves(params_1), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "make", [nf.momentum, nf.adam, nf.adamw, nf.rmsprop, nf.adagrad, functools.partial(nf.multi_steps, nf.sgd(1.0), 2)]
)
def test_a_state_of_another_dtype_or_shape_is_refused_naming_the_path(make: Any) -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2), dtype=np.float32)
    opt = make(0.1) if not isinstance(make, functools.partial) else make()
    grads = nf.tree_map(np.ones_like, params)
    wide = nf.init_mlp(nf.Key(0), (2, 4, 2), dtype=np.float32)
    for other, what in ((nf.tree_map(lambda a: a.astype(np.float64), params), "dtype float64"), (wide, "shape")):
        with pytest.raises(ValueError, match=rf"^state: does not match the parameters .*{what}.* at \.layers\[0\]"):
            opt.update(grads, opt.init(other), params)


ALL: dict[str, Callable[[], Optimizer[Any]]] = {
    "sgd": lambda: nf.sgd(0.1),
    "momentum": lambda: nf.momentum(0.1),
    "nesterov": lambda: nf.momentum(0.1, nesterov=True),
    "adagrad": lambda: nf.adagrad(0.1),
    "rmsprop": lambda: nf.rmsprop(0.1),
    "adam": lambda: nf.adam(0.1),
    "adamw": lambda: nf.adamw(0.1),
    "decay0": lambda: nf.add_decayed_weights(0.0),
    "decay": lambda: nf.add_decayed_weights(0.1),
    "scale1": lambda: nf.scale(1.0),
    "clip": lambda: nf.clip(100.0),
    "global_norm": lambda: nf.clip_by_global_norm(1e9),
    "masked": lambda: nf.masked(nf.adam(0.1), {"w": True, "b": False}),
    "multi_steps": lambda: nf.multi_steps(nf.adam(0.1), 2),
    "trace": lambda: nf.trace(0.9),
    "chain_user": lambda: nf.chain(Optimizer(lambda p: (), lambda u, s, p: (u, s)), nf.trace(0.0)),
}


@pytest.mark.parametrize("name", sorted(ALL))
def test_no_update_is_a_callers_array_and_every_result_is_read_only(name: str) -> None:
    params = {"w": np.ones((2, 3)), "b": np.zeros(3)}  # a dict: its arrays stay the caller's, writeable
    grads = {"w": np.full((2, 3), 0.5), "b": np.full(3, 0.5)}
    before = [g.copy() for g in nf.tree_leaves(grads)]
    opt = ALL[name]()
    state = opt.init(params)
    for _ in range(3):
        updates, state = opt.update(grads, state, params)
        given_ids = {id(a) for a in nf.tree_leaves(grads)} | {id(a) for a in nf.tree_leaves(params)}
        for u in nf.tree_leaves(updates):
            assert id(u) not in given_ids
            assert not u.flags.writeable
            assert u.base is None or not u.base.flags.writeable
        for s in nf.tree_leaves(state):
            assert not isinstance(s, np.ndarray) or not s.flags.writeable
    for g, b in zip(nf.tree_leaves(grads), before, strict=True):
        np.testing.assert_array_equal(g, b)  # the caller's arrays untouched
        assert g.flags.writeable


@pytest.mark.parametrize("bad", ["0.1", True, None, [0.1]])
def test_a_schedule_returning_a_non_number_raises_type_error_at_that_step(bad: object) -> None:
    params = {"w": np.ones(2)}
    schedule: Any = lambda t: 0.1 if t < 2 else bad  # noqa: E731 -- a schedule of the wrong kind, on purpose
    opt = nf.sgd(schedule)
    state = opt.init(params)
    for _ in range(2):
        _, state = opt.update(params, state, params)
    with pytest.raises(TypeError, match=r"^lr: the schedule returned .* at step 2, expected a number"):
        opt.update(params, state, params)


def test_a_users_transformation_chains_with_nnfuncs() -> None:
    def init(params: Any) -> tuple[()]:
        return ()

    def double(updates: Any, state: tuple[()], params: Any) -> tuple[Any, tuple[()]]:
        return nf.tree_map(lambda u: 2 * u, updates), state

    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    grads = nf.tree_map(lambda a: np.full(a.shape, 0.25), params)
    mine = nf.chain(nf.scale_by_adam(), Optimizer(init, double), nf.scale_by_learning_rate(0.1))
    ref = nf.adam(0.2)
    s1, s2 = mine.init(params), ref.init(params)
    for _ in range(3):
        u1, s1 = mine.update(grads, s1, params)
        u2, s2 = ref.update(grads, s2, params)
        for a, b in zip(nf.tree_leaves(u1), nf.tree_leaves(u2), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_divergence_on_the_last_step_is_caught() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2), hidden=nf.relu)
    x = nf.rng(nf.Key(1)).standard_normal((8, 2)) * 1e10  # gradients ~1e10: lr * grad overflows
    batch = nf.Batch(x, np.arange(8) % 2)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"^step 0: .*diverged"):
        nf.train(functools.partial(nf.sgd_step, lr=1.7e308), params, [batch])

    def scanned(p: nf.MLP, b: nf.Batch) -> tuple[nf.MLP, float]:
        return nf.sgd_step(p, b, lr=1.7e308), 0.0

    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"^step 0: .*diverged"):
        nf.scan(scanned, params, [batch])
    for opt in (nf.sgd(1.7e308), nf.momentum(1.7e308)):  # (Adam's step is at most lr: finite)
        with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"^step 0: .*diverged"):
            nf.train(nf.optimizer_step(opt), (params, opt.init(params)), [batch])


def test_one_batch_instead_of_batches_says_what_was_expected() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    batch = nst.batch_for(params, nf.Key(1), labels="classes")
    step = functools.partial(nf.sgd_step, lr=0.1)
    one: Any = batch  # what a user may pass by mistake
    with pytest.raises(TypeError, match=r"^batches: expected an iterable of batches, e\.g\. itertools\.repeat"):
        nf.train(step, params, one)
    with pytest.raises(TypeError, match=r"^epochs: expected an iterable of epochs"):
        nf.fit(step, params, [one, one], evaluate=lambda p: {"loss": 0.0})
    with pytest.raises(TypeError, match=r"^epochs: expected an iterable of epochs"):
        nf.fit(step, params, one, evaluate=lambda p: {"loss": 0.0})
    with pytest.raises(TypeError, match=r"^xs: expected an iterable of batches"):
        nf.scan(lambda c, b: (c, 0.0), params, one)
    assert nf.train(step, params, itertools.repeat(batch, 2)) is not params


@settings(max_examples=15, deadline=None)
@given(key=nst.keys(), dtype=DTYPES, n_out=st.integers(1, 3))
def test_lbfgs_reaches_its_gradient_tolerance_on_a_convex_problem(
    key: nf.Key, dtype: np.dtype[Any], n_out: int
) -> None:
    # one identity layer and the mean squared error with l2: a strictly convex quadratic
    params = nf.init_mlp(key, (4, n_out), dtype=dtype)
    x = nf.rng(key).standard_normal((30, 4))
    y = x @ nf.rng(nf.split(key)[0]).standard_normal((4, n_out)) + 0.1
    batch = nf.Batch(x, y)
    tol = 1e-4 if dtype == np.float32 else 1e-7
    trained, report = nf.lbfgs(params, batch, cost=nf.mean_squared_error, l2=1e-3, tol=tol)
    assert report.converged and report.grad_norm <= tol
    g = nf.grad(trained, batch, cost=nf.mean_squared_error, l2=1e-3)
    assert max(float(np.max(np.abs(a))) for a in nf.tree_leaves(g)) <= tol
    assert report.evaluations >= report.iterations >= 1
    assert math.isclose(report.loss, float(nf.loss(trained, batch, cost=nf.mean_squared_error, l2=1e-3)), rel_tol=1e-5)
    assert trained.dtype == dtype and all(not a.flags.writeable for a in nf.tree_leaves(trained))
    assert report.loss < float(nf.loss(params, batch, cost=nf.mean_squared_error, l2=1e-3))


def test_lbfgs_refuses_bad_arguments() -> None:
    params = nf.init_mlp(nf.Key(0), (2, 3, 2))
    batch = nst.batch_for(params, nf.Key(1), labels="classes")
    with pytest.raises(TypeError, match=r"^batch: "):
        nf.lbfgs(params, cast(Any, [batch]))
    with pytest.raises(ValueError, match=r"^tol: "):
        nf.lbfgs(params, batch, tol=0.0)
    with pytest.raises(TypeError, match=r"^max_iter: "):
        nf.lbfgs(params, batch, max_iter=cast(Any, 1.5))


def test_scale_by_learning_rate_folds_into_the_transformation_before_it() -> None:
    params = {"w": np.linspace(-1, 1, 5)}
    grads = {"w": np.linspace(2, 3, 5)}
    folded = nf.chain(scale_by_adam(), scale_by_learning_rate(0.1), nf.scale(-2.0))
    u, _ = folded.update(grads, folded.init(params), params)
    plain, _ = scale_by_adam().update(grads, scale_by_adam().init(params), params)
    np.testing.assert_allclose(u["w"], plain["w"] * 0.2, rtol=1e-15)
