"""Optimisers as pure values: small gradient transformations and their composition.

An :class:`Optimizer` is an immutable pair of pure functions,
``init(params) -> state`` and ``update(grads, state, params) -> (updates, state)``,
in the manner of optax. Its state is a pytree: NamedTuples holding trees shaped
like the parameters and integer step counts; ``update`` never changes the state
it is given, it returns a new one. ``apply_updates(params, updates)`` adds the
updates to the parameters.

Every optimiser is a :func:`chain` of transformations, each a few lines:

- :func:`scale_by_learning_rate` ``u = -lr_t * u`` (``lr_t`` a number or a schedule of the step ``t``)
- :func:`trace` ``v = decay * v + u``; ``u = v`` (or ``u + decay * v`` with Nesterov)
- :func:`scale_by_rss` ``s = s + u**2``; ``u = u / (sqrt(s) + eps)``
- :func:`scale_by_rms` ``s = decay * s + (1 - decay) * u**2``; ``u = u / (sqrt(s) + eps)``
- :func:`scale_by_adam` bias-corrected moments ``u = m_hat / (sqrt(v_hat) + eps)``
- :func:`add_decayed_weights` ``u = u + weight_decay * params``
- :func:`scale` ``u = factor * u``

so ``adam(lr) == chain(scale_by_adam(), scale_by_learning_rate(lr))``. Hyper-parameters
are checked once, when an optimiser is made. Each transformation touches each
leaf once and only writes into arrays it has just allocated; float32 parameters
give float32 state and updates.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Generic, NamedTuple, Protocol, TypeAlias, TypeVar

import numpy as np

from ._checks import check_number, check_scalar
from .backprop import check_finite_loss, value_and_grad
from .batch import Batch
from .costs import Cost, softmax_cross_entropy
from .model import MLP
from .schedules import Schedule
from .tree import tree_leaves, tree_leaves_with_paths, tree_map

P = TypeVar("P")
S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)


class InitFn(Protocol[S_co]):
    """``init(params) -> state``: the state for a parameter pytree."""

    def __call__(self, params: P, /) -> S_co: ...


class UpdateFn(Protocol[S]):
    """``update(updates, state, params) -> (updates, state)``: updates shaped like ``params``."""

    def __call__(self, updates: P, state: S, params: P, /) -> tuple[P, S]: ...


class Optimizer(NamedTuple, Generic[S]):
    """An optimiser, or one transformation of gradients: two pure functions.

    - ``init(params) -> state``: the starting state for a parameter pytree.
    - ``update(grads, state, params) -> (updates, state)``: ``updates`` has the
      structure, shapes and dtypes of ``params`` (add them with :func:`apply_updates`);
      the new ``state`` replaces the old one, which is left unchanged.
    """

    init: InitFn[S]
    update: UpdateFn[S]


class EmptyState(NamedTuple):
    """The state of a transformation without state."""


class CountState(NamedTuple):
    """``step``: the number of updates made so far (the step ``t`` of the next one)."""

    step: int


class TraceState(NamedTuple):
    """``trace``: the momentum ``v``, shaped like the parameters."""

    trace: Any


class SumOfSquaresState(NamedTuple):
    """``sum_of_squares``: the running sum of squared gradients ``s``, shaped like the parameters."""

    sum_of_squares: Any


class RmsState(NamedTuple):
    """``nu``: the moving average of squared gradients ``s``, shaped like the parameters."""

    nu: Any


class AdamState(NamedTuple):
    """``step`` updates made so far; moments ``mu`` (mean), ``nu`` (uncentred variance) shaped like the parameters."""

    step: int
    mu: Any
    nu: Any


OptState: TypeAlias = tuple[Any, ...]
"""The state of a :func:`chain` (every optimiser here): one state per transformation, in order."""


class _LeafMismatch(Exception):
    """Two leaves differ in shape or dtype (the path is found afterwards, off the fast path)."""


def _difference(tree: object, like: object, *, dtypes: bool = False) -> str | None:
    """Where ``tree`` first differs from ``like`` in structure, leaf shape (or dtype): a message, else ``None``."""
    try:
        tree_map(lambda a, b: None, like, tree)
    except ValueError as e:
        return str(e)
    for (path, a), b in zip(tree_leaves_with_paths(tree), tree_leaves(like), strict=True):
        if np.shape(a) != np.shape(b):
            return f"shape {np.shape(a)} at {path}, expected {np.shape(b)}"
        if dtypes and isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype != b.dtype:
            return f"dtype {a.dtype} at {path}, expected {b.dtype}"
    return None


def _check_leaf(a: Any, b: Any) -> None:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            raise _LeafMismatch
    elif np.shape(a) != np.shape(b):
        raise _LeafMismatch


def _check_like(name: str, tree: object, params: object) -> None:
    """``ValueError`` naming ``name`` and the path unless ``tree`` matches ``params`` in structure, shapes, dtypes."""
    try:
        tree_map(_check_leaf, tree, params)
    except (ValueError, _LeafMismatch):
        problem = _difference(tree, params, dtypes=True)
        raise ValueError(f"{name}: does not match the parameters: {problem}") from None


def _map(f: Callable[..., Any], updates: P, *state: Any) -> P:
    """``tree_map(f, updates, *state)``; a state of another structure or shape is reported as such."""
    try:
        result: P = tree_map(f, updates, *state)
    except ValueError:
        for tree in state:
            problem = _difference(tree, updates)
            if problem is not None:
                raise ValueError(
                    f"state: does not match the gradients: {problem} (make it with this optimiser's init(params))"
                ) from None
        raise
    return result


def _expect_state(state: object, cls: type) -> None:
    """``ValueError`` unless ``state`` is a ``cls``: each transformation's state, made by its own ``init``."""
    if not isinstance(state, cls):
        raise ValueError(
            f"state: expected {cls.__name__}, got {type(state).__name__}; "
            "make the state with this optimiser's init(params)"
        )


