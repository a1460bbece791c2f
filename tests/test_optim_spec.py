"""An independent check of the optimiser toolkit against its specification (optax's formulas).

Written from the issue, not from the implementation: every transformation is compared over
several steps of hypothesis-drawn gradients, in float32 and float64, with a plain-NumPy
reference written here; training steps are compared with the general path on networks other
than ``nf.MLP``; updates are repeated to check purity; wrong inputs must raise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pytest
from _optim_steps import run_updates
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnfunc as nf
from nnfunc.testing import strategies as nst

Array = np.ndarray[Any, Any]
Tree = dict[str, Any]
Ref = dict[str, Array]  # float64 leaves of the reference computations
Sched = Callable[[int], float]

SHAPES: dict[str, tuple[int, ...]] = {"b": (3,), "s": (), "w": (2, 3)}
F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
DTYPES: st.SearchStrategy[np.dtype[Any]] = st.sampled_from([F32, F64])
# zero or of moderate size: squares neither underflow nor overflow in float32
ENTRY = st.one_of(st.just(0.0), st.floats(2**-10, 10.0, width=32), st.floats(-10.0, -(2**-10), width=32))
UNIT = st.floats(0.0, 0.99)
COST = nf.mean_squared_error


# ---------------------------------------------------------------------------------------------------------------
# strategies and helpers


def _tree(draw: st.DrawFn, dtype: np.dtype[Any]) -> Tree:
    return {k: draw(hnp.arrays(dtype, shape, elements=ENTRY)) for k, shape in SHAPES.items()}


@st.composite
def problems(draw: st.DrawFn, min_steps: int = 1, max_steps: int = 5) -> tuple[Tree, list[Tree]]:
    """Parameters and a few steps of gradients, all of one drawn dtype."""
    dtype = draw(DTYPES)
    n = draw(st.integers(min_steps, max_steps))
    return _tree(draw, dtype), [_tree(draw, dtype) for _ in range(n)]


masks: st.SearchStrategy[dict[str, bool]] = st.fixed_dictionaries({k: st.booleans() for k in SHAPES})


@st.composite
def schedules(draw: st.DrawFn) -> Sched:
    """A constant, a linear schedule, a warm-up-cosine or a join of two linear pieces."""
    peak = draw(st.floats(1e-3, 0.5))
    kind = draw(st.sampled_from(["constant", "linear", "warmup_cosine", "join"]))
    if kind == "constant":
        return nf.constant_schedule(peak)
    if kind == "linear":
        return nf.linear_schedule(peak, draw(st.floats(0.0, 0.5)), draw(st.integers(1, 4)))
    if kind == "warmup_cosine":
        warmup = draw(st.integers(1, 3))
        return nf.warmup_cosine_decay(0.0, peak, warmup, warmup + draw(st.integers(1, 4)), draw(st.floats(0.0, 0.1)))
    boundary = draw(st.integers(1, 3))
    return nf.join_schedules([nf.linear_schedule(0.0, peak, boundary), nf.linear_schedule(peak, 0.0, 3)], [boundary])


def _f64(tree: Tree) -> Ref:
    return {k: np.asarray(v, dtype=np.float64) for k, v in tree.items()}


def _assert_close(got: Tree, want: Ref, dtype: np.dtype[Any], what: str, scale: float = 1.0) -> None:
    """Same keys, shapes and dtype (no silent upcast) and values within float32/float64 rounding."""
    assert sorted(got) == sorted(want), what
    rtol, atol = (2e-4, 2e-5 * scale) if dtype == F32 else (1e-9, 1e-12 * scale)
    for k, w in want.items():
        a = got[k]
        assert np.asarray(a).dtype == dtype, f"{what} {k}: dtype {np.asarray(a).dtype}, expected {dtype}"
        assert np.shape(a) == np.shape(w), f"{what} {k}"
        np.testing.assert_allclose(np.asarray(a, dtype=np.float64), w, rtol=rtol, atol=atol, err_msg=f"{what} {k}")


def _norm(leaves: Ref) -> float:
    return math.sqrt(sum(float(np.sum(a * a)) for a in leaves.values()))


class AdamRef:
    """Optax's ``scale_by_adam`` (eps_root = 0), leaf by leaf in float64."""

    def __init__(self, b1: float, b2: float, eps: float) -> None:
        self.b1, self.b2, self.eps = b1, b2, eps
        self.mu: Ref = {}
        self.nu: Ref = {}
        self.count = 0

    def __call__(self, g: Ref) -> Ref:
        self.count += 1
        t, out = self.count, {}
        for k, gk in g.items():
            self.mu[k] = self.b1 * self.mu.get(k, np.zeros_like(gk)) + (1 - self.b1) * gk
            self.nu[k] = self.b2 * self.nu.get(k, np.zeros_like(gk)) + (1 - self.b2) * gk**2
            mu_hat = self.mu[k] / (1 - self.b1**t)
            nu_hat = self.nu[k] / (1 - self.b2**t)
            out[k] = mu_hat / (np.sqrt(nu_hat + 0.0) + self.eps)
        return out


class TraceRef:
    """Optax's ``trace``: ``v = beta v + g``; ``v``, or ``g + beta v`` with Nesterov."""

    def __init__(self, beta: float, nesterov: bool) -> None:
        self.beta, self.nesterov = beta, nesterov
        self.v: Ref = {}

    def __call__(self, g: Ref) -> Ref:
        out = {}
        for k, gk in g.items():
            self.v[k] = self.beta * self.v.get(k, np.zeros_like(gk)) + gk
            out[k] = gk + self.beta * self.v[k] if self.nesterov else self.v[k].copy()
        return out


# ---------------------------------------------------------------------------------------------------------------
# clipping


