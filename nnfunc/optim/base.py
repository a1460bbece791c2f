"""What an optimiser is: a pair of pure functions, its state types, and the flat path nnfunc's own use.

An :class:`Optimizer` is an immutable pair ``init(params) -> state`` and
``update(grads, state, params) -> (updates, state)`` (optax's design). Any such pair
works everywhere; a user's own transformation is a plain :class:`Optimizer` over trees.

nnfunc's own transformations also run on *flat leaf lists*: their ``update`` is a
:class:`Transform`, a callable that flattens the trees once, checks them once, runs its
``flat`` function on the leaves and rebuilds once (trusted). :func:`~nnfunc.chain` and
:func:`~nnfunc.optimizer_step` call ``flat`` directly, so a chain of nnfunc transformations
flattens the parameters and gradients once per step, whatever its length. A flat function
returns, for every leaf it changes, a fresh array no state or caller holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, NamedTuple, Protocol, TypeAlias, TypeVar

import numpy as np

from .._packed import Packed, split
from ..tree import TreeDef, match_leaves, tree_flatten

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

Leaves: TypeAlias = list[Any]


class Params(NamedTuple):
    """The parameters of one step, flattened once: ``leaves``, their ``treedef``, and the ``tree`` itself
    (for a user's transformation inside a chain, which works on trees).

    ``add``: the caller adds the updates to ``leaves`` next (a training step), so the transformation
    whose updates are final may return the sums ``leaves + updates`` themselves, as a :class:`Sums`
    list, while its arrays are in cache. A transformation that passes its updates on to another
    (a chain's members but its last) is given ``add=False``.

    ``scratch``: the update leaves given with these parameters are the caller's own fresh arrays
    (a training step's gradient), which no one else holds: the transformation may write its
    results into those that are writeable instead of allocating. Given only to a :class:`Transform`
    made with ``scratch=True`` (nnfunc's Adam, and a chain whose first member is one), and by a
    chain only to its first member."""

    leaves: Leaves
    treedef: TreeDef
    tree: Any
    add: bool = False
    scratch: bool = False


class Sums(list[Any]):
    """``params + updates``, already added (fresh read-only arrays in the parameters' dtypes): what a flat
    function may return when its ``Params`` say ``add``; :func:`add_leaves` passes them through."""


FlatFn: TypeAlias = Callable[[Leaves, Any, Params, float], tuple[Leaves, Any]]
"""``flat(update_leaves, state, params, factor) -> (update_leaves, state)``: the transformation's
updates multiplied by ``factor`` (a chain folds the constant scalings that follow into it)."""


class Transform:
    """The ``update`` of an nnfunc transformation: callable on trees like any ``update``, with ``flat``
    (the same update on leaf lists) for chains and training steps.

    ``linear``, when set, says the transformation only multiplies the updates by a number:
    ``linear(state) -> (factor, new_state)``; a chain folds such factors into the previous
    transformation's last multiplication instead of making a pass of its own.

    ``fresh`` (nnfunc's own, and combinations of only those): every update leaf ``flat`` returns
    is either the leaf it was given or a new array no one else holds, which a training step may
    then overwrite with ``params + update`` instead of allocating.

    ``scratch``: ``flat`` may be given ``Params(scratch=True)`` (see :class:`Params`): it then
    writes only into the update leaves it was given, and passes that permission on only to a
    transformation that takes it too. Off unless asked for: a user's transformation that forwards
    its own arrays to nnfunc's never has them overwritten.
    """

    __slots__ = ("flat", "fresh", "linear", "scratch")

    def __init__(
        self,
        flat: FlatFn,
        linear: Callable[[Any], tuple[float, Any]] | None = None,
        *,
        fresh: bool = True,
        scratch: bool = False,
    ) -> None:
        self.flat = flat
        self.linear = linear
        self.fresh = fresh
        self.scratch = scratch

    def __call__(self, updates: P, state: Any, params: P) -> tuple[P, Any]:
        p, pdef = tree_flatten(params)
        g, gdef = tree_flatten(updates)
        match_leaves("grads", g, gdef, p, pdef)
        u, state = self.flat(g, state, Params(p, pdef, params), 1.0)
        if self.fresh:  # new arrays only this call holds, or the caller's own leaves (copied)
            out = freeze([a.copy() if a is b and type(a) is np.ndarray else a for a, b in zip(u, g, strict=True)])
        else:  # a user's transformation inside: its arrays may be shared, hand out copies
            out = freeze([np.array(a) if isinstance(a, np.ndarray) else a for a in u])
        result: P = pdef.unflatten(out)
        return result, state


def expect_state(state: object, cls: type) -> None:
    """``ValueError`` unless ``state`` is a ``cls``: each transformation's state, made by its own ``init``."""
    if type(state) is not cls:
        raise ValueError(
            f"state: expected {cls.__name__}, got {type(state).__name__}; "
            "make the state with this optimiser's init(params)"
        )


def state_leaves(where: str, tree: Any, params: Params) -> Leaves:
    """The leaves of a state tree (the field ``where``, e.g. ``"AdamState.mu"``), checked once against
    the parameters: structure, shapes, dtypes."""
    leaves = params.treedef.leaves_of(tree)
    if leaves is None or not _same_arrays(leaves, params.leaves):
        leaves, treedef = tree_flatten(tree)
        match_leaves("state", leaves, treedef, params.leaves, params.treedef, against=f"the parameters (in {where})")
    return leaves


def _same_arrays(leaves: Leaves, like: Leaves) -> bool:
    """Whether every leaf is an array of the shape and dtype of its counterpart in ``like``."""
    for a, b in zip(leaves, like, strict=True):
        if type(a) is not np.ndarray or a.shape != b.shape or a.dtype != b.dtype:
            return False
    return True


def zeros_like(params: P) -> P:
    """A tree of zeros shaped like ``params``, with its dtypes (read-only arrays, rebuilt trusted)."""
    leaves, treedef = tree_flatten(params)
    result: P = treedef.unflatten(freeze([np.zeros_like(a) for a in leaves]))
    return result


def freeze(leaves: Leaves) -> Leaves:
    """Mark fresh arrays read-only, and the array they are views of (only nnfunc holds it); returns them."""
    for a in leaves:
        if type(a) is np.ndarray:
            a.setflags(write=False)
            base = a.base
            if type(base) is np.ndarray and base.flags.writeable:
                base.setflags(write=False)
    return leaves


def flat_update(opt: Optimizer[Any]) -> FlatFn:
    """``opt``'s flat update: its own for an nnfunc transformation; around a user's tree update otherwise
    (rebuild the leaves into a tree, call it, flatten and check what it returns)."""
    update = opt.update
    if isinstance(update, Transform):
        return update.flat

    def flat(g: Leaves, state: Any, params: Params, factor: float) -> tuple[Leaves, Any]:
        tree = params.treedef.unflatten(g)
        out, state = update(tree, state, params.tree)
        leaves, treedef = tree_flatten(out)
        match_leaves("updates", leaves, treedef, params.leaves, params.treedef)
        return (leaves if factor == 1.0 else [a * factor for a in leaves]), state

    return flat


def _add(p: Any, u: Any) -> Any:
    if not isinstance(p, np.ndarray):
        return p + u
    out = np.add(p, u, out=np.empty_like(p))  # the parameters' dtype and shape (0-d arrays stay arrays)
    out.setflags(write=False)
    return out


def add_leaves(p: Leaves, u: Leaves, given: Leaves | None = None) -> Leaves:
    """``p + u`` leaf by leaf in read-only arrays of the parameters' dtypes.

    With ``given`` (the leaves a *fresh* transformation was given), an update leaf that is not one
    of them is a new array only this step holds: the sum is written into it, saving an allocation.
    """
    if type(u) is Sums:
        return u
    if given is None:
        return [_add(a, b) for a, b in zip(p, u, strict=True)]
    if type(u) is Packed and u is not given and len(u) == len(p) and u.flat.flags.writeable:
        flat = u.flat  # a fresh vector: the sums are written into it, and u's leaves (its views) are them
        if type(p) is Packed and p.plan is u.plan and p.flat.dtype == flat.dtype:
            flat += p.flat
        elif all(type(a) is np.ndarray and a.dtype == flat.dtype for a in p):
            for a, b in zip(p, split(flat, u.plan), strict=True):
                b += a
        else:
            return freeze([_add(a, b) for a, b in zip(p, u, strict=True)])
        flat.setflags(write=False)
        return u if not u[0].flags.writeable else freeze(u)  # one Packed's views share their flag
    out = []
    for a, b, g in zip(p, u, given, strict=True):
        if b is not g and type(b) is np.ndarray and type(a) is np.ndarray and b.dtype == a.dtype and b.flags.writeable:
            b += a
            out.append(b)
        else:
            out.append(_add(a, b))
    return freeze(out)


def apply_updates(params: P, updates: P) -> P:
    """``params + updates`` leaf by leaf, in the parameters' dtypes; a new pytree like ``params``.

    Raises ``ValueError`` naming the path where ``updates`` differs from ``params``
    in structure or shape.
    """
    p, pdef = tree_flatten(params)
    u, udef = tree_flatten(updates)
    match_leaves("updates", u, udef, p, pdef, dtypes=False)
    result: P = pdef.unflatten(add_leaves(p, u))
    return result