def _zeros(params: P) -> P:
    return tree_map(np.zeros_like, params)


def _sqrt_plus(s: Any, eps: float) -> Any:
    """``sqrt(s) + eps`` in a fresh array of ``s``'s dtype."""
    r = np.sqrt(s, out=np.empty_like(s))
    r += eps
    return r


def _divide_by_root(eps: float) -> Callable[[Any, Any], Any]:
    """``(u, s) -> u / (sqrt(s) + eps)`` in one fresh array."""

    def divide(u: Any, s: Any) -> Any:
        r = _sqrt_plus(s, eps)
        return np.divide(u, r, out=r)

    return divide


# ---------------------------------------------------------------------------------------------------------------
# Transformations


def scale(factor: float) -> Optimizer[EmptyState]:
    """``u = factor * u`` (``factor`` a finite number of either sign)."""
    factor = check_scalar("factor", factor, low=-math.inf)

    def init(params: object) -> EmptyState:
        return EmptyState()

    def update(updates: P, state: EmptyState, params: P) -> tuple[P, EmptyState]:
        _expect_state(state, EmptyState)
        return tree_map(lambda u: u * factor, updates), state

    return Optimizer(init, update)


def _rate(lr: float | Schedule, name: str) -> Schedule | float:
    """A checked constant rate, or the schedule itself (checked at every step, where it is evaluated)."""
    if callable(lr):
        return lr
    return check_scalar(name, lr)