@settings(max_examples=40, deadline=None)
@given(
    problem=problems(),
    max_delta=st.floats(0.1, 5.0),
    max_norm=st.floats(0.1, 20.0),
    lr=schedules(),
    b1=UNIT,
    b2=st.floats(0.5, 0.999),
    eps=st.sampled_from([1e-8, 1e-3]),
)
def test_clip_then_global_norm_then_scheduled_adam_matches_the_reference(
    problem: tuple[Tree, list[Tree]], max_delta: float, max_norm: float, lr: Sched, b1: float, b2: float, eps: float
) -> None:
    params, grads = problem
    dtype = params["w"].dtype
    opt = nf.chain(nf.clip(max_delta), nf.clip_by_global_norm(max_norm), nf.adam(lr, b1, b2, eps))
    adam = AdamRef(b1, b2, eps)
    for t, (u, g) in enumerate(zip(run_updates(opt, params, grads), grads, strict=True)):
        clipped = {k: np.clip(v, -max_delta, max_delta) for k, v in _f64(g).items()}
        norm = _norm(clipped)
        scaled = {k: v * min(1.0, max_norm / norm) if norm else v for k, v in clipped.items()}
        want = {k: -lr(t) * v for k, v in adam(scaled).items()}
        _assert_close(u, want, dtype, f"step {t}")


@settings(max_examples=40, deadline=None)
@given(problem=problems(), mask=masks, max_norm=st.floats(0.1, 20.0))
def test_masked_global_norm_clipping_measures_and_scales_only_the_selected_leaves(
    problem: tuple[Tree, list[Tree]], mask: dict[str, bool], max_norm: float
) -> None:
    params, grads = problem
    dtype = params["w"].dtype
    got = run_updates(nf.masked(nf.clip_by_global_norm(max_norm), mask), params, grads)
    for t, (u, g) in enumerate(zip(got, grads, strict=True)):
        g64 = _f64(g)
        norm = _norm({k: v for k, v in g64.items() if mask[k]})
        factor = min(1.0, max_norm / norm) if norm else 1.0
        want = {k: v * factor if mask[k] else v for k, v in g64.items()}
        _assert_close(u, want, dtype, f"step {t}")
        for k in SHAPES:
            if not mask[k]:  # passed through unchanged, exactly
                np.testing.assert_array_equal(u[k], g[k])


@pytest.mark.parametrize(
    ("dtype", "grad", "max_norm"),
    [
        pytest.param(F32, [1e20, -1e20, 1.0], 1.0, id="float32-norm-overflows-float32"),
        pytest.param(F64, [1e200, -1e200, 0.0], 1.0, id="float64-norm-overflows-float64"),
        pytest.param(F32, [3e-30, 4e-30, 0.0], 1e-30, id="float32-squares-underflow"),
    ],
)
def test_clip_by_global_norm_of_finite_gradients_at_extreme_scales(
    dtype: np.dtype[Any], grad: list[float], max_norm: float
) -> None:
    """``min(1, max_norm / norm)`` times a finite gradient whose squares over- or underflow its dtype
    (float32 and float64 overflow, float32 underflow): the norm is still the exact one."""
    params = {"g": np.zeros(3, dtype)}
    g = {"g": np.array(grad, dtype)}
    opt = nf.clip_by_global_norm(max_norm)
    with np.errstate(all="ignore"):
        u, _ = opt.update(g, opt.init(params), params)
    big = float(np.max(np.abs(np.asarray(grad))))
    unit = np.asarray(grad, np.float64) / big  # the norm computed without over- or underflow
    want = unit / math.sqrt(float(np.sum(unit * unit))) * max_norm
    assert u["g"].dtype == dtype
    np.testing.assert_allclose(np.asarray(u["g"], np.float64), want, rtol=1e-5, atol=1e-6 * max_norm)


def test_clip_by_global_norm_does_not_let_a_finite_leaf_through_unclipped_when_another_is_nan() -> None:
    """With a NaN in one leaf the norm is NaN: as in optax, every leaf is scaled by ``max_norm / NaN``
    (all NaN, which the next loss reports), never a finite leaf of norm 1e6 passed on unclipped."""
    params = {"a": np.zeros(2), "b": np.zeros(2)}
    grads = {"a": np.array([np.nan, 1.0]), "b": np.array([1e6, 0.0])}
    opt = nf.clip_by_global_norm(1.0)
    u, _ = opt.update(grads, opt.init(params), params)
    assert all(np.isnan(a).all() for a in nf.tree_leaves(u))
    for k, leaf in u.items():
        if np.all(np.isfinite(leaf)):
            assert float(np.linalg.norm(leaf)) <= 1.0 + 1e-9, f"leaf {k} passed unclipped: {leaf}"


# ---------------------------------------------------------------------------------------------------------------
# masking


@settings(max_examples=40, deadline=None)
@given(problem=problems(), mask=masks, lr=schedules(), b1=UNIT, b2=st.floats(0.5, 0.999))
def test_masked_adam_scaling_then_a_scheduled_rate_matches_the_reference(
    problem: tuple[Tree, list[Tree]], mask: dict[str, bool], lr: Sched, b1: float, b2: float
) -> None:
    """Unmasked leaves pass the masked transformation unchanged, so the rate after it still scales them."""
    params, grads = problem
    dtype = params["w"].dtype
    opt = nf.chain(nf.masked(nf.scale_by_adam(b1, b2), mask), nf.scale_by_learning_rate(lr))
    adam = AdamRef(b1, b2, 1e-8)
    for t, (u, g) in enumerate(zip(run_updates(opt, params, grads), grads, strict=True)):
        g64 = _f64(g)
        inner = adam({k: v for k, v in g64.items() if mask[k]})
        want = {k: -lr(t) * (inner[k] if mask[k] else v) for k, v in g64.items()}
        _assert_close(u, want, dtype, f"step {t}")


