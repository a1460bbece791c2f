"""nnfunc's gradient transformations, each a few lines on flat leaf lists (optax's formulas).

- :func:`scale` ``u = factor * u``; :func:`scale_by_learning_rate` ``u = -lr_t * u``
- :func:`trace` ``v = decay * v + u``; ``u = v`` (or ``u + decay * v`` with Nesterov)
- :func:`scale_by_rss` ``s = s + u**2``; ``u = u / (sqrt(s) + eps)``
- :func:`scale_by_rms` ``s = decay * s + (1 - decay) * u**2``; ``u = u / (sqrt(s) + eps)``
- :func:`~nnfunc.optim.scale_adam.scale_by_adam` bias-corrected moments ``u = m_hat / (sqrt(v_hat) + eps)``
- :func:`add_decayed_weights` ``u = u + weight_decay * params``
- :func:`clip` ``u = clip(u, -max_delta, max_delta)``; :func:`clip_by_global_norm`
  ``u = u * min(1, max_norm / norm)``, ``norm`` over all leaves together

Hyper-parameters are checked once, when a transformation is made. Each one writes only into
arrays it has just allocated; float32 parameters give float32 state and updates.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._checks import check_flag, check_number, check_scalar
from .base import (
    CountState,
    EmptyState,
    Leaves,
    Optimizer,
    Params,
    RmsState,
    SumOfSquaresState,
    TraceState,
    Transform,
    expect_state,
    freeze,
    state_leaves,
    zeros_like,
)

if TYPE_CHECKING:  # annotations only: the schedules module loads on first use
    from ..schedules import Schedule


def _empty(params: object) -> EmptyState:
    return EmptyState()


def _scaled(u: Leaves, factor: float) -> Leaves:
    """``factor * u`` in fresh arrays (``u`` itself when ``factor`` is 1)."""
    return u if factor == 1.0 else [a * factor for a in u]


def scale(factor: float) -> Optimizer[EmptyState]:
    """``u = factor * u`` (``factor`` a finite number of either sign)."""
    factor = check_scalar("factor", factor, low=-math.inf)

    def linear(state: EmptyState) -> tuple[float, EmptyState]:
        expect_state(state, EmptyState)
        return factor, state

    def flat(u: Leaves, state: EmptyState, params: Params, f: float) -> tuple[Leaves, EmptyState]:
        expect_state(state, EmptyState)
        return [a * (factor * f) for a in u], state

    return Optimizer(_empty, Transform(flat, linear))


def _rate(name: str, value: object, t: int) -> float:
    """A schedule's value at step ``t``, checked: a real number (TypeError), finite and >= 0 (ValueError)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: the schedule returned {value!r} at step {t}, expected a number")
    rate = float(value)  # a NumPy float64 scalar would turn float32 updates into float64
    if not (math.isfinite(rate) and rate >= 0):
        raise ValueError(f"{name}: the schedule returned {rate} at step {t}, expected a finite number >= 0")
    return rate


def scale_by_learning_rate(lr: float | Schedule) -> Optimizer[CountState]:
    """``u = -lr_t * u``: a descent step of size ``lr_t``, the learning rate for update ``t = 0, 1, ...``.

    ``lr`` is a number ``>= 0`` or a schedule ``t -> lr_t``; a schedule that returns something
    other than a real number raises ``TypeError`` at that step, a negative or non-finite rate
    ``ValueError``. The state counts the updates made.
    """
    if callable(lr):
        schedule = lr

        def linear(state: CountState) -> tuple[float, CountState]:
            expect_state(state, CountState)
            t = state.step
            return -_rate("lr", schedule(t), t), CountState(t + 1)

    else:
        neg = -check_scalar("lr", lr)

        def linear(state: CountState) -> tuple[float, CountState]:
            expect_state(state, CountState)
            return neg, CountState(state.step + 1)

    def init(params: object) -> CountState:
        return CountState(0)

    def flat(u: Leaves, state: CountState, params: Params, f: float) -> tuple[Leaves, CountState]:
        factor, state = linear(state)
        return [a * (factor * f) for a in u], state

    return Optimizer(init, Transform(flat, linear))