def scale_by_learning_rate(lr: float | Schedule) -> Optimizer[CountState]:
    """``u = -lr_t * u``: a descent step of size ``lr_t``, the learning rate for update ``t = 0, 1, ...``.

    ``lr`` is a number ``>= 0`` or a schedule ``t -> lr_t``; a schedule that returns
    a negative or non-finite rate raises ``ValueError`` at that step. The state
    counts the updates made.
    """
    rate = _rate(lr, "lr")

    def init(params: object) -> CountState:
        return CountState(0)

    if not callable(rate):
        neg = -rate

        def update(updates: P, state: CountState, params: P) -> tuple[P, CountState]:
            _expect_state(state, CountState)
            return tree_map(lambda u: u * neg, updates), CountState(state.step + 1)

        return Optimizer(init, update)

    schedule = rate

    def scheduled(updates: P, state: CountState, params: P) -> tuple[P, CountState]:
        _expect_state(state, CountState)
        t = state.step
        value = schedule(t)
        try:
            lr_t = float(value)  # a NumPy float64 scalar would turn float32 updates into float64
        except (TypeError, ValueError):
            raise TypeError(f"lr: the schedule returned {value!r} at step {t}, expected a number") from None
        if not (math.isfinite(lr_t) and lr_t >= 0):
            raise ValueError(f"lr: the schedule returned {lr_t} at step {t}, expected a finite number >= 0")
        neg = -lr_t
        return tree_map(lambda u: u * neg, updates), CountState(t + 1)

    return Optimizer(init, scheduled)


def trace(decay: float = 0.9, nesterov: bool = False) -> Optimizer[TraceState]:
    """Momentum: ``v = decay * v + u``, then ``u = v``, or with ``nesterov`` ``u = u + decay * v``
    (``v`` after its update). ``v`` starts at zero; ``decay`` in ``[0, 1]``."""
    decay = check_number("decay", decay, high=1.0)

    def init(params: P) -> TraceState:
        return TraceState(_zeros(params))

    def decay_add(u: Any, v: Any) -> Any:
        """``u + decay * v`` in a fresh array."""
        out = v * decay
        out += u
        return out

    def update(updates: P, state: TraceState, params: P) -> tuple[P, TraceState]:
        _expect_state(state, TraceState)
        v = _map(decay_add, updates, state.trace)
        return (_map(decay_add, updates, v) if nesterov else v), TraceState(v)

    return Optimizer(init, update)


def scale_by_rss(eps: float = 1e-8) -> Optimizer[SumOfSquaresState]:
    """Adagrad's scaling: ``s = s + u**2``, ``u = u / (sqrt(s) + eps)``; ``s`` starts at zero, ``eps > 0``."""
    eps = check_number("eps", eps, open_low=True)

    def init(params: P) -> SumOfSquaresState:
        return SumOfSquaresState(_zeros(params))

    def accumulate(u: Any, s: Any) -> Any:
        new = u * u
        new += s
        return new

    divide = _divide_by_root(eps)

    def update(updates: P, state: SumOfSquaresState, params: P) -> tuple[P, SumOfSquaresState]:
        _expect_state(state, SumOfSquaresState)
        s = _map(accumulate, updates, state.sum_of_squares)
        return _map(divide, updates, s), SumOfSquaresState(s)

    return Optimizer(init, update)


def _moving_average(rate: float) -> Callable[[Any, Any], Any]:
    """``(x, avg) -> (1 - rate) * avg + rate * x`` in one fresh array.

    Not ``avg + rate * (x - avg)``: in float32 that loses a small ``x`` next to a large ``avg``.
    """
    keep = 1 - rate

    def average(x: Any, avg: Any) -> Any:
        new = x * rate
        new += avg * keep
        return new

    return average