@settings(max_examples=30, deadline=None)
@given(dtype=DTYPES, signs=st.fixed_dictionaries({k: st.booleans() for k in SHAPES}), factor=st.floats(0.1, 3.0))
def test_a_callable_mask_is_a_function_of_the_parameters_not_of_the_gradients(
    dtype: np.dtype[Any], signs: dict[str, bool], factor: float
) -> None:
    params = {k: np.full(shape, 1.0 if signs[k] else -1.0, dtype) for k, shape in SHAPES.items()}
    grads = {k: -2 * v for k, v in params.items()}  # the opposite signs: a mask of the gradients would differ

    def positive(p: Tree) -> dict[str, bool]:
        return {k: bool(np.all(v > 0)) for k, v in p.items()}

    opt = nf.masked(nf.scale(factor), positive)
    u, _ = opt.update(grads, opt.init(params), params)
    want = {k: _f64(grads)[k] * (factor if signs[k] else 1.0) for k in SHAPES}
    _assert_close(u, want, dtype, "masked scale")


def test_a_callable_mask_whose_selection_moves_to_another_leaf_does_not_reuse_its_state() -> None:
    """The inner state of ``masked`` is made for the leaves the mask selected: when a callable mask selects
    leaf ``b`` instead of ``a`` (same shape), ``b`` must not inherit ``a``'s momentum. As in optax (where
    the inner state is shaped by the mask), the update raises, naming both selections."""

    def positive(p: Tree) -> dict[str, bool]:
        return {k: bool(v[0] > 0) for k, v in p.items()}

    opt = nf.masked(nf.momentum(1.0, 0.9), positive)
    before = {"a": np.ones(2), "b": -np.ones(2)}
    state = opt.init(before)
    _, state = opt.update({"a": np.full(2, 10.0), "b": np.ones(2)}, state, before)
    after = {"a": -np.ones(2), "b": np.ones(2)}  # now b is selected, a is not
    with pytest.raises(ValueError, match=r"^mask: selects \['b'\] now, but the state was made for \['a'\]"):
        opt.update({"a": np.ones(2), "b": np.ones(2)}, state, after)


@settings(max_examples=20, deadline=None)
@given(
    net=st.one_of(
        nst.networks(nst.layer_sizes(max_hidden=2, max_width=4)),
        nst.layer_stacks(max_blocks=3, max_width=4),
    ),
    key=nst.keys(),
    lr=schedules(),
    wd=st.floats(0.0, 0.5),
    b1=UNIT,
    b2=st.floats(0.5, 0.999),
    steps=st.integers(1, 4),
)
def test_adamw_with_a_schedule_and_the_l2_mask_matches_optax_on_any_network(
    net: nf.Layer, key: nf.Key, lr: Sched, wd: float, b1: float, b2: float, steps: int
) -> None:
    """optax.adamw = chain(scale_by_adam, add_decayed_weights(wd, mask), scale_by_learning_rate(lr))."""
    opt = nf.adamw(lr, wd, b1, b2, mask=nf.l2_mask)
    gen = nf.rng(key)
    leaves, treedef = nf.tree_flatten(net)
    dtype = leaves[0].dtype
    decayed = nf.tree_leaves(nf.l2_mask(net))
    grads = [treedef.unflatten([gen.standard_normal(a.shape).astype(a.dtype) for a in leaves]) for _ in range(steps)]
    adam = AdamRef(b1, b2, 1e-8)
    p = {str(i): np.asarray(a, np.float64) for i, a in enumerate(leaves)}
    params, state = net, opt.init(net)
    for t, g in enumerate(grads):
        u, state = opt.update(g, state, params)
        params = nf.apply_updates(params, u)
        direction = adam({str(i): np.asarray(a, np.float64) for i, a in enumerate(nf.tree_leaves(g))})
        want = {k: -lr(t) * (direction[k] + (wd * p[k] if decayed[int(k)] else 0.0)) for k in p}
        p = {k: p[k] + want[k] for k in p}
        _assert_close({str(i): a for i, a in enumerate(nf.tree_leaves(u))}, want, dtype, f"step {t}")
    assert [a.dtype for a in nf.tree_leaves(params)] == [a.dtype for a in leaves]
    assert all(a.dtype == dtype for a in nf.tree_leaves(state) if isinstance(a, np.ndarray))


# ---------------------------------------------------------------------------------------------------------------
# gradient accumulation


@settings(max_examples=40, deadline=None)
@given(
    problem=problems(max_steps=7),
    k=st.integers(1, 3),
    lr=schedules(),
    beta=st.floats(0.0, 0.95),
    nesterov=st.booleans(),
)
def test_multi_steps_of_a_scheduled_momentum_matches_the_reference(
    problem: tuple[Tree, list[Tree]], k: int, lr: Sched, beta: float, nesterov: bool
) -> None:
    """The inner optimiser sees the mean of each ``k`` gradients and counts its own updates (its schedule
    at 0, 1, 2, ... on every ``k``-th step); the other updates are exactly zero."""
    params, grads = problem
    dtype = params["w"].dtype
    got = run_updates(nf.multi_steps(nf.momentum(lr, beta, nesterov), k), params, grads)
    trace = TraceRef(beta, nesterov)
    acc: list[Ref] = []
    inner_t = 0
    for t, (u, g) in enumerate(zip(got, grads, strict=True)):
        acc.append(_f64(g))
        if len(acc) < k:
            for key, leaf in u.items():
                assert np.asarray(leaf).dtype == dtype and np.shape(leaf) == SHAPES[key]
                assert not np.any(leaf), f"step {t}: expected a zero update"
            continue
        mean = {key: np.sum([a[key] for a in acc], axis=0) / k for key in SHAPES}
        want = {key: -lr(inner_t) * v for key, v in trace(mean).items()}
        _assert_close(u, want, dtype, f"step {t}")
        acc, inner_t = [], inner_t + 1


