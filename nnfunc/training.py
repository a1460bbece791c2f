"""Training as a fold: thread a carry (parameters, optimiser state, ...) through a step per batch.

- :func:`train` folds any ``step_fn(carry, batch) -> carry`` over an iterable of batches;
- :func:`optimizer_step` makes such a step of an optimiser: one forward and backward pass,
  one update, on flat leaf lists (the parameters flattened once and rebuilt once per step).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

from ._checks import check_scalar
from ._packed import Packed
from .batch import Batch
from .costs import Cost, softmax_cross_entropy
from .layers.base import Layer
from .network import descend, state_indices, value_grad_leaves_and_state
from .optim.base import Optimizer, Params, Transform, add_leaves, flat_update, freeze
from .tree import match_leaves, tree_flatten, tree_leaves

C = TypeVar("C")
B = TypeVar("B")
P = TypeVar("P", bound=Layer)
S = TypeVar("S")

EXPECTED_BATCHES = "an iterable of batches, e.g. itertools.repeat(batch, n) or nf.batches(key, x, y, batch_size=...)"


def check_batches(name: str, batches: object) -> None:
    """``TypeError`` saying what was expected when ``batches`` is one batch, or not iterable at all."""
    if isinstance(batches, Batch):
        raise TypeError(f"{name}: expected {EXPECTED_BATCHES}, got a single nf.Batch")
    if not isinstance(batches, Iterable):
        raise TypeError(f"{name}: expected {EXPECTED_BATCHES}, got {type(batches).__name__}")


def check_finite_carry(carry: object) -> None:
    """``FloatingPointError`` when a float array of ``carry`` holds NaN or infinity (training diverged).

    One pass over the carry's arrays, run once at the end of a fold: a step's own loss check
    sees the parameters the step before produced, so only the last step's result needs it."""
    for leaf in tree_leaves(carry):
        if isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f" and not np.isfinite(leaf).all():
            raise FloatingPointError(
                "the last step returned NaN or infinite values: training diverged (try a smaller learning rate)"
            )


def train(step_fn: Callable[[C, B], C], params: C, batches: Iterable[B]) -> C:
    """Left fold ``step_fn(... step_fn(step_fn(params, b0), b1) ..., bN)``; ``params`` if there are no batches.

    ``params`` may be any carry, e.g. ``(params, opt_state)``; ``batches`` an iterable of batches
    (``itertools.repeat(batch, n)`` for full-batch training). A step that raises
    ``FloatingPointError`` (a diverged loss) is reported with its index, and so is a last step
    that returned non-finite float arrays (the carry's float arrays must be finite).
    """
    check_batches("batches", batches)
    carry = params
    del params  # the fold holds only the current carry (the first one, e.g. Adam's zero moments, can go)
    step = -1
    for step, batch in enumerate(batches):
        try:
            carry = step_fn(carry, batch)
        except FloatingPointError as e:
            raise FloatingPointError(f"step {step}: {e}") from e
    if step >= 0:
        try:
            check_finite_carry(carry)
        except FloatingPointError as e:
            raise FloatingPointError(f"step {step}: {e}") from e
    return carry


def optimizer_step(
    opt: Optimizer[S], *, cost: Cost = softmax_cross_entropy, l2: float = 0.0
) -> Callable[[tuple[P, S], Batch], tuple[P, S]]:
    """A ``step_fn`` for :func:`train`: ``(params, opt_state), batch -> (params, opt_state)``.

    One forward and backward pass (:func:`nnfunc.value_grad_and_state` of ``cost`` plus
    ``l2/2 * sum(w**2)`` over the weights), one update, ``params + updates``; non-trained state
    (batch-norm running statistics) is taken from the forward pass, never from the optimiser. The parameters and
    gradients are flattened once, an nnfunc optimiser runs on the leaf lists (a user's own
    ``Optimizer`` gets trees), and the new parameters are rebuilt once. Raises
    ``FloatingPointError`` when the loss is not finite (training diverged; :func:`train` also
    checks what the last step returns), ``ValueError`` naming the path when the state was made
    for other parameters.

        opt = nf.adam(1e-3)
        params, state = nf.train(nf.optimizer_step(opt), (params, opt.init(params)), batches)
    """
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt: expected an nf optimiser such as nf.adam(1e-3), got {type(opt).__name__}")
    if not isinstance(cost, Cost):
        raise TypeError(f"cost: expected an nf cost such as nf.softmax_cross_entropy, got {cost!r}")
    l2 = check_scalar("l2", l2)
    update = opt.update
    flat = flat_update(opt)
    linear = update.linear if isinstance(update, Transform) else None
    fresh = isinstance(update, Transform) and update.fresh
    scratch = isinstance(update, Transform) and update.scratch  # it may write into the step's own gradient
    # memos (results never depend on them): the last structure seen with its non-trained leaves,
    # and the parameters the last step returned with their leaves
    seen: list[Any] = [(None, (), None, None)]  # one tuple, replaced whole: safe for threads sharing the step

    def step(carry: tuple[P, S], batch: Batch) -> tuple[P, S]:
        if type(carry) is not tuple or len(carry) != 2:
            raise TypeError(f"carry: expected (params, opt_state), got {type(carry).__name__}")
        params, state = carry
        if linear is not None:  # sgd and other pure scalings: one fused pass, the scaling inside backprop
            factor, state = linear(state)
            return descend(params, batch, -factor, cost=cost, l2=l2), state
        # params with its running statistics (batch norm) moved by this batch; the optimiser updates the rest
        pdef, frozen, last, last_leaves = seen[0]
        layout = last_leaves.plan if params is last and type(last_leaves) is Packed else None
        value, grads, params = value_grad_leaves_and_state(params, batch, cost=cost, l2=l2, layout=layout)
        if not math.isfinite(value):
            raise FloatingPointError(f"loss is {value}: training diverged (try a smaller learning rate)")
        if params is last:  # what this step returned last time: its leaves are known
            p = last_leaves
        else:
            p = None if pdef is None else pdef.leaves_of(params)
            if p is None or pdef is None:
                p, pdef = tree_flatten(params)
                frozen = state_indices(pdef)
        if isinstance(grads, list):  # a Dense stack's gradient leaves, in the parameters' order
            g = grads if fresh else freeze(grads)
        else:
            g = pdef.leaves_of(grads)  # nnfunc's gradient has the parameters' structure
            if g is None:
                g, gdef = tree_flatten(grads)
                match_leaves("grads", g, gdef, p, pdef)
        # the last member may add p itself; a Dense stack's gradient leaves are this step's own scratch
        u, state = flat(g, state, Params(p, pdef, params, True, scratch and isinstance(grads, list)), 1.0)
        leaves = add_leaves(p, u, g if fresh else None)
        if frozen:
            leaves = list(leaves)  # edited below: no longer a Packed list
        for i in frozen:
            leaves[i] = p[i]  # never trained, never decayed: whatever the optimiser made of a zero gradient
        new: P = pdef.unflatten(leaves)
        seen[0] = (pdef, frozen, new, leaves)
        return new, state

    return step