def _moving_average_of_squares(rate: float) -> Callable[[Any, Any], Any]:
    """``(u, avg) -> (1 - rate) * avg + rate * u**2`` in one fresh array."""
    keep = 1 - rate

    def average(u: Any, avg: Any) -> Any:
        new = u * u
        new *= rate
        new += avg * keep
        return new

    return average


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8) -> Optimizer[RmsState]:
    """RMSprop's scaling: ``s = decay * s + (1 - decay) * u**2``, ``u = u / (sqrt(s) + eps)``;
    ``s`` starts at zero, ``decay`` in ``[0, 1)``, ``eps > 0``."""
    decay = check_number("decay", decay, high=1.0, open_high=True)
    eps = check_number("eps", eps, open_low=True)
    average = _moving_average_of_squares(1 - decay)

    def init(params: P) -> RmsState:
        return RmsState(_zeros(params))

    divide = _divide_by_root(eps)

    def update(updates: P, state: RmsState, params: P) -> tuple[P, RmsState]:
        _expect_state(state, RmsState)
        nu = _map(average, updates, state.nu)
        return _map(divide, updates, nu), RmsState(nu)

    return Optimizer(init, update)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer[AdamState]:
    """Adam's scaling (Kingma & Ba): ``m = b1 * m + (1 - b1) * u``, ``v = b2 * v + (1 - b2) * u**2``,
    ``u = m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1**t)``, ``v_hat = v / (1 - b2**t)``
    and ``t = 1`` at the first update. ``b1``, ``b2`` in ``[0, 1)``, ``eps > 0``."""
    b1 = check_number("b1", b1, high=1.0, open_high=True)
    b2 = check_number("b2", b2, high=1.0, open_high=True)
    eps = check_number("eps", eps, open_low=True)
    first = _moving_average(1 - b1)
    second = _moving_average_of_squares(1 - b2)

    def init(params: P) -> AdamState:
        return AdamState(0, _zeros(params), _zeros(params))

    def update(updates: P, state: AdamState, params: P) -> tuple[P, AdamState]:
        _expect_state(state, AdamState)
        t = state.step + 1
        c1, root_c2 = 1 - b1**t, math.sqrt(1 - b2**t)
        # m_hat / (sqrt(v_hat) + eps) == (root_c2 / c1) * m / (sqrt(v) + eps * root_c2): one pass fewer
        factor, eps_t = root_c2 / c1, eps * root_c2

        def direction(m: Any, v: Any) -> Any:
            r = _sqrt_plus(v, eps_t)
            np.divide(m, r, out=r)
            r *= factor
            return r

        mu = _map(first, updates, state.mu)
        nu = _map(second, updates, state.nu)
        return tree_map(direction, mu, nu), AdamState(t, mu, nu)

    return Optimizer(init, update)


def add_decayed_weights(weight_decay: float = 0.0) -> Optimizer[EmptyState]:
    """Decoupled weight decay: ``u = u + weight_decay * params`` (every leaf, biases too); ``weight_decay >= 0``."""
    weight_decay = check_scalar("weight_decay", weight_decay)

    def init(params: object) -> EmptyState:
        return EmptyState()

    def add(u: Any, p: Any) -> Any:
        out = p * weight_decay
        out += u
        return out

    def update(updates: P, state: EmptyState, params: P) -> tuple[P, EmptyState]:
        _expect_state(state, EmptyState)
        if not weight_decay:
            return updates, state
        return tree_map(add, updates, params), state

    return Optimizer(init, update)


def chain(*transforms: Optimizer[Any]) -> Optimizer[OptState]:
    """The transformations applied in order; its state is the tuple of their states.

    Its ``update`` checks that ``grads`` match ``params`` (structure, shapes, dtypes)
    and that ``state`` came from this chain, raising ``ValueError`` naming the path.
    """
    for i, t in enumerate(transforms):
        if not isinstance(t, Optimizer):
            raise TypeError(f"transforms[{i}]: expected an nf optimiser or transformation, got {type(t).__name__}")
    n = len(transforms)

    def init(params: P) -> OptState:
        return tuple(t.init(params) for t in transforms)

    def update(grads: P, state: OptState, params: P) -> tuple[P, OptState]:
        if not isinstance(state, tuple) or len(state) != n:
            got = f"{len(state)} states" if isinstance(state, tuple) else type(state).__name__
            raise ValueError(f"state: expected the {n} states of this chain (from its init(params)), got {got}")
        _check_like("grads", grads, params)
        states = []
        for t, s in zip(transforms, state, strict=True):
            grads, s = t.update(grads, s, params)
            states.append(s)
        return grads, tuple(states)

    return Optimizer(init, update)


# ---------------------------------------------------------------------------------------------------------------
# Optimisers


def sgd(lr: float | Schedule) -> Optimizer[OptState]:
    """Stochastic gradient descent: ``u = -lr_t * g``."""
    return chain(scale_by_learning_rate(lr))