@settings(max_examples=25, deadline=None)
@given(problem=problems(), lr=st.floats(1e-3, 0.5))
def test_multi_steps_of_one_is_the_inner_optimiser(problem: tuple[Tree, list[Tree]], lr: float) -> None:
    params, grads = problem
    for inner in (nf.adam(lr), nf.momentum(lr, 0.9, nesterov=True), nf.adamw(lr, 0.1)):
        accumulated, plain = run_updates(nf.multi_steps(inner, 1), params, grads), run_updates(inner, params, grads)
        for t, (a, b) in enumerate(zip(accumulated, plain, strict=True)):
            for key in SHAPES:
                assert np.asarray(a[key]).dtype == np.asarray(b[key]).dtype
                np.testing.assert_array_equal(a[key], b[key], err_msg=f"step {t} {key}")


# ---------------------------------------------------------------------------------------------------------------
# schedules


@settings(max_examples=60, deadline=None)
@given(
    pieces=st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(1, 20)), min_size=1, max_size=4),
    gaps=st.lists(st.integers(1, 15), min_size=3, max_size=3),
    t=st.integers(0, 120),
)
def test_joined_linear_pieces_and_nested_joins_match_a_piecewise_reference(
    pieces: list[tuple[float, float, int]], gaps: list[int], t: int
) -> None:
    bounds = list(np.cumsum(gaps[: len(pieces) - 1]).tolist())
    joined = nf.join_schedules([nf.linear_schedule(*p) for p in pieces], bounds)
    starts = [0, *bounds]

    def reference(t: int) -> float:
        i = max(j for j, s in enumerate(starts) if s <= t)
        init, final, steps = pieces[i]
        local = t - starts[i]
        return final if local >= steps else init + (final - init) * local / steps

    for u in {t, *bounds, *(b - 1 for b in bounds), 0}:
        assert math.isclose(joined(u), reference(u), rel_tol=1e-12, abs_tol=1e-15), u
    # a join inside a join: the inner one counts from the outer boundary
    outer = gaps[0]
    nested = nf.join_schedules([nf.constant_schedule(7.0), joined], [outer])
    assert nested(t) == (7.0 if t < outer else joined(t - outer))


@settings(max_examples=60, deadline=None)
@given(
    init=st.floats(0.0, 1.0),
    peak=st.floats(1e-3, 1.0),
    final=st.floats(0.0, 1.0),
    warmup=st.integers(1, 30),
    decay=st.integers(1, 60),
)
def test_warmup_cosine_decay_has_optax_shape_and_stays_between_its_ends(
    init: float, peak: float, final: float, warmup: int, decay: int
) -> None:
    total = warmup + decay
    s = nf.warmup_cosine_decay(init, peak, warmup, total, final)
    alpha = final / peak  # optax: cosine_decay_schedule(peak, total - warmup, alpha=final / peak)
    values = [s(t) for t in range(total + 5)]
    for t, v in enumerate(values):
        if t < warmup:
            want = init + (peak - init) * t / warmup
        else:
            cos = 0.5 * (1 + math.cos(math.pi * min(t - warmup, decay) / decay))
            want = peak * ((1 - alpha) * cos + alpha)
        assert math.isclose(v, want, rel_tol=1e-9, abs_tol=1e-12), t
        assert min(init, peak, final) - 1e-12 <= v <= max(init, peak, final) + 1e-12
    assert values[0] == init and all(v == final for v in values[total:])
    up = np.diff(values[: warmup + 1]) * np.sign(peak - init)
    down = np.diff(values[warmup : total + 1]) * np.sign(final - peak)
    assert np.all(up >= -1e-12) and np.all(down >= -1e-12)  # monotone in each phase


# ---------------------------------------------------------------------------------------------------------------
# training steps: the packed path against the general one, purity


def _halve_init(params: Any) -> tuple[()]:
    return ()


def _halve(updates: Any, state: tuple[()], params: Any) -> tuple[Any, tuple[()]]:
    return nf.tree_map(lambda u: u * 0.5, updates), state


OPTIMIZERS: dict[str, Callable[[], nf.Optimizer[Any]]] = {
    "sgd": lambda: nf.sgd(0.05),
    "sgd-warmup-cosine": lambda: nf.sgd(nf.warmup_cosine_decay(0.0, 0.1, 1, 4)),
    "nesterov": lambda: nf.momentum(0.05, 0.9, nesterov=True),
    "adagrad": lambda: nf.adagrad(0.05),
    "adamw-l2-mask-schedule": lambda: nf.adamw(nf.linear_schedule(0.02, 0.002, 3), 0.1, mask=nf.l2_mask),
    "adamw-everywhere": lambda: nf.adamw(0.01, 0.1),
    "clip-adam": lambda: nf.chain(nf.clip(0.05), nf.adam(0.01)),
    "global-norm-momentum": lambda: nf.chain(nf.clip_by_global_norm(0.1), nf.momentum(0.05)),
    "global-norm-sgd": lambda: nf.chain(nf.clip_by_global_norm(0.1), nf.sgd(0.5)),
    "masked-adam": lambda: nf.masked(nf.adam(0.01), nf.l2_mask),
    "masked-sgd-then-scale": lambda: nf.chain(nf.masked(nf.sgd(0.1), nf.l2_mask), nf.scale(-0.5)),
    "multi-steps-adam": lambda: nf.multi_steps(nf.adam(0.01), 2),
    "multi-steps-masked-clip": lambda: nf.multi_steps(nf.chain(nf.masked(nf.adam(0.01), nf.l2_mask), nf.clip(0.01)), 2),
    "users-transformation": lambda: nf.chain(nf.Optimizer(_halve_init, _halve), nf.adam(0.01)),
}
NETWORKS = st.one_of(
    nst.networks(nst.layer_sizes(max_hidden=2, max_width=5, n_out=3), output=st.just(nf.identity)),
    nst.layer_stacks(max_blocks=4, max_width=5, n_out=3),
)
COSTS: dict[str, tuple[nf.Cost, nst.LabelKind]] = {
    "mse": (nf.mean_squared_error, "real"),
    "softmax": (nf.softmax_cross_entropy, "classes"),
}