def trace(decay: float = 0.9, nesterov: bool = False) -> Optimizer[TraceState]:
    """Momentum: ``v = decay * v + u``, then ``u = v``, or with ``nesterov`` ``u = u + decay * v``
    (``v`` after its update). ``v`` starts at zero; ``decay`` in ``[0, 1]``."""
    decay = check_number("decay", decay, high=1.0)
    nesterov = check_flag("nesterov", nesterov)

    def init(params: Any) -> TraceState:
        return TraceState(zeros_like(params))

    def flat(u: Leaves, state: TraceState, params: Params, f: float) -> tuple[Leaves, TraceState]:
        expect_state(state, TraceState)
        v = state_leaves("TraceState.trace", state.trace, params)
        new = []
        for a, b in zip(u, v, strict=True):
            out = b * decay
            out += a
            new.append(out)
        if nesterov:
            out_u = [a + b * decay for a, b in zip(u, new, strict=True)]
            out_u = _scaled(out_u, f)
        else:
            out_u = [b * f for b in new]  # fresh: the state keeps ``new``
        return out_u, TraceState(params.treedef.unflatten(freeze(new)))

    return Optimizer(init, Transform(flat))


def _divide_by_root(u: Any, s: Any, eps: float, factor: float) -> Any:
    """``factor * u / (sqrt(s) + eps)`` in one fresh array of ``s``'s dtype."""
    r = np.sqrt(s, out=np.empty_like(s))
    r += eps
    np.divide(u, r, out=r)
    if factor != 1.0:
        r *= factor
    return r


def scale_by_rss(eps: float = 1e-8) -> Optimizer[SumOfSquaresState]:
    """Adagrad's scaling: ``s = s + u**2``, ``u = u / (sqrt(s) + eps)``; ``s`` starts at zero, ``eps > 0``."""
    eps = check_number("eps", eps, open_low=True)

    def init(params: Any) -> SumOfSquaresState:
        return SumOfSquaresState(zeros_like(params))

    def flat(u: Leaves, state: SumOfSquaresState, params: Params, f: float) -> tuple[Leaves, SumOfSquaresState]:
        expect_state(state, SumOfSquaresState)
        s = state_leaves("SumOfSquaresState.sum_of_squares", state.sum_of_squares, params)
        new, out = [], []
        for a, b in zip(u, s, strict=True):
            n = a * a
            n += b
            new.append(n)
            out.append(_divide_by_root(a, n, eps, f))
        return out, SumOfSquaresState(params.treedef.unflatten(freeze(new)))

    return Optimizer(init, Transform(flat))


def _average_of_squares(u: Any, avg: Any, rate: float, keep: float) -> Any:
    """``keep * avg + rate * u**2`` in one fresh array (not ``avg + rate * (u**2 - avg)``: in float32
    that loses a small ``u**2`` next to a large ``avg``)."""
    new = u * u
    new *= rate
    new += avg * keep
    return new


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8) -> Optimizer[RmsState]:
    """RMSprop's scaling: ``s = decay * s + (1 - decay) * u**2``, ``u = u / (sqrt(s) + eps)``;
    ``s`` starts at zero, ``decay`` in ``[0, 1)``, ``eps > 0``."""
    decay = check_number("decay", decay, high=1.0, open_high=True)
    eps = check_number("eps", eps, open_low=True)
    rate = 1 - decay

    def init(params: Any) -> RmsState:
        return RmsState(zeros_like(params))

    def flat(u: Leaves, state: RmsState, params: Params, f: float) -> tuple[Leaves, RmsState]:
        expect_state(state, RmsState)
        s = state_leaves("RmsState.nu", state.nu, params)
        new = [_average_of_squares(a, b, rate, decay) for a, b in zip(u, s, strict=True)]
        out = [_divide_by_root(a, n, eps, f) for a, n in zip(u, new, strict=True)]
        return out, RmsState(params.treedef.unflatten(freeze(new)))

    return Optimizer(init, Transform(flat))