def momentum(lr: float | Schedule, beta: float = 0.9, nesterov: bool = False) -> Optimizer[OptState]:
    """Heavy-ball momentum: ``v = beta * v + g``, ``u = -lr_t * v``; with ``nesterov``,
    ``u = -lr_t * (g + beta * v)``. ``beta`` in ``[0, 1]``; ``beta = 0`` is :func:`sgd`."""
    beta = check_number("beta", beta, high=1.0)
    return chain(trace(beta, nesterov), scale_by_learning_rate(lr))


def adagrad(lr: float | Schedule, eps: float = 1e-8) -> Optimizer[OptState]:
    """Adagrad: ``s = s + g**2``, ``u = -lr_t * g / (sqrt(s) + eps)``, ``s`` from zero; ``eps > 0``."""
    return chain(scale_by_rss(eps), scale_by_learning_rate(lr))


def rmsprop(lr: float | Schedule, decay: float = 0.9, eps: float = 1e-8) -> Optimizer[OptState]:
    """RMSprop: ``s = decay * s + (1 - decay) * g**2``, ``u = -lr_t * g / (sqrt(s) + eps)``;
    ``decay`` in ``[0, 1)``, ``eps > 0``."""
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(lr))


def adam(lr: float | Schedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer[OptState]:
    """Adam: ``u = -lr_t * m_hat / (sqrt(v_hat) + eps)`` with bias-corrected moments (see :func:`scale_by_adam`)."""
    return chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(lr))


def adamw(
    lr: float | Schedule, weight_decay: float = 1e-2, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> Optimizer[OptState]:
    """AdamW (Loshchilov & Hutter): Adam's update plus ``-lr_t * weight_decay * param`` for every parameter."""
    return chain(
        scale_by_adam(b1, b2, eps),
        add_decayed_weights(weight_decay),
        scale_by_learning_rate(lr),
    )


# ---------------------------------------------------------------------------------------------------------------
# Using an optimiser


def _add(p: Any, u: Any) -> Any:
    if np.shape(u) != np.shape(p):
        raise _LeafMismatch
    out = p + u
    if isinstance(p, np.ndarray) and out.dtype != p.dtype:
        out = out.astype(p.dtype)
    return out


def apply_updates(params: P, updates: P) -> P:
    """``params + updates`` leaf by leaf, in the parameters' dtypes; a new pytree like ``params``.

    Raises ``ValueError`` naming the path where ``updates`` differs from ``params``
    in structure or shape.
    """
    try:
        return tree_map(_add, params, updates)
    except (ValueError, _LeafMismatch):
        problem = _difference(updates, params)
        if problem is None:
            raise
        raise ValueError(f"updates: does not match the parameters: {problem}") from None


def optimizer_step(
    opt: Optimizer[S], *, cost: Cost = softmax_cross_entropy, l2: float = 0.0
) -> Callable[[tuple[MLP, S], Batch], tuple[MLP, S]]:
    """A ``step_fn`` for :func:`nnfunc.train`: ``(params, opt_state), batch -> (params, opt_state)``.

    One forward and backward pass (:func:`nnfunc.value_and_grad` of ``cost`` plus
    ``l2/2 * sum(w**2)``), one ``opt.update``, one :func:`apply_updates`. Raises
    ``FloatingPointError`` when the loss is not finite (training diverged).

        opt = nf.adam(1e-3)
        params, state = nf.train(nf.optimizer_step(opt), (params, opt.init(params)), batches)
    """
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt: expected an nf optimiser such as nf.adam(1e-3), got {type(opt).__name__}")
    if not isinstance(cost, Cost):
        raise TypeError(f"cost: expected an nf cost such as nf.softmax_cross_entropy, got {cost!r}")
    l2 = check_scalar("l2", l2)
    update = opt.update

    def step(carry: tuple[MLP, S], batch: Batch) -> tuple[MLP, S]:
        if not isinstance(carry, tuple) or len(carry) != 2:
            raise TypeError(f"carry: expected (params, opt_state), got {type(carry).__name__}")
        params, state = carry
        value, grads = value_and_grad(params, batch, cost=cost, l2=l2)
        check_finite_loss(value)
        updates, state = update(grads, state, params)
        return apply_updates(params, updates), state

    return step