def _is_running_statistic(path: str) -> bool:
    return path.rsplit(".", 1)[-1].startswith("running_")


def _general_path(
    opt: nf.Optimizer[Any], params: Any, batches: list[nf.Batch], cost: nf.Cost, l2: float
) -> tuple[Any, Any]:
    """value_grad_and_state, opt.update, apply_updates; running statistics from the forward pass only."""
    state = opt.init(params)
    for batch in batches:
        _, grads, moved = nf.value_grad_and_state(params, batch, cost=cost, l2=l2)
        updates, state = opt.update(grads, state, moved)
        leaves, treedef = nf.tree_flatten(nf.apply_updates(moved, updates))
        kept = [
            m if _is_running_statistic(path) else a
            for (path, m), a in zip(nf.tree_leaves_with_paths(moved), leaves, strict=True)
        ]
        params = treedef.unflatten(kept)
    return params, state


def _snapshot(tree: object) -> list[Any]:
    return [np.array(a, copy=True) if isinstance(a, np.ndarray | np.generic) else a for a in nf.tree_leaves(tree)]


def _assert_same(got: object, want: list[Any], what: str) -> None:
    leaves = nf.tree_leaves(got)
    assert len(leaves) == len(want), what
    for a, b in zip(leaves, want, strict=True):
        if isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray | np.generic) and np.asarray(a).dtype == b.dtype, what
            np.testing.assert_array_equal(a, b, err_msg=what)
        else:
            assert a == b, what


def _batch_norm_net(dtype: np.dtype[Any]) -> nf.Sequential:
    """Dense, BatchNorm, Dense: running statistics a decaying optimiser must leave to the forward pass."""
    gen = nf.rng(nf.Key(11))
    return nf.Sequential(
        [
            nf.Dense(gen.standard_normal((3, 4)).astype(dtype), np.zeros(4, dtype), nf.tanh),
            nf.BatchNorm(4, dtype=dtype),
            nf.Dense(gen.standard_normal((4, 3)).astype(dtype), np.zeros(3, dtype), nf.identity),
        ]
    )


def _batch(net: nf.Layer, key: nf.Key, labels: nst.LabelKind, wide: bool, weighted: bool) -> nf.Batch:
    """A batch for ``net``: float64 data for a float32 network when ``wide``, random sample weights."""
    b = nst.batch_for(net, key, labels=labels, n=6)
    x = b.x.astype(np.float64) if wide else b.x
    w = nf.rng(key).uniform(0.1, 2.0, 6) if weighted else None
    return nf.Batch(x, b.y, sample_weight=w, key=b.key)


@settings(max_examples=100, deadline=None)
@example(_batch_norm_net(F64), "adamw-everywhere", "mse", 0.01, 2, nf.Key(0), False, True)
@example(_batch_norm_net(F32), "multi-steps-masked-clip", "softmax", 0.0, 3, nf.Key(1), True, False)
@given(
    net=NETWORKS,
    name=st.sampled_from(sorted(OPTIMIZERS)),
    cost=st.sampled_from(sorted(COSTS)),
    l2=st.sampled_from([0.0, 0.01]),
    steps=st.integers(1, 3),
    key=nst.keys(),
    wide=st.booleans(),
    weighted=st.booleans(),
)
def test_optimizer_step_agrees_with_the_general_path_on_any_network(
    net: nf.Layer, name: str, cost: str, l2: float, steps: int, key: nf.Key, wide: bool, weighted: bool
) -> None:
    dtype = nf.tree_leaves(net)[0].dtype
    fn, labels = COSTS[cost]
    batches = [_batch(net, nf.Key(key.seed, (i,)), labels, wide, weighted) for i in range(steps)]
    opt = OPTIMIZERS[name]()
    params, state = nf.train(nf.optimizer_step(opt, cost=fn, l2=l2), (net, opt.init(net)), batches)
    want_params, want_state = _general_path(opt, net, batches, fn, l2)
    rtol, atol = (1e-4, 1e-6) if dtype == F32 else (1e-10, 1e-12)
    got_leaves, want_leaves = nf.tree_leaves((params, state)), nf.tree_leaves((want_params, want_state))
    assert len(got_leaves) == len(want_leaves)
    for i, (a, b) in enumerate(zip(got_leaves, want_leaves, strict=True)):
        if isinstance(b, np.ndarray | np.generic):
            assert np.asarray(a).dtype == np.asarray(b).dtype == dtype, f"leaf {i}: {np.asarray(a).dtype}"
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol, err_msg=f"leaf {i}")
        else:
            assert a == b, f"leaf {i}"
    assert type(params) is type(net)
    assert all(a.dtype == dtype for a in nf.tree_leaves(params))