def add_decayed_weights(weight_decay: float = 0.0) -> Optimizer[EmptyState]:
    """Decoupled weight decay: ``u = u + weight_decay * params`` (every leaf, biases too, unless wrapped
    in :func:`~nnfunc.masked`); ``weight_decay >= 0``."""
    weight_decay = check_scalar("weight_decay", weight_decay)

    def flat(u: Leaves, state: EmptyState, params: Params, f: float) -> tuple[Leaves, EmptyState]:
        expect_state(state, EmptyState)
        if not weight_decay:
            return _scaled(u, f), state
        out = []
        for a, p in zip(u, params.leaves, strict=True):
            n = p * (weight_decay * f)
            n += a if f == 1.0 else a * f
            out.append(n)
        return out, state

    return Optimizer(_empty, Transform(flat))


def clip(max_delta: float) -> Optimizer[EmptyState]:
    """``u = clip(u, -max_delta, max_delta)``: every entry of every leaf; ``max_delta >= 0``."""
    max_delta = check_scalar("max_delta", max_delta)

    def flat(u: Leaves, state: EmptyState, params: Params, f: float) -> tuple[Leaves, EmptyState]:
        expect_state(state, EmptyState)
        out = []
        for a in u:
            c = np.clip(a, -max_delta, max_delta)
            if f != 1.0:
                c *= f
            out.append(c)
        return out, state

    return Optimizer(_empty, Transform(flat))


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_SMALLEST_SAFE = 1e-30
"""Below this sum of squares, squares of float32 entries may have underflowed: :func:`global_norm` rescales."""


def global_norm(leaves: Leaves) -> float:
    """``sqrt(sum of squares)`` over every entry of every leaf, as a Python float; exact to rounding even
    where the squares overflow or underflow the leaves' dtype (then computed in float64 on the entries
    divided by the largest magnitude; leaves of other dtypes than float32 and float64, integers
    included, are always taken in float64). NaN if an entry is NaN, else infinite if one is infinite."""
    arrays = [np.asarray(a) for a in leaves]
    if not all(a.dtype in _FLOATS for a in arrays):
        arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    total = sum(float(np.vdot(a, a)) for a in arrays)
    if _SMALLEST_SAFE < total < math.inf or math.isnan(total):  # squares cannot make NaN from finite entries
        return math.sqrt(total)
    wide = [np.asarray(a, dtype=np.float64) for a in arrays]
    largest = max((float(np.max(np.abs(a))) for a in wide if a.size), default=0.0)
    if largest == 0.0 or not math.isfinite(largest):
        return largest  # zero, infinite, or NaN
    return largest * math.sqrt(sum(float(np.vdot(b, b)) for b in (a / largest for a in wide)))


def clip_by_global_norm(max_norm: float) -> Optimizer[EmptyState]:
    """``u = u * min(1, max_norm / norm)`` for every leaf, ``norm`` the 2-norm of all leaves together
    (gradients within ``max_norm`` pass unchanged); ``max_norm > 0``. A NaN entry anywhere makes every
    leaf NaN (as in optax): no leaf passes unclipped beside one whose norm is unknown."""
    max_norm = check_number("max_norm", max_norm, open_low=True)

    def flat(u: Leaves, state: EmptyState, params: Params, f: float) -> tuple[Leaves, EmptyState]:
        expect_state(state, EmptyState)
        norm = global_norm(u)
        if norm <= max_norm:
            return _scaled(u, f), state
        return [a * (f * max_norm / norm) for a in u], state  # NaN norm: NaN everywhere

    return Optimizer(_empty, Transform(flat))
