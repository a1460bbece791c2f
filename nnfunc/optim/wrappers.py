"""Transformations made of transformations: :func:`chain`, :func:`masked`, :func:`multi_steps`.

All three run their members on flat leaf lists (the members' ``flat`` functions, or a
user's tree ``update`` wrapped once), so a chain flattens the trees once per step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeAlias

import numpy as np

from .._checks import check_count, is_integer
from ..tree import match_structure, tree_flatten
from .base import (
    Leaves,
    Optimizer,
    OptState,
    Params,
    Transform,
    expect_state,
    flat_update,
    freeze,
    state_leaves,
    zeros_like,
)

Linear: TypeAlias = Callable[[Any], tuple[float, Any]]


def _fresh(t: Optimizer[Any]) -> bool:
    return isinstance(t.update, Transform) and t.update.fresh


def _takes_scratch(t: Optimizer[Any]) -> bool:
    return isinstance(t.update, Transform) and t.update.scratch


def _check_member(name: str, t: object) -> Optimizer[Any]:
    if not isinstance(t, Optimizer):
        raise TypeError(f"{name}: expected an nf optimiser or transformation, got {type(t).__name__}")
    return t


def _member_params(params: Params, first: bool, last: bool) -> Params:
    """What a chain gives its member: only the last may add the parameters to its updates (``add``), only
    the first may write into the update leaves it is given (``scratch``, the step's own arrays)."""
    add, scratch = params.add and last, params.scratch and first
    if add == params.add and scratch == params.scratch:
        return params
    return params._replace(add=add, scratch=scratch)


def chain(*transforms: Optimizer[Any]) -> Optimizer[OptState]:
    """The transformations applied in order; its state is the tuple of their states.

    Its ``update`` flattens ``grads`` and ``params`` once, checks that they match (structure,
    shapes, dtypes) and that ``state`` came from this chain, runs every member on the leaf
    lists and rebuilds once; a member's state made for other parameters is refused naming the
    path. Members that only multiply by a number (:func:`scale`, :func:`scale_by_learning_rate`)
    are folded into the multiplication that ends the member before them.
    """
    members = [_check_member(f"transforms[{i}]", t) for i, t in enumerate(transforms)]
    n = len(members)
    flats = [flat_update(t) for t in members]
    linears = [t.update.linear if isinstance(t.update, Transform) else None for t in members]
    # (member, the linear members right after it, folded into its last multiplication)
    groups: list[tuple[int, list[tuple[int, Linear]]]] = []
    for i, lin in enumerate(linears):
        if lin is not None and groups:
            groups[-1][1].append((i, lin))
        else:
            groups.append((i, []))
    last = len(groups) - 1

    def init(params: Any) -> OptState:
        return tuple(t.init(params) for t in members)

    def check(state: object) -> None:
        if type(state) is not tuple or len(state) != n:
            got = f"{len(state)} states" if isinstance(state, tuple) else type(state).__name__
            raise ValueError(f"state: expected the {n} states of this chain (from its init(params)), got {got}")

    def flat(u: Leaves, state: OptState, params: Params, factor: float) -> tuple[Leaves, OptState]:
        check(state)
        new = list(state)
        for k, (head, tail) in enumerate(groups):
            f = factor if k == last else 1.0
            for j, lin in tail:
                fj, new[j] = lin(state[j])
                f *= fj
            u, new[head] = flats[head](u, state[head], _member_params(params, k == 0, k == last), f)
        return u, tuple(new)

    lins = [lin for lin in linears if lin is not None]
    fresh = all(_fresh(t) for t in members)
    scratch = bool(members) and _takes_scratch(members[0])  # only the first member is given scratch
    # adam & co (one transformation, then scalings) in one call: timed alone it is no faster than the loop
    # below, but inside a training step it saves about 6 us of 175 (tabular Adam, benchmarks/tabular.py)
    if len(groups) == 1 and groups[0][0] == 0 and linears[0] is None:
        head, tail = flats[0], groups[0][1]

        def flat_one(u: Leaves, state: OptState, params: Params, factor: float) -> tuple[Leaves, OptState]:
            if type(state) is not tuple or len(state) != n:
                check(state)
            new: list[Any] = [None]  # the head's state, set below
            for j, lin in tail:
                fj, s = lin(state[j])
                factor *= fj
                new.append(s)
            u, new[0] = head(u, state[0], params, factor)
            return u, tuple(new)

        return Optimizer(init, Transform(flat_one, fresh=fresh, scratch=scratch))
    if n == 0 or len(lins) < n:
        return Optimizer(init, Transform(flat, fresh=fresh, scratch=scratch))

    if n == 1:  # sgd: one scaling
        only = lins[0]

        def single(state: OptState) -> tuple[float, OptState]:
            if type(state) is not tuple or len(state) != 1:
                check(state)
            f, s = only(state[0])
            return f, (s,)

        return Optimizer(init, Transform(flat, single, fresh=fresh))

    def linear(state: OptState) -> tuple[float, OptState]:
        check(state)
        f, new = 1.0, []
        for lin, s in zip(lins, state, strict=True):
            fi, s = lin(s)
            f *= fi
            new.append(s)
        return f, tuple(new)

    return Optimizer(init, Transform(flat, linear, fresh=fresh))


class MaskedState(NamedTuple):
    """``inner_state``: the state of the masked transformation, made for the selected leaves (a list);
    ``selected``: their positions among the parameters' leaves (a mask that later selects other leaves
    is refused: their state would be another leaf's)."""

    inner_state: Any
    selected: tuple[int, ...]


Mask = Any
"""A pytree of bools shaped like the parameters, or a function ``params -> `` such a pytree."""


def _selected(mask: Mask, params: Params) -> list[int]:
    """Indices of the leaves where ``mask`` (or ``mask(params)``) is True, checked against the parameters."""
    tree = mask(params.tree) if callable(mask) else mask
    leaves, treedef = tree_flatten(tree)
    match_structure("mask", treedef, params.treedef)
    out = []
    for i, b in enumerate(leaves):
        if not isinstance(b, (bool, np.bool_)):
            raise TypeError(f"mask: expected True or False at {treedef.paths[i]}, got {b!r}")
        if b:
            out.append(i)
    return out


def _sub_params(params: Params, selected: list[int]) -> Params:
    leaves = [params.leaves[i] for i in selected]
    return Params(leaves, tree_flatten(leaves)[1], leaves)


def masked(inner: Optimizer[Any], mask: Mask) -> Optimizer[MaskedState]:
    """``inner`` applied to the leaves where ``mask`` is True; the others pass unchanged.

    ``mask`` is a pytree of bools with the parameters' structure, or a function ``params ->``
    such a pytree (called at every update, and refused if it selects other leaves than at ``init``:
    the state is theirs). ``inner`` sees the selected leaves as a list (its state is made for
    that list). E.g. weight decay on the weights only::

        decay = nf.masked(nf.add_decayed_weights(1e-2), nf.l2_mask)
    """
    inner = _check_member("inner", inner)
    if not callable(mask):
        tree_flatten(mask)  # a tree: checked against the parameters at init and at every update
    inner_flat = flat_update(inner)

    def init(params: Any) -> MaskedState:
        leaves, treedef = tree_flatten(params)
        selected = _selected(mask, Params(leaves, treedef, params))
        return MaskedState(inner.init([leaves[i] for i in selected]), tuple(selected))

    def flat(u: Leaves, state: MaskedState, params: Params, f: float) -> tuple[Leaves, MaskedState]:
        expect_state(state, MaskedState)
        selected = _selected(mask, params)
        if tuple(selected) != state.selected:
            paths = params.treedef.paths

            def names(indices: Any) -> str:
                return ", ".join(paths[i] if 0 <= i < len(paths) else f"leaf {i}" for i in indices) or "no leaf"

            raise ValueError(
                f"mask: selects {names(selected)} now, but the state was made for {names(state.selected)}; "
                "a mask must select the same leaves at every update (make a new state with init for another)"
            )
        done, inner_state = inner_flat([u[i] for i in selected], state.inner_state, _sub_params(params, selected), f)
        out = list(u) if f == 1.0 else [a * f for a in u]  # unselected leaves: passed on (scaled)
        for i, a in zip(selected, done, strict=True):
            out[i] = a
        return out, MaskedState(inner_state, state.selected)

    return Optimizer(init, Transform(flat, fresh=_fresh(inner)))


class MultiStepsState(NamedTuple):
    """``mini_step``: gradients summed since the inner transformation last ran (``0 .. every_k - 1``);
    ``acc``: their sum, shaped like the parameters; ``inner_state``: the inner transformation's state."""

    mini_step: int
    acc: Any
    inner_state: Any


def multi_steps(inner: Optimizer[Any], every_k: int) -> Optimizer[MultiStepsState]:
    """Gradient accumulation (optax's ``MultiSteps``): the mean of ``every_k`` successive gradients goes
    to ``inner`` every ``every_k``-th update; the other updates are zero.

    ``every_k`` steps of batch ``b`` then move the parameters as one step of batch ``every_k * b``
    would (for a loss that is a mean over samples), in the memory of one batch.

        opt = nf.multi_steps(nf.adam(1e-3), every_k=4)
    """
    inner = _check_member("inner", inner)
    k = check_count("every_k", every_k)
    inner_flat = flat_update(inner)

    def init(params: Any) -> MultiStepsState:
        return MultiStepsState(0, zeros_like(params), inner.init(params))

    def flat(u: Leaves, state: MultiStepsState, params: Params, f: float) -> tuple[Leaves, MultiStepsState]:
        expect_state(state, MultiStepsState)
        mini = state.mini_step
        if not is_integer(mini) or not 0 <= mini < k:
            raise ValueError(f"state: expected a mini_step in [0, {k}) in MultiStepsState, got {mini!r}")
        acc = state_leaves("MultiStepsState.acc", state.acc, params)
        summed = [a + b for a, b in zip(acc, u, strict=True)]
        if mini + 1 < k:
            zeros = [np.zeros_like(a) for a in u]
            return zeros, MultiStepsState(mini + 1, params.treedef.unflatten(freeze(summed)), state.inner_state)
        mean = [a / k for a in summed]  # fresh arrays (0-d leaves sum to NumPy scalars: no in-place division)
        out, inner_state = inner_flat(mean, state.inner_state, params, f)
        return out, MultiStepsState(0, zeros_like(params.tree), inner_state)

    return Optimizer(init, Transform(flat, fresh=_fresh(inner)))