@settings(max_examples=60, deadline=None)
@given(net=NETWORKS, name=st.sampled_from(sorted(OPTIMIZERS)), key=nst.keys())
def test_steps_and_updates_are_pure_and_repeatable_with_reused_states(net: nf.Layer, name: str, key: nf.Key) -> None:
    """Calling a step or an update again with the same inputs, in any order, gives the same outputs, and
    leaves its inputs (parameters, states, gradients) unchanged."""
    opt = OPTIMIZERS[name]()
    step = nf.optimizer_step(opt, cost=COST, l2=0.01)
    b1, b2 = (nst.batch_for(net, nf.Key(key.seed, (i,)), labels="real", n=5) for i in range(2))
    c0 = (net, opt.init(net))
    s0 = _snapshot(c0)
    c1 = step(c0, b1)
    s1 = _snapshot(c1)
    c2 = step(c1, b2)
    s2 = _snapshot(c2)
    step(c2, b1)  # moves the step's memos on
    _assert_same(step(c0, b1), s1, "step from the first carry again")
    _assert_same(step(c1, b2), s2, "step from the second carry again")
    _assert_same(c0, s0, "first carry")
    _assert_same(c1, s1, "second carry")
    for leaf in nf.tree_leaves(c2):
        assert not isinstance(leaf, np.ndarray) or not leaf.flags.writeable

    grads = nf.grad(net, b1, cost=COST)
    g0 = _snapshot(grads)
    u1, st1 = opt.update(grads, c0[1], net)
    first = _snapshot((u1, st1))
    u2, st2 = opt.update(grads, st1, net)
    second = _snapshot((u2, st2))
    _assert_same(opt.update(grads, c0[1], net), first, "update from the first state again")
    _assert_same(opt.update(grads, st1, net), second, "update from the second state again")
    _assert_same(grads, g0, "gradients")
    _assert_same(c0, s0, "first carry after updates")


@settings(max_examples=25, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(OPTIMIZERS)), steps=st.integers(1, 3))
def test_a_tree_of_mixed_dtypes_keeps_each_leafs_dtype(data: st.DataObject, name: str, steps: int) -> None:
    """float32 and float64 leaves side by side: each keeps its own dtype in updates, states and parameters,
    and the values are those of the same optimiser run in float64. The caller's (writeable) gradient and
    parameter arrays are never written."""
    if "mask" in name or name == "multi-steps-masked-clip":  # nf.l2_mask takes networks, not dicts
        name = "adamw-everywhere"
    dtypes: dict[str, np.dtype[Any]] = {"b": F32, "s": F64, "w": F32}
    params = {k: data.draw(hnp.arrays(dtypes[k], SHAPES[k], elements=ENTRY)) for k in SHAPES}
    grads = [{k: data.draw(hnp.arrays(dtypes[k], SHAPES[k], elements=ENTRY)) for k in SHAPES} for _ in range(steps)]
    opt = OPTIMIZERS[name]()
    state = opt.init(params)
    wide, wide_state = _f64(params), opt.init(_f64(params))
    given = [params, *grads]
    copies = [{k: v.copy() for k, v in tree.items()} for tree in given]
    for t, g in enumerate(grads):
        u, state = opt.update(g, state, params)
        params = nf.apply_updates(params, u)
        wu, wide_state = opt.update(_f64(g), wide_state, wide)
        wide = nf.apply_updates(wide, wu)
        for k in SHAPES:
            assert np.asarray(u[k]).dtype == dtypes[k] and params[k].dtype == dtypes[k], f"step {t} {k}"
            np.testing.assert_allclose(np.asarray(u[k], np.float64), wu[k], rtol=1e-3, atol=1e-5, err_msg=k)
    by_shape = {SHAPES[k]: dtypes[k] for k in SHAPES}
    for leaf in nf.tree_leaves(state):
        if isinstance(leaf, np.ndarray | np.generic) and np.shape(leaf) in by_shape and np.shape(leaf) != ():
            assert leaf.dtype == by_shape[np.shape(leaf)]
    for tree, copy in zip(given, copies, strict=True):
        for k in SHAPES:
            assert tree[k].flags.writeable
            np.testing.assert_array_equal(tree[k], copy[k])


# ---------------------------------------------------------------------------------------------------------------
# full-batch L-BFGS


@settings(max_examples=15, deadline=None)
@given(
    key=nst.keys(),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 3),
    l2=st.floats(1e-3, 0.5),
    sequential=st.booleans(),
)
def test_lbfgs_solves_ridge_regression_like_its_normal_equations(
    key: nf.Key, n_in: int, n_out: int, l2: float, sequential: bool
) -> None:
    """One identity Dense layer, mean squared error (summed over outputs, mean over samples) and l2 on the
    weights only: ``(Xa'Xa + n l2/2 D) theta = Xa'Y`` with ``Xa = [X, 1]``, ``D`` the identity but the bias."""
    mlp = nf.init_mlp(key, (n_in, n_out))
    net: nf.Layer = nf.Sequential(mlp.layers) if sequential else mlp
    gen = nf.rng(nf.split(key)[1])
    n = 25
    x = gen.standard_normal((n, n_in))
    y = x @ gen.standard_normal((n_in, n_out)) + gen.standard_normal((n, n_out)) * 0.3 + 1.0
    trained, report = nf.lbfgs(net, nf.Batch(x, y), cost=COST, l2=l2, tol=1e-8)
    xa = np.hstack([x, np.ones((n, 1))])
    d = np.eye(n_in + 1)
    d[-1, -1] = 0.0
    theta = np.linalg.solve(xa.T @ xa + n * l2 / 2 * d, xa.T @ y)
    w, b = nf.tree_leaves(trained)
    np.testing.assert_allclose(w, theta[:-1], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(b, theta[-1], rtol=1e-6, atol=1e-6)
    assert report.converged == (report.grad_norm <= 1e-8) and type(trained) is type(net)


@settings(max_examples=10, deadline=None)
@given(
    net=nst.layer_stacks(blocks=("dense", "activation", "layer_norm", "dropout", "residual"), max_blocks=3),
    key=nst.keys(),
    tol=st.sampled_from([1e-3, 1e-6]),
)
def test_lbfgs_on_a_sequential_reports_what_it_returns(net: nf.Layer, key: nf.Key, tol: float) -> None:
    dtype = nf.tree_leaves(net)[0].dtype
    batch = nst.batch_for(net, key, labels="real", n=12)
    before = _snapshot(net)
    trained, report = nf.lbfgs(net, batch, cost=COST, l2=1e-3, max_iter=40, tol=tol)
    _assert_same(net, before, "the given network")
    assert type(trained) is type(net)
    assert all(a.dtype == dtype and not a.flags.writeable for a in nf.tree_leaves(trained))
    assert report.loss == float(nf.loss(trained, batch, cost=COST, l2=1e-3))
    grads = nf.grad(trained, batch, cost=COST, l2=1e-3)
    largest = max(float(np.max(np.abs(a))) for a in nf.tree_leaves(grads))
    assert math.isclose(report.grad_norm, largest, rel_tol=1e-6, abs_tol=1e-12)
    assert report.converged == (report.grad_norm <= tol)
    assert 0 <= report.iterations <= 40 and report.evaluations >= report.iterations
    assert report.loss <= float(nf.loss(net, batch, cost=COST, l2=1e-3)) * (1 + 1e-6)


def test_lbfgs_refuses_a_network_whose_running_statistics_it_would_never_move() -> None:
    """nf.lbfgs minimises the training-mode loss over the trained parameters: it would never move BatchNorm's
    running statistics (zero gradient), and the network returned would predict with statistics unrelated
    to the data. Such a network is refused, naming the statistic."""
    gen = nf.rng(nf.Key(3))
    x = gen.standard_normal((20, 3)) * 5 + 3
    y = gen.integers(0, 2, 20)
    net = nf.Sequential(
        [
            nf.Dense(gen.standard_normal((3, 4)), np.zeros(4), nf.identity),
            nf.BatchNorm(4),
            nf.tanh,
            nf.Dense(gen.standard_normal((4, 2)), np.zeros(2), nf.identity),
        ]
    )
    with pytest.raises(ValueError, match=r"^params: .*at \.layers\[1\]\.running_mean"):
        nf.lbfgs(net, nf.Batch(x, y))


# ---------------------------------------------------------------------------------------------------------------
# wrong inputs


def test_momentum_refuses_a_nesterov_flag_that_is_not_a_bool() -> None:
    """``nesterov="no"`` must not silently run Nesterov momentum: a value of the wrong kind raises
    TypeError naming the argument."""
    with pytest.raises(TypeError, match=r"^nesterov: "):
        nf.momentum(0.1, 0.9, nesterov=cast(Any, "no"))


_P = {"w": np.ones((2, 2)), "b": np.zeros(2)}
_G = {"w": np.ones((2, 2)), "b": np.ones(2)}
_MISSING_LEAF = {"w": np.ones((2, 2))}
_WRONG_SHAPE = {"w": np.ones((2, 3)), "b": np.ones(2)}


def _update(opt: nf.Optimizer[Any], grads: Tree, params: Tree = _P) -> object:
    return opt.update(grads, opt.init(params), params)


def _nan_after_one(t: int) -> float:
    return 0.1 if t < 1 else math.nan


def _adamw_with_nan_rate() -> object:
    opt = nf.adamw(_nan_after_one, 0.1)
    _, state = opt.update(_G, opt.init(_P), _P)
    return opt.update(_G, state, _P)


def _mask_then_other_params() -> object:
    opt = nf.masked(nf.adam(0.1), {"w": True, "b": False})
    return opt.update(_G, opt.init(_P), {"w": np.ones((2, 2)), "c": np.zeros(2)})


def _multi_steps_bad_mini_step() -> object:
    opt = nf.multi_steps(nf.adam(0.1), 3)
    return opt.update(_G, opt.init(_P)._replace(mini_step=3), _P)


BAD: dict[str, tuple[Callable[[], object], type[Exception], str]] = {
    "every_k 0": (lambda: nf.multi_steps(nf.sgd(0.1), 0), ValueError, r"^every_k: "),
    "every_k -2": (lambda: nf.multi_steps(nf.sgd(0.1), -2), ValueError, r"^every_k: "),
    "every_k 2.0": (lambda: nf.multi_steps(nf.sgd(0.1), cast(Any, 2.0)), TypeError, r"^every_k: "),
    "every_k True": (lambda: nf.multi_steps(nf.sgd(0.1), cast(Any, True)), TypeError, r"^every_k: "),
    "multi_steps inner": (lambda: nf.multi_steps(cast(Any, nf.sgd), 2), TypeError, r"^inner: "),
    "clip negative": (lambda: nf.clip(-0.1), ValueError, r"^max_delta: "),
    "clip nan": (lambda: nf.clip(math.nan), ValueError, r"^max_delta: "),
    "global norm zero": (lambda: nf.clip_by_global_norm(0.0), ValueError, r"^max_norm: "),
    "global norm negative": (lambda: nf.clip_by_global_norm(-1.0), ValueError, r"^max_norm: "),
    "sgd negative lr": (lambda: nf.sgd(-0.1), ValueError, r"^lr: "),
    "adam nan lr": (lambda: nf.adam(math.nan), ValueError, r"^lr: "),
    "adamw negative decay": (lambda: nf.adamw(0.1, -1e-2), ValueError, r"^weight_decay: "),
    "adamw rate nan at step 1": (_adamw_with_nan_rate, ValueError, r"^lr: .* at step 1"),
    "join negative step": (
        lambda: nf.join_schedules([nf.constant_schedule(0.1), nf.constant_schedule(0.2)], [2])(-1),
        ValueError,
        r"^t: ",
    ),
    "warmup cosine negative step": (lambda: nf.warmup_cosine_decay(0.0, 1.0, 2, 5)(-1), ValueError, r"^t: "),
    "linear negative final": (lambda: nf.linear_schedule(0.1, -0.1, 3), ValueError, r"^final: "),
    "mask missing a leaf": (lambda: nf.masked(nf.sgd(0.1), {"w": True}).init(_P), ValueError, r"^mask: "),
    "mask of arrays": (
        lambda: nf.masked(nf.sgd(0.1), {"w": np.ones((2, 2), bool), "b": np.ones(2, bool)}).init(_P),
        TypeError,
        r"^mask: ",
    ),
    "mask of ints": (lambda: nf.masked(nf.sgd(0.1), {"w": 1, "b": 0}).init(_P), TypeError, r"^mask: "),
    "callable mask of another structure": (
        lambda: nf.masked(nf.sgd(0.1), lambda p: [True, False]).init(_P),
        ValueError,
        r"^mask: ",
    ),
    "mask then params of another structure": (_mask_then_other_params, ValueError, r"^(grads|mask|state): "),
    "adamw mask of another structure": (
        lambda: nf.adamw(0.1, 0.1, mask={"w": True, "b": False, "c": True}).init(_P),
        ValueError,
        r"^mask: ",
    ),
    "masked inner": (lambda: nf.masked(cast(Any, None), {"w": True, "b": True}), TypeError, r"^inner: "),
    "clip grads missing a leaf": (lambda: _update(nf.clip(1.0), _MISSING_LEAF), ValueError, r"^grads: "),
    "global norm grads of another shape": (
        lambda: _update(nf.clip_by_global_norm(1.0), _WRONG_SHAPE),
        ValueError,
        r"^grads: ",
    ),
    "masked grads missing a leaf": (
        lambda: _update(nf.masked(nf.adam(0.1), {"w": True, "b": False}), _MISSING_LEAF),
        ValueError,
        r"^grads: ",
    ),
    "multi_steps grads of another shape": (
        lambda: _update(nf.multi_steps(nf.adam(0.1), 2), _WRONG_SHAPE),
        ValueError,
        r"^grads: ",
    ),
    "multi_steps mini_step out of range": (_multi_steps_bad_mini_step, ValueError, r"^state: "),
    "masked state of another optimiser": (
        lambda: nf.masked(nf.adam(0.1), {"w": True, "b": True}).update(_G, cast(Any, nf.adam(0.1).init(_P)), _P),
        ValueError,
        r"^state: ",
    ),
    "optimizer_step negative l2": (lambda: nf.optimizer_step(nf.adam(0.1), l2=-1.0), ValueError, r"^l2: "),
    "lbfgs max_iter 0": (
        lambda: nf.lbfgs(nf.init_mlp(nf.Key(0), (2, 2)), nf.Batch(np.ones((3, 2)), [0, 1, 0]), max_iter=0),
        ValueError,
        r"^max_iter: ",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_wrong_inputs_raise_a_clear_error_naming_the_argument(case: str) -> None:
    thunk, error, message = BAD[case]
    with pytest.raises(error, match=message):
        thunk()


@pytest.mark.parametrize("order", [("inf", "nan"), ("nan", "inf"), ("one", "inf", "nan"), ("nan", "one")])
def test_a_nan_anywhere_makes_every_leaf_nan_whatever_the_order_of_the_leaves(order: tuple[str, ...]) -> None:
    """The norm is NaN when any entry is, even beside an infinite one in an earlier leaf."""
    value = {"inf": math.inf, "nan": math.nan, "one": 1.0}
    grads = {f"l{i}": np.array([value[name]]) for i, name in enumerate(order)}
    params = {k: np.zeros(1) for k in grads}
    opt = nf.clip_by_global_norm(1.0)
    u, _ = opt.update(grads, opt.init(params), params)
    assert all(np.isnan(a).all() for a in nf.tree_leaves(u))


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(-(2**20), 2**20), min_size=1, max_size=6),
    dtype=st.sampled_from([np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.bool_), np.dtype(np.float16)]),
)
def test_global_norm_of_leaves_of_other_dtypes_is_their_float64_norm(values: list[int], dtype: np.dtype[Any]) -> None:
    """Integer squares wrap around and float16 ones underflow in their own dtype: the norm must not."""
    with np.errstate(all="ignore"):
        leaf = np.array(values).astype(dtype)
    wide = leaf.astype(np.float64)
    want = math.sqrt(float(np.sum(wide * wide)))
    assert math.isclose(nf.optim.global_norm([leaf]), want, rel_tol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    width=st.integers(1, 4),
    first_f32=st.booleans(),
    data=st.data(),
)
def test_a_network_of_two_precisions_keeps_each_leafs_dtype_through_every_step(
    width: int, first_f32: bool, data: st.DataObject
) -> None:
    """Layers of one dtype after layers of another (any layers): the gradient, an SGD step and Adam's
    moments keep every leaf's own dtype, as the tree path requires (no silent float64 in a float32 layer)."""
    dtypes = (np.dtype(np.float32), np.dtype(np.float64))
    first, second = dtypes if first_f32 else dtypes[::-1]
    head = data.draw(nst.layer_stacks(n_out=width, dtype=first, blocks=("dense", "layer_norm", "residual")))
    tail = data.draw(nst.layer_stacks(n_in=width, n_out=3, dtype=second))
    net = nf.Sequential((*head.layers, *tail.layers))
    batch = nst.batch_for(net, nf.Key(0), labels="classes", n=6)
    want = [a.dtype for a in nf.tree_leaves(net)]
    _, grad = nf.value_and_grad(net, batch)
    assert [a.dtype for a in nf.tree_leaves(grad)] == want
    assert [a.dtype for a in nf.tree_leaves(nf.sgd_step(net, batch, lr=1e-2))] == want
    opt = nf.adam(1e-2)
    params, state = nf.train(nf.optimizer_step(opt), (net, opt.init(net)), [batch, batch])
    assert [a.dtype for a in nf.tree_leaves(params)] == want
    assert [a.dtype for a in nf.tree_leaves(state[0].mu)] == want
